"""Did an intervention work? Evaluate an area before and after, with displacement.

An intervention is an area ``R`` (polygon, multipolygon, H3 cells) and a start date. The
evaluation places every incident with coordinates in ``R``, in a ring ``D`` around it
(default 400 m beyond ``R``'s edge) or in a control ``C`` (default: the rest of the
district(s) ``R`` lies in, or of the whole data extent), counts them per month in a window
before and after the start, and reports:

- the change in ``R`` relative to ``C`` (difference in differences) with its interval:
  a negative binomial model on monthly counts (``method="nb_monthly"``) when there are at
  least :data:`MIN_MONTHS_BEFORE` months before and :data:`MIN_MONTHS_AFTER` after, else
  the relative effect size on totals (``method="res_totals"``), see
  :mod:`analytics.displacement`;
- the same for the ring, the weighted displacement quotient, total net effect and weighted
  displacement difference;
- a plain-Spanish verdict that never states more than the interval allows.

**Calibration.** Untouched areas drift relative to the rest of a city much more than count
noise explains (Philadelphia: 30–55 % of random untouched areas come out "significant" with
plain Poisson or NB intervals, see ``bench/RESULTS.md``). Every interval therefore adds the
between-area variance measured on :data:`PLACEBO_AREAS` placebo areas: ``R`` and its ring
moved, shape and size unchanged, to randomly drawn incident locations that do not touch
``R`` or its ring, evaluated over the same months (randomness from ``seed``); the interval's
multiplier is the larger of the normal ``z`` and the ``1 − alpha`` quantile of the placebos'
standardised deviations (``interval_multiplier``), so heavy tails widen it. With fewer
than :data:`MIN_PLACEBOS` usable placebos the interval is left uncalibrated and the verdict
says so. Placebos use every incident outside them as control.

Geometry is computed in the UTM zone of the area's centroid (EPSG:327xx south, 326xx
north: 32718 for Lima, 32717 for Trujillo, 32618 for Philadelphia). Rows without
coordinates cannot be placed and are reported as ``excluded_no_location``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from analytics import displacement as dsp, settings
from analytics._errors import IncidentSchemaError, InsufficientHistoryError, InterventionError
from analytics.intervention_areas import (
    BUFFER_M as BUFFER_M,
    MIN_MONTHS_AFTER as MIN_MONTHS_AFTER,
    MIN_MONTHS_BEFORE as MIN_MONTHS_BEFORE,
    EvaluationWindows as EvaluationWindows,
    Intervention as Intervention,
    InterventionClash as InterventionClash,
    StudyAreas as StudyAreas,
    area_from_cells as area_from_cells,
    check_area as check_area,
    data_coverage as data_coverage,
    evaluation_windows as evaluation_windows,
    intervention_from_record as intervention_from_record,
    overlapping_interventions as overlapping_interventions,
    study_areas as study_areas,
    utm_epsg as utm_epsg,
    utm_transformer as utm_transformer,
)

#: Fewest incidents in an area (before + after) for an estimate, and fewest before.
MIN_AREA_INCIDENTS: Final = 20
MIN_BEFORE_INCIDENTS: Final = 5
#: Placebo areas drawn to calibrate the intervals, and fewest usable ones.
PLACEBO_AREAS: Final = 100
MIN_PLACEBOS: Final = 20
#: A placebo is usable when it holds at least this many incidents before the start.
PLACEBO_MIN_BEFORE: Final = 5
#: Automatic control: districts holding at least this share of the area's incidents.
DISTRICT_MIN_SHARE: Final = 0.05
#: Automatic control: fall back to the whole extent when the districts' rest holds fewer
#: incidents before than this or than the area plus ring.
MIN_CONTROL_INCIDENTS: Final = 100
#: ``method`` values: negative binomial on monthly counts, or RES on totals.
METHODS: Final = ("nb_monthly", "res_totals")
_R, _D, _C = 1, 2, 3

# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class AreaComparison:
    """Counts and effects for one crime group (or all) in the area, ring and control.

    ``effect_pct`` is the area's change relative to the control (negative: reduction), with
    its calibrated ``1 − alpha`` interval; ``buffer_*`` the same for the ring. ``res*`` is
    the plain Farrington–Welsh RES on totals (uncalibrated, for reference). Effects are
    ``None`` when there are too few incidents (``enough`` is false); the verdict says why.
    """

    crime_group: str | None
    label: str
    area_before: int
    area_after: int
    buffer_before: int
    buffer_after: int
    control_before: int
    control_after: int
    enough: bool
    method: str
    effect_pct: float | None = None
    ci_low_pct: float | None = None
    ci_high_pct: float | None = None
    p_value: float | None = None
    interval_multiplier: float | None = None
    buffer_effect_pct: float | None = None
    buffer_ci_low_pct: float | None = None
    buffer_ci_high_pct: float | None = None
    res: float | None = None
    res_ci_low: float | None = None
    res_ci_high: float | None = None
    wdq: float | None = None
    wdq_key: str = "indefinido"
    wdq_reading: str = ""
    total_net_effect: float | None = None
    wdd: float | None = None
    wdd_se: float | None = None
    wdd_z: float | None = None
    dispersion: float | None = None
    drift_sd: float | None = None
    buffer_drift_sd: float | None = None
    placebos: int = 0
    verdict: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN as ``None``)."""
        return {k: _json_value(getattr(self, k)) for k in self.__dataclass_fields__}


