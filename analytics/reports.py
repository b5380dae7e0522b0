"""Codisec indicators and report documents; the public report reads the public release.

Indicators (:func:`district_indicators`, :func:`district_hotspots`,
:func:`plan_coverage`) take DataFrames and period labels (``2025-03``,
``2025-T1``, ``2025``) and return plain frames; :func:`report_tables` turns them
into Spanish tables; :func:`report_to_xlsx`, :func:`report_to_pdf`,
:func:`district_map_png`, :func:`cells_map_png` and :func:`report_maps` return
file contents as bytes (``analytics.files`` writes files). Population tables are
arguments (``analytics.files.read_population`` reads the shipped one), so the app
can pass a table the user edited.

The public report (:func:`public_report_tables`, :func:`public_report_maps`)
never sees incidents: it reads a :class:`analytics.disclosure.PublicRelease`,
whose notes explain the disclosure rules. :func:`public_counts` is re-exported
from there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import numpy as np
import pandas as pd

from analytics import _safe, disclosure, hexbin, settings
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


# --------------------------------------------------------------------------- #
# Report tables (Spanish, ready to show or export)
# --------------------------------------------------------------------------- #
#: Spanish header of every column the report functions produce.
COLUMN_LABELS: Final = MappingProxyType({
    "district": "Distrito",
    "crime_group": "Grupo de delito",
    "crime_type": "Tipo de delito",
    "period": "Periodo",
    "count": "Incidentes",
    "complete": "Periodo completo",
    "population": "Población",
    "rate_10k": "Tasa por 10 mil hab.",
    "previous_period": "Periodo anterior",
    "previous_count": "Inc. periodo anterior",
    "previous_change_pct": "Var. % vs anterior",
    "last_year_period": "Mismo periodo año anterior",
    "last_year_count": "Inc. año anterior",
    "last_year_change_pct": "Var. % interanual",
    "baseline_period": "Periodo de línea base",
    "baseline_count": "Línea base",
    "baseline_change_pct": "Var. % vs línea base",
    "goal_pct": "Meta (% vs línea base)",
    "goal_count": "Meta (incidentes)",
    "status": "Estado",
    "rank": "Puesto",
    "h3": "Celda H3",
    "share_pct": "% del distrito",
    "in_plan": "En zonas de patrullaje",
    "plan_windows": "Ventanas de plan",
})

_COUNT_HEADER: Final = COLUMN_LABELS["count"]
#: Columns :func:`check_public_tables` checks (a count must be at least k, or missing).
_PUBLIC_COUNT_HEADERS: Final = frozenset({"count", "previous_count", _COUNT_HEADER,
                                          COLUMN_LABELS["previous_count"]})


def district_labels(population: pd.DataFrame | None = None) -> dict[str, str]:
    """District key -> display name (``label`` column of the population table)."""
    if population is None or "label" not in population.columns or "district" not in population:
        return {}
    return {k: str(v) for k, v in zip(population["district"].map(district_key),
                                      population["label"], strict=False) if k and pd.notna(v)}


def _display_district(keys: pd.Series, labels: dict[str, str]) -> pd.Series:
    def one(k: object) -> str:
        s = str(k)
        return labels.get(s, s.title().replace(" De ", " de ").replace(" Del ", " del "))
    return keys.map(one).astype(str)


def _present(frame: pd.DataFrame, labels: dict[str, str], *, drop: Sequence[str] = (),
             decimals: int = 1) -> pd.DataFrame:
    out = frame.drop(columns=[c for c in drop if c in frame.columns]).copy()
    if "district" in out:
        out["district"] = _display_district(out["district"], labels)
    if "crime_group" in out:
        out["crime_group"] = out["crime_group"].map(
            lambda g: settings.CRIME_GROUPS.get(str(g), str(g))).astype(str)
    if "complete" in out:
        out["complete"] = np.where(out["complete"], "sí", "no")
    for c in out.columns:
        if out[c].dtype.kind == "f":
            whole = c.endswith("count") or c in ("count", "population")
            out[c] = out[c].round(1 if whole and c in ("baseline_count", "goal_count")
                                  else 0 if whole else decimals)
    return out.rename(columns=dict(COLUMN_LABELS))


def report_tables(incidents: pd.DataFrame, *, target: str,
                  districts: Sequence[str] | None = None, baseline: str | None = None,
                  goal_pct: float | None = None, population: pd.DataFrame | None = None,
                  plans: pd.DataFrame | None = None,
                  resolution: int = settings.H3_RESOLUTION, top: int = 10,
                  coverage: tuple[object, object] | None = None,
                  compliance: pd.DataFrame | None = None
                  ) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Tables and notes of the internal Codisec report (Spanish headers).

    ``compliance`` is the patrol-compliance table of the period
    (:func:`analytics.compliance.report_compliance`): internal only, the public
    report never has it.

    Returns
    -------
    tables : dict of str to pandas.DataFrame
        ``Indicadores`` (all incidents), ``Por grupo``, ``Por tipo`` (types
        with incidents in the period or a year before), ``Zonas críticas``
        (top ``top`` cells at ``resolution`` per district), when plans are
        given, ``Patrullaje`` and, with ``compliance``, ``Cumplimiento de
        patrullaje``.
    notes : list of str
        The periods compared, the baseline scaling, the population source and
        warnings (incomplete period).
    """
    opts: dict[str, Any] = {"target": target, "baseline": baseline, "goal_pct": goal_pct,
                            "population": population, "districts": districts,
                            "coverage": coverage}
    total = district_indicators(incidents, **opts)
    by_group = district_indicators(incidents, by="crime_group", **opts)
    by_type = district_indicators(incidents, by="crime_type", **opts)
    by_type = by_type.loc[(by_type["count"].fillna(0) > 0)
                          | (by_type["last_year_count"].fillna(0) > 0)]
    labels = district_labels(population)
    drop = ["period", "previous_period", "last_year_period", "baseline_period", "goal_pct"]
    compact = ["population", "previous_count", "last_year_count", "complete"]
    tables = {
        "Indicadores": _present(total, labels, drop=drop),
        "Por grupo": _present(by_group, labels, drop=drop + compact),
        "Por tipo": _present(by_type, labels, drop=drop + compact),
        "Zonas críticas": _present(
            district_hotspots(incidents, target=target, resolution=resolution, top=top,
                              districts=districts), labels),
    }
    if plans is not None and not plans.empty:
        tables["Patrullaje"] = _present(
            plan_coverage(incidents, plans, target=target, districts=districts), labels)
    patrol_notes: list[str] = []
    if compliance is not None:
        from analytics import compliance as comp

        tables[comp.REPORT_TABLE] = _present(compliance, labels).rename(
            columns=dict(comp.REPORT_LABELS))
        patrol_notes.append(comp.REPORT_NOTE)
    row = total.iloc[0] if len(total) else None
    notes = [f"Periodo del informe: {period_label(label_to_period(target))}."]
    if row is not None:
        notes.append(f"Comparaciones: periodo anterior {row['previous_period']}; mismo periodo "
                     f"del año anterior {row['last_year_period']}.")
        if baseline is not None:
            bp = label_to_period(baseline)
            tp = label_to_period(target)
            scaled = ("" if _months(bp) == _months(tp) else
                      f" (escalada a la duración del periodo: × {_months(tp)}/{_months(bp)})")
            notes.append(f"Línea base: {period_label(bp)}{scaled}.")
        if goal_pct is not None:
            notes.append(f"Meta: {goal_pct:+g} % respecto de la línea base; «cumple» si los "
                         "incidentes del periodo no superan la meta.")
        if not bool(row["complete"]):
            notes.append("Atención: los datos no cubren el periodo completo; las cifras son "
                         "parciales.")
    if population is not None:
        src = (sorted(population["source"].dropna().astype(str).unique())
               if "source" in population.columns else [])
        notes.append("Tasa por 10 000 habitantes del periodo (no anualizada). Población: "
                     + ("; ".join(src) if src else "tabla proporcionada por el usuario") + ".")
    notes.append(f"Zonas críticas: celdas H3 de resolución {resolution}, las {top} con más "
                 "incidentes por distrito.")
    notes.extend(patrol_notes)
    notes.append("Documento de uso interno: contiene ubicaciones de incidentes (Ley 29733).")
    return tables, notes


