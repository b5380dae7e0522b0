"""Zones: layers, assignment, reconciliation, and the zone × window forecast."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import cli, zone_forecast as zf, zones as zn
from analytics._errors import IncidentSchemaError, InsufficientHistoryError
from analytics._zone_intervals import nb_ppf

CUT = pd.Timestamp("2025-03-03")  # a Monday
LON0, LAT0 = -77.03, -12.06


def poisson_events(rates: dict[str, float], *, days: int = 420, end: pd.Timestamp = CUT,
                   weekly: bool = True, seed: int = 3) -> pd.DataFrame:
    """(occurred_at, zone) rows: each zone Poisson with a known daily rate (× weekday factor)."""
    rng = np.random.default_rng(seed)
    day = pd.date_range(end - pd.Timedelta(days=days), end + pd.Timedelta(days=40), freq="D",
                        inclusive="left")
    factor = np.array([0.9, 0.9, 0.95, 1.0, 1.1, 1.2, 0.95]) if weekly else np.ones(7)
    parts = []
    for z, r in rates.items():
        n = rng.poisson(r * factor[day.day_of_week])
        d = np.repeat(day.to_numpy(), n)
        t = d + pd.to_timedelta(rng.integers(1, 24 * 60, len(d)), unit="min").to_numpy()
        parts.append(pd.DataFrame({"occurred_at": t, "zone": z}))
    return pd.concat(parts, ignore_index=True).sort_values("occurred_at", ignore_index=True)


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return poisson_events({"A": 6.0, "B": 2.0, "C": 0.05}, days=500)


@pytest.fixture(scope="module")
def daily(events: pd.DataFrame) -> zf.ZoneForecast:
    return zf.forecast_zones(events, train_until=CUT, horizon_days=7, by="day", max_zone_fits=1,
                             zones=["A", "B", "C", "VACIA"], seed=0)


# --------------------------------------------------------------------------- layers


def square(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    k = 0.001  # degrees per unit
    return [(LON0 + x0 * k, LAT0 + y0 * k), (LON0 + x1 * k, LAT0 + y0 * k),
            (LON0 + x1 * k, LAT0 + y1 * k), (LON0 + x0 * k, LAT0 + y1 * k)]


def pt(x: float, y: float) -> tuple[float, float]:
    """(lat, lon) of a point in the same units as :func:`square`."""
    return LAT0 + y * 0.001, LON0 + x * 0.001


@pytest.fixture
def holey_layer():
    """A: square with a hole; B overlaps A's east edge; C sits inside A's hole."""
    import geopandas as gpd
    from shapely.geometry import Polygon

    a = Polygon(square(0, 0, 10, 10), [square(4, 4, 6, 6)])
    b = Polygon(square(8, 0, 12, 10))
    c = Polygon(square(4.5, 4.5, 5.5, 5.5))
    return gpd.GeoDataFrame({"nombre": ["A", "B", "C"]}, geometry=[a, b, c], crs="EPSG:4326")


def test_layer_with_hole_and_overlap(holey_layer) -> None:
    layer = zn.zone_layer_from_frame(holey_layer)
    assert list(layer["zone"]) == ["A", "B", "C"]
    assert not layer.geometry.overlaps(layer.geometry.shift(1)).fillna(False).any()
    assert any("superposición" in n for n in layer.attrs["notes"])
    lat, lon = zip(*[pt(1, 1), pt(9, 5), pt(11, 5), pt(4.2, 4.2), pt(5, 5), pt(20, 20)],
                   strict=True)
    got = zn.points_to_zones(np.array(lat), np.array(lon), layer)
    # overlap goes to A (listed first); the hole is not A; C fills part of the hole
    assert list(got) == ["A", "A", "B", None, "C", None]


def test_layer_repairs_invalid_and_reprojects() -> None:
    import geopandas as gpd
    from shapely.geometry import Polygon

    bowtie = Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000)])  # self-intersecting
    ok = Polygon([(2000, 0), (3000, 0), (3000, 1000), (2000, 1000)])
    utm = gpd.GeoDataFrame({"sector": [1.0, 2.0]}, geometry=[bowtie, ok],
                           crs="EPSG:32718").set_geometry(
        gpd.GeoSeries([bowtie, ok], crs="EPSG:32718").translate(280000, 8660000))
    layer = zn.zone_layer_from_frame(utm)
    assert list(layer["zone"]) == ["1", "2"]
    assert layer.crs.to_epsg() == 4326
    assert layer.geometry.is_valid.all() and (layer.to_crs(32718).area > 0).all()
    assert any("reparados" in n for n in layer.attrs["notes"])


@pytest.mark.parametrize("names, match", [
    (["A", None], "sin nombre"),
    (["A", "A"], "repetidos"),
], ids=["missing-name", "duplicate-name"])
def test_layer_refuses_bad_names(names, match) -> None:
    import geopandas as gpd
    from shapely.geometry import Polygon

    g = [Polygon(square(0, 0, 1, 1)), Polygon(square(2, 0, 3, 1))]
    frame = gpd.GeoDataFrame({"zona": names}, geometry=g, crs="EPSG:4326")
    with pytest.raises(IncidentSchemaError, match=match):
        zn.zone_layer_from_frame(frame)


def test_layer_merges_duplicates_when_asked() -> None:
    import geopandas as gpd
    from shapely.geometry import Polygon

    g = [Polygon(square(0, 0, 1, 1)), Polygon(square(2, 0, 3, 1)), Polygon(square(5, 0, 6, 1))]
    frame = gpd.GeoDataFrame({"zona": ["A", "B", "A"]}, geometry=g, crs="EPSG:4326")
    layer = zn.zone_layer_from_frame(frame, duplicates="merge")
    assert list(layer["zone"]) == ["A", "B"]
    assert zn.points_to_zones(*[np.array(v) for v in zip(pt(5.5, 0.5), strict=True)],
                              layer)[0] == "A"


def test_layer_refuses_zone_covered_by_earlier_ones() -> None:
    import geopandas as gpd
    from shapely.geometry import Polygon

    g = [Polygon(square(0, 0, 10, 10)), Polygon(square(2, 2, 3, 3))]
    frame = gpd.GeoDataFrame({"zona": ["Sector", "Cuadrante"]}, geometry=g, crs="EPSG:4326")
    with pytest.raises(IncidentSchemaError, match="cubiertas por completo"):
        zn.zone_layer_from_frame(frame)


def test_read_zone_layer_file_errors(tmp_path: Path, holey_layer) -> None:
    from analytics._errors import InputFileError

    with pytest.raises(InputFileError, match="No existe"):
        zn.read_zone_layer(tmp_path / "nada.geojson")
    p = tmp_path / "zonas.geojson"
    holey_layer.to_file(p, driver="GeoJSON")
    assert list(zn.read_zone_layer(p)["zone"]) == ["A", "B", "C"]


def test_incident_rows_without_point_use_the_named_zone(holey_layer) -> None:
    layer = zn.zone_layer_from_frame(holey_layer)
    lat1, lon1 = pt(1, 1)
    inc = pd.DataFrame({"occurred_at": pd.to_datetime(["2025-01-01 10:00"] * 4),
                        "lat": [lat1, np.nan, np.nan, np.nan],
                        "lon": [lon1, np.nan, np.nan, np.nan],
                        "district": ["x", "b", "Z", None]})
    ev = zn.incidents_to_zone_events(inc, zones=layer, zone_column="district")
    assert list(ev["zone"]) == ["A", "B"]
    assert ev.attrs["without_zone"] == 2


def test_cells_to_zones_by_centre(holey_layer) -> None:
    from analytics import hexbin

    layer = zn.zone_layer_from_frame(holey_layer)
    lat, lon = pt(1.5, 1.5)
    cell = hexbin.points_to_cells(np.array([lat]), np.array([lon]), resolution=12)
    assert list(zn.cells_to_zones(cell, layer)) == ["A"]
    assert list(zn.cells_to_zones(hexbin.cells_to_strings(cell), layer)) == ["A"]


# --------------------------------------------------------------------------- reconcile


def test_reconcile_cells_sum_to_zone_totals() -> None:
    w0, w1 = pd.Timestamp("2025-03-03 06:00"), pd.Timestamp("2025-03-03 14:00")
    w2 = pd.Timestamp("2025-03-03 22:00")
    cells = pd.DataFrame({
        "h3": ["c1", "c2", "c3", "c1", "c2", "c3", "c9", "c9"],
        "window_start": [w0, w0, w0, w1, w1, w1, w0, w1],
        "window_end": [w1, w1, w1, w2, w2, w2, w1, w2],
        "expected": [1.0, 3.0, 0.0, 0.0, 0.0, 2.0, 5.0, 5.0],
        "lower": 0.0, "upper": 9.0,
    })
    zones_fc = pd.DataFrame({"zone": ["A", "A", "B", "B", "Z", "Z"],
                             "window_start": [w0, w1, w0, w1, w0, w1],
                             "window_end": [w1, w2, w1, w2, w1, w2],
                             "expected": [8.0, 4.0, 1.5, 3.0, 7.0, 7.0]})
    mapping = pd.DataFrame({"h3": ["c1", "c2", "c3"], "zone": ["A", "A", "B"]})
    out = zn.reconcile_cells_to_zones(cells, zones_fc, mapping)
    got = out[out["zone"].notna()].groupby(["zone", "window_start"])["expected"].sum()
    want = zones_fc[zones_fc["zone"].isin(["A", "B"])].set_index(["zone", "window_start"])[
        "expected"]
    pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_names=False)
    e = out["expected"].to_numpy()
    assert e[0] == pytest.approx(2.0) and e[1] == pytest.approx(6.0)  # ratio 1:3 kept
    assert e[3] == pytest.approx(2.0) and e[4] == pytest.approx(2.0)  # all-zero zone: even split
    assert e[6] == 5.0 and pd.isna(out["zone"].iloc[6])  # cell outside every zone: unchanged
    assert out.attrs["zones_without_cells"] == ["Z"]
    assert (out["upper"] >= out["expected"].round() - 1).all()


def test_hexagon_forecast_rolls_up_to_the_zone_forecast() -> None:
    """forecast_cells (shift windows) reconciled to forecast_zones: one set of numbers."""
    from analytics import forecast as fc, hexbin
    from tests._store_factory import synthetic_incidents

    inc = synthetic_incidents(600)
    cut = pd.Timestamp("2025-06-16")
    cells = fc.forecast_cells(inc, train_until=cut, horizon_days=2, model="retro28")
    zone_fc = zf.forecast_zones(inc.rename(columns={"district": "zone"}), train_until=cut,
                                horizon_days=2, by="shift", max_zone_fits=0).table
    train = inc[inc["occurred_at"] < cut]
    mapping = zn.cells_to_zones_by_majority(
        hexbin.points_to_cells(train["lat"].to_numpy(), train["lon"].to_numpy(), resolution=9),
        train["district"].to_numpy())
    out = zn.reconcile_cells_to_zones(cells, zone_fc, mapping)
    got = out.groupby(["zone", "window_start"])["expected"].sum()
    want = zone_fc.set_index(["zone", "window_start"])["expected"]
    np.testing.assert_allclose(got.reindex(want.index).to_numpy(), want.to_numpy(), rtol=1e-9)


def test_reconcile_refuses_mismatched_windows() -> None:
    t = pd.Timestamp("2025-03-03")
    cells = pd.DataFrame({"h3": ["c1"], "window_start": [t], "window_end": [t + pd.Timedelta(
        hours=1)], "expected": [1.0]})
    zones_fc = pd.DataFrame({"zone": ["A"], "window_start": [t],
                             "window_end": [t + pd.Timedelta(days=1)], "expected": [3.0]})
    with pytest.raises(IncidentSchemaError, match="ventanas"):
        zn.reconcile_cells_to_zones(cells, zones_fc, {"c1": "A"})


# --------------------------------------------------------------------------- forecast


def test_baselines_by_hand() -> None:
    y = np.arange(70, dtype=float)[None, :]  # day i has i incidents
    mean28, wd8 = zf.baseline_forecasts(y, 70, 9)
    assert mean28[0, 0] == pytest.approx(np.mean(np.arange(42, 70)))
    # day 70 (+h): same weekday days 63, 56, ..., 14 (8 of them)
    assert wd8[0, 0] == pytest.approx(np.mean(63 - 7 * np.arange(8)))
    assert wd8[0, 8] == pytest.approx(np.mean(64 - 7 * np.arange(8)))  # day 78 ~ day 64


def test_quincena_days() -> None:
    d = pd.to_datetime(["2025-01-01", "2025-01-14", "2025-01-15", "2025-01-16", "2025-01-31",
                        "2025-02-28", "2025-02-27", "2024-02-29"])
    days = d.to_numpy().astype("datetime64[D]").astype(np.int64)
    assert list(zf.quincena_days(days)) == [True, False, True, True, True, True, False, True]


def test_forecast_columns_windows_and_no_history(daily: zf.ZoneForecast) -> None:
    t = daily.table
    assert tuple(t.columns) == zf.COLUMNS
    assert set(t["zone"]) == {"A", "B", "C"}
    assert len(t) == 3 * 7
    assert (t["window_start"].min(), t["window_end"].max()) == (CUT, CUT + pd.Timedelta(days=7))
    assert t["lower"].dtype.kind == "i" and t["upper"].dtype.kind == "i"
    assert (t["lower"] <= t["upper"]).all() and (t["expected"] >= 0).all()
    assert daily.no_history == ("VACIA",)
    row = daily.zones.set_index("zone").loc["VACIA"]
    assert pd.isna(row["model"]) and row["incidents"] == 0
    assert sum(daily.model_counts().values()) == 3


def test_sparse_zone_falls_back_to_a_labelled_model(daily: zf.ZoneForecast) -> None:
    z = daily.zones.set_index("zone")
    assert not z.loc["C", "own_prophet"]
    assert z.loc["C", "model"] not in ("prophet", "prophet_blend")
    assert z.loc["A", "own_prophet"]  # the busiest zone got the one allowed fit
    assert set(daily.table["model"]) <= set(zf.MODELS)
    # the pooled share is sane: C expects about its rate
    c = daily.table[daily.table["zone"] == "C"]["expected"].mean()
    assert 0.0 < c < 0.3


def test_no_leakage_from_incidents_at_or_after_the_cut(events: pd.DataFrame,
                                                       daily: zf.ZoneForecast) -> None:
    spike = pd.DataFrame({"occurred_at": np.repeat(
        [CUT, CUT + pd.Timedelta(hours=5), CUT + pd.Timedelta(days=3)], 500),
        "zone": np.tile(["A", "C", "NUEVA"], 500)})
    spiked = pd.concat([events, spike], ignore_index=True)
    again = zf.forecast_zones(spiked, train_until=CUT, horizon_days=7, by="day",
                              max_zone_fits=1, zones=["A", "B", "C", "VACIA"], seed=0)
    pd.testing.assert_frame_equal(again.table, daily.table)
    pd.testing.assert_frame_equal(again.zones, daily.zones)
    assert again.levels == daily.levels


def test_hours_sum_to_days_and_shifts_to_hours(events: pd.DataFrame,
                                               daily: zf.ZoneForecast) -> None:
    kw = {"train_until": CUT, "horizon_days": 7, "max_zone_fits": 1, "seed": 0}
    hourly = zf.forecast_zones(events, by="hour", **kw).table
    shift = zf.forecast_zones(events, by="shift", **kw).table
    assert len(hourly) == 3 * 7 * 24 and len(shift) == 3 * 7 * 3
    day = hourly.assign(d=hourly["window_start"].dt.normalize()).groupby(["zone", "d"])[
        "expected"].sum()
    want = daily.table.set_index(["zone", "window_start"])["expected"]
    np.testing.assert_allclose(day.to_numpy(), want.to_numpy(), rtol=1e-9)
    # the night shift of the 3rd = hours 22-24 of the 3rd and 0-6 of the 4th
    night = shift[(shift["zone"] == "A") & (shift["window_start"] == CUT + pd.Timedelta(
        hours=22))]
    assert night["window_end"].iloc[0] == CUT + pd.Timedelta(days=1, hours=6)
    h = hourly[hourly["zone"] == "A"].set_index("window_start")["expected"]
    span = (h.index >= CUT + pd.Timedelta(hours=22)) & (h.index < CUT + pd.Timedelta(hours=30))
    assert night["expected"].iloc[0] == pytest.approx(h[span].sum())
    assert set(shift["window_start"].dt.hour) == {6, 14, 22}


def test_interval_calibration_on_known_poisson_rates() -> None:
    """With the true rates as forecasts, calibrated integer bounds cover ~80 % of new draws."""
    rng = np.random.default_rng(11)
    mu = np.repeat(np.linspace(0.3, 12.0, 40)[:, None], 112, axis=1)
    a, b = zf.calibrate_levels(rng.poisson(mu), mu, np.zeros_like(mu), interval=0.8)
    assert 0 < a < 0.5 < b < 1
    new = rng.poisson(mu)
    lo = nb_ppf(a, mu, np.zeros_like(mu))
    hi = nb_ppf(b, mu, np.zeros_like(mu))
    cover = ((lo <= new) & (new <= hi)).mean()
    assert 0.76 <= cover <= 0.85
    naive = ((nb_ppf(0.1, mu, 0 * mu) <= new) & (new <= nb_ppf(0.9, mu, 0 * mu))).mean()
    assert naive > cover  # plain integer quantiles over-cover


@pytest.mark.slow
def test_forecast_interval_coverage_on_simulated_poisson_zones() -> None:
    rates = {f"Z{i:02d}": r for i, r in enumerate(np.linspace(0.5, 10.0, 16))}
    ev = poisson_events(rates, days=500, seed=5)
    res = zf.forecast_zones(ev, train_until=CUT, horizon_days=28, by="day", max_zone_fits=0,
                            seed=0)
    t = res.table
    actual = ev[(ev["occurred_at"] >= CUT)].assign(
        d=lambda f: f["occurred_at"].dt.normalize()).groupby(["zone", "d"]).size()
    y = actual.reindex(pd.MultiIndex.from_frame(t[["zone", "window_start"]]), fill_value=0)
    cover = ((t["lower"].to_numpy() <= y.to_numpy()) & (y.to_numpy() <= t["upper"].to_numpy()))
    assert 0.74 <= cover.mean() <= 0.90
    # the known rates are recovered within noise (weekday factors average ~1)
    got = t.groupby("zone")["expected"].mean()
    np.testing.assert_allclose(got.to_numpy(), np.array(list(rates.values())), rtol=0.25)


def test_short_history_uses_pooled_model_and_poisson_interval() -> None:
    ev = poisson_events({"A": 3.0, "B": 1.0}, days=30)
    res = zf.forecast_zones(ev, train_until=CUT, horizon_days=3, by="day", seed=0)
    assert set(res.table["model"]) == {"city_share"}
    assert res.levels == {"día": pytest.approx((0.1, 0.9))}
    assert any("historia corta" in n for n in res.notes)


@pytest.mark.parametrize("kwargs, match", [
    ({"train_until": "2025-03-03 10:00"}, "fecha de corte"),
    ({"horizon_days": 0}, "horizonte"),
    ({"by": "week"}, "ventanas"),
    ({"interval": 1.2}, "intervalo"),
    ({"country": "XX"}, "feriados"),
], ids=["cut-not-midnight", "horizon", "windows", "interval", "country"])
def test_forecast_parameter_errors(events: pd.DataFrame, kwargs: dict, match: str) -> None:
    args = {"train_until": CUT, "horizon_days": 7, **kwargs}
    with pytest.raises(IncidentSchemaError, match=match):
        zf.forecast_zones(events, **args)


def test_no_history_at_all_is_a_clear_error(events: pd.DataFrame) -> None:
    with pytest.raises(InsufficientHistoryError, match="antes de la fecha de corte"):
        zf.forecast_zones(events, train_until="2020-01-06", horizon_days=7)


def test_records_for_a_forecasts_table(daily: zf.ZoneForecast) -> None:
    rec = zf.zone_forecast_records(daily, made_at=pd.Timestamp("2025-03-03 08:00"))
    assert tuple(rec.columns) == zf.RECORD_COLUMNS
    assert (rec["train_until"] == CUT).all()


# --------------------------------------------------------------------------- CLI


@pytest.fixture(scope="module")
def plain_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file without coordinates: fecha (dd/mm/yyyy), hora, sector."""
    ev = poisson_events({"Sector Norte": 3.0, "Sector Sur": 1.0}, days=200)
    p = tmp_path_factory.mktemp("zones") / "denuncias.csv"
    pd.DataFrame({"fecha": ev["occurred_at"].dt.strftime("%d/%m/%Y"),
                  "hora": ev["occurred_at"].dt.strftime("%H:%M"),
                  "sector": ev["zone"]}).to_csv(p, index=False)
    return p


