"""Patrol dosage: the dwell rule on hand-made tracks, visits, gaps and the dose.

Also summaries, compliance helpers, and the synthetic-truth check on plans made by
the project's planner.

Hand-made tracks use one resolution-9 cell ``H`` in La Victoria (Lima), its centre, and
a point ``FAR`` 2 km north. ``LITERAL`` switches off the two corrections of the rule
(border splitting and flicker filling) so the numbers are exactly the literal rule.
"""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest

from analytics import dosage, hexbin, patrol, settings, tracks
from analytics._errors import TrackSchemaError
from analytics._synthetic_tracks import tracks_from_plan

H = h3.latlng_to_cell(-12.068, -77.018, 9)
C_LAT, C_LON = h3.cell_to_latlng(H)
FAR = (C_LAT + 0.018, C_LON)  # ~2 km north
WS = pd.Timestamp("2025-04-03 14:00")
LITERAL = {"split_crossings": False, "flicker_m": 0.0}


def plan_of(cells: tuple[str, ...] = (H,), *, unit: object = 1, visits: int | None = 4,
            ws: pd.Timestamp = WS) -> pd.DataFrame:
    df = pd.DataFrame({"window_start": ws, "unit": unit, "order": range(1, len(cells) + 1),
                       "h3": list(cells), "arrive": ws, "leave": ws + pd.Timedelta(minutes=15)})
    if visits is not None:
        df["visits"] = visits
    return df


def pings_at(minutes: np.ndarray | list[float], lat: float | np.ndarray = C_LAT,
             lon: float | np.ndarray = C_LON, unit: str = "1") -> pd.DataFrame:
    m = np.asarray(minutes, dtype=np.float64)
    return pd.DataFrame({"unit": unit, "ts": WS + pd.to_timedelta(m, unit="min"),
                         "lat": np.broadcast_to(lat, m.shape).astype(float),
                         "lon": np.broadcast_to(lon, m.shape).astype(float)})


def stay(start: float, end: float, step: float = 1.0) -> np.ndarray:
    return np.arange(start, end + 1e-9, step)


def row(result: dosage.DosageResult, i: int = 0) -> dict[str, object]:
    return result.table.iloc[i].to_dict()


# --------------------------------------------------------------------------- contract
def test_columns_and_summary_keys() -> None:
    r = dosage.hotspot_dosage(plan_of(), pings_at(stay(0, 30, 0.5)))
    assert list(r.table.columns) == list(dosage.DOSAGE_COLUMNS) == [
        "unit", "h3", "planned_min", "dwell_min", "visits", "first_arrival", "max_gap_min",
        "dose_ok"]
    d = r.to_dict()
    assert list(d)[:5] == ["hotspots", "dosed", "share_dosed", "minutes_in_hotspots",
                           "minutes_tracked"]
    assert {"km_by_unit", "minutes_outside_hotspots", "skipped_hotspots"} <= set(d)
    import json
    json.dumps(d)  # JSON-ready
    assert dosage.dosage_message(r) == ("0 de 1 puntos con dosis completa (0 %); 30 min en "
                                        "puntos de 30 min con GPS; 0 puntos sin visita.")


# --------------------------------------------------------------------------- the dwell rule
@pytest.mark.parametrize("kw", [{}, LITERAL], ids=["default", "literal"])
def test_unit_that_never_moves_inside(kw: dict[str, object]) -> None:
    r = dosage.hotspot_dosage(plan_of(), pings_at(stay(0, 480, 0.5)), **kw)
    assert row(r) == {"unit": 1, "h3": H, "planned_min": 60.0, "dwell_min": 480.0, "visits": 1,
                      "first_arrival": WS, "max_gap_min": 0.0, "dose_ok": True}
    u = r.units.iloc[0]
    assert (u["minutes_tracked"], u["minutes_outside_hotspots"], u["km"]) == (480.0, 0.0, 0.0)


