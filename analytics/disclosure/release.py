"""The public release: the base tables (districts, cells) built once from the incidents."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from analytics import hexbin, settings
from analytics._errors import IncidentSchemaError
from analytics._labels import (
    district_key,
    period_label,
    period_span,
    times_to_periods,
)
from analytics.disclosure.suppression import (
    _sensitive_mask,
    _suppression_mask,
    _two_way_suppression,
    check_incident_columns,
    check_thresholds,
)

#: Columns of :attr:`PublicRelease.districts`.
DISTRICT_COLUMNS: Final = ("period", "district", "crime_group", "count")


#: Columns of :attr:`PublicRelease.cells`.
CELL_COLUMNS: Final = ("period", "district", "crime_group", "h3", "resolution", "count")


#: Columns of :func:`release_table` (the public export).
EXPORT_COLUMNS: Final = ("table", "period", "district", "crime_group", "h3", "resolution",
                         "count")


#: Base periods a release may use: quarter (default) or month.
BASE_PERIODS: Final = ("Q", "M")




_NO_CELL: Final = 0


# --------------------------------------------------------------------------- #
# The release
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class PublicRelease:
    """The public base tables of one data set (see the module notes).

    Attributes
    ----------
    districts
        Published rows of the district table: :data:`DISTRICT_COLUMNS`
        (``district`` as a key: upper case, no accents; ``count`` int64 at
        least ``k``, ``2 * k`` for sensitive groups).
    cells
        Published rows of the cell table: :data:`CELL_COLUMNS` (``h3`` hex
        string, ``resolution`` 8 or 6).
    periods
        Published base periods, oldest first (``2025-T1``...).
    period
        Base period code: ``"Q"`` or ``"M"``.
    k, sensitive_k
        Thresholds.
    resolution, sensitive_resolution
        Resolutions of the two cell layers.
    sizes
        One row per table (``districts``, ``cells``): ``rows`` (non-empty
        rows in complete periods), ``primary`` and ``secondary`` suppressed,
        ``published``, ``incidents`` and ``incidents_published``.
    """

    districts: pd.DataFrame = field(repr=False)
    cells: pd.DataFrame = field(repr=False)
    periods: tuple[str, ...]
    period: str
    k: int
    sensitive_k: int
    resolution: int
    sensitive_resolution: int
    sizes: pd.DataFrame = field(repr=False)

    @property
    def groups(self) -> tuple[str, ...]:
        """Crime groups with a published row, in ``settings.CRIME_GROUPS`` order."""
        order = {g: i for i, g in enumerate(settings.CRIME_GROUPS)}
        found = set(self.districts["crime_group"]) | set(self.cells["crime_group"])
        return tuple(sorted(found, key=lambda g: (order.get(g, 99), g)))

    @property
    def district_names(self) -> tuple[str, ...]:
        """Districts (keys) with a published row, sorted."""
        return tuple(sorted(set(self.districts["district"]) | set(self.cells["district"])))


def _release_cells(df: pd.DataFrame, *, resolution: int) -> np.ndarray:
    """Resolution-``resolution`` cell of each incident, :data:`_NO_CELL` without location."""
    out = np.full(len(df), _NO_CELL, dtype=np.uint64)
    if "h3_r12" in df.columns:
        col = df["h3_r12"]
        # Never through float64: cell ids exceed 2**53 (missing values arrive as NA or 0).
        r12 = (col.to_numpy(dtype=np.uint64) if col.dtype.kind in "ui" else
               col.astype("UInt64").fillna(0).to_numpy(dtype=np.uint64))
        ok = r12 > 0
    else:
        ok = (df["lat"].notna() & df["lon"].notna()).to_numpy(dtype=bool)
        r12 = np.zeros(len(df), dtype=np.uint64)
        if ok.any():
            r12[ok] = hexbin.points_to_cells(df.loc[ok, "lat"].to_numpy(),
                                             df.loc[ok, "lon"].to_numpy())
    if ok.any():
        out[ok] = hexbin.cells_to_parent(r12[ok], resolution=resolution)
    return out


def _complete_periods(times: pd.Series, period: str,
                      coverage: tuple[object, object] | None) -> list[pd.Period]:
    if coverage is not None:
        first, end = pd.Timestamp(coverage[0]), pd.Timestamp(coverage[1])
    elif len(times):
        t = pd.to_datetime(times)
        first = t.min().to_period("M").start_time.floor("D")
        end = t.max().floor("D") + pd.Timedelta(days=1)
    else:
        return []
    if end <= first:
        return []
    out = []
    for p in pd.period_range(first, end - pd.Timedelta(days=1), freq=period):
        start, stop = period_span(p)
        if start >= first and stop <= end:
            out.append(p)
    return out


def _sizes(name: str, frame: pd.DataFrame, sup: np.ndarray) -> dict[str, Any]:
    counts = frame["count"].to_numpy(dtype=np.int64)
    primary = counts < frame["threshold"].to_numpy(dtype=np.int64)
    return {"table": name, "rows": len(frame), "primary": int(primary.sum()),
            "secondary": int((sup & ~primary).sum()), "published": int((~sup).sum()),
            "incidents": int(counts.sum()), "incidents_published": int(counts[~sup].sum())}


def incidents_to_release(incidents: pd.DataFrame, *, k: int = settings.PUBLIC_MIN_COUNT,
                         period: str = settings.PUBLIC_PERIOD,
                         resolution: int = settings.PUBLIC_MAX_RESOLUTION,
                         sensitive_resolution: int | None = None,
                         sensitive_k: int | None = None,
                         coverage: tuple[object, object] | None = None) -> PublicRelease:
    """Build the public release of a data set (see the module notes for the rules).

    Parameters
    ----------
    incidents
        Canonical incidents: ``occurred_at``, ``district``, ``crime_group``,
        optionally ``crime_type``, and ``h3_r12`` or ``lat``/``lon``. Pass the
        whole data set: incidents without a district are not published.
    k
        Minimum count of a published row (at least 2).
    period
        Base period: ``"Q"`` (quarter, default) or ``"M"`` (month).
    resolution
        H3 resolution of the cell table, at most ``settings.PUBLIC_MAX_RESOLUTION``.
    sensitive_resolution
        Resolution of the sensitive cells; default two levels coarser than
        ``resolution`` (not below ``settings.H3_MIN_RESOLUTION``).
    sensitive_k
        Minimum count of a published sensitive row; default ``2 * k``.
    coverage
        ``(start, end)`` of the time the data covers, end exclusive; default
        from the first day of the month of the first incident to the day
        after the last one. Only base periods inside it are published.

    Returns
    -------
    PublicRelease
    """
    problems: list[str] = []
    if period not in BASE_PERIODS:
        problems.append(f"Periodo base desconocido: {period!r} (Q = trimestre, M = mes).")
    s_res, s_k = check_thresholds(resolution, k, sensitive_resolution, sensitive_k, problems)
    check_incident_columns(incidents, ("occurred_at", "district", "crime_group"), problems)
    if problems:
        raise IncidentSchemaError(" ".join(problems))

    complete = _complete_periods(incidents["occurred_at"], period, coverage)
    labels = [period_label(p) for p in complete]
    cols = [c for c in ("occurred_at", "district", "crime_group", "crime_type", "h3_r12", "lat",
                        "lon") if c in incidents.columns]
    df = incidents[cols].copy()
    df["district"] = df["district"].map(district_key)
    df["crime_group"] = df["crime_group"].fillna("otro").astype(str).str.lower()
    df["period"] = (times_to_periods(df["occurred_at"], period=period).to_numpy()
                    if len(df) else np.empty(0, dtype=object))
    df = df.loc[df["district"].notna() & df["period"].isin(labels)].reset_index(drop=True)

    # District table.
    dist = (df.groupby(["period", "district", "crime_group"], sort=True).size()
            .rename("count").reset_index())
    dist["threshold"] = np.where(dist["crime_group"].isin(settings.SENSITIVE_GROUPS), s_k,
                                 int(k))
    d_sup = (_two_way_suppression(dist, period="period", row="district", col="crime_group")
             if len(dist) else np.zeros(0, dtype=bool))

    # Cell table: fine cells, coarse sensitive cells, a no-cell row per block.
    sensitive = _sensitive_mask(df)
    df["cell"] = _release_cells(df, resolution=int(resolution))
    if sensitive.any():
        df.loc[sensitive, "cell"] = _release_cells(df.loc[sensitive], resolution=s_res)
    df["threshold"] = np.where(sensitive, s_k, int(k))
    key = ["period", "district", "crime_group"]
    cells = (df.groupby([*key, "cell"], sort=True)
             .agg(count=("threshold", "size"), threshold=("threshold", "max")).reset_index())
    hidden = dist.loc[d_sup, key].assign(_hidden=True)
    cells = cells.merge(hidden, on=key, how="left")
    inherited = cells["_hidden"].fillna(False).to_numpy(dtype=bool)
    cells = cells.drop(columns="_hidden")
    forced = inherited | (cells["cell"].to_numpy(dtype=np.uint64) == _NO_CELL)
    c_sup = (_suppression_mask(cells, blocks=[key], forced=forced) if len(cells)
             else np.zeros(0, dtype=bool))

    sizes = pd.DataFrame([_sizes("districts", dist, d_sup), _sizes("cells", cells, c_sup)])
    pub_d = dist.loc[~d_sup, list(DISTRICT_COLUMNS)].reset_index(drop=True)
    pub_c = cells.loc[~c_sup].copy()
    cell_ids = pub_c["cell"].to_numpy(dtype=np.uint64)
    pub_c["h3"] = hexbin.cells_to_strings(cell_ids) if len(pub_c) else np.empty(0, dtype=object)
    pub_c["resolution"] = hexbin.cells_resolution(cell_ids).astype("int64")
    pub_c = pub_c[list(CELL_COLUMNS)].sort_values(["period", "district", "crime_group", "h3"])
    types = {"period": str, "district": str, "crime_group": str, "count": "int64"}
    return PublicRelease(
        districts=pub_d.astype(types),
        cells=pub_c.reset_index(drop=True).astype({**types, "h3": str, "resolution": "int64"}),
        periods=tuple(labels), period=period, k=int(k), sensitive_k=s_k,
        resolution=int(resolution), sensitive_resolution=s_res, sizes=sizes)


def release_from_store(con: Any, *, k: int = settings.PUBLIC_MIN_COUNT,
                       period: str = settings.PUBLIC_PERIOD,
                       resolution: int = settings.PUBLIC_MAX_RESOLUTION) -> PublicRelease:
    """:func:`incidents_to_release` of every incident of a store connection.

    ``con`` is a connection of :func:`analytics.store.connect` (read-only is enough).
    """
    from analytics import store

    inc = store.load_incidents(con, columns=["occurred_at", "district", "crime_group",
                                             "crime_type", "h3_r12"])
    return incidents_to_release(inc, k=k, period=period, resolution=resolution)


def release_table(release: PublicRelease) -> pd.DataFrame:
    """Both base tables in one long table for the public export.

    Columns :data:`EXPORT_COLUMNS`: ``table`` is ``distrito`` (``h3`` empty,
    ``resolution`` missing) or ``celda``. Sum ``count`` within one table only.
    """
    d = release.districts.assign(table="distrito", h3="", resolution=pd.NA)
    c = release.cells.assign(table="celda")
    out = pd.concat([d, c], ignore_index=True)[list(EXPORT_COLUMNS)]
    return out.astype({"table": str, "period": str, "district": str, "crime_group": str,
                       "h3": str, "resolution": "Int64", "count": "int64"})
