"""Hit rate, PAI, PEI on a hand-checked toy window; rolling-origin backtest invariants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import evaluation as ev, forecast as fc, hexbin
from analytics._errors import IncidentSchemaError

DATA = Path(__file__).resolve().parent / "data" / "forecast"
OUTSIDE_DOMAIN = 3  # incidents of the toy window in cells outside the domain (see README)


@pytest.fixture(scope="module")
def toy() -> pd.DataFrame:
    return pd.read_csv(DATA / "toy_window.csv")


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    from tests.test_forecast import synthetic_incidents

    return synthetic_incidents(seed=11)


@pytest.mark.parametrize("row", pd.read_csv(DATA / "toy_metrics.csv").to_dict("records"),
                         ids=lambda r: f"p={r['coverage']}")
def test_toy_metrics_by_hand(toy: pd.DataFrame, row: dict[str, float]) -> None:
    e, a = toy["expected"].to_numpy(), toy["actual"].to_numpy()
    total = a.sum() + OUTSIDE_DOMAIN
    p = row["coverage"]
    assert ev.flag_top(e, coverage=p).sum() == row["n_flagged"]
    assert ev.hit_rate(e, a, coverage=p, total=total) == pytest.approx(row["hit_rate"])
    assert ev.pai(e, a, coverage=p, total=total) == pytest.approx(row["pai"])
    assert ev.pei(e, a, coverage=p) == pytest.approx(row["pei"])
    scores = ev.window_scores(e[:, None], a[:, None], np.array([total]), coverages=[p],
                              rng=np.random.default_rng(0))
    np.testing.assert_allclose(scores[0, 0], [row["hit_rate"], row["pai"], row["pei"]])


def test_oracle_scores_pei_one(toy: pd.DataFrame, rng: np.random.Generator) -> None:
    a = rng.poisson(0.3, size=(200, 30)).astype(float)
    totals = a.sum(axis=0) + 5
    scores = ev.window_scores(a, a, totals, coverages=[0.01, 0.02, 0.05, 0.1, 0.5],
                              rng=np.random.default_rng(1))
    pei = scores[:, :, 2]
    assert np.nanmin(pei) == pytest.approx(1.0) and np.nanmax(pei) == pytest.approx(1.0)
    for p in (0.1, 0.3, 1.0):
        assert ev.pei(toy["actual"], toy["actual"], coverage=p) == pytest.approx(1.0)


def test_ties_broken_at_random_with_seed() -> None:
    flat = np.zeros(100)
    masks = {s: ev.flag_top(flat, coverage=0.05, seed=s) for s in range(5)}
    assert all(m.sum() == 5 for m in masks.values())
    assert len({tuple(np.flatnonzero(m)) for m in masks.values()}) > 1
    np.testing.assert_array_equal(ev.flag_top(flat, coverage=0.05, seed=3), masks[3])
    # a strict order is never reshuffled
    e = np.arange(100.0)
    assert set(np.flatnonzero(ev.flag_top(e, coverage=0.05, seed=9))) == set(range(95, 100))


def test_empty_window_is_nan() -> None:
    assert np.isnan(ev.hit_rate(np.ones(4), np.zeros(4), coverage=0.5))
    assert np.isnan(ev.pei(np.ones(4), np.zeros(4), coverage=0.5))


def test_actual_counts_include_outside_domain() -> None:
    cells = np.array([10, 20, 30], dtype=np.uint64)
    t = pd.to_datetime(["2025-01-01 06:30", "2025-01-01 07:00", "2025-01-01 13:59",
                        "2025-01-01 14:00", "2025-01-01 05:59"]).to_numpy("datetime64[ns]")
    b = fc.BinnedIncidents(cell=np.array([10, 40, 30, 30, 10], dtype=np.uint64), t=t,
                           day=np.zeros(5, dtype=np.int64), slot=np.zeros(5, dtype=np.int8),
                           hour=np.zeros(5, dtype=np.int8), resolution=9, shifts=())
    starts = pd.to_datetime(["2025-01-01 06:00", "2025-01-01 14:00"]).to_numpy("datetime64[ns]")
    ends = starts + np.timedelta64(8, "h")
    act, tot = ev.actual_counts(b, cells, starts, ends)
    np.testing.assert_array_equal(tot, [3, 1])  # the 05:59 incident is in no window
    np.testing.assert_array_equal(act, [[1, 0], [0, 0], [1, 1]])  # cell 40 only in totals


def test_backtest_table_and_curve(synthetic: pd.DataFrame) -> None:
    origins = ["2025-04-14", "2025-04-21"]
    res = ev.backtest(synthetic, origins=origins, models=("retro28", "longrun", "default"),
                      windows=("shift", "week"), coverages=(0.1, 0.5), seed=0)
    t = res.table
    assert list(t.columns) == ["model", "windows", "coverage", "hit_rate", "pai", "pei",
                               "n_windows"]
    assert set(t["model"]) == {"retro28", "longrun", fc.DEFAULT_MODEL}
    assert len(t) == 3 * 2 * 2
    assert (t.loc[t["windows"] == "shift", "n_windows"] <= 2 * 21).all()
    assert (t.loc[t["windows"] == "week", "n_windows"] == 2).all()
    assert t[["hit_rate", "pei"]].le(1 + 1e-12).all().all()
    assert (t["hit_rate"] >= 0).all()
    for (_m, _w), g in t.groupby(["model", "windows"]):
        assert g.sort_values("coverage")["hit_rate"].is_monotonic_increasing
    curve = ev.hit_rate_curve(res, windows="week", models=["longrun"])
    assert curve["hit_rate"].iloc[-1] <= 1.0
    assert curve.sort_values("coverage")["hit_rate"].is_monotonic_increasing
    r = res.ratios()
    assert set(r["best_baseline"]) <= {"retro28", "longrun"}
    assert np.allclose(r["ratio"], r["model_hit_rate"] / r["baseline_hit_rate"])


def test_backtest_scores_what_forecast_cells_predicts(synthetic: pd.DataFrame) -> None:
    """The backtest fits on data before each origin exactly like forecast_cells."""
    origin = pd.Timestamp("2025-04-21")
    res = ev.backtest(synthetic, origins=[origin], models=("retro_shift",), windows="week",
                      coverages=(0.2,), seed=4)
    fcst = fc.forecast_cells(synthetic, train_until=origin, model="retro_shift",
                             windows="week")
    b = fc.bin_incidents(synthetic)
    cells = hexbin.to_cells(fcst["h3"])
    act, tot = ev.actual_counts(b, cells, fcst["window_start"].to_numpy("datetime64[ns]")[:1],
                                fcst["window_end"].to_numpy("datetime64[ns]")[:1])
    rng = np.random.default_rng(4)
    expect = ev.window_scores(fcst["expected"].to_numpy()[:, None], act, tot,
                              coverages=[0.2], rng=rng)[0, 0, 0]
    assert res.table["hit_rate"].iloc[0] == pytest.approx(expect)


def test_backtest_rejects_bad_parameters(synthetic: pd.DataFrame) -> None:
    with pytest.raises(IncidentSchemaError, match="ventanas.*modelos.*coberturas"):
        ev.backtest(synthetic, origins=["2025-04-14"], windows="daily", models=("magic",),
                    coverages=(0.0,))


def test_metric_table_is_the_backtest_table_wide() -> None:
    table = pd.DataFrame({
        "model": ["boosted", "boosted", "retro28", "retro28", "boosted"],
        "windows": ["shift", "shift", "shift", "shift", "week"],
        "coverage": [0.01, 0.05, 0.01, 0.05, 0.01],
        "hit_rate": [0.2, 0.4, 0.1, 0.3, 0.9], "pai": [20.0, 8.0, 10.0, 6.0, 90.0],
        "pei": [0.9, 0.95, 0.5, 0.7, 1.0], "n_windows": [21, 21, 21, 21, 3]})
    result = ev.BacktestResult(table, pd.DataFrame(), pd.DataFrame())
    wide = ev.metric_table(result, metric="pai", windows="shift",
                           models=["retro28", "boosted", "longrun"])
    assert wide["model"].tolist() == ["retro28", "boosted"]
    assert wide[0.01].tolist() == [10.0, 20.0] and wide[0.05].tolist() == [6.0, 8.0]
    assert wide["n_windows"].tolist() == [21, 21]
    with pytest.raises(IncidentSchemaError, match="Métrica"):
        ev.metric_table(result, metric="auc")
