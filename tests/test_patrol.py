"""Patrol optimiser: exact MCLP core, H3 adapter, schedule, CLI, historical coverage.

The hand-checkable instance used throughout is a straight line of six H3
cells (resolution 9, ~380 m apart) with expected incidents 1, 1, 2, 2, 1, 1;
with a 500 m radius a hotspot covers itself and its two line neighbours.
Two hotspots: greedy takes a middle cell first (5) and ends at 7; the optimum
takes cells 1 and 4 and covers all 8.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest

from analytics import geo, hexbin, patrol
from analytics._errors import InfeasiblePlanError
from analytics.cli import main
from analytics.patrol import mclp, routes

DATA = Path(__file__).resolve().parent / "data" / "patrol"
REQUIRED = ["window_start", "unit", "order", "h3", "lat", "lon", "district",
            "expected_covered", "arrive", "leave"]


@pytest.fixture(scope="module")
def line() -> pd.DataFrame:
    return pd.read_csv(DATA / "line_forecast.csv")


@pytest.fixture(scope="module")
def disk() -> pd.DataFrame:
    """61 cells around La Victoria (Lima) with seeded random expected counts."""
    rng = np.random.default_rng(7)
    cells = sorted(h3.grid_disk(h3.latlng_to_cell(-12.068, -77.018, 9), 4))
    return pd.DataFrame({"h3": cells, "expected": rng.gamma(0.5, 0.4, len(cells))})


def line_matrix() -> np.ndarray:
    c = np.zeros((6, 6))
    for j in range(6):
        c[j, max(0, j - 1):j + 2] = 1
    return c


W_LINE = np.array([1.0, 1, 2, 2, 1, 1])


# ----------------------------------------------------------------- numeric core
def test_optimum_beats_greedy_on_explicit_matrix() -> None:
    exact = patrol.place_patrols(line_matrix(), W_LINE, n_hotspots=2)
    greedy = patrol.place_patrols(line_matrix(), W_LINE, n_hotspots=2, solver="greedy")
    assert list(exact.selected) == [1, 4]
    assert exact.objective == 8.0 and exact.status == "optimal" and exact.gap <= 1e-4
    assert greedy.objective == 7.0 and greedy.status == "greedy" and np.isnan(greedy.gap)
    assert greedy.objective < exact.objective
    assert exact.share_of_risk == 1.0


def brute_force(c: np.ndarray, w: np.ndarray, p: int, fixed: set[int], excluded: set[int],
                groups: list[str] | None, mins: dict[str, int]) -> float:
    best = -1.0
    for combo in itertools.combinations(range(c.shape[0]), p):
        s = set(combo)
        if not fixed <= s or s & excluded:
            continue
        if groups and any(sum(groups[j] == g for j in s) < m for g, m in mins.items()):
            continue
        best = max(best, float(w[c[list(combo)].sum(axis=0) > 0].sum()))
    return best


@pytest.mark.parametrize("seed", range(12), ids=lambda s: f"seed{s}")
def test_exact_matches_brute_force_with_reductions(seed: int) -> None:
    """Reductions (merged demand, dominated candidates) never lose the optimum."""
    rng = np.random.default_rng(seed)
    n_c, n_d, p = 9, 14, 3
    c = (rng.random((n_c, n_d)) < 0.25).astype(float)
    c[rng.integers(0, n_c)] = c[rng.integers(0, n_c)]          # duplicate candidate
    c[:, 1] = c[:, 0]                                            # identical demand columns
    w = np.round(rng.gamma(1.0, 1.0, n_d), 2) * (rng.random(n_d) > 0.2)
    groups = list(rng.choice(["a", "b"], n_c))
    fixed = {int(rng.integers(0, n_c))} if seed % 3 == 0 else set()
    excluded = {j for j in range(n_c) if j not in fixed and rng.random() < 0.15}
    mins = {"b": 2} if seed % 2 and sum(g == "b" and j not in excluded
                                         for j, g in enumerate(groups)) >= 2 else {}
    sol = patrol.place_patrols(c, w, n_hotspots=p, fixed=sorted(fixed), excluded=sorted(excluded),
                               groups=groups, min_per_group=mins or None, mip_gap=1e-9)
    assert sol.objective == pytest.approx(brute_force(c, w, p, fixed, excluded, groups, mins))
    assert len(sol.selected) == p
    assert fixed <= set(sol.selected) and not (excluded & set(sol.selected))
    for g, m in mins.items():
        assert sum(groups[j] == g for j in sol.selected) >= m


def test_fixed_excluded_and_group_minimums_in_core() -> None:
    c, w = line_matrix(), W_LINE
    sol = patrol.place_patrols(c, w, n_hotspots=2, fixed=[2])
    assert 2 in sol.selected and sol.objective == 7.0
    sol = patrol.place_patrols(c, w, n_hotspots=2, excluded=[1, 4])
    assert not {1, 4} & set(sol.selected) and sol.objective == 7.0
    sol = patrol.place_patrols(c, w, n_hotspots=3, groups=list("aaabbb"), min_per_group={"b": 3})
    assert list(sol.selected) == [3, 4, 5] and sol.objective == 6.0


def test_solver_failure_falls_back_to_labelled_greedy(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(mclp, "_solve_highs", broken)
    sol = patrol.place_patrols(line_matrix(), W_LINE, n_hotspots=2)
    assert sol.solver == "greedy" and sol.status.startswith("greedy_fallback")
    assert "respaldo" in sol.status_text and sol.objective == 7.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_hotspots": 2, "fixed": [1], "excluded": [1]}, "fijos y excluidos"),
        ({"n_hotspots": 1, "fixed": [1, 2]}, "puestos fijos"),
        ({"n_hotspots": 2, "groups": list("aaaaab"), "min_per_group": {"b": 2}}, "grupo 'b'"),
        ({"n_hotspots": 2, "groups": list("aaabbb"), "min_per_group": {"a": 2, "b": 1}},
         "exigen 3"),
        ({"n_hotspots": 0}, "al menos un punto"),
        ({"n_hotspots": 2, "solver": "cbc"}, "solver desconocido"),
        ({"n_hotspots": 2, "fixed": [9]}, "fuera de rango"),
    ],
    ids=["fixed-and-excluded", "too-many-fixed", "group-capacity", "group-sum", "no-hotspots",
         "unknown-solver", "bad-index"],
)
def test_infeasible_core_requests_fail_clearly(kwargs: dict, match: str) -> None:
    with pytest.raises(InfeasiblePlanError, match=match):
        patrol.place_patrols(line_matrix(), W_LINE, **kwargs)


# ----------------------------------------------------------------- geometry
def test_coverage_matrix_is_true_distance(disk: pd.DataFrame) -> None:
    cells = hexbin.to_cells(disk["h3"])
    cov = patrol.coverage_matrix(cells, radius_m=800).toarray()
    lat, lon = hexbin.cells_to_centers(cells)
    d = np.array([[h3.great_circle_distance((lat[i], lon[i]), (lat[j], lon[j]), unit="m")
                   for j in range(cells.size)] for i in range(cells.size)])
    assert np.array_equal(cov > 0, d <= 800)
    assert (np.diag(cov) == 1).all() and (cov == cov.T).all()


def test_cells_within_radius_contains_the_forecast_coverage(line: pd.DataFrame) -> None:
    cells = hexbin.to_cells(line["h3"])
    area = patrol.cells_within_radius(cells[[1]], radius_m=500)
    assert set(cells[[0, 1, 2]]) <= set(area) and not set(cells[[3, 4, 5]]) & set(area)
    assert len(area) == 7  # the cell and its six neighbours (~380 m away)


@pytest.mark.parametrize(
    ("kwargs", "k"),
    [({"radius_m": 400}, 6), ({"radius_m": 400, "max_hotspots_per_unit": 4}, 4),
     ({"radius_m": 100, "dwell_min": 30}, 3), ({"radius_m": 5000, "revisit_min": 20}, 1)],
    ids=["defaults", "capped", "long-dwell", "at-least-one"],
)
def test_hotspots_per_unit_rule(kwargs: dict, k: int) -> None:
    assert patrol.hotspots_per_unit(**kwargs) == k


# ----------------------------------------------------------------- adapter
def test_line_plan_matches_expected_csv(line: pd.DataFrame) -> None:
    plan = patrol.place_patrols_on_cells(line, units=1, radius_m=500, max_hotspots_per_unit=2)
    expected = pd.read_csv(DATA / "line_expected.csv")
    got = plan.routes.sort_values("h3")[["h3", "expected_covered"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected.sort_values("h3").reset_index(drop=True),
                                  check_dtype=False)
    assert plan.objective == 8.0 and plan.share_of_risk == 1.0 and plan.status == "optimal"
    greedy = patrol.place_patrols_on_cells(line, units=1, radius_m=500, max_hotspots_per_unit=2,
                                           solver="greedy")
    assert greedy.objective == 7.0 < plan.objective


def test_adapter_fixed_excluded_districts(line: pd.DataFrame) -> None:
    h = list(line["h3"])
    districts = pd.Series(line["district"].to_numpy(), index=line["h3"])
    opts = {"units": 1, "radius_m": 500, "max_hotspots_per_unit": 2, "districts": districts}
    plan = patrol.place_patrols_on_cells(line, fixed=[h[2]], **opts)
    assert h[2] in set(plan.routes["h3"]) and plan.objective == 7.0
    assert plan.routes.set_index("h3").loc[h[2], "fixed"]
    plan = patrol.place_patrols_on_cells(line, excluded=[h[1], h[4]], **opts)
    assert not {h[1], h[4]} & set(plan.routes["h3"])
    plan = patrol.place_patrols_on_cells(line, district_min={"B": 2}, **opts)
    assert (plan.routes["district"] == "B").sum() >= 2 and plan.objective == 6.0


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"units": 0}, "al menos una unidad"),
        ({"radius_m": 0}, "radio"),
        ({"fixed": ["8928308280fffff"]}, "fuera del pronóstico"),
        ({"fixed": ["zz"]}, "no válidos"),
        ({"fixed": ["898e62c0d1bffff"], "excluded": ["898e62c0d1bffff"]}, "fijas y excluidas"),
        ({"fixed": ["898e62c0d1bffff", "898e62c0dc7ffff", "898e62c0dd7ffff"]},
         "3 puestos fijos"),
        ({"district_min": {"B": 1}}, "sin indicar el distrito"),
        ({"district_min": {"C": 1}, "districts": "line"}, "distritos sin celdas"),
        ({"district_min": {"A": 2, "B": 1}, "districts": "line"}, "suman 3"),
        ({"forecast": "empty"}, "vacío"),
    ],
    ids=["units", "radius", "unknown-cell", "invalid-cell", "fixed-excluded", "fixed>hotspots",
         "no-districts", "unknown-district", "district-sum", "empty"],
)
def test_infeasible_plans_fail_clearly(line: pd.DataFrame, change: dict, match: str) -> None:
    opts: dict = {"units": 1, "radius_m": 500, "max_hotspots_per_unit": 2}
    opts.update(change)
    forecast = line.iloc[:0] if opts.pop("forecast", None) == "empty" else line
    if opts.get("districts") == "line":
        opts["districts"] = pd.Series(line["district"].to_numpy(), index=line["h3"])
    with pytest.raises(InfeasiblePlanError, match=match):
        patrol.place_patrols_on_cells(forecast, **opts)


def test_errors_are_collected_in_one_message(line: pd.DataFrame) -> None:
    with pytest.raises(InfeasiblePlanError) as err:
        patrol.place_patrols_on_cells(line, units=0, radius_m=-5, fixed=["zz"])
    msg = str(err.value)
    assert "unidad" in msg and "radio" in msg and "no válidos" in msg


def test_routes_and_schedule_are_consistent(disk: pd.DataFrame) -> None:
    start = pd.Timestamp("2025-03-03 14:00")
    plan = patrol.place_patrols_on_cells(disk, units=3, radius_m=400, window_start=start)
    r, s = plan.routes, plan.schedule
    assert list(r.columns[:10]) == REQUIRED
    assert len(r) == 3 * plan.hotspots_per_unit and r["h3"].is_unique
    assert r["expected_covered"].sum() == pytest.approx(plan.objective)
    assert plan.share_of_risk == pytest.approx(plan.objective / disk["expected"].sum())
    assert (r["leave"] - r["arrive"] == pd.Timedelta(minutes=15)).all()
    assert (s["leave"] - s["arrive"] == pd.Timedelta(minutes=15)).all()
    assert s["leave"].max() <= start + pd.Timedelta(hours=8)
    for unit, grp in s.groupby("unit"):
        k = int((r["unit"] == unit).sum())
        assert grp["arrive"].is_monotonic_increasing
        assert (grp["arrive"].iloc[1:].to_numpy() >= grp["leave"].iloc[:-1].to_numpy()).all()
        # every full cycle visits each hotspot once, in route order
        orders = grp["order"].to_numpy()
        assert (orders == (np.arange(len(orders)) % k) + 1).all()
        cycle = r.loc[r["unit"] == unit, "cycle_min"].iloc[0]
        for _, visits in grp.groupby("h3"):
            gaps = visits["arrive"].diff().dropna() / pd.Timedelta(minutes=1)
            assert (gaps == cycle).all()
        assert (cycle <= 120) == bool(r.loc[r["unit"] == unit, "revisit_ok"].iloc[0])
    first = r.loc[r["order"] == 1]
    assert (first["arrive"] == start).all()
    # the first stop of each unit is its hotspot with the most expected incidents covered
    top = r.loc[r.groupby("unit")["expected_covered"].idxmax(), "h3"]
    assert set(top) == set(first["h3"])


def test_expected_covered_scores_a_given_plan(disk: pd.DataFrame) -> None:
    plan = patrol.place_patrols_on_cells(disk, units=2, radius_m=400)
    score = patrol.expected_covered(disk, plan.routes["h3"], radius_m=400)
    assert score == pytest.approx(plan.objective)
    assert patrol.expected_covered(disk, [], radius_m=400) == 0.0


def test_to_dict_is_json_ready(line: pd.DataFrame) -> None:
    d = patrol.place_patrols_on_cells(line, units=1, radius_m=500,
                                      max_hotspots_per_unit=2).to_dict()
    assert {"objective", "share_of_risk", "solver", "status", "gap", "seconds"} <= set(d)
    json.dumps(d)


# ----------------------------------------------------------------- history
def test_plan_coverage_history_against_retro28(line: pd.DataFrame) -> None:
    h = list(line["h3"])
    ws = pd.Timestamp("2025-03-10 06:00")
    forecasts = pd.DataFrame({"h3": h, "window_start": ws, "window_end": ws + pd.Timedelta(hours=8),
                              "expected": [1.0, 0, 0, 0, 0, 0]})
    lat_a, lon_a = h3.cell_to_latlng(h[0])
    lat_b, lon_b = h3.cell_to_latlng(h[5])
    times = (["2025-03-10 07:00", "2025-03-10 09:30"]                      # in the window, at A
             + ["2025-02-20 10:00", "2025-03-01 22:00", "2025-03-09 23:00"]  # 28 days before, at B
             + ["2025-01-01 10:00"])                                     # too old: ignored
    incidents = pd.DataFrame({
        "occurred_at": pd.to_datetime(times),
        "lat": [lat_a, lat_a, lat_b, lat_b, lat_b, lat_a],
        "lon": [lon_a, lon_a, lon_b, lon_b, lon_b, lon_a],
    })
    out = patrol.plan_coverage_history(incidents, forecasts, units=1, radius_m=500,
                                       max_hotspots_per_unit=1)
    row = out.iloc[0]
    assert row["incidents"] == 2 and row["hotspots"] == 1
    assert row["share_forecast"] == 1.0 and row["share_retro28"] == 0.0 and row["gain"] == 1.0


# ----------------------------------------------------------------- CLI
@pytest.fixture
def forecast_file(tmp_path: Path, disk: pd.DataFrame) -> Path:
    frames = []
    for ws in ("2025-03-03T06:00:00", "2025-03-03T14:00:00"):
        f = disk.copy()
        f["window_start"] = ws
        f["window_end"] = (pd.Timestamp(ws) + pd.Timedelta(hours=8)).isoformat()
        frames.append(f[["h3", "window_start", "window_end", "expected"]])
    path = tmp_path / "forecast.csv"
    pd.concat(frames).to_csv(path, index=False)
    return path


def test_cli_plan_json_and_output(forecast_file: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "routes.csv"
    rc = main(["plan", "--forecast", str(forecast_file), "--window-start", "2025-03-03T14:00",
               "--units", "2", "--radius-m", "400", "--out", str(out), "--json"])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    assert {"objective", "share_of_risk", "solver", "status", "gap", "seconds"} <= set(summary)
    assert summary["solver"] == "highs" and 0 < summary["share_of_risk"] <= 1
    routes = pd.read_csv(out, encoding="utf-8-sig")
    assert list(routes.columns[:10]) == REQUIRED
    assert (routes["window_start"] == "2025-03-03 14:00:00").all()
    assert routes["expected_covered"].sum() == pytest.approx(summary["objective"], rel=1e-5)
    from analytics.geo import read_boundaries

    names = set(read_boundaries()["district"])
    got = set(routes["district"].fillna(""))
    assert got <= names | {""} and got & names  # Lima cells get their district by point-in-polygon


def test_cli_plan_default_window_is_the_first(forecast_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "routes.csv"
    assert main(["plan", "--forecast", str(forecast_file), "--units", "1", "--radius-m", "400",
                 "--fixed", "898e62c0d1bffff", "--out", str(out)]) == 0
    routes = pd.read_csv(out, encoding="utf-8-sig")
    assert (routes["window_start"] == "2025-03-03 06:00:00").all()
    assert "898e62c0d1bffff" in set(routes["h3"])


@pytest.mark.parametrize(
    ("extra", "match"),
    [(["--window-start", "2030-01-01T06:00"], "no está en el pronóstico"),
     (["--units", "0"], "unidad"),
     (["--exclude", "8928308280fffff"], "fuera del pronóstico")],
    ids=["unknown-window", "no-units", "unknown-cell"],
)
def test_cli_plan_user_errors_exit_2(forecast_file: Path, tmp_path: Path, extra: list[str],
                                     match: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["plan", "--forecast", str(forecast_file), "--units", "2", "--radius-m", "400",
            "--out", str(tmp_path / "r.csv")]
    rc = main(args + extra)
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and match in err


def test_rebalance_fixes_crossed_beats() -> None:
    """Two far-apart pairs dealt crosswise to two units: the swap makes both loops fit."""
    deg_per_km = 1 / 111.195
    lon = np.array([0.0, 4.9, 0.1, 5.0]) * deg_per_km
    lat = np.zeros(4)
    labels = np.array([0, 0, 1, 1])                     # each unit: one near, one far point
    m_per_min = 20 * 1000 / 60
    dist = geo.haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    minutes = np.ceil(dist / m_per_min - 1e-9)
    assert minutes[0, 1] == 15  # 4.9 km at 20 km/h: 14.7 min, rounded up to whole minutes
    assert routes._cycle_min(minutes, np.array([0, 1]), 15) == 30 + 2 * 15
    new = routes._rebalance(lat, lon, labels, dwell_min=15, revisit_min=40, m_per_min=m_per_min)
    assert new[0] == new[2] and new[1] == new[3] and new[0] != new[1]
    for u in (0, 1):
        assert routes._cycle_min(minutes, np.flatnonzero(new == u), 15) <= 40


def test_evaluation_re_exports_plan_coverage_history() -> None:
    from analytics import evaluation

    assert evaluation.plan_coverage_history is patrol.plan_coverage_history


def test_tiny_rates_are_solved_like_counts(disk: pd.DataFrame) -> None:
    """Per-shift rates can be ~1e-6: weights are scaled before HiGHS, so the answer is the same."""
    tiny = disk.assign(expected=disk["expected"] * 1e-6)
    a = patrol.place_patrols_on_cells(disk, units=1, radius_m=400, mip_gap=1e-9)
    b = patrol.place_patrols_on_cells(tiny, units=1, radius_m=400, mip_gap=1e-9)
    assert b.status == a.status == "optimal"
    assert b.share_of_risk == pytest.approx(a.share_of_risk, rel=1e-9)
    assert b.objective == pytest.approx(a.objective * 1e-6, rel=1e-9)


def test_covered_area_is_the_ground_disk_of_each_hotspot(line: pd.DataFrame) -> None:
    start = pd.Timestamp("2025-03-03 22:00")
    plan = patrol.place_patrols_on_cells(line, units=1, radius_m=500, max_hotspots_per_unit=2,
                                         window_start=start)
    area = plan.covered_area()
    # two hotspots 3 cells apart, each with its 6 neighbours: 14 distinct cells
    assert len(area) == 14 and area["h3"].is_unique
    assert set(plan.covered_cells) <= set(area["h3"])
    assert (area["window_start"] == start).all()
    assert (area["window_end"] == start + pd.Timedelta(hours=8)).all()
    assert set(area["unit"]) == {1}


# ----------------------------------------------------------------- loop repair (revisit rule)
def _two_clusters() -> pd.DataFrame:
    """Two disks of 37 cells 10 km apart (30 min at 20 km/h): a heavy one (1.0 per cell) and
    a light one (0.6). The MCLP alone puts 4 hotspots in the heavy disk and 2 in the light one,
    which one unit cannot loop in 2 hours; 6 hotspots in the heavy disk fit (and cover 36)."""
    heavy = h3.latlng_to_cell(-12.068, -77.018, 9)
    east = -77.018 + 10 / 111.195 / np.cos(np.radians(12.068))
    light = h3.latlng_to_cell(-12.068, east, 9)
    rows = ([(c, 1.0) for c in sorted(h3.grid_disk(heavy, 3))]
            + [(c, 0.6) for c in sorted(h3.grid_disk(light, 3))])
    return pd.DataFrame(rows, columns=["h3", "expected"])


def test_loop_repair_keeps_every_unit_within_the_revisit_interval() -> None:
    fc = _two_clusters()
    cells = hexbin.to_cells(fc["h3"])
    free = patrol.place_patrols(patrol.coverage_matrix(cells, radius_m=400),
                                fc["expected"].to_numpy(), n_hotspots=6)
    assert set(np.asarray(free.selected) // 37) == {0, 1}     # the MCLP spans both disks
    assert free.objective == pytest.approx(36.4)
    plan = patrol.place_patrols_on_cells(fc, units=1, radius_m=400)
    assert plan.revisit_violations == [] and plan.routes["revisit_ok"].all()
    assert plan.routes["cycle_min"].max() <= 120
    assert plan.loop_repaired and len(plan.routes) == 6 and plan.hotspots_dropped == 0
    assert set(plan.routes["h3"]) <= set(fc["h3"].iloc[:37])   # all in the heavy disk
    # as good as the best plan restricted to the heavy disk, and honest about the bound
    heavy_only = patrol.place_patrols_on_cells(fc, units=1, radius_m=400,
                                               excluded=list(fc["h3"].iloc[37:]))
    assert not heavy_only.loop_repaired
    assert plan.objective == pytest.approx(heavy_only.objective) == pytest.approx(36.0)
    assert plan.objective * (1 + plan.gap) == pytest.approx(free.objective * (1 + free.gap))
    # every visit of every hotspot comes back within 120 minutes
    for _, visits in plan.schedule.groupby("h3"):
        gaps = visits["arrive"].diff().dropna() / pd.Timedelta(minutes=1)
        assert (gaps <= 120).all()


def test_loop_repair_on_spread_out_units() -> None:
    """Three units, six far-apart sites of 7 cells (5 km apart in a ring): no loop may exceed
    2 hours, and fixed posts survive the repair."""
    centre = (-12.068, -77.018)
    sites = [h3.latlng_to_cell(centre[0] + 0.045 * np.sin(a), centre[1] + 0.045 * np.cos(a), 9)
             for a in np.linspace(0, 2 * np.pi, 6, endpoint=False)]
    rows = [(c, 1.0 + 0.1 * i) for i, s in enumerate(sites) for c in sorted(h3.grid_disk(s, 1))]
    fc = pd.DataFrame(rows, columns=["h3", "expected"])
    fixed = [fc["h3"].iloc[0]]
    plan = patrol.place_patrols_on_cells(fc, units=3, radius_m=400, fixed=fixed)
    assert plan.revisit_violations == []
    assert (plan.routes["cycle_min"] <= 120).all()
    assert fixed[0] in set(plan.routes["h3"])
    # one hotspot per site covers it: every unit can loop two sites, so all risk is covered
    assert plan.loop_repaired and plan.objective == pytest.approx(plan.total_expected)
    assert plan.status == "optimal" and plan.gap == pytest.approx(0.0, abs=1e-9)


def test_fixed_posts_too_far_apart_are_reported_not_hidden() -> None:
    fc = _two_clusters()
    fixed = [fc["h3"].iloc[0], fc["h3"].iloc[40]]            # one post in each disk, 10 km
    plan = patrol.place_patrols_on_cells(fc, units=1, radius_m=400, fixed=fixed,
                                         revisit_min=60)     # 2 × 15 + 2 × 30 = 90 > 60
    assert set(fixed) <= set(plan.routes["h3"])
    assert plan.revisit_violations == [1] and not plan.routes["revisit_ok"].any()
    assert len(plan.routes) == 2 and plan.routes["cycle_min"].iloc[0] > 60


def test_trim_keeps_district_minimums() -> None:
    """Trimming never drops a hotspot its district minimum needs."""
    deg_per_km = 1 / 111.195
    lon = np.array([0.0, 0.3, 12.0]) * deg_per_km           # two near points, one 12 km away
    lat = np.zeros(3)
    cov = np.eye(3)
    w = np.array([1.0, 1.0, 0.1])
    labels = np.zeros(3, dtype=np.int64)
    kw = {"dwell_min": 15.0, "revisit_min": 60.0, "m_per_min": 20 * 1000 / 60}
    keep = routes._trim_loops(cov, w, lat, lon, labels, np.zeros(3, dtype=bool), **kw)
    assert keep.tolist() == [True, True, False]              # the far, light one goes
    keep = routes._trim_loops(cov, w, lat, lon, labels, np.zeros(3, dtype=bool),
                              groups=np.array(["A", "A", "B"], dtype=object),
                              minimums={"B": 1}, **kw)
    assert keep.tolist() == [False, False, True]  # B needs its one hotspot: the others go


def test_cli_plan_save_then_plans_list(forecast_file: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "v.duckdb"
    rc = main(["plan", "--forecast", str(forecast_file), "--units", "2", "--radius-m", "400",
               "--out", str(tmp_path / "r.csv"), "--json", "--save", "--db", str(db)])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    assert str(summary["plan_id"]).startswith("P")
    assert main(["plans", "list", "--db", str(db), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [p["plan_id"] for p in listed] == [summary["plan_id"]]
    assert listed[0]["units"] == 2 and listed[0]["origin"] == "cli"
    assert listed[0]["objective"] == pytest.approx(summary["objective"])
    assert listed[0]["window_start"].startswith("2025-03-03T06:00")


def test_cli_plans_coverage_reads_the_saved_plans(forecast_file: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Incidents inside a saved plan's area during its window count as covered."""
    from analytics import ingest

    db = tmp_path / "v.duckdb"
    assert main(["plan", "--forecast", str(forecast_file), "--units", "2", "--radius-m", "400",
                 "--out", str(tmp_path / "r.csv"), "--json", "--save", "--db", str(db)]) == 0
    plan = json.loads(capsys.readouterr().out)
    routes = pd.read_csv(tmp_path / "r.csv")
    lat, lon = float(routes["lat"].iloc[0]), float(routes["lon"].iloc[0])
    csv = tmp_path / "inc.csv"
    pd.DataFrame({"id": ["a", "b", "c"],
                  "fecha_hora": ["03/03/2025 07:00", "03/03/2025 20:00", "03/03/2025 08:00"],
                  "latitud": [lat, lat, -12.20], "longitud": [lon, lon, -76.95],
                  "tipo": ["robo"] * 3, "distrito": ["LA VICTORIA"] * 3}).to_csv(csv, index=False)
    ingest.ingest_files(csv, db=db)
    assert main(["plans", "coverage", "--period", "2025-03", "--db", str(db), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows == [{"district": "LA VICTORIA", "period": "2025-03", "count": 3, "in_plan": 1,
                     "share_pct": pytest.approx(100 / 3), "plan_windows": 1}]
    assert plan["plan_id"]
