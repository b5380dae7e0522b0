"""Write one benchmark's section of ``bench/RESULTS.md`` (between markers), leaving the rest."""

from __future__ import annotations

import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
_HEADER = (
    "# Benchmark results\n\n"
    "Each section is written by the script it names (run by hand: "
    "`.venv/bin/python bench/NAME.py`).\n"
    "Times are wall-clock on the shared 2-core, 24 GiB machine; compare the ratios against "
    "the bare\n"
    "reference timed in the same run, not the absolute seconds.\n"
)


def machine_line() -> str:
    """One line describing when and where the numbers were taken."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, check=False).stdout.strip()
    except OSError:
        rev = "?"
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"_{now}, commit {rev}, Python {platform.python_version()}, {platform.machine()}_"


def write_section(name: str, body: str) -> None:
    """Replace (or append) the section ``name`` of RESULTS.md with ``body``."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else _HEADER
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.rstrip()}\n\n{machine_line()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")
