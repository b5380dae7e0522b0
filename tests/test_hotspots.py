"""Hotspot statistics: toy grids by hand, peer checks against esda and pymannkendall."""

from __future__ import annotations

import itertools
import warnings
from datetime import date
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics import hexbin, hotspots
from analytics._errors import AnalyticsError, IncidentSchemaError, InsufficientHistoryError
from tests.conftest import TEST_DATA

DATA = TEST_DATA / "hotspots"
CENTRE = h3.latlng_to_cell(-12.0680, -77.0180, 9)  # La Victoria, Lima


def _disk(cell: str, k: int) -> np.ndarray:
    return np.array(sorted(h3.str_to_int(c) for c in h3.grid_disk(cell, k)), dtype=np.uint64)


def _flower_counts() -> pd.DataFrame:
    """Seven observed cells: a hot centre (10) and six petals (2)."""
    cells = _disk(CENTRE, 1)
    centre = h3.str_to_int(CENTRE)
    return pd.DataFrame({"h3": cells, "count": np.where(cells == centre, 10, 2)})


def _random_counts(rng: np.random.Generator, *, radius: int = 6, share: float = 0.6
                   ) -> pd.DataFrame:
    cells = _disk(CENTRE, radius)
    y = rng.poisson(1.5, cells.size)
    y[: cells.size // 10] += 6  # a denser patch in one corner of the id order
    keep = (rng.random(cells.size) < share) & (y > 0)
    return pd.DataFrame({"h3": cells[keep], "count": y[keep]})


# --------------------------------------------------------------------------
# weights and region
# --------------------------------------------------------------------------

def test_weights_flower_by_hand() -> None:
    """The 7-cell flower: the centre has 6 neighbours, each petal 3."""
    cells = _disk(CENTRE, 1)
    w = hotspots.cells_to_weights(cells, k=1)
    centre = int(np.flatnonzero(cells == h3.str_to_int(CENTRE))[0])
    card = np.diff(w.indptr)
    assert card[centre] == 6
    assert sorted(np.delete(card, centre)) == [3] * 6  # centre + two neighbouring petals
    assert (w != w.T).nnz == 0
    assert w.diagonal().sum() == 0
    assert set(np.unique(w.data)) == {1.0}


def test_weights_follow_input_order_and_k() -> None:
    """Rows follow the input order; k=2 gives the 18 cells of two rings."""
    cells = _disk(CENTRE, 2)[::-1].copy()
    w = hotspots.cells_to_weights(cells, k=2)
    i = int(np.flatnonzero(cells == h3.str_to_int(CENTRE))[0])
    assert np.diff(w.indptr)[i] == 18
    row = set(cells[w[i].indices].tolist())
    assert row == {h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 2)} - {h3.str_to_int(CENTRE)}


def test_hex_strings_are_accepted() -> None:
    """Counts keyed by hexadecimal strings give the same Gi* as integer cells."""
    counts = _flower_counts()
    as_str = counts.assign(h3=hexbin.cells_to_strings(counts["h3"]))
    a = hotspots.gi_star(counts, permutations=0)
    b = hotspots.gi_star(as_str, permutations=0)
    np.testing.assert_array_equal(a.cells, b.cells)
    np.testing.assert_array_equal(a.z, b.z)


def test_region_is_the_k_ring_halo() -> None:
    """The study region of one cell is its k-disk."""
    region = hotspots.cells_to_region(np.array([h3.str_to_int(CENTRE)], dtype=np.uint64), k=2)
    np.testing.assert_array_equal(region, _disk(CENTRE, 2))


def test_weights_reject_duplicates_and_mixed_resolutions() -> None:
    """Every problem with the cells is reported in one error."""
    c9 = h3.str_to_int(CENTRE)
    c8 = h3.str_to_int(h3.cell_to_parent(CENTRE, 8))
    with pytest.raises(IncidentSchemaError, match="repetidas") as err:
        hotspots.cells_to_weights(np.array([c9, c9, c8], dtype=np.uint64), k=0)
    assert "resoluciones" in str(err.value) and "k debe" in str(err.value)


