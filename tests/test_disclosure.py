"""Tests for analytics.disclosure: suppression rules, the public release, the proof.

The proof: no two nested public views can be subtracted to get a count below k, on a
demo store and on a sample of Philadelphia.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest

from analytics import disclosure as D, hexbin, reports, settings
from analytics._errors import IncidentSchemaError
from analytics.disclosure import suppression as S

DATA = Path(__file__).resolve().parent / "data" / "reports"
K = settings.PUBLIC_MIN_COUNT

# Resolution-8 cells A, B, C share the resolution-6 parent P6; D lies in another.
P6 = "868e62c0fffffff"
_CHILDREN = sorted(h3.cell_to_children(P6, 8))
CELLS = {"A": _CHILDREN[0], "B": _CHILDREN[1], "C": _CHILDREN[2],
         "D": sorted(h3.cell_to_children("868e62cefffffff", 8))[0], "P6": P6}


def _incidents(rows: list[tuple[str, str, str, str, int]], district: str | None = None
               ) -> pd.DataFrame:
    """Incidents from (cell label, date, crime_type, crime_group, n) rows."""
    recs = []
    for label, day, ctype, group, n in rows:
        r12 = h3.str_to_int(h3.cell_to_center_child(CELLS[label], 12))
        recs += [(pd.Timestamp(day), ctype, group, r12)] * n
    df = pd.DataFrame(recs, columns=["occurred_at", "crime_type", "crime_group", "h3_r12"])
    df["h3_r12"] = df["h3_r12"].astype("uint64")
    df["incident_id"] = [f"i{i}" for i in range(len(df))]
    if district is not None:
        df["district"] = district
    return df


def _random_incidents(rng: np.random.Generator, n: int = 4000) -> pd.DataFrame:
    types = list(settings.CRIME_TYPE_GROUP)
    ctype = rng.choice(types, n)
    lat = -12.07 + rng.normal(0, 0.012, n)
    return pd.DataFrame({
        "incident_id": [f"r{i}" for i in range(n)],
        "occurred_at": pd.Timestamp("2024-01-01")
        + pd.to_timedelta(rng.integers(0, 400 * 24, n), unit="h"),
        "lat": lat,
        "lon": -77.02 + rng.normal(0, 0.012, n),
        "crime_type": ctype,
        "crime_group": [settings.CRIME_TYPE_GROUP[t] for t in ctype],
        "district": np.where(lat < -12.075, "LA VICTORIA",
                             np.where(rng.random(n) < 0.3, "LINCE", "BREÑA")),
    })


# --------------------------------------------------------------------------- #
# public_counts (the single-table function, moved here from reports)
# --------------------------------------------------------------------------- #
@pytest.fixture
def public_case() -> pd.DataFrame:
    return _incidents([
        ("A", "2025-03-02", "robo", "patrimonio", 7),
        ("B", "2025-03-03", "hurto", "patrimonio", 3),        # primary suppression
        ("C", "2025-03-04", "hurto", "patrimonio", 6),        # secondary suppression
        ("A", "2025-03-05", "lesiones", "vida_cuerpo_salud", 6),
        ("B", "2025-03-05", "lesiones", "vida_cuerpo_salud", 12),
        ("C", "2025-03-05", "lesiones", "vida_cuerpo_salud", 20),
        ("A", "2025-03-06", "feminicidio", "vida_cuerpo_salud", 1),
        ("A", "2025-03-07", "violencia familiar", "violencia_familiar", 6),
        ("B", "2025-03-07", "violencia familiar", "violencia_familiar", 6),
        ("A", "2025-04-01", "robo", "patrimonio", 9),
        ("B", "2025-04-01", "robo", "patrimonio", 5),
        ("D", "2025-04-01", "robo", "patrimonio", 4),
        ("D", "2025-04-09", "violencia familiar", "violencia_familiar", 7),
    ])


def test_public_counts_hand_checked(public_case: pd.DataFrame) -> None:
    got = D.public_counts(public_case)
    exp = pd.read_csv(DATA / "public_counts_expected.csv", dtype={"period": str})
    exp["h3"] = exp.pop("cell").map(CELLS)
    exp = exp[["h3", "period", "crime_group", "count"]].sort_values(
        ["period", "crime_group", "h3"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, exp, check_dtype=False)
    assert list(got.columns) == ["h3", "period", "crime_group", "count"]
    assert reports.public_counts is D.public_counts  # the old name keeps working


def test_public_counts_refuses_fine_resolution(public_case: pd.DataFrame) -> None:
    with pytest.raises(IncidentSchemaError, match="resolución pública"):
        D.public_counts(public_case, resolution=9)


def test_public_counts_collects_problems(public_case: pd.DataFrame) -> None:
    with pytest.raises(IncidentSchemaError, match="(?s)Periodo desconocido.*k debe"):
        D.public_counts(public_case, period="W", k=1)


@pytest.mark.parametrize("period", ["M", "Q", "Y"], ids=["mes", "trimestre", "año"])
@pytest.mark.parametrize("k", [3, 5, 11], ids=["k3", "k5", "k11"])
def test_public_counts_invariants(rng: np.random.Generator, period: str, k: int) -> None:
    inc = _random_incidents(rng)
    out = D.public_counts(inc, k=k, period=period)
    assert len(out) > 0 and (out["count"] >= k).all()
    res = out["h3"].map(h3.get_resolution)
    assert (res <= settings.PUBLIC_MAX_RESOLUTION).all()
    sensitive = out["crime_group"].isin(settings.SENSITIVE_GROUPS)
    assert (res[sensitive] <= settings.PUBLIC_MAX_RESOLUTION - 2).all()
    assert (out.loc[sensitive, "count"] >= 2 * k).all()
    lab = reports.times_to_periods(inc["occurred_at"], period=period)
    true_tot = inc.assign(period=lab.to_numpy()).groupby(["period", "crime_group"]).size()
    hidden = true_tot.sub(out.groupby(["period", "crime_group"])["count"].sum(), fill_value=0)
    nothing = hidden == true_tot.reindex(hidden.index)
    assert ((hidden == 0) | (hidden >= k) | nothing).all() and (hidden >= 0).all()


# --------------------------------------------------------------------------- #
# Suppression machinery
# --------------------------------------------------------------------------- #
def test_bridges_hand_checked() -> None:
    # Two triangles 0-1-2 and 3-4-5 joined by the edge 2-3; a pendant edge 5-6.
    edges = [(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 5), (5, 3), (5, 6)]
    assert S._bridges(7, edges) == {3, 7}
    assert S._bridges(3, [(0, 1), (1, 2), (2, 0)]) == set()


def _determined(frame: pd.DataFrame, sup: np.ndarray, row: str, col: str) -> list[int]:
    """Suppressed rows whose value the row and column totals determine exactly.

    Independent of the module's graph audit: linear algebra on the unknowns
    (a row is determined iff its unit vector lies in the row space of the
    margin constraints).
    """
    idx = np.flatnonzero(sup)
    if not len(idx):
        return []
    keys = [(row, v) for v in frame[row].iloc[idx].unique()] + \
           [(col, v) for v in frame[col].iloc[idx].unique()]
    a = np.zeros((len(keys), len(idx)))
    pos = {key: i for i, key in enumerate(keys)}
    for j, i in enumerate(idx):
        a[pos[(row, frame[row].iloc[i])], j] = 1
        a[pos[(col, frame[col].iloc[i])], j] = 1
    rank = np.linalg.matrix_rank(a)
    out = []
    for j, i in enumerate(idx):
        e = np.zeros((1, len(idx)))
        e[0, j] = 1
        if np.linalg.matrix_rank(np.vstack([a, e])) == rank:
            out.append(int(i))
    return out


def _table(cells: dict[tuple[str, str], int]) -> pd.DataFrame:
    df = pd.DataFrame([(d, g, n) for (d, g), n in cells.items()],
                      columns=["district", "crime_group", "count"])
    df.insert(0, "period", "2025-T1")
    df["threshold"] = np.where(df["crime_group"].isin(settings.SENSITIVE_GROUPS), 2 * K, K)
    return df


def test_district_table_hand_checked() -> None:
    """Two margins and the ≥ 2 rule: a small table hides almost everything."""
    frame = _table({("LA VICTORIA", "patrimonio"): 40, ("LA VICTORIA", "vida_cuerpo_salud"): 7,
                    ("LA VICTORIA", "violencia_familiar"): 3, ("LINCE", "patrimonio"): 12,
                    ("LINCE", "violencia_familiar"): 12,
                    ("SURQUILLO", "violencia_familiar"): 15})
    sup = S._two_way_suppression(frame, period="period", row="district", col="crime_group")
    # La Victoria VF 3 < 10: suppressed; with it lesiones 7 (district block) and Lince VF
    # 12 (group block); vida_cuerpo_salud is La Victoria's alone (the group total reveals
    # 7, so La Victoria's total would give VF 3): the path through both patrimonio rows
    # is suppressed too. Only Surquillo's 15 is left.
    assert frame.loc[~sup, ["district", "count"]].values.tolist() == [["SURQUILLO", 15]]
    assert not [i for i in _determined(frame, sup, "district", "crime_group")
                if frame["count"].iloc[i] < frame["threshold"].iloc[i]]


def test_audit_closes_a_bridge_the_block_rule_misses() -> None:
    """Two suppressed cycles joined by one small cell: the audit closes the bridge.

    Every block looks safe, yet the margins give that cell exactly. The audit
    suppresses a published cell to close a cycle through it.
    """
    g = ["patrimonio", "faltas", "libertad", "seguridad_publica"]
    counts = {("D1", g[0]): 3, ("D1", g[1]): 3, ("D1", g[2]): 2, ("D1", g[3]): 50,
              ("D2", g[0]): 3, ("D2", g[1]): 3, ("D2", g[2]): 50, ("D2", g[3]): 50,
              ("D3", g[0]): 50, ("D3", g[1]): 50, ("D3", g[2]): 3, ("D3", g[3]): 3,
              ("D4", g[0]): 50, ("D4", g[1]): 50, ("D4", g[2]): 3, ("D4", g[3]): 3}
    frame = _table(counts)
    blocks_only = frame["count"].to_numpy() < frame["threshold"].to_numpy()
    blocks = [list(frame.groupby(["period", c]).indices.values())
              for c in ("district", "crime_group")]
    assert not S._block_pass(frame["count"].to_numpy(), frame["threshold"].to_numpy(),
                             blocks_only, blocks)  # the block rule is content...
    solved = _determined(frame, blocks_only, "district", "crime_group")
    assert [frame.iloc[i][["district", "count"]].tolist() for i in solved] == [["D1", 2]]
    sup = S._two_way_suppression(frame, period="period", row="district", col="crime_group")
    assert sup.sum() == blocks_only.sum() + 1  # ...the audit adds one cell of 50
    assert not _determined(frame, sup, "district", "crime_group")


def test_incidents_without_location_hide_their_block() -> None:
    """Incidents without a location count as a hidden cell of their district row.

    Lince: 10 in A, 9 in C and 2 without a location; the district row (21) is
    public, so publishing A and C would reveal the 2: C goes with them (2 + 9).
    """
    inc = _incidents([("A", "2025-02-01", "robo", "patrimonio", 10),
                      ("B", "2025-02-01", "robo", "patrimonio", 2),
                      ("C", "2025-02-01", "hurto", "patrimonio", 9)], district="LINCE")
    other = _incidents([("C", "2025-02-01", "robo", "patrimonio", 30)], district="LIMA")
    inc = pd.concat([inc, other], ignore_index=True)
    inc["h3_r12"] = inc["h3_r12"].astype(object)
    inc.loc[inc.index[10:12], "h3_r12"] = None
    rel = D.incidents_to_release(inc, coverage=("2025-01-01", "2025-04-01"))
    assert rel.districts[["district", "count"]].values.tolist() == [["LIMA", 30], ["LINCE", 21]]
    cells = rel.cells.set_index(["district", "h3"])["count"].to_dict()
    assert cells == {("LIMA", CELLS["C"]): 30, ("LINCE", CELLS["A"]): 10}
    assert rel.sizes.set_index("table").loc["cells", "rows"] == 4


def test_release_refuses_bad_options(public_case: pd.DataFrame) -> None:
    with pytest.raises(IncidentSchemaError, match="(?s)Periodo base.*resolución pública.*k debe"):
        D.incidents_to_release(public_case.assign(district="X"), period="Y", resolution=9, k=1)
    with pytest.raises(IncidentSchemaError, match="Faltan columnas: district"):
        D.incidents_to_release(public_case)


# --------------------------------------------------------------------------- #
# The release: invariants on random data
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def random_release() -> tuple[pd.DataFrame, D.PublicRelease]:
    inc = _random_incidents(np.random.default_rng(20261122), n=6000)
    inc.loc[inc.index[:40], ["lat", "lon"]] = np.nan  # no location: no cell, still counted
    return inc, D.incidents_to_release(inc)


def _truth(inc: pd.DataFrame, rel: D.PublicRelease) -> pd.DataFrame:
    df = inc.assign(period=reports.times_to_periods(inc["occurred_at"], period=rel.period),
                    district=inc["district"].map(reports.district_key))
    return df.loc[df["period"].isin(rel.periods)]


def test_release_publishes_true_counts_at_least_k(
        random_release: tuple[pd.DataFrame, D.PublicRelease]) -> None:
    inc, rel = random_release
    assert rel.periods == ("2024-T1", "2024-T2", "2024-T3", "2024-T4")  # 2025-T1 partial
    truth = _truth(inc, rel)
    true_d = truth.groupby(["period", "district", "crime_group"]).size()
    pub = rel.districts.set_index(["period", "district", "crime_group"])["count"]
    pd.testing.assert_series_equal(pub, true_d.reindex(pub.index), check_names=False,
                                   check_dtype=False)
    sens = rel.districts["crime_group"].isin(settings.SENSITIVE_GROUPS)
    assert (rel.districts["count"] >= np.where(sens, 2 * K, K)).all()
    # Margins: a known total minus the published rows is 0 or at least the threshold.
    for keys in (["period", "district"], ["period", "crime_group"]):
        hidden = truth.groupby(keys).size().sub(rel.districts.groupby(keys)["count"].sum(),
                                                fill_value=0)
        assert ((hidden == 0) | (hidden >= K)).all(), hidden[(hidden > 0) & (hidden < K)]
    frame = true_d.rename("count").reset_index()
    frame["threshold"] = np.where(frame["crime_group"].isin(settings.SENSITIVE_GROUPS),
                                  2 * K, K)
    sup = ~frame.set_index(["period", "district", "crime_group"]).index.isin(pub.index)
    for _, part in frame.assign(sup=sup).groupby("period"):
        small = [i for i in _determined(part.reset_index(drop=True),
                                        part["sup"].to_numpy(), "district", "crime_group")
                 if part["count"].iloc[i] < part["threshold"].iloc[i]]
        assert not small


def test_release_cells(random_release: tuple[pd.DataFrame, D.PublicRelease]) -> None:
    inc, rel = random_release
    cells = rel.cells
    assert list(cells.columns) == list(D.CELL_COLUMNS) and len(cells)
    sens_group = cells["crime_group"].isin(settings.SENSITIVE_GROUPS)
    assert set(cells["resolution"]) == {8, 6}
    assert (cells.loc[sens_group, "resolution"] == 6).all()
    assert (cells["count"] >= np.where(cells["resolution"] == 6, 2 * K, K)).all()
    assert (cells["h3"].map(h3.get_resolution) == cells["resolution"]).all()
    # True counts: fine cells never hold a sensitive type (feminicidio stays coarse).
    truth = _truth(inc, rel).dropna(subset=["lat"])
    sensitive = truth["crime_group"].isin(settings.SENSITIVE_GROUPS) | truth[
        "crime_type"].isin(settings.SENSITIVE_TYPES)
    fine = hexbin.incidents_to_cells(truth.loc[~sensitive], resolution=8, column="c")
    fine["h3"] = hexbin.cells_to_strings(fine["c"].to_numpy())
    true_fine = fine.groupby(["period", "district", "crime_group", "h3"]).size()
    got = cells.loc[cells["resolution"] == 8].set_index(
        ["period", "district", "crime_group", "h3"])["count"]
    assert (true_fine.reindex(got.index) == got).all()
    # Only inside published district rows; their total minus published cells is 0 or >= k
    # (incidents without a location count as hidden).
    key = ["period", "district", "crime_group"]
    d = rel.districts.set_index(key)["count"]
    c = cells.groupby(key)["count"].sum()
    assert c.index.isin(d.index).all()
    hidden = d.sub(c, fill_value=0)
    assert ((hidden == 0) | (hidden >= K)).all()
    assert rel.sizes.set_index("table").loc["cells", "incidents"] == len(_truth(inc, rel).dropna(
        subset=["district"]))


def test_release_table_for_export(random_release: tuple[pd.DataFrame, D.PublicRelease]) -> None:
    _, rel = random_release
    out = D.release_table(rel)
    assert list(out.columns) == list(D.EXPORT_COLUMNS)
    assert set(out["table"]) == {"distrito", "celda"}
    assert (out["count"] >= K).all()
    assert out.loc[out["table"] == "distrito", "resolution"].isna().all()
    assert len(out) == len(rel.districts) + len(rel.cells)


def test_only_whole_periods_and_their_sums(
        random_release: tuple[pd.DataFrame, D.PublicRelease]) -> None:
    _, rel = random_release
    opts = D.period_options(rel)
    assert opts["Q"] == [("2024-T4", True), ("2024-T3", True), ("2024-T2", True),
                         ("2024-T1", True)]
    assert opts["Y"] == [("2024", True)] and "M" not in opts
    assert D.label_members(rel, "2024-05") == ()  # a month of a quarterly release: nothing
    assert D.span_members(rel, None, None) == rel.periods
    last = D.label_bounds("2024-T4")[1]
    assert D.span_members(rel, last, last) == ()  # the last day alone: nothing
    year = D.district_counts(rel, periods=D.label_members(rel, "2024"))
    quarters = pd.concat([D.district_counts(rel, periods=[q]) for q in rel.periods])
    assert year["count"].sum() == quarters["count"].sum() == rel.districts["count"].sum()
    k = D.period_kpis(rel, start=pd.Timestamp("2024-04-01").date(),
                      end=pd.Timestamp("2024-06-30").date())
    assert k.periods == ("2024-T2",) and k.previous_periods == ("2024-T1",)
    assert k.total == rel.districts.loc[rel.districts["period"] == "2024-T2", "count"].sum()
    assert k.previous == rel.districts.loc[rel.districts["period"] == "2024-T1", "count"].sum()
    assert D.period_kpis(rel, start=D.label_bounds("2024")[0],
                         end=D.label_bounds("2024")[1]).previous is None


def test_monthly_release_offers_months(random_release: tuple[pd.DataFrame, D.PublicRelease]
                                       ) -> None:
    inc, _ = random_release
    rel = D.incidents_to_release(inc, period="M")
    assert rel.periods[0] == "2024-01" and rel.periods[-1] == "2025-01"
    opts = D.period_options(rel)
    assert set(opts) == {"M", "Q", "Y"} and ("2025-T1", False) in opts["Q"]
    assert D.label_members(rel, "2024-T2") == ("2024-04", "2024-05", "2024-06")


def test_cell_views_roll_up(random_release: tuple[pd.DataFrame, D.PublicRelease]) -> None:
    _, rel = random_release
    periods = rel.periods
    fine = D.cell_counts(rel, periods=periods, resolution=8)
    coarse = D.cell_counts(rel, periods=periods, resolution=7)
    assert fine["count"].sum() == coarse["count"].sum() == rel.cells.loc[
        rel.cells["resolution"] == 8, "count"].sum()
    r6 = D.cell_counts(rel, periods=periods, resolution=6)
    assert r6["count"].sum() == rel.cells["count"].sum()  # plus the sensitive layer
    assert not fine["crime_group"].isin(settings.SENSITIVE_GROUPS).any()
    m = D.cell_map(rel, periods=periods, resolution=7)
    assert m["n"].sum() == coarse["count"].sum() and m["n"].is_monotonic_decreasing
    with pytest.raises(IncidentSchemaError, match="resolución pública"):
        D.cell_counts(rel, periods=periods, resolution=9)


# --------------------------------------------------------------------------- #
# The proof: no two nested public views differ by less than k
# --------------------------------------------------------------------------- #
def _options(universe: list[str], focus: list[str]) -> list[tuple[str, frozenset[str]]]:
    """All, each of ``focus`` alone, and all but each of ``focus`` (complements)."""
    opts = [("todos", frozenset(universe))]
    for x in focus:
        opts += [(f"solo {x}", frozenset({x})), (f"todos menos {x}", frozenset(universe) - {x})]
    return opts


def _pairs(opts: list[tuple[str, frozenset[str]]]) -> list[tuple[int, int]]:
    return [(i, j) for i, (_, a) in enumerate(opts) for j, (_, b) in enumerate(opts) if a >= b]


def _period_sets(rel: D.PublicRelease) -> list[tuple[str, frozenset[str]]]:
    """Every period a public view can show (member sets of base periods).

    Each label, each "previous period" of a label (a year's comparison may be a
    part of the year before), and hostile day ranges.
    """
    out: dict[frozenset[str], str] = {}
    for labels in D.period_options(rel).values():
        for lab, _ in labels:
            out.setdefault(frozenset(D.label_members(rel, lab)), lab)
            prev = D.label_previous(rel, lab)
            if prev:
                out.setdefault(frozenset(prev), f"anterior a {lab}")
    last = D.label_bounds(rel.periods[-1])[1]
    for name, (s, e) in {"último día": (last, last),
                         "último mes": (last.replace(day=1), last),
                         "todo": (None, None)}.items():
        out.setdefault(frozenset(D.span_members(rel, s, e)), name)
    return [(name, members) for members, name in out.items()]


def _check(name: str, values: np.ndarray, names: list[str], keys: list[object],
           pairs: list[tuple[int, int]], k: int) -> int:
    """Check one quantity; return the number of differences checked.

    ``values`` is views × keys. Every value is 0 or >= k, and for every pair
    (A, B) of views with A ⊇ B, A - B is 0 or >= k for every key.
    """
    bad = (values != 0) & (values < k)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        pytest.fail(f"{name} {keys[j]}: {names[i]} publica {values[i, j]} < {k}")
    arr = np.array(pairs, dtype=np.int64)
    for chunk in np.array_split(arr, max(1, len(arr) * values.shape[1] // 2_000_000)):
        diff = values[chunk[:, 0]] - values[chunk[:, 1]]
        wrong = (diff != 0) & (diff < k)
        if wrong.any():
            i, j = np.argwhere(wrong)[0]
            a, b = chunk[i]
            pytest.fail(f"{name} {keys[j]}: {names[a]} − {names[b]} = {diff[i, j]}")
    return len(arr) * values.shape[1]


def _dense(series: list[pd.Series]) -> tuple[np.ndarray, list[object]]:
    keys = sorted(set().union(*(s.index for s in series)), key=str)
    pos = {key: i for i, key in enumerate(keys)}
    out = np.zeros((len(series), len(keys)), dtype=np.int64)
    for i, s in enumerate(series):
        if len(s):
            out[i, [pos[key] for key in s.index]] = s.to_numpy(dtype=np.int64)
    return out, keys


def assert_no_small_difference(rel: D.PublicRelease, *, districts: list[str],
                               map_districts: list[str], map_groups: list[str]) -> dict[str, int]:
    """Enumerate public views and check every nested pair; return the pairs checked.

    Views, all through the functions the pages use: Inicio (total and by group:
    ``district_counts``, as ``period_kpis``), Reportes (rows by district and group, totals
    by district, the "Celdas" rows) and Mapa (cells per resolution 6-8: ``cell_counts``
    summed per cell, as ``cell_map``).
    Filters: every published period and comparison period, hostile day ranges, groups
    and districts (all, one, all but one), resolutions. Also across pages: Inicio's total
    minus the map's cells for the same filters.
    """
    k = rel.k
    periods = _period_sets(rel)
    groups = _options(list(rel.groups), list(rel.groups))
    dists = _options(list(rel.district_names), districts)
    checked: dict[str, int] = {}

    def sel(opt: tuple[str, frozenset[str]], universe: tuple[str, ...]) -> tuple[str, ...]:
        return () if opt[1] == frozenset(universe) else tuple(sorted(opt[1]))

    # Inicio and Reportes: sums of the district table.
    views = list(itertools.product(range(len(periods)), range(len(groups)), range(len(dists))))
    names = [f"{periods[p][0]} / {groups[g][0]} / {dists[d][0]}" for p, g, d in views]
    totals, by_group, rows, by_district = [], [], [], []
    for p, g, d in views:
        dc = D.district_counts(rel, periods=sorted(periods[p][1]),
                               groups=sel(groups[g], rel.groups),
                               districts=sel(dists[d], rel.district_names))
        totals.append(pd.Series({"total": int(dc["count"].sum())}))
        by_group.append(dc.groupby("crime_group")["count"].sum())
        rows.append(dc.set_index(["district", "crime_group"])["count"])
        by_district.append(dc.groupby("district")["count"].sum())
    index = {v: i for i, v in enumerate(views)}
    pairs = [(index[(pa, ga, da)], index[(pb, gb, db)])
             for pa, pb in _pairs(periods) for ga, gb in _pairs(groups)
             for da, db in _pairs(dists)]
    for label, series in (("Inicio: total", totals), ("Inicio: por grupo", by_group),
                          ("Reportes: filas", rows), ("Reportes: por distrito", by_district)):
        dense, keys = _dense(series)
        checked[label] = _check(label, dense, names, keys, pairs, k)
    # Inicio's comparison uses the same sums: check period_kpis against them.
    for lab, members in periods:
        if lab in {x for labels in D.period_options(rel).values() for x, _ in labels}:
            kp = D.period_kpis(rel, start=D.label_bounds(lab)[0], end=D.label_bounds(lab)[1])
            assert kp.total == totals[index[(periods.index((lab, members)), 0, 0)]]["total"]

    # Reportes "Celdas": rows by district, group and cell.
    cviews = list(itertools.product(range(len(periods)), range(len(dists))))
    cnames = [f"{periods[p][0]} / {dists[d][0]}" for p, d in cviews]
    cseries = [D.cell_rows(rel, periods=sorted(periods[p][1]),
                           districts=sel(dists[d], rel.district_names)).set_index(
        ["district", "crime_group", "h3"])["count"] for p, d in cviews]
    cindex = {v: i for i, v in enumerate(cviews)}
    cpairs = [(cindex[(pa, da)], cindex[(pb, db)]) for pa, pb in _pairs(periods)
              for da, db in _pairs(dists)]
    dense, keys = _dense(cseries)
    checked["Reportes: celdas"] = _check("Reportes: celdas", dense, cnames, keys, cpairs, k)

    # Mapa: cells at 6, 7, 8, with roll-ups from finer to coarser views.
    mgroups = _options(list(rel.groups), map_groups)
    mdists = _options(list(rel.district_names), map_districts)
    labels = [(lab, m) for lab, m in periods if not lab.startswith(("anterior", "último"))]
    resolutions = (6, 7, 8)
    mviews = list(itertools.product(range(len(labels)), range(len(mgroups)), range(len(mdists))))
    maps: dict[int, list[pd.Series]] = {r: [] for r in resolutions}
    for r in resolutions:
        for p, g, d in mviews:
            m = D.cell_counts(rel, periods=sorted(labels[p][1]),
                              groups=sel(mgroups[g], rel.groups),
                              districts=sel(mdists[d], rel.district_names), resolution=r)
            maps[r].append(m.groupby("h3")["count"].sum())
        # What the page draws (cell_map) is that sum, cell by cell.
        whole = D.cell_map(rel, periods=sorted(labels[0][1]), resolution=r)
        assert whole.set_index("h3_id")["n"].sort_index().to_dict() == maps[r][0].to_dict()
    mnames = [f"{labels[p][0]} / {mgroups[g][0]} / {dists_name}"
              for p, g, d in mviews for dists_name in [mdists[d][0]]]
    # Across pages: Inicio's total minus the map's cells, same filters, is 0 or >= k too
    # (each published district row hides 0 or >= k of its cells).
    for i, (p, g, d) in enumerate(mviews):
        total = D.district_counts(rel, periods=sorted(labels[p][1]),
                                  groups=sel(mgroups[g], rel.groups),
                                  districts=sel(mdists[d], rel.district_names))["count"].sum()
        for r in resolutions:
            gap = int(total) - int(maps[r][i].sum())
            assert gap == 0 or gap >= k, (f"Inicio − Mapa r{r}", mnames[i], gap)
    mindex = {v: i for i, v in enumerate(mviews)}
    mpairs = [(mindex[(pa, ga, da)], mindex[(pb, gb, db)])
              for pa, pb in _pairs(labels) for ga, gb in _pairs(mgroups)
              for da, db in _pairs(mdists)]
    dense = {r: _dense(maps[r]) for r in resolutions}
    n_map = 0
    for ra, rb in ((6, 6), (7, 7), (8, 8), (6, 7), (6, 8), (7, 8)):
        va, ka = dense[ra]
        vb, kb = dense[rb]
        pos = {key: i for i, key in enumerate(ka)}
        parent = np.array([pos[h3.cell_to_parent(str(c), ra)] for c in kb], dtype=np.int64)
        # Sum of B's children under each of A's cells, and each child alone.
        agg = np.zeros((vb.shape[0], va.shape[1]), dtype=np.int64)
        np.add.at(agg.T, parent, vb.T)
        arr = np.array(mpairs, dtype=np.int64)
        for chunk in np.array_split(arr, max(1, len(arr) // 2000)):
            for name, diff in (("suma de hijas", va[chunk[:, 0]] - agg[chunk[:, 1]]),
                               ("una hija", va[chunk[:, 0]][:, parent] - vb[chunk[:, 1]])):
                wrong = (diff != 0) & (diff < k)
                if wrong.any():
                    i, j = np.argwhere(wrong)[0]
                    a, b = chunk[i]
                    pytest.fail(f"Mapa r{ra} ⊇ r{rb} ({name}): {mnames[a]} − {mnames[b]} = "
                                f"{diff[i, j]}")
            n_map += len(chunk) * (va.shape[1] + len(parent))
        assert ((va == 0) | (va >= k)).all()
    checked["Mapa"] = n_map
    return checked


@pytest.fixture(scope="module")
def demo_release(tmp_path_factory: pytest.TempPathFactory) -> D.PublicRelease:
    """A seeded half-volume demo store (Lima and Trujillo, two years), through the ingest."""
    from analytics import demo, store

    db = tmp_path_factory.mktemp("demo") / "vigia.duckdb"
    demo.load_demo(db=db, seed=11, scale=0.5)
    con = store.connect(db, read_only=True)
    try:
        return D.release_from_store(con)
    finally:
        con.close()


def test_no_public_view_differs_from_a_nested_one_by_less_than_k(
        demo_release: D.PublicRelease) -> None:
    rel = demo_release
    sizes = rel.sizes.set_index("table")
    assert (sizes["primary"] > 0).all() and (sizes["secondary"] > 0).all()  # exercised
    counts = rel.districts.groupby("district")["count"].sum().sort_values()
    focus = [counts.index[-1], counts.index[len(counts) // 2], counts.index[0]]
    checked = assert_no_small_difference(rel, districts=focus, map_districts=focus[:1],
                                         map_groups=["patrimonio", "violencia_familiar"])
    assert min(checked.values()) > 1000, checked


@pytest.mark.realdata
def test_philadelphia_release_has_no_small_difference(philadelphia_path: Path,
                                                      tmp_path: Path) -> None:
    """Real data: a 10 % sample of Philadelphia 2024, quarterly and monthly releases.

    Police districts are the districts, the ingest groups the crime types.
    """
    import pyarrow.parquet as pq

    from analytics import ingest, store

    table = pq.read_table(philadelphia_path, columns=["incident_id", "ts_local", "lat", "lon",
                                                      "crime_type", "police_district"],
                          filters=[("ts_local", ">=", pd.Timestamp("2024-01-01")),
                                   ("ts_local", "<", pd.Timestamp("2025-01-01"))])
    sample = table.to_pandas().sample(frac=0.1, random_state=1)
    src = tmp_path / "phl.parquet"
    sample.to_parquet(src)
    db = tmp_path / "phl.duckdb"
    ingest.ingest_files(src, db=db, tz="America/New_York")
    con = store.connect(db, read_only=True)
    try:
        rel_q = D.release_from_store(con)
        rel_m = D.release_from_store(con, period="M")
    finally:
        con.close()
    assert rel_q.periods == ("2024-T1", "2024-T2", "2024-T3", "2024-T4")
    assert len(rel_q.district_names) >= 20
    for rel in (rel_q, rel_m):
        sizes = rel.sizes.set_index("table")
        assert (sizes["secondary"] > 0).all()
        counts = rel.districts.groupby("district")["count"].sum().sort_values()
        focus = [counts.index[-1], counts.index[0]]
        assert_no_small_difference(rel, districts=focus, map_districts=focus[:1],
                                   map_groups=["patrimonio"])