@pytest.mark.parametrize("kw", [{}, LITERAL], ids=["default", "literal"])
def test_unit_that_never_moves_outside(kw: dict[str, object]) -> None:
    r = dosage.hotspot_dosage(plan_of(), pings_at(stay(0, 480, 0.5), *FAR), **kw)
    t = row(r)
    assert (t["dwell_min"], t["visits"], t["max_gap_min"], t["dose_ok"]) == (0.0, 0, 480.0,
                                                                             False)
    assert pd.isna(t["first_arrival"])
    assert r.to_dict()["skipped_hotspots"] == 1
    assert r.to_dict()["minutes_outside_hotspots"] == 480.0


def test_unit_with_no_pings() -> None:
    other = pings_at(stay(0, 60), unit="9")
    for pings in (other, other.iloc[:0]):
        r = dosage.hotspot_dosage(plan_of(), pings)
        t = row(r)
        assert (t["dwell_min"], t["visits"], t["max_gap_min"], t["dose_ok"]) == (0.0, 0, 480.0,
                                                                                 False)
        d = r.to_dict()
        assert d["units_without_pings"] == ["1"] and d["minutes_tracked"] == 0.0
    assert r.unmatched_devices == 0
    r = dosage.hotspot_dosage(plan_of(), other)
    assert (r.unmatched_devices, r.unmatched_pings) == (1, 61)


@pytest.mark.parametrize(("gap", "dwell", "visits"), [(5.0, 5.0, 1), (6.0, 0.0, 0),
                                                      (5.0 + 1 / 60, 0.0, 0)],
                         ids=["5min-counts", "6min-does-not", "5min1s-does-not"])
@pytest.mark.parametrize("kw", [{}, LITERAL], ids=["default", "literal"])
def test_five_minute_rule_two_pings(gap: float, dwell: float, visits: int,
                                    kw: dict[str, object]) -> None:
    r = dosage.hotspot_dosage(plan_of(), pings_at([10.0, 10.0 + gap]), **kw)
    assert (row(r)["dwell_min"], row(r)["visits"]) == (dwell, visits)


@pytest.mark.parametrize(("gap", "dwell", "visits"), [(5.0, 25.0, 1), (6.0, 20.0, 2)],
                         ids=["gap5", "gap6"])
def test_five_minute_rule_splits_visits(gap: float, dwell: float, visits: int) -> None:
    m = np.r_[stay(10, 20), stay(20 + gap, 30 + gap)]
    r = dosage.hotspot_dosage(plan_of(), pings_at(m))
    assert (row(r)["dwell_min"], row(r)["visits"]) == (dwell, visits)
    assert r.visits["minutes"].sum() == dwell


def test_out_of_order_and_repeated_pings_give_the_same_answer() -> None:
    m = np.r_[stay(0, 20), stay(40, 70, 0.5), stay(200, 230)]
    lat = np.where((m > 20) & (m < 40), FAR[0], C_LAT)
    p = pings_at(m, lat)
    ref = dosage.hotspot_dosage(plan_of(), p)
    shuffled = pd.concat([p, p.iloc[::7]]).sample(frac=1.0, random_state=5)
    again = dosage.hotspot_dosage(plan_of(), shuffled)
    pd.testing.assert_frame_equal(ref.table, again.table)


def _border_pair() -> tuple[str, str, float, float]:
    """Two adjacent res-9 cells and a point exactly on the border between them.

    The border under the project's rule runs along resolution-12 cell edges: the
    point is the midpoint of an edge shared by a res-12 child of A and one of B.
    """
    for c in h3.cell_to_children(H, 12):
        for d in h3.grid_disk(c, 1):
            if h3.cell_to_parent(d, 9) != H:
                vc, vd = h3.cell_to_boundary(c), h3.cell_to_boundary(d)
                shared = [v for v in vc if any(abs(v[0] - w[0]) + abs(v[1] - w[1]) < 1e-12
                                               for w in vd)]
                if len(shared) == 2:
                    lat = (shared[0][0] + shared[1][0]) / 2
                    lon = (shared[0][1] + shared[1][1]) / 2
                    return H, h3.cell_to_parent(d, 9), lat, lon
    raise AssertionError("no border found")


