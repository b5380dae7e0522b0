"""Hotspot statistics on H3 counts: Gi*, local Moran, emerging hot spots, near repeat.

Statistics are computed, classified and drawn in separate steps (as in PySAL
``esda``): a compute function returns a frozen result object holding arrays
(with ``.to_frame()``), a ``classify_*`` function turns it into machine keys
plus Spanish labels, and the page draws. Nothing here imports Streamlit.

Conventions (checked against ``esda`` 2.9 in ``tests/test_hotspots.py``)
----------------------------------------------------------------------
Weights
    Binary k-ring contiguity on the H3 grid (:func:`cells_to_weights`): cell
    *j* is a neighbour of *i* when it lies within ``k`` rings of *i* and in the
    study region. The matrix has a zero diagonal.
Study region
    A Gi* computed over non-empty cells only is biased: empty places between
    busy ones vanish from the mean and the variance. With ``fill_empty=True``
    (default) the region is the observed cells plus every cell within ``k``
    rings of one (:func:`cells_to_region`), counted as zero. ``region=`` adds
    an explicit set of cells (for example a district filled with H3 cells).
Gi*
    ``esda.G_Local(y, w, transform="B", star=True)``: binary weights with a
    self-weight of 1. ``z`` equals esda's ``Zs``. The analytical p-value here
    is **two-sided** (``2 * sf(|z|)``), as ESRI's hot spot bins use; esda's
    ``p_norm`` is one-sided (half of it).
Local Moran
    ``esda.Moran_Local(y, w, transformation="r")``: the same binary weights,
    row-standardised, no self-weight; ``y`` standardised with the population
    standard deviation. ``Is`` equals esda's ``Is``; the analytical ``z`` uses
    esda's total-randomisation moments (``EI``, ``VI``). Quadrants follow
    esda: 1 alto-alto, 2 bajo-alto, 3 bajo-bajo, 4 alto-bajo.
Permutation p-values
    Conditional randomisation as esda does: cell *i* keeps its value and its
    cardinality; its neighbours are replaced by values drawn without
    replacement from the other n-1 cells. Like esda, one matrix of draws
    (``permutations`` × max cardinality) is shared by all cells, which makes
    it vectorisable in numpy. Both statistics are monotone in the neighbour
    sum, so the sums are compared. The p-value is two-sided,
    ``min(1, 2 * (min(#≥, #≤) + 1) / (permutations + 1))``; ties, frequent
    with integer counts, count in both tails (conservative). esda's default
    ("directed") is about half of it. Seeded with ``seed=`` through
    :func:`numpy.random.default_rng`; ``permutations=0`` disables them.
FDR
    Benjamini–Hochberg adjusted p-values (:func:`fdr_adjust`); a cell is
    significant at level a when its adjusted p is below a (BH at level a).
Classification defaults
    Gi* classes use the analytical p (ESRI's convention, see
    :func:`classify_hotspots` for why); LISA clusters use the permutation p
    when computed (GeoDa's and esda's convention).
Emerging hot spots
    Gi* per time slice with analytical p, Mann–Kendall on each cell's z
    series, ESRI's categories (rules in :func:`classify_emerging`).
Near repeat
    Knox test with dates shuffled among fixed locations (:func:`near_repeat`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse, stats

from analytics import hexbin, settings
from analytics._errors import IncidentSchemaError, InsufficientHistoryError

__all__ = [
    "CLUSTER_LABELS",
    "EMERGING_LABELS",
    "HOTSPOT_LABELS",
    "EmergingResult",
    "GiStarResult",
    "LocalMoranResult",
    "MannKendallResult",
    "NearRepeatResult",
    "cells_to_region",
    "cells_to_weights",
    "classify_clusters",
    "classify_emerging",
    "classify_hotspots",
    "emerging_hotspots",
    "fdr_adjust",
    "gi_star",
    "incidents_to_cube",
    "local_moran",
    "mann_kendall",
    "near_repeat",
]

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

#: Local Moran cluster key -> Spanish label.
CLUSTER_LABELS = MappingProxyType({
    "high_high": "alto-alto",
    "low_low": "bajo-bajo",
    "high_low": "alto-bajo",
    "low_high": "bajo-alto",
    "not_significant": "no significativo",
})

_EMERGING_KINDS = (
    ("new", "nuevo"),
    ("consecutive", "consecutivo"),
    ("intensifying", "intensificándose"),
    ("persistent", "persistente"),
    ("diminishing", "disminuyendo"),
    ("sporadic", "esporádico"),
    ("oscillating", "oscilante"),
    ("historical", "histórico"),
)

#: Emerging hot spot category key -> Spanish label.
EMERGING_LABELS = MappingProxyType({
    **{f"{k}_hot": f"punto caliente {v}" for k, v in _EMERGING_KINDS},
    **{f"{k}_cold": f"punto frío {v}" for k, v in _EMERGING_KINDS},
    "no_pattern": "sin patrón",
})

#: Fewest time slices for an emerging hot spot analysis (ESRI asks for 10).
_MIN_PERIODS = 10
#: Share of slices that makes a location persistent / historical (ESRI: 90 %).
_MOSTLY = 0.9
#: Upper bound on the size of temporary permutation arrays (elements).
_CHUNK_ELEMENTS = 6_000_000


# --------------------------------------------------------------------------
# weights and study region
# --------------------------------------------------------------------------

def _as_cells(cells: np.ndarray | Sequence[int] | pd.Series) -> np.ndarray:
    """Cells as a contiguous ``uint64`` array; hexadecimal strings are accepted."""
    arr = np.asarray(cells)
    if arr.dtype.kind in "OUST":
        return np.ascontiguousarray(hexbin.strings_to_cells(arr.astype(str)))
    return np.ascontiguousarray(arr.astype(np.uint64))


def _grid_disks(cells: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Flattened ``grid_disk`` of every cell: (row of the source cell, disk cell)."""
    import h3ronpy
    import pyarrow as pa

    if cells.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.uint64)
    disks = pa.array(h3ronpy.grid_disk(cells, int(k), flatten=False))
    offsets = np.asarray(disks.offsets.to_numpy(), dtype=np.int64)
    values = np.asarray(disks.values.to_numpy(zero_copy_only=False), dtype=np.uint64)
    # a list array may be sliced: values are relative to the first offset
    values = values[offsets[0]:offsets[-1]]
    rows = np.repeat(np.arange(cells.size, dtype=np.int64), np.diff(offsets))
    return rows, values