def public_report_tables(release: disclosure.PublicRelease, *, target: str,
                         districts: Sequence[str] | None = None,
                         population: pd.DataFrame | None = None
                         ) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Tables and notes of the public report, read from the public release only.

    Every figure is a sum of published rows of ``release`` over the base
    periods inside ``target`` (a quarter, or a year as the sum of its
    published quarters); the previous period is compared only when all its
    base periods are published. Rates use the published sums.

    Returns
    -------
    tables : dict of str to pandas.DataFrame
        ``Incidentes por grupo`` (district, period, group, count, rate per
        10,000, previous period, its count and the change) and ``Celdas``
        (published cells of the chosen districts, each at its own
        resolution: 8, or 6 for sensitive incidents).
    notes : list of str
    """
    problems: list[str] = []
    tp = _target_period(target, problems)
    pop = _population_by_key(population, problems)
    if problems:
        raise IncidentSchemaError(" ".join(problems))
    assert tp is not None
    label = period_label(tp)
    members = disclosure.label_members(release, label)
    prev = disclosure.label_previous(release, label)
    wanted = [k for k in map(district_key, districts or []) if k]
    cur = disclosure.district_counts(release, periods=members, districts=wanted)
    cur.insert(1, "period", label)
    cur["rate_10k"] = cur["count"] / cur["district"].map(pop).astype("float64") * 10_000.0
    prev_label = period_label(tp - 1)
    cur["previous_period"] = prev_label
    if prev is not None:
        old = disclosure.district_counts(release, periods=prev, districts=wanted)
        old_n = old.set_index(["district", "crime_group"])["count"]
        idx = pd.MultiIndex.from_frame(cur[["district", "crime_group"]])
        cur["previous_count"] = old_n.reindex(idx).to_numpy(dtype="float64")
    else:
        cur["previous_count"] = np.nan
    cur["previous_change_pct"] = _pct_change(cur["count"], cur["previous_count"])
    order = {g: i for i, g in enumerate(settings.CRIME_GROUPS)}
    cur = cur.sort_values(["district", "crime_group"],
                          key=lambda c: c.map(order) if c.name == "crime_group" else c)
    cells = disclosure.cell_rows(release, periods=members, districts=wanted)
    cells.insert(1, "period", label)
    cells = cells[["district", "period", "crime_group", "h3", "count"]]
    labels = district_labels(population)
    tables = {
        "Incidentes por grupo": _present(cur.reset_index(drop=True), labels),
        "Celdas": _present(cells.reset_index(drop=True), labels),
    }
    k, s_k = release.k, release.sensitive_k
    unit = "trimestres" if release.period == "Q" else "meses"
    notes = [f"Periodo: {label}. Solo agregados; sin coordenadas ni datos personales."]
    if not members:
        notes.append(f"No hay cifras publicadas para {label}: solo se publican {unit} "
                     "completos.")
    elif set(members) != set(disclosure.label_base(release, label)):
        notes.append(f"Suma de los {unit} publicados: {', '.join(members)}.")
    notes += [
        f"Cada cifra es una suma de cifras publicadas ({unit} completos, por distrito y grupo). "
        f"Se suprimen las cifras menores que {k} (menores que {s_k} para violencia familiar y "
        "violencia sexual) y, para impedir el cálculo por diferencia, otras cifras del mismo "
        "periodo, grupo o distrito; por eso las sumas pueden ser menores que el total real.",
        f"Periodo anterior ({prev_label}): " + (
            "suma de las cifras publicadas de los mismos distritos y grupos." if prev is not None
            else "no se compara porque no está publicado completo."),
        f"Celdas H3 de resolución {release.resolution} "
        f"(~{hexbin.cell_area_km2(release.resolution):.1f} km²), solo dentro de cifras de "
        f"distrito publicadas; violencia familiar, violencia sexual y feminicidio solo en "
        f"celdas de resolución {release.sensitive_resolution} "
        f"(~{hexbin.cell_area_km2(release.sensitive_resolution):.0f} km²).",
        "Tasa por 10 000 habitantes del periodo (no anualizada), con las cifras publicadas.",
    ]
    return tables, notes


def h3_resolution(cell: str) -> int:
    """Resolution of a hex cell id."""
    return int(hexbin.cells_resolution(np.array([int(cell, 16)], dtype=np.uint64))[0])


def check_public_tables(tables: dict[str, pd.DataFrame], *,
                        k: int = settings.PUBLIC_MIN_COUNT) -> None:
    """Refuse tables unfit for the public: a count below ``k`` or a coordinate column.

    Raises
    ------
    IncidentSchemaError
        Listing every problem found.
    """
    problems = []
    forbidden = re.compile(r"^(lat|lon|lng|latitud|longitud|latitude|longitude|x|y|"
                           r"coordenadas?|direcci[oó]n|address|incident_id|descripci[oó]n|"
                           r"notas?|indicador vinculado|intervenci[oó]n vinculada)$",
                           re.IGNORECASE)
    for name, t in tables.items():
        bad_cols = [c for c in t.columns if forbidden.match(str(c).strip())]
        if bad_cols:
            problems.append(f"La tabla «{name}» tiene columnas no publicables: "
                            f"{', '.join(map(str, bad_cols))}.")
        for col in (c for c in t.columns if str(c) in _PUBLIC_COUNT_HEADERS):
            v = pd.to_numeric(t[col], errors="coerce")
            if (v < k).any():
                problems.append(f"La tabla «{name}» tiene cifras menores que {k}.")
    if problems:
        raise IncidentSchemaError(" ".join(problems))


# --------------------------------------------------------------------------- #
# Documents: Excel, PDF, map images (bytes; analytics.files writes files)
# --------------------------------------------------------------------------- #
_SHEET_BAD: Final = re.compile(r"[\[\]:*?/\\]")


def _cell_value(v: object) -> object:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v


def _with_commitments(tables: dict[str, pd.DataFrame], commitments: pd.DataFrame | None, *,
                      public: bool) -> dict[str, pd.DataFrame]:
    """``tables`` plus the commitments section (public: its public columns only, checked).

    ``commitments`` is :func:`analytics.commitments.commitments_table`; an empty one adds
    nothing.
    """
    if commitments is None or commitments.empty:
        return tables
    from analytics import commitments as cm

    if public:
        cm.check_public_commitments(commitments)
    return {**tables, cm.REPORT_TABLE: commitments}


def report_to_xlsx(tables: dict[str, pd.DataFrame], *, title: str,
                   notes: Sequence[str] = (), public: bool = False,
                   k: int = settings.PUBLIC_MIN_COUNT,
                   commitments: pd.DataFrame | None = None) -> bytes:
    """Excel workbook: one sheet per table, then a ``Notas`` sheet.

    Parameters
    ----------
    tables
        Sheet name -> table (headers as given: use :func:`report_tables`).
    title
        Written at the top of every sheet.
    notes
        Lines of the ``Notas`` sheet.
    public
        Check the tables with :func:`check_public_tables` first.
    commitments
        The Codisec commitments table (a sheet after the others).

    Returns
    -------
    bytes
        The ``.xlsx`` file.
    """
    import io as _io

    import xlsxwriter

    tables = _with_commitments(tables, commitments, public=public)
    if public:
        check_public_tables(tables, k=k)
    buf = _io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "nan_inf_to_errors": False,
                                   "default_date_format": "yyyy-mm-dd hh:mm",
                                   **_safe.XLSX_OPTIONS})  # text is text, never a formula
    bold = wb.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1, "text_wrap": True,
                          "valign": "top"})
    head = wb.add_format({"bold": True, "font_size": 13})
    num = wb.add_format({"num_format": "#,##0.0"})
    used: set[str] = set()
    for name, table in tables.items():
        sheet_name = _SHEET_BAD.sub(" ", str(name))[:31] or "Tabla"
        base, i = sheet_name, 2
        while sheet_name.lower() in used:
            sheet_name = f"{base[:28]} {i}"
            i += 1
        used.add(sheet_name.lower())
        ws = wb.add_worksheet(sheet_name)
        ws.write(0, 0, f"{title} — {name}", head)
        cols = [str(c) for c in table.columns]
        for j, c in enumerate(cols):
            ws.write(2, j, c, bold)
            width = max([len(c) * 0.9] + [len(str(v)) for v in table.iloc[:200, j].tolist()])
            ws.set_column(j, j, min(max(width + 2, 8), 50))
        for i_row, row in enumerate(table.itertuples(index=False), start=3):
            for j, v in enumerate(row):
                val = _cell_value(v)
                if val is None:
                    ws.write_blank(i_row, j, None)
                elif isinstance(val, float) and not float(val).is_integer():
                    ws.write_number(i_row, j, val, num)
                else:
                    ws.write(i_row, j, val)
        ws.freeze_panes(3, 0)
        if len(table):
            ws.autofilter(2, 0, 2 + len(table), max(0, len(cols) - 1))
    ws = wb.add_worksheet("Notas")
    ws.write(0, 0, title, head)
    ws.set_column(0, 0, 120)
    for i, line in enumerate(notes, start=2):
        ws.write(i, 0, str(line))
    wb.close()
    return buf.getvalue()


def _landscape_pdf(title: str) -> Any:
    """An empty landscape A4 ``fpdf.FPDF`` titled ``title``, with DejaVu regular and bold
    (matplotlib's copy: accents and ñ print) as ``"DejaVu"``. Shared with ``briefing``."""
    import matplotlib
    from fpdf import FPDF

    base = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creator("Vigía")
    pdf.add_font("DejaVu", "", str(base / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(base / "DejaVuSans-Bold.ttf"))
    return pdf


def _pdf_text(v: object) -> str:
    v = _cell_value(v)
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.0f}" if v.is_integer() else f"{v:,.1f}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def report_to_pdf(tables: dict[str, pd.DataFrame], *, title: str, period: str = "",
                  notes: Sequence[str] = (), map_images: Sequence[bytes] = (),
                  subtitle: str = "", public: bool = False,
                  k: int = settings.PUBLIC_MIN_COUNT,
                  generated_at: datetime | None = None,
                  commitments: pd.DataFrame | None = None) -> bytes:
    """PDF report (A4 landscape, DejaVu Sans for Spanish accents).

    Parameters
    ----------
    tables
        Heading -> table; long tables continue on the next pages.
    title, period, subtitle
        First-page header lines.
    notes
        Paragraphs printed after the tables.
    map_images
        PNG images (e.g. :func:`district_map_png`), one per half page.
    public
        Check the tables with :func:`check_public_tables` first.
    generated_at
        Time printed as "Generado"; default now (local wall time).
    commitments
        The Codisec commitments table (a section after the others).

    Returns
    -------
    bytes
        The PDF file (starts with ``%PDF``).
    """
    import io as _io
    from zoneinfo import ZoneInfo

    from fpdf.fonts import FontFace

    tables = _with_commitments(tables, commitments, public=public)
    if public:
        check_public_tables(tables, k=k)
    when = generated_at or datetime.now(ZoneInfo(settings.TIMEZONE)).replace(tzinfo=None)
    pdf = _landscape_pdf(title)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    if period:
        pdf.cell(0, 6, f"Periodo: {period}", new_x="LMARGIN", new_y="NEXT")
    if subtitle:
        pdf.multi_cell(0, 6, subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(0, 5, f"Generado: {when:%Y-%m-%d %H:%M} (hora de Lima) · Vigía",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for png in map_images:
        img_w = width / 2
        if pdf.get_y() + img_w * 0.75 > pdf.h - pdf.b_margin:
            pdf.add_page()
        pdf.image(_io.BytesIO(png), x=pdf.l_margin + width / 4, w=img_w)
        pdf.ln(2)
    heading = FontFace(emphasis="BOLD", fill_color=(221, 228, 238))
    for name, table in tables.items():
        if pdf.get_y() > pdf.h - 40:
            pdf.add_page()
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(0, 8, str(name), new_x="LMARGIN", new_y="NEXT")
        n_cols = max(1, len(table.columns))
        pdf.set_font("DejaVu", "", 8 if n_cols <= 8 else 7 if n_cols <= 11 else 6)
        if table.empty:
            pdf.cell(0, 6, "Sin datos.", new_x="LMARGIN", new_y="NEXT")
            continue
        with pdf.table(headings_style=heading, line_height=pdf.font_size * 1.6,
                       text_align="LEFT", width=width) as t:
            row = t.row()
            for c in table.columns:
                row.cell(str(c))
            for rec in table.itertuples(index=False):
                row = t.row()
                for v in rec:
                    row.cell(_pdf_text(v))
        pdf.ln(3)
    if notes:
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(0, 8, "Notas", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
        for line in notes:
            pdf.multi_cell(0, 5, f"• {line}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def district_map_png(boundaries: pd.DataFrame, values: pd.DataFrame | None = None, *,
                     value_column: str = "count", title: str = "",
                     highlight: Sequence[str] = (), legend_label: str = "Incidentes",
                     population: pd.DataFrame | None = None) -> bytes:
    """Choropleth of districts as a PNG image.

    Parameters
    ----------
    boundaries
        GeoDataFrame with ``district`` and ``geometry`` (``districts.geojson``).
    values
        ``district`` and ``value_column``; districts without a value are grey
        (no data or suppressed).
    highlight
        Districts outlined in black; the map zooms to them (with their
        neighbours around), else to the districts with values.
    population
        Optional, for accented names in the labels (``label`` column).

    Returns
    -------
    bytes
        PNG image.
    """
    import io as _io

    import geopandas as gpd
    from matplotlib import patheffects
    from matplotlib.figure import Figure

    gdf = gpd.GeoDataFrame(boundaries.copy(), geometry="geometry")
    gdf["_key"] = gdf["district"].map(district_key)
    if values is not None and len(values):
        v = values.assign(_key=values["district"].map(district_key)).groupby("_key")[
            value_column].sum(min_count=1)
        gdf["_value"] = gdf["_key"].map(v).astype("float64")
    else:
        gdf["_value"] = np.nan
    keys = {district_key(d) for d in highlight}
    focus = gdf.loc[gdf["_key"].isin(keys)] if keys else gdf.loc[gdf["_value"].notna()]
    if focus.empty:
        focus = gdf
    fig = Figure(figsize=(7.5, 5.6), dpi=110)
    ax = fig.add_subplot()
    minx, miny, maxx, maxy = focus.total_bounds
    pad = max(maxx - minx, maxy - miny) * 0.35 + 0.005
    view = gdf.cx[minx - pad:maxx + pad, miny - pad:maxy + pad]
    if view["_value"].notna().any():
        view.plot(ax=ax, column="_value", cmap="OrRd", legend=True, edgecolor="#666666",
                  linewidth=0.5, missing_kwds={"color": "#dddddd", "edgecolor": "#999999"},
                  legend_kwds={"label": legend_label, "shrink": 0.7})
    else:
        view.plot(ax=ax, color="#dddddd", edgecolor="#999999", linewidth=0.5)
    if keys:
        gdf.loc[gdf["_key"].isin(keys)].boundary.plot(ax=ax, color="black", linewidth=1.6)
    labels = district_labels(population)
    for _, r in focus.iterrows():
        pt = r.geometry.representative_point()
        ax.annotate(labels.get(r["_key"], str(r["district"]).title()), (pt.x, pt.y),
                    ha="center", fontsize=7, color="#222222",
                    path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")])
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=10)
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def cells_map_png(cells: pd.DataFrame, *, boundaries: pd.DataFrame | None = None,
                  value_column: str = "count", title: str = "",
                  legend_label: str = "Incidentes") -> bytes:
    """H3 cells coloured by a value, over district outlines, as a PNG image.

    ``cells`` has ``h3`` (hex strings) and ``value_column``; used for the top
    hotspots of the internal report and the published cells of the public one.
    """
    import io as _io

    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 5.6), dpi=110)
    ax = fig.add_subplot()
    if len(cells):
        v = cells.groupby("h3")[value_column].sum()
        poly = hexbin.cells_to_polygons(hexbin.strings_to_cells(v.index.astype(str)))
        poly["_value"] = poly["h3"].map(v).astype("float64")
        minx, miny, maxx, maxy = poly.total_bounds
        pad = max(maxx - minx, maxy - miny) * 0.25 + 0.005
        if boundaries is not None:
            import geopandas as gpd

            b = gpd.GeoDataFrame(boundaries, geometry="geometry")
            b.cx[minx - pad:maxx + pad, miny - pad:maxy + pad].boundary.plot(
                ax=ax, color="#888888", linewidth=0.6)
        poly.plot(ax=ax, column="_value", cmap="OrRd", legend=True, edgecolor="#444444",
                  linewidth=0.4, alpha=0.9, legend_kwds={"label": legend_label, "shrink": 0.7})
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
    else:
        ax.text(0.5, 0.5, "Sin celdas que mostrar", ha="center", va="center",
                transform=ax.transAxes)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=10)
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def _report_area(boundaries: pd.DataFrame, districts: Sequence[str]) -> pd.DataFrame:
    """The districts of the same city (``city`` column) as ``districts``."""
    keys = {district_key(d) for d in districts}
    if "city" in boundaries.columns:
        cities = set(boundaries.loc[boundaries["district"].map(district_key).isin(keys), "city"])
        if cities:
            return boundaries.loc[boundaries["city"].isin(cities)]
    return boundaries


def report_maps(incidents: pd.DataFrame, boundaries: pd.DataFrame, *, target: str,
                districts: Sequence[str], population: pd.DataFrame | None = None,
                resolution: int = settings.H3_RESOLUTION, top: int = 10) -> list[bytes]:
    """The two map images of the internal report, as PNG bytes.

    1. The districts of the same city as ``districts`` coloured by their rate
       per 10,000 inhabitants (by count when ``population`` is ``None``), the
       chosen districts outlined.
    2. The top ``top`` cells at ``resolution`` of the chosen districts.
    """
    gdf = _report_area(boundaries, districts)
    column, label = ("rate_10k", "Tasa por 10 mil hab.") if population is not None else (
        "count", "Incidentes")
    tp = period_label(label_to_period(target))
    vals = district_indicators(incidents, target=target, population=population)
    cells = district_hotspots(incidents, target=target, resolution=resolution, top=top,
                              districts=districts)
    first = district_map_png(gdf, vals, value_column=column, highlight=list(districts),
                             legend_label=label, population=population,
                             title=f"{label} por distrito, {tp}")
    second = cells_map_png(cells, boundaries=gdf,
                           title=f"Zonas críticas: {top} celdas con más incidentes, {tp}")
    return [first, second]


def public_report_maps(release: disclosure.PublicRelease, boundaries: pd.DataFrame, *,
                       target: str, districts: Sequence[str],
                       population: pd.DataFrame | None = None) -> list[bytes]:
    """The two map images of the public report (release sums only), as PNG bytes.

    1. Every district of the same city by its published rate per 10,000
       inhabitants (or published count), the chosen districts outlined.
    2. The published resolution-8 cells of the chosen districts (groups and
       district parts summed; the coarse cells of sensitive incidents are
       listed in the report's table, not drawn).
    """
    problems: list[str] = []
    tp = _target_period(target, problems)
    pop = _population_by_key(population, problems)
    if problems:
        raise IncidentSchemaError(" ".join(problems))
    assert tp is not None
    label_p = period_label(tp)
    members = disclosure.label_members(release, label_p)
    gdf = _report_area(boundaries, districts)
    column, label = ("rate_10k", "Tasa por 10 mil hab.") if population is not None else (
        "count", "Incidentes")
    vals = disclosure.district_counts(release, periods=members).groupby(
        "district", as_index=False)["count"].sum()
    vals["rate_10k"] = vals["count"] / vals["district"].map(pop).astype("float64") * 10_000.0
    cells = disclosure.cell_counts(release, periods=members,
                                   districts=[k for k in map(district_key, districts) if k])
    cells = cells.groupby("h3", as_index=False)["count"].sum()
    first = district_map_png(gdf, vals, value_column=column, highlight=list(districts),
                             legend_label=label, population=population,
                             title=f"{label} por distrito (cifras publicadas), {label_p}")
    second = cells_map_png(cells, boundaries=gdf,
                           title=f"Celdas publicadas (≥ {release.k} incidentes), {label_p}")
    return [first, second]
