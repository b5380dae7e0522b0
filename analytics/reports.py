"""Codisec indicators and public (suppressed) aggregates.

Public mode
-----------
:func:`public_counts` is the only way incident counts leave Vigía for the
public. Its rules, in order:

1. **Aggregates only.** Output rows are ``(h3, period, crime_group, count)``:
   no coordinates, no identifiers, no free text (types are reduced to their
   group).
2. **Coarse cells.** Resolution 8 (``settings.PUBLIC_MAX_RESOLUTION``,
   ~0.7 km²) or coarser; finer is refused.
3. **Primary suppression.** A row with fewer than ``k`` incidents
   (``settings.PUBLIC_MIN_COUNT``) is dropped.
4. **Sensitive incidents** (groups in ``settings.SENSITIVE_GROUPS`` or types in
   ``settings.SENSITIVE_TYPES``, e.g. feminicidio) are never counted in the fine
   cells: they are published only at ``sensitive_resolution`` (two levels
   coarser, resolution 6, ~36 km², by default) and only where a row holds at
   least ``sensitive_k`` incidents (``2 * k`` by default). A sensitive type of a
   non-sensitive group keeps its group key in that coarse layer, so a fine
   ``vida_cuerpo_salud`` cell never contains a feminicidio. The ``h3`` string
   encodes each row's resolution.
5. **Secondary suppression against differencing.** Vigía's public outputs
   publish no totals computed from raw data: any total shown publicly is a sum
   of published rows. Someone could still know the true total of a period and
   crime group from another source (e.g. an official monthly statistic) and
   subtract the published cells to recover the suppressed ones. So within each
   ``(period, crime_group)``, when anything is suppressed, the suppressed rows
   together must hold at least the largest threshold among them (so at least
   two rows, none recoverable alone); otherwise the smallest published rows
   are suppressed too, until that holds or nothing is left.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from analytics import hexbin, settings
from analytics._errors import IncidentSchemaError

#: Period codes accepted everywhere: month, quarter, year.
PERIODS: Final = ("M", "Q", "Y")

_PUBLIC_COLUMNS: Final = ("h3", "period", "crime_group", "count")


def _check_period(period: str, problems: list[str]) -> None:
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
    _check_period(period, problems)
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


def _sensitive_mask(incidents: pd.DataFrame) -> np.ndarray:
    group = incidents["crime_group"].astype(str).str.lower()
    mask = group.isin(settings.SENSITIVE_GROUPS).to_numpy(dtype=bool, copy=True)
    if "crime_type" in incidents.columns:
        ctype = incidents["crime_type"].astype(str).str.strip().str.lower()
        mask |= ctype.isin(settings.SENSITIVE_TYPES).to_numpy(dtype=bool)
    return mask


def _secondary_suppression(counts: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Suppression mask for one ``(period, crime_group)`` block of rows."""
    suppressed = counts < thresholds
    if not suppressed.any():
        return suppressed
    order = np.argsort(counts, kind="stable")
    while True:
        need = thresholds[suppressed].max()
        if counts[suppressed].sum() >= need or suppressed.all():
            return suppressed
        nxt = next(i for i in order if not suppressed[i])
        suppressed[nxt] = True


