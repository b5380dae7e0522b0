"""The real ingest API in a subprocess, for the API tests (helpers, no fixtures)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
#: How long (s) a fresh service may take to answer its health check (busy machine).
START_TIMEOUT = 120.0
#: How long (s) one request may take before the test fails.
REQUEST_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str, db: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m analytics ARGS --db DB`` (checked by the caller)."""
    return subprocess.run([sys.executable, "-m", "analytics", *args, "--db", str(db)],
                          cwd=ROOT, capture_output=True, text=True, input=stdin,
                          timeout=300, check=False)


def add_token(db: Path, name: str, role: str = "ingest") -> str:
    """A new token made with the CLI (its last line)."""
    out = cli("tokens", "add", name, "--role", role, db=db)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def lima_now() -> datetime:
    return datetime.now(ZoneInfo("America/Lima")).replace(tzinfo=None, microsecond=0)


def incident(ident: str | None, *, minutes_ago: int = 60, lat: float = -12.0680,
             lon: float = -77.0180, tipo: str = "robo", **extra: Any) -> dict[str, Any]:
    """One incident as a C4 system would post it (Spanish keys)."""
    when = lima_now() - timedelta(minutes=minutes_ago)
    rec: dict[str, Any] = {"fecha_hora": when.strftime("%Y-%m-%d %H:%M:%S"), "latitud": lat,
                           "longitud": lon, "tipo": tipo, "distrito": "LA VICTORIA"}
    if ident is not None:
        rec["id"] = ident
    rec.update(extra)
    return rec


@dataclass
class Server:
    """A running ``serve-api``: its port, process and log file."""

    db: Path
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def request(self, method: str, path: str, *, body: bytes | None = None,
                token: str | None = None, headers: dict[str, str] | None = None,
                timeout: float = REQUEST_TIMEOUT) -> tuple[int, dict[str, str], Any]:
        """One HTTP request; ``(status, headers, JSON body or text)``."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            h = dict(headers or {})
            if token is not None:
                h["Authorization"] = f"Bearer {token}"
            conn.request(method, path, body=body, headers=h)
            resp = conn.getresponse()
            raw = resp.read()
            try:
                data: Any = json.loads(raw)
            except ValueError:
                data = raw.decode("utf-8", "replace")
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def post(self, records: Any, token: str, **kw: Any) -> tuple[int, dict[str, str], Any]:
        """``POST /api/v1/incidents`` with a JSON body."""
        text = json.dumps(records, ensure_ascii=False)
        try:
            body = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: sent as JSON escapes (valid JSON)
            body = json.dumps(records).encode("ascii")
        return self.request("POST", "/api/v1/incidents", body=body, token=token,
                            headers={"Content-Type": "application/json"}, **kw)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no goodbye."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start(db: Path, log: Path, *, port: int | None = None, extra: tuple[str, ...] = ()
          ) -> Server:
    """Start ``serve-api`` over ``db`` and wait for its health check."""
    port = port or free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("ab") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "analytics", "serve-api", "--db", str(db),
                                 "--port", str(port), "--log-level", "warning", *extra],
                                cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT, env=env)
    server = Server(db, port, proc, log)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            status, _, _ = server.request("GET", "/api/v1/health", timeout=2)
            if status == 200:
                return server
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise AssertionError(f"serve-api no arrancó: {log.read_text(errors='replace')}")
        time.sleep(0.2)


@contextmanager
def running(db: Path, log: Path, **kw: Any) -> Iterator[Server]:
    server = start(db, log, **kw)
    try:
        yield server
    finally:
        server.stop()
