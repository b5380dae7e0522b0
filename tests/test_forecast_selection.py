"""The selecting default model (``auto``): hand-checked scores, cross-checks with the
backtest, no leakage, the right choice on cities built to favour one side, determinism."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest

from analytics import evaluation as ev, forecast as fc, hexbin
from analytics.forecast import selection as sel
from tests.test_forecast import CUT, REPO, synthetic_incidents

LIMA = (-12.068, -77.018)


def _grid(n: int = 61) -> np.ndarray:
    """``n`` resolution-9 cells around central Lima (a disk of rings)."""
    c0 = int(hexbin.points_to_cells([LIMA[0]], [LIMA[1]], resolution=9)[0])
    return np.array(sorted(h3i.grid_disk(c0, 6))[:n], dtype=np.uint64)


def _events(cells: np.ndarray, counts: np.ndarray, start: str,
            rng: np.random.Generator, shift_of: np.ndarray | None = None) -> pd.DataFrame:
    """Incidents from a (cells, days) count array; hour uniform, or inside a shift."""
    ci, di = np.nonzero(counts)
    reps = counts[ci, di].astype(int)
    ci, di = np.repeat(ci, reps), np.repeat(di, reps)
    if shift_of is None:
        hour = rng.uniform(0, 24, len(ci))
    else:
        hour = (6 + 8 * shift_of[ci] + rng.uniform(0, 8, len(ci))) % 24
    la, lo = hexbin.cells_to_centers(cells[ci])
    t = (pd.Timestamp(start) + pd.to_timedelta(di, unit="D")
         + pd.to_timedelta(hour * 3600, unit="s")).floor("min")
    return pd.DataFrame({"occurred_at": t, "lat": la, "lon": lo}).sort_values(
        "occurred_at").reset_index(drop=True)


def relocated_hotspots_city(seed: int, *, cut: pd.Timestamp = CUT) -> pd.DataFrame:
    """Eight hotspots for a year; nine weeks before the cut-off they move to eight other
    cells for good. The boosted model (fitted on weeks that end 8 weeks before the cut)
    has never seen a move: the last-28-days map is the truth generator there."""
    rng = np.random.default_rng(seed)
    cells = _grid(127)
    n, days = len(cells), 460
    start = cut - pd.Timedelta(days=days)
    old = rng.choice(n, 8, replace=False)
    new = rng.choice(np.setdiff1d(np.arange(n), old), 8, replace=False)
    counts = np.zeros((n, days))
    for d in range(days):
        lam = np.full(n, 0.03)
        lam[old if d < days - 63 else new] += 1.0
        counts[:, d] = rng.poisson(lam)
    return _events(cells, counts, f"{start:%Y-%m-%d}", rng)


def stable_weekday_city(seed: int, *, cut: pd.Timestamp = CUT) -> pd.DataFrame:
    """Two years of stable hotspots, each busy on one weekday and in one shift: the
    baselines (averages over every day) cannot see the weekday, the boosted model can."""
    rng = np.random.default_rng(seed)
    cells = _grid()
    n, days = len(cells), 730
    start = cut - pd.Timedelta(days=days)
    rate = rng.gamma(0.5, 0.3, n)
    fav_day = rng.integers(0, 7, n)
    shift_of = rng.integers(0, 3, n)
    wd = (np.arange(days) + start.day_of_week) % 7
    lam = rate[:, None] * np.where(fav_day[:, None] == wd[None, :], 5.0, 0.33)
    return _events(cells, rng.poisson(lam), f"{start:%Y-%m-%d}", rng, shift_of=shift_of)


def _fit(df: pd.DataFrame, cut: pd.Timestamp = CUT, **kw: object) -> sel.AutoModel:
    h = fc.incidents_to_history(fc.bin_incidents(df), train_until=cut)
    return sel.AutoModel(seed=0, **kw).fit(h)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- hand-checked


def test_panel_scores_by_hand() -> None:
    # 40 cells -> 1 % flags k = 1 cell, 5 % flags k = 2; one week, 7 days x 3 shifts
    n = 40
    actual = np.zeros((1, n, 7, 3))
    actual[0, 0, 0, 0] = 1  # window (day 0, shift 0): cells 0 and 1, one each
    actual[0, 1, 0, 0] = 1
    actual[0, 1, 2, 1] = 1  # window (2, 1): cell 1 only
    actual[0, 5, 3, 2] = 2  # window (3, 2): cell 5 (never flagged)
    ranked = np.zeros((1, n, 7, 3))
    ranked[0, 0] = 2.0      # the model puts cell 0 first, then cell 1, everywhere
    ranked[0, 1] = 1.0
    rates = sel.score_candidates({"retro28": ranked, "longrun": ranked[:, ::-1]}, actual,
                                 [sel.Candidate((("retro28", 1.0),))], seed=0)["retro28"]
    # shift windows with incidents: (0,0) 1/2 and 2/2; (2,1) 0 and 1; (3,2) 0 and 0
    assert rates["shift@0.01"] == pytest.approx((0.5 + 0 + 0) / 3)
    assert rates["shift@0.05"] == pytest.approx((1 + 1 + 0) / 3)
    # the week: 5 incidents; cell 0 has 1, cells 0 and 1 have 3
    assert rates["week@0.01"] == pytest.approx(1 / 5)
    assert rates["week@0.05"] == pytest.approx(3 / 5)


def test_candidate_combines_and_breaks_ties() -> None:
    a = np.array([1.0, 1.0, 0.0, 2.0])
    b = np.array([0.0, 3.0, 1.0, 0.0])
    mix = sel.Candidate((("boosted", 0.25), ("retro28", 0.75)))
    np.testing.assert_allclose(mix.combine({"boosted": b, "retro28": a}), 0.25 * b + 0.75 * a)
    assert mix.name == "0.25 boosted + 0.75 retro28"
    tie = sel.Candidate((("retro28", 1.0),), tiebreak="longrun")
    out = tie.combine({"retro28": a, "longrun": b})
    assert tie.name == "retro28 | longrun"
    np.testing.assert_allclose(out, a, rtol=0, atol=1e-6)  # the same expected counts
    assert list(np.argsort(-out, kind="stable")) == [3, 1, 0, 2]  # the tie 0/1 goes to 1


def test_internal_rates_equal_the_backtest() -> None:
    """The internal scores of a baseline are the backtest's, at the same weekly origins.

    Shifts that do not cross midnight: the internal history at an origin then holds
    exactly the incidents before it (with a night shift from 22:00 it would also hold
    the hours after midnight of that shift, which the outer cut-off leaves out). The
    baselines compared have no ties at the top here (ties are broken at random).
    """
    df = synthetic_incidents(seed=5, days=300, start="2024-07-09")
    shifts = (("mañana", 0, 8), ("tarde", 8, 16), ("noche", 16, 0))
    binned = fc.bin_incidents(df, shifts=shifts)
    h = fc.incidents_to_history(binned, train_until=CUT)
    m = sel.AutoModel(seed=0).fit(h)
    assert m.evidence_ is not None and m.evidence_.weeks == sel.INTERNAL_WEEKS
    origins = [CUT - pd.Timedelta(days=8 + 7 * j) for j in range(sel.INTERNAL_WEEKS)]
    models = ["retro28", "longrun", "prospective"]  # no tie at the top in any window here
    res = ev.backtest(binned, origins=origins, windows="shift", models=models,
                      coverages=sel.SELECTION_COVERAGES)
    for model in models:
        for p in sel.SELECTION_COVERAGES:
            row = res.table[(res.table["model"] == model) & (res.table["coverage"] == p)]
            assert m.evidence_.hit_rate(model, coverage=p) == pytest.approx(
                float(row["hit_rate"].iloc[0]))


# --------------------------------------------------------------------------- choices


@pytest.mark.parametrize("seed", [0, 1, 2], ids=["seed0", "seed1", "seed2"])
def test_picks_the_recent_map_when_hotspots_moved(seed: int) -> None:
    m = _fit(relocated_hotspots_city(seed))
    assert m.chosen_ is not None and m.evidence_ is not None
    assert m.chosen_.models[0] == "retro28" and "boosted" not in m.chosen_.models, (
        m.chosen_.name)
    assert m.boosted_ is None  # not kept when not used
    e = m.evidence_
    assert e.reason == "selected" and e.best_baseline == "retro28"
    assert e.score() >= e.score("retro28") > e.score("boosted")
    assert e.score("retro28") >= max(e.score(b) for b in fc.BASELINES)


@pytest.mark.parametrize("seed", [0, 1], ids=["seed0", "seed1"])
def test_picks_boosted_when_it_sees_more(seed: int) -> None:
    m = _fit(stable_weekday_city(seed))
    assert m.chosen_ is not None and m.evidence_ is not None
    weights = dict(m.chosen_.weights)
    assert weights.get("boosted", 0.0) >= 0.5, m.chosen_.name
    assert m.evidence_.score() > 1.05 and m.evidence_.score("boosted") > 1.05
    for b in fc.BASELINES:
        assert m.evidence_.hit_rate() > m.evidence_.hit_rate(b)


def test_thin_history_falls_back_to_a_baseline(incidents: pd.DataFrame) -> None:
    short = incidents[incidents["occurred_at"] >= CUT - pd.Timedelta(days=20)]
    out = fc.forecast_cells(short, train_until=CUT, horizon_days=2, seed=0)
    assert out.attrs["model"] == "auto"
    assert out.attrs["evidence"]["reason"] == "thin"
    assert "boosted" not in out.attrs["evidence"]["chosen"]
    assert (out["expected"] >= 0).all() and out["expected"].sum() > 0


def test_thin_weeks_keep_the_baseline_prior() -> None:
    """Under :data:`THIN_INCIDENTS` in the compared weeks: no boosted, the baseline prior."""
    m = _fit(structureless_city(0, rate=0.004))
    assert m.evidence_ is not None and m.evidence_.incidents < sel.THIN_INCIDENTS
    assert m.evidence_.reason == "thin" and m.boosted_ is None
    assert m.chosen_ == sel.PRIOR_BASELINE


@pytest.fixture(scope="module")
def incidents() -> pd.DataFrame:
    return synthetic_incidents()


# --------------------------------------------------------------------------- leakage, determinism


def test_post_cut_spike_changes_nothing() -> None:
    df = synthetic_incidents(seed=5, days=300, start="2024-07-09")
    # a burst of 400 incidents in a quiet new place, from the cut-off's first minute on
    spike = pd.DataFrame({"occurred_at": CUT + pd.to_timedelta(np.arange(400) * 7, unit="min"),
                          "lat": -12.05, "lon": -77.05, "crime_type": "robo",
                          "crime_group": "patrimonio",
                          "incident_id": [f"x{i}" for i in range(400)]})
    kw = dict(train_until=CUT, horizon_days=7, seed=0)
    a = fc.forecast_cells(df, **kw)
    b = fc.forecast_cells(pd.concat([df, spike], ignore_index=True), **kw)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["evidence"] == b.attrs["evidence"]
    binned = fc.bin_incidents(pd.concat([df, spike], ignore_index=True))  # the backtest's path
    c = fc.forecast_cells(binned, **kw)
    pd.testing.assert_frame_equal(a, c)
    assert a.attrs["evidence"] == c.attrs["evidence"]
    # the same spike a week before the cut-off does reach the model
    early = spike.assign(occurred_at=spike["occurred_at"] - pd.Timedelta(days=7))
    d = fc.forecast_cells(pd.concat([df, early], ignore_index=True), **kw)
    assert d.attrs["evidence"] != a.attrs["evidence"]


def test_deterministic_for_a_seed() -> None:
    df = synthetic_incidents(seed=5, days=300, start="2024-07-09")
    a = fc.forecast_cells(df, train_until=CUT, horizon_days=2, seed=3)
    b = fc.forecast_cells(df, train_until=CUT, horizon_days=2, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["evidence"] == b.attrs["evidence"]


def test_auto_is_the_default_and_in_the_backtest() -> None:
    assert fc.DEFAULT_MODEL == "auto" and "auto" in fc.MODEL_NAMES
    df = synthetic_incidents(seed=5, days=300, start="2024-07-09")
    res = ev.backtest(df, origins=[CUT - pd.Timedelta(days=14)], windows=("shift", "week"),
                      models=["retro28", "default"])
    assert set(res.table["model"]) == {"retro28", "auto"}
    r = res.ratios()
    assert set(r["best_baseline"]) == {"retro28"} and np.isfinite(r["ratio"]).all()


def test_cli_forecast_default_says_what_it_chose(tmp_path: Path) -> None:
    df = synthetic_incidents(seed=5, days=300, start="2024-07-09")
    src = tmp_path / "incidentes.csv"
    df[["incident_id", "occurred_at", "lat", "lon", "crime_type"]].to_csv(src, index=False)
    out = tmp_path / "pronostico.csv"
    r = subprocess.run([sys.executable, "-m", "analytics", "forecast", "--incidents", str(src),
                        "--train-until", "2025-05-05", "--horizon-days", "1", "--out", str(out)],
                       cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert list(pd.read_csv(out, encoding="utf-8-sig").columns) == [
        "h3", "window_start", "window_end", "expected", "lower", "upper"]
    assert "modelo automático: " in r.stderr and "semanas anteriores" in r.stderr


# --------------------------------------------------------------------------- sparse fits


def _weekly(**rates: list[float]) -> dict[str, dict[str, np.ndarray]]:
    """Per-week hit rates (one key) of named candidates; every plain baseline at 0.1."""
    out = {b: {"shift@0.01": np.full(8, 0.1)} for b in fc.BASELINES}
    out.update({k.replace("_", " "): {"shift@0.01": np.array(v)} for k, v in rates.items()})
    return out


def test_noisy_margin_keeps_the_prior() -> None:
    # boosted's mean (0.106) beats the prior's (0.1), but it is two good weeks in eight:
    # margins 2, -1, -1, 1.5, -1, -1, -1, 2 (ratio units), mean 0.06, standard error 0.47
    weekly = _weekly(boosted=[0.3, 0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 0.3])
    weekly[sel.PRIOR.name] = {"shift@0.01": np.full(8, 0.1)}
    boosted = sel.Candidate((("boosted", 1.0),))
    obj = sel.weekly_objective(weekly)
    assert np.nanmean(obj["boosted"]) > np.nanmean(obj[sel.PRIOR.name])
    assert sel.choose_shrunk(weekly, [sel.PRIOR, boosted]) == (sel.PRIOR, True)
    # the same weeks with z = 0: the best mean wins
    assert sel.choose_shrunk(weekly, [sel.PRIOR, boosted], z=0.0) == (boosted, False)


def test_steady_margin_leaves_the_prior() -> None:
    # 2 % better every week but one: a small margin, but a clear one
    weekly = _weekly(boosted=[0.102] * 7 + [0.1])
    weekly[sel.PRIOR.name] = {"shift@0.01": np.full(8, 0.1)}
    boosted = sel.Candidate((("boosted", 1.0),))
    assert sel.choose_shrunk(weekly, [sel.PRIOR, boosted], z=3.0) == (boosted, False)
    # a week without incidents (NaN) is left out of the margin, not counted as zero
    weekly["boosted"]["shift@0.01"][0] = np.nan
    weekly[sel.PRIOR.name]["shift@0.01"][0] = np.nan
    assert sel.choose_shrunk(weekly, [sel.PRIOR, boosted], z=3.0) == (boosted, False)


def structureless_city(seed: int, *, rate: float = 0.02,
                       cut: pd.Timestamp = CUT) -> pd.DataFrame:
    """Two years of 127 cells with the same small daily rate (0.02: about 18 incidents a
    week): no map can beat another except by chance."""
    rng = np.random.default_rng(seed)
    cells = _grid(127)
    days = 730
    counts = rng.poisson(rate, (len(cells), days))
    return _events(cells, counts, f"{cut - pd.Timedelta(days=days):%Y-%m-%d}", rng)


@pytest.mark.parametrize("seed", [0, 1, 2], ids=["seed0", "seed1", "seed2"])
def test_sparse_noise_keeps_the_prior(seed: int) -> None:
    m = _fit(structureless_city(seed))
    e = m.evidence_
    assert e is not None and m.chosen_ is not None
    assert e.incidents < sel.SPARSE_INCIDENTS
    assert (m.chosen_, e.reason) == (sel.PRIOR, "prior"), (m.chosen_.name, e.reason)
    assert m.boosted_ is not None  # the prior's learned part
    assert {"shift@0.02", "week@0.1"} <= set(e.hit_rates[e.chosen])  # the smoother criterion


def test_dense_panels_keep_the_plain_rule() -> None:
    """Over :data:`SPARSE_INCIDENTS` incidents: the best mean ratio at 1 % and 5 %."""
    rng = np.random.default_rng(0)
    actual = rng.poisson(3.0, (4, 50, 7, 3)).astype(np.float64)
    preds = {m: rng.gamma(2.0, 1.0, actual.shape) for m in sel.BASE_MODELS}
    cands = sel.default_candidates()
    chosen, rates, kept = sel.select_candidate(preds, actual, cands, seed=0)
    assert actual.sum() >= sel.SPARSE_INCIDENTS and not kept
    plain = [sel.Candidate(((b, 1.0),)) for b in fc.BASELINES]
    expect = sel.score_candidates(preds, actual, list(dict.fromkeys([*plain, *cands])), seed=0)
    assert rates == expect and chosen == sel.choose_candidate(expect, cands)
    # the same panel treated as sparse is scored at 1/2/5/10 % and may keep the prior
    _c, rates_s, _k = sel.select_candidate(preds, actual, cands, seed=0,
                                           sparse_incidents=10**9)
    assert set(rates_s["longrun"]) == {f"{w}@{p:g}" for w in ("shift", "week")
                                      for p in sel.SPARSE_COVERAGES}
