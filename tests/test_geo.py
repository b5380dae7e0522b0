"""Point-in-district assignment (analytics.geo) equals the plain polygon rule."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely

from analytics import geo


def _first_polygon(path: Path, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """The oracle: plain shapely, one unprepared polygon after another, first one wins."""
    feats = json.loads(path.read_text(encoding="utf-8"))["features"]
    polys = [shapely.geometry.shape(f["geometry"]) for f in feats]
    pts = shapely.points(lon, lat)
    out = np.full(len(lat), -1, dtype=np.int32)
    for i, poly in enumerate(polys):
        hit = (out < 0) & shapely.intersects(poly, pts)
        out[hit] = i
    return out


def _write(path: Path, polygons: list[list[tuple[float, float]]]) -> Path:
    feats = [{"type": "Feature", "properties": {"n": i},
              "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}}
             for i, ring in enumerate(polygons)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    return path


SQUARES = [
    [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)],              # 0
    [(0.5, 0.5), (1.5, 0.5), (1.5, 1.5), (0.5, 1.5), (0.5, 0.5)],  # 1 overlaps 0
    [(1, 0), (2, 0), (2, 0.5), (1, 0.5), (1, 0)],          # 2 shares the edge x=1 with 0
]


def test_hand_checked_squares(tmp_path):
    path = _write(tmp_path / "sq.geojson", SQUARES)
    lon = np.array([0.25, 0.75, 1.25, 1.0, 1.0, 1.75, 5.0, np.nan, 0.0, 1.5])
    lat = np.array([0.25, 0.75, 1.25, 0.25, 0.5, 0.25, 5.0, 0.5, 0.0, 1.5])
    got = geo.points_to_districts(lat, lon, boundaries=path)
    #            in 0, overlap 0/1 -> 0, in 1, edge 0|2 -> 0, corner 0|1|2 -> 0, in 2,
    #            outside, NaN, vertex of 0, vertex of 1
    assert got.tolist() == [0, 0, 1, 0, 0, 2, -1, -1, 0, 1]
    assert got.dtype == np.int32
    assert geo.points_to_districts([], [], boundaries=path).size == 0


def test_cache_follows_the_file(tmp_path):
    path = _write(tmp_path / "sq.geojson", SQUARES)
    assert geo.points_to_districts([0.75], [0.75], boundaries=path).tolist() == [0]
    # Same path, new content (1 before 0): the index is rebuilt, not reused.
    _write(path, [SQUARES[1], SQUARES[0], SQUARES[2], SQUARES[2]])
    assert geo.points_to_districts([0.75], [0.75], boundaries=path).tolist() == [0]
    assert geo.points_to_districts([0.25], [0.25], boundaries=path).tolist() == [1]


def _edge_points(path: Path, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Vertices, edge midpoints and points a hair off them, sampled from every polygon."""
    geoms = geo.district_index(path).geoms
    xy = shapely.get_coordinates(geoms)
    pick = rng.choice(len(xy) - 1, size=min(n, len(xy) - 1), replace=False)
    v, w = xy[pick], xy[pick + 1]
    mid = (v + w) / 2
    parts = [v, mid]
    for d in (1e-12, 1e-9, 1e-6, 1e-4):
        parts += [v + [d, 0], v - [0, d], mid + [d, d], mid - [d, -d]]
    pts = np.concatenate(parts)
    return pts[:, 1], pts[:, 0]


def test_shipped_districts_equal_the_polygon_rule_near_edges_and_outside(rng):
    path = geo.BOUNDARIES_PATH
    e_lat, e_lon = _edge_points(path, rng, 1500)
    # Random points over both cities' boxes (inside, between districts, in the sea, outside).
    u_lat = np.concatenate([rng.uniform(-12.6, -11.5, 6000), rng.uniform(-8.3, -7.7, 3000),
                            rng.uniform(-15, -5, 500)])
    u_lon = np.concatenate([rng.uniform(-77.4, -76.6, 6000), rng.uniform(-79.3, -78.6, 3000),
                            rng.uniform(-81, -70, 500)])
    lat = np.concatenate([e_lat, u_lat, [np.nan, 0.0]])
    lon = np.concatenate([e_lon, u_lon, [-77.0, np.nan]])
    got = geo.points_to_districts(lat, lon)
    want = _first_polygon(path, lat, lon)
    assert (got == want).all(), np.flatnonzero(got != want)[:10]
    assert (got >= 0).sum() > 5000 and (got == -1).sum() > 500  # both outcomes exercised
    # Points on shared edges exist in the sample and take the lowest index.
    assert len(geo.boundary_records()) == len(geo.district_index().geoms) == 61


def test_demo_incidents_equal_the_polygon_rule():
    from analytics import demo

    raw = demo.generate_incidents(start="2025-01-01", end="2025-02-01")
    lat = raw["latitud"].to_numpy(dtype=np.float64)
    lon = raw["longitud"].to_numpy(dtype=np.float64)
    got = geo.points_to_districts(lat, lon)
    assert (got == _first_polygon(geo.BOUNDARIES_PATH, lat, lon)).all()
    # The generator's own district names agree where it placed a point in a polygon.
    names = np.array([r["district"] for r in geo.boundary_records()], dtype=object)
    ok = got >= 0
    assert (names[got[ok]] == raw["distrito"].to_numpy()[ok]).mean() > 0.9


