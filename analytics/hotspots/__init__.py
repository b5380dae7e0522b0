"""Hotspot statistics on H3 counts: Gi*, local Moran, emerging hot spots, near repeat.

One module per statistic, as esda does: :mod:`~analytics.hotspots.getis_ord`,
:mod:`~analytics.hotspots.moran`, :mod:`~analytics.hotspots.emerging`,
:mod:`~analytics.hotspots.near_repeat`; shared weights and permutations in
:mod:`~analytics.hotspots._weights`.

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

from analytics.hotspots._weights import (
    cells_to_region as cells_to_region,
    cells_to_weights as cells_to_weights,
    fdr_adjust as fdr_adjust,
)
from analytics.hotspots.emerging import (
    EMERGING_LABELS as EMERGING_LABELS,
    EmergingResult as EmergingResult,
    MannKendallResult as MannKendallResult,
    classify_emerging as classify_emerging,
    emerging_hotspots as emerging_hotspots,
    incidents_to_cube as incidents_to_cube,
    mann_kendall as mann_kendall,
)
from analytics.hotspots.getis_ord import (
    HOTSPOT_LABELS as HOTSPOT_LABELS,
    GiStarResult as GiStarResult,
    classify_hotspots as classify_hotspots,
    gi_star as gi_star,
)
from analytics.hotspots.moran import (
    CLUSTER_LABELS as CLUSTER_LABELS,
    LocalMoranResult as LocalMoranResult,
    classify_clusters as classify_clusters,
    local_moran as local_moran,
)
from analytics.hotspots.near_repeat import (
    NearRepeatResult as NearRepeatResult,
    near_repeat as near_repeat,
)

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