@pytest.mark.parametrize("kw", [{}, LITERAL], ids=["default", "literal"])
def test_ping_exactly_on_the_border_counts_in_exactly_one_cell(kw: dict[str, object]) -> None:
    a, b, lat, lon = _border_pair()
    r = dosage.hotspot_dosage(plan_of((a, b)), pings_at(stay(0, 20, 0.5), lat, lon), **kw)
    owner = hexbin.cells_to_strings(hexbin.cells_to_parent(
        hexbin.points_to_cells([lat], [lon]), resolution=9))[0]
    got = dict(zip(r.table["h3"], r.table["dwell_min"], strict=True))
    assert got[owner] == 20.0 and sum(got.values()) == 20.0


def test_pass_is_not_a_visit() -> None:
    r = dosage.hotspot_dosage(plan_of(), pings_at([30.0, 30.5, 31.0]), **LITERAL)
    t = row(r)
    assert (t["dwell_min"], t["visits"], t["max_gap_min"]) == (1.0, 0, 480.0)
    assert r.detail["passes"].tolist() == [1]


def test_window_clips_intervals_and_cut_visits_are_exempt() -> None:
    m = np.r_[stay(-10, 10), stay(475, 490)]
    r = dosage.hotspot_dosage(plan_of(), pings_at(m))
    t = row(r)
    assert (t["dwell_min"], t["visits"], t["first_arrival"]) == (15.0, 2, WS)
    assert r.visits["cut"].tolist() == [True, True]
    assert t["max_gap_min"] == 465.0 and not t["dose_ok"]


# --------------------------------------------------------------------------- visits and the dose
STOPS = [(0, 16), (90, 106), (200, 216), (310, 326), (410, 426)]


def stops_track(stops: list[tuple[float, float]]) -> pd.DataFrame:
    m = stay(0, 480)
    inside = np.zeros(m.size, dtype=bool)
    for a, b in stops:
        inside |= (m >= a) & (m <= b)
    return pings_at(m, np.where(inside, C_LAT, FAR[0]))


@pytest.mark.parametrize(("stops", "each", "enough", "gap"), [
    (STOPS, True, True, 94.0),
    (STOPS + [(150, 155)], False, True, 94.0),
    ([(0, 16), (90, 106), (200, 205), (310, 326), (410, 426)], False, False, 105.0),
    ([(0, 16), (90, 106), (310, 326), (410, 426)], False, False, 204.0),
], ids=["all-15", "extra-short-stop", "one-short-stop", "missed-revisit"])
def test_dose_each_visit_vs_enough_visits(stops: list[tuple[float, float]], each: bool,
                                          enough: bool, gap: float) -> None:
    p = stops_track(stops)
    lit = dosage.hotspot_dosage(plan_of(), p, **LITERAL)
    assert row(lit)["visits"] == len(stops)
    assert row(lit)["max_gap_min"] == gap
    assert row(lit)["dose_ok"] == each
    assert row(dosage.hotspot_dosage(plan_of(), p, dose_rule="enough", **LITERAL))["dose_ok"] \
        == enough
    # the corrections move border times by seconds, not the verdicts
    assert row(dosage.hotspot_dosage(plan_of(), p))["dose_ok"] == each


def test_dwell_minimum_is_configurable() -> None:
    p = stops_track([(0, 12), (90, 102), (200, 212), (310, 322), (410, 422)])
    assert not row(dosage.hotspot_dosage(plan_of(), p, **LITERAL))["dose_ok"]
    r = dosage.hotspot_dosage(plan_of(), p, dwell_min=10, **LITERAL)
    assert row(r)["dose_ok"] and row(r)["planned_min"] == 40.0


