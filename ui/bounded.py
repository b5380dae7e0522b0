"""Bounds on what a page sends to the browser: clipped text, capped rows.

Text that comes from users or their files (previews, quarantined rows, import
history, file and column names, crime types and districts of the store, free
text) can be arbitrarily long: one 300 MB cell once made every page fail for
every user. Pages pass it through here before any ``st.*`` call::

    from ui import bounded

    bounded.table(frame, key="data_quarantine")   # first MAX_ROWS rows, cells clipped
    st.caption(t("...", file=bounded.clip_text(name)))
    st.multiselect(..., format_func=bounded.clip_label)

The limits are read-only constants (one process serves every user).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final

import pandas as pd
import streamlit as st

from ui.i18n import fmt_int, t

#: Longest text shown in one table cell, caption or label (characters).
MAX_CELL_CHARS: Final = 200
#: Most rows a table sends to the browser (the caption says "first N of M").
MAX_ROWS: Final = 500
#: Longest text of one cell in a CSV download (the raw value is kept up to this).
MAX_EXPORT_CHARS: Final = 2000
#: Longest option label in a selectbox or multiselect.
MAX_LABEL_CHARS: Final = 80
ELLIPSIS: Final = "…"


def clip_text(value: object, limit: int = MAX_CELL_CHARS) -> str:
    """Return ``value`` as text of at most ``limit`` characters (an ellipsis marks the cut)."""
    text = value if isinstance(value, str) else _as_text(value)
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def clip_label(value: object, limit: int = MAX_LABEL_CHARS) -> str:
    """Return a short option label that stays distinct.

    A clipped label ends with a hash of the full value, so two long values with the
    same start never share a label.
    """
    text = value if isinstance(value, str) else _as_text(value)
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:6]
    suffix = f"{ELLIPSIS} (#{digest})"
    return text[: max(limit - len(suffix), 0)] + suffix


def _as_text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, (list, dict, tuple)):
        try:
            return json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def _clip_cell(value: Any, limit: int) -> Any:
    if isinstance(value, str):
        return value if len(value) <= limit else value[: limit - 1] + ELLIPSIS
    if isinstance(value, (list, dict, tuple, bytes)):
        return clip_text(value.decode("utf-8", "replace") if isinstance(value, bytes)
                         else value, limit)
    return value


def clip_frame(frame: pd.DataFrame, *, max_rows: int | None = MAX_ROWS,
               max_chars: int = MAX_CELL_CHARS) -> pd.DataFrame:
    """Return the first ``max_rows`` rows (``None``: all) with text clipped.

    Every text cell and column name is cut to ``max_chars``; numbers and dates are
    unchanged.
    """
    out = frame if max_rows is None else frame.head(max_rows)
    out = out.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[col] = pd.Series([_clip_cell(v, max_chars) for v in s.tolist()],
                                 index=s.index, dtype=object)
    out.columns = [c if isinstance(c, int) else clip_label(c, max_chars) for c in out.columns]
    return out


def table(frame: pd.DataFrame, *, max_rows: int = MAX_ROWS, max_chars: int = MAX_CELL_CHARS,
          **kwargs: Any) -> None:
    """Draw ``st.dataframe`` of at most ``max_rows`` rows with clipped cells.

    When rows were left out, a caption says "Primeras N de M filas" (the full table
    is in the page's CSV download, where there is one). ``kwargs`` go to
    ``st.dataframe`` (``key``, ``width``, ``hide_index`` defaults to ``True``).
    """
    kwargs.setdefault("hide_index", True)
    st.dataframe(clip_frame(frame, max_rows=max_rows, max_chars=max_chars), **kwargs)
    if len(frame) > max_rows:
        st.caption(t("table.first_rows", n=fmt_int(max_rows), total=fmt_int(len(frame))))


def export_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return all rows, text cells clipped to :data:`MAX_EXPORT_CHARS` (CSV downloads)."""
    return clip_frame(frame, max_rows=None, max_chars=MAX_EXPORT_CHARS)
