"""Philadelphia harness for intervention evaluation: real incidents, injected effects.

Shared by ``bench/interventions.py`` and the ``realdata`` test in
``tests/test_interventions.py``. Effects are injected into real data so the truth is known:
a share of the incidents inside an area after a date is removed (a reduction), or moved to
random points of the ring around it (displacement).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analytics import interventions as iv
from analytics._validate import crime_type_to_group

#: Philadelphia is in UTM 18N.
EPSG = 32618


def load_philadelphia(path: Path, *, start: str = "2016-01-01",
                      end: str = "2026-01-01") -> pd.DataFrame:
    """Canonical incidents (``occurred_at, lat, lon, crime_type, crime_group, district``)."""
    df = pd.read_parquet(path, columns=["ts_local", "lat", "lon", "crime_type", "police_district"],
                         filters=[("ts_local", ">=", pd.Timestamp(start)),
                                  ("ts_local", "<", pd.Timestamp(end))])
    types = df["crime_type"].astype(str)
    groups = {t: crime_type_to_group(t)[1] for t in types.unique()}
    return pd.DataFrame({
        "occurred_at": df["ts_local"].astype("datetime64[us]"),
        "lat": df["lat"].to_numpy(), "lon": df["lon"].to_numpy(),
        "crime_type": types.to_numpy(),
        "crime_group": types.map(groups).to_numpy(),
        "district": df["police_district"].astype(str).to_numpy(),
    })


def _to_utm(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = iv.utm_transformer(EPSG).transform(lon, lat)
    return np.asarray(x), np.asarray(y)


def disc_area(lon: float, lat: float, radius_m: float) -> Any:
    """Return a disc of ``radius_m`` around a point, as an EPSG:4326 polygon."""
    import shapely

    x, y = _to_utm(np.array([lon]), np.array([lat]))
    disc = shapely.Point(float(x[0]), float(y[0])).buffer(radius_m, quad_segs=16)
    inv = iv.utm_transformer(EPSG, inverse=True)
    return shapely.transform(disc, lambda xy: np.column_stack(inv.transform(xy[:, 0], xy[:, 1])))


def random_disc(df: pd.DataFrame, rng: np.random.Generator, radius_m: float, *,
                min_incidents: int = 0, tries: int = 200) -> Any:
    """Return a disc centred on a random incident with coordinates.

    It is redrawn (up to ``tries`` times) until it holds at least ``min_incidents`` rows.
    """
    import shapely

    ok = df[["lat", "lon"]].notna().all(axis=1).to_numpy()
    lon, lat = df["lon"].to_numpy(), df["lat"].to_numpy()
    x, y = _to_utm(lon[ok], lat[ok])
    disc = None
    for _ in range(tries):
        j = int(rng.integers(0, x.size))
        n = int(np.count_nonzero((x - x[j]) ** 2 + (y - y[j]) ** 2 <= radius_m ** 2))
        disc = disc_area(float(lon[ok][j]), float(lat[ok][j]), radius_m)
        if n >= min_incidents:
            return disc
    return shapely.Polygon() if disc is None else disc


def district_numbers(path: Path) -> list[int]:
    """Police district numbers in ``police_districts.geojson`` (77, the airport, left out)."""
    import geopandas as gpd

    g = gpd.read_file(path.parent / "police_districts.geojson")
    return sorted(int(n) for n in g["dist_num"] if int(n) != 77)


def district_area(path: Path, number: int) -> Any:
    """Return a police district polygon from ``police_districts.geojson`` (``dist_num``)."""
    import geopandas as gpd

    g = gpd.read_file(path.parent / "police_districts.geojson")
    return g.loc[g["dist_num"].astype(int) == int(number), "geometry"].union_all()


def _after_inside(df: pd.DataFrame, area: Any, start: pd.Timestamp) -> np.ndarray:
    import shapely

    ok = df[["lat", "lon"]].notna().all(axis=1).to_numpy()
    after = (df["occurred_at"] >= start).to_numpy()
    inside = np.zeros(len(df), dtype=bool)
    inside[ok] = shapely.contains_xy(area, df["lon"].to_numpy()[ok], df["lat"].to_numpy()[ok])
    return inside & after & ok


def inject_reduction(df: pd.DataFrame, area: Any, start: str, share: float,
                     rng: np.random.Generator) -> pd.DataFrame:
    """Remove ``share`` of the incidents inside ``area`` from ``start`` on.

    Each such incident is removed with probability ``share``.
    """
    hit = _after_inside(df, area, pd.Timestamp(start)) & (rng.random(len(df)) < share)
    return df.loc[~hit].reset_index(drop=True)


def inject_displacement(df: pd.DataFrame, area: Any, start: str, share: float,
                        rng: np.random.Generator, *, buffer_m: float = iv.BUFFER_M
                        ) -> pd.DataFrame:
    """Move ``share`` of the incidents inside ``area`` from ``start`` on into the ring.

    The moved incidents get uniform random points of the ring ``buffer_m`` around the area.
    """
    import shapely

    hit = _after_inside(df, area, pd.Timestamp(start)) & (rng.random(len(df)) < share)
    areas = iv.study_areas(area, buffer_m=buffer_m)
    x0, y0, x1, y1 = areas.ring.bounds
    need = int(hit.sum())
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    got = 0
    while got < need:
        px = rng.uniform(x0, x1, 4 * need + 16)
        py = rng.uniform(y0, y1, 4 * need + 16)
        keep = shapely.contains_xy(areas.ring, px, py)
        xs.append(px[keep])
        ys.append(py[keep])
        got += int(keep.sum())
    x = np.concatenate(xs)[:need]
    y = np.concatenate(ys)[:need]
    lon, lat = iv.utm_transformer(areas.epsg, inverse=True).transform(x, y)
    out = df.copy()
    out.loc[hit, "lon"] = np.asarray(lon)
    out.loc[hit, "lat"] = np.asarray(lat)
    return out


def window(df: pd.DataFrame, start: str, *, months_before: int = 12,
           months_after: int = 12) -> pd.DataFrame:
    """Rows within the evaluation windows (keeps the harness fast)."""
    s = pd.Timestamp(start)
    lo, hi = s - pd.DateOffset(months=months_before), s + pd.DateOffset(months=months_after)
    t = df["occurred_at"]
    return df.loc[(t >= lo) & (t < hi)].reset_index(drop=True)