# --------------------------------------------------------------------------- corrections
def _true_seconds(lat: np.ndarray, lon: np.ndarray, cell: str) -> float:
    r12 = hexbin.points_to_cells(lat, lon)
    return float((hexbin.cells_to_parent(r12, resolution=9) == h3.str_to_int(cell)).sum())


def test_drive_through_is_split_at_the_border() -> None:
    """A straight drive at 20 km/h through H, pings every 30 s: time in H ≈ the truth."""
    speed = 20 / 3.6
    secs = np.arange(0, 241)  # 4 minutes, 1.3 km, centred on H
    north = (secs - 120) * speed
    lat_true = C_LAT + north / 111_320.0
    truth = _true_seconds(lat_true, np.full(secs.size, C_LON), H) / 60
    idx = np.arange(7, 241, 30)  # pings every 30 s, phase 7 s
    p = pings_at(secs[idx] / 60 + 60, lat_true[idx], C_LON)
    robust = row(dosage.hotspot_dosage(plan_of(), p))["dwell_min"]
    literal = row(dosage.hotspot_dosage(plan_of(), p, **LITERAL))["dwell_min"]
    assert truth > 0.5
    assert abs(robust - truth) <= 0.1
    assert literal < truth - 0.1


def test_stop_after_entering_credits_the_stopped_time() -> None:
    """Enter at 20 km/h and park: the stopped part of the entry interval is in H."""
    speed = 20 / 3.6
    secs = np.arange(0, 601)  # drive 60 s from 333 m south, then park at the centre 9 min
    north = np.minimum(secs - 60, 0) * speed
    lat_true = C_LAT + north / 111_320.0
    idx = np.arange(5, 601, 30)  # pings from 5 s to 575 s
    truth = _true_seconds(lat_true[5:575], np.full(570, C_LON), H) / 60
    p = pings_at(secs[idx] / 60 + 60, lat_true[idx], C_LON)
    got = row(dosage.hotspot_dosage(plan_of(), p))["dwell_min"]
    assert abs(got - truth) <= 0.05
    lit = row(dosage.hotspot_dosage(plan_of(), p, **LITERAL))["dwell_min"]
    assert lit == 9.0  # the literal rule drops the entry interval


def _flicker_pair() -> tuple[float, float, float, float]:
    """Centres of a res-12 cell inside H and of its neighbour outside H (~16 m apart)."""
    for c in h3.cell_to_children(H, 12):
        for d in h3.grid_disk(c, 1):
            if h3.cell_to_parent(d, 9) != H:
                return (*h3.cell_to_latlng(c), *h3.cell_to_latlng(d))
    raise AssertionError("no border found")


def test_gps_flicker_does_not_cut_a_stop() -> None:
    ilat, ilon, olat, olon = _flicker_pair()
    m = stay(60, 90, 0.5)
    out = np.zeros(m.size, dtype=bool)
    out[3::4] = True
    out[-1] = False
    p = pings_at(m, np.where(out, olat, ilat), np.where(out, olon, ilon))
    r = dosage.hotspot_dosage(plan_of(), p)
    assert (row(r)["dwell_min"], row(r)["visits"]) == (30.0, 1)
    lit = dosage.hotspot_dosage(plan_of(), p, flicker_m=0)
    assert row(lit)["dwell_min"] < 30.0 and row(lit)["visits"] != 1  # cut into passes


def test_km_and_time_outside() -> None:
    m = stay(0, 60, 0.5)
    lat = C_LAT + np.linspace(0, 1000, m.size) / 111_320.0
    r = dosage.hotspot_dosage(plan_of(), pings_at(m, lat))
    u = r.units.iloc[0]
    assert u["km"] == pytest.approx(1.0, rel=0.01)
    assert u["minutes_tracked"] == 60.0
    assert u["minutes_in_hotspots"] + u["minutes_outside_hotspots"] == pytest.approx(60.0)