def test_rasters_are_small_and_mostly_clean():
    idx = geo.district_index()
    assert len(idx.rasters) == 2  # Lima/Callao and Trujillo
    assert all(r.codes.size <= geo.MAX_GRID_CELLS for r in idx.rasters)
    assert idx.dirty_share < 0.05


def test_missing_or_broken_boundary_file(tmp_path):
    from analytics._errors import InputFileError

    with pytest.raises(InputFileError, match="No se encuentra"):
        geo.points_to_districts([0.0], [0.0], boundaries=tmp_path / "nada.geojson")
    bad = tmp_path / "bad.geojson"
    bad.write_text("{no es json", encoding="utf-8")
    with pytest.raises(InputFileError, match="GeoJSON"):
        geo.points_to_districts([0.0], [0.0], boundaries=bad)


@pytest.mark.realdata
def test_philadelphia_police_districts_equal_the_polygon_rule(philadelphia_path, rng):
    import pandas as pd

    path = philadelphia_path.with_name("police_districts.geojson")
    inc = pd.read_parquet(philadelphia_path, columns=["lat", "lon"]).dropna()
    pick = rng.choice(len(inc), size=150_000, replace=False)
    e_lat, e_lon = _edge_points(path, rng, 2000)
    lat = np.concatenate([inc["lat"].to_numpy()[pick], e_lat])
    lon = np.concatenate([inc["lon"].to_numpy()[pick], e_lon])
    got = geo.points_to_districts(lat, lon, boundaries=path)
    want = _first_polygon(path, lat, lon)
    assert (got == want).all(), np.flatnonzero(got != want)[:10]
    assert (got[: len(pick)] >= 0).mean() > 0.99


def test_nearby_clusters_do_not_overwrite_each_other(tmp_path):
    """Two polygons 55 m apart (bounding boxes apart, rasters overlapping), in both orders."""
    a = [(0, 0), (0.01, 0), (0.01, 0.01), (0, 0.01), (0, 0)]
    b = [(0.0105, 0), (0.02, 0), (0.02, 0.01), (0.0105, 0.01), (0.0105, 0)]
    lon = np.array([0.0106, 0.0104, 0.0099, 0.0102, 0.0105])
    lat = np.full(5, 0.005)
    for order, (ia, ib) in (([a, b], (0, 1)), ([b, a], (1, 0))):
        path = _write(tmp_path / f"dos_{ia}.geojson", order)
        got = geo.points_to_districts(lat, lon, boundaries=path)
        assert got.tolist() == [ib, -1, ia, -1, ib]
        assert (got == _first_polygon(path, lat, lon)).all()


# --------------------------------------------------------------------------- one geo base
def test_distance_helpers_agree_on_the_h3_sphere() -> None:
    import h3

    assert geo.EARTH_RADIUS_M == pytest.approx(h3.great_circle_distance(
        (0.0, 0.0), (0.0, 1.0), unit="m") / np.radians(1.0), rel=1e-9)
    lat = np.array([-12.0680, -12.0700, -12.0500])
    lon = np.array([-77.0180, -77.0150, -77.0400])
    xy = geo.local_xy(lat, lon, float(lat[0]), float(lon[0]))
    planar = np.hypot(xy[:, 0], xy[:, 1])
    great = geo.haversine_m(lat[0], lon[0], lat, lon)
    np.testing.assert_allclose(planar, great, rtol=2e-3, atol=1e-6)
    assert great[0] == 0.0


def test_cell_district_rule_majority_then_polygon_then_empty() -> None:
    import h3

    in_lima = h3.latlng_to_cell(-12.0464, -77.0428, 9)       # Cercado de Lima
    in_victoria = h3.latlng_to_cell(-12.0650, -77.0170, 9)   # Gamarra, La Victoria
    at_sea = h3.latlng_to_cell(-12.2000, -77.3000, 9)        # the Pacific
    names = geo.cells_to_districts([in_lima, in_victoria, at_sea],
                                   majority={in_victoria: "LINCE"})
    assert names.to_dict() == {in_lima: "LIMA", in_victoria: "LINCE", at_sea: ""}
    called: list[list[str]] = []

    def lazy(ids: list[str]) -> dict[str, str]:
        called.append(ids)
        return {}

    assert geo.cells_to_districts([in_lima], majority=lazy).tolist() == ["LIMA"]
    assert called == [[in_lima]]


def test_one_district_per_cell_on_every_page(tmp_path) -> None:
    """The map's cell table, the store rule and the frame rule give a cell one district."""
    from analytics import explore, hexbin, store
    from analytics.query import IncidentQuery
    from tests._store_factory import make_store

    db = make_store(tmp_path / "v.duckdb")
    con = store.connect(db, read_only=True)
    try:
        q = IncidentQuery(resolution=9)
        cells = explore.cell_counts(con, q)
        night = explore.cell_counts(con, q.with_(shifts=["noche"]))  # filters change nothing
        rule = explore.cell_districts(con, cells["h3_id"].tolist())
        inc = store.load_incidents(con, columns=["h3_r12", "district"])
    finally:
        con.close()
    by_page = dict(zip(cells["h3_id"], cells["district"].fillna(""), strict=True))
    assert by_page == rule.to_dict()
    shared = set(night["h3_id"])
    assert {k: v for k, v in by_page.items() if k in shared} == dict(
        zip(night["h3_id"], night["district"].fillna(""), strict=True))
    frame = geo.cells_to_districts(cells["h3_id"].to_numpy(),
                                   majority=hexbin.majority_districts(inc, resolution=9).to_dict())
    assert frame.to_dict() == rule.to_dict()
