"""``analytics.cli.main``: whatever goes wrong, one Spanish line on stderr, never a traceback.

A damaged store (junk bytes, a truncated file, blocks scrambled after the catalog, a
directory, a path under a file) used to print DuckDB tracebacks from ``ingest``,
``users list`` or ``export``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from analytics import cli, ingest

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "ingest"


@pytest.fixture(scope="module")
def good_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("bueno") / "vigia.duckdb"
    ingest.ingest_files([DATA / "philly_like.csv"], db=db)
    return db


def _damaged(kind: str, good: Path, tmp: Path) -> Path:
    rng = np.random.default_rng(0)
    data = good.read_bytes()
    path = tmp / f"{kind}.duckdb"
    if kind == "junk":
        path.write_bytes(rng.integers(0, 256, 20_000, dtype=np.uint8).tobytes())
    elif kind == "truncated":
        path.write_bytes(data[: len(data) // 16])
    elif kind == "scrambled-second-half":  # opens, then fails on the first read of a table
        half = len(data) // 2
        path.write_bytes(data[:half] + rng.integers(0, 256, len(data) - half,
                                                    dtype=np.uint8).tobytes())
    elif kind == "directory":
        path.mkdir()
    elif kind == "under-a-file":
        path.write_bytes(b"x")
        path = path / "vigia.duckdb"
    return path


COMMANDS = {
    "ingest": ["ingest", str(DATA / "philly_like.csv")],
    "users-list": ["users", "list"],
    "export": ["export", "--out", "{tmp}/salida.csv"],
    "imports-list": ["imports", "list"],
}


@pytest.mark.parametrize("kind", ["junk", "truncated", "scrambled-second-half", "directory",
                                  "under-a-file"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_damaged_store_is_one_spanish_line_exit_2(good_store: Path, tmp_path: Path, kind: str,
                                                  command: str) -> None:
    db = _damaged(kind, good_store, tmp_path)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in COMMANDS[command]]
    env = {k: v for k, v in os.environ.items() if k != cli.DEBUG_ENV_VAR}
    run = subprocess.run([sys.executable, "-m", "analytics", *argv, "--db", str(db)],
                         capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert run.returncode == cli.EXIT_USER_ERROR, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.stderr
    assert "Traceback" not in run.stderr and "_duckdb" not in run.stderr
    assert any(w in lines[0] for w in ("almacén", "archivo", "carpeta")), lines[0]


def test_a_bug_is_one_line_exit_1_and_a_traceback_only_with_vigia_debug(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from analytics import _cli_users

    def broken(args: object) -> int:
        raise KeyError("columna")

    monkeypatch.setattr(_cli_users, "run", broken)
    monkeypatch.delenv(cli.DEBUG_ENV_VAR, raising=False)
    assert cli.main(["users", "list"]) == cli.EXIT_BUG
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error inesperado (KeyError)" in err and "VIGIA_DEBUG" in err
    monkeypatch.setenv(cli.DEBUG_ENV_VAR, "1")
    assert cli.main(["users", "list"]) == cli.EXIT_BUG
    assert "Traceback" in capsys.readouterr().err