# --------------------------------------------------------------------------- plans
def test_planned_minutes_from_routes_schedule_and_defaults() -> None:
    routes = plan_of()
    assert row(dosage.hotspot_dosage(routes, pings_at([0.0])))["planned_min"] == 60.0
    schedule = pd.concat([routes.assign(arrive=WS + pd.Timedelta(minutes=k * 120),
                                        leave=WS + pd.Timedelta(minutes=k * 120 + 12))
                          for k in range(3)]).drop(columns="visits").assign(visit=[1, 2, 3])
    r = dosage.hotspot_dosage(schedule, pings_at([0.0]))
    assert len(r.table) == 1 and row(r)["planned_min"] == 36.0
    bare = routes.drop(columns=["visits", "arrive", "leave", "order"])
    assert row(dosage.hotspot_dosage(bare, pings_at([0.0])))["planned_min"] == 60.0
    ends = bare.assign(window_end=WS + pd.Timedelta(hours=6))
    assert row(dosage.hotspot_dosage(ends, pings_at([0.0])))["planned_min"] == 45.0
    assert row(dosage.hotspot_dosage(bare, pings_at([0.0]), window_hours=4))["planned_min"] \
        == 30.0


@pytest.mark.parametrize(("plan", "match"), [
    (pd.DataFrame({"x": [1]}), "faltan columnas: unit, h3"),
    (pd.concat([plan_of(), plan_of().assign(window_start=pd.NaT)]), "window_start"),
    (plan_of().assign(h3="zzz"), "H3 no válidos"),
    ("not a plan", "Se esperaba un plan"),
], ids=["columns", "no-start", "bad-cell", "not-a-frame"])
def test_invalid_plans(plan: object, match: str) -> None:
    with pytest.raises(TrackSchemaError, match=match):
        dosage.hotspot_dosage(plan, pings_at([0.0]))


def test_invalid_pings_and_options_are_listed_together() -> None:
    with pytest.raises(TrackSchemaError) as err:
        dosage.hotspot_dosage(plan_of(), pd.DataFrame({"unit": ["1"]}), dose_rule="some",
                              max_interval_min=0)
    msg = str(err.value)
    assert "ts, lat, lon" in msg and "each o enough" in msg and "intervalo máximo" in msg
    with pytest.raises(TrackSchemaError, match="permanencia"):
        dosage.hotspot_dosage(plan_of(), pings_at([0.0]), dwell_min=200)


# --------------------------------------------------------------------------- units
def test_plates_match_through_the_mapping() -> None:
    p = pings_at(stay(0, 30), unit="EUA-123")
    r = dosage.hotspot_dosage(plan_of(), p)
    assert row(r)["dwell_min"] == 0.0 and r.unmatched_devices == 1
    mapped = tracks.apply_unit_mapping(p, {"eua123": 1})
    assert row(dosage.hotspot_dosage(plan_of(), mapped))["dwell_min"] == 30.0
    assert row(dosage.hotspot_dosage(plan_of(unit="01"), pings_at(stay(0, 30))))[
        "dwell_min"] == 30.0  # "01" and "1" are the same unit


def test_suggest_unit_mapping() -> None:
    a, b, *_ = _border_pair()
    far_cell = h3.latlng_to_cell(*FAR, 9)
    plan = pd.concat([plan_of((a,), unit=1), plan_of((far_cell,), unit=2),
                      plan_of((b,), unit=3)])
    p = pd.concat([pings_at(stay(0, 60), unit="EUA-123"),
                   pings_at(stay(0, 60), *FAR, unit="XYZ-999"),
                   pings_at(stay(0, 60), *h3.cell_to_latlng(b), unit="MOVIL-02"),
                   pings_at(stay(0, 60), 0.5, 0.5, unit="MOVIL-3"),
                   pings_at(stay(0, 60), unit="1")])
    s = tracks.suggest_unit_mapping(p, plan)
    got = {r["alias"]: (r["unit"], r["basis"]) for r in s.to_dict("records")}
    assert got == {"EUA-123": ("1", "recorrido"), "XYZ-999": ("2", "recorrido"),
                   "MOVIL-02": ("3", "recorrido"), "MOVIL-3": (None, "")}
    assert "1" not in got  # already a plan label
    s2 = tracks.suggest_unit_mapping(p[p["unit"] != "MOVIL-02"], plan)
    got2 = {r["alias"]: (r["unit"], r["basis"]) for r in s2.to_dict("records")}
    assert got2["MOVIL-3"] == ("3", "numero")


