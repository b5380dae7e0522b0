"""Local Moran's I on H3 counts (``esda.Moran_Local``) and its four cluster quadrants."""

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

#: Local Moran cluster key -> Spanish label.
CLUSTER_LABELS = MappingProxyType({
    "high_high": "alto-alto",
    "low_low": "bajo-bajo",
    "high_low": "alto-bajo",
    "low_high": "bajo-alto",
    "not_significant": "no significativo",
})


# --------------------------------------------------------------------------
# Local Moran's I
# --------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class LocalMoranResult(_PValues):
    """Local Moran's I per cell (esda ``Moran_Local`` conventions).

    Attributes
    ----------
    cells, counts, observed : numpy.ndarray
        As in :class:`GiStarResult`.
    local_i : numpy.ndarray
        Local I (esda ``Is``).
    lag : numpy.ndarray
        Spatial lag of the standardised counts (row-standardised weights).
    quadrant : numpy.ndarray
        1 alto-alto, 2 bajo-alto, 3 bajo-bajo, 4 alto-bajo (esda ``q``).
    z, p_norm : numpy.ndarray
        Analytical z (total randomisation, esda ``EI``/``VI``), two-sided p.
    p_sim : numpy.ndarray or None
        Two-sided permutation p; ``None`` when ``permutations == 0``.
    """

    cells: np.ndarray
    counts: np.ndarray
    observed: np.ndarray
    local_i: np.ndarray
    lag: np.ndarray
    quadrant: np.ndarray
    z: np.ndarray
    p_norm: np.ndarray
    p_sim: np.ndarray | None
    k: int
    permutations: int

    def to_frame(self) -> pd.DataFrame:
        """One row per cell: h3, count, observed, local_i, lag, quadrant, z, p's."""
        return pd.DataFrame({
            "h3": self.cells, "count": self.counts, "observed": self.observed,
            "local_i": self.local_i, "lag": self.lag, "quadrant": self.quadrant,
            "z": self.z, **self._p_columns(),
        })


def local_moran(counts: pd.DataFrame, *, k: int = 1, permutations: int = settings.PERMUTATIONS,
                seed: int | np.random.Generator | None = None, fill_empty: bool = True,
                region: np.ndarray | Sequence[int] | None = None) -> LocalMoranResult:
    """Local Moran's I (LISA) on counts per H3 cell.

    Parameters
    ----------
    counts
        Columns ``h3`` and ``count`` (see :func:`gi_star`).
    k
        Neighbourhood rings (binary weights, row-standardised, no self).
    permutations
        Conditional permutations for ``p_sim``; 0 disables them.
    seed
        Seed (or generator) of the permutations.
    fill_empty, region
        Study region, as in :func:`gi_star`.

    Returns
    -------
    LocalMoranResult
        Local I, quadrants, analytical and permutation p-values.
    """
    problems: list[str] = []
    _check_permutations(permutations, problems)
    if problems:
        raise IncidentSchemaError(" ".join(problems))
    cells, y, observed = _prepare_counts(counts, k=k, fill_empty=fill_empty, region=region,
                                         min_cells=3)
    n = y.size
    w = cells_to_weights(cells, k=k)
    card = np.diff(w.indptr).astype(np.float64)
    inv = np.divide(1.0, card, out=np.zeros(n), where=card > 0)
    w_r = sparse.diags(inv) @ w
    zs = (y - y.mean()) / y.std()
    den = (zs * zs).sum()
    lag = np.asarray(w_r @ zs)
    local_i = (n - 1) * zs * lag / den
    zp, lp = zs > 0, lag > 0
    quadrant = np.select([zp & lp, ~zp & lp, ~zp & ~lp], [1, 2, 3], default=4).astype(np.int8)
    # total-randomisation moments (esda Moran_Local.EI / VI, Sokal 1998)
    m2 = den / n
    b2 = ((zs ** 4).sum() / n) / m2 ** 2
    wi = np.asarray(w_r.sum(axis=1)).ravel()
    wi2 = np.asarray(w_r.multiply(w_r).sum(axis=1)).ravel()
    n1 = n - 1
    ei = -wi / n1
    vi = wi2 * (n - b2) / n1 + (wi ** 2 - wi2) * (2 * b2 - n) / (n1 * (n - 2)) - ei ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (local_i - ei) / np.sqrt(vi)
    z = np.where(np.isfinite(z), z, 0.0)
    p_sim = None
    if permutations:
        ge, le = _crand_neighbor_sums(y, w, permutations=permutations, seed=seed)
        p_sim = _permutation_p(ge, le, permutations)
        p_sim[zs == 0] = 1.0  # I_i is 0 under every permutation
    return LocalMoranResult(cells=cells, counts=y, observed=observed, local_i=local_i, lag=lag,
                            quadrant=quadrant, z=z, p_norm=_two_sided_norm(z), p_sim=p_sim,
                            k=int(k), permutations=int(permutations))


def classify_clusters(result: LocalMoranResult, *, alpha: float = settings.ALPHA,
                      use_fdr: bool = False, use_permutation: bool | None = None
                      ) -> pd.DataFrame:
    """LISA cluster labels: alto-alto, bajo-bajo, alto-bajo, bajo-alto, no significativo.

    Parameters
    ----------
    result
        Output of :func:`local_moran`.
    alpha
        Significance level.
    use_fdr
        Judge significance on Benjamini–Hochberg adjusted p-values.
    use_permutation
        Use the permutation p (default: when computed, the LISA convention
        of GeoDa and esda) instead of the analytical one.

    Returns
    -------
    pandas.DataFrame
        ``h3``, ``key`` (``high_high``, ``low_low``, ``high_low``,
        ``low_high``, ``not_significant``) and ``label`` (Spanish).
    """
    p = _choose_p(result.p_norm, result.p_sim, use_permutation=use_permutation,
                  use_fdr=use_fdr)
    quad_keys = np.array(["", "high_high", "low_high", "low_low", "high_low"], dtype=object)
    keys = np.where(p < alpha, quad_keys[result.quadrant], "not_significant").astype(object)
    return pd.DataFrame({"h3": result.cells, "key": keys,
                         "label": [CLUSTER_LABELS[k] for k in keys]})
