"""analytics.explore on hand-checkable stores: filters, KPIs, cells, patterns, quality."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import explore, hexbin, settings, store
from analytics._errors import IncidentSchemaError, InsufficientHistoryError
from analytics.query import IncidentQuery, shift_hours
from tests._store_factory import make_store, synthetic_incidents

Q = IncidentQuery.build


def _store_from(frame: pd.DataFrame, path: Path):
    df = frame.copy()
    for col, default in (("district", None), ("ubigeo", None), ("source", "t"), ("import_id", 1)):
        if col not in df.columns:
            df[col] = default
    df["h3_r12"] = hexbin.points_to_cells(df["lat"].to_numpy(), df["lon"].to_numpy())
    con = store.connect(path)
    cols = [c for c, _ in settings.INCIDENT_COLUMNS]
    con.register("src", df[cols])
    con.execute(f"INSERT INTO incidents BY NAME SELECT {', '.join(cols)} FROM src")
    con.unregister("src")
    return con


@pytest.fixture
def tiny_con(tiny_incidents: pd.DataFrame, tmp_path: Path):
    df = tiny_incidents.assign(district=["LA VICTORIA"] * 3 + ["LINCE"] * 2 + ["LA VICTORIA"])
    con = _store_from(df, tmp_path / "tiny.duckdb")
    yield con
    con.close()


@pytest.fixture(scope="module")
def synth_con(tmp_path_factory: pytest.TempPathFactory):
    path = make_store(tmp_path_factory.mktemp("synth") / "s.duckdb")
    con = store.connect(path, read_only=True)
    yield con
    con.close()


# ---------------------------------------------------------------- filters
def test_shift_hours_wrap_midnight() -> None:
    assert shift_hours(["noche"]) == [0, 1, 2, 3, 4, 5, 22, 23]
    assert shift_hours(["mañana", "tarde"]) == list(range(6, 22))
    with pytest.raises(IncidentSchemaError, match="Turnos desconocidos"):
        shift_hours(["siesta"])


def test_filter_sql_is_parameterised() -> None:
    evil = "robo'); DROP TABLE incidents; --"
    sql, params = Q(start=date(2025, 3, 3), end=date(2025, 3, 4), types=[evil],
                    districts=["LIMA"], weekdays=[0, 6], shifts=["noche"]).sql()
    assert evil not in sql and "LIMA" not in sql
    assert evil in params and "LIMA" in params
    assert sql.count("?") == len(params)
    assert Q().sql() == ("TRUE", [])


def test_filter_sql_end_date_is_inclusive(tiny_con) -> None:
    # 2025-03-04 23:59 belongs to the 4th
    k = explore.kpis(tiny_con, Q(start=date(2025, 3, 4), end=date(2025, 3, 4)))
    assert k.total == 1


@pytest.mark.parametrize(("filters", "expected"), [
    ({}, 6),
    ({"groups": ("vida_cuerpo_salud",)}, 1),
    ({"types": ("hurto", "robo")}, 4),
    ({"shifts": ("noche",)}, 2),          # 02:10 and 23:59
    ({"shifts": ("mañana",)}, 3),         # 07:30, 06:00, 13:59
    ({"weekdays": (0,)}, 3),              # Monday 3 March
    ({"districts": ("LINCE",)}, 2),
    ({"shifts": ("tarde",), "weekdays": (0,)}, 1),
], ids=["all", "group", "types", "night", "morning", "monday", "district", "combined"])
def test_filters_count(tiny_con, filters: dict, expected: int) -> None:
    assert explore.hour_weekday_matrix(tiny_con, Q(**filters))["n"].sum() == expected


def test_unknown_filter_is_refused(tiny_con) -> None:
    with pytest.raises(IncidentSchemaError, match="Filtros desconocidos"):
        explore.kpis(tiny_con, Q(colour="red"))


# ---------------------------------------------------------------- KPIs
def test_kpis_against_previous_equal_period(tiny_con) -> None:
    k = explore.kpis(tiny_con, Q(start=date(2025, 3, 5), end=date(2025, 3, 5)))
    assert (k.prev_start, k.prev_end) == (date(2025, 3, 4), date(2025, 3, 4))
    assert (k.total, k.previous) == (2, 1)
    assert k.change_pct == pytest.approx(100.0)
    g = k.by_group.set_index("crime_group")
    assert g.loc["patrimonio", "n"] == 1 and g.loc["patrimonio", "previous"] == 1
    assert g.loc["vida_cuerpo_salud", "change_pct"] is None or pd.isna(
        g.loc["vida_cuerpo_salud", "change_pct"])
    assert g["n"].sum() == k.total and g["previous"].sum() == k.previous


def test_kpis_two_day_period(tiny_con) -> None:
    k = explore.kpis(tiny_con, Q(start=date(2025, 3, 4), end=date(2025, 3, 5)))
    assert (k.prev_start, k.prev_end) == (date(2025, 3, 2), date(2025, 3, 3))
    assert (k.total, k.previous) == (3, 3)
    assert k.change_pct == 0.0


# ---------------------------------------------------------------- cells
def test_cell_counts_tooltips_by_hand(tiny_con) -> None:
    cells = explore.cell_counts(tiny_con, Q(resolution=9))
    assert cells["n"].sum() == 6
    assert list(cells["n"]) == [4, 2]
    big = cells.iloc[0]
    # robo ×2, hurto ×2 in the La Victoria cell; ties broken alphabetically
    assert big["top_types"] == "hurto (2), robo (2)"
    assert big["district"] == "LA VICTORIA"
    small = cells.iloc[1]
    assert small["top_types"] == "extorsión (1), lesiones (1)"
    assert small["peak_hour"] == 6  # 23 and 6 tie: the earlier hour wins
    assert big["rate_km2"] == pytest.approx(4 / hexbin.cell_area_km2(9))
    assert (hexbin.cells_resolution(cells["h3"].to_numpy()) == 9).all()


@pytest.mark.parametrize("res", [7, 8, 9, 10])
def test_cell_counts_are_hierarchical(synth_con, res: int) -> None:
    fine = explore.cell_counts(synth_con, Q(resolution=res + 1))
    coarse = explore.cell_counts(synth_con, Q(resolution=res))
    parents = hexbin.cells_to_parent(fine["h3"].to_numpy(), resolution=res)
    summed = fine.assign(p=parents).groupby("p")["n"].sum()
    got = coarse.set_index("h3")["n"]
    assert summed.sort_index().to_dict() == got.sort_index().to_dict()
    assert coarse["n"].sum() == 600


@pytest.mark.parametrize(("period", "filters"), [
    ("W", {}),
    ("M", {}),
    ("W", {"groups": ["patrimonio"], "districts": ["LIMA", "LINCE"]}),
    ("M", {"start": date(2025, 2, 10), "end": date(2025, 5, 20), "shifts": ["noche"]}),
], ids=["week-all", "month-all", "week-group-districts", "month-dates-shift"])
def test_counts_by_cell_period_match_pandas(synth_con, period: str, filters: dict) -> None:
    got = explore.counts_by_cell_period(synth_con, Q(resolution=8, **filters), period=period)
    inc = store.load_incidents(synth_con, columns=["occurred_at", "h3_r12", "crime_group",
                                                   "district"])
    ts = pd.to_datetime(inc["occurred_at"])
    keep = inc["h3_r12"].notna()
    if "groups" in filters:
        keep &= inc["crime_group"].isin(filters["groups"])
    if "districts" in filters:
        keep &= inc["district"].isin(filters["districts"])
    if "start" in filters:
        keep &= (ts >= pd.Timestamp(filters["start"])) & (
            ts < pd.Timestamp(filters["end"]) + pd.Timedelta(days=1))
    if "shifts" in filters:  # noche: 22:00-06:00
        keep &= (ts.dt.hour >= 22) | (ts.dt.hour < 6)
    sel = inc.loc[keep]
    want = pd.DataFrame({
        "h3": hexbin.cells_to_parent(sel["h3_r12"].to_numpy(dtype="uint64"), resolution=8),
        "period": pd.to_datetime(sel["occurred_at"]).dt.to_period(period).dt.start_time,
    }).groupby(["h3", "period"]).size().rename("count").reset_index()
    assert list(got.columns) == ["h3", "period", "count"]
    assert got["h3"].dtype == np.uint64 and got["count"].dtype == np.int64
    assert (got["count"] > 0).all()
    assert got["count"].sum() == len(sel) > 0
    if period == "W":
        assert (got["period"].dt.day_of_week == 0).all()
    else:
        assert (got["period"].dt.day == 1).all()
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True),
        want.astype({"h3": "uint64", "count": "int64"}).sort_values(["h3", "period"])
        .reset_index(drop=True), check_dtype=False)


def test_counts_by_cell_period_by_hand(tiny_con) -> None:
    got = explore.counts_by_cell_period(tiny_con, Q(resolution=7, groups=["patrimonio"]),
                                        period="W")
    # five patrimonio incidents, 3-5 March 2025 (week of Monday 3 March), in two places
    assert sorted(got["count"]) == [1, 4]
    assert set(got["period"]) == {pd.Timestamp("2025-03-03")}
    with pytest.raises(IncidentSchemaError, match="Período desconocido"):
        explore.counts_by_cell_period(tiny_con, Q(), period="D")  # type: ignore[arg-type]


def test_top_cells_and_frames(synth_con) -> None:
    top = explore.top_cells(synth_con, Q(resolution=8), n=3)
    assert len(top) == 3 and top["n"].is_monotonic_decreasing
    assert top["share_pct"].sum() <= 100
    hours = explore.cell_frames(synth_con, Q(resolution=8), step="hour")
    weeks = explore.cell_frames(synth_con, Q(resolution=8), step="week")
    assert hours["n"].sum() == weeks["n"].sum() == 600
    assert set(hours["frame"]) <= set(range(24))
    labels = explore.frame_labels("week", weeks["frame"].unique())
    assert all((b - a).days == 7 for a, b in zip(labels, labels[1:], strict=False))
    assert set(pd.to_datetime(weeks["frame"])) <= set(labels)
    assert explore.frame_labels("hour", []) == list(range(24))
    with pytest.raises(IncidentSchemaError):
        explore.cell_frames(synth_con, Q(), step="month")


def test_cell_profile_matches_cell_count(synth_con) -> None:
    cells = explore.cell_counts(synth_con, Q(resolution=9, shifts=("tarde",)))
    cell = cells.iloc[0]
    prof = explore.cell_profile(synth_con, Q(resolution=9, shifts=("tarde",)), cell["h3_id"])
    assert prof.total == cell["n"] == prof.hours.sum() == prof.weekdays.sum()
    assert prof.weekly.sum() == cell["n"]
    assert prof.hours[[h for h in range(24) if not 14 <= h < 22]].sum() == 0
    assert len(prof.hours) == 24 and len(prof.weekdays) == 7
    with pytest.raises(IncidentSchemaError, match="resolución"):
        explore.cell_profile(synth_con, Q(resolution=8), cell["h3_id"])
    with pytest.raises(IncidentSchemaError, match="no válido"):
        explore.cell_profile(synth_con, Q(resolution=9), "zzz")


def test_points_never_sensitive(synth_con) -> None:
    pts = explore.incident_points(synth_con, Q(groups=("violencia_familiar", "patrimonio")),
                                  limit=10_000)
    assert len(pts) > 0
    assert not set(pts["crime_type"]) & set(settings.SENSITIVE_TYPES)
    only_sensitive = explore.incident_points(synth_con, Q(groups=("violencia_familiar",)))
    assert only_sensitive.empty


# ---------------------------------------------------------------- time patterns
def test_series_are_complete(synth_con) -> None:
    d = explore.daily_series(synth_con, Q(start=date(2025, 6, 1), end=date(2025, 6, 30),
                                        districts=("LINCE",)))
    assert len(d) == 30 and d.index[0] == pd.Timestamp("2025-06-01")
    w = explore.weekly_series(synth_con, Q(start=date(2025, 6, 1), end=date(2025, 6, 30)))
    assert (w.index.day_of_week == 0).all()
    assert w.index[0] == pd.Timestamp("2025-05-26")
    assert w.sum() == explore.kpis(synth_con,
                                Q(start=date(2025, 6, 1), end=date(2025, 6, 30))).total
    m = explore.hour_weekday_matrix(synth_con, Q())
    assert len(m) == 168 and m["n"].sum() == 600


def test_moving_average_and_stl() -> None:
    idx = pd.date_range("2025-01-06", periods=56, freq="D")
    weekly = np.tile([10, 12, 11, 13, 20, 25, 15], 8).astype(float)
    trend = np.linspace(0, 7, 56)
    s = pd.Series(weekly + trend, index=idx)
    out = explore.stl_decompose(s, period=7)
    assert np.allclose(out["trend"] + out["seasonal"] + out["resid"], out["observed"])
    assert out["seasonal"].iloc[5] > out["seasonal"].iloc[0]  # Saturdays peak
    assert explore.moving_average(pd.Series([1.0, 3.0, 5.0, 7.0]), window=2).tolist() == \
        [1.0, 2.0, 4.0, 6.0]
    with pytest.raises(InsufficientHistoryError):
        explore.stl_decompose(s.iloc[:10], period=7)


def test_type_mix_groups_the_tail(synth_con) -> None:
    mix = explore.type_mix(synth_con, Q(), by="type", top=2)
    assert set(mix["category"]) == {"robo agravado", "hurto", "otros"}
    assert mix["n"].sum() == 600
    by_group = explore.type_mix(synth_con, Q(), by="group")
    assert set(by_group["category"]) <= set(settings.CRIME_GROUPS)


def test_calendar_marks_peru() -> None:
    marks = explore.calendar_marks(date(2025, 7, 1), date(2025, 7, 31))
    feriados = set(marks.loc[marks["kind"] == "feriado", "date"].dt.day)
    assert {28, 29} <= feriados  # Fiestas Patrias
    pagos = list(marks.loc[marks["kind"] == "pago", "date"].dt.day)
    assert pagos == [15, 31]
    feb = explore.calendar_marks(date(2024, 2, 1), date(2024, 2, 29))
    assert list(feb.loc[feb["kind"] == "pago", "date"].dt.day) == [15, 29]


# ---------------------------------------------------------------- freshness, quality
def test_freshness_options_and_quality(synth_con) -> None:
    fr = explore.data_freshness(synth_con)
    assert fr.n == 600 and fr.imports == 1 and fr.last_import_file == "prueba.csv"
    assert fr.first <= fr.last
    start, end = explore.default_period(synth_con)
    assert end == fr.last.date() and (end - start).days == 89
    opts = explore.filter_options(synth_con)
    assert opts["districts"] == ["LA VICTORIA", "LIMA", "LINCE", "MIRAFLORES"]
    assert opts["types"][0] in {"robo agravado", "hurto"}
    kinds = {w["kind"]: w for w in explore.quality_warnings(synth_con)}
    assert kinds["quarantined"]["count"] == 3
    assert kinds["stacked"]["count"] == 25
    assert "no_district" not in kinds


def test_dataset_version_changes_with_content(tmp_path: Path) -> None:
    con = _store_from(synthetic_incidents(20, seed=1), tmp_path / "v.duckdb")
    v1 = explore.dataset_version(con)
    con.execute("DELETE FROM incidents WHERE incident_id = 's00000'")
    assert explore.dataset_version(con) != v1
    con.close()


def test_zone_counts_by_district_and_by_polygon(tiny_con) -> None:
    import geopandas as gpd
    from shapely.geometry import box

    from analytics import zones as zn

    by_district = explore.zone_counts(tiny_con, Q())
    assert by_district.to_dict("list") == {"zone": ["LA VICTORIA", "LINCE"], "n": [4, 2]}
    assert by_district.attrs["outside"] == 0
    layer = zn.zone_layer_from_frame(gpd.GeoDataFrame(
        {"sector": ["Norte", "Vacía"]},
        geometry=[box(-77.02, -12.07, -77.01, -12.06), box(-76.9, -12.0, -76.8, -11.9)],
        crs="EPSG:4326"))
    by_polygon = explore.zone_counts(tiny_con, Q(), zones=layer)
    assert by_polygon.to_dict("list") == {"zone": ["Norte"], "n": [4]}
    assert by_polygon.attrs["outside"] == 2
    only = explore.zone_counts(tiny_con, Q(groups=["patrimonio"]), zones=layer)
    assert only["n"].tolist() == [4] and only.attrs["outside"] == 1
