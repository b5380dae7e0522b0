"""The selecting default model: boosted, a baseline or a blend, chosen on the city's own data.

At fit time :class:`AutoModel` runs a small rolling-origin backtest inside the
training data (every incident strictly before the cut-off): it fits the boosted
model once on weekly origins that end :data:`INTERNAL_WEEKS` weeks before the
cut-off, forecasts each of those last weeks with it and with the four baselines
(as they would have been drawn at the start of each week), scores every
:class:`Candidate` (each base model alone, a baseline whose ties are broken by
another model, mixtures of boosted and a baseline) with the hit rate at
:data:`SELECTION_COVERAGES` on shift and week windows, and forecasts with the
winner. The scores are kept as :class:`ForecastEvidence`, which the Pronóstico
page shows instead of a fixed "recommended" label.

Why: the boosted model beats the baselines on Philadelphia, where it was tuned,
but not on every city (below the simplest baselines on three low-density
boroughs of Mexico City). The choice is made per fit, so per city, crime group
and area. On dense data (at least :data:`SPARSE_INCIDENTS` incidents in the
compared weeks) the winner of the internal backtest is taken: on the 2023–2024
tuning origins finer weight grids, a 4-week comparison or shrinking towards a
fixed blend did no better, and with the boosted part deliberately degraded
(per-cell noise, so it ranks cells worse than the baselines) this rule still
stayed within a few per cent of the best baseline (``bench/forecast_tune.py``).

Sparse data (issue 14 item 4): eight weeks of a few hundred incidents are too
noisy to crown a winner among ~25 candidates. In 2025 the plain rule lost to the
long-run map on ``sparse3`` (three low-count Philadelphia districts thinned to
15 %: 0.88× at 5 % of cells on shifts, 0.84× at 1 % on weeks), its choice
jumping from origin to origin. On a city with no structure at all (the tests'
``structureless_city``, eight seeds) the best of the candidates beat a fixed
blend by up to 3.4 standard errors of its per-week margin, by chance alone. So a
sparse fit (:func:`select_candidate`) scores every candidate at 1, 2, 5 and 10 %
of cells (:data:`SPARSE_COVERAGES`, smoother than 1 and 5 % alone), and keeps
:data:`PRIOR` (0.25 boosted + 0.25 retro_shift + 0.5 longrun) unless the best
candidate beats it by :data:`SWITCH_Z` = 2 standard errors of its paired
per-week margin (:func:`choose_shrunk`). Chosen on the 2023–2024 origins of
three sparse stand-ins (``sparse3``, ``sparse3b`` and a new ``sparse3c``, every
other week), each with boosted as fitted and with boosted degraded (sigma 0.7),
by the worst ratio to the best baseline over the 24 (city, degradation, window
kind, coverage) cells: the plain rule 0.88 (sparse3c, degraded, shift windows at
1 %), the plain rule on 1/2/5/10 % 0.84; the prior shrinkage with z 0.5–3 and
prior 0.5 retro_shift + 0.5 longrun 0.76–0.88, longrun 0.83–0.90, 0.25
retro_shift + 0.75 longrun 0.89–0.97, 0.25 boosted + 0.75 longrun 0.84–0.90,
this prior 0.94–0.99 (z 2: 0.99, mean ratio 1.12, the best mean too). Replayed
with this very code (``bench/forecast_tune.py``, its table): worst case 0.99
against 0.63 for the plain rule, mean ratios 1.05–1.14 against 0.94–1.11.
A 26-week internal comparison (boosted fitted without them, refitted for the
forecast) was tried too, and was worse: see ``bench/forecast_tune.py``.

On 2025 (``bench/RESULTS.md``, frozen rule, nothing tuned there) the sparse
stand-ins kept the prior at 36 of 39 origins; ``sparse3b`` and ``sparse3c``
beat the best baseline at 1 and 5 % on shifts and weeks, but ``sparse3`` still
does not on shift windows (0.89× at 1 %, 0.875× at 5 % against the long-run
map; weeks 0.995× at 1 % against retro_shift, 1.03× at 5 %): on 165 windows of
a few incidents each, most origins tie or differ by one incident.

Rules of the internal backtest (close to the real one, :func:`analytics.evaluation.backtest`):
the same windows (shifts starting in the 7 days after each origin, and the whole
week), hit rates with random tie-breaks, each window weighing the same. Two
differences: every cell of the final history is a candidate (also cells first
seen after an internal origin, which then score zero), and the history at an
internal origin holds the whole night shift that started the evening before
(the real cut-off at 00:00 sees only its first hours). Nothing at or after the
cut-off is used: the history stops there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np

from analytics._errors import InsufficientHistoryError
from analytics.forecast.baselines import (
    BASELINES,
    CellModel,
    LongRunModel,
    ProspectiveModel,
    Retro28Model,
    RetroShiftModel,
)
from analytics.forecast.boosted import BoostedModel
from analytics.forecast.history import History

#: Weeks just before the cut-off on which the candidates are compared.
INTERNAL_WEEKS: Final = 8
#: Share of cells flagged in the internal comparison (the page's 1 % and 5 %).
SELECTION_COVERAGES: Final = (0.01, 0.05)
#: Models every candidate is made of.
BASE_MODELS: Final = ("boosted", *BASELINES)
#: Weights of boosted in the boosted + baseline mixtures.
BLEND_WEIGHTS: Final = (0.5, 0.75)
#: Fewer incidents than this in the compared weeks: too few to learn from or to compare a
#: learned model with; only the baselines (and their blends) are compared.
THIN_INCIDENTS: Final = 50
#: Fewer incidents than this in the compared weeks: a sparse city, whose weeks are too noisy
#: to crown the best-scoring candidate; the choice is shrunk towards :data:`PRIOR`
#: (:func:`select_candidate`). Every 2023–2024 fit of the dense stand-ins had over 4,700.
SPARSE_INCIDENTS: Final = 2000
#: Shares of cells scored on sparse fits: a smoother criterion than :data:`SELECTION_COVERAGES`.
SPARSE_COVERAGES: Final = (0.01, 0.02, 0.05, 0.10)
#: How many standard errors of its paired per-week margin over :data:`PRIOR` the
#: best-scoring candidate needs, on a sparse fit, to replace it.
SWITCH_Z: Final = 2.0
#: Size of a tie-breaking nudge relative to a model's largest value.
_TIE_EPS: Final = 1e-9


def _baseline(name: str) -> CellModel:
    classes: Mapping[str, type[CellModel]] = {
        "retro28": Retro28Model, "retro_shift": RetroShiftModel, "longrun": LongRunModel,
        "prospective": ProspectiveModel}
    return classes[name]()


@dataclass(frozen=True)
class Candidate:
    """A forecast made of base models: ``Σ weight × model`` (+ a tie-breaker).

    Attributes
    ----------
    weights
        ``(base model, weight)`` pairs, weights summing to 1: a mixture of
        expected counts is itself an expected count.
    tiebreak
        A base model that only orders cells the mixture leaves tied (added with
        a weight of :data:`_TIE_EPS` of its range), or ``None``.
    """

    weights: tuple[tuple[str, float], ...]
    tiebreak: str | None = None

    @property
    def name(self) -> str:
        """``boosted``, ``retro28``, ``0.5 boosted + 0.5 retro_shift``, ``retro28 | longrun``."""
        if len(self.weights) == 1:
            text = self.weights[0][0]
        else:
            text = " + ".join(f"{w:g} {m}" for m, w in self.weights)
        return text if self.tiebreak is None else f"{text} | {self.tiebreak}"

    @property
    def models(self) -> tuple[str, ...]:
        """Base models it needs (the tie-breaker last)."""
        names = [m for m, _w in self.weights]
        if self.tiebreak is not None:
            names.append(self.tiebreak)
        return tuple(dict.fromkeys(names))

    def combine(self, preds: Mapping[str, np.ndarray]) -> np.ndarray:
        """The candidate's forecast from its base models' forecasts (same shapes)."""
        out = sum(w * preds[m] for m, w in self.weights)
        out = np.asarray(out, dtype=np.float64)
        if self.tiebreak is not None:
            t = np.asarray(preds[self.tiebreak], dtype=np.float64)
            top = float(np.max(out)) if out.size else 0.0
            scale = float(np.max(t)) if t.size else 0.0
            if top > 0 and scale > 0:
                out = out + _TIE_EPS * top * (t / scale)
        return out


def default_candidates(*, with_boosted: bool = True) -> tuple[Candidate, ...]:
    """Every candidate compared by :class:`AutoModel`.

    The four baselines; the recent maps with their ties broken by the long-run
    map, and half-and-half blends of the two (a sparse city's recent map is
    mostly ties and noise); boosted alone and blended with each baseline
    (:data:`BLEND_WEIGHTS`).
    """
    out = [Candidate(((b, 1.0),)) for b in BASELINES]
    out += [Candidate(((b, 1.0),), tiebreak="longrun") for b in ("retro28", "retro_shift")]
    out += [Candidate(((b, 0.5), ("longrun", 0.5))) for b in ("retro28", "retro_shift")]
    if with_boosted:
        out.append(Candidate((("boosted", 1.0),)))
        out += [Candidate((("boosted", w), (b, round(1.0 - w, 6))))
                for b in BASELINES for w in BLEND_WEIGHTS]
    return tuple(out)


#: Used when there is no week to compare on (under five weeks of history).
FALLBACK: Final = Candidate((("retro28", 0.5), ("longrun", 0.5)))
#: What a sparse fit keeps unless another candidate is clearly better: a quarter of
#: boosted, a quarter of the recent shift map and half of the long-run map (the most
#: robust of the priors tried on the 2023–2024 sparse stand-ins, also with boosted
#: deliberately degraded; see the module notes).
PRIOR: Final = Candidate((("boosted", 0.25), ("retro_shift", 0.25), ("longrun", 0.5)))
#: The prior when boosted is not compared (thin history, or it could not be fitted).
PRIOR_BASELINE: Final = Candidate((("retro_shift", 0.25), ("longrun", 0.75)))


# --------------------------------------------------------------------------- internal backtest


def internal_origins(history: History, *, weeks: int = INTERNAL_WEEKS) -> list[int]:
    """Day indices of the last ``weeks`` weekly origins, oldest first.

    Origin ``n_days - 8 - 7 j``: its 7 days, and the night shift of the 7th day, end
    before the cut-off (the same rule as the boosted model's training origins).
    """
    out = [history.n_days - 8 - 7 * j for j in range(weeks)]
    return sorted(o for o in out if o >= 28)


def actual_panel(history: History, origins: Sequence[int]) -> np.ndarray:
    """(origins, cells, 7, slots): incidents per cell, day and shift of each week."""
    return np.stack([history.counts[:, o:o + 7, :] for o in origins]).astype(np.float64)


def baseline_panel(history: History, origins: Sequence[int],
                   names: Sequence[str] = BASELINES) -> dict[str, np.ndarray]:
    """(origins, cells, 7, slots) shift forecasts of each baseline, drawn at each origin."""
    out: dict[str, list[np.ndarray]] = {n: [] for n in names}
    for o in origins:
        h = history.truncated(o)
        days = np.arange(h.day0 + o, h.day0 + o + 7)
        for n in names:
            out[n].append(_baseline(n).predict_slots(h, days))
    return {n: np.stack(v) for n, v in out.items()}


def boosted_panel(history: History, model: BoostedModel, weeks: np.ndarray,
                  origins: Sequence[int]) -> np.ndarray:
    """(origins, cells, 7, slots): week forecasts (cells, origins, slots) spread over days."""
    out = []
    for j, o in enumerate(origins):
        h = history.truncated(o)
        days = np.arange(h.day0 + o, h.day0 + o + 7)
        out.append(model.spread_week(h, weeks[:, j, :], days))
    return np.stack(out)


def _hit_rates(score: np.ndarray, actual: np.ndarray, ks: Sequence[int],
               rng: np.random.Generator) -> np.ndarray:
    """(windows, len(ks)) hit rates of (windows, cells) inputs; NaN for empty windows."""
    order = np.lexsort((rng.random(score.shape), -score), axis=-1)
    a = np.take_along_axis(actual, order[:, : max(ks)], axis=1)
    hits = np.cumsum(a, axis=1)[:, np.asarray(ks) - 1]
    tot = actual.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot[:, None] > 0, hits / tot[:, None], np.nan)


def _n_flagged(n_cells: int, coverage: float) -> int:
    return int(min(n_cells, max(1, np.floor(coverage * n_cells + 0.5))))


def panel_hit_rates(pred: np.ndarray, actual: np.ndarray, *, coverages: Sequence[float],
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per-window hit rates of a (origins, cells, 7, slots) forecast.

    Returns
    -------
    dict
        ``"shift"``: (origins × 7 × slots windows, coverages); ``"week"``:
        (origins, coverages). Windows follow the same rules as
        :func:`analytics.evaluation.window_scores` (random tie-break; every
        cell of the history is a candidate).
    """
    n_o, n, n_d, n_s = pred.shape
    ks = [_n_flagged(n, c) for c in coverages]
    shift_s = pred.transpose(0, 2, 3, 1).reshape(-1, n)
    shift_a = actual.transpose(0, 2, 3, 1).reshape(-1, n)
    return {"shift": _hit_rates(shift_s, shift_a, ks, rng),
            "week": _hit_rates(pred.sum(axis=(2, 3)), actual.sum(axis=(2, 3)), ks, rng)}


# --------------------------------------------------------------------------- evidence


@dataclass(frozen=True)
class ForecastEvidence:
    """What the internal backtest found (kept with the forecast).

    Attributes
    ----------
    chosen
        Name of the winning :class:`Candidate`.
    weeks
        Weeks compared (the last ones before the cut-off).
    hit_rates
        Candidate name -> ``{"shift@0.01": hit rate, ...}`` (mean over the
        windows of those weeks), for every candidate compared.
    best_baseline
        Baseline with the highest internal score.
    reason
        ``"selected"`` or why a fallback was taken (``"thin"``, ``"no_boosted"``).
    incidents
        Incidents in the compared weeks.
    weights, tiebreak
        The chosen candidate's parts (:class:`Candidate`).
    """

    chosen: str
    weeks: int
    hit_rates: dict[str, dict[str, float]] = field(repr=False)
    best_baseline: str
    reason: str
    incidents: int
    weights: tuple[tuple[str, float], ...] = ()
    tiebreak: str | None = None

    def hit_rate(self, model: str | None = None, *, windows: str = "shift",
                 coverage: float = 0.01) -> float:
        """Internal hit rate of ``model`` (default: the chosen one)."""
        return self.hit_rates[self.chosen if model is None else model][
            f"{windows}@{coverage:g}"]

    def score(self, model: str | None = None) -> float:
        """What the choice maximised (1 = as good as the best plain baseline).

        The mean, over window kinds and coverages, of the model's internal hit
        rate over the best plain baseline's.
        """
        rates = self.hit_rates
        name = self.chosen if model is None else model
        return _objective(rates, name, list(rates[name])) if rates else float("nan")

    def to_dict(self) -> dict[str, object]:
        """Plain types (for ``DataFrame.attrs`` and JSON)."""
        return {"chosen": self.chosen, "weeks": self.weeks, "best_baseline": self.best_baseline,
                "reason": self.reason, "incidents": self.incidents,
                "weights": [[m, float(w)] for m, w in self.weights],
                "tiebreak": self.tiebreak,
                "hit_rates": {k: dict(v) for k, v in self.hit_rates.items()}}


def _objective(rates: Mapping[str, Mapping[str, float]], name: str,
               keys: Sequence[str]) -> float:
    """Mean over ``keys`` of the candidate's hit rate over the best plain baseline's."""
    vals = []
    for k in keys:
        best = max(rates[b][k] for b in BASELINES if b in rates)
        v = rates[name][k]
        if np.isfinite(best) and best > 0 and np.isfinite(v):
            vals.append(v / best)
    return float(np.mean(vals)) if vals else float("nan")


def score_candidates(preds: Mapping[str, np.ndarray], actual: np.ndarray,
                     candidates: Sequence[Candidate], *,
                     coverages: Sequence[float] = SELECTION_COVERAGES,
                     seed: int | None = None) -> dict[str, dict[str, float]]:
    """Mean hit rate of each candidate, ``{"shift@0.01": ..., "week@0.05": ...}``."""
    rng = np.random.default_rng(0 if seed is None else int(seed))
    out: dict[str, dict[str, float]] = {}
    for c in candidates:
        hr = panel_hit_rates(c.combine(preds), actual, coverages=coverages, rng=rng)
        out[c.name] = {f"{kind}@{p:g}": float(np.nanmean(v[:, j])) if np.isfinite(v[:, j]).any()
                       else float("nan")
                       for kind, v in hr.items() for j, p in enumerate(coverages)}
    return out


def choose_candidate(rates: Mapping[str, Mapping[str, float]],
                     candidates: Sequence[Candidate]) -> Candidate:
    """The candidate with the best mean ratio to the best baseline (first on ties)."""
    keys = list(next(iter(rates.values())).keys())
    best, best_j = candidates[0], -np.inf
    for c in candidates:
        j = _objective(rates, c.name, keys)
        if np.isfinite(j) and j > best_j + 1e-12:
            best, best_j = c, j
    return best


def weekly_scores(preds: Mapping[str, np.ndarray], actual: np.ndarray,
                  candidates: Sequence[Candidate], *,
                  coverages: Sequence[float] = SPARSE_COVERAGES,
                  seed: int | None = None) -> dict[str, dict[str, np.ndarray]]:
    """Hit rates of each candidate per compared week (NaN for a week without incidents).

    Returns
    -------
    dict
        Candidate name -> ``{"shift@0.01": (weeks,) ..., "week@0.01": (weeks,) ...}``;
        a week's shift value is the mean over its shift windows with incidents.
    """
    rng = np.random.default_rng(0 if seed is None else int(seed))
    n_o = actual.shape[0]
    out: dict[str, dict[str, np.ndarray]] = {}
    for c in candidates:
        hr = panel_hit_rates(c.combine(preds), actual, coverages=coverages, rng=rng)
        shift = hr["shift"].reshape(n_o, -1, len(coverages))
        has = np.isfinite(shift)
        n = has.sum(axis=1)
        shift_mean = np.where(n > 0, np.where(has, shift, 0.0).sum(axis=1) / np.maximum(n, 1),
                              np.nan)
        res = {f"shift@{p:g}": shift_mean[:, j] for j, p in enumerate(coverages)}
        res.update({f"week@{p:g}": hr["week"][:, j] for j, p in enumerate(coverages)})
        out[c.name] = res
    return out


def _nanmean(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else float("nan")


def weekly_objective(weekly: Mapping[str, Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """(weeks,) objective of each candidate, per compared week.

    The mean over keys of its hit rate that week over the best plain baseline's
    mean hit rate (averaged over the weeks it gives :func:`_objective`).
    """
    keys = list(next(iter(weekly.values())))
    best = {k: max(_nanmean(weekly[b][k]) for b in BASELINES if b in weekly) for k in keys}
    out = {}
    for name, rates in weekly.items():
        cols = [rates[k] / best[k] for k in keys if np.isfinite(best[k]) and best[k] > 0]
        if not cols:
            out[name] = np.full(len(rates[keys[0]]), np.nan)
            continue
        stack = np.stack(cols)
        has = np.isfinite(stack)
        n = has.sum(axis=0)
        out[name] = np.where(n > 0, np.where(has, stack, 0.0).sum(axis=0) / np.maximum(n, 1),
                             np.nan)
    return out


def choose_shrunk(weekly: Mapping[str, Mapping[str, np.ndarray]],
                  candidates: Sequence[Candidate], *, prior: Candidate = PRIOR,
                  z: float = SWITCH_Z) -> tuple[Candidate, bool]:
    """The prior, unless the best-scoring candidate beats it clearly week by week.

    The best candidate (highest mean of :func:`weekly_objective`, first on ties)
    replaces ``prior`` only if its paired per-week margin over it is positive and
    at least ``z`` standard errors (of the mean margin over the weeks).

    Returns
    -------
    (Candidate, bool)
        The choice, and whether the prior was kept.
    """
    obj = weekly_objective(weekly)
    best, best_j = prior, -np.inf
    for c in candidates:
        j = _nanmean(obj[c.name])
        if np.isfinite(j) and j > best_j + 1e-12:
            best, best_j = c, j
    if best.name == prior.name:
        return prior, True
    d = obj[best.name] - obj[prior.name]
    d = d[np.isfinite(d)]
    if d.size < 2:
        return prior, True
    margin = float(d.mean())
    se = float(d.std(ddof=1)) / np.sqrt(d.size)
    if margin > 0 and margin >= z * se:
        return best, False
    return prior, True


def select_candidate(preds: Mapping[str, np.ndarray], actual: np.ndarray,
                     candidates: Sequence[Candidate], *, seed: int | None = None,
                     sparse_incidents: int = SPARSE_INCIDENTS, prior: Candidate = PRIOR,
                     z: float = SWITCH_Z) -> tuple[Candidate, dict[str, dict[str, float]], bool]:
    """The rule of :class:`AutoModel` on an internal panel.

    Dense panels (at least ``sparse_incidents`` incidents): the best mean ratio to
    the best baseline at :data:`SELECTION_COVERAGES` (:func:`choose_candidate`).
    Sparse panels: scored at :data:`SPARSE_COVERAGES`, and shrunk towards ``prior``
    (:func:`choose_shrunk`; :data:`PRIOR_BASELINE` if ``preds`` lacks one of its
    models), which is compared even if ``candidates`` leaves it out.

    Returns
    -------
    (Candidate, dict, bool)
        The choice, the mean hit rates over the windows of every candidate
        compared (and of the plain baselines), and whether the prior was kept
        for want of evidence.
    """
    plain = [Candidate(((b, 1.0),)) for b in BASELINES]
    if actual.sum() >= sparse_incidents:
        rates = score_candidates(preds, actual, list(dict.fromkeys([*plain, *candidates])),
                                 seed=seed)
        return choose_candidate(rates, candidates), rates, False
    if any(m not in preds for m in prior.models):
        prior = PRIOR_BASELINE
    cands = list(dict.fromkeys([*candidates, prior]))
    scored = list(dict.fromkeys([*plain, *cands]))
    weekly = weekly_scores(preds, actual, scored, seed=seed)
    rates = score_candidates(preds, actual, scored, coverages=SPARSE_COVERAGES, seed=seed)
    chosen, kept = choose_shrunk(weekly, cands, prior=prior, z=z)
    return chosen, rates, kept


# --------------------------------------------------------------------------- model


class AutoModel(CellModel):
    """The default: the best of boosted, the baselines and their blends on recent weeks.

    See the module notes. ``weeks`` internal weeks; the boosted component is
    fitted once, without those weeks, and forecasts both them and the future
    (so the evidence is about the very model used).
    """

    name = "auto"
    hour_profile = "smoothed"

    def __init__(self, *, weeks: int = INTERNAL_WEEKS,
                 candidates: Sequence[Candidate] | None = None,
                 seed: int | None = None) -> None:
        self.weeks = weeks
        self.candidates = candidates
        self.seed = seed
        self.chosen_: Candidate | None = None
        self.evidence_: ForecastEvidence | None = None
        self.boosted_: BoostedModel | None = None
        self._week: np.ndarray | None = None
        self._week_for: History | None = None  # the history _week was computed on

    def fit(self, history: History) -> AutoModel:
        """Fit boosted without the last weeks, score every candidate on them, keep the best."""
        origins = internal_origins(history, weeks=self.weeks)
        if not origins:
            return self._choose(FALLBACK, {}, 0, "thin", 0)
        actual = actual_panel(history, origins)
        n_incidents = int(actual.sum())
        cands = list(self.candidates or default_candidates())
        reason = "selected"
        if n_incidents < THIN_INCIDENTS:
            reason = "thin"
            cands = [c for c in cands if "boosted" not in c.models]
        preds: dict[str, np.ndarray] = {}
        if any("boosted" in c.models for c in cands):
            model = BoostedModel(holdout_days=7 * len(origins), seed=self.seed)
            try:
                weeks = model.fit_scoring(history, [*origins, history.n_days])
            except InsufficientHistoryError:
                reason = "no_boosted"
                cands = [c for c in cands if "boosted" not in c.models]
            else:
                self.boosted_ = model
                self._week = weeks[:, -1, :]
                self._week_for = history
                preds["boosted"] = boosted_panel(history, model, weeks[:, :-1, :], origins)
        if not cands:
            return self._choose(FALLBACK, {}, len(origins), reason, n_incidents)
        preds.update(baseline_panel(history, origins))
        chosen, rates, kept = select_candidate(preds, actual, cands, seed=self.seed)
        if kept and reason == "selected":
            reason = "prior"
        return self._choose(chosen, rates, len(origins), reason, n_incidents)

    def _choose(self, chosen: Candidate, rates: dict[str, dict[str, float]], weeks: int,
                reason: str, incidents: int) -> AutoModel:
        best_base = "retro28"
        if rates:
            keys = list(rates[chosen.name])
            best_base = max(BASELINES, key=lambda b: _objective(rates, b, keys))
        if "boosted" not in chosen.models:
            self.boosted_ = None
            self._week = self._week_for = None
        self.chosen_ = chosen
        self.evidence_ = ForecastEvidence(chosen.name, weeks, rates, best_base, reason,
                                          incidents, chosen.weights, chosen.tiebreak)
        return self

    def _base_slots(self, name: str, history: History, days: np.ndarray) -> np.ndarray:
        if name != "boosted":
            return _baseline(name).predict_slots(history, days)
        assert self.boosted_ is not None
        if self._week is None or self._week_for is not history:
            self._week = self.boosted_.predict_week(history)
            self._week_for = history
        return self.boosted_.spread_week(history, self._week, days)

    def predict_slots(self, history: History, days: np.ndarray) -> np.ndarray:
        """The chosen candidate's forecast per (cell, day, slot)."""
        assert self.chosen_ is not None, "fit first"
        days = np.asarray(days, dtype=np.int64)
        preds = {m: self._base_slots(m, history, days) for m in self.chosen_.models}
        return self.chosen_.combine(preds)
