"""A small store with an injected effect, for the register, CLI and page tests.

Two years (2023–2024) of incidents spread uniformly over a ~9 × 9 km square around
central Lima (district LA VICTORIA); inside a 1.2 km square (:func:`area`) 35 % of the
incidents from 2024-01-01 on are removed: the evaluation must find a reduction there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from analytics import hexbin, settings, store
from analytics.intervention_areas import utm_transformer

LIMA = (-77.02, -12.07)  # lon, lat
START = "2024-01-01"


def centre() -> tuple[float, float]:
    """UTM 18S coordinates of :data:`LIMA`."""
    x, y = utm_transformer(32718).transform(*LIMA)
    return float(x), float(y)


def square(dx: float = 0.0, dy: float = 0.0, half: float = 600.0) -> shapely.Polygon:
    """A square of side ``2·half`` m around the centre moved by ``(dx, dy)`` m, EPSG:4326."""
    x0, y0 = centre()
    xs = np.array([-half, half, half, -half]) + x0 + dx
    ys = np.array([-half, -half, half, half]) + y0 + dy
    lon, lat = utm_transformer(32718, inverse=True).transform(xs, ys)
    return shapely.Polygon(np.column_stack([lon, lat]))


def area() -> shapely.Polygon:
    """The square with the injected reduction."""
    return square()


def incidents(*, n: int = 20000, seed: int = 9, reduction: float = 0.35) -> pd.DataFrame:
    """The canonical incidents (see the module notes)."""
    rng = np.random.default_rng(seed)
    lat = LIMA[1] + rng.uniform(-0.04, 0.04, n)
    lon = LIMA[0] + rng.uniform(-0.04, 0.04, n)
    t = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.uniform(0, 731, n), unit="D")
    groups = rng.choice(np.array(["patrimonio", "vida_cuerpo_salud"]), n, p=[0.7, 0.3])
    df = pd.DataFrame({"occurred_at": t.floor("min"), "lat": lat, "lon": lon,
                       "crime_type": np.where(groups == "patrimonio", "robo", "lesiones"),
                       "crime_group": groups})
    inside = shapely.contains_xy(area(), df["lon"].to_numpy(), df["lat"].to_numpy())
    after = (df["occurred_at"] >= START).to_numpy()
    df = df.loc[~(inside & after & (rng.random(n) < reduction))].reset_index(drop=True)
    df["incident_id"] = [f"s{i}" for i in range(len(df))]
    df["district"] = "LA VICTORIA"
    df["ubigeo"] = "150115"
    df["source"] = "prueba"
    df["h3_r12"] = hexbin.points_to_cells(df["lat"].to_numpy(), df["lon"].to_numpy())
    df["import_id"] = 1
    return df


def make_store(path: Path, **kw: object) -> Path:
    """Write :func:`incidents` to a new store at ``path``."""
    df = incidents(**kw)  # type: ignore[arg-type]
    cols = [c for c, _ in settings.INCIDENT_COLUMNS]
    with store.writing(path) as con:
        con.register("src", df[cols])
        con.execute(f"INSERT INTO incidents BY NAME SELECT {', '.join(cols)} FROM src")
        con.unregister("src")
    return path
