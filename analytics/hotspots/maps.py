"""Hotspot results as map tables: one row per cell of the study region, ready to draw.

The statistics stay in their modules (compute, then classify); these functions
run both and lay the result out per cell with its centre and district, which is
what the Zonas críticas page and the command line show. :func:`slice_window`
picks the whole weeks or months of a period that the emerging analysis uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Final, Literal

import numpy as np
import pandas as pd

from analytics import hexbin
from analytics.hotspots.emerging import emerging_hotspots
from analytics.hotspots.getis_ord import classify_hotspots, gi_star
from analytics.hotspots.moran import classify_clusters, local_moran

#: Fewest time slices of the emerging analysis (ESRI) and how many a widened period gets.
MIN_SLICES: Final = 10
WIDEN_SLICES: Final = 12


def _cells_frame(cells: np.ndarray, districts: Mapping[str, str] | None) -> pd.DataFrame:
    out = pd.DataFrame({"h3": np.asarray(cells, dtype=np.uint64)})
    out["h3_id"] = hexbin.cells_to_strings(out["h3"].to_numpy())
    out["lat"], out["lon"] = hexbin.cells_to_centers(out["h3"].to_numpy())
    names = dict(districts or {})
    out["district"] = [names.get(c, "") for c in out["h3_id"]]
    return out


def gi_star_map(counts: pd.DataFrame, *, k: int = 1, use_fdr: bool = False,
                districts: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Gi* classes (analytical p, ESRI) per cell of the study region.

    Parameters
    ----------
    counts
        ``h3`` and ``count`` per observed cell.
    k
        Rings of the neighbourhood.
    use_fdr
        Judge the FDR-adjusted p-values.
    districts
        District of each cell id (missing: ``""``).

    Returns
    -------
    pandas.DataFrame
        ``h3, h3_id, lat, lon, district, count, observed, z, p, key`` (``p`` is
        the p-value judged).
    """
    res = gi_star(counts[["h3", "count"]], k=k, permutations=0)
    cls = classify_hotspots(res, use_fdr=use_fdr)
    out = _cells_frame(res.cells, districts)
    out["count"] = res.counts.astype("int64")
    out["observed"] = res.observed
    out["z"] = res.z
    out["p"] = res.p_fdr if use_fdr else res.p_norm
    out["key"] = cls["key"].to_numpy().astype(str)
    return out


def local_moran_map(counts: pd.DataFrame, *, k: int = 1, use_fdr: bool = False,
                    permutations: int, seed: int | None,
                    districts: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Local Moran clusters (permutation p, seeded) per cell of the study region.

    Returns ``h3, h3_id, lat, lon, district, count, observed, local_i, p, key``.
    """
    res = local_moran(counts[["h3", "count"]], k=k, permutations=permutations, seed=seed)
    cls = classify_clusters(res, use_fdr=use_fdr)
    out = _cells_frame(res.cells, districts)
    out["count"] = res.counts.astype("int64")
    out["observed"] = res.observed
    out["local_i"] = res.local_i
    p = res.p_sim_fdr if use_fdr else res.p_sim
    out["p"] = p if p is not None else (res.p_fdr if use_fdr else res.p_norm)
    out["key"] = cls["key"].to_numpy().astype(str)
    return out


def emerging_map(cube: pd.DataFrame, *, period: Literal["W", "M"], k: int = 1,
                 use_fdr: bool = False, districts: Mapping[str, str] | None = None
                 ) -> tuple[pd.DataFrame, list[pd.Timestamp]]:
    """Emerging hot spot category per cell and the slices used.

    Returns the columns of ``EmergingResult.to_frame()`` plus ``h3_id, lat, lon,
    district``, and the slice starts. Raises ``InsufficientHistoryError`` below
    the minimum number of slices.
    """
    res = emerging_hotspots(cube, period=period, k=k, use_fdr=use_fdr)
    frame = res.to_frame()
    frame["h3"] = frame["h3"].to_numpy(dtype="uint64")
    frame["key"] = frame["key"].astype(str)
    out = _cells_frame(res.cells, districts).merge(frame, on="h3", how="left")
    return out, [pd.Timestamp(p) for p in res.periods]


def slice_window(start: date, end: date, period: Literal["W", "M"], *, widen: bool,
                 min_slices: int = MIN_SLICES, widen_slices: int = WIDEN_SLICES
                 ) -> tuple[date, date, int, bool]:
    """Whole weeks (Mon–Sun) or months inside ``[start, end]``.

    Widened backwards to ``widen_slices`` slices when fewer than ``min_slices``
    and ``widen``.

    Returns
    -------
    tuple
        ``(first day, last day, slices, widened)``.

    Examples
    --------
    >>> slice_window(date(2025, 3, 5), date(2025, 3, 30), "W", widen=False)
    (datetime.date(2025, 3, 10), datetime.date(2025, 3, 30), 3, False)
    """
    if period == "W":
        s = start + timedelta(days=(7 - start.weekday()) % 7)
        e = end - timedelta(days=(end.weekday() + 1) % 7)
        n = max(((e - s).days + 1) // 7, 0)
        if n < min_slices and widen:
            return e - timedelta(days=7 * widen_slices - 1), e, widen_slices, True
        return s, e, n, False
    s = start if start.day == 1 else (pd.Timestamp(start) + pd.offsets.MonthBegin(1)).date()
    e_next = end + timedelta(days=1)
    e = end if e_next.day == 1 else (pd.Timestamp(end).replace(day=1) - pd.Timedelta(days=1)
                                     ).date()
    n = max((e.year - s.year) * 12 + e.month - s.month + 1, 0) if e >= s else 0
    if n < min_slices and widen:
        first = (pd.Timestamp(e).replace(day=1) - pd.DateOffset(months=widen_slices - 1)).date()
        return first, e, widen_slices, True
    return s, e, n, False
