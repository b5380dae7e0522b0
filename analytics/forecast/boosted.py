"""The default cell model: Poisson gradient-boosted trees on past weekly origins.

See :mod:`analytics.forecast` for the features, the training origins and the speed notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
from scipy import sparse

from analytics._errors import InsufficientHistoryError
from analytics.forecast.baselines import CellModel
from analytics.forecast.history import History

#: Features of the boosted model: (kind, window days or decay) — see `_features`.
_RATE_WINDOWS: Final = (7, 28, 91, 365, 1095, None)


_ETAS_TAUS: Final = (1.0, 3.0, 7.0, 30.0)


def _day_matrix(arr: np.ndarray, lo: int, hi: int) -> sparse.csr_matrix:
    """Sparse (cells × groups, hi - lo) view of ``arr[:, lo:hi, :]`` (rows cell-major)."""
    n, _, g = arr.shape
    sub = arr[:, lo:hi, :]
    c, d, k = np.nonzero(sub)
    return sparse.csr_matrix((sub[c, d, k].astype(np.float64), (c * g + k, d)),
                             shape=(n * g, max(hi - lo, 0)))


def _day_weights(lo: int, hi: int, starts: np.ndarray, ends: np.ndarray,
                 tau: float | None = None) -> np.ndarray:
    """(hi - lo, origins) weights of days ``lo..hi-1``.

    1, or ``exp(-(end - day - 0.5)/tau)``, for ``start <= day < end`` of each
    origin's window, else 0.
    """
    d = np.arange(lo, hi, dtype=np.float64)[:, None]
    inside = (d >= starts[None, :]) & (d < ends[None, :])
    if tau is None:
        return inside.astype(np.float64)
    return np.where(inside, np.exp(-(ends[None, :] - d - 0.5) / tau), 0.0)


def _features_many(history: History, origins: Sequence[int],
                   rows: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
    """Features at several origins at once, each using days < its origin only.

    Rows are ordered origin-major, then cell, then slot (the concatenation of
    one block per origin); ``rows`` selects some of them (flat indices in that
    order). Windowed sums come from cumulative counts and from one sparse
    product of the (mostly zero) daily counts with a (days × origins) weight
    matrix, instead of re-summing every window for every origin.
    """
    n, n_days, n_slots = history.counts.shape
    O = np.asarray(origins, dtype=np.int64)  # noqa: E741 - the origins, as in the notes
    m = len(O)
    if rows is None:
        rows = np.arange(m * n * n_slots)
    oi, ci, si = np.unravel_index(np.asarray(rows, dtype=np.int64), (m, n, n_slots))
    cols: list[np.ndarray] = []
    names: list[str] = []

    def add(name: str, a: np.ndarray) -> None:
        """``a`` broadcastable to (cells, origins, slots)."""
        full = np.broadcast_to(a, (n, m, n_slots))
        cols.append(full[ci, oi, si].astype(np.float32))
        names.append(name)

    def ring(mat: sparse.csr_matrix, a: np.ndarray) -> np.ndarray:
        return np.asarray(mat @ a.reshape(n, -1)).reshape(a.shape)

    cum = history.cum
    for L in _RATE_WINDOWS:
        start = np.zeros_like(O) if L is None else np.maximum(O - L, 0)
        span = O if L is None else np.minimum(L, O)
        w = (cum[:, O] - cum[:, start]).astype(np.float64) / np.maximum(span, 1)[None, :, None]
        tag = "all" if L is None else str(L)
        a = w.sum(axis=2, keepdims=True)
        add(f"cell_all_{tag}", a)
        add(f"cell_slot_{tag}", w)
        if L in (28, 365, 1095, None):
            add(f"r1_all_{tag}", ring(history.ring1, a))
            add(f"r1_slot_{tag}", ring(history.ring1, w))
            add(f"r2_all_{tag}", ring(history.ring2, a))
        if L in (7, 91):
            add(f"r1_all_{tag}", ring(history.ring1, a))
    look = np.minimum(365, O)
    st = O - look
    lo, hi = int(st.min()), int(O.max())
    counts = _day_matrix(history.counts, lo, hi)  # (cells*slots, days)
    wts = np.hstack([_day_weights(lo, hi, st, O, tau) for tau in _ETAS_TAUS])
    et = np.asarray(counts @ wts).reshape(n, n_slots, len(_ETAS_TAUS), m)
    for j, tau in enumerate(_ETAS_TAUS):
        slot_e = et[:, :, j, :].transpose(0, 2, 1)  # (cells, origins, slots)
        e = slot_e.sum(axis=2, keepdims=True)
        add(f"etas_{tau:g}", e)
        if tau >= 7:
            add(f"etas_slot_{tau:g}", slot_e)
            add(f"r1_etas_{tau:g}", ring(history.ring1, e))
    any_day = history.counts[:, lo:hi, :].sum(axis=2) > 0  # (cells, days)
    day_no = np.arange(lo, hi)
    r1 = history.ring1.tocsr()
    ring_any = (r1 @ any_day.astype(np.float32)) > 0
    for name, flag in (("days_since", any_day), ("r1_days_since", ring_any)):
        last = np.maximum.accumulate(np.where(flag, day_no[None, :], -1), axis=1)[:, O - 1 - lo]
        add(name, np.where(last >= st[None, :], O[None, :] - last, 400)[:, :, None]
            .astype(np.float64))
    if history.types is not None:
        n_types = history.types.shape[1]
        g = history.types.shape[2]
        t_end = n_types - (n_days - O)
        e_t = np.maximum(t_end, 0)
        s_t = np.maximum(t_end - 365, 0)
        tlo, thi = int(s_t.min()), int(e_t.max())
        tmat = _day_matrix(history.types, tlo, thi)  # (cells*groups, days)
        wins = (28, 91, 365)
        wts = np.hstack([_day_weights(tlo, thi, np.maximum(e_t - L, s_t), e_t) for L in wins]
                        + [_day_weights(tlo, thi, s_t, e_t, 30.0)])
        res = np.asarray(tmat @ wts).reshape(n, g, len(wins) + 1, m).transpose(0, 3, 1, 2)
        for j, L in enumerate(wins):  # res: (cells, origins, groups, 4)
            part = res[:, :, :, j] / np.maximum(np.minimum(L, O), 1)[None, :, None]
            for k in range(g):
                add(f"type{k}_{L}", part[:, :, k:k + 1])
        year = res[:, :, :, 2]
        share = year / np.maximum(year.sum(axis=2, keepdims=True), 1.0)
        for k in range(g):
            add(f"type{k}_share", share[:, :, k:k + 1])
            add(f"type{k}_etas_30", res[:, :, k:k + 1, 3])
    add("slot", np.arange(n_slots, dtype=np.float64)[None, None, :])
    add("history_days", O.astype(np.float64)[None, :, None])
    return np.column_stack(cols), names


def _features(history: History, origin: int) -> tuple[np.ndarray, list[str]]:
    """Features per (cell, slot), rows ordered cell-major, using days < ``origin`` only."""
    return _features_many(history, [origin])


def _subsample_zeros(y: np.ndarray, groups: np.ndarray, *, ratio: float | None,
                     floor: float, seed: int | None
                     ) -> tuple[np.ndarray, np.ndarray, float]:
    """Training rows to keep: every positive target and a share ``q`` of the zeros.

    ``q = ratio × positives / zeros`` (about ``ratio`` kept zeros per positive),
    clipped to ``[floor, 1]``. The zeros are sampled within each group (a cell
    and slot, over the training origins): a group with ``z`` zero rows keeps
    ``k = max(1, round(q z))`` of them, chosen at random (seeded), each weighing
    ``z / k``. The weighted Poisson loss is then an unbiased estimate of the
    full one, and every group keeps its exact total weight, so the trees cannot
    mistake sampling noise for a cell with a higher rate. ``ratio=None`` keeps
    every row.

    Returns
    -------
    rows, weight, q
        Sorted row indices, their weights, and the rate ``q``.
    """
    pos = y > 0
    n_pos, n_zero = int(pos.sum()), int((~pos).sum())
    if ratio is None or n_zero == 0:
        return np.arange(len(y)), np.ones(len(y)), 1.0
    q = float(min(1.0, max(floor, ratio * max(n_pos, 1) / n_zero)))
    if q >= 1.0:
        return np.arange(len(y)), np.ones(len(y)), 1.0
    rng = np.random.default_rng(0 if seed is None else int(seed))
    zero = np.flatnonzero(~pos)
    g = groups[zero]
    order = np.lexsort((rng.random(len(zero)), g))  # by group, random within group
    gs = g[order]
    first = np.r_[0, np.flatnonzero(gs[1:] != gs[:-1]) + 1]
    size = np.diff(np.r_[first, len(gs)])
    rank = np.arange(len(gs)) - np.repeat(first, size)
    k = np.maximum(1, np.rint(q * size)).astype(np.int64)
    kept = rank < np.repeat(k, size)
    zrows = zero[order[kept]]
    zw = np.repeat(size / k, size)[kept]
    rows = np.concatenate([np.flatnonzero(pos), zrows])
    weight = np.concatenate([np.ones(n_pos), zw])
    srt = np.argsort(rows, kind="stable")
    return rows[srt], weight[srt], q


class BoostedModel(CellModel):
    """Poisson gradient boosting (LightGBM) over rolling weekly origins (see module notes)."""

    name = "boosted"
    hour_profile = "smoothed"

    def __init__(self, *, n_origins: int = 52, step_days: int = 7, n_rounds: int = 200,
                 learning_rate: float = 0.05, num_leaves: int = 31,
                 min_data_in_leaf: int = 100, feature_fraction: float = 0.7,
                 bagging_fraction: float = 0.7, weekday_k: float = 300.0,
                 zero_ratio: float | None = 3.0, zero_floor: float = 0.2,
                 calibrate: bool = True, holdout_days: int = 0,
                 seed: int | None = None) -> None:
        self.n_origins = n_origins
        self.holdout_days = holdout_days
        self.step_days = step_days
        self.n_rounds = n_rounds
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_data_in_leaf = min_data_in_leaf
        self.feature_fraction = feature_fraction
        self.bagging_fraction = bagging_fraction
        self.weekday_k = weekday_k
        self.zero_ratio = zero_ratio
        self.zero_floor = zero_floor
        self.calibrate = calibrate
        self.scale_: float = 1.0
        self.seed = seed
        self.zero_rate_: float = 1.0
        self.model_: object | None = None

    def training_origins(self, history: History) -> list[int]:
        """Past origins whose 7-day targets end before the last (partial) day.

        With ``holdout_days`` the targets end that many days earlier, so the
        model has not seen the last ``holdout_days`` days (scored by
        :func:`fit_scoring`).
        """
        last = history.n_days - 8 - self.holdout_days
        first = min(28, last)
        out = [last - self.step_days * k for k in range(self.n_origins)]
        return [o for o in out if o >= max(first, 1)]

    def fit(self, history: History) -> BoostedModel:
        """Train on the weekly origins of :meth:`training_origins`."""
        self.fit_scoring(history, ())
        return self

    def fit_scoring(self, history: History, origins: Sequence[int]) -> np.ndarray:
        """Fit, then predict the next 7 days' counts at other ``origins`` too.

        The predictions at ``origins`` (day indices; features use days before
        each only) come from the same feature pass as the training rows.

        Returns
        -------
        numpy.ndarray
            (cells, len(origins), slots) expected counts over ``[o, o + 7)``.
        """
        try:
            import lightgbm as lgb
        except ImportError as exc:  # pragma: no cover - depends on the environment
            msg = "El modelo por defecto necesita lightgbm: pip install lightgbm==4.7.0"
            raise ImportError(msg) from exc

        train = self.training_origins(history)
        if len(train) < 4:
            msg = ("Historia insuficiente para el modelo por defecto: se necesitan al menos "
                   "8 semanas de incidentes antes de la fecha de corte.")
            raise InsufficientHistoryError(msg)
        # targets of every (origin, cell, slot), origin-major like the feature rows
        o = np.asarray(train, dtype=np.int64)
        cum = history.cum
        n_cells, n_slots = cum.shape[0], cum.shape[2]
        block = n_cells * n_slots
        y_all = (cum[:, o + 7] - cum[:, o]).transpose(1, 0, 2).reshape(-1).astype(np.float64)
        groups = np.arange(len(y_all)) % block  # cell and slot
        rows, weight, self.zero_rate_ = _subsample_zeros(
            y_all, groups, ratio=self.zero_ratio, floor=self.zero_floor, seed=self.seed)
        cal_rows = np.empty(0, dtype=np.int64)
        cal_w = None
        if self.zero_rate_ < 1.0 and self.calibrate:
            # an independent draw of zeros (plus every positive) to re-level the fitted model
            cal_rows, cal_w, _ = _subsample_zeros(
                y_all, groups, ratio=self.zero_ratio, floor=self.zero_floor,
                seed=(0 if self.seed is None else int(self.seed)) + 1_000_003)
        score_rows = len(y_all) + np.arange(len(origins) * block)
        union = np.union1d(np.union1d(rows, cal_rows), score_rows)
        xu, _ = _features_many(history, [*train, *origins], union)
        X = xu[np.searchsorted(union, rows)]
        y = y_all[rows]
        # one thread: on a shared 2-core machine OpenMP spin-waiting made fits ~7x slower
        params = {
            "objective": "poisson", "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": int(min(self.min_data_in_leaf, max(5, len(y) // 50))),
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction, "bagging_freq": 1,
            "num_threads": 1, "deterministic": True, "verbose": -1,
            "seed": 0 if self.seed is None else int(self.seed),
        }
        self.model_ = lgb.train(params, lgb.Dataset(X, y, weight=weight),
                                num_boost_round=self.n_rounds)
        self.scale_ = 1.0
        if cal_w is not None:
            x_cal = xu[np.searchsorted(union, cal_rows)]
            fitted = float(np.dot(cal_w, self.model_.predict(x_cal)))
            if fitted > 0:
                self.scale_ = float(y_all.sum()) / fitted
        if not len(origins):
            return np.empty((n_cells, 0, n_slots))
        xs = xu[np.searchsorted(union, score_rows)]
        pred = self.scale_ * np.asarray(self.model_.predict(xs))
        out: np.ndarray = pred.reshape(len(origins), n_cells, n_slots).transpose(1, 0, 2)
        return out

    def predict_week(self, history: History) -> np.ndarray:
        """Expected incidents per (cell, slot) over the next 7 days."""
        x, _ = _features(history, history.n_days)
        assert self.model_ is not None, "fit first"
        pred = np.asarray(self.model_.predict(x))  # type: ignore[attr-defined]
        out: np.ndarray = self.scale_ * pred.reshape(len(history.cells), -1)
        return out

    def weekday_profile(self, history: History) -> np.ndarray:
        """(cells, slots, 7): smoothed share of a week's slot count on each weekday."""
        look = min(730, history.n_days)
        days = np.arange(history.day0 + history.n_days - look, history.day0 + history.n_days)
        wd = history.weekdays(days)
        recent = history.counts[:, -look:, :]
        per = np.stack([recent[:, wd == d, :].sum(axis=1) for d in range(7)], axis=2)
        glob = per.sum(axis=0) + 1.0
        glob = glob / glob.sum(axis=1, keepdims=True)
        tot = per.sum(axis=2, keepdims=True)
        k = self.weekday_k
        out: np.ndarray = (per + k * glob[None]) / (tot + k)
        return out

    def spread_week(self, history: History, week: np.ndarray, days: np.ndarray) -> np.ndarray:
        """(cells, days, slots): a week's (cell, slot) counts spread over ``days``.

        Uses the weekday profile of ``history`` (``days`` follow its last day).
        """
        prof = self.weekday_profile(history)  # (cells, slots, 7)
        wd = history.weekdays(np.asarray(days))
        out: np.ndarray = week[:, None, :] * np.moveaxis(prof[:, :, wd], 2, 1)
        return out

    def predict_slots(self, history: History, days: np.ndarray) -> np.ndarray:
        """Next week's (cell, slot) forecast spread over ``days``."""
        return self.spread_week(history, self.predict_week(history), days)