def _check_k(k: int, problems: list[str]) -> None:
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        problems.append(f"k debe ser un entero mayor o igual a 1 (recibido {k!r}).")


def cells_to_region(cells: np.ndarray | Sequence[int], *, k: int = 1) -> np.ndarray:
    """Cells plus every cell within ``k`` rings of one of them.

    Parameters
    ----------
    cells
        H3 cells (``uint64``), one resolution.
    k
        Rings added around each cell.

    Returns
    -------
    numpy.ndarray
        Sorted unique ``uint64`` cells (a superset of ``cells``).
    """
    problems: list[str] = []
    _check_k(k, problems)
    if problems:
        raise IncidentSchemaError(" ".join(problems))
    c = np.unique(_as_cells(cells))
    _, disk = _grid_disks(c, k)
    return np.unique(np.concatenate([c, disk]))


def cells_to_weights(cells: np.ndarray | Sequence[int], *, k: int = 1) -> sparse.csr_matrix:
    """Binary k-ring contiguity weights among ``cells``.

    Parameters
    ----------
    cells
        Unique H3 cells (``uint64``) of one resolution; row *i* of the matrix
        is ``cells[i]``.
    k
        Cells within ``k`` rings are neighbours (k = 1: the six touching
        hexagons).

    Returns
    -------
    scipy.sparse.csr_matrix
        n × n, ``float64`` ones where *j* is a neighbour of *i*, zero diagonal,
        symmetric. Neighbours outside ``cells`` are ignored, so edge cells have
        fewer than ``3k(k+1)`` neighbours.
    """
    c = _as_cells(cells)
    problems: list[str] = []
    _check_k(k, problems)
    if np.unique(c).size != c.size:
        problems.append("Las celdas H3 están repetidas.")
    if c.size and np.unique(hexbin.cells_resolution(c)).size > 1:
        problems.append("Las celdas H3 mezclan resoluciones distintas.")
    if problems:
        raise IncidentSchemaError(" ".join(problems))
    n = c.size
    rows, disk = _grid_disks(c, k)
    order = np.argsort(c, kind="stable")
    sorted_c = c[order]
    pos = np.searchsorted(sorted_c, disk)
    pos_clip = np.minimum(pos, max(n - 1, 0))
    inside = (pos < n) & (sorted_c[pos_clip] == disk) if n else np.zeros(0, bool)
    cols = order[pos_clip[inside]]
    rows = rows[inside]
    keep = rows != cols
    rows, cols = rows[keep], cols[keep]
    w = sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
    w.sum_duplicates()
    w.data[:] = 1.0
    return w