# --------------------------------------------------------------------------
# Gi*
# --------------------------------------------------------------------------

def test_gi_star_flower_matches_textbook_csv() -> None:
    """Expected z from the textbook Getis–Ord formula (tests/data/hotspots/flower_gi_star.csv)."""
    expected = pd.read_csv(DATA / "flower_gi_star.csv")
    res = hotspots.gi_star(_flower_counts(), k=1, permutations=0)
    frame = res.to_frame().assign(h3=lambda d: hexbin.cells_to_strings(d["h3"]))
    got = frame.merge(expected, on="h3", suffixes=("", "_expected"), validate="1:1")
    assert len(got) == 19  # 7 observed + 12 zero cells of the halo
    assert got["observed"].sum() == 7
    np.testing.assert_allclose(got["count"], got["count_expected"])
    np.testing.assert_allclose(got["z"], got["z_expected"], atol=1e-9)
    classes = hotspots.classify_hotspots(res, use_permutation=False)
    classes["h3"] = hexbin.cells_to_strings(classes["h3"])
    merged = classes.merge(expected, on="h3")
    np.testing.assert_array_equal(merged["bin_x"], merged["bin_y"])
    centre = merged.loc[merged["h3"] == CENTRE].iloc[0]
    assert (centre["key"], centre["label"]) == ("hot_99", "caliente 99 %")


def test_fill_empty_changes_the_answer() -> None:
    """Without the zero halo the flower centre neighbours everything: z is 0."""
    res = hotspots.gi_star(_flower_counts(), permutations=0, fill_empty=False)
    assert res.cells.size == 7
    centre = np.flatnonzero(res.cells == h3.str_to_int(CENTRE))[0]
    assert res.z[centre] == 0.0 and res.p_norm[centre] == 1.0


