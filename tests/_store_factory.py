"""Small seeded Vigía stores for the app and exploration tests (owned by the app tests)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analytics import hexbin, settings, store

#: Hotspot centres in Lima (lat, lon, district) used by the synthetic data.
HOTSPOTS = (
    (-12.0680, -77.0180, "LA VICTORIA"),
    (-12.0464, -77.0428, "LIMA"),
    (-12.1210, -77.0300, "MIRAFLORES"),
    (-12.0900, -77.0500, "LINCE"),
)
TYPES = ("robo agravado", "hurto", "extorsión", "lesiones", "violencia familiar", "robo")


def synthetic_incidents(n: int = 600, *, seed: int = 7, end: str = "2025-06-30") -> pd.DataFrame:
    """Canonical incidents over 180 days around four Lima hotspots, seeded."""
    rng = np.random.default_rng(seed)
    k = rng.integers(0, len(HOTSPOTS), n)
    centres = np.array([(a, b) for a, b, _ in HOTSPOTS])
    lat = centres[k, 0] + rng.normal(0, 0.004, n)
    lon = centres[k, 1] + rng.normal(0, 0.004, n)
    end_ts = pd.Timestamp(end) + pd.Timedelta(hours=23)
    minutes = rng.integers(0, 180 * 24 * 60, n)
    occurred = end_ts - pd.to_timedelta(minutes, unit="min")
    types = rng.choice(np.array(TYPES), n, p=[0.3, 0.25, 0.1, 0.15, 0.05, 0.15])
    df = pd.DataFrame({
        "incident_id": [f"s{i:05d}" for i in range(n)],
        "occurred_at": occurred.floor("min"),
        "lat": lat, "lon": lon,
        "crime_type": types,
        "crime_group": [settings.CRIME_TYPE_GROUP[t] for t in types],
        "district": [HOTSPOTS[i][2] for i in k],
        "ubigeo": None, "source": "prueba",
    })
    df["h3_r12"] = hexbin.points_to_cells(df["lat"].to_numpy(), df["lon"].to_numpy())
    df["import_id"] = 1
    return df


def make_store(path: Path, *, n: int = 600, seed: int = 7, quarantined: int = 3) -> Path:
    """Write a store with ``n`` synthetic incidents, one import and a few quarantined rows."""
    df = synthetic_incidents(n, seed=seed)
    con = store.connect(path)
    try:
        cols = [c for c, _ in settings.INCIDENT_COLUMNS]
        con.register("src", df[cols])
        con.execute(f"INSERT INTO incidents BY NAME SELECT {', '.join(cols)} FROM src")
        con.unregister("src")
        qcols = [c for c, _ in store.QUARANTINE_COLUMNS]
        for i in range(quarantined):
            row = {c: None for c in qcols}
            row.update(import_id=1, file_name="prueba.csv", row_number=i + 2,
                       reason="sin_coordenadas", crime_type_raw="robo")
            con.execute(f"INSERT INTO quarantine VALUES ({', '.join('?' for _ in qcols)})",
                        [row[c] for c in qcols])
        icols = [c for c, _ in store.IMPORT_COLUMNS]
        imp = {c: None for c in icols}
        imp.update(import_id=1, imported_at=pd.Timestamp("2025-07-01 08:00").to_pydatetime(),
                   source="prueba", file_name="prueba.csv", file_sha256="x", tz=settings.TIMEZONE,
                   rows_read=n + quarantined, accepted=n, duplicates=0, quarantined=quarantined,
                   reasons=f'{{"sin_coordenadas": {quarantined}}}', pii_columns_dropped="[]",
                   stacked_points='[{"lat": -12.068, "lon": -77.018, "count": 25}]',
                   swapped_coordinates=0, repeated_file=False, mapping="{}")
        con.execute(f"INSERT INTO imports ({', '.join(icols)}) "
                    f"VALUES ({', '.join('?' for _ in icols)})",
                    [imp[c] for c in icols])
    finally:
        con.close()
    return path
