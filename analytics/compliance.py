"""Patrol compliance: saved plans measured against the stored GPS tracks.

The glue between the store (saved plans, ``tracks``, ``unit_aliases``) and
:mod:`analytics.dosage`: :func:`plans_dosage` reads plans and the pings of
their units within their windows, maps device ids to plan units and measures
the dose; the other functions turn a :class:`~analytics.dosage.DosageResult`
into the tables the Cumplimiento page, the CLI and the Codisec report show.

Which pings belong to a plan unit
---------------------------------
A device id that equals a plan unit label (by
:func:`analytics.tracks.unit_key`: ``"03"`` is unit ``"3"``) matches directly;
any other id (a plate, a GPS device code) matches through the editable alias
table (:func:`analytics.store.tracks.set_alias`). Devices that match no unit
of the plan are counted (``unmatched_devices``) and suggested with
:func:`analytics.tracks.suggest_unit_mapping`.

One plan per window
-------------------
Every plan made in the app is saved, so a shift can have several (a plan
made again with other options). Measured together they would credit the
same pings to both, so :func:`current_plans` keeps the newest plan of each
window start, and :func:`plans_dosage` refuses two plans with the same
window start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

import duckdb
import numpy as np
import pandas as pd

from analytics import dosage, settings, tracks
from analytics._errors import StoreError
from analytics._labels import district_key, label_to_period, period_label, period_span
from analytics.store import plans as store_plans, tracks as store_tracks

#: Columns of :func:`shift_compliance`.
SHIFT_COLUMNS: Final = ("plan_id", "window_start", "shift", "unit", "hotspots", "visited",
                        "skipped", "dosed", "planned_min", "dwell_min", "delivered_min",
                        "delivered_share", "minutes_outside_hotspots", "minutes_tracked",
                        "km", "pings")
#: Columns of :func:`district_compliance` (before the Spanish headers).
DISTRICT_COLUMNS: Final = ("district", "period", "shifts", "hotspots", "dosed", "share_dosed_pct",
                           "planned_min", "delivered_min", "delivered_pct", "tracked_min", "km")
#: Spanish headers of the report table (``district`` and ``period`` are the report's own).
REPORT_LABELS: Final = {
    "shifts": "Turnos con plan",
    "hotspots": "Puntos planificados",
    "dosed": "Puntos con dosis completa",
    "share_dosed_pct": "% de puntos con dosis",
    "planned_min": "Minutos planificados",
    "delivered_min": "Minutos cumplidos",
    "delivered_pct": "% de la dosis cumplida",
    "tracked_min": "Minutos con GPS",
    "km": "Km recorridos (GPS)",
}
#: Title of the report table and its note.
REPORT_TABLE: Final = "Cumplimiento de patrullaje"
REPORT_NOTE: Final = (
    "Cumplimiento de patrullaje: minutos que cada unidad pasó en sus puntos según su GPS "
    "(dosis de Koper), frente a los minutos planificados; los minutos de más en un punto no "
    "compensan un punto no visitado. Minutos con GPS y km: recorrido GPS de la unidad en el "
    "turno, asignado al distrito de la mayoría de sus puntos (sin minutos con GPS no hay "
    "evidencia de presencia). Describe lo ejecutado; no mide el efecto del patrullaje.")
#: Minutes of pings read before and after each window (an interval may straddle its border).
_PAD: Final = pd.Timedelta(minutes=dosage.MAX_INTERVAL_MIN + 1)


def shift_name(start: Any) -> str:
    """Spanish shift name of a window start (``settings.SHIFTS``), else ``HH:MM``."""
    ts = pd.Timestamp(start)
    for name, hour, _ in settings.SHIFTS:
        if ts.hour == hour and ts.minute == 0:
            return name
    return f"{ts:%H:%M}"


# --------------------------------------------------------------------------- plans
def current_plans(plans: pd.DataFrame) -> list[str]:
    """The newest plan of each window start (rows of ``store.plans.list_plans``), by window."""
    if plans.empty:
        return []
    df = plans.assign(_ws=pd.to_datetime(plans["window_start"]),
                      _c=pd.to_datetime(plans["created_at"]), _i=np.arange(len(plans)))
    # list_plans is newest first: the first row of a window wins a tie on created_at
    df = df.sort_values(["_ws", "_c", "_i"], ascending=[True, False, True], kind="stable")
    return [str(p) for p in df.drop_duplicates("_ws")["plan_id"]]


def stops_to_plan(stops: pd.DataFrame) -> pd.DataFrame:
    """Stored stops (``store.plans.plan_stops``) as a plan for :func:`plan_stops.plan_frame`."""
    cols = ["plan_id", "window_start", "window_end", "unit", "order", "h3", "lat", "lon",
            "district", "arrive", "leave", "visits", "dwell_min"]
    out = stops[[c for c in cols if c in stops.columns]].copy()
    out["unit"] = out["unit"].astype(str)
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class PlanCompliance:
    """Saved plans measured against the stored tracks (:func:`plans_dosage`).

    Attributes
    ----------
    stops
        The plans' stops (``store.plans.plan_stops``), in the dosage table's row order.
    result
        The dosage (:class:`analytics.dosage.DosageResult`).
    pings
        The pings used, with ``unit`` already the plan label (for maps).
    """

    stops: pd.DataFrame
    result: dosage.DosageResult
    pings: pd.DataFrame


def plan_pings(con: duckdb.DuckDBPyConnection, plan: pd.DataFrame
               ) -> tuple[pd.DataFrame, int, int]:
    """Stored pings of the plan's units within its windows, units mapped to plan labels.

    ``plan`` is :func:`stops_to_plan` output (``unit``, ``window_start``,
    ``window_end``). Only devices that match a plan unit directly or through
    an alias are read.

    Returns
    -------
    tuple
        The pings, and the devices (and their pings) seen from the first
        window's start to the last one's end that match no plan unit.
    """
    ws = pd.to_datetime(plan["window_start"])
    we = pd.to_datetime(plan["window_end"])
    start, end = ws.min() - _PAD, we.max() + _PAD
    devices = store_tracks.track_units(con, start=start, end=end)
    aliases = store_tracks.list_aliases(con)
    plan_keys = set(tracks.unit_key(plan["unit"]))
    target = {str(a): str(tracks.unit_key([u])[0]) for a, u in zip(aliases["alias"],
                                                                     aliases["unit"],
                                                                     strict=True)}
    keys = tracks.unit_key(devices["unit"]) if len(devices) else np.empty(0, dtype=object)
    match = np.array([k in plan_keys or target.get(str(k)) in plan_keys for k in keys],
                     dtype=bool)
    wanted = devices["unit"].astype(str).to_numpy()[match].tolist()
    pings = store_tracks.load_pings(con, start=start, end=end, units=wanted)
    if len(aliases) and len(pings):
        pings = tracks.apply_unit_mapping(pings, aliases[["alias", "unit"]])
    others = devices.loc[~match] if len(devices) else devices
    return pings, len(others), int(others["pings"].sum()) if len(others) else 0


def plans_dosage(con: duckdb.DuckDBPyConnection, plan_ids: str | Sequence[str], *,
                 dwell_min: float | None = None, revisit_min: float | None = None,
                 dose_rule: dosage.DoseRule = "each") -> PlanCompliance:
    """Measure saved plans against the stored GPS tracks.

    Parameters
    ----------
    con
        Store connection (read-only is enough).
    plan_ids
        One or more saved plans, at most one per window start.
    dwell_min, revisit_min
        Override the plans' own dwell and revisit rule.
    dose_rule
        See :func:`analytics.dosage.hotspot_dosage`.

    Returns
    -------
    PlanCompliance

    Raises
    ------
    StoreError
        Unknown plan ids, or two plans with the same window start.
    """
    ids = [plan_ids] if isinstance(plan_ids, str) else [str(p) for p in plan_ids]
    ids = list(dict.fromkeys(ids))
    if not ids:
        msg = "Elija al menos un plan guardado."
        raise StoreError(msg)
    stops = store_plans.plan_stops(con, ids)
    found = set(stops["plan_id"]) if len(stops) else set()
    missing = [p for p in ids if p not in found]
    if missing:
        msg = (f"No existe(n) el/los plan(es) {', '.join(missing[:5])} o no tienen puntos "
               "(vea python -m analytics plans list).")
        raise StoreError(msg)
    per_window = stops.drop_duplicates("plan_id").groupby("window_start")["plan_id"].nunique()
    if (per_window > 1).any():
        msg = ("Hay dos o más planes para el mismo turno "
               f"({pd.Timestamp(per_window[per_window > 1].index[0]):%d/%m/%Y %H:%M}); "
               "elija uno por turno.")
        raise StoreError(msg)
    plan = stops_to_plan(stops)
    pings, n_other, other_pings = plan_pings(con, plan)
    revisit = float(revisit_min if revisit_min is not None else
                    pd.to_numeric(stops["revisit_min"], errors="coerce").max()
                    if "revisit_min" in stops else settings.PATROL_REVISIT_MIN)
    if not np.isfinite(revisit) or revisit <= 0:
        revisit = float(settings.PATROL_REVISIT_MIN)
    res = dosage.hotspot_dosage(plan, pings, dwell_min=dwell_min, revisit_min=revisit,
                                dose_rule=dose_rule)
    res = replace(res, unmatched_devices=res.unmatched_devices + n_other,
                  unmatched_pings=res.unmatched_pings + other_pings)
    return PlanCompliance(stops=stops.reset_index(drop=True), result=res, pings=pings)


def suggest_aliases(con: duckdb.DuckDBPyConnection, plan_id: str) -> pd.DataFrame:
    """Which plan unit each unmatched device of a plan's window probably is.

    :func:`analytics.tracks.suggest_unit_mapping` on every stored ping of the
    plan's window (aliases already set applied first): ``alias, unit, basis,
    share``. The aliases are device ids (plates): for the person editing the
    alias table only.
    """
    stops = store_plans.plan_stops(con, plan_id)
    if stops.empty:
        store_plans.plan_record(con, plan_id)  # raises "No existe el plan"
    plan = stops_to_plan(stops)
    pings = store_tracks.load_pings(con, start=pd.to_datetime(plan["window_start"]).min() - _PAD,
                                    end=pd.to_datetime(plan["window_end"]).max() + _PAD)
    aliases = store_tracks.list_aliases(con)
    if len(aliases) and len(pings):
        pings = tracks.apply_unit_mapping(pings, aliases[["alias", "unit"]])
    return tracks.suggest_unit_mapping(pings, plan)


# --------------------------------------------------------------------------- tables
def _keys(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["window_start"] = pd.to_datetime(out["window_start"]).astype("datetime64[ns]")
    out["unit"] = out["unit"].astype(str)
    return out


def shift_compliance(pc: PlanCompliance) -> pd.DataFrame:
    """Planned against actual per shift and unit (:data:`SHIFT_COLUMNS`).

    ``visited``/``skipped``: planned hotspots with and without a visit;
    ``delivered_min`` caps each hotspot's dwell at its plan (an over-dose does
    not make up for a skipped hotspot); ``minutes_outside_hotspots`` and
    ``km`` come from the unit's whole track in the window (``km`` for
    comparison with SIPCOP's ranking).
    """
    res = pc.result
    by = _keys(dosage.compliance_by_shift(res))
    d = _keys(res.detail)
    vis = d.assign(v=d["visits"] > 0).groupby(["window_start", "unit"], sort=False)["v"].sum()
    by["visited"] = by.set_index(["window_start", "unit"]).index.map(vis).astype(np.int64)
    by["skipped"] = by["hotspots"] - by["visited"]
    uw = _keys(res.unit_windows) if len(res.unit_windows) else pd.DataFrame(
        columns=["window_start", "unit", "pings", "minutes_tracked", "minutes_outside_hotspots",
                 "km"])
    by = by.merge(uw[["window_start", "unit", "pings", "minutes_tracked",
                      "minutes_outside_hotspots", "km"]], on=["window_start", "unit"], how="left")
    st = _keys(pc.stops)[["window_start", "unit", "plan_id"]].drop_duplicates(
        ["window_start", "unit"])
    by = by.merge(st, on=["window_start", "unit"], how="left")
    by["shift"] = [shift_name(w) for w in by["window_start"]]
    for c in ("pings",):
        by[c] = by[c].fillna(0).astype(np.int64)
    for c in ("minutes_tracked", "minutes_outside_hotspots", "km"):
        by[c] = by[c].astype(np.float64).fillna(0.0)
    by["unit_n"] = pd.to_numeric(by["unit"], errors="coerce")
    by = by.sort_values(["window_start", "unit_n", "unit"], kind="stable")
    return by[list(SHIFT_COLUMNS)].reset_index(drop=True)


def period_compliance(pc: PlanCompliance, *, freq: str = "W") -> pd.DataFrame:
    """:func:`analytics.dosage.compliance_by_period` plus ``km`` and minutes outside hotspots."""
    g = dosage.compliance_by_period(pc.result, freq=freq)
    uw = pc.result.unit_windows
    if len(uw) and len(g):
        f = {"MS": "M", "W-MON": "W"}.get(freq, freq)
        per = pd.to_datetime(uw["window_start"]).dt.to_period(f).dt.start_time
        extra = uw.assign(period=per).groupby("period")[["km", "minutes_outside_hotspots"]].sum()
        g = g.merge(extra.reset_index(), on="period", how="left")
    else:
        g = g.assign(km=0.0, minutes_outside_hotspots=0.0)
    return g.fillna({"km": 0.0, "minutes_outside_hotspots": 0.0})


def dose_incidents(con: duckdb.DuckDBPyConnection, pc: PlanCompliance) -> pd.DataFrame:
    """Incidents inside dosed and undosed hotspots during their windows (descriptive).

    :func:`analytics.dosage.incidents_by_dose` on the store's incidents of the
    plans' windows. Not causal: see that function.
    """
    from analytics import store

    d = pc.result.detail
    if d.empty:
        return dosage.incidents_by_dose(d, pd.DataFrame({"occurred_at": pd.Series(
            dtype="datetime64[ns]"), "h3_r12": pd.Series(dtype=np.uint64)}))
    inc = store.load_incidents(con, start=pd.to_datetime(d["window_start"]).min(),
                               end=pd.to_datetime(d["window_end"]).max(),
                               columns=["occurred_at", "h3_r12"])
    inc = inc.loc[inc["h3_r12"].notna() & (inc["h3_r12"] > 0)]
    return dosage.incidents_by_dose(pc.result, inc)


def district_compliance(pc: PlanCompliance, *, target: str,
                        districts: Sequence[str] | None = None) -> pd.DataFrame:
    """Share of the planned dose delivered per district in one report period.

    Parameters
    ----------
    pc
        Plans measured (:func:`plans_dosage`); only windows starting inside
        ``target`` count.
    target
        Report period label (``2025-03``, ``2025-T1``, ``2025``).
    districts
        Keep these districts (``None``: every district with a planned hotspot).

    Returns
    -------
    pandas.DataFrame
        :data:`DISTRICT_COLUMNS`; ``district`` is the district key (the
        report displays it), a hotspot's district is its stop's; a unit's
        kilometres in a shift go to the district of most of its hotspots.
    """
    span = period_span(label_to_period(target))
    d = _keys(pc.result.detail).reset_index(drop=True)
    st = _keys(pc.stops)
    keys = ["window_start", "unit", "h3"]
    d = d.merge(st[keys + ["district"]].drop_duplicates(keys), on=keys, how="left")
    d["district"] = d["district"].map(district_key).fillna("")
    d = d.loc[(d["window_start"] >= span[0]) & (d["window_start"] < span[1])]
    d["delivered_min"] = np.minimum(d["dwell_min"].to_numpy(dtype=np.float64),
                                    d["planned_min"].to_numpy(dtype=np.float64))
    g = d.groupby("district", sort=True).agg(
        shifts=("window_start", "nunique"), hotspots=("h3", "size"), dosed=("dose_ok", "sum"),
        planned_min=("planned_min", "sum"), delivered_min=("delivered_min", "sum"))
    home = (d.groupby(["window_start", "unit"])["district"]
            .agg(lambda s: s.value_counts().index[0]).rename("district").reset_index())
    uw = _keys(pc.result.unit_windows) if len(pc.result.unit_windows) else pd.DataFrame(
        columns=["window_start", "unit", "km", "minutes_tracked"])
    per = home.merge(uw[["window_start", "unit", "km", "minutes_tracked"]],
                     on=["window_start", "unit"], how="left").groupby("district")
    g["km"] = per["km"].sum().reindex(g.index).fillna(0.0).astype(np.float64)
    g["tracked_min"] = per["minutes_tracked"].sum().reindex(g.index).fillna(0.0).astype(
        np.float64)
    if districts is not None:
        want = sorted({k for k in map(district_key, districts) if k})
        g = g.reindex(want)
        g[["shifts", "hotspots", "dosed"]] = g[["shifts", "hotspots", "dosed"]].fillna(0)
    g.index.name = "district"
    g = g.reset_index()
    g["period"] = period_label(label_to_period(target))
    for c in ("shifts", "hotspots", "dosed"):
        g[c] = g[c].astype(np.int64)
    g["share_dosed_pct"] = np.where(g["hotspots"] > 0,
                                    100.0 * g["dosed"] / g["hotspots"].where(g["hotspots"] > 0, 1),
                                    np.nan)
    g["delivered_pct"] = np.where(g["planned_min"].fillna(0) > 0,
                                  100.0 * g["delivered_min"] / g["planned_min"].where(
                                      g["planned_min"] > 0, 1.0), np.nan)
    for c in ("planned_min", "delivered_min", "tracked_min", "km"):
        g[c] = g[c].astype(np.float64).round(1)
    g["share_dosed_pct"] = g["share_dosed_pct"].round(1)
    g["delivered_pct"] = g["delivered_pct"].round(1)
    return g[list(DISTRICT_COLUMNS)]


def report_compliance(con: duckdb.DuckDBPyConnection, *, target: str,
                      districts: Sequence[str] | None = None) -> pd.DataFrame | None:
    """The Codisec report's patrol-compliance table for ``target`` (``None``: no plans).

    Measures the current plan of every window starting in the period
    (:func:`current_plans` of ``store.plans.plans_in_period``) against the
    stored tracks. Internal report only: never part of the public release.
    """
    span = period_span(label_to_period(target))
    listed = store_plans.plans_in_period(con, span[0], span[1])
    if listed.empty:
        return None
    inside = pd.to_datetime(listed["window_start"]) >= span[0]
    ids = current_plans(listed.loc[inside])
    if not ids:
        return None
    pc = plans_dosage(con, ids)
    return district_compliance(pc, target=target, districts=districts)