def test_cli_columns_and_json_keys(plain_csv: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "zonas.csv"
    code = cli.main(["zone-forecast", "--incidents", str(plain_csv), "--map", "district=sector",
                     "--train-until", "2025-03-03", "--horizon-days", "2", "--by", "shift",
                     "--out", str(out), "--json"])
    assert code == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert list(doc) == ["zones", "seconds", "models"]
    assert doc["zones"] == 2 and sum(doc["models"].values()) == 2
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["zone", "window_start", "window_end", "expected", "lower",
                                   "upper", "model"]
    assert len(frame) == 2 * 2 * 3
    assert set(frame["zone"]) == {"SECTOR NORTE", "SECTOR SUR"}
    assert frame["window_start"].iloc[0] == "2025-03-03T06:00:00"


@pytest.mark.parametrize("argv, match", [
    (["--train-until", "03/03/2025"], "Fecha de corte"),
    (["--train-until", "2025-03-03", "--interval", "1.5"], "Intervalo"),
    (["--train-until", "2025-03-03", "--db", "x.duckdb"], "no se permite junto con"),
], ids=["bad-date", "bad-interval", "db-and-incidents"])
def test_cli_errors_are_one_spanish_line(plain_csv: Path, tmp_path: Path, argv: list[str],
                                         match: str, capsys: pytest.CaptureFixture[str]) -> None:
    full = ["zone-forecast", "--incidents", str(plain_csv), "--map", "district=sector",
            "--horizon-days", "2", "--out", str(tmp_path / "o.csv"), *argv]
    try:
        code = cli.main(full)
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and match in err


def test_cli_file_without_coordinates_needs_a_zone_column(plain_csv: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    code = cli.main(["zone-forecast", "--incidents", str(plain_csv), "--train-until",
                     "2025-03-03", "--horizon-days", "2", "--out", str(tmp_path / "o.csv")])
    assert code == 2
    assert "--map district=COLUMNA" in capsys.readouterr().err


def test_cli_store_and_polygon_layer(tmp_path: Path, holey_layer,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """--db reads the store before the cut; --zones places points in the layer's polygons."""
    from tests._store_factory import make_store

    db = make_store(tmp_path / "vigia.duckdb")
    out = tmp_path / "distritos.parquet"
    assert cli.main(["zone-forecast", "--db", str(db), "--train-until", "2025-06-16",
                     "--horizon-days", "3", "--out", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    frame = pd.read_parquet(out)
    assert doc["zones"] == 4 and set(frame["zone"]) == {"LA VICTORIA", "LIMA", "MIRAFLORES",
                                                        "LINCE"}
    # a layer around La Victoria's hotspot: one zone with history, two without
    import geopandas as gpd
    from shapely.geometry import box

    layer = gpd.GeoDataFrame({"sector": ["S1", "S2", "S3"]}, geometry=[
        box(-77.03, -12.08, -77.00, -12.055), box(-76.99, -12.08, -76.98, -12.07),
        box(-76.97, -12.08, -76.96, -12.07)], crs="EPSG:4326")
    lay = tmp_path / "sectores.geojson"
    layer.to_file(lay, driver="GeoJSON")
    assert cli.main(["zone-forecast", "--db", str(db), "--zones", str(lay), "--train-until",
                     "2025-06-16", "--horizon-days", "3", "--by", "shift",
                     "--out", str(tmp_path / "s.csv")]) == 0
    err = capsys.readouterr().err
    assert set(pd.read_csv(tmp_path / "s.csv")["zone"]) == {"S1"}
    assert "S2, S3" in err


def test_cli_file_with_coordinates_goes_through_ingest(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    from tests._store_factory import synthetic_incidents

    inc = synthetic_incidents(400)
    p = tmp_path / "denuncias.csv"
    inc[["incident_id", "occurred_at", "lat", "lon", "crime_type", "district"]].rename(
        columns={"district": "distrito"}).to_csv(p, index=False)
    out = tmp_path / "o.xlsx"
    assert cli.main(["zone-forecast", "--incidents", str(p), "--train-until", "2025-06-20",
                     "--horizon-days", "1", "--out", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["zones"] == 4
    assert list(pd.read_excel(out).columns) == list(zf.COLUMNS)


def test_forecast_from_store(tmp_path: Path) -> None:
    from analytics import store
    from tests._store_factory import make_store

    con = store.connect(make_store(tmp_path / "vigia.duckdb"), read_only=True)
    try:
        res = zf.forecast_zones_from_store(con, horizon_days=2, by="shift", max_zone_fits=0)
    finally:
        con.close()
    assert res.train_until == pd.Timestamp("2025-07-01")  # the day after the last incident
    assert len(res.table) == 4 * 2 * 3
    rec = zf.zone_forecast_records(res)
    assert tuple(rec.columns) == zf.RECORD_COLUMNS


# --------------------------------------------------------------------------- real data


@pytest.mark.realdata
@pytest.mark.slow
def test_philadelphia_districts_beat_baselines_with_honest_intervals(shared_data: Path) -> None:
    """21 police districts, two 2025 origins: daily RMSE ≤ the best baseline, coverage 75–92 %."""
    import geopandas as gpd

    base = shared_data / "philadelphia_incidents"
    if not (base / "incidents_2016_2025.parquet").is_file():
        pytest.skip("el archivo de Filadelfia no está disponible")
    layer = zn.read_zone_layer(base / "police_districts.geojson", name_column="dist_num")
    assert len(layer) == 21
    df = pd.read_parquet(base / "incidents_2016_2025.parquet",
                         columns=["ts_local", "police_district", "lat", "lon"])
    df = df[df["police_district"].isin(set(gpd.read_file(
        base / "police_districts.geojson")["dist_num"]))]
    located = df.dropna(subset=["lat", "lon"]).iloc[::50]
    where = zn.points_to_zones(located["lat"].to_numpy(), located["lon"].to_numpy(), layer)
    assert (where == located["police_district"].astype(str).to_numpy()).mean() > 0.9
    ev = pd.DataFrame({"occurred_at": df["ts_local"].to_numpy(),
                       "zone": df["police_district"].astype(str).to_numpy()})
    zones = np.array(sorted(ev["zone"].unique()), dtype=object)
    first = ev["occurred_at"].min().normalize()
    days = (ev["occurred_at"].dt.normalize() - first).dt.days.to_numpy()
    zi = pd.Index(zones).get_indexer(ev["zone"])
    n_days = int(days.max()) + 1
    y_all = np.bincount(zi * n_days + days, minlength=len(zones) * n_days).reshape(
        len(zones), n_days).astype(float)
    se = {h: {"model": [], "mean28": [], "wd8": []} for h in (7, 28)}
    covered = []
    for origin in ("2025-03-31", "2025-09-15"):
        cut = pd.Timestamp(origin)
        res = zf.forecast_zones(ev, train_until=cut, horizon_days=28, by="day", country="US",
                                seed=0)
        t = res.table.sort_values(["zone", "window_start"])
        assert list(t["zone"].unique()) == list(zones)
        exp = t["expected"].to_numpy().reshape(len(zones), 28)
        i = (cut - first).days
        y = y_all[:, i:i + 28]
        mean28, wd8 = zf.baseline_forecasts(y_all, i, 28)
        for h in (7, 28):
            se[h]["model"].append((exp[:, :h] - y[:, :h]) ** 2)
            se[h]["mean28"].append((mean28[:, :h] - y[:, :h]) ** 2)
            se[h]["wd8"].append((wd8[:, :h] - y[:, :h]) ** 2)
        lo = t["lower"].to_numpy().reshape(len(zones), 28)
        hi = t["upper"].to_numpy().reshape(len(zones), 28)
        covered.append((lo <= y) & (y <= hi))
    for h in (7, 28):
        rmse = {k: float(np.sqrt(np.concatenate(v).mean())) for k, v in se[h].items()}
        assert rmse["model"] <= min(rmse["mean28"], rmse["wd8"]), (h, rmse)
    assert 0.75 <= float(np.concatenate(covered).mean()) <= 0.92


def test_districts_to_zones_keeps_the_incidents_spelling() -> None:
    import geopandas as gpd
    from shapely.geometry import box

    bounds = gpd.GeoDataFrame({"district": ["LA VICTORIA", "BREÑA", "LINCE"]},
                              geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
                              crs="EPSG:4326")
    got = zn.districts_to_zones(bounds, ["La Victoria", "Breña", "Surco", "la victoria"])
    assert list(got["zone"]) == ["La Victoria", "Breña"]
    assert got.attrs["missing"] == ["Surco"]
    assert got.geometry.iloc[1].equals(box(1, 0, 2, 1))
