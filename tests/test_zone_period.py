"""Expected range of a whole period per zone (analytics.zone_period): hand-checked verdicts,
the dispersion of sums, and the forecast on simulated Poisson zones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import zone_period as zp
from analytics._errors import IncidentSchemaError
from tests.test_zones import CUT, poisson_events

END = CUT + pd.Timedelta(days=28)


@pytest.mark.parametrize("count, verdict", [
    (9, "below"), (10, "within"), (15, "within"), (20, "within"), (21, "above"),
], ids=["below", "at-lower", "inside", "at-upper", "above"])
def test_verdict_by_hand(count: int, verdict: str) -> None:
    assert zp.expected_verdict(count, 10, 20) == verdict


def test_compare_to_expected_by_hand() -> None:
    fc = pd.DataFrame({"zone": ["LA VICTORIA", "LIMA", "LINCE"],
                       "expected": [100.0, 50.0, 30.0], "lower": [85, 40, 22],
                       "upper": [115, 60, 38]})
    counts = pd.Series({"LA VICTORIA": 130, "LIMA": 44, "LINCE": 12, "SURCO": 9})
    got = zp.compare_to_expected(counts, fc, zones=["LINCE", "LA VICTORIA", "LIMA", "SURCO",
                                                    "BREÑA"])
    assert list(got["zone"]) == ["LINCE", "LA VICTORIA", "LIMA", "SURCO", "BREÑA"]
    assert list(got["verdict"]) == ["below", "above", "within", None, None]
    assert list(got["count"]) == [12, 130, 44, 9, 0]
    assert got.loc[1, "expected"] == 100.0 and got.loc[1, "upper"] == 115


@pytest.mark.parametrize("y, mu, phi", [
    ([12, 8], [10, 10], 0.0),           # less spread than Poisson: floored at 0
    ([20, 0], [10, 10], 0.9),           # (100 - 10) * 2 / 200
    ([10, 5, 0], [10, 5, 0], 0.0),      # mu = 0 rows are ignored
], ids=["under", "over", "zero-mean"])
def test_sum_dispersion_by_hand(y: list[float], mu: list[float], phi: float) -> None:
    got, n = zp.sum_dispersion(np.array(y, float), np.array(mu, float))
    assert got == pytest.approx(phi)
    assert n == sum(m > 0 for m in mu)


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return poisson_events({"A": 6.0, "B": 2.0, "C": 0.5}, days=400, seed=5)


@pytest.fixture(scope="module")
def month(events: pd.DataFrame):
    return zp.forecast_period(events, start=CUT, end=END, origins=3, max_zone_fits=0,
                              country=None, zones=["A", "B", "C", "D"])


def test_period_forecast_on_known_poisson_rates(events: pd.DataFrame, month) -> None:
    t = month.table.set_index("zone")
    assert list(t.index) == ["A", "B", "C"] and month.no_history == ("D",)
    assert month.by == "period"
    assert (t["window_start"] == CUT).all() and (t["window_end"] == END).all()
    # weekday factors of the simulation average 1.0: 28 days at rate r -> 28 r
    for z, rate in (("A", 6.0), ("B", 2.0), ("C", 0.5)):
        assert t.at[z, "lower"] <= t.at[z, "expected"] <= t.at[z, "upper"]
        assert t.at[z, "lower"] <= 28 * rate <= t.at[z, "upper"], z
    for z, rate in (("A", 6.0), ("B", 2.0)):  # C's level rests on ~14 recent incidents
        assert abs(t.at[z, "expected"] / (28 * rate) - 1) < 0.15, z
    assert (t["lower"] == t["lower"].round()).all()
    assert any("medido en 3 periodo" in n for n in month.notes)
    assert "period_dispersion" in month.zones.columns


def test_sum_interval_is_at_least_the_poisson_one(month) -> None:
    from scipy.stats import poisson

    t = month.table
    lo = poisson.ppf(0.1, t["expected"].to_numpy())
    hi = poisson.ppf(0.9, t["expected"].to_numpy())
    assert (t["lower"].to_numpy() <= lo).all() and (t["upper"].to_numpy() >= hi).all()


def test_nothing_from_the_period_itself_is_used(events: pd.DataFrame, month) -> None:
    spike = pd.DataFrame({"occurred_at": pd.date_range(CUT, periods=500, freq="h"),
                          "zone": "A"})
    again = zp.forecast_period(pd.concat([events, spike], ignore_index=True), start=CUT,
                               end=END, origins=3, max_zone_fits=0, country=None,
                               zones=["A", "B", "C", "D"])
    pd.testing.assert_frame_equal(again.table, month.table)


def test_short_history_gives_a_wide_labelled_interval(events: pd.DataFrame) -> None:
    recent = events[events["occurred_at"] >= CUT - pd.Timedelta(days=60)]
    res = zp.forecast_period(recent, start=CUT, end=END, max_zone_fits=0, country=None)
    assert any("intervalo amplio" in n for n in res.notes)
    a = res.table.set_index("zone").loc["A"]
    # at least a 10 % relative spread: wider than Poisson's ~ sqrt(168) = 13
    assert a["upper"] - a["lower"] >= 2 * 1.28 * 0.1 * a["expected"] - 1


@pytest.mark.parametrize("kwargs, match", [
    ({"start": "2025-03-03", "end": "2025-03-03"}, "de 1 a 366"),
    ({"start": "2025-03-03 12:00", "end": "2025-04-01"}, "00:00"),
    ({"start": "ayer", "end": "2025-04-01"}, "Fecha de inicio"),
    ({"start": "2025-03-03", "end": "2025-04-01", "origins": -1}, "orígenes"),
], ids=["empty", "not-midnight", "bad-date", "origins"])
def test_bad_periods_are_refused(events: pd.DataFrame, kwargs: dict, match: str) -> None:
    with pytest.raises(IncidentSchemaError, match=match):
        zp.forecast_period(events, **kwargs)


def test_counts_in_period() -> None:
    ev = pd.DataFrame({"occurred_at": pd.to_datetime(["2025-03-02 23:59", "2025-03-03 00:00",
                                                      "2025-03-30 23:59", "2025-03-31 00:00",
                                                      "2025-03-10 00:00"]),
                       "zone": ["A", "A", "A", "A", "B"]})
    got = zp.counts_in_period(ev, start=CUT, end=END)
    assert got.to_dict() == {"A": 2, "B": 1}
