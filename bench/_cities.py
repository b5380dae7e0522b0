"""Stand-in cities built from Philadelphia, for the cell-forecast benchmarks.

The default cell model must not lose to the baselines on cities nobody tuned it
to (a dense Toronto-like one; a Mexico-City-like one made of three low-density
boroughs). Only Philadelphia is at hand, so these variants change its density
and shape (every thinning is seeded, so the cities are the same on every run):

``philadelphia``
    The whole city, as ``bench/forecast.py`` always used it.
``sparse3``
    Three separate, low-count police districts (1 south, 5 north-west, 7 far
    north-east), each incident kept with probability 0.15: a city of three
    low-density boroughs (Mexico-City-like).
``sparse3b``
    Three mid-count districts (12 south-west, 14 north-west, 15 north-east),
    kept with probability 0.10.
``sparse3c``
    Three other districts (8 far north-east, 16 west, 17 south), kept with
    probability 0.08: a second city of the ``sparse3`` kind (about as many
    incidents), added so that the rule for sparse cities is not fitted to one.
``thin25``
    The whole city, each incident kept with probability 0.25.
``violent``
    The whole city, one crime group only: assaults and homicides
    (``crime_group="vida_cuerpo_salud"``), about a fifth of the incidents.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
PHILLY = ROOT.parent / "shared" / "data" / "philadelphia_incidents" / "incidents_2016_2025.parquet"

#: Crime group of the ``violent`` stand-in.
VIOLENT_GROUP: Final = "vida_cuerpo_salud"
_VIOLENT = ("Other Assaults", "Aggravated Assault No Firearm", "Aggravated Assault Firearm",
            "Homicide - Criminal", "Homicide - Justifiable", "Homicide - Gross Negligence")


def load_philadelphia() -> pd.DataFrame:
    """Canonical-enough incidents: occurred_at, lat, lon, crime_type, crime_group, district.

    Rows without coordinates and rows stamped exactly 00:00:00 (date-only:
    every homicide) are dropped.
    """
    df = pd.read_parquet(PHILLY, columns=["incident_id", "ts_local", "lat", "lon", "crime_type",
                                          "police_district"])
    df = df.dropna(subset=["lat", "lon"]).rename(columns={"ts_local": "occurred_at"})
    t = df["occurred_at"]
    midnight = (t.dt.hour == 0) & (t.dt.minute == 0) & (t.dt.second == 0)
    df = df.loc[~midnight].reset_index(drop=True)
    df["crime_type"] = df["crime_type"].astype(str)
    df["crime_group"] = np.where(df["crime_type"].isin(_VIOLENT), VIOLENT_GROUP, "otro")
    return df


def _thin(df: pd.DataFrame, keep: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return df.loc[rng.random(len(df)) < keep].reset_index(drop=True)


def _districts(df: pd.DataFrame, districts: tuple[int, ...], keep: float,
               seed: int) -> pd.DataFrame:
    return _thin(df.loc[df["police_district"].isin(districts)], keep, seed)


#: name -> (builder from the Philadelphia frame, crime group to forecast).
CITIES: Final[dict[str, tuple[Callable[[pd.DataFrame], pd.DataFrame], str | None]]] = {
    "philadelphia": (lambda df: df, None),
    "sparse3": (lambda df: _districts(df, (1, 5, 7), 0.15, 1), None),
    "sparse3b": (lambda df: _districts(df, (12, 14, 15), 0.10, 2), None),
    "sparse3c": (lambda df: _districts(df, (8, 16, 17), 0.08, 4), None),
    "thin25": (lambda df: _thin(df, 0.25, 3), None),
    "violent": (lambda df: df, VIOLENT_GROUP),
}


def city(name: str, philly: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """The stand-in's incidents and the crime group to forecast."""
    build, group = CITIES[name]
    return build(philly), group
