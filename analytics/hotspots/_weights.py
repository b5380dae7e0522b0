"""Shared plumbing of the hotspot statistics.

Study region, k-ring weights, FDR and conditional-randomisation permutations (see
:mod:`analytics.hotspots` for the conventions).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import sparse, stats

from analytics import hexbin
from analytics._errors import IncidentSchemaError, InsufficientHistoryError

#: Upper bound on the size of temporary permutation arrays (elements).
_CHUNK_ELEMENTS = 6_000_000


# --------------------------------------------------------------------------
# weights and study region
# --------------------------------------------------------------------------

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
    c = np.unique(hexbin.to_cells(cells))
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
    c = hexbin.to_cells(cells)
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
    cells = hexbin.to_cells(counts["h3"].to_numpy())
    y_obs = counts["count"].to_numpy(dtype=np.float64)
    if fill_empty:
        full = cells_to_region(cells, k=k)
    else:
        full = np.unique(cells)
    if region is not None:
        full = np.union1d(full, hexbin.to_cells(region))
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
