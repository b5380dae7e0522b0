"""Where an intervention area comes from: polygon files, districts, H3 cells."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import shapely

from analytics import area_sources, geo
from analytics._errors import InputFileError, InterventionError
from tests import _evaluation_store as es

gpd = pytest.importorskip("geopandas")


def _two_squares() -> gpd.GeoDataFrame:
    a, b = es.square(half=100), es.square(dx=200, half=100)
    return gpd.GeoDataFrame({"n": [1, 2]}, geometry=[a, b], crs="EPSG:4326")


@pytest.mark.parametrize("kind", ["geojson", "gpkg-utm", "shapefile-zip"])
def test_read_area_unites_polygons(tmp_path: Path, kind: str) -> None:
    g = _two_squares()
    if kind == "geojson":
        path = tmp_path / "zona.geojson"
        g.to_file(path, driver="GeoJSON")
    elif kind == "gpkg-utm":
        path = tmp_path / "zona.gpkg"
        g.to_crs(32718).to_file(path)
    else:
        g.to_file(tmp_path / "zona.shp")
        path = tmp_path / "zona.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for part in tmp_path.glob("zona.*"):
                if part.suffix != ".zip":
                    zf.write(part, part.name)
    geom = area_sources.read_area(path)
    expected = shapely.union_all(list(g.geometry))
    assert geom.geom_type == "Polygon"  # the two squares share an edge
    assert geom.symmetric_difference(expected).area < 1e-3 * expected.area


def test_read_area_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="No existe el archivo con el área"):
        area_sources.read_area(tmp_path / "nada.geojson")
    bad = tmp_path / "roto.geojson"
    bad.write_text("{no es json", encoding="utf-8")
    with pytest.raises(InputFileError, match="No se pudo leer la zona de control en roto"):
        area_sources.read_area(bad, what="la zona de control")
    pts = tmp_path / "puntos.geojson"
    pts.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "Point", "coordinates": list(es.LIMA)}}]}), encoding="utf-8")
    with pytest.raises(InterventionError, match=r"no tiene polígonos \(tiene: Point\)"):
        area_sources.read_area(pts)


@pytest.fixture(scope="module")
def boundaries() -> gpd.GeoDataFrame:
    return geo.read_boundaries()


@pytest.mark.parametrize("name", ["La Victoria", "LA VICTORIA", " la  victoria ", "150115"],
                         ids=["title", "upper", "spaces", "ubigeo"])
def test_area_from_district(boundaries: gpd.GeoDataFrame, name: str) -> None:
    geom = area_sources.area_from_district(boundaries, name)
    row = boundaries[boundaries["ubigeo"].astype(str) == "150115"]
    assert geom.symmetric_difference(row.geometry.iloc[0]).area < 1e-12
    assert "LA VICTORIA" in {n.upper() for n in area_sources.district_names(boundaries)}


def test_area_from_unknown_district(boundaries: gpd.GeoDataFrame) -> None:
    with pytest.raises(InterventionError, match="Distrito desconocido: 'Narnia'"):
        area_sources.area_from_district(boundaries, "Narnia")


def test_parse_cells() -> None:
    cell = "898e62d1c0bffff"
    assert area_sources.parse_cells(f"{cell.upper()}, {cell};\n{cell}") == [cell]
    with pytest.raises(InterventionError, match="no válidas: 'abc', '12'"):
        area_sources.parse_cells(f"{cell} abc 12")
    with pytest.raises(InterventionError, match="ninguna celda"):
        area_sources.parse_cells(" ,; ")
    poly = area_sources.area_from_cells(area_sources.parse_cells(cell))
    assert poly.geom_type == "Polygon" and poly.is_valid


def test_area_to_geojson_round_trip() -> None:
    geom = es.square()
    text = area_sources.area_to_geojson(geom)
    back = shapely.from_geojson(text)
    assert json.loads(text)["type"] == "Polygon" and " " not in text
    assert back.symmetric_difference(geom).area < 1e-4 * geom.area
