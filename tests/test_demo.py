"""Seeded demo data: determinism, realism invariants, committed sample, demo load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import demo, hexbin, settings
from analytics._errors import IncidentSchemaError

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample" / "incidents_sample.csv"


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """The default demo table (two years, Lima and Trujillo)."""
    return demo.generate_incidents()


@pytest.fixture(scope="module")
def clean(raw: pd.DataFrame) -> pd.DataFrame:
    """Rows without deliberate problems, with parsed time, for the realism checks."""
    when = pd.to_datetime(raw["fecha_hecho"] + " " + raw["hora_hecho"],
                          format="%d/%m/%Y %H:%M", errors="coerce")
    ok = when.notna() & raw["latitud"].notna() & (raw["latitud"] != 0) & (raw["latitud"] < -5)
    out = raw[ok].drop_duplicates().assign(occurred_at=when[ok])
    out["city"] = np.where(out["ubigeo"].str.startswith("13"), "trujillo", "lima")
    out["crime_type"] = out["delito"].str.lower()
    return out


@pytest.fixture(scope="module")
def districts():
    from analytics.geo import read_boundaries

    return read_boundaries()


def small(**kw):
    args = {"start": "2025-03-01", "end": "2025-04-01", "scale": 0.5} | kw
    return demo.generate_incidents(**args)


def test_same_seed_same_table_and_other_seed_differs() -> None:
    a, b, c = small(seed=1), small(seed=1), small(seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) != len(c) or not a.equals(c)
    assert list(a.columns) == list(demo.RAW_COLUMNS)


def test_volume_and_date_range(raw: pd.DataFrame, clean: pd.DataFrame) -> None:
    assert 30_000 <= len(raw) <= 45_000
    assert clean["occurred_at"].min() >= pd.Timestamp("2024-11-01")
    assert clean["occurred_at"].max() < pd.Timestamp("2026-11-01")
    # Two full years: every month has incidents in both cities.
    months = clean.groupby("city")["occurred_at"].apply(lambda s: s.dt.to_period("M").nunique())
    assert months.to_dict() == {"lima": 24, "trujillo": 24}
    assert raw["id_denuncia"].str.fullmatch(r"(LIM|TRU)-20\d\d-\d{6}").all()


def test_every_type_has_a_group(raw: pd.DataFrame) -> None:
    types = set(raw["delito"].str.lower())
    assert types <= set(settings.CRIME_TYPE_GROUP)
    groups = {settings.CRIME_TYPE_GROUP[t] for t in types}
    assert groups == set(settings.CRIME_GROUPS) - {"otro"}
    assert {"homicidio", "sicariato", "extorsión", "violencia familiar"} <= types


def test_points_inside_study_area_except_deliberate_bad_rows(raw, districts) -> None:
    import shapely

    lat = raw["latitud"].to_numpy()
    lon = raw["longitud"].to_numpy()
    has = ~np.isnan(lat)
    area = shapely.union_all(districts.geometry.to_numpy())
    inside = np.zeros(len(raw), dtype=bool)
    inside[has] = shapely.contains_xy(area, lon[has], lat[has])
    zero = has & (lat == 0) & (lon == 0)
    swapped = np.zeros(len(raw), dtype=bool)
    swapped[has] = shapely.contains_xy(area, lat[has], lon[has])
    assert (inside | zero | swapped | ~has).all()
    assert zero.sum() >= 1 and swapped.sum() >= 1
    # the deliberate defects, besides the rows exported without a point (SIN COORDENADA)
    lost = (raw["estado_coord"] == "SIN COORDENADA").to_numpy()
    assert ((lost & has) <= zero).all()  # a lost point may still be zeroed by a defect
    assert 0.003 <= (~has & ~lost).mean() <= 0.008
    assert 0.10 <= lost.mean() <= 0.30


def test_data_problems_present(raw: pd.DataFrame) -> None:
    n = len(raw)
    assert raw.duplicated().sum() == max(1, round(0.0004 * (n - raw.duplicated().sum())))
    bad_when = pd.to_datetime(raw["fecha_hecho"] + " " + raw["hora_hecho"],
                              format="%d/%m/%Y %H:%M", errors="coerce").isna()
    assert 1 <= bad_when.sum() <= 30
    # Personal-data columns carry only obvious placeholders.
    assert set(raw["dni_denunciante"]) == {"00000000"}
    assert set(raw["nombre_denunciante"]) == {"ANÓNIMO"}


def test_la_victoria_is_the_densest_lima_district(clean: pd.DataFrame, districts) -> None:
    lima = clean[clean["city"] == "lima"]
    counts = lima["distrito"].value_counts()
    area = districts.set_index("district").to_crs(32718).area / 1e6
    density = (counts / area[counts.index]).sort_values(ascending=False)
    assert counts.index[0] == "LA VICTORIA"
    assert density.index[0] == "LA VICTORIA"


def test_hour_and_weekday_profiles_differ_by_type(clean: pd.DataFrame) -> None:
    hour = clean["occurred_at"].dt.hour
    wd = clean["occurred_at"].dt.day_of_week
    night = (hour >= 20) | (hour < 4)
    market = hour.between(10, 12) | hour.between(17, 19)
    by = clean["crime_type"]
    assert night[by == "violencia familiar"].mean() > night[by == "hurto"].mean() + 0.2
    assert market[by == "hurto"].mean() > market[by == "violencia familiar"].mean() + 0.2
    assert night[by == "robo agravado"].mean() > night[by == "extorsión"].mean() + 0.2
    weekend = wd >= 5
    assert weekend[by == "violencia familiar"].mean() > weekend[by == "extorsión"].mean() + 0.1
    sunday = (wd == 6)[by == "hurto"].mean()
    saturday = (wd == 5)[by == "hurto"].mean()
    assert saturday > 1.5 * sunday


def test_hotspot_concentration(clean: pd.DataFrame) -> None:
    cells = hexbin.points_to_cells(clean["latitud"], clean["longitud"], resolution=9)
    counts = np.sort(np.unique(cells, return_counts=True)[1])[::-1]
    top = counts[: max(1, int(np.ceil(0.05 * counts.size)))]
    assert top.sum() / counts.sum() > 0.4


def test_trends_paydays_and_near_repeats(clean: pd.DataFrame) -> None:
    t = clean["occurred_at"]
    ext = clean[(clean["city"] == "trujillo") & (clean["crime_type"] == "extorsión")]
    first = (ext["occurred_at"] < pd.Timestamp("2025-11-01")).sum()
    assert len(ext) - first > 1.3 * first
    pat = clean["crime_type"].isin(["hurto", "robo", "robo agravado"])
    payday = (t.dt.day == 15) | (t.dt.day == t.dt.days_in_month)
    per_day = pat.groupby([t.dt.date, payday]).sum().groupby(level=1).mean()
    assert per_day[True] > 1.15 * per_day[False]
    # More hurto near the markets before Christmas and Fiestas Patrias.
    lv = clean[(clean["crime_type"] == "hurto") & (clean["distrito"] == "LA VICTORIA")]
    per_month = lv["occurred_at"].dt.month.value_counts()
    assert min(per_month[12], per_month[7]) > 1.2 * per_month.drop([12, 7]).mean()
    # Robberies cluster in space-time beyond what their places and times explain (Knox).
    from scipy.spatial import cKDTree

    rob = clean[(clean["crime_type"] == "robo agravado") & (clean["city"] == "lima")]
    xy = np.c_[rob["latitud"] * 110_570, rob["longitud"] * 108_700]
    pairs = cKDTree(xy).query_pairs(200, output_type="ndarray")
    days = (rob["occurred_at"] - pd.Timestamp("2024-11-01")).dt.days.to_numpy()
    close = np.abs(days[pairs[:, 0]] - days[pairs[:, 1]]) <= 14
    rng = np.random.default_rng(5)
    shuffled = rng.permutation(days)
    close_null = np.abs(shuffled[pairs[:, 0]] - shuffled[pairs[:, 1]]) <= 14
    assert close.sum() > 1.3 * close_null.sum()


def test_comisaria_stacking(raw: pd.DataFrame) -> None:
    for city, part in demo.incidents_by_city(raw).items():
        xy = part.dropna(subset=["latitud"]).groupby(["latitud", "longitud"]).size()
        assert xy.max() >= max(settings.STACKED_MIN_COUNT,
                               settings.STACKED_MIN_SHARE * len(part)), city
    vf = raw[raw["delito"] == "VIOLENCIA FAMILIAR"]
    hurto = raw[raw["delito"] == "HURTO"]
    share = (lambda d: d.duplicated(["latitud", "longitud"], keep=False).mean())  # noqa: E731
    assert share(vf) > share(hurto) + 0.1


def test_invalid_arguments_reported_together() -> None:
    with pytest.raises(IncidentSchemaError, match="fin.*ciudades.*escala"):
        demo.generate_incidents(start="2025-02-01", end="2025-01-01", cities=("cusco",),
                                scale=0)


def test_committed_sample_equals_generator() -> None:
    assert SAMPLE.is_file(), "falta data/sample/incidents_sample.csv"
    got = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    want = demo.generate_incidents(**demo.SAMPLE_PARAMS)
    assert len(got) == len(want) <= 600
    assert list(got.columns) == list(demo.RAW_COLUMNS)
    for col in demo.RAW_COLUMNS:
        if col in ("latitud", "longitud"):
            g = pd.to_numeric(got[col].replace("", np.nan)).to_numpy(dtype=float)
            np.testing.assert_allclose(g, want[col].to_numpy(dtype=float), atol=1e-9)
        else:
            assert (got[col] == want[col].astype(str)).all(), col


def test_load_demo_through_the_normal_ingest(tmp_path: Path, capsys) -> None:
    from analytics import store
    from analytics.cli import main

    db = tmp_path / "demo.duckdb"
    report = demo.load_demo(db=db, seed=3, scale=0.25)
    assert report is not None
    assert report.accepted > 0
    assert report.rows_read == report.accepted + report.duplicates + report.quarantined
    assert report.duplicates >= 1 and report.quarantined >= 1
    assert report.stacked_points
    assert {"dni_denunciante", "nombre_denunciante"} <= set(report.pii_columns_dropped)
    con = store.connect(db, read_only=True)
    try:
        n = store.incident_count(con)
        groups = {r[0] for r in con.execute("SELECT DISTINCT crime_group FROM incidents")
                  .fetchall()}
        cities = con.execute("SELECT count(*) FILTER (WHERE lat > -9), count(*) FILTER "
                             "(WHERE lat < -11) FROM incidents").fetchall()[0]
    finally:
        con.close()
    assert n == report.accepted
    assert "otro" not in groups
    assert min(cities) > 0  # both cities survive the study-area check
    # --if-empty leaves a loaded store alone, and says so in Spanish.
    assert demo.load_demo(db=db, seed=3, if_empty=True) is None
    assert main(["demo", "--db", str(db), "--if-empty"]) == 0
    assert "ya tiene incidentes" in capsys.readouterr().out


def test_cli_out_writes_one_file_per_city(tmp_path: Path, capsys) -> None:
    from analytics.cli import main

    assert main(["demo", "--out", str(tmp_path / "demo.csv"), "--scale", "0.02"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo_lima.csv", "demo_trujillo.csv"]
    assert "demo_lima.csv" in capsys.readouterr().out
    lima = pd.read_csv(tmp_path / "demo_lima.csv", dtype=str, encoding="utf-8-sig")
    assert list(lima.columns) == list(demo.RAW_COLUMNS)
    assert not lima["ubigeo"].str.startswith("13").any()


def test_cli_loads_into_an_empty_store_and_prints_a_spanish_summary(tmp_path: Path,
                                                                     capsys) -> None:
    from analytics.cli import main

    db = tmp_path / "cli.duckdb"
    assert main(["demo", "--db", str(db), "--if-empty", "--seed", "4", "--scale", "0.05"]) == 0
    out = capsys.readouterr().out
    assert "filas leídas" in out and "aceptadas" in out
    assert "dni_denunciante" in out


def test_cli_unknown_output_format_exits_2(tmp_path: Path, capsys) -> None:
    from analytics.cli import main

    assert main(["demo", "--out", str(tmp_path / "demo.txt"), "--scale", "0.02"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert not any(tmp_path.iterdir())


def test_address_only_rows_are_placed_on_their_real_streets(tmp_path: Path) -> None:
    """The demo's rows without a point, written at a street of central Lima, are geocoded
    (with the shipped OSM layer and the file's own exact rows) near their true point."""
    from analytics import ingest, store
    from analytics.geo import haversine_m as _haversine_m

    kw = {"seed": 5, "start": "2025-01-01", "end": "2025-07-01", "cities": ("lima",)}
    raw = demo.generate_incidents(**kw)
    truth = demo.generate_incidents(**kw, degrade=False).drop_duplicates("id_denuncia")
    path = tmp_path / "demo_lima.csv"
    raw.to_csv(path, index=False)
    con = store.connect(":memory:")
    rep = ingest.ingest_files(path, con=con)
    assert rep.precision["cuadra"] > 0 and rep.precision["zona"] > 0
    assert rep.forced_points  # comisaría centroids found (status column and data)
    inc = store.load_incidents(con, columns=["incident_id", "lat", "lon", "location_precision"]
                               ).drop_duplicates("incident_id").set_index("incident_id")
    con.close()
    addr = raw["direccion_hecho"].fillna("")
    lost = raw[(raw["estado_coord"] == "SIN COORDENADA") & (addr != "")
               & ~addr.str.startswith("SECTOR")]["id_denuncia"].unique()
    assert len(lost) > 300
    got = inc.loc[lost]
    true = truth.set_index("id_denuncia").loc[lost]
    err = _haversine_m(got["lat"].to_numpy(), got["lon"].to_numpy(),
                       true["latitud"].to_numpy(), true["longitud"].to_numpy())
    err = np.where(np.isfinite(err), err, np.inf)
    assert got["location_precision"].isin(["cuadra", "via"]).mean() >= 0.95
    assert np.median(err) <= 40 and (err <= 100).mean() >= 0.7
    forced = raw[raw["estado_coord"] == "GEO FORZADA AL CENTROIDE DE COMISARIA"]
    assert (inc.loc[forced["id_denuncia"].unique(), "location_precision"] != "exacta").all()
