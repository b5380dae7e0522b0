"""Cell × window forecasts: structure, no leakage, baselines by hand, CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import forecast as fc, hexbin
from analytics._errors import IncidentSchemaError, InsufficientHistoryError
from analytics.forecast import boosted

REPO = Path(__file__).resolve().parent.parent
CUT = pd.Timestamp("2025-05-05")  # a Monday


def synthetic_incidents(seed: int = 7, *, days: int = 150,
                        start: str = "2024-12-06") -> pd.DataFrame:
    """Incidents in 12 Lima places with stable, cell- and shift-specific rates."""
    rng = np.random.default_rng(seed)
    lat0, lon0 = -12.0680, -77.0180
    places = [(lat0 + 0.004 * (i % 4), lon0 + 0.004 * (i // 4)) for i in range(12)]
    rates = np.linspace(0.05, 2.0, 12)  # incidents per day
    night = np.arange(12) % 3 == 0  # every third place is a night spot
    rows = []
    t0 = pd.Timestamp(start)
    for i, (la, lo) in enumerate(places):
        n = rng.poisson(rates[i] * days)
        when = t0 + pd.to_timedelta(rng.uniform(0, days, n), unit="D")
        if night[i]:
            hours = rng.integers(22, 30, n) % 24
            when = when.normalize() + pd.to_timedelta(hours, unit="h") \
                + pd.to_timedelta(rng.integers(0, 60, n), unit="min")
        for w in when:
            rows.append((w, la + rng.normal(0, 2e-4), lo + rng.normal(0, 2e-4)))
    df = pd.DataFrame(rows, columns=["occurred_at", "lat", "lon"]).sort_values("occurred_at")
    df["occurred_at"] = df["occurred_at"].dt.floor("min")
    df["incident_id"] = [f"s{i}" for i in range(len(df))]
    df["crime_type"] = np.where(np.arange(len(df)) % 3 == 0, "robo", "lesiones")
    df["crime_group"] = np.where(np.arange(len(df)) % 3 == 0, "patrimonio",
                                 "vida_cuerpo_salud")
    return df.reset_index(drop=True)


@pytest.fixture(scope="module")
def incidents() -> pd.DataFrame:
    return synthetic_incidents()


@pytest.mark.parametrize("model", [*fc.MODEL_NAMES], ids=str)
def test_every_domain_cell_and_shift_window(incidents: pd.DataFrame, model: str) -> None:
    out = fc.forecast_cells(incidents, train_until=CUT, horizon_days=7, model=model, seed=0)
    train = hexbin.incidents_to_cells(incidents[incidents["occurred_at"] < CUT], resolution=9)
    domain = set(hexbin.cells_to_strings(np.unique(train["h3"].to_numpy())))
    assert list(out.columns) == ["h3", "window_start", "window_end", "expected", "lower", "upper"]
    assert set(out["h3"]) == domain
    assert len(out) == len(domain) * 21
    assert not out.duplicated(["h3", "window_start"]).any()
    assert (out["expected"] >= 0).all() and np.isfinite(out["expected"]).all()
    assert (out["lower"] <= out["expected"] + 1e-9).all()
    assert (out["upper"] >= out["lower"]).all()
    starts = sorted(out["window_start"].unique())
    assert starts[0] == CUT + pd.Timedelta(hours=6)
    assert starts[-1] == CUT + pd.Timedelta(days=6, hours=22)
    night = out[out["window_start"].dt.hour == 22]
    assert (night["window_end"] - night["window_start"] == pd.Timedelta(hours=8)).all()


@pytest.mark.parametrize(("windows", "n"), [("hourly", 48), ("week", 1), ("shift", 6)],
                         ids=["hourly", "week", "shift"])
def test_window_kinds(incidents: pd.DataFrame, windows: str, n: int) -> None:
    out = fc.forecast_cells(incidents, train_until=CUT, horizon_days=2, windows=windows,
                            model="longrun")
    per_cell = out.groupby("h3").size()
    assert (per_cell == n).all()
    if windows == "week":
        assert (out["window_start"] == CUT).all()
        assert (out["window_end"] == CUT + pd.Timedelta(days=2)).all()


def test_week_and_hours_sum_to_shifts(incidents: pd.DataFrame) -> None:
    kw = dict(train_until=CUT, horizon_days=7, model="default", seed=1)
    shift = fc.forecast_cells(incidents, windows="shift", **kw)
    week = fc.forecast_cells(incidents, windows="week", **kw)
    hourly = fc.forecast_cells(incidents, windows="hourly", **kw)
    s = shift.groupby("h3")["expected"].sum()
    w = week.set_index("h3")["expected"]
    np.testing.assert_allclose(s.sort_index(), w.sort_index(), rtol=1e-9)
    # hours of the day shifts (06-22) add up to those shifts exactly
    day = shift[shift["window_start"].dt.hour != 22]
    hd = hourly[(hourly["window_start"].dt.hour >= 6) & (hourly["window_start"].dt.hour < 22)]
    np.testing.assert_allclose(day["expected"].sum(), hd["expected"].sum(), rtol=1e-9)


@pytest.mark.parametrize("model", [*fc.MODEL_NAMES], ids=str)
def test_no_leakage_past_train_until(incidents: pd.DataFrame, model: str) -> None:
    rng = np.random.default_rng(3)
    before = incidents[incidents["occurred_at"] < CUT]
    after = incidents[incidents["occurred_at"] >= CUT].copy()
    # perturb everything at or after the cut-off: move, retime, add a burst at 00:00 sharp
    after["lat"] = after["lat"] + rng.normal(0, 0.01, len(after))
    after["crime_type"] = "extorsión"  # a type never seen before the cut-off
    burst = before.tail(50).copy()
    burst["occurred_at"] = CUT
    burst["lat"] = -12.0
    perturbed = pd.concat([before, after, burst], ignore_index=True)
    a = fc.forecast_cells(incidents, train_until=CUT, horizon_days=7, model=model, seed=0)
    b = fc.forecast_cells(perturbed, train_until=CUT, horizon_days=7, model=model, seed=0)
    c = fc.forecast_cells(before, train_until=CUT, horizon_days=7, model=model, seed=0)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)


def test_baselines_by_hand() -> None:
    # one cell; incidents on known days and shifts before a Monday cut-off
    cut = pd.Timestamp("2025-03-31")
    times = pd.to_datetime(["2025-01-06 08:00",   # 84 days before: longrun only
                            "2025-03-10 09:00",   # 21 days before, morning
                            "2025-03-20 15:00",   # 11 days before, afternoon
                            "2025-03-30 23:30",   # 1 day before, night
                            "2025-03-31 02:00"])  # at/after cut-off: ignored
    df = pd.DataFrame({"occurred_at": times, "lat": -12.068, "lon": -77.018})
    kw = dict(train_until=cut, horizon_days=1)
    r28 = fc.forecast_cells(df, model="retro28", **kw)
    # 3 incidents in 28 days = 3/28 per day; an 8-hour shift is a third of a day
    np.testing.assert_allclose(r28["expected"], [3 / 28 / 3] * 3)
    rs = fc.forecast_cells(df, model="retro_shift", **kw)
    # same shift over the last 56 days: 1 morning, 1 afternoon, 1 night, per shift window
    np.testing.assert_allclose(rs["expected"], [1 / 56] * 3)
    lr = fc.forecast_cells(df, model="longrun", **kw)
    n_days = (cut - pd.Timestamp("2025-01-06")).days  # history starts on the first day
    np.testing.assert_allclose(lr["expected"], [2 / n_days, 1 / n_days, 1 / n_days])
    pr = fc.forecast_cells(df, model="prospective", **kw)
    # weights 1/(1+weeks ago): 21 days -> 1/4, 11 days -> 1/2, 1 day -> 1; scaled to the
    # recent daily rate (3 in 56 days) on the only cell, split into 3 shifts
    np.testing.assert_allclose(pr["expected"].sum(), 3 / 56)


def test_prospective_spreads_to_rings() -> None:
    cut = pd.Timestamp("2025-03-31")
    c = hexbin.points_to_cells([-12.068], [-77.018], resolution=9)[0]
    ring1 = hexbin.cell_neighbors([c], k=1)[int(c)][0]
    la, lo = hexbin.cells_to_centers(np.array([ring1], dtype=np.uint64))
    far_lat, far_lon = -12.2, -77.0
    df = pd.DataFrame({
        "occurred_at": pd.to_datetime(["2025-03-30 10:00", "2025-03-29 10:00",
                                       "2025-03-01 10:00"]),
        "lat": [-12.068, la[0], far_lat], "lon": [-77.018, lo[0], far_lon]})
    out = fc.forecast_cells(df, train_until=cut, horizon_days=1, model="prospective",
                            windows="week").set_index("h3")["expected"]
    far = hexbin.cells_to_strings(hexbin.points_to_cells([far_lat], [far_lon], resolution=9))[0]
    s0, s1 = out[hexbin.cells_to_strings([c])[0]], out[hexbin.cells_to_strings([ring1])[0]]
    # weights: own event 1 (this week) + neighbour's 1/2 (ring 1); far event 1/5 (4 weeks ago)
    assert s0 == pytest.approx(s1)
    assert s0 / out[far] == pytest.approx(1.5 / 0.2)


@pytest.mark.parametrize("model", ["boosted", "auto"], ids=str)
def test_boosted_is_calibrated(incidents: pd.DataFrame, model: str) -> None:
    out = fc.forecast_cells(incidents, train_until=CUT, horizon_days=7, windows="week", seed=0,
                            model=model)
    recent = incidents[(incidents["occurred_at"] < CUT)
                       & (incidents["occurred_at"] >= CUT - pd.Timedelta(days=56))]
    weekly = len(recent) / 8
    assert 0.7 * weekly < out["expected"].sum() < 1.3 * weekly
    # and it ranks the busiest place first
    train = incidents[incidents["occurred_at"] < CUT]
    counts = hexbin.incidents_to_cells(train, resolution=9)["h3"].value_counts()
    counts.index = hexbin.cells_to_strings(counts.index.to_numpy())
    joined = out.set_index("h3")["expected"].to_frame().join(counts)
    assert joined["expected"].corr(joined["count"], method="spearman") > 0.8


def test_crime_group_filter(incidents: pd.DataFrame) -> None:
    out = fc.forecast_cells(incidents, train_until=CUT, horizon_days=1, model="retro28",
                            crime_group="patrimonio", windows="week")
    allc = fc.forecast_cells(incidents, train_until=CUT, horizon_days=1, model="retro28",
                             windows="week")
    assert out["expected"].sum() < allc["expected"].sum()


def test_bad_input_lists_every_problem(incidents: pd.DataFrame) -> None:
    with pytest.raises(IncidentSchemaError, match="modelo desconocido.*ventanas|ventanas.*modelo"):
        fc.forecast_cells(incidents, train_until=CUT, windows="daily", model="magic")
    with pytest.raises(IncidentSchemaError, match="00:00"):
        fc.forecast_cells(incidents, train_until="2025-05-05 10:00")
    with pytest.raises(IncidentSchemaError, match="occurred_at.*ubicación"):
        fc.forecast_cells(pd.DataFrame({"x": [1]}), train_until=CUT)
    with pytest.raises(IncidentSchemaError, match="grupo delictivo"):
        fc.forecast_cells(incidents, train_until=CUT, crime_group="nada")
    with pytest.raises(InsufficientHistoryError):
        fc.forecast_cells(incidents, train_until="2020-01-01")
    short = incidents[incidents["occurred_at"] >= CUT - pd.Timedelta(days=20)]
    with pytest.raises(InsufficientHistoryError, match="semanas"):
        fc.forecast_cells(short, train_until=CUT, model="boosted")
    # (the default, auto, falls back to a baseline there: tests/test_forecast_selection.py)


# ----------------------------------------------------------------------------- CLI


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def test_cli_forecast_writes_exact_columns(incidents: pd.DataFrame, tmp_path: Path) -> None:
    src = tmp_path / "incidentes.csv"
    incidents[["incident_id", "occurred_at", "lat", "lon", "crime_type"]].to_csv(src,
                                                                                  index=False)
    out = tmp_path / "pronostico.csv"
    r = _run("forecast", "--incidents", str(src), "--train-until", "2025-05-05",
             "--horizon-days", "2", "--model", "retro_shift", "--out", str(out))
    assert r.returncode == 0, r.stderr
    got = pd.read_csv(out, encoding="utf-8-sig")
    assert list(got.columns) == ["h3", "window_start", "window_end", "expected", "lower",
                                 "upper"]
    assert got["window_start"].iloc[0] == "2025-05-05T06:00:00"
    assert len(got) == got["h3"].nunique() * 6
    direct = fc.forecast_cells(incidents, train_until=CUT, horizon_days=2, model="retro_shift")
    assert set(got["h3"]) == set(direct["h3"])
    np.testing.assert_allclose(np.sort(got["expected"]), np.sort(direct["expected"]))

    pq = tmp_path / "pronostico.parquet"
    r = _run("forecast", "--incidents", str(src), "--train-until", "2025-05-05",
             "--horizon-days", "1", "--hourly", "--model", "longrun", "--out", str(pq))
    assert r.returncode == 0, r.stderr
    assert len(pd.read_parquet(pq)) == got["h3"].nunique() * 24


@pytest.mark.parametrize("args", [
    ("--train-until", "2025-13-40", "--horizon-days", "2"),
    ("--train-until", "2025-05-05", "--horizon-days", "2", "--model", "magic"),
    ("--train-until", "2025-05-05", "--horizon-days", "2", "--shifts", "6-14,mal"),
    ("--train-until", "2000-01-01", "--horizon-days", "2"),
], ids=["bad-date", "bad-model", "bad-shifts", "no-history"])
def test_cli_bad_input_exits_2(incidents: pd.DataFrame, tmp_path: Path,
                               args: tuple[str, ...]) -> None:
    src = tmp_path / "incidentes.csv"
    incidents[["incident_id", "occurred_at", "lat", "lon", "crime_type"]].to_csv(src,
                                                                                  index=False)
    r = _run("forecast", "--incidents", str(src), *args, "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error: ") and "Traceback" not in r.stderr


def test_cli_backtest_json(incidents: pd.DataFrame, tmp_path: Path) -> None:
    import json

    src = tmp_path / "incidentes.csv"
    incidents[["incident_id", "occurred_at", "lat", "lon", "crime_type"]].to_csv(src,
                                                                                  index=False)
    r = _run("backtest", "--incidents", str(src), "--origins", "2025-04-14,2025-04-21",
             "--models", "retro28,longrun", "--weekly", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["origins"] == ["2025-04-14", "2025-04-21"]
    rows = doc["table"]
    assert {row["model"] for row in rows} == {"retro28", "longrun"}
    assert {row["coverage"] for row in rows} == {0.01, 0.02, 0.05, 0.1}
    assert all(row["windows"] == "week" and row["n_windows"] == 2 for row in rows)
    bad = _run("backtest", "--incidents", str(src), "--origins", "2025-04-14",
               "--models", "magic")
    assert bad.returncode == 2 and bad.stderr.startswith("error: ")


# --------------------------------------------------------------------------- boosted: speed-ups


def _reference_features(history: fc.History, origin: int) -> tuple[np.ndarray, list[str]]:
    """The original per-origin feature code (re-sums every window), kept as the reference."""
    n, _, n_slots = history.counts.shape
    cols: list[np.ndarray] = []
    names: list[str] = []

    def add(name: str, a: np.ndarray) -> None:
        cols.append(np.broadcast_to(a, (n, n_slots)).reshape(-1).astype(np.float32))
        names.append(name)

    for L in boosted._RATE_WINDOWS:
        span = origin if L is None else min(L, origin)
        w = history.window(origin, L) / max(span, 1)
        tag = "all" if L is None else str(L)
        a = w.sum(axis=1, keepdims=True)
        add(f"cell_all_{tag}", a)
        add(f"cell_slot_{tag}", w)
        if L in (28, 365, 1095, None):
            add(f"r1_all_{tag}", history.ring1 @ a)
            add(f"r1_slot_{tag}", history.ring1 @ w)
            add(f"r2_all_{tag}", history.ring2 @ a)
        if L in (7, 91):
            add(f"r1_all_{tag}", history.ring1 @ a)
    look = min(365, origin)
    recent = history.counts[:, origin - look:origin, :]  # (cells, look, slots)
    age = np.arange(look, 0, -1, dtype=np.float64) - 0.5
    daily = recent.sum(axis=2)
    for tau in boosted._ETAS_TAUS:
        k = np.exp(-age / tau)
        e = daily @ k
        add(f"etas_{tau:g}", e[:, None])
        if tau >= 7:
            add(f"etas_slot_{tau:g}", np.einsum("cds,d->cs", recent, k))
            add(f"r1_etas_{tau:g}", (history.ring1 @ e)[:, None])
    any_day = daily > 0
    last = np.where(any_day.any(axis=1), look - 1 - np.argmax(any_day[:, ::-1], axis=1), -1)
    since = np.where(last >= 0, look - last, 400).astype(np.float64)
    add("days_since", since[:, None])
    r1 = history.ring1.tocsr()
    ring_any = (r1 @ any_day.astype(np.float32)) > 0
    last_r = np.where(ring_any.any(axis=1), look - 1 - np.argmax(ring_any[:, ::-1], axis=1), -1)
    add("r1_days_since", np.where(last_r >= 0, look - last_r, 400)[:, None].astype(np.float64))
    if history.types is not None:
        # crime-type mix: some types (shop theft, fraud reported at one address) are far more
        # persistent in a place than others; the model learns how much each one carries over
        t_end = history.types.shape[1] - (history.n_days - origin)
        tc = history.types[:, max(t_end - 365, 0):max(t_end, 0), :]
        look_t = tc.shape[1]
        for L in (28, 91, 365):
            part = tc[:, max(look_t - L, 0):, :].sum(axis=1) / max(min(L, origin), 1)
            for g in range(part.shape[1]):
                add(f"type{g}_{L}", part[:, [g]])
        year = tc.sum(axis=1)
        share = year / np.maximum(year.sum(axis=1, keepdims=True), 1.0)
        k30 = np.exp(-(np.arange(look_t, 0, -1) - 0.5) / 30.0)
        etas_t = np.einsum("cdg,d->cg", tc, k30)
        for g in range(share.shape[1]):
            add(f"type{g}_share", share[:, [g]])
            add(f"type{g}_etas_30", etas_t[:, [g]])
    add("slot", np.arange(n_slots, dtype=np.float64)[None, :])
    add("history_days", np.full((n, 1), float(origin)))
    return np.column_stack(cols), names


@pytest.mark.parametrize("days_before", [0, 60])
def test_vectorised_features_match_per_origin_reference(incidents: pd.DataFrame,
                                                         days_before: int) -> None:
    b = fc.bin_incidents(incidents)
    h = fc.incidents_to_history(b, train_until=CUT - pd.Timedelta(days=days_before))
    assert h.types is not None
    origins = [*fc.BoostedModel().training_origins(h), h.n_days]
    x, names = boosted._features_many(h, origins)
    ref = [_reference_features(h, o) for o in origins]
    assert names == ref[0][1]
    np.testing.assert_allclose(x, np.concatenate([r[0] for r in ref]), rtol=1e-5, atol=1e-6)
    # a subset of rows is the same subset of the full matrix
    rows = np.array([0, 5, 17, x.shape[0] - 1])
    np.testing.assert_array_equal(boosted._features_many(h, origins, rows)[0], x[rows])
    np.testing.assert_array_equal(boosted._features(h, origins[-1])[0], x[-ref[-1][0].shape[0]:])


def test_subsample_zeros_keeps_positives_and_group_weight() -> None:
    rng = np.random.default_rng(3)
    groups = np.tile(np.arange(200), 52)
    y = rng.poisson(np.where(groups < 20, 1.0, 0.01)).astype(float)
    rows, w, q = boosted._subsample_zeros(y, groups, ratio=3.0, floor=0.05, seed=0)
    assert 0.05 <= q < 1
    assert np.all(np.diff(rows) > 0)
    assert set(np.flatnonzero(y > 0)) <= set(rows)  # every positive kept, weight 1
    assert np.all(w[y[rows] > 0] == 1.0)
    assert len(rows) < 0.5 * len(y)
    # each group keeps its exact number of zeros as total weight
    zeros = np.bincount(groups[y == 0], minlength=200)
    kept = np.bincount(groups[rows], weights=np.where(y[rows] == 0, w, 0.0), minlength=200)
    np.testing.assert_allclose(kept, zeros)
    again = boosted._subsample_zeros(y, groups, ratio=3.0, floor=0.05, seed=0)
    np.testing.assert_array_equal(again[0], rows)
    other = boosted._subsample_zeros(y, groups, ratio=3.0, floor=0.05, seed=1)
    assert not np.array_equal(other[0], rows)
    # floor and "keep all"
    assert boosted._subsample_zeros(y, groups, ratio=1e-6, floor=0.3, seed=0)[2] == 0.3
    r_all, w_all, q_all = boosted._subsample_zeros(y, groups, ratio=None, floor=0.05, seed=0)
    assert q_all == 1.0 and len(r_all) == len(y) and np.all(w_all == 1.0)


def test_boosted_deterministic_for_a_seed(incidents: pd.DataFrame) -> None:
    a = fc.forecast_cells(incidents, train_until=CUT, horizon_days=2, seed=4, model="boosted")
    b = fc.forecast_cells(incidents, train_until=CUT, horizon_days=2, seed=4, model="boosted")
    pd.testing.assert_frame_equal(a, b)