def _json_value(v: Any) -> Any:
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return None if not math.isfinite(f) else float(f"{f:.7g}")
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    return v


@dataclass(frozen=True)
class InterventionEvaluation:
    """Result of :func:`evaluate_intervention`.

    Attributes
    ----------
    overall
        All incidents (or the requested crime group).
    groups
        One :class:`AreaComparison` per crime group present in the area (empty when a
        group was requested).
    windows, buffer_m, area_km2, buffer_km2, control_label, epsg
        What was compared.
    excluded_no_location
        Rows in the windows without usable coordinates (not placed in any zone).
    outside_control
        Placed rows in neither the area, the ring nor the control.
    calibrated
        Whether the intervals include the placebo drift.
    series
        One row per month: ``month_start, post, area, buffer, control, counterfactual,
        counterfactual_low, counterfactual_high`` (the counterfactual is the area's level
        before, carried by the control; ``NaN`` when there are too few incidents).
    notes
        Spanish notes for the reader.
    control_districts
        The districts whose rest is the automatic control (empty: a user polygon or the
        whole extent), for maps.
    """

    name: str
    overall: AreaComparison
    groups: tuple[AreaComparison, ...]
    windows: EvaluationWindows
    buffer_m: float
    area_km2: float
    buffer_km2: float
    control_label: str
    epsg: int
    excluded_no_location: int
    outside_control: int
    calibrated: bool
    alpha: float
    series: pd.DataFrame = field(compare=False, repr=False)
    notes: tuple[str, ...] = ()
    control_districts: tuple[str, ...] = ()

    @property
    def method(self) -> str:
        """``nb_monthly`` or ``res_totals``."""
        return self.overall.method

    @property
    def verdict(self) -> str:
        """The plain-Spanish verdict of the overall comparison."""
        return self.overall.verdict

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict.

        The overall comparison's keys at the top level, then context, ``groups`` and
        ``series``.
        """
        w = self.windows
        out: dict[str, Any] = {"name": self.name}
        out.update(self.overall.to_dict())
        out.update({
            "start": _json_value(w.start), "before_start": _json_value(w.before_start),
            "after_end": _json_value(w.after_end), "months_before": w.months_before,
            "months_after": round(w.months_after, 3), "buffer_m": self.buffer_m,
            "area_km2": round(self.area_km2, 6), "buffer_km2": round(self.buffer_km2, 6),
            "control": self.control_label, "epsg": self.epsg,
            "excluded_no_location": self.excluded_no_location,
            "outside_control": self.outside_control, "calibrated": self.calibrated,
            "confidence": round(1 - self.alpha, 6), "notes": list(self.notes),
            "groups": [g.to_dict() for g in self.groups],
            "series": [{k: _json_value(v) for k, v in rec.items()}
                       for rec in self.series.to_dict(orient="records")],
        })
        return out


# --------------------------------------------------------------------------- evaluation
def _check_incidents(incidents: pd.DataFrame, need_group: bool) -> None:
    need = ["occurred_at", "lat", "lon"] + (["crime_group"] if need_group else [])
    missing = [c for c in need if c not in incidents.columns]
    problems = [f"faltan columnas: {', '.join(missing)}"] if missing else []
    if "occurred_at" in incidents.columns and not missing:
        if not pd.api.types.is_datetime64_any_dtype(incidents["occurred_at"]):
            problems.append("'occurred_at' no es fecha y hora")
    if problems:
        msg = "Incidentes no válidos: " + "; ".join(problems) + "."
        raise IncidentSchemaError(msg)


def _auto_control(districts: NDArray[Any] | None, in_r: NDArray[np.bool_],
                  in_full: NDArray[np.bool_], before: NDArray[np.bool_]
                  ) -> tuple[NDArray[np.bool_], str, tuple[str, ...]]:
    others = ~in_full
    whole = "toda el área con datos, fuera del área y del anillo"
    if districts is None:
        return others, whole, ()
    base = districts[in_r] if in_r.any() else districts[in_full]
    counts = pd.Series(base, dtype=object).dropna().value_counts()
    if counts.empty:
        return others, whole, ()
    touched = [str(k) for k, v in counts.items() if v / counts.sum() >= DISTRICT_MIN_SHARE]
    in_c = others & pd.Series(districts, dtype=object).isin(touched).to_numpy()
    need = max(MIN_CONTROL_INCIDENTS, int((in_full & before).sum()))
    if int((in_c & before).sum()) < need:
        return others, whole, ()
    names = ", ".join(sorted(touched))
    return in_c, (f"resto del distrito {names}" if len(touched) == 1
                  else f"resto de los distritos {names}"), tuple(sorted(touched))


def _placebo_shifts(x: NDArray[np.float64], y: NDArray[np.float64], areas: StudyAreas, n: int,
                    rng: np.random.Generator) -> list[tuple[float, float]]:
    """Draw translations moving ``R``'s centroid onto random incidents, clear of ``R ∪ D``."""
    import shapely

    if n <= 0 or x.size == 0:
        return []
    c = areas.target.centroid
    fx0, fy0, fx1, fy1 = areas.full.bounds
    out: list[tuple[float, float]] = []
    for j in rng.integers(0, x.size, size=20 * n):
        dx, dy = float(x[j] - c.x), float(y[j] - c.y)
        clear = fx1 + dx < fx0 or fx0 + dx > fx1 or fy1 + dy < fy0 or fy0 + dy > fy1
        if not clear:
            moved = shapely.affinity.translate(areas.full, dx, dy)
            clear = not areas.full.intersects(moved)
        if clear:
            out.append((dx, dy))
            if len(out) == n:
                break
    return out


