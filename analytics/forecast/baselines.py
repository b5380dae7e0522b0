"""The four baseline maps an analyst would draw (see :mod:`analytics.forecast`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np

from analytics.forecast.history import History, _slot_hours

#: Look-back of the prospective (Bowers–Johnson–Pease) baseline, weeks.
PROSPECTIVE_WEEKS: Final = 8


#: Baseline model names.
BASELINES: Final = ("retro28", "retro_shift", "longrun", "prospective")


class CellModel:
    """Interface: ``fit(history)`` then ``predict_slots``/``predict_hours``.

    ``predict_slots(history, days)`` returns expected incidents per (cell, day,
    slot) window, days being absolute day numbers (shift start day).
    ``predict_hours`` returns (cell, day, 24) for calendar hours; the default
    spreads each slot over its hours by the cell's hour profile (uniform for
    baselines that ignore time of day).
    """

    name = "base"
    hour_profile = "uniform"

    def fit(self, history: History) -> CellModel:
        """Fit the model on ``history``; the baselines have nothing to learn."""
        return self

    def predict_slots(self, history: History, days: np.ndarray) -> np.ndarray:
        """(cells, days, slots): expected incidents per shift window."""
        raise NotImplementedError

    def hour_shares(self, history: History) -> np.ndarray:
        """(cells, 24): share of its slot's expected count for each hour."""
        n = len(history.cells)
        share = np.zeros((n, 24))
        for hrs in _slot_hours(history.shifts):
            if self.hour_profile == "uniform":
                share[:, hrs] = 1.0 / len(hrs)
            else:
                src = history.hours if self.hour_profile == "longrun" else history.hours_recent
                part = src[:, hrs]
                glob = history.hours[:, hrs].sum(axis=0) + 1.0
                glob = glob / glob.sum()
                k = 0.0 if self.hour_profile != "smoothed" else 10.0
                tot = part.sum(axis=1, keepdims=True)
                with np.errstate(invalid="ignore", divide="ignore"):
                    s = (part + k * glob) / (tot + k)
                share[:, hrs] = np.where(tot + k > 0, s, 1.0 / len(hrs))
        return share

    def predict_hours(self, history: History, days: np.ndarray) -> np.ndarray:
        """(cells, days, 24): expected incidents per calendar hour."""
        days = np.asarray(days, dtype=np.int64)
        # slot of each hour on a calendar day, and whether it started the day before
        ext = np.r_[days[0] - 1, days]
        slot_pred = self.predict_slots(history, ext)  # (cells, len(ext), slots)
        share = self.hour_shares(history)
        out = np.empty((len(history.cells), len(days), 24))
        for s, (_n, start, end) in enumerate(history.shifts):
            for h in _slot_hours([history.shifts[s]])[0]:
                back = start > end and h < end
                src = slot_pred[:, :-1, s] if back else slot_pred[:, 1:, s]
                out[:, :, h] = src * share[:, [h]]
        return out


def _slot_fraction(shifts: Sequence[tuple[str, int, int]]) -> np.ndarray:
    return np.array([len(h) / 24 for h in _slot_hours(shifts)])


class Retro28Model(CellModel):
    """All incidents of the cell in the last 28 days."""

    name = "retro28"

    def predict_slots(self, history: History, days: np.ndarray) -> np.ndarray:
        """Last 28 days' daily rate, split over the slots by their length."""
        rate = history.window(history.n_days, 28).sum(axis=1) / 28.0  # per day
        frac = _slot_fraction(history.shifts)
        return np.broadcast_to(rate[:, None, None] * frac[None, None, :],
                               (len(rate), len(days), len(frac))).copy()


class RetroShiftModel(CellModel):
    """Incidents of the cell in the same shift over the last 56 days."""

    name = "retro_shift"
    hour_profile = "recent"
    days = 56

    def predict_slots(self, history: History, days: np.ndarray) -> np.ndarray:
        """Same-shift rate over the look-back, equal for every day."""
        span = min(self.days, history.n_days) if self.days else history.n_days
        rate = history.window(history.n_days, self.days) / max(span, 1)  # per slot window
        return np.broadcast_to(rate[:, None, :], (rate.shape[0], len(days), rate.shape[1])).copy()


class LongRunModel(RetroShiftModel):
    """Incidents of the cell in the same shift over all history."""

    name = "longrun"
    hour_profile = "longrun"
    days = 0  # all history

    def predict_slots(self, history: History, days: np.ndarray) -> np.ndarray:
        """Same-shift rate over all history, equal for every day."""
        rate = history.window(history.n_days, None) / max(history.n_days, 1)
        return np.broadcast_to(rate[:, None, :], (rate.shape[0], len(days), rate.shape[1])).copy()


class ProspectiveModel(CellModel):
    """Bowers–Johnson–Pease prospective hotspot map (cell and two rings)."""

    name = "prospective"

    def __init__(self, weeks: int = PROSPECTIVE_WEEKS) -> None:
        self.weeks = weeks

    def predict_slots(self, history: History, days: np.ndarray) -> np.ndarray:
        """Weighted, ring-smoothed recent counts scaled to the recent daily rate."""
        end = history.n_days
        score = np.zeros(len(history.cells))
        for w in range(self.weeks):
            lo, hi = max(end - 7 * (w + 1), 0), max(end - 7 * w, 0)
            score += (history.cum[:, hi] - history.cum[:, lo]).sum(axis=1) / (1.0 + w)
        score = score + history.ring1 @ score / 2.0 + history.ring2 @ score / 3.0
        # scale so the map sums to the recent daily rate (ranking is what matters)
        recent = history.window(end, 7 * self.weeks).sum() / max(min(7 * self.weeks, end), 1)
        total = score.sum()
        rate = score * (recent / total) if total > 0 else score
        frac = _slot_fraction(history.shifts)
        return np.broadcast_to(rate[:, None, None] * frac[None, None, :],
                               (len(rate), len(days), len(frac))).copy()