# --------------------------------------------------------------------------- compliance
def _two_shifts() -> dosage.DosageResult:
    ws2 = WS + pd.Timedelta(days=7)
    plan = pd.concat([plan_of(), plan_of(ws=ws2)])
    p = pd.concat([stops_track(STOPS), stops_track([(0, 30)]).assign(
        ts=lambda d: d["ts"] + pd.Timedelta(days=7))])
    return dosage.hotspot_dosage(plan, p, **LITERAL)


def test_compliance_by_shift_and_period() -> None:
    r = _two_shifts()
    assert r.table["dose_ok"].tolist() == [True, False]
    s = dosage.compliance_by_shift(r)
    assert s["planned_min"].tolist() == [60.0, 60.0]
    assert s["dwell_min"].tolist() == [80.0, 30.0]
    assert s["delivered_min"].tolist() == [60.0, 30.0]  # capped at the plan
    assert s["delivered_share"].tolist() == [1.0, 0.5]
    w = dosage.compliance_by_period(r)
    assert w["hotspots"].tolist() == [1, 1] and w["share_dosed"].tolist() == [1.0, 0.0]
    mth = dosage.compliance_by_period(r, freq="MS")
    assert len(mth) == 1 and mth["delivered_share"].iloc[0] == 0.75
    with pytest.raises(TrackSchemaError, match="Periodo"):
        dosage.compliance_by_period(r, freq="nope")


def test_incidents_by_dose() -> None:
    r = _two_shifts()
    inc = pd.DataFrame({
        "occurred_at": [WS + pd.Timedelta(hours=1), WS + pd.Timedelta(hours=9),
                        WS + pd.Timedelta(days=7, hours=2), WS + pd.Timedelta(days=7, hours=3),
                        WS + pd.Timedelta(hours=2)],
        "lat": [C_LAT, C_LAT, C_LAT, C_LAT, FAR[0]], "lon": C_LON})
    out = dosage.incidents_by_dose(r, inc)
    assert out["dose_ok"].tolist() == [True, False]
    assert out["hotspots"].tolist() == [1, 1]
    assert out["incidents"].tolist() == [1, 2]  # outside the window / the cell: not counted


# --------------------------------------------------------------------------- synthetic truth
@pytest.fixture(scope="module")
def planner_plans() -> dict[int, patrol.PatrolPlan]:
    rng = np.random.default_rng(11)
    out = {}
    for res, k, radius in ((9, 6, 400.0), (10, 9, 200.0)):
        cells = sorted(h3.grid_disk(h3.latlng_to_cell(-12.068, -77.018, res), k))
        fc = pd.DataFrame({"h3": cells, "expected": rng.gamma(0.5, 0.4, len(cells))})
        out[res] = patrol.place_patrols_on_cells(fc, units=3, radius_m=radius,
                                                 window_start="2025-04-03 14:00",
                                                 solver="greedy")
    return out


@pytest.mark.parametrize("res", [9, 10], ids=["res9", "res10"])
def test_dwell_within_one_minute_of_the_truth(planner_plans: dict[int, patrol.PatrolPlan],
                                              res: int) -> None:
    plan = planner_plans[res]
    errors = []
    for seed in range(3):
        pings, truth = tracks_from_plan(plan, seed=seed)
        r = dosage.hotspot_dosage(plan, pings)
        assert r.table["h3"].tolist() == truth["h3"].tolist()
        errors.append(r.table["dwell_min"].to_numpy() - truth["true_dwell_min"].to_numpy())
    err = np.concatenate(errors)
    assert err.size >= 40
    assert np.mean(np.abs(err) <= 1.0) >= 0.98