def public_counts(incidents: pd.DataFrame, *, resolution: int = settings.PUBLIC_MAX_RESOLUTION,
                  k: int = settings.PUBLIC_MIN_COUNT, period: str = "M",
                  sensitive_resolution: int | None = None,
                  sensitive_k: int | None = None) -> pd.DataFrame:
    """Incident counts safe to publish (see the module notes for the rules).

    Parameters
    ----------
    incidents
        Canonical incidents: ``occurred_at``, ``crime_group``, optionally
        ``crime_type``, and ``h3_r12`` or ``lat``/``lon``.
    resolution
        H3 resolution of the cells, at most ``settings.PUBLIC_MAX_RESOLUTION``.
    k
        Minimum count of a published row (at least 2).
    period
        ``"M"`` (``2025-03``), ``"Q"`` (``2025-T1``) or ``"Y"`` (``2025``).
    sensitive_resolution
        Resolution for sensitive incidents; default two levels coarser than
        ``resolution`` (not below ``settings.H3_MIN_RESOLUTION``).
    sensitive_k
        Minimum count of a published sensitive row; default ``2 * k``.

    Returns
    -------
    pandas.DataFrame
        Columns ``h3`` (hex string), ``period``, ``crime_group``, ``count``
        (int64, every value ``>= k``), sorted by period, group and cell.
        No totals.
    """
    problems: list[str] = []
    _check_period(period, problems)
    lo, hi = settings.H3_MIN_RESOLUTION, settings.PUBLIC_MAX_RESOLUTION
    if not lo <= int(resolution) <= hi:
        problems.append(f"La resolución pública debe estar entre {lo} y {hi} "
                        f"(se pidió {resolution}); las celdas más finas no se publican.")
    if int(k) < 2:
        problems.append(f"El umbral de supresión k debe ser al menos 2 (se pidió {k}).")
    s_res = (max(lo, int(resolution) - 2) if sensitive_resolution is None
             else int(sensitive_resolution))
    s_k = 2 * int(k) if sensitive_k is None else int(sensitive_k)
    if not lo <= s_res <= min(hi, int(resolution)):
        problems.append(f"La resolución para delitos sensibles ({s_res}) debe estar entre {lo} "
                        f"y la resolución pública ({resolution}).")
    if s_k < int(k):
        problems.append(f"El umbral para delitos sensibles ({s_k}) no puede ser menor que k ({k}).")
    missing = [c for c in ("occurred_at", "crime_group") if c not in incidents.columns]
    if "h3_r12" not in incidents.columns and not {"lat", "lon"} <= set(incidents.columns):
        missing.append("h3_r12 (o lat y lon)")
    if missing:
        problems.append(f"Faltan columnas: {', '.join(missing)}.")
    elif incidents["occurred_at"].isna().any():
        problems.append(f"{int(incidents['occurred_at'].isna().sum())} incidentes sin fecha.")
    if problems:
        raise IncidentSchemaError(" ".join(problems))

    if incidents.empty:
        return pd.DataFrame({"h3": pd.Series(dtype=str), "period": pd.Series(dtype=str),
                             "crime_group": pd.Series(dtype=str),
                             "count": pd.Series(dtype="int64")})
    cols = [c for c in ("occurred_at", "crime_group", "crime_type", "h3_r12", "lat", "lon")
            if c in incidents.columns]
    df = incidents[cols].copy()
    df["crime_group"] = df["crime_group"].fillna("otro").astype(str).str.lower()
    sensitive = _sensitive_mask(df)
    df["period"] = times_to_periods(df["occurred_at"], period=period).to_numpy()
    parts = []
    for mask, res, thr in ((~sensitive, int(resolution), int(k)), (sensitive, s_res, s_k)):
        if not mask.any():
            continue
        cells = hexbin.incidents_to_cells(df.loc[mask], resolution=res, column="cell")
        g = cells.groupby(["period", "crime_group", "cell"], sort=True).size()
        part = g.rename("count").reset_index()
        part["threshold"] = thr
        parts.append(part)
    agg = pd.concat(parts, ignore_index=True)
    keep = np.ones(len(agg), dtype=bool)
    for _, idx in agg.groupby(["period", "crime_group"], sort=False).indices.items():
        sup = _secondary_suppression(agg["count"].to_numpy()[idx],
                                     agg["threshold"].to_numpy()[idx])
        keep[idx[sup]] = False
    out = agg.loc[keep].copy()
    out["h3"] = hexbin.cells_to_strings(out["cell"].to_numpy(dtype=np.uint64))
    out["count"] = out["count"].astype("int64")
    out = out.sort_values(["period", "crime_group", "h3"]).reset_index(drop=True)
    return out[list(_PUBLIC_COLUMNS)].astype({"h3": str, "period": str, "crime_group": str})
