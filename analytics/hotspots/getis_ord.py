"""Getis-Ord Gi* on H3 counts (``esda.G_Local(star=True)``) and ESRI's hot/cold classes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
from scipy import sparse

from analytics import settings
from analytics._errors import IncidentSchemaError
from analytics.hotspots._weights import (
    _check_permutations,
    _choose_p,
    _crand_neighbor_sums,
    _permutation_p,
    _prepare_counts,
    _PValues,
    _two_sided_norm,
    cells_to_weights,
)

#: Gi* bins (ESRI ``Gi_Bin``: -3 … 3) -> machine key.
_BIN_KEYS: dict[int, str] = {
    3: "hot_99", 2: "hot_95", 1: "hot_90", 0: "not_significant",
    -1: "cold_90", -2: "cold_95", -3: "cold_99",
}


#: Gi* class key -> Spanish label.
HOTSPOT_LABELS = MappingProxyType({
    "hot_99": "caliente 99 %",
    "hot_95": "caliente 95 %",
    "hot_90": "caliente 90 %",
    "not_significant": "no significativo",
    "cold_90": "frío 90 %",
    "cold_95": "frío 95 %",
    "cold_99": "frío 99 %",
})


@dataclass(frozen=True, eq=False)
class GiStarResult(_PValues):
    """Getis–Ord Gi* per cell (see the module notes for the conventions).

    Attributes
    ----------
    cells : numpy.ndarray
        ``uint64`` cells of the study region, sorted.
    counts : numpy.ndarray
        Count per cell (zero for filled cells).
    observed : numpy.ndarray
        ``True`` where the cell was in the input, ``False`` where it was filled.
    gi : numpy.ndarray
        The statistic G*_i: neighbourhood sum (self included) / total.
    z : numpy.ndarray
        Analytical z-score (esda ``Zs``).
    p_norm : numpy.ndarray
        Two-sided analytical p-value.
    p_sim : numpy.ndarray or None
        Two-sided permutation p-value; ``None`` when ``permutations == 0``.
    k, permutations : int
        Ring size and number of permutations used.
    """

    cells: np.ndarray
    counts: np.ndarray
    observed: np.ndarray
    gi: np.ndarray
    z: np.ndarray
    p_norm: np.ndarray
    p_sim: np.ndarray | None
    k: int
    permutations: int

    def to_frame(self) -> pd.DataFrame:
        """One row per cell: h3, count, observed, gi, z, p_norm, p_fdr, p_sim, p_sim_fdr."""
        return pd.DataFrame({
            "h3": self.cells, "count": self.counts, "observed": self.observed,
            "gi": self.gi, "z": self.z, **self._p_columns(),
        })


def _gi_star_matrix(w_self: sparse.csr_matrix, y: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Gi* and analytical z for each column of ``y`` (n × t), esda's formulas.

    ``w_self`` is binary with ones on the diagonal. Columns without variation
    (or with a zero total) get z = 0.
    """
    y2 = y if y.ndim == 2 else y[:, None]
    n = y2.shape[0]
    total = y2.sum(axis=0)
    mean = total / n
    var = (y2 ** 2).sum(axis=0) / n - mean ** 2
    card = np.asarray(w_self.sum(axis=1)).ravel()[:, None]
    local = np.asarray(w_self @ y2)
    with np.errstate(divide="ignore", invalid="ignore"):
        gi = local / total
        expected = card / n
        variance = card * (n - card) / (n - 1) / n ** 2 * (var / mean ** 2)
        z = (gi - expected) / np.sqrt(variance)
    z = np.where(np.isfinite(z), z, 0.0)
    gi = np.where(np.isfinite(gi), gi, np.nan)
    if y.ndim == 1:
        return gi[:, 0], z[:, 0]
    return gi, z