def _placebo_members(x: NDArray[np.float64], y: NDArray[np.float64], areas: StudyAreas,
                     shifts: Sequence[tuple[float, float]]
                     ) -> list[tuple[NDArray[np.intp], NDArray[np.intp]]]:
    """Find the points in each moved ``R`` and moved ring (indices)."""
    import shapely

    order = np.argsort(x, kind="stable")
    xs = x[order]
    fx0, fy0, fx1, fy1 = areas.full.bounds
    out = []
    for dx, dy in shifts:
        lo, hi = np.searchsorted(xs, [fx0 + dx, fx1 + dx], side="left")
        idx = order[lo:hi]
        idx = idx[(y[idx] >= fy0 + dy) & (y[idx] <= fy1 + dy)]
        px, py = x[idx] - dx, y[idx] - dy
        in_full = shapely.contains_xy(areas.full, px, py)
        in_r = shapely.contains_xy(areas.target, px, py)
        out.append((idx[in_r], idx[in_full & ~in_r]))
    return out


def _pct(beta: float) -> float:
    return (math.exp(beta) - 1.0) * 100.0


@dataclass(frozen=True)
class _Context:
    months: NDArray[np.intp]
    zone: NDArray[np.int8]
    n_bins: int
    post: NDArray[np.bool_]
    monthly: bool
    members: list[tuple[NDArray[np.intp], NDArray[np.intp]]]
    alpha: float
    buffer_m: float


def _series(ctx: _Context, sub: NDArray[np.bool_], code: int) -> NDArray[np.int64]:
    return np.bincount(ctx.months[sub & (ctx.zone == code)], minlength=ctx.n_bins)


