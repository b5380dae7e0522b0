"""Near repeat: the Knox test with dates shuffled among fixed locations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics import geo, settings
from analytics._errors import IncidentSchemaError

# --------------------------------------------------------------------------
# Near repeat (Knox test)
# --------------------------------------------------------------------------



def _default_bands(step: float) -> tuple[float, ...]:
    return tuple(float(step) * i for i in range(5))


def _band_labels(edges: np.ndarray, unit: str, *, integer: bool) -> list[str]:
    def fmt(v: float) -> str:
        return f"{v:g}"

    labels = []
    for j in range(1, edges.size):
        lo = edges[j - 1] + (1 if integer and j > 1 else 0)
        labels.append(f"{fmt(lo)}–{fmt(edges[j])} {unit}")
    labels.append(f"más de {fmt(edges[-1])} {unit}")
    return labels


@dataclass(frozen=True, eq=False)
class NearRepeatResult:
    """Knox test of near repeats: pair counts per distance band × time band.

    Rows are distance bands (``distance_edges``: [e0, e1], (e1, e2], …, and a
    last row "more than the largest edge"); columns are time bands in whole
    days ([0, d1], d1+1 … d2, …, and "more than the largest"). Expected counts
    are the mean over permutations of the incident dates among the fixed
    locations.

    Attributes
    ----------
    observed, expected : numpy.ndarray
        Pair counts (distance bands + 1) × (time bands + 1).
    p_value : numpy.ndarray
        Monte Carlo p of an excess of pairs: (#sim >= obs + 1) / (perm + 1).
    distance_edges, time_edges : numpy.ndarray
        Band edges in metres and days.
    permutations, n_incidents : int
    """

    observed: np.ndarray
    expected: np.ndarray
    p_value: np.ndarray
    distance_edges: np.ndarray
    time_edges: np.ndarray
    permutations: int
    n_incidents: int
    alpha: float

    @property
    def ratio(self) -> np.ndarray:
        """Knox ratio observed / expected (NaN where nothing is expected)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.expected > 0, self.observed / self.expected, np.nan)

    @property
    def distance_labels(self) -> list[str]:
        """Spanish labels of the distance bands ("0–100 m", …, "más de 400 m")."""
        return _band_labels(self.distance_edges, "m", integer=False)

    @property
    def time_labels(self) -> list[str]:
        """Spanish labels of the time bands ("0–7 días", "8–14 días", …)."""
        return _band_labels(self.time_edges, "días", integer=True)

    def to_frame(self) -> pd.DataFrame:
        """Long table: distance, time, observed, expected, ratio, p_value, significant."""
        nd, nt = self.observed.shape
        return pd.DataFrame({
            "distance": np.repeat(self.distance_labels, nt),
            "time": np.tile(self.time_labels, nd),
            "observed": self.observed.ravel(), "expected": self.expected.ravel(),
            "ratio": self.ratio.ravel(), "p_value": self.p_value.ravel(),
            "significant": (self.p_value < self.alpha).ravel(),
        })

    def ratio_table(self) -> pd.DataFrame:
        """Knox ratios as a distance × time table with Spanish band labels."""
        return pd.DataFrame(self.ratio, index=pd.Index(self.distance_labels, name="distancia"),
                            columns=pd.Index(self.time_labels, name="tiempo"))