def gi_star(counts: pd.DataFrame, *, k: int = 1, permutations: int = settings.PERMUTATIONS,
            seed: int | np.random.Generator | None = None, fill_empty: bool = True,
            region: np.ndarray | Sequence[int] | None = None) -> GiStarResult:
    """Getis–Ord Gi* hot spot statistic on counts per H3 cell.

    Parameters
    ----------
    counts
        Columns ``h3`` (uint64, unique, one resolution) and ``count`` (>= 0),
        as returned by :func:`analytics.hexbin.counts_by_cell`.
    k
        Neighbourhood: cells within ``k`` rings (binary weights, self included).
    permutations
        Conditional permutations for ``p_sim``; 0 disables them.
    seed
        Seed (or generator) of the permutations.
    fill_empty
        Add the zero-count cells within ``k`` rings of the observed ones.
    region
        Extra cells of the study region (counted as zero when not observed).

    Returns
    -------
    GiStarResult
        z, analytical and permutation p-values, FDR-adjusted p.

    Examples
    --------
    A busy cell among quiet neighbours (the study region adds the empty ring
    around them):

    >>> import h3
    >>> c = h3.latlng_to_cell(-12.068, -77.018, 9)
    >>> ring = [x for x in h3.grid_disk(c, 1) if x != c]
    >>> counts = pd.DataFrame({"h3": [c, *ring], "count": [12, 1, 1, 1, 1, 1, 1]})
    >>> res = gi_star(counts, k=1, permutations=0)
    >>> len(res.cells), round(float(res.z[res.cells == h3.str_to_int(c)][0]), 2)
    (19, 1.99)
    >>> classify_hotspots(res)["key"].value_counts().to_dict()
    {'not_significant': 18, 'hot_95': 1}
    """
    problems: list[str] = []
    _check_permutations(permutations, problems)
    if problems:
        raise IncidentSchemaError(" ".join(problems))
    cells, y, observed = _prepare_counts(counts, k=k, fill_empty=fill_empty, region=region,
                                         min_cells=3)
    w = cells_to_weights(cells, k=k)
    w_self = (w + sparse.identity(cells.size, format="csr")).tocsr()
    gi, z = _gi_star_matrix(w_self, y)
    p_sim = None
    if permutations:
        ge, le = _crand_neighbor_sums(y, w, permutations=permutations, seed=seed)
        p_sim = _permutation_p(ge, le, permutations)
    return GiStarResult(cells=cells, counts=y, observed=observed, gi=gi, z=z,
                        p_norm=_two_sided_norm(z), p_sim=p_sim, k=int(k),
                        permutations=int(permutations))


def _z_bins(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    level = np.select([p < 0.01, p < 0.05, p < 0.10], [3, 2, 1], default=0)
    return np.asarray((np.sign(z).astype(np.int64) * level).astype(np.int8))


def classify_hotspots(result: GiStarResult, *, use_fdr: bool = False,
                      use_permutation: bool = False) -> pd.DataFrame:
    """Hot and cold spots at 90, 95 and 99 % confidence.

    The default judges the analytical p-value, as ESRI's Hot Spot Analysis
    does. The permutation p conditions on the cell's own count, so one
    extreme cell among ordinary neighbours (a stacked point, say) is not a
    permutation hot spot: it is an outlier, not a cluster. With FDR, the
    permutation p needs many permutations: its floor 2 / (permutations + 1)
    times (cells / rank) quickly exceeds 0.05 on thousands of cells.

    Parameters
    ----------
    result
        Output of :func:`gi_star`.
    use_fdr
        Judge significance on Benjamini–Hochberg adjusted p-values.
    use_permutation
        Judge the permutation p-value instead of the analytical one.

    Returns
    -------
    pandas.DataFrame
        ``h3``, ``bin`` (ESRI Gi_Bin, -3 … 3: sign of z × 1/2/3 for p below
        0.10/0.05/0.01), ``key`` (``hot_99`` … ``cold_99``,
        ``not_significant``) and ``label`` (Spanish, :data:`HOTSPOT_LABELS`).
    """
    p = _choose_p(result.p_norm, result.p_sim, use_permutation=use_permutation,
                  use_fdr=use_fdr)
    bins = _z_bins(result.z, p)
    keys = np.array([_BIN_KEYS[int(b)] for b in range(-3, 4)], dtype=object)[bins + 3]
    return pd.DataFrame({"h3": result.cells, "bin": bins, "key": keys,
                         "label": [HOTSPOT_LABELS[k] for k in keys]})