# --------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------

def fdr_adjust(p: np.ndarray | Sequence[float]) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (NaNs stay NaN and are not counted).

    Parameters
    ----------
    p
        p-values in [0, 1].

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, same shape; ``adjusted <= a`` is the BH decision at
        false discovery rate ``a``. Monotone in ``p`` and never below it.
    """
    p_arr = np.asarray(p, dtype=np.float64)
    out = np.full(p_arr.shape, np.nan)
    flat = p_arr.ravel()
    ok = np.flatnonzero(~np.isnan(flat))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(flat[ok], kind="stable")]
    ranked = flat[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    res = out.ravel()
    res[order] = np.minimum(ranked, 1.0)
    return res.reshape(p_arr.shape)


def _two_sided_norm(z: np.ndarray) -> np.ndarray:
    return np.asarray(2.0 * stats.norm.sf(np.abs(z)))


def _prepare_counts(counts: pd.DataFrame, *, k: int, fill_empty: bool,
                    region: np.ndarray | Sequence[int] | None, min_cells: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate a cell-count frame; return region cells, counts, observed mask."""
    problems: list[str] = []
    _check_k(k, problems)
    if not isinstance(counts, pd.DataFrame):
        raise IncidentSchemaError("Se esperaba una tabla con columnas 'h3' y 'count'.")
    missing = [c for c in ("h3", "count") if c not in counts.columns]
    if missing:
        problems.append(f"Faltan columnas: {', '.join(missing)}.")
    else:
        cnt = pd.to_numeric(counts["count"], errors="coerce")
        if cnt.isna().any():
            problems.append(f"{int(cnt.isna().sum())} conteos vacíos o no numéricos.")
        elif (cnt < 0).any():
            problems.append(f"{int((cnt < 0).sum())} conteos negativos.")
        if counts["h3"].isna().any():
            problems.append("Hay celdas H3 vacías.")
        elif counts["h3"].duplicated().any():
            problems.append(f"{int(counts['h3'].duplicated().sum())} celdas H3 repetidas "
                            "(agregue los conteos por celda primero).")
    if problems:
        raise IncidentSchemaError(" ".join(problems))
    cells = _as_cells(counts["h3"].to_numpy())
    y_obs = counts["count"].to_numpy(dtype=np.float64)
    if fill_empty:
        full = cells_to_region(cells, k=k)
    else:
        full = np.unique(cells)
    if region is not None:
        full = np.union1d(full, _as_cells(region))
    y = np.zeros(full.size)
    pos = np.searchsorted(full, cells)
    y[pos] = y_obs
    observed = np.zeros(full.size, dtype=bool)
    observed[pos] = True
    if full.size < min_cells:
        msg = (f"Se necesitan al menos {min_cells} celdas para este análisis "
               f"(hay {full.size}).")
        raise InsufficientHistoryError(msg)
    if np.all(y == y[0]):
        msg = ("Todas las celdas tienen el mismo conteo: no hay variación que analizar "
               "(amplíe el período, el área o los tipos de delito).")
        raise InsufficientHistoryError(msg)
    return full, y, observed


def _draw_ids(n: int, size: int, permutations: int, rng: np.random.Generator) -> np.ndarray:
    """``permutations`` rows of ``size`` distinct ids in ``range(n - 1)``."""
    out = np.empty((permutations, size), dtype=np.int64)
    for r in range(permutations):
        out[r] = rng.choice(n - 1, size=size, replace=False)
    return out