def _drift(ctx: _Context, sub: NDArray[np.bool_], which: int
           ) -> tuple[float | None, int, float]:
    """Measure the placebo drift of the area (``which=_R``) or ring (``_D``).

    Returns τ² (``None`` when too few placebos), the placebos used, and the interval
    multiplier ``max(z, (1 − alpha) quantile of |standardised placebo deviations|)``
    (heavier tails than normal widen the interval).
    """
    z = dsp.normal_quantile(ctx.alpha)
    if not ctx.members:
        return None, 0, z
    total = np.bincount(ctx.months[sub], minlength=ctx.n_bins)
    rows_r = [np.bincount(ctx.months[r[sub[r]]], minlength=ctx.n_bins) for r, _ in ctx.members]
    rows_d = [np.bincount(ctx.months[d[sub[d]]], minlength=ctx.n_bins) for _, d in ctx.members]
    mr, md = np.array(rows_r), np.array(rows_d)
    area = mr if which == _R else md
    ok = area[:, ~ctx.post].sum(axis=1) >= PLACEBO_MIN_BEFORE
    if ok.sum() < MIN_PLACEBOS:
        return None, int(ok.sum()), z
    fit = dsp.did_fit(area[ok], (total[None, :] - mr - md)[ok], ctx.post, monthly=ctx.monthly)
    tau2 = dsp.drift_variance(fit.beta, fit.variance)
    w = 1 / (fit.variance + tau2)
    dev = np.abs(fit.beta - np.sum(w * fit.beta) / np.sum(w)) * np.sqrt(w)
    return tau2, int(ok.sum()), max(z, float(np.quantile(dev, 1 - ctx.alpha)))


def _compare(ctx: _Context, sub: NDArray[np.bool_], *, group: str | None, label: str
             ) -> tuple[AreaComparison, dsp.DidFit | None, float]:
    from analytics._intervention_text import verdict_text

    r, d, c = (_series(ctx, sub, k) for k in (_R, _D, _C))
    pre, post = ~ctx.post, ctx.post
    rb, ra, db, da = int(r[pre].sum()), int(r[post].sum()), int(d[pre].sum()), int(d[post].sum())
    cb, ca = int(c[pre].sum()), int(c[post].sum())
    method = "nb_monthly" if ctx.monthly else "res_totals"
    base = dict(crime_group=group, label=label, area_before=rb, area_after=ra, buffer_before=db,
                buffer_after=da, control_before=cb, control_after=ca, method=method)
    enough = rb + ra >= MIN_AREA_INCIDENTS and rb >= MIN_BEFORE_INCIDENTS and cb > 0 and ca > 0
    if not enough:
        comp = AreaComparison(enough=False, **base)  # type: ignore[arg-type]
        return replace_verdict(comp, verdict_text(comp, buffer_m=ctx.buffer_m,
                                                  alpha=ctx.alpha)), None, math.nan
    fit = dsp.did_fit(r, c, ctx.post, monthly=ctx.monthly)
    tau_r, n_plac, z = _drift(ctx, sub, _R)
    beta, var = float(fit.beta[0]), float(fit.variance[0]) + (tau_r or 0.0)
    se = math.sqrt(var)
    extra: dict[str, Any] = dict(
        effect_pct=_pct(beta), ci_low_pct=_pct(beta - z * se), ci_high_pct=_pct(beta + z * se),
        p_value=float(2 * stats.norm.sf(abs(beta) / se)), interval_multiplier=z,
        dispersion=float(fit.dispersion[0]), placebos=n_plac,
        drift_sd=None if tau_r is None else math.sqrt(tau_r))
    buffer_ok = db + da >= MIN_AREA_INCIDENTS and db >= MIN_BEFORE_INCIDENTS
    if buffer_ok:
        fd = dsp.did_fit(d, c, ctx.post, monthly=ctx.monthly)
        tau_d, _, zd = _drift(ctx, sub, _D)
        bb, bv = float(fd.beta[0]), float(fd.variance[0]) + (tau_d or 0.0)
        bse = math.sqrt(bv)
        extra.update(buffer_effect_pct=_pct(bb), buffer_ci_low_pct=_pct(bb - zd * bse),
                     buffer_ci_high_pct=_pct(bb + zd * bse),
                     buffer_drift_sd=None if tau_d is None else math.sqrt(tau_d))
    if min(rb, ra, cb, ca) > 0:
        es = dsp.relative_effect_size((rb, ra), (cb, ca), alpha=ctx.alpha)
        extra.update(res=es.res, res_ci_low=es.res_low, res_ci_high=es.res_high)
    wdq = dsp.weighted_displacement_quotient((rb, ra), (db, da), (cb, ca))
    key, reading = dsp.wdq_reading(wdq, treated=(rb, ra), control=(cb, ca))
    wdd = dsp.weighted_displacement_difference_one_control((rb, ra), (db, da), (cb, ca),
                                                           alpha=ctx.alpha)
    ring_lo, ring_hi = extra.get("buffer_ci_low_pct"), extra.get("buffer_ci_high_pct")
    if key in ("difusion", "desplazamiento_parcial", "desplazamiento_mayor") and (
            ring_lo is None or ring_hi is None or ring_lo <= 0 <= ring_hi):
        reading += " (el cambio del anillo no es significativo)"
    extra.update(wdq=wdq, wdq_key=key, wdq_reading=reading,
                 total_net_effect=dsp.total_net_effect((rb, ra), (db, da), (cb, ca)),
                 wdd=wdd.wdd, wdd_se=wdd.se, wdd_z=wdd.z)
    comp = AreaComparison(enough=True, **base, **extra)  # type: ignore[arg-type]
    comp = replace_verdict(comp, verdict_text(comp, buffer_m=ctx.buffer_m, alpha=ctx.alpha))
    return comp, fit, (tau_r or 0.0)


