"""Bounds on user-supplied text before it is stored.

Everything a stranger can type (a user name on the login form, an upload's file
name, a source label) ends up in a table. :func:`clip_text` is the one place
that bounds it: every writer of such a column calls it (or :func:`clip_sql`
inside an ``INSERT … SELECT``), so no single request can grow the store by
more than a few kilobytes.
"""

from __future__ import annotations

import re
from typing import Final

from analytics import settings

#: Appended to text that was cut.
ELLIPSIS: Final = "…"
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def clip_text(value: object, limit: int = settings.MAX_DETAIL_CHARS) -> str:
    """``value`` as one line of at most ``limit`` characters.

    Control characters (newlines, escapes) become one space; text longer than
    ``limit`` keeps its first ``limit - 1`` characters and ends with "…".

    Parameters
    ----------
    value
        Any object; ``None`` gives ``""``.
    limit
        Maximum length of the result, at least 1.

    Returns
    -------
    str
    """
    if value is None:
        return ""
    size = max(1, int(limit))
    text = str(value)
    if len(text) > 4 * size:  # never scan megabytes of an oversized value
        text = text[: 4 * size]
    text = _CONTROL.sub(" ", text)
    if len(text) <= size:
        return text
    return text[: size - 1] + ELLIPSIS


def clip_name(value: object) -> str:
    """:func:`clip_text` with :data:`settings.MAX_NAME_CHARS` (user names, sources, files)."""
    return clip_text(value, settings.MAX_NAME_CHARS)


def clip_sql(expr: str, limit: int) -> str:
    """SQL for the same bound inside DuckDB (``NULL`` stays ``NULL``).

    For ``INSERT … SELECT`` writers, e.g. ``clip_sql('CAST(r."x" AS VARCHAR)', 200)``.
    Unlike :func:`clip_text` it does not replace control characters.
    """
    size = max(1, int(limit))
    return (f"CASE WHEN length({expr}) > {size} "
            f"THEN left({expr}, {size - 1}) || '{ELLIPSIS}' ELSE {expr} END")
