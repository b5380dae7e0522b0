"""Forecast expected incidents per H3 cell and time window (shift, hour or week).

Modules: :mod:`~analytics.forecast.history` (binning and the dense history),
:mod:`~analytics.forecast.baselines`, :mod:`~analytics.forecast.boosted` (the learned
model), :mod:`~analytics.forecast.selection` (``auto``, the default: boosted, a baseline
or a blend, chosen on the data's own last weeks), :mod:`~analytics.forecast.cells`
(:func:`forecast_cells`).

One functional entry point, :func:`forecast_cells`, backed by small model
classes with ``fit``/``predict`` that all see the same :class:`History`: dense
daily counts per domain cell and shift slot, built only from incidents
strictly before ``train_until`` (filtered at entry, so nothing at or after the
cut-off can influence a forecast).

Windows
-------
``"shift"``
    Every shift (``settings.SHIFTS``) that *starts* in
    ``[train_until, train_until + horizon_days)``. With the default shifts the
    first window is 06:00–14:00 of ``train_until`` and the last is the night
    shift of the last day, ending at 06:00 the day after the horizon.
``"hourly"``
    Every hour of ``[train_until, train_until + horizon_days)``.
``"week"``
    One window ``[train_until, train_until + horizon_days)``.

Models
------
Baselines, as an analyst would draw a map:

``retro28``
    All incidents of the cell in the last 28 days (same value for every window).
``retro_shift``
    Incidents of the cell in the same shift (hour, for hourly windows) over the
    last 56 days.
``longrun``
    Incidents of the cell in the same shift (hour) over all history.
``prospective``
    Bowers–Johnson–Pease prospective map: every incident of the last
    :data:`PROSPECTIVE_WEEKS` weeks weighted ``1/(1 + weeks ago)`` ×
    ``1/(1 + ring distance)`` for the cell itself and its two H3 rings.

``boosted``
    Poisson gradient-boosted trees (LightGBM, 200 rounds, one thread)
    trained on many past weekly origins to map features at an origin to the
    next week's count per cell and shift: the cell's same-shift and all-shift
    rates over 7, 28, 91, 365, 1,095 days and all history, the same for its
    ring-1 and ring-2 neighbourhoods, self-exciting (ETAS-like) exponentially
    decayed counts at several time scales, days since the last incident in the
    cell and its ring, and the cell's mix of the :data:`TOP_TYPES` most frequent
    crime types (rates over 28, 91, 365 days, share, decayed count): some types
    are much more persistent in a place than others. Training origins are the
    52 weeks before the cut-off (origin ``train_until - 8 - 7k`` days, so every
    target week ends before the last, partly unobserved, night shift). The
    weekly count is then spread over the days of the horizon by the cell's
    weekday profile for that shift over the last two years, shrunk towards the
    city's profile (holidays of ``country`` count as Sundays), and over hours by
    its smoothed hour profile. Chosen and tuned on 2023–2024 Philadelphia
    origins (see ``bench/forecast.py``).

    Speed (so the Pronóstico page answers in seconds): the features of all
    origins are computed at once (:func:`_features_many`): window rates from
    cumulative counts, decayed and type counts from one sparse product of the
    mostly-zero daily counts with a (days × origins) weight matrix; they equal
    the per-origin sums to float32 precision. Most training rows of a sparse
    city are zero counts, so :func:`_subsample_zeros` keeps every positive row
    and a share ``q = max(0.2, 3 × positives / zeros)`` (at most 1) of the
    zeros, drawn (seeded) within each cell and shift so that each keeps its
    exact zero count as weight (kept zeros weigh about ``1/q``: the Poisson loss
    stays unbiased). Trees fitted on a subsample still over-predict the
    unsampled zeros a little, so the model is re-levelled by one factor so its
    total matches the training targets on an independent draw of zeros (plus
    every positive); that factor does not change any ranking. On the demo store
    (6,603 cells, 1.6 % positive rows, ``q = 0.2``) a 7-day forecast went from
    22 s to about 5 s; Philadelphia (22 % positive rows, ``q ≈ 0.85``) gains
    mainly from the features. The floor 0.2 was checked on the 2023–2024
    tuning origins, also on a 10 % thinning of Philadelphia (``q`` would be
    0.11 there): hit rates at 1 % and 5 % within 0.003 of the full fit, while
    ``q = 0.11`` lost 0.007 at 5 % on week windows.

``auto`` (the default)
    Chosen at fit time by a rolling-origin backtest inside the training data
    (:mod:`~analytics.forecast.selection`): the boosted model is fitted once on
    weekly origins that end :data:`INTERNAL_WEEKS` (8) weeks before the cut-off,
    and forecasts each of those weeks; so do the four baselines, as drawn at the
    start of each week. Every candidate (each baseline; ``retro28`` and
    ``retro_shift`` with their ties broken by ``longrun``, and half-and-half with
    it; boosted; boosted blended 50/50 or 75/25 with each baseline) is scored
    by its mean hit rate at 1 % and 5 % of cells on shift and week windows,
    relative to the best plain baseline, and the best mean wins. The forecast is
    the winner's (a blend of expected counts is itself an expected count), with
    the boosted part from that same model: the evidence is about the model used
    (refitting it with the last 8 weeks made no systematic difference on the 2023–2024
    tuning origins). Under :data:`THIN_INCIDENTS` incidents in those weeks, only
    the baselines and their blends compete; under five weeks of history it uses
    half ``retro28`` and half ``longrun``. The choice and every candidate's
    hit rates are kept (:class:`ForecastEvidence`, ``frame.attrs["evidence"]``).
    Candidates and rule chosen on 2023–2024 origins of Philadelphia and of
    stand-in cities built from it (``bench/forecast_tune.py``). Cost: one boosted
    fit (as ``boosted``) plus the internal scoring, a few seconds.

``expected`` is an expected count for the window (calibrated, so sums over
cells and windows are meaningful); ``lower``/``upper`` are the 5 % and 95 %
Poisson quantiles of ``expected`` (they ignore model uncertainty).
"""

from __future__ import annotations

from analytics.forecast.baselines import (
    BASELINES as BASELINES,
    PROSPECTIVE_WEEKS as PROSPECTIVE_WEEKS,
    CellModel as CellModel,
)
from analytics.forecast.boosted import BoostedModel as BoostedModel
from analytics.forecast.cells import (
    DEFAULT_MODEL as DEFAULT_MODEL,
    MODEL_NAMES as MODEL_NAMES,
    array_to_frame as array_to_frame,
    forecast_cells as forecast_cells,
    make_model as make_model,
    windows_to_array as windows_to_array,
)
from analytics.forecast.history import (
    HOLIDAY_COUNTRY as HOLIDAY_COUNTRY,
    HORIZON_DAYS as HORIZON_DAYS,
    INTERVAL as INTERVAL,
    TOP_TYPES as TOP_TYPES,
    TYPE_DAYS as TYPE_DAYS,
    WINDOW_KINDS as WINDOW_KINDS,
    BinnedIncidents as BinnedIncidents,
    History as History,
    WindowKind as WindowKind,
    bin_incidents as bin_incidents,
    incidents_to_history as incidents_to_history,
)
from analytics.forecast.selection import (
    INTERNAL_WEEKS as INTERNAL_WEEKS,
    THIN_INCIDENTS as THIN_INCIDENTS,
    AutoModel as AutoModel,
    Candidate as Candidate,
    ForecastEvidence as ForecastEvidence,
)