def replace_verdict(comp: AreaComparison, verdict: str) -> AreaComparison:
    """Return a copy of ``comp`` with ``verdict``."""
    return replace(comp, verdict=verdict)


def evaluate_intervention(incidents: pd.DataFrame, area: Any, *, start: Any, end: Any = None,
                          months_before: int | None = None, months_after: int | None = None,
                          buffer_m: float = BUFFER_M, control: Any = None,
                          crime_group: str | None = None, by_group: bool = True,
                          coverage: tuple[Any, Any] | None = None,
                          placebos: int = PLACEBO_AREAS, seed: int | None = 0,
                          alpha: float = settings.ALPHA, name: str = ""
                          ) -> InterventionEvaluation:
    """Evaluate an intervention area before and after ``start``, with displacement.

    Parameters
    ----------
    incidents
        ``occurred_at`` (naive local time), ``lat``, ``lon``; ``crime_group`` for
        ``crime_group``/``by_group``; ``district`` (optional) for the automatic control.
        Rows without coordinates are counted as ``excluded_no_location``.
    area
        The intervention area (anything :func:`check_area` accepts; use
        :func:`area_from_cells` for H3 cells).
    start, end, months_before, months_after
        Windows, see :func:`evaluation_windows`.
    buffer_m
        Ring width beyond the area's edge, metres.
    control
        ``None``/``"auto"``: the rest of the district(s) holding the area's incidents, or
        the whole extent when that is too small or districts are unknown; or a polygon.
    crime_group
        Evaluate only this group (key of ``settings.CRIME_GROUPS``).
    by_group
        Also evaluate each crime group present in the area.
    coverage
        ``(first day, day after the last)`` of the data when ``incidents`` was already cut
        to the windows (default: from ``incidents``).
    placebos
        Placebo areas drawn for calibration (0: none, intervals uncalibrated).
    seed
        Seed of the placebo draw.
    alpha
        Two-sided level of the intervals (0.05: 95 %).
    name
        Name shown in the result.

    Returns
    -------
    InterventionEvaluation

    Raises
    ------
    IncidentSchemaError
        Missing columns.
    InterventionError
        Every problem with the area, control, ring and windows at once; an area that does
        not overlap the data.
    InsufficientHistoryError
        No incidents with coordinates in the windows, or an empty control.
    """
    import shapely

    _check_incidents(incidents, crime_group is not None or by_group)
    areas, windows = _checked_request(
        incidents, area, start=start, end=end, months_before=months_before,
        months_after=months_after, buffer_m=buffer_m, control=control, crime_group=crime_group,
        coverage=coverage, alpha=alpha)
    t = pd.to_datetime(incidents["occurred_at"])
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_localize(None)
    keep = ((t >= windows.before_start) & (t < windows.after_end)).to_numpy()
    if crime_group is not None:
        keep = keep & (incidents["crime_group"] == crime_group).to_numpy()
    df = incidents.loc[keep]
    lat = pd.to_numeric(df["lat"], errors="coerce").to_numpy(dtype=np.float64)
    lon = pd.to_numeric(df["lon"], errors="coerce").to_numpy(dtype=np.float64)
    placed = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    excluded = int((~placed).sum())
    df = df.loc[placed]
    if df.empty:
        msg = (f"No hay incidentes con coordenadas entre el {windows.before_start:%Y-%m-%d} y "
               f"el {windows.after_end:%Y-%m-%d}" + (f" del grupo {crime_group}" if crime_group
                                                      else "") + ".")
        raise InsufficientHistoryError(msg)
    xs, ys = utm_transformer(areas.epsg).transform(lon[placed], lat[placed])
    x, y = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    gx, gy = np.round(x / 100.0).astype(np.int64), np.round(y / 100.0).astype(np.int64)
    cells = np.unique((gx - gx.min()) * (1 << 32) + (gy - gy.min()))  # 100 m grid
    snapped = np.column_stack([cells >> 32, cells & ((1 << 32) - 1)]).astype(np.float64)
    snapped = (snapped + [gx.min(), gy.min()]) * 100.0
    hull = shapely.convex_hull(shapely.multipoints(snapped))
    if not areas.target.intersects(hull.buffer(100.0)):
        msg = ("El área no se superpone con los datos: no hay incidentes a su alrededor entre el "
               f"{windows.before_start:%Y-%m-%d} y el {windows.after_end:%Y-%m-%d}.")
        raise InterventionError(msg)
    edges = np.array([e.value for e in windows.edges], dtype=np.int64)
    tt = pd.to_datetime(df["occurred_at"])
    tvals = (tt.dt.tz_localize(None) if getattr(tt.dt, "tz", None) is not None else tt)
    months = np.searchsorted(edges, tvals.astype("datetime64[ns]").to_numpy().astype(np.int64),
                             side="right") - 1
    n_bins = len(windows.edges) - 1
    months = np.clip(months, 0, n_bins - 1).astype(np.intp)
    post_bins = windows.post
    in_r = shapely.contains_xy(areas.target, x, y)
    in_full = shapely.contains_xy(areas.full, x, y)
    in_d = in_full & ~in_r
    before = ~post_bins[months]
    control_districts: tuple[str, ...] = ()
    if areas.control is not None:
        in_c = shapely.contains_xy(areas.control, x, y) & ~in_full
        control_label = "zona de control indicada"
    else:
        dist = None
        if "district" in df.columns and df["district"].notna().any():
            dist = df["district"].astype(object).to_numpy()
        in_c, control_label, control_districts = _auto_control(dist, in_r, in_full, before)
    zone = np.zeros(x.size, dtype=np.int8)
    zone[in_c] = _C
    zone[in_d] = _D
    zone[in_r] = _R
    if int(in_c.sum()) == 0:
        msg = "La zona de control no tiene incidentes en las ventanas pedidas."
        raise InsufficientHistoryError(msg)
    rng = np.random.default_rng(seed)
    shifts = _placebo_shifts(x[before], y[before], areas, int(placebos), rng)
    ctx = _Context(months=months, zone=zone, n_bins=n_bins, post=post_bins,
                   monthly=windows.monthly, members=_placebo_members(x, y, areas, shifts),
                   alpha=alpha, buffer_m=areas.buffer_m)
    everything = np.ones(x.size, dtype=bool)
    label = settings.CRIME_GROUPS.get(crime_group, crime_group) if crime_group else "Todos"
    overall, fit, tau = _compare(ctx, everything, group=crime_group, label=str(label))
    groups: list[AreaComparison] = []
    if by_group and crime_group is None:
        g = df["crime_group"].astype(object).to_numpy()
        present = pd.Series(g[in_r], dtype=object).dropna().value_counts()
        for key in present.index:
            sub = g == key
            comp, _, _ = _compare(ctx, sub, group=str(key),
                                  label=str(settings.CRIME_GROUPS.get(str(key), key)))
            groups.append(comp)
    series = _series_frame(ctx, windows, fit, tau)
    calibrated = overall.drift_sd is not None
    notes = _evaluation_notes(windows, overall, excluded=excluded)
    return InterventionEvaluation(
        name=name, overall=overall, groups=tuple(groups), windows=windows,
        buffer_m=areas.buffer_m, area_km2=float(areas.target.area) / 1e6,
        buffer_km2=float(areas.ring.area) / 1e6, control_label=control_label, epsg=areas.epsg,
        excluded_no_location=excluded, outside_control=int((zone == 0).sum()),
        calibrated=calibrated, alpha=alpha, series=series, notes=tuple(notes),
        control_districts=control_districts)


