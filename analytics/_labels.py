"""Period and district labels shared by ``reports`` and ``disclosure`` (private plumbing).

Period labels: ``2025-03`` (month), ``2025-T1`` (quarter), ``2025`` (year).
District keys: upper case, single spaces, no accents (``Ñ`` kept). ``reports``
re-exports the public names (``reports.period_label`` and friends).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

import numpy as np
import pandas as pd

from analytics._errors import IncidentSchemaError

#: Period codes accepted everywhere: month, quarter, year.
PERIODS: Final = ("M", "Q", "Y")

_QUARTER_RE: Final = re.compile(r"^(\d{4})-[TtQq]([1-4])$")
_MONTH_RE: Final = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR_RE: Final = re.compile(r"^(\d{4})$")


def check_period(period: str, problems: list[str]) -> None:
    """Add a Spanish message to ``problems`` unless ``period`` is ``M``, ``Q`` or ``Y``."""
    if period not in PERIODS:
        problems.append(f"Periodo desconocido: {period!r} (M = mes, Q = trimestre, Y = año).")


def period_label(p: pd.Period) -> str:
    """Spanish-neutral label of a period: ``2025-03``, ``2025-T1`` or ``2025``."""
    freq = p.freqstr[0]
    if freq == "M":
        return f"{p.year:04d}-{p.month:02d}"
    if freq == "Q":
        return f"{p.year:04d}-T{p.quarter}"
    return f"{p.year:04d}"


def times_to_periods(times: pd.Series, *, period: str = "M") -> pd.Series:
    """Label (``2025-03``, ``2025-T1``, ``2025``) of the period of each timestamp."""
    problems: list[str] = []
    check_period(period, problems)
    if problems:
        raise IncidentSchemaError(" ".join(problems))
    ts = pd.to_datetime(times)
    if period == "M":
        out = ts.dt.strftime("%Y-%m")
    elif period == "Q":
        out = ts.dt.year.astype("int64").astype(str) + "-T" + ts.dt.quarter.astype(
            "int64").astype(str)
    else:
        out = ts.dt.year.astype("int64").astype(str)
    return out.astype(str)


def label_to_period(label: str) -> pd.Period:
    """Parse ``2025-03`` (month), ``2025-T1`` (quarter) or ``2025`` (year)."""
    text = str(label).strip()
    if m := _MONTH_RE.match(text):
        if 1 <= int(m.group(2)) <= 12:
            return pd.Period(year=int(m.group(1)), month=int(m.group(2)), freq="M")
    elif m := _QUARTER_RE.match(text):
        return pd.Period(year=int(m.group(1)), quarter=int(m.group(2)), freq="Q")
    elif m := _YEAR_RE.match(text):
        return pd.Period(year=int(m.group(1)), freq="Y")
    msg = (f"Periodo no reconocido: {label!r}; use 2025-03 (mes), 2025-T1 (trimestre) "
           "o 2025 (año).")
    raise IncidentSchemaError(msg)


def months_in(p: pd.Period) -> int:
    """Length of a period in months (1, 3 or 12)."""
    return {"M": 1, "Q": 3, "Y": 12}[p.freqstr[0]]


def period_span(p: pd.Period) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Half-open ``[start, end)`` of a period."""
    start = p.start_time.floor("D")
    return start, start + pd.DateOffset(months=months_in(p))


def district_key(name: object) -> str | None:
    """Join key of a district name: upper case, no accents (``Ñ`` kept)."""
    if name is None or (isinstance(name, float) and np.isnan(name)) or name is pd.NA:
        return None
    s = re.sub(r"\s+", " ", str(name)).strip().upper()
    if not s:
        return None
    s = s.replace("Ñ", "\0")
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    return s.replace("\0", "Ñ")