@pytest.mark.parametrize("k", [1, 2], ids=["k1", "k2"])
def test_gi_star_equals_esda(rng: np.random.Generator, k: int) -> None:
    """Gi* z and G equal esda G_Local(star=True, transform='B') on the same weights."""
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    res = hotspots.gi_star(_random_counts(rng), k=k, permutations=0)
    w = libpysal.weights.WSP(hotspots.cells_to_weights(res.cells, k=k)).to_W(
        silence_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.G_Local(res.counts, w, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(res.z, ref.Zs, atol=1e-6)
    np.testing.assert_allclose(res.gi, ref.Gs, atol=1e-9)
    # esda's p_norm is one-sided; ours is two-sided
    np.testing.assert_allclose(res.p_norm, np.minimum(1, 2 * ref.p_norm), atol=1e-9)


@pytest.mark.parametrize("k", [1, 2], ids=["k1", "k2"])
def test_local_moran_equals_esda(rng: np.random.Generator, k: int) -> None:
    """Local I, its z and quadrants equal esda Moran_Local (row-standardised)."""
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    res = hotspots.local_moran(_random_counts(rng), k=k, permutations=0)
    w = libpysal.weights.WSP(hotspots.cells_to_weights(res.cells, k=k)).to_W(
        silence_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.Moran_Local(res.counts, w, transformation="r", permutations=0)
    np.testing.assert_allclose(res.local_i, ref.Is, atol=1e-6)
    np.testing.assert_allclose(res.z, (ref.Is - ref.EI) / np.sqrt(ref.VI), atol=1e-6)
    np.testing.assert_array_equal(res.quadrant, ref.q)


def test_permutation_p_matches_exact_enumeration() -> None:
    """Conditional randomisation of one cell, against all C(18, c) neighbour draws."""
    cells = _disk(CENTRE, 2)
    y = np.array([0, 1, 5, 2, 0, 3, 1, 0, 4, 2, 1, 0, 6, 2, 0, 1, 3, 0, 2])
    counts = pd.DataFrame({"h3": cells, "count": y})
    perms = 1999
    res = hotspots.gi_star(counts, permutations=perms, seed=7, fill_empty=False)
    w = hotspots.cells_to_weights(res.cells)
    for i in (int(np.argmax(y)), int(np.argmin(np.diff(w.indptr)))):
        nb = w[i].indices
        others = np.delete(res.counts, i)
        sums = np.array([others[list(c)].sum()
                         for c in itertools.combinations(range(18), nb.size)])
        obs = res.counts[nb].sum()
        exact = min(1.0, 2 * min((sums >= obs).mean(), (sums <= obs).mean()))
        sd = np.sqrt(max(exact, 0.01) * 2 / perms)
        assert abs(res.p_sim[i] - exact) < 4 * sd + 2 / perms, (i, res.p_sim[i], exact)


def test_permutations_are_seeded(rng: np.random.Generator) -> None:
    """Same seed, same p-values; another seed, other p-values."""
    counts = _random_counts(rng)
    a = hotspots.gi_star(counts, permutations=99, seed=3)
    b = hotspots.gi_star(counts, permutations=99, seed=3)
    c = hotspots.gi_star(counts, permutations=99, seed=4)
    np.testing.assert_array_equal(a.p_sim, b.p_sim)
    assert not np.array_equal(a.p_sim, c.p_sim)
    assert a.p_sim.min() >= 2 / 100 and a.p_sim.max() <= 1
    m1 = hotspots.local_moran(counts, permutations=99, seed=3)
    m2 = hotspots.local_moran(counts, permutations=99, seed=3)
    np.testing.assert_array_equal(m1.p_sim, m2.p_sim)


def test_no_permutations_and_classification_choices(rng: np.random.Generator) -> None:
    """permutations=0 leaves p_sim empty; FDR never adds significance."""
    res = hotspots.gi_star(_random_counts(rng), permutations=0)
    assert res.p_sim is None and res.p_sim_fdr is None
    assert res.to_frame()[["p_sim", "p_sim_fdr"]].isna().all().all()
    np.testing.assert_array_equal(res.p_fdr, hotspots.fdr_adjust(res.p_norm))
    with pytest.raises(InsufficientHistoryError, match="permutaciones"):
        hotspots.classify_hotspots(res, use_permutation=True)
    plain = hotspots.classify_hotspots(res)
    fdr = hotspots.classify_hotspots(res, use_fdr=True)
    # FDR never adds significance
    assert (fdr["bin"].abs() <= plain["bin"].abs()).all()
    assert set(plain["label"]) <= set(hotspots.HOTSPOT_LABELS.values())


def test_stacked_point_is_analytical_hot_spot_but_not_permutation_one() -> None:
    """One extreme cell among ordinary ones: z is high, the conditional permutation p is not."""
    cells = _disk(CENTRE, 3)
    y = np.tile([1, 2, 3], cells.size)[: cells.size]
    y[cells == h3.str_to_int(CENTRE)] = 200
    res = hotspots.gi_star(pd.DataFrame({"h3": cells, "count": y}), permutations=999, seed=1,
                           fill_empty=False)
    centre = int(np.flatnonzero(res.cells == h3.str_to_int(CENTRE))[0])
    assert res.z[centre] == pytest.approx(2.074, abs=1e-3) and res.p_sim[centre] == 1.0
    assert hotspots.classify_hotspots(res).loc[centre, "key"] == "hot_95"
    assert hotspots.classify_hotspots(res, use_permutation=True).loc[centre, "key"] == (
        "not_significant")


def test_classify_thresholds() -> None:
    """Bins at p < 0.10 / 0.05 / 0.01 with the sign of z; p = 0.10 is not significant."""
    z = np.array([3.0, 2.2, 1.7, 0.1, -1.7, -2.2, -3.0, 2.0])
    p = np.array([0.001, 0.03, 0.08, 0.9, 0.08, 0.03, 0.001, 0.10])
    res = hotspots.GiStarResult(cells=np.arange(8, dtype=np.uint64), counts=np.zeros(8),
                                observed=np.ones(8, bool), gi=z, z=z, p_norm=p, p_sim=None,
                                k=1, permutations=0)
    out = hotspots.classify_hotspots(res)
    assert out["bin"].tolist() == [3, 2, 1, 0, -1, -2, -3, 0]
    assert out["label"].tolist()[:7] == ["caliente 99 %", "caliente 95 %", "caliente 90 %",
                                         "no significativo", "frío 90 %", "frío 95 %",
                                         "frío 99 %"]


def test_fdr_adjust_against_statsmodels(rng: np.random.Generator) -> None:
    """BH adjustment equals statsmodels, is monotone, keeps NaN."""
    multipletests = pytest.importorskip("statsmodels.stats.multitest").multipletests
    p = np.concatenate([rng.uniform(0, 0.01, 20), rng.uniform(0, 1, 200)])
    q = hotspots.fdr_adjust(p)
    np.testing.assert_allclose(q, multipletests(p, method="fdr_bh")[1], atol=1e-12)
    order = np.argsort(p)
    assert np.all(np.diff(q[order]) >= 0)
    assert np.all(q >= p) and np.all(q <= 1)
    with_nan = hotspots.fdr_adjust(np.array([0.01, np.nan, 0.04]))
    assert np.isnan(with_nan[1])
    np.testing.assert_allclose(with_nan[[0, 2]], [0.02, 0.04])


def test_invalid_counts_collect_every_problem() -> None:
    """Bad counts raise one Spanish error listing every problem."""
    bad = pd.DataFrame({"h3": [1, 1, 2], "count": [1, -1, 3]})
    with pytest.raises(IncidentSchemaError) as err:
        hotspots.gi_star(bad)
    assert "negativos" in str(err.value) and "repetidas" in str(err.value)
    with pytest.raises(IncidentSchemaError, match="Faltan columnas: count"):
        hotspots.local_moran(pd.DataFrame({"h3": [1]}))
    with pytest.raises(InsufficientHistoryError, match="mismo conteo"):
        hotspots.gi_star(pd.DataFrame({"h3": _disk(CENTRE, 1), "count": 3}),
                         fill_empty=False)
    with pytest.raises(AnalyticsError, match="permutations"):
        hotspots.gi_star(_flower_counts(), permutations=-1)


def test_local_moran_clusters_on_flower() -> None:
    """The hot centre of the flower is alto-alto."""
    res = hotspots.local_moran(_flower_counts(), permutations=0)
    out = hotspots.classify_clusters(res, alpha=0.10)
    centre = out.loc[out["h3"] == h3.str_to_int(CENTRE)].iloc[0]
    assert centre["key"] == "high_high" and centre["label"] == "alto-alto"
    assert set(out["key"]) <= set(hotspots.CLUSTER_LABELS)
    assert (out.loc[out["key"] == "not_significant", "label"] == "no significativo").all()


# --------------------------------------------------------------------------
# Mann–Kendall
# --------------------------------------------------------------------------

_MK_SERIES = {
    "ties_up": [1, 2, 2, 3, 3, 3, 4, 5, 5, 6, 4, 7],
    "ties_down": [9, 9, 8, 8, 8, 7, 9, 5, 5, 4, 4, 4, 3],
    "no_trend": [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5],
    "constant": [2, 2, 2, 2, 2, 2],
    "floats": [0.5, -1.2, 0.3, 2.2, 1.9, 2.5, 3.1, 2.8, 4.0, 3.3],
}


@pytest.mark.parametrize("name", list(_MK_SERIES), ids=list(_MK_SERIES))
def test_mann_kendall_equals_pymannkendall(name: str) -> None:
    """S, var(S) with ties, Z, p, tau and trend equal pymannkendall."""
    pmk = pytest.importorskip("pymannkendall")
    x = np.asarray(_MK_SERIES[name], dtype=float)
    ref = pmk.original_test(x, alpha=0.05)
    got = hotspots.mann_kendall(x, alpha=0.05)
    assert got.s[0] == ref.s
    assert got.var_s[0] == pytest.approx(ref.var_s)
    assert got.z[0] == pytest.approx(ref.z)
    assert got.p[0] == pytest.approx(ref.p)
    assert got.tau[0] == pytest.approx(ref.Tau)
    expected = {"increasing": 1, "decreasing": -1, "no trend": 0}[ref.trend]
    assert got.trend[0] == expected


def test_mann_kendall_rows_are_independent() -> None:
    """A matrix gives the same answer as one row at a time."""
    rows = [_MK_SERIES["ties_up"][:10], _MK_SERIES["floats"], [1, 1, 1, 2, 2, 2, 1, 1, 1, 2]]
    both = hotspots.mann_kendall(np.array(rows, dtype=float))
    for r, x in enumerate(rows):
        one = hotspots.mann_kendall(np.array(x, dtype=float))
        assert (both.s[r], both.var_s[r]) == (one.s[0], one.var_s[0])


# --------------------------------------------------------------------------
# emerging hot spots
# --------------------------------------------------------------------------

def _series_from_pattern(pattern: str, shape: str) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(len(pattern))
    mag = {"flat": np.where(t % 2 == 0, 3.0, 3.5), "up": 2.0 + 0.2 * t,
           "down": 6.0 - 0.2 * t}[shape]
    z = np.full(t.size, 0.3)
    p = np.full(t.size, 0.5)
    hot = np.array([c == "H" for c in pattern])
    cold = np.array([c == "C" for c in pattern])
    z[hot] = mag[hot]
    # for cold bins "up" means z rises towards 0, "down" that it falls
    cold_mag = {"flat": mag, "up": 6.0 - 0.2 * t, "down": 2.0 + 0.2 * t}[shape]
    z[cold] = -cold_mag[cold]
    p[hot | cold] = 0.001
    return z, p


def test_emerging_categories_on_constructed_series() -> None:
    """Each row of emerging_series.csv: H hot bin, C cold bin, . not significant."""
    cases = pd.read_csv(DATA / "emerging_series.csv")
    zs, ps = zip(*(_series_from_pattern(r.pattern, r.z_shape) for r in cases.itertuples()),
                  strict=True)
    keys = hotspots.classify_emerging(np.vstack(zs), np.vstack(ps), alpha=0.05)
    assert dict(zip(cases["case"], keys, strict=True)) == dict(
        zip(cases["case"], cases["expected"], strict=True))
    assert set(cases["expected"]) <= set(hotspots.EMERGING_LABELS)


def test_emerging_labels_are_spanish() -> None:
    """The 17 categories carry Spanish labels."""
    assert hotspots.EMERGING_LABELS["new_hot"] == "punto caliente nuevo"
    assert hotspots.EMERGING_LABELS["intensifying_cold"] == "punto frío intensificándose"
    assert hotspots.EMERGING_LABELS["no_pattern"] == "sin patrón"
    assert len(hotspots.EMERGING_LABELS) == 17


def _cube(t: int = 16) -> pd.DataFrame:
    """One incident per cell and week (no variation, z = 0), then a burst at the centre."""
    cells = _disk(CENTRE, 4)
    periods = pd.date_range("2025-01-06", periods=t, freq="W-MON")
    y = np.ones((cells.size, t), dtype=int)
    y[cells == h3.str_to_int(CENTRE), -1] = 25
    i, j = np.nonzero(y)
    return pd.DataFrame({"h3": cells[i], "period": periods[j], "count": y[i, j]})


def test_emerging_new_hot_spot_end_to_end() -> None:
    """A burst at the centre in the last week only makes a new hot spot."""
    cube = _cube()
    res = hotspots.emerging_hotspots(cube, period="W", k=1, fill_empty=False)
    frame = res.to_frame().set_index("h3")
    centre = frame.loc[h3.str_to_int(CENTRE)]
    assert centre["key"] == "new_hot" and centre["label"] == "punto caliente nuevo"
    far = [h3.str_to_int(c) for c in h3.grid_ring(CENTRE, 4)]
    assert (frame.loc[far, "key"] == "no_pattern").all()
    assert np.all(res.z[:, :-1] == 0)  # slices without variation
    assert res.z.shape == (res.cells.size, 16)
    assert res.counts.sum() == cube["count"].sum()
    long = res.cube_frame()
    assert len(long) == res.cells.size * 16 and long["count"].sum() == cube["count"].sum()
    # each slice's z equals a single-slice Gi* on the same region
    last = pd.DataFrame({"h3": res.cells, "count": res.counts[:, -1]})
    single = hotspots.gi_star(last, permutations=0, fill_empty=False)
    np.testing.assert_allclose(res.z[:, -1], single.z, atol=1e-12)


def test_emerging_window_is_a_rolling_sum() -> None:
    """window=2: each slice's Gi* is the Gi* of that slice plus the two before it."""
    cube = _cube()
    cube.loc[cube.index[::7], "count"] += 3  # some variation in every week
    res = hotspots.emerging_hotspots(cube, period="W", fill_empty=False, window=2)
    plain = hotspots.emerging_hotspots(cube, period="W", fill_empty=False)
    for t in (0, 1, 9, 15):
        rolled = plain.counts[:, max(0, t - 2): t + 1].sum(axis=1)
        single = hotspots.gi_star(pd.DataFrame({"h3": plain.cells, "count": rolled}),
                                  permutations=0, fill_empty=False)
        np.testing.assert_allclose(res.z[:, t], single.z, atol=1e-12)
    np.testing.assert_array_equal(res.counts, plain.counts)
    with pytest.raises(IncidentSchemaError, match="window"):
        hotspots.emerging_hotspots(cube, window=-1)


def test_emerging_fills_the_halo() -> None:
    """With the zero halo the interior is mildly hot every week (centre z = 1.92)."""
    res = hotspots.emerging_hotspots(_cube(), period="W", k=1)
    assert res.cells.size == 91 and res.observed.sum() == 61  # disk 5 around disk 4
    centre = np.flatnonzero(res.cells == h3.str_to_int(CENTRE))[0]
    assert res.z[centre, 0] == pytest.approx(1.9206, abs=1e-4)
    assert res.key[centre] == "new_hot"  # p = 0.055 before the burst: not significant
    loose = hotspots.emerging_hotspots(_cube(), period="W", k=1, alpha=0.10)
    assert loose.key[centre] == "persistent_hot"  # hot every week, no significant trend


def test_emerging_from_incidents_and_history_check(tiny_incidents: pd.DataFrame) -> None:
    """Incidents become a weekly/monthly cube; too few weeks is refused."""
    cube = hotspots.incidents_to_cube(tiny_incidents, resolution=9, period="W")
    assert cube["count"].sum() == len(tiny_incidents)
    assert (cube["period"].dt.day_of_week == 0).all()
    with pytest.raises(InsufficientHistoryError, match="al menos 10 semanas"):
        hotspots.emerging_hotspots(tiny_incidents, resolution=9, period="W")
    monthly = hotspots.incidents_to_cube(tiny_incidents, resolution=9, period="M")
    assert (monthly["period"].dt.day == 1).all()


# --------------------------------------------------------------------------
# near repeat
# --------------------------------------------------------------------------

def _offset(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    r = 6_371_008.8
    return (lat + np.rad2deg(north_m / r), lon + np.rad2deg(east_m / (r * np.cos(np.deg2rad(lat)))))


def test_near_repeat_three_incidents_by_hand() -> None:
    """Three incidents: one close pair in space and time, two far pairs."""
    a = (-12.0680, -77.0180)
    b = _offset(*a, 50, 0)          # 50 m east of A, 2 days later
    c = _offset(*a, 0, 1000)        # 1 km north, 40 days after A
    df = pd.DataFrame({
        "lat": [a[0], b[0], c[0]], "lon": [a[1], b[1], c[1]],
        "occurred_at": pd.to_datetime(["2025-03-01 23:00", "2025-03-03 01:00",
                                       "2025-04-10 12:00"]),
    })
    res = hotspots.near_repeat(df, permutations=999, seed=1)
    expected = np.zeros((5, 5), dtype=int)
    expected[0, 0] = 1               # A–B: 0–100 m, 2 calendar days
    expected[4, 4] = 2               # A–C, B–C: beyond 400 m and 28 days
    np.testing.assert_array_equal(res.observed, expected)
    # the A–B gap under shuffled dates is 2, 38 or 40 days with probability 1/3 each
    assert res.expected[0, 0] == pytest.approx(1 / 3, abs=0.05)
    assert res.expected[0, 4] == pytest.approx(2 / 3, abs=0.05)
    assert res.expected.sum() == pytest.approx(3)
    with pytest.raises(IncidentSchemaError, match="Demasiados pares"):
        hotspots.near_repeat(df, max_pairs=0)
    frame = res.to_frame()
    assert frame["distance"].unique().tolist() == ["0–100 m", "100–200 m", "200–300 m",
                                                   "300–400 m", "más de 400 m"]
    assert frame["time"].unique().tolist() == ["0–7 días", "8–14 días", "15–21 días",
                                               "22–28 días", "más de 28 días"]


def test_near_repeat_observed_equals_brute_force(rng: np.random.Generator) -> None:
    """The k-d tree table equals an all-pairs haversine count."""
    n = 300
    lat = -12.07 + rng.normal(0, 0.004, n)
    lon = -77.02 + rng.normal(0, 0.004, n)
    day = rng.integers(0, 60, n)
    df = pd.DataFrame({"lat": lat, "lon": lon,
                       "occurred_at": pd.Timestamp("2025-01-01") + pd.to_timedelta(day, "D")})
    res = hotspots.near_repeat(df, distance_bands_m=(0, 150, 300), time_bands_days=(0, 3, 10),
                               permutations=9, seed=0)
    i, j = np.triu_indices(n, 1)
    p1, p2 = np.deg2rad(lat[i]), np.deg2rad(lat[j])
    hav = (np.sin((p2 - p1) / 2) ** 2
           + np.cos(p1) * np.cos(p2) * np.sin(np.deg2rad(lon[j] - lon[i]) / 2) ** 2)
    dist = 2 * 6_371_008.8 * np.arcsin(np.sqrt(hav))
    gap = np.abs(day[i] - day[j])
    d_band = np.digitize(dist, [150, 300], right=True)
    t_band = np.digitize(gap, [3, 10], right=True)
    brute = np.zeros((3, 3), dtype=int)
    np.add.at(brute, (d_band, t_band), 1)
    np.testing.assert_array_equal(res.observed, brute)


def test_near_repeat_detects_repeats_and_is_seeded(rng: np.random.Generator) -> None:
    """Planted repeats (40 m, < 5 days) give a Knox ratio > 2."""
    n, k = 1500, 150
    lat = -12.07 + rng.normal(0, 0.01, n)
    lon = -77.02 + rng.normal(0, 0.01, n)
    day = rng.integers(0, 365, n)
    src = rng.integers(0, n, k)
    near = np.array([_offset(lat[s], lon[s], *rng.uniform(-40, 40, 2)) for s in src])
    df = pd.DataFrame({
        "lat": np.r_[lat, near[:, 0]], "lon": np.r_[lon, near[:, 1]],
        "occurred_at": pd.Timestamp("2025-01-01")
        + pd.to_timedelta(np.r_[day, day[src] + rng.integers(0, 5, k)], "D"),
    })
    res = hotspots.near_repeat(df, permutations=99, seed=5)
    again = hotspots.near_repeat(df, permutations=99, seed=5)
    np.testing.assert_array_equal(res.p_value, again.p_value)
    assert res.ratio[0, 0] > 2 and res.p_value[0, 0] == pytest.approx(0.01)
    table = res.ratio_table()
    assert table.index.name == "distancia" and table.loc["0–100 m", "0–7 días"] > 2


def test_near_repeat_validation() -> None:
    """Missing columns, bad bands and permutations are reported together."""
    df = pd.DataFrame({"lat": [1.0, np.nan], "occurred_at": ["2025-01-01", "2025-01-02"]})
    with pytest.raises(IncidentSchemaError, match="Faltan columnas: lon") as err:
        hotspots.near_repeat(df, distance_bands_m=(50, 10), permutations=0)
    assert "distancia" in str(err.value) and "permutations" in str(err.value)


# --------------------------------------------------------------------------
# real data (skipped without ../shared/data)
# --------------------------------------------------------------------------

@pytest.mark.realdata
def test_philadelphia_gi_star_equals_esda(philadelphia_path: Path) -> None:
    """On real data (June 2025, res 8) Gi* z equals esda."""
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    df = pd.read_parquet(philadelphia_path, columns=["ts_local", "lat", "lon", "crime_type"],
                         filters=[("ts_local", ">=", pd.Timestamp("2025-06-01")),
                                  ("ts_local", "<", pd.Timestamp("2025-07-01"))])
    df = df.dropna(subset=["lat", "lon"]).rename(columns={"ts_local": "occurred_at"})
    counts = hexbin.counts_by_cell(df, resolution=8)
    res = hotspots.gi_star(counts, permutations=99, seed=1)
    w = libpysal.weights.WSP(hotspots.cells_to_weights(res.cells)).to_W(silence_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.G_Local(res.counts, w, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(res.z, ref.Zs, atol=1e-6)
    # 99 permutations cannot reach p < 0.01 (two-sided minimum 0.02); analytical p can
    assert (hotspots.classify_hotspots(res, use_permutation=True)["key"] == "hot_95").any()
    assert (hotspots.classify_hotspots(res)["key"] == "hot_99").any()
    assert stats.spearmanr(res.z[res.observed], res.counts[res.observed]).statistic > 0


# ---------------------------------------------------------------- map tables
def test_map_tables_lay_results_out_per_cell() -> None:
    from analytics.hotspots import maps

    centre = h3.latlng_to_cell(-12.07, -77.02, 9)
    cells = [centre] + [c for c in h3.grid_disk(centre, 3) if c != centre]
    counts = pd.DataFrame({"h3": [h3.str_to_int(c) for c in cells],
                           "count": [20 if i == 0 else 1 for i in range(len(cells))]})
    names = {cells[0]: "LA VICTORIA"}
    gi = maps.gi_star_map(counts, k=1, districts=names)
    assert list(gi.columns) == ["h3", "h3_id", "lat", "lon", "district", "count", "observed",
                                "z", "p", "key"]
    assert gi["count"].sum() == counts["count"].sum()
    top = gi.set_index("h3_id").loc[centre]
    assert top["z"] == pytest.approx(gi["z"].max()) and top["district"] == "LA VICTORIA"
    assert set(gi.loc[gi["h3_id"] != cells[0], "district"]) == {""}
    lisa = maps.local_moran_map(counts, k=1, permutations=99, seed=1)
    assert len(lisa) == len(gi) and {"local_i", "key"} <= set(lisa.columns)


@pytest.mark.parametrize(("period", "start", "end", "expected"), [
    ("W", date(2025, 3, 5), date(2025, 3, 30), (date(2025, 3, 10), date(2025, 3, 30), 3, False)),
    ("W", date(2025, 3, 5), date(2025, 3, 30),
     (date(2025, 1, 6), date(2025, 3, 30), 12, True)),
    ("M", date(2024, 1, 15), date(2025, 3, 31), (date(2024, 2, 1), date(2025, 3, 31), 14, False)),
    ("M", date(2025, 1, 1), date(2025, 3, 15),
     (date(2024, 3, 1), date(2025, 2, 28), 12, True)),
], ids=["weeks", "weeks_widened", "months", "months_widened"])
def test_slice_window(period: str, start: date, end: date, expected: tuple) -> None:
    from analytics.hotspots import maps

    widen = expected[3]
    assert maps.slice_window(start, end, period, widen=widen) == expected  # type: ignore[arg-type]
