"""analytics._text: the one bound on user-supplied text before it is stored."""

from __future__ import annotations

import duckdb
import pytest

from analytics import settings
from analytics._text import clip_name, clip_sql, clip_text


@pytest.mark.parametrize(("value", "limit", "expected"), [
    (None, 10, ""),
    ("corto", 10, "corto"),
    ("exactamente", 11, "exactamente"),
    ("demasiado largo", 10, "demasiado…"),
    ("dos\nlíneas\t\x1b[31m", 50, "dos líneas [31m"),
    (12345, 3, "12…"),
], ids=["none", "short", "exact", "cut", "control-chars", "not-a-string"])
def test_clip_text(value: object, limit: int, expected: str) -> None:
    assert clip_text(value, limit) == expected
    assert len(clip_text(value, limit)) <= limit


def test_clip_name_uses_the_name_limit() -> None:
    out = clip_name("x" * 5_000_000)
    assert len(out) == settings.MAX_NAME_CHARS and out.endswith("…")


def test_clip_sql_matches_clip_text() -> None:
    con = duckdb.connect(":memory:")
    for value in ("corto", "demasiado largo", "ñandú" * 10):
        sql = f"SELECT {clip_sql('v', 10)} FROM (SELECT ? AS v)"
        got = con.execute(sql, [value]).fetchall()[0][0]
        assert got == clip_text(value, 10)
    assert con.execute(f"SELECT {clip_sql('NULL', 10)}").fetchall()[0][0] is None
    con.close()