def _crand_neighbor_sums(y: np.ndarray, w: sparse.csr_matrix, *, permutations: int,
                         seed: int | np.random.Generator | None
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Conditional randomisation of neighbour sums.

    For each cell, count the random neighbour sums at least as large
    (``ge``) and at most as large (``le``) as the observed one, drawing each
    cell's ``card_i`` neighbours without replacement from the other n-1 cells
    (rows of draws shared by all cells, as in esda).
    """
    n = y.size
    card = np.diff(w.indptr)
    observed = w @ y
    ge = np.full(n, permutations, dtype=np.int64)
    le = np.full(n, permutations, dtype=np.int64)
    cmax = int(card.max()) if n else 0
    if cmax == 0 or n < 2:
        return ge, le
    rng = np.random.default_rng(seed)
    ids = _draw_ids(n, cmax, permutations, rng)          # (perm, cmax) in range(n-1)
    y_lo = y[ids]                                        # the drawn id if below i
    y_hi = y[np.minimum(ids + 1, n - 1)]                 # the id after skipping i
    for c in np.unique(card):
        if c == 0:
            continue
        cells = np.flatnonzero(card == c)
        ids_c, lo_c, hi_c = ids[:, :c], y_lo[:, :c], y_hi[:, :c]
        step = max(1, _CHUNK_ELEMENTS // (permutations * int(c)))
        for start in range(0, cells.size, step):
            chunk = cells[start:start + step]
            skip = ids_c[None, :, :] >= chunk[:, None, None]
            sums = np.where(skip, hi_c[None], lo_c[None]).sum(axis=2)
            obs = observed[chunk][:, None]
            ge[chunk] = (sums >= obs).sum(axis=1)
            le[chunk] = (sums <= obs).sum(axis=1)
    return ge, le


def _permutation_p(ge: np.ndarray, le: np.ndarray, permutations: int) -> np.ndarray:
    return np.asarray(np.minimum(1.0, 2.0 * (np.minimum(ge, le) + 1.0) / (permutations + 1.0)))


def _check_permutations(permutations: int, problems: list[str]) -> None:
    if (not isinstance(permutations, (int, np.integer)) or isinstance(permutations, bool)
            or permutations < 0):
        problems.append("permutations debe ser un entero mayor o igual a 0 "
                        f"(recibido {permutations!r}).")


def _choose_p(p_norm: np.ndarray, p_sim: np.ndarray | None, *, use_permutation: bool | None,
              use_fdr: bool) -> np.ndarray:
    if use_permutation is None:
        use_permutation = p_sim is not None
    if use_permutation and p_sim is None:
        msg = "No se calcularon permutaciones (permutations=0): use el valor p analítico."
        raise InsufficientHistoryError(msg)
    p = p_sim if use_permutation and p_sim is not None else p_norm
    return fdr_adjust(p) if use_fdr else p


# --------------------------------------------------------------------------
# Getis–Ord Gi*
# --------------------------------------------------------------------------

class _PValues:
    """The p-value columns shared by :class:`GiStarResult` and :class:`LocalMoranResult`."""

    z: np.ndarray
    p_norm: np.ndarray
    p_sim: np.ndarray | None

    @property
    def p_fdr(self) -> np.ndarray:
        """Benjamini–Hochberg adjusted analytical p (``p_norm``)."""
        return fdr_adjust(self.p_norm)

    @property
    def p_sim_fdr(self) -> np.ndarray | None:
        """Benjamini–Hochberg adjusted permutation p; ``None`` without permutations."""
        return None if self.p_sim is None else fdr_adjust(self.p_sim)

    def _p_columns(self) -> dict[str, np.ndarray]:
        """``p_norm, p_fdr, p_sim, p_sim_fdr`` (NaN without permutations)."""
        p_sim, p_sim_fdr = self.p_sim, self.p_sim_fdr
        return {"p_norm": self.p_norm, "p_fdr": self.p_fdr,
                "p_sim": p_sim if p_sim is not None else np.full(self.z.size, np.nan),
                "p_sim_fdr": (p_sim_fdr if p_sim_fdr is not None
                              else np.full(self.z.size, np.nan))}


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


# --------------------------------------------------------------------------
# Mann–Kendall trend test
# --------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class MannKendallResult:
    """Mann–Kendall trend test for each row of a matrix.

    Attributes
    ----------
    s : numpy.ndarray
        Kendall S = sum of sign(x_j - x_i) over i < j.
    var_s : numpy.ndarray
        Variance of S under no trend, corrected for ties.
    z : numpy.ndarray
        Continuity-corrected normal score ((S - sign S) / sqrt(var S)).
    p : numpy.ndarray
        Two-sided p-value.
    tau : numpy.ndarray
        Kendall's tau (S divided by the number of pairs).
    trend : numpy.ndarray
        +1 significant increase, -1 significant decrease, 0 none (at ``alpha``).
    """

    s: np.ndarray
    var_s: np.ndarray
    z: np.ndarray
    p: np.ndarray
    tau: np.ndarray
    trend: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """One row per series: s, var_s, z, p, tau, trend."""
        return pd.DataFrame({"s": self.s, "var_s": self.var_s, "z": self.z, "p": self.p,
                             "tau": self.tau, "trend": self.trend})


def mann_kendall(series: np.ndarray | Sequence[float] | pd.DataFrame, *,
                 alpha: float = settings.ALPHA) -> MannKendallResult:
    """Mann–Kendall test on each row, vectorised (pymannkendall ``original_test``).

    Parameters
    ----------
    series
        One series (1-D) or one series per row (2-D), in time order, no NaN.
    alpha
        Significance level of ``trend``.

    Returns
    -------
    MannKendallResult
        Arrays of one value per row.
    """
    x = np.asarray(series, dtype=np.float64)
    if x.ndim == 1:
        x = x[None, :]
    problems = []
    if x.ndim != 2:
        problems.append("La serie debe ser un vector o una matriz (una serie por fila).")
    elif x.shape[1] < 3:
        problems.append("La prueba de Mann–Kendall necesita al menos 3 períodos.")
    if np.isnan(x).any():
        problems.append("La serie contiene valores vacíos.")
    if problems:
        raise InsufficientHistoryError(" ".join(problems))
    rows, t = x.shape
    s = np.zeros(rows)
    for lag in range(1, t):
        s += np.sign(x[:, lag:] - x[:, :-lag]).sum(axis=1)
    # ties: sum over groups of equal values of g(g - 1)(2g + 5)
    srt = np.sort(x, axis=1)
    new_group = np.ones_like(srt, dtype=bool)
    new_group[:, 1:] = srt[:, 1:] != srt[:, :-1]
    group_id = np.cumsum(new_group.ravel()) - 1
    sizes = np.bincount(group_id).astype(np.float64)
    group_row = np.repeat(np.arange(rows), new_group.sum(axis=1))
    tie_term = np.bincount(group_row, weights=sizes * (sizes - 1) * (2 * sizes + 5),
                           minlength=rows)
    var_s = (t * (t - 1) * (2 * t + 5) - tie_term) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var_s > 0, (s - np.sign(s)) / np.sqrt(var_s), 0.0)
    p = _two_sided_norm(z)
    tau = s / (0.5 * t * (t - 1))
    trend = np.where(p < alpha, np.sign(z), 0).astype(np.int8)
    return MannKendallResult(s=s, var_s=var_s, z=z, p=p, tau=tau, trend=trend)


# --------------------------------------------------------------------------
# Emerging hot spots (space-time cube)
# --------------------------------------------------------------------------

_PERIOD_FREQ = {"W": "W-SUN", "M": "M"}


def incidents_to_cube(incidents: pd.DataFrame, *, resolution: int = settings.H3_RESOLUTION,
                      period: Literal["W", "M"] = "W") -> pd.DataFrame:
    """Count incidents per H3 cell × week (Monday start) or month.

    Parameters
    ----------
    incidents
        Canonical incidents (``occurred_at`` and ``h3_r12`` or ``lat``/``lon``).
    resolution
        H3 resolution of the cells.
    period
        ``"W"`` (weeks starting on Monday) or ``"M"`` (calendar months).

    Returns
    -------
    pandas.DataFrame
        ``h3`` (uint64), ``period`` (start of the week/month), ``count``;
        non-empty combinations only.
    """
    if period not in _PERIOD_FREQ:
        raise IncidentSchemaError(f"Período desconocido: {period!r} (use 'W' o 'M').")
    if "occurred_at" not in incidents.columns:
        raise IncidentSchemaError("Falta la columna 'occurred_at'.")
    df = hexbin.incidents_to_cells(incidents, resolution=resolution, column="h3")
    ts = pd.to_datetime(df["occurred_at"])
    if ts.isna().any():
        raise IncidentSchemaError(f"{int(ts.isna().sum())} incidentes sin fecha.")
    df["period"] = ts.dt.to_period(_PERIOD_FREQ[period]).dt.start_time
    out = df.groupby(["h3", "period"], sort=True).size().rename("count").reset_index()
    out["count"] = out["count"].astype("int64")
    return out


@dataclass(frozen=True, eq=False)
class EmergingResult:
    """Emerging hot spot analysis: Gi* per cell × slice plus trend and category.

    Attributes
    ----------
    cells : numpy.ndarray
        ``uint64`` cells (rows of the matrices).
    periods : pandas.DatetimeIndex
        Start of each time slice (columns), consecutive.
    counts, z, p : numpy.ndarray
        Cells × slices: counts, Gi* z-scores and the p-values used (two-sided
        analytical, FDR-adjusted per slice when requested).
    trend : MannKendallResult
        Mann–Kendall test on each cell's Gi* z series.
    key : numpy.ndarray
        Category key per cell (:data:`EMERGING_LABELS`).
    observed : numpy.ndarray
        ``True`` for cells with at least one incident.
    """

    cells: np.ndarray
    periods: pd.DatetimeIndex
    counts: np.ndarray
    z: np.ndarray
    p: np.ndarray
    trend: MannKendallResult
    key: np.ndarray
    observed: np.ndarray
    alpha: float
    k: int

    @property
    def label(self) -> np.ndarray:
        """Spanish label per cell."""
        return np.array([EMERGING_LABELS[k] for k in self.key], dtype=object)

    def to_frame(self) -> pd.DataFrame:
        """One row per cell: category, trend and summary of the z series."""
        sig = self.p < self.alpha
        return pd.DataFrame({
            "h3": self.cells, "key": self.key, "label": self.label,
            "observed": self.observed, "total": self.counts.sum(axis=1),
            "hot_periods": (sig & (self.z > 0)).sum(axis=1),
            "cold_periods": (sig & (self.z < 0)).sum(axis=1),
            "z_last": self.z[:, -1], "p_last": self.p[:, -1],
            "trend_tau": self.trend.tau, "trend_z": self.trend.z, "trend_p": self.trend.p,
        })

    def cube_frame(self) -> pd.DataFrame:
        """Long table cell × slice: h3, period, count, z, p."""
        n, t = self.z.shape
        return pd.DataFrame({
            "h3": np.repeat(self.cells, t), "period": np.tile(self.periods.to_numpy(), n),
            "count": self.counts.ravel(), "z": self.z.ravel(), "p": self.p.ravel(),
        })


def _trailing_run(mask: np.ndarray) -> np.ndarray:
    """Length of the run of ``True`` that ends each row."""
    t = mask.shape[1]
    rev = ~mask[:, ::-1]
    return np.asarray(np.where(rev.any(axis=1), rev.argmax(axis=1), t))


def classify_emerging(z: np.ndarray, p: np.ndarray, *, alpha: float = settings.ALPHA,
                      trend_alpha: float | None = None) -> np.ndarray:
    """Emerging hot spot category of each row of a cells × slices Gi* matrix.

    A bin is hot when ``p < alpha`` and ``z > 0``, cold when ``p < alpha`` and
    ``z < 0``. "Mostly" means at least 90 % of the slices. The trend is a
    Mann–Kendall test on the row's z series at ``trend_alpha`` (default
    ``alpha``). Rules (ESRI, "How Emerging Hot Spot Analysis works"), for hot
    spots; cold spots mirror them (an intensifying cold spot has a
    significant *downward* z trend):

    - **histórico**: mostly hot, but the last slice is not hot.
    - **intensificándose**: mostly hot including the last slice, significant
      upward trend.
    - **disminuyendo**: mostly hot including the last slice, significant
      downward trend.
    - **persistente**: mostly hot including the last slice, no significant trend.
    - **nuevo**: hot in the last slice only; never significant (hot or cold)
      before.
    - **consecutivo**: a single run of two or more hot slices at the end;
      never significant before the run; not mostly hot.
    - **oscilante**: hot in the last slice, cold in some earlier slice; not
      mostly hot.
    - **esporádico**: hot in the last slice and in some earlier slice not
      adjoining the final run, never cold; not mostly hot.
    - **sin patrón**: none of the above (e.g. hot only in the middle of the
      period, or never significant).

    ESRI's text does not say whether a location cold before and hot now is
    new or oscillating; here it is oscilante (the sfdep choice), which keeps
    the categories exclusive. Hot categories are tested before cold ones.

    Parameters
    ----------
    z, p
        Cells × slices Gi* z-scores and p-values, slices in time order.
    alpha
        Significance of a bin.
    trend_alpha
        Significance of the Mann–Kendall trend (default ``alpha``).

    Returns
    -------
    numpy.ndarray
        Category keys (object array), one per row.
    """
    z = np.atleast_2d(np.asarray(z, dtype=np.float64))
    p = np.atleast_2d(np.asarray(p, dtype=np.float64))
    if z.shape != p.shape:
        raise IncidentSchemaError("z y p deben tener la misma forma.")
    t = z.shape[1]
    trend = mann_kendall(z, alpha=alpha if trend_alpha is None else trend_alpha).trend
    sig = p < alpha
    keys = np.full(z.shape[0], "no_pattern", dtype=object)
    for sign, suffix in ((-1, "_cold"), (1, "_hot")):  # hot last: it wins ties of rules
        this = sig & (np.sign(z) == sign)
        other = sig & (np.sign(z) == -sign)
        n_this = this.sum(axis=1)
        mostly = 10 * n_this >= 9 * t  # >= 90 % without float rounding
        last = this[:, -1]
        run = _trailing_run(this)
        sig_before_run = sig.sum(axis=1) - run > 0
        this_before_run = n_this - run > 0
        conditions = [
            mostly & ~last,
            mostly & last & (trend == sign),
            mostly & last & (trend == -sign),
            mostly & last,
            last & (run == 1) & ~sig_before_run,
            last & (run >= 2) & ~sig_before_run,
            last & other.any(axis=1),
            last & this_before_run & ~other.any(axis=1),
        ]
        choices = ["historical", "intensifying", "diminishing", "persistent",
                   "new", "consecutive", "oscillating", "sporadic"]
        kind = np.select(conditions, choices, default="")
        hit = kind != ""
        keys[hit] = np.char.add(kind[hit].astype(str), suffix).astype(object)
    return keys


def _cube_from_input(data: pd.DataFrame, *, resolution: int, period: Literal["W", "M"]
                     ) -> tuple[pd.DataFrame, pd.DatetimeIndex]:
    if not isinstance(data, pd.DataFrame):
        raise IncidentSchemaError("Se esperaba una tabla de incidentes o un cubo espacio-tiempo.")
    if {"h3", "period", "count"} <= set(data.columns):
        cube = data[["h3", "period", "count"]].copy()
        problems = []
        if cube.isna().any().any():
            problems.append("El cubo tiene valores vacíos.")
        elif (pd.to_numeric(cube["count"]) < 0).any():
            problems.append("El cubo tiene conteos negativos.")
        if problems:
            raise IncidentSchemaError(" ".join(problems))
        cube["period"] = pd.to_datetime(cube["period"])
        cube = cube.groupby(["h3", "period"], sort=True)["count"].sum().reset_index()
    else:
        cube = incidents_to_cube(data, resolution=resolution, period=period)
    if cube.empty:
        raise InsufficientHistoryError("No hay incidentes para el análisis emergente.")
    freq = "W-MON" if period == "W" else "MS"
    periods = pd.date_range(cube["period"].min(), cube["period"].max(), freq=freq)
    if not pd.Index(cube["period"].unique()).isin(periods).all():
        msg = ("Los períodos del cubo no son semanas (inicio lunes) o meses (día 1) "
               "consecutivos.")
        raise IncidentSchemaError(msg)
    return cube, periods


def emerging_hotspots(incidents_or_cube: pd.DataFrame, *,
                      resolution: int = settings.H3_RESOLUTION,
                      period: Literal["W", "M"] = "W", k: int = 1,
                      alpha: float = settings.ALPHA, trend_alpha: float | None = None,
                      use_fdr: bool = False, fill_empty: bool = True,
                      region: np.ndarray | Sequence[int] | None = None,
                      window: int = 0, min_periods: int = _MIN_PERIODS) -> EmergingResult:
    """Emerging hot spot analysis over a cell × week (or month) cube.

    Builds the cube (every cell of the study region × every slice from the
    first to the last non-empty one, zeros included), computes Gi* in each
    slice with analytical z-scores (weights and study region as in
    :func:`gi_star`; each slice uses its own mean and variance, and a slice
    without variation gives z = 0), tests the trend of each cell's z series
    with :func:`mann_kendall` and labels each cell with
    :func:`classify_emerging`. With ``window=0`` slices are purely spatial;
    ``window=w`` adds the counts of the ``w`` preceding slices to each slice
    (a rolling sum, shorter for the first slices) before Gi*, which steadies
    weekly data. ESRI's space-time window is similar but judges each bin
    against the mean and variance of the whole cube. A partial last week or
    month counts as a full one, so cut the data at a period boundary.

    Parameters
    ----------
    incidents_or_cube
        Canonical incidents, or a cube with columns ``h3``, ``period``
        (slice start) and ``count`` (see :func:`incidents_to_cube`).
    resolution
        H3 resolution when incidents are given.
    period
        ``"W"`` (weeks, Monday start) or ``"M"`` (months).
    k
        Neighbourhood rings.
    alpha
        Significance of a hot or cold bin.
    trend_alpha
        Significance of the Mann–Kendall trend (default ``alpha``).
    use_fdr
        Adjust the p-values of each slice with Benjamini–Hochberg.
    fill_empty, region
        Study region, as in :func:`gi_star`.
    min_periods
        Fewest slices accepted (ESRI requires 10).
    window
        Preceding slices added to each slice before Gi* (0: none).

    Returns
    -------
    EmergingResult
        Matrices, trend and category per cell.
    """
    problems: list[str] = []
    _check_k(k, problems)
    if period not in _PERIOD_FREQ:
        problems.append(f"Período desconocido: {period!r} (use 'W' o 'M').")
    if not isinstance(window, (int, np.integer)) or isinstance(window, bool) or window < 0:
        problems.append(f"window debe ser un entero mayor o igual a 0 (recibido {window!r}).")
    if problems:
        raise IncidentSchemaError(" ".join(problems))
    cube, periods = _cube_from_input(incidents_or_cube, resolution=resolution, period=period)
    t = periods.size
    if t < max(min_periods, 3):
        unit = "semanas" if period == "W" else "meses"
        msg = (f"El análisis emergente necesita al menos {max(min_periods, 3)} {unit} "
               f"de datos (hay {t}).")
        raise InsufficientHistoryError(msg)
    observed_cells = np.unique(_as_cells(cube["h3"].to_numpy()))
    if fill_empty:
        cells = cells_to_region(observed_cells, k=k)
    else:
        cells = observed_cells
    if region is not None:
        cells = np.union1d(cells, _as_cells(region))
    if cells.size < 3:
        raise InsufficientHistoryError(
            f"Se necesitan al menos 3 celdas para este análisis (hay {cells.size}).")
    y = np.zeros((cells.size, t))
    rows = np.searchsorted(cells, _as_cells(cube["h3"].to_numpy()))
    cols = periods.get_indexer(pd.DatetimeIndex(cube["period"]))
    np.add.at(y, (rows, cols), cube["count"].to_numpy(dtype=np.float64))
    w = cells_to_weights(cells, k=k)
    w_self = (w + sparse.identity(cells.size, format="csr")).tocsr()
    if window:
        csum = np.cumsum(y, axis=1)
        lagged = np.zeros_like(csum)
        lagged[:, window + 1:] = csum[:, :-(window + 1)]
        _, z = _gi_star_matrix(w_self, csum - lagged)
    else:
        _, z = _gi_star_matrix(w_self, y)
    p = _two_sided_norm(z)
    if use_fdr:
        p = np.column_stack([fdr_adjust(p[:, j]) for j in range(t)])
    ta = alpha if trend_alpha is None else trend_alpha
    trend = mann_kendall(z, alpha=ta)
    keys = classify_emerging(z, p, alpha=alpha, trend_alpha=ta)
    observed = np.isin(cells, observed_cells)
    return EmergingResult(cells=cells, periods=periods, counts=y, z=z, p=p, trend=trend,
                          key=keys, observed=observed, alpha=float(alpha), k=int(k))


# --------------------------------------------------------------------------
# Near repeat (Knox test)
# --------------------------------------------------------------------------

_EARTH_RADIUS_M = 6_371_008.8


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
    lat0 = np.deg2rad(lat.mean())
    x = np.deg2rad(lon - lon.mean()) * np.cos(lat0) * _EARTH_RADIUS_M
    y = np.deg2rad(lat - lat.mean()) * _EARTH_RADIUS_M
    return np.column_stack([x, y])


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