def _checked_request(incidents: pd.DataFrame, area: Any, *, start: Any, end: Any,
                     months_before: int | None, months_after: int | None, buffer_m: float,
                     control: Any, crime_group: str | None, coverage: tuple[Any, Any] | None,
                     alpha: float) -> tuple[StudyAreas, EvaluationWindows]:
    """Study areas and windows of a request; one ``InterventionError`` for every problem."""
    problems: list[str] = []
    if crime_group is not None and crime_group not in settings.CRIME_GROUPS:
        problems.append(f"Grupo delictivo desconocido: {crime_group!r} (opciones: "
                        f"{', '.join(settings.CRIME_GROUPS)}).")
    if not (0 < alpha < 1):
        problems.append(f"El nivel alpha debe estar entre 0 y 1 (se pidió {alpha}).")
    areas: StudyAreas | None = None
    windows: EvaluationWindows | None = None
    try:
        areas = study_areas(area, buffer_m=buffer_m, control=control)
    except InterventionError as exc:
        problems.append(str(exc))
    try:
        cov = coverage if coverage is not None else data_coverage(incidents)
        windows = evaluation_windows(start, coverage=cov, end=end, months_before=months_before,
                                     months_after=months_after)
    except (InterventionError, InsufficientHistoryError) as exc:
        problems.append(str(exc))
    if problems or areas is None or windows is None:
        raise InterventionError(" ".join(problems))
    return areas, windows


