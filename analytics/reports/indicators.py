"""Codisec indicators by district and period.

Counts against previous periods, línea base and meta, rates, hotspots, plan
coverage and trends. Plain frames in, plain frames out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

from analytics import hexbin, settings
from analytics._errors import IncidentSchemaError
from analytics._labels import (
    PERIODS as PERIODS,
    district_key as district_key,
    label_to_period as label_to_period,
    months_in as _months,
    period_label as period_label,
    period_span as _span,
    period_span as period_span,
    times_to_periods as times_to_periods,
)
from analytics.disclosure import public_counts as public_counts

# --------------------------------------------------------------------------- #
# Indicators
# --------------------------------------------------------------------------- #
_BY: Final = (None, "crime_group", "crime_type")


#: Output columns of :func:`district_indicators` (after the keys).
INDICATOR_COLUMNS: Final = (
    "count", "complete", "population", "rate_10k",
    "previous_period", "previous_count", "previous_change_pct",
    "last_year_period", "last_year_count", "last_year_change_pct",
    "baseline_period", "baseline_count", "baseline_change_pct",
    "goal_pct", "goal_count", "status",
)


def _check_incidents(incidents: pd.DataFrame, need: Sequence[str], problems: list[str]) -> None:
    missing = [c for c in need if c not in incidents.columns]
    if missing:
        problems.append(f"Faltan columnas: {', '.join(missing)}.")
    elif "occurred_at" in need and incidents["occurred_at"].isna().any():
        problems.append(f"{int(incidents['occurred_at'].isna().sum())} incidentes sin fecha.")


def _population_by_key(population: pd.DataFrame | None, problems: list[str]) -> pd.Series:
    if population is None:
        return pd.Series(dtype="float64")
    if "population" not in population.columns or "district" not in population.columns:
        problems.append("La tabla de población necesita las columnas 'district' y 'population'.")
        return pd.Series(dtype="float64")
    pop = pd.to_numeric(population["population"], errors="coerce")
    bad = population.loc[pop.isna() | (pop <= 0), "district"].astype(str).tolist()
    if bad:
        problems.append("Población no válida (debe ser un número positivo) en: "
                        f"{', '.join(bad[:5])}.")
    keys = population["district"].map(district_key)
    return pd.Series(pop.to_numpy(dtype="float64"), index=keys.to_numpy()).groupby(level=0).sum()


def _coverage(incidents: pd.DataFrame, coverage: tuple[object, object] | None
              ) -> tuple[pd.Timestamp, pd.Timestamp]:
    if coverage is not None:
        return pd.Timestamp(coverage[0]), pd.Timestamp(coverage[1])
    if incidents.empty:
        return pd.Timestamp.max, pd.Timestamp.min
    t = pd.to_datetime(incidents["occurred_at"])
    first = t.min().to_period("M").start_time.floor("D")
    return first, t.max().floor("D") + pd.Timedelta(days=1)


def _target_period(target: str, problems: list[str]) -> pd.Period | None:
    """``label_to_period(target)``, or ``None`` with its message added to ``problems``."""
    try:
        return label_to_period(target)
    except IncidentSchemaError as exc:
        problems.append(str(exc))
        return None


def _in_period(incidents: pd.DataFrame, span: tuple[pd.Timestamp, pd.Timestamp], *,
               columns: list[str] | None = None) -> pd.DataFrame:
    """The incidents inside ``span`` (a copy; only ``columns`` if given), districts as keys."""
    t = pd.to_datetime(incidents["occurred_at"])
    inside = (t >= span[0]) & (t < span[1])
    df = (incidents.loc[inside] if columns is None else incidents.loc[inside, columns]).copy()
    df["district"] = df["district"].map(district_key)
    return df


def _count_span(df: pd.DataFrame, span: tuple[pd.Timestamp, pd.Timestamp],
                keys: list[str]) -> pd.Series:
    t = df["occurred_at"]
    sel = df.loc[(t >= span[0]) & (t < span[1])]
    return sel.groupby(keys, sort=False, observed=True).size()


def _pct_change(count: pd.Series, ref: pd.Series) -> pd.Series:
    ref_f = ref.astype("float64")
    out = (count.astype("float64") - ref_f) / ref_f.where(ref_f > 0) * 100.0
    return out.astype("float64")


def district_indicators(incidents: pd.DataFrame, *, target: str, baseline: str | None = None,
                        goal_pct: float | None = None, population: pd.DataFrame | None = None,
                        by: str | None = None, districts: Sequence[str] | None = None,
                        coverage: tuple[object, object] | None = None) -> pd.DataFrame:
    """Codisec indicators per district for one period.

    Parameters
    ----------
    incidents
        Canonical incidents (``occurred_at``, ``district``, and ``by`` if given).
        Incidents with no district are not counted.
    target
        Period reported: ``2025-03``, ``2025-T1`` or ``2025``. The previous
        period and the same period last year have the same length.
    baseline
        Línea base, a period of any length (e.g. ``2024`` for a quarterly
        report): its count is scaled to the length of ``target`` (a year of
        120 incidents is a quarterly baseline of 30).
    goal_pct
        Meta as a change against the baseline, in percent (``-10`` = reduce by
        10 %). The status is ``cumple`` when the count is at most
        ``baseline_count * (1 + goal_pct / 100)``, ``no cumple`` otherwise and
        ``sin datos`` when the target or the baseline has no data.
    population
        Columns ``district`` and ``population`` (e.g. ``population.csv``, maybe
        edited by the user); ``None`` leaves the rate empty.
    by
        ``None`` (all incidents), ``"crime_group"`` or ``"crime_type"``.
    districts
        Districts to report (any case or accents); default every district with
        incidents. Districts without incidents get zero counts.
    coverage
        ``(start, end)`` of the time the data covers, end exclusive; default
        from the first day of the month of the first incident to the day
        after the last one. A target only partly covered is counted with
        ``complete = False``; a reference period (previous, last year,
        baseline) not fully covered has no data (``NaN``, status ``sin datos``):
        a partial count would fake a fall.

    Returns
    -------
    pandas.DataFrame
        ``district``, ``by`` if given, ``period`` and :data:`INDICATOR_COLUMNS`.
        ``rate_10k`` is per 10,000 inhabitants for the period (not annualised);
        changes are percentages, ``NaN`` when the reference is zero or missing.
    """
    problems: list[str] = []
    if by not in _BY:
        problems.append(f"Desagregación desconocida: {by!r} (crime_group o crime_type).")
    need = ["occurred_at", "district"] + ([by] if by in ("crime_group", "crime_type") else [])
    _check_incidents(incidents, need, problems)
    periods: dict[str, pd.Period | None] = {}
    for name, label in (("target", target), ("baseline", baseline)):
        if label is None:
            periods[name] = None
            continue
        try:
            periods[name] = label_to_period(label)
        except IncidentSchemaError as exc:
            problems.append(str(exc))
    if goal_pct is not None and not (np.isfinite(goal_pct) and goal_pct > -100):
        problems.append(f"La meta debe ser un porcentaje mayor que -100 (se pidió {goal_pct}).")
    if goal_pct is not None and baseline is None:
        problems.append("Para evaluar una meta hace falta una línea base.")
    pop = _population_by_key(population, problems)
    if problems:
        raise IncidentSchemaError(" ".join(problems))

    tp = periods["target"]
    assert tp is not None
    keys = ["district"] + ([by] if by else [])
    df = incidents[need].copy()
    df["occurred_at"] = pd.to_datetime(df["occurred_at"])
    df["district"] = df["district"].map(district_key)
    df = df.loc[df["district"].notna()]
    if by:
        df[by] = df[by].fillna("otro").astype(str)
    wanted = (sorted({k for k in map(district_key, districts) if k}) if districts is not None
              else sorted(df["district"].unique().tolist()))
    df = df.loc[df["district"].isin(wanted)]
    if by:
        order = {g: i for i, g in enumerate(settings.CRIME_GROUPS)}
        levels = sorted(df[by].unique().tolist(), key=lambda v: (order.get(v, 99), v))
        index = pd.MultiIndex.from_product([wanted, levels], names=keys)
    else:
        index = pd.Index(wanted, name="district")
    cov = _coverage(incidents, coverage)

    def counts(p: pd.Period | None, *, partial_ok: bool = False) -> tuple[pd.Series, bool, bool]:
        if p is None:
            return pd.Series(np.nan, index=index, dtype="float64"), False, False
        span = _span(p)
        full = cov[0] <= span[0] and cov[1] >= span[1]
        has = full or (partial_ok and span[1] > cov[0] and span[0] < cov[1])
        if not has:
            return pd.Series(np.nan, index=index, dtype="float64"), False, False
        c = _count_span(df, span, keys)
        return c.reindex(index, fill_value=0).astype("float64"), True, full

    prev_p, ly_p, base_p = tp - 1, tp - (12 // _months(tp)), periods["baseline"]
    count, has_t, full_t = counts(tp, partial_ok=True)
    prev, _, _ = counts(prev_p)
    last_year, _, _ = counts(ly_p)
    base_raw, has_b, _ = counts(base_p)
    scale = _months(tp) / _months(base_p) if base_p is not None else np.nan
    base = base_raw * scale

    out = index.to_frame(index=False)
    out.insert(len(keys), "period", period_label(tp))
    out["count"] = count.to_numpy()
    out["complete"] = full_t
    out["population"] = out["district"].map(pop).astype("float64")
    out["rate_10k"] = out["count"] / out["population"] * 10_000.0
    out["previous_period"] = period_label(prev_p)
    out["previous_count"] = prev.to_numpy()
    out["previous_change_pct"] = _pct_change(out["count"], out["previous_count"])
    out["last_year_period"] = period_label(ly_p)
    out["last_year_count"] = last_year.to_numpy()
    out["last_year_change_pct"] = _pct_change(out["count"], out["last_year_count"])
    out["baseline_period"] = period_label(base_p) if base_p is not None else None
    out["baseline_count"] = base.to_numpy()
    out["baseline_change_pct"] = _pct_change(out["count"], out["baseline_count"])
    out["goal_pct"] = float(goal_pct) if goal_pct is not None else np.nan
    out["goal_count"] = out["baseline_count"] * (1.0 + out["goal_pct"] / 100.0)
    ok = out["count"] <= out["goal_count"] + 1e-9
    status = np.where(ok, "cumple", "no cumple").astype(object)
    nodata = np.array(out["count"].isna() | out["goal_count"].isna(), dtype=bool)
    if not (has_t and has_b):
        nodata[:] = True
    status[nodata] = "sin datos"
    out["status"] = status
    if goal_pct is None:
        out["status"] = "sin meta"
    return out.astype({"period": str, "status": str})


def report_periods(incidents: pd.DataFrame) -> dict[str, list[tuple[str, bool]]]:
    """Periods the data touches, newest first, per kind (``M``, ``Q``, ``Y``).

    Each label comes with a flag telling whether the data covers the whole
    period (from the first day of the first month with data to the last day with
    data; the same rule as the report tables).

    Examples
    --------
    >>> inc = pd.DataFrame({"occurred_at": pd.to_datetime(["2025-01-10", "2025-04-30"])})
    >>> report_periods(inc)["Q"]
    [('2025-T2', False), ('2025-T1', True)]
    """
    out: dict[str, list[tuple[str, bool]]] = {"M": [], "Q": [], "Y": []}
    if incidents.empty:
        return out
    t = pd.to_datetime(incidents["occurred_at"])
    first = t.min().to_period("M").start_time.floor("D")
    end = t.max().floor("D") + pd.Timedelta(days=1)
    for freq in out:
        for p in pd.period_range(first, t.max(), freq=freq)[::-1]:
            start = p.start_time.floor("D")
            stop = (p + 1).start_time.floor("D")
            out[freq].append((period_label(p), bool(start >= first and stop <= end)))
    return out


def district_trend(incidents: pd.DataFrame, *, target: str, districts: Sequence[str],
                   months: int) -> pd.DataFrame:
    """Monthly counts per district for ``months`` months up to the end of ``target``.

    Returns
    -------
    pandas.DataFrame
        ``month`` (``2025-03``), ``district`` (key), ``count``; months or
        districts without incidents are absent.
    """
    problems: list[str] = []
    _check_incidents(incidents, ["occurred_at", "district"], problems)
    tp = _target_period(target, problems)
    if problems:
        raise IncidentSchemaError(" ".join(problems))
    assert tp is not None
    last = tp.end_time.to_period("M")
    labels = [period_label(last - i) for i in range(int(months) - 1, -1, -1)]
    keys = {district_key(d) for d in districts}
    t = pd.to_datetime(incidents["occurred_at"])
    start = label_to_period(labels[0]).start_time
    sel = incidents.loc[t >= start, ["occurred_at", "district"]].copy()
    sel["district"] = sel["district"].map(district_key)
    sel = sel.loc[sel["district"].isin(keys)]
    sel["month"] = times_to_periods(sel["occurred_at"], period="M")
    g = sel.loc[sel["month"].isin(labels)].groupby(["month", "district"], as_index=False
                                                    ).size().rename(columns={"size": "count"})
    return g.astype({"month": str, "district": str, "count": "int64"})[["month", "district",
                                                                         "count"]]


def district_hotspots(incidents: pd.DataFrame, *, target: str,
                      resolution: int = settings.H3_RESOLUTION, top: int = 10,
                      districts: Sequence[str] | None = None) -> pd.DataFrame:
    """Top H3 cells of each district in a period (internal reports only).

    Returns
    -------
    pandas.DataFrame
        ``district``, ``rank`` (1 = most incidents; ties broken by cell id),
        ``h3`` (hex string), ``count`` and ``share_pct`` (of the district's
        incidents in the period).
    """
    problems: list[str] = []
    _check_incidents(incidents, ["occurred_at", "district"], problems)
    if int(top) < 1:
        problems.append(f"El número de zonas debe ser al menos 1 (se pidió {top}).")
    tp = _target_period(target, problems)
    if problems:
        raise IncidentSchemaError(" ".join(problems))
    assert tp is not None
    span = _span(tp)
    df = _in_period(incidents, span)
    if districts is not None:
        df = df.loc[df["district"].isin({district_key(d) for d in districts})]
    df = df.loc[df["district"].notna()]
    cols = ["district", "rank", "h3", "count", "share_pct"]
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "share_pct" else
                                          ("int64" if c in ("rank", "count") else str))
                             for c in cols})
    df = hexbin.incidents_to_cells(df, resolution=resolution, column="cell")
    g = df.groupby(["district", "cell"], sort=False).size().rename("count").reset_index()
    g["total"] = g.groupby("district")["count"].transform("sum")
    g = g.sort_values(["district", "count", "cell"], ascending=[True, False, True])
    g["rank"] = g.groupby("district").cumcount() + 1
    g = g.loc[g["rank"] <= int(top)].copy()
    g["h3"] = hexbin.cells_to_strings(g["cell"].to_numpy(dtype=np.uint64))
    g["share_pct"] = g["count"] / g["total"] * 100.0
    g = g.astype({"count": "int64", "rank": "int64", "h3": str, "district": str})
    return g[cols].reset_index(drop=True)


def plan_coverage(incidents: pd.DataFrame, plans: pd.DataFrame | None, *, target: str,
                  districts: Sequence[str] | None = None) -> pd.DataFrame:
    """Share of each district's incidents that fell inside a patrol plan.

    Parameters
    ----------
    incidents
        Canonical incidents (``occurred_at``, ``district``, ``h3_r12`` or
        ``lat``/``lon``).
    plans
        One row per covered cell per plan window: ``h3`` (hex string or
        integer, any resolution 6–12), ``window_start``, ``window_end``
        (local wall time, end exclusive). ``None`` or empty: no plans.
    target
        Period label (``2025-T1``...).

    Returns
    -------
    pandas.DataFrame
        ``district``, ``period``, ``count`` (incidents in the period),
        ``in_plan`` (those inside a covered cell during one of its windows),
        ``share_pct`` (``NaN`` when no plan window overlaps the period) and
        ``plan_windows`` (windows overlapping the period).
    """
    problems: list[str] = []
    _check_incidents(incidents, ["occurred_at", "district"], problems)
    if plans is not None and not plans.empty:
        miss = [c for c in ("h3", "window_start", "window_end") if c not in plans.columns]
        if miss:
            problems.append(f"Faltan columnas en los planes: {', '.join(miss)}.")
    tp = _target_period(target, problems)
    if problems:
        raise IncidentSchemaError(" ".join(problems))
    assert tp is not None
    span = _span(tp)
    df = _in_period(incidents, span)
    wanted = (sorted({k for k in map(district_key, districts) if k}) if districts is not None
              else sorted(df["district"].dropna().unique().tolist()))
    df = df.loc[df["district"].isin(wanted)].reset_index(drop=True)
    df["occurred_at"] = pd.to_datetime(df["occurred_at"])
    inside = np.zeros(len(df), dtype=bool)
    n_windows = 0
    if plans is not None and not plans.empty:
        pl = plans[["h3", "window_start", "window_end"]].copy()
        pl["window_start"] = pd.to_datetime(pl["window_start"])
        pl["window_end"] = pd.to_datetime(pl["window_end"])
        pl = pl.loc[(pl["window_end"] > span[0]) & (pl["window_start"] < span[1])]
        n_windows = int(pl[["window_start", "window_end"]].drop_duplicates().shape[0])
        if not pl.empty and not df.empty:
            raw = pl["h3"]
            cells = (hexbin.strings_to_cells(raw.astype(str)) if raw.dtype.kind in "OUT"
                     or isinstance(raw.dtype, pd.StringDtype) else raw.to_numpy(dtype=np.uint64))
            pl["cell"] = cells
            pl["res"] = hexbin.cells_resolution(cells)
            df["row"] = np.arange(len(df))
            for res, part in pl.groupby("res"):
                binned = hexbin.incidents_to_cells(df, resolution=int(res), column="cell")
                m = binned[["row", "cell", "occurred_at"]].merge(part, on="cell")
                hit = (m["occurred_at"] >= m["window_start"]) & (m["occurred_at"] < m["window_end"])
                inside[m.loc[hit, "row"].to_numpy(dtype=np.int64)] = True
    df["in_plan"] = inside
    g = df.groupby("district").agg(count=("in_plan", "size"), in_plan=("in_plan", "sum"))
    g = g.reindex(wanted, fill_value=0).reset_index()
    g.insert(1, "period", period_label(tp))
    g["share_pct"] = (g["in_plan"] / g["count"].where(g["count"] > 0) * 100.0
                      if n_windows else np.nan)
    g["share_pct"] = g["share_pct"].astype("float64")
    g["plan_windows"] = n_windows
    return g.astype({"count": "int64", "in_plan": "int64", "district": str})
