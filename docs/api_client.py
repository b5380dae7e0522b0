"""Example client of Vigía's ingest API (standard library only; see docs/API.md).

Usage::

    python docs/api_client.py --url http://127.0.0.1:8600 --token vg_... post incidentes.json
    python docs/api_client.py --url http://127.0.0.1:8600 --token vg_... alerts

``post`` reads a JSON list of incidents (or ``{"incidents": [...]}``) and sends it in posts of at
most ``--batch`` incidents. A post that gets no answer, ``429`` or ``503`` is sent again, with the
same content, after a pause (``Retry-After`` when given): retries are counted as duplicates by
Vigía, never stored twice. Any other refusal (``4xx``) stops with its Spanish reason.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from typing import Any

RETRY_STATUSES = {429, 502, 503, 504}


def request(url: str, token: str, *, body: Any = None, timeout: float = 60.0
            ) -> tuple[int, dict[str, str], Any]:
    """One request; ``(status, headers, JSON answer)``."""
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read())
    except urllib.error.HTTPError as err:
        try:
            answer = json.loads(err.read())
        except ValueError:
            answer = {"error": err.reason}
        return err.code, dict(err.headers), answer


def post_incidents(base: str, token: str, incidents: list[Any], *, batch: int = 1000,
                   max_tries: int = 10) -> dict[str, int]:
    """Post ``incidents`` in batches; return the summed counts."""
    totals = {"rows_read": 0, "accepted": 0, "duplicates": 0, "quarantined": 0}
    for start in range(0, len(incidents), batch):
        chunk = incidents[start:start + batch]
        for attempt in range(1, max_tries + 1):
            try:
                status, headers, answer = request(f"{base}/api/v1/incidents", token, body=chunk)
            except OSError as exc:  # no answer: the post may or may not be stored; resend it
                status, headers, answer = 0, {}, {"error": str(exc)}
            if status == 200:
                for k in totals:
                    totals[k] += int(answer[k])
                break
            if status and status not in RETRY_STATUSES:
                raise SystemExit(f"rechazado ({status}): {answer.get('error')}")
            wait = float(headers.get("Retry-After", min(2 ** attempt, 30)))
            print(f"sin respuesta o servicio ocupado ({status or 'red'}); reintento en "
                  f"{wait:g} s", file=sys.stderr)
            time.sleep(wait)
        else:
            raise SystemExit("no se pudo enviar el lote tras varios intentos")
    return totals


def main() -> None:
    """Command line: ``post FILE`` or ``alerts``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True, help="base URL, e.g. https://vigia.example.gob.pe")
    ap.add_argument("--token", required=True)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("post", help="send the incidents of a JSON file")
    p.add_argument("path")
    p.add_argument("--batch", type=int, default=1000)
    sub.add_parser("alerts", help="print the active alerts")
    args = ap.parse_args()
    base = args.url.rstrip("/")
    if args.cmd == "post":
        with open(args.path, encoding="utf-8") as fh:
            doc = json.load(fh)
        incidents = doc["incidents"] if isinstance(doc, dict) else doc
        print(json.dumps(post_incidents(base, args.token, incidents, batch=args.batch)))
    else:
        status, _, answer = request(f"{base}/api/v1/alerts", args.token)
        if status != 200:
            raise SystemExit(f"rechazado ({status}): {answer.get('error')}")
        for a in answer:
            print(f"{a['h3']}  {a['crime_type']:<20} hasta {a['expires_at']}  "
                  f"({a['n_incidents']} incidente(s))")


if __name__ == "__main__":
    main()
