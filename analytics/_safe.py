"""Spreadsheet-safe text in every table Vigía writes (CSV and Excel formula injection).

Text that came from an imported file (a crime type, a district, a raw field in
quarantine, a user name in the audit log) may start with ``=``, ``+``, ``-`` or
``@``: a spreadsheet opening the export would run it as a formula
(``=cmd|' /C calc'!A0``, ``=HYPERLINK(...)``). Following the OWASP guidance on
CSV injection:

* **CSV**: such a text cell is written with a leading apostrophe
  (``'=cmd|...``), which spreadsheets show as text; :func:`frame_for_csv`.
* **Excel**: cells are written as strings, never as formulas or links
  (:data:`XLSX_OPTIONS` for xlsxwriter), so the text needs no change.

Only text is touched: numbers stay numbers, negative ones included. A text
that is exactly a decimal number (``-12.0680``, a raw latitude in quarantine)
is left as it is: a spreadsheet reads it as a number, never as a formula, and
analysts need to read it. Leading blanks are looked through (`` =1+1``).
GeoJSON and Parquet are not spreadsheet formats and are written unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula (with the
#: full-width forms some spreadsheets also accept, and tab / carriage return).
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

#: xlsxwriter ``Workbook`` options: strings are written as strings, never as
#: formulas or hyperlinks.
XLSX_OPTIONS: Final[Mapping[str, Any]] = {"strings_to_formulas": False, "strings_to_urls": False}

_RISKY = re.compile(r"^(?:[\t\r]|[\s\u00a0]*[" + re.escape("".join(FORMULA_START)) + "])")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$")


def cell_text(value: Any) -> Any:
    """Return ``value``, with an apostrophe in front when it is formula-like text.

    Non-strings (numbers, dates, missing values) and texts that are exactly a
    decimal number are returned unchanged.
    """
    if isinstance(value, str) and _RISKY.match(value) and not _NUMBER.match(value.strip()):
        return "'" + value
    return value


def csv_text(value: Any) -> Any:
    """Apply :func:`cell_text`, after turning carriage returns in text into line feeds.

    A lone carriage return is not quoted by a CSV writer whose lines end in a
    line feed, and some readers start a new row there (whose first cell could
    be a formula); a line feed makes the writer quote the cell.
    """
    if isinstance(value, str) and "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return cell_text(value)


def frame_for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells are safe to open in a spreadsheet.

    Column names are neutralised too (:func:`csv_text`). Only columns holding
    text are scanned, once per distinct value.
    """
    out = frame.copy()
    out.columns = [csv_text(c) for c in out.columns]
    for j in range(out.shape[1]):
        col = out.iloc[:, j]
        if not (pd.api.types.is_object_dtype(col.dtype) or pd.api.types.is_string_dtype(col.dtype)
                or isinstance(col.dtype, pd.CategoricalDtype)):
            continue
        values = col.astype(object) if isinstance(col.dtype, pd.CategoricalDtype) else col
        uniq = pd.unique(values.dropna())
        fix = {v: csv_text(v) for v in uniq if isinstance(v, str) and csv_text(v) != v}
        if fix:
            out.isetitem(j, values.astype(object).map(lambda v, f=fix: f.get(v, v)
                                                      if isinstance(v, str) else v))
    return out
