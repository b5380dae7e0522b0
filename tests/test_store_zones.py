"""Zone layers in the store: round trip, versions, references, names (analytics.store.zones)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Polygon, box

from analytics import store, zones as zn
from analytics._errors import IncidentSchemaError, StoreError
from analytics.store import zones as sz


@pytest.fixture
def con():
    c = store.connect(":memory:")
    yield c
    c.close()


@pytest.fixture
def layer() -> gpd.GeoDataFrame:
    """A with a hole, B overlapping A's east edge (repaired: the overlap stays in A)."""
    a = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(4, 4), (6, 4), (6, 6), (4, 6)]])
    frame = gpd.GeoDataFrame({"sector": ["A", "B"]}, geometry=[a, box(8, 0, 12, 10)],
                             crs="EPSG:4326")
    frame["geometry"] = frame.geometry.scale(0.001, 0.001, origin=(0, 0)).translate(-77.03,
                                                                                     -12.06)
    return zn.zone_layer_from_frame(frame)


def test_round_trip_keeps_zones_order_geometry_and_notes(con, layer) -> None:
    info = sz.save_zone_layer(con, layer, name="Sectores", created_by="ana",
                              source="/srv/capas/sectores_2026.geojson")
    assert (info.layer_id, info.name, info.version, info.n_zones) == (1, "Sectores", 1, 2)
    assert info.source == "sectores_2026.geojson", "the file name only, never a path"
    assert any("superposición" in n for n in info.notes)
    back = sz.load_zone_layer(con, "Sectores")
    assert list(back["zone"]) == ["A", "B"]
    assert back.crs.to_epsg() == 4326
    for g0, g1 in zip(layer.geometry, back.geometry, strict=True):
        assert shapely.equals_exact(g0, g1, tolerance=1e-12)
    assert back.attrs["layer_id"] == 1 and back.attrs["version"] == 1
    assert back.attrs["notes"] == list(info.notes)
    # the hole survives: a point in it is in no zone, as before storing
    lat, lon = -12.06 + 0.005, -77.03 + 0.005
    assert zn.points_to_zones([lat], [lon], back)[0] is None


def test_same_name_makes_a_new_version_and_old_ones_stay_readable(con, layer) -> None:
    sz.save_zone_layer(con, layer, name="Sectores")
    v2 = sz.save_zone_layer(con, layer.iloc[:1], name="sectores")  # case-insensitive
    sz.save_zone_layer(con, layer, name="Cuadrantes")
    assert (v2.layer_id, v2.version) == (2, 2)
    latest = sz.zone_layers(con)
    assert list(zip(latest["name"], latest["version"], strict=True)) == [
        ("Cuadrantes", 1), ("sectores", 2)]
    assert len(sz.zone_layers(con, all_versions=True)) == 3
    assert len(sz.load_zone_layer(con, "SECTORES")) == 1  # latest
    assert len(sz.load_zone_layer(con, "Sectores@1")) == 2
    assert len(sz.load_zone_layer(con, "Sectores@v1")) == 2
    assert sz.find_zone_layer(con, 3).name == "Cuadrantes"
    assert sz.find_zone_layer(con, "3").name == "Cuadrantes"


def test_unknown_layer_lists_the_stored_names(con, layer) -> None:
    sz.save_zone_layer(con, layer, name="Sectores")
    with pytest.raises(StoreError, match="Sectores.*zones add"):
        sz.load_zone_layer(con, "Jurisdicciones")
    with pytest.raises(StoreError, match="No existe la capa de zonas .Sectores@7."):
        sz.find_zone_layer(con, "Sectores@7")


@pytest.mark.parametrize("name, match", [
    ("", "falta el nombre"),
    ("   ", "falta el nombre"),
    ("a" * 61, "60 caracteres"),
    ("Sectores@2", "'@'"),
    ("12", "número"),
], ids=["empty", "blank", "long", "at-sign", "number"])
def test_layer_names_are_checked(con, layer, name: str, match: str) -> None:
    with pytest.raises(IncidentSchemaError, match=match):
        sz.save_zone_layer(con, layer, name=name)
    assert sz.zone_layers(con).empty


def test_layer_name_is_one_trimmed_line() -> None:
    assert sz.layer_name("  Sectores \n La  Victoria ") == "Sectores La Victoria"


def test_a_store_without_the_tables_lists_nothing(tmp_path: Path) -> None:
    import duckdb

    raw = duckdb.connect(str(tmp_path / "x.duckdb"))
    try:
        assert sz.zone_layers(raw).empty
        with pytest.raises(StoreError, match="ninguna"):
            sz.find_zone_layer(raw, "Sectores")
    finally:
        raw.close()