def test_undated_plan_round_trip() -> None:
    """A plan made without a window start is placed at UNDATED_START, for tracks and dosage."""
    fc = pd.DataFrame({"h3": sorted(h3.grid_disk(H, 5)), "expected": 1.0})
    plan = patrol.place_patrols_on_cells(fc, units=2, radius_m=400, solver="greedy")
    assert plan.routes["window_start"].isna().all()
    pings, truth = tracks_from_plan(plan, seed=1)
    assert pings["ts"].min() >= pd.Timestamp(dosage.UNDATED_START)
    r = dosage.hotspot_dosage(plan, pings)
    err = r.table["dwell_min"].to_numpy() - truth["true_dwell_min"].to_numpy()
    assert np.mean(np.abs(err) <= 1.0) >= 0.98
    assert (r.detail["window_start"] == pd.Timestamp(dosage.UNDATED_START)).all()


def test_synthetic_tracks_follow_the_plan(planner_plans: dict[int, patrol.PatrolPlan]) -> None:
    plan = planner_plans[9]
    a = tracks_from_plan(plan, seed=4, skip_share=0.25)
    b = tracks_from_plan(plan.routes, seed=4, skip_share=0.25)
    pd.testing.assert_frame_equal(a.pings, b.pings)  # seeded: same input, same tracks
    t = a.truth
    n = len(plan.routes)
    assert t["skipped"].sum() == round(0.25 * n)
    assert (t.loc[t["skipped"], "stops"] == 0).all() and (t.loc[~t["skipped"], "stops"] > 0).all()
    per_unit = a.pings.groupby("unit").size()
    assert set(per_unit.index) == {str(u) for u in plan.routes["unit"]}
    assert (per_unit.between(8 * 120 - 1, 8 * 120)).all()  # a ping every 30 s for 8 h
    r = dosage.hotspot_dosage(plan, a.pings)
    assert (r.table.loc[t["skipped"].to_numpy(), "visits"] == 0).all()
    c = tracks_from_plan(plan, seed=4, noise_m=0, dropout_share=0.5)
    assert len(c.pings) < 0.6 * len(a.pings)


def test_literal_rule_is_biased_on_synthetic_tracks(
        planner_plans: dict[int, patrol.PatrolPlan]) -> None:
    """Why the corrections exist: the literal rule under-counts entries and exits."""
    plan = planner_plans[9]
    pings, truth = tracks_from_plan(plan, seed=0)
    lit = dosage.hotspot_dosage(plan, pings, **LITERAL)
    err = lit.table["dwell_min"].to_numpy() - truth["true_dwell_min"].to_numpy()
    assert err.mean() < -1.0


def test_default_settings_are_the_patrol_settings() -> None:
    assert dosage.MAX_INTERVAL_MIN == 5.0
    r = dosage.hotspot_dosage(plan_of(visits=None).drop(columns=["arrive", "leave"]),
                              pings_at([0.0]))
    assert row(r)["planned_min"] == settings.PATROL_DWELL_MIN * np.ceil(
        480 / settings.PATROL_REVISIT_MIN)


def test_contiguous_windows_have_no_impossible_jumps(
        planner_plans: dict[int, patrol.PatrolPlan]) -> None:
    """A unit drives on from where the previous shift left it: the cleaning keeps every ping."""
    r = planner_plans[9].routes
    plan = pd.concat([r, r.assign(window_start=r["window_start"] + pd.Timedelta(hours=8))])
    pings, _truth = tracks_from_plan(plan, seed=2)
    clean = tracks.clean_pings(pings)
    assert clean.summary.stored == len(pings) and clean.summary.rejected == 0