def _project_m(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Equirectangular metres around the mean point (error < 0.1 % within ~50 km)."""
    return geo.local_xy(lat, lon, float(lat.mean()), float(lon.mean()))


def _pairs_by_time_band(days: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Count all incident pairs per time band of their day gap (+ beyond)."""
    d = np.sort(days)
    n = d.size
    idx = np.arange(n)
    within = np.array([
        (np.searchsorted(d, d + e, side="right") - idx - 1).sum() for e in edges[1:]
    ], dtype=np.int64)
    total = n * (n - 1) // 2
    cum = np.concatenate([within, [total]])
    return np.diff(np.concatenate([[0], cum]))


_DISTANCE_BANDS_M = _default_bands(settings.NEAR_REPEAT_DISTANCE_M)


_TIME_BANDS_DAYS = tuple(settings.NEAR_REPEAT_DAYS * i for i in range(5))


def near_repeat(incidents: pd.DataFrame, *,
                distance_bands_m: Sequence[float] = _DISTANCE_BANDS_M,
                time_bands_days: Sequence[int] = _TIME_BANDS_DAYS,
                permutations: int = 99, seed: int | np.random.Generator | None = None,
                alpha: float = settings.ALPHA, max_pairs: int = 20_000_000
                ) -> NearRepeatResult:
    """Near-repeat analysis: Knox test with Monte Carlo permutations.

    Every pair of incidents is placed in a distance band and a time band
    (whole calendar days between the two dates). The observed table is
    compared with the tables obtained by shuffling the dates among the
    incidents (locations fixed), which keeps the spatial and the temporal
    distributions and breaks only their interaction. Pairs closer than the
    largest distance edge are found with a k-d tree on local metric
    coordinates, so the cost grows with the number of close pairs, not n².
    The "more than" distance row comes from the all-pairs time-gap counts,
    which no permutation changes.

    Parameters
    ----------
    incidents
        Columns ``occurred_at``, ``lat``, ``lon`` (canonical incidents).
    distance_bands_m
        Increasing distance edges in metres, starting at 0 (default every
        ``NEAR_REPEAT_DISTANCE_M`` up to four bands).
    time_bands_days
        Increasing whole-day edges, starting at 0 (default every
        ``NEAR_REPEAT_DAYS``).
    permutations
        Monte Carlo permutations (at least 1).
    seed
        Seed (or generator) of the permutations.
    alpha
        Level for the ``significant`` column.
    max_pairs
        Refuse (with a Spanish message) inputs with more close pairs than
        this: memory and time grow with them (about 24 bytes and 99
        permutations × a few ns each).

    Returns
    -------
    NearRepeatResult
        Observed and expected pair counts, Knox ratios and p-values per band.
    """
    from scipy.spatial import cKDTree

    problems: list[str] = []
    missing = [c for c in ("occurred_at", "lat", "lon") if c not in incidents.columns]
    if missing:
        problems.append(f"Faltan columnas: {', '.join(missing)}.")
    d_edges = np.asarray(distance_bands_m, dtype=np.float64)
    t_edges = np.asarray(time_bands_days, dtype=np.float64)
    for name, e in (("distancia", d_edges), ("tiempo", t_edges)):
        if e.ndim != 1 or e.size < 2 or e[0] != 0 or np.any(np.diff(e) <= 0):
            problems.append(f"Las bandas de {name} deben empezar en 0 y ser crecientes.")
    if np.any(t_edges != np.round(t_edges)):
        problems.append("Las bandas de tiempo deben ser días enteros.")
    if (not isinstance(permutations, (int, np.integer)) or isinstance(permutations, bool)
            or permutations < 1):
        problems.append("permutations debe ser un entero mayor o igual a 1.")
    if not missing:
        lat = pd.to_numeric(incidents["lat"], errors="coerce").to_numpy(dtype=np.float64)
        lon = pd.to_numeric(incidents["lon"], errors="coerce").to_numpy(dtype=np.float64)
        ts = pd.to_datetime(incidents["occurred_at"], errors="coerce")
        bad = np.isnan(lat) | np.isnan(lon) | ts.isna().to_numpy()
        if bad.any():
            problems.append(f"{int(bad.sum())} incidentes sin fecha o sin coordenadas.")
        elif lat.size < 2:
            problems.append("Se necesitan al menos 2 incidentes.")
    if problems:
        raise IncidentSchemaError(" ".join(problems))

    n = lat.size
    days = (ts.dt.floor("D").to_numpy().astype("datetime64[D]").astype(np.int64))
    xy = _project_m(lat, lon)
    tree = cKDTree(xy)
    n_close = (int(tree.count_neighbors(tree, float(d_edges[-1]))) - n) // 2
    if n_close > max_pairs:
        msg = (f"Demasiados pares de incidentes cercanos ({n_close:,}) para el análisis de "
               "repetición cercana: filtre por tipo de delito, zona o período, o reduzca la "
               "distancia máxima.")
        raise IncidentSchemaError(msg)
    pairs = tree.query_pairs(r=float(d_edges[-1]), output_type="ndarray")
    i, j = pairs[:, 0], pairs[:, 1]
    dist = np.hypot(*(xy[i] - xy[j]).T)
    n_dist, n_time = d_edges.size - 1, t_edges.size  # time bands + "beyond"
    d_band = np.minimum(np.searchsorted(d_edges[1:], dist, side="left"), n_dist - 1)
    d_base = (d_band * n_time).astype(np.intp)
    days = days - days.min()
    gap_band = np.searchsorted(t_edges[1:], np.arange(int(days.max()) + 1), side="left")
    days32 = days.astype(np.int32)
    del pairs, dist, d_band

    def table(day: np.ndarray) -> np.ndarray:
        code = d_base + gap_band[np.abs(day[i] - day[j])]
        return np.bincount(code, minlength=n_dist * n_time).reshape(n_dist, n_time)

    near_obs = table(days32)
    rng = np.random.default_rng(seed)
    exceed = np.zeros_like(near_obs)
    sim_sum = np.zeros(near_obs.shape, dtype=np.float64)
    all_pairs = _pairs_by_time_band(days, t_edges)
    beyond_obs = all_pairs - near_obs.sum(axis=0)
    beyond_exceed = np.zeros(n_time, dtype=np.int64)
    for _ in range(permutations):
        sim = table(days32[rng.permutation(n)])
        exceed += sim >= near_obs
        sim_sum += sim
        beyond_exceed += (all_pairs - sim.sum(axis=0)) >= beyond_obs
    expected_near = sim_sum / permutations
    observed = np.vstack([near_obs, beyond_obs[None, :]])
    expected = np.vstack([expected_near, (all_pairs - expected_near.sum(axis=0))[None, :]])
    p_value = (np.vstack([exceed, beyond_exceed[None, :]]) + 1.0) / (permutations + 1.0)
    return NearRepeatResult(observed=observed, expected=expected, p_value=p_value,
                            distance_edges=d_edges, time_edges=t_edges,
                            permutations=int(permutations), n_incidents=int(n),
                            alpha=float(alpha))