def _evaluation_notes(windows: EvaluationWindows, overall: AreaComparison, *,
                      excluded: int) -> list[str]:
    """Caveats for the reader: the windows' notes, uncalibrated intervals, unplaced rows."""
    notes = list(windows.notes)
    if overall.enough and overall.drift_sd is None:
        notes.append(f"Solo {overall.placebos} áreas placebo utilizables (se necesitan "
                     f"{MIN_PLACEBOS}): el intervalo no incluye la variación natural entre "
                     "zonas y puede ser demasiado estrecho.")
    if excluded:
        notes.append(f"{excluded:,} incidentes sin coordenadas no se pudieron ubicar y no se "
                     "cuentan.".replace(",", " "))
    if not windows.monthly:
        notes.append(f"Menos de {MIN_MONTHS_BEFORE} meses antes o {MIN_MONTHS_AFTER} después: "
                     "se usa el RES sobre los totales, sin modelar la variación mensual.")
    return notes


def _series_frame(ctx: _Context, windows: EvaluationWindows, fit: dsp.DidFit | None,
                  tau: float) -> pd.DataFrame:
    everything = np.ones(ctx.months.size, dtype=bool)
    r, d, c = (_series(ctx, everything, k) for k in (_R, _D, _C))
    frame = pd.DataFrame({"month_start": list(windows.edges[:-1]), "post": ctx.post,
                          "area": r, "buffer": d, "control": c})
    if fit is None:
        for col in ("counterfactual", "counterfactual_low", "counterfactual_high"):
            frame[col] = np.nan
        return frame
    z = float(dsp.normal_quantile(ctx.alpha))
    cf = c * math.exp(float(fit.level_before[0]))
    s = math.sqrt(float(fit.level_before_var[0]) + tau)
    lo, _ = dsp.nb_interval(cf * math.exp(-z * s), float(fit.dispersion[0]), alpha=ctx.alpha)
    _, hi = dsp.nb_interval(cf * math.exp(z * s), float(fit.dispersion[0]), alpha=ctx.alpha)
    frame["counterfactual"] = cf
    frame["counterfactual_low"] = lo
    frame["counterfactual_high"] = hi
    return frame
