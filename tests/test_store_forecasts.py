"""Stored forecasts: round trips, lookup rules, replacement, pruning (analytics.store.forecasts)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import store
from analytics._errors import IncidentSchemaError
from analytics.store import forecasts as sf

CUT = pd.Timestamp("2025-07-01")


@pytest.fixture
def con():
    c = store.connect(":memory:")
    yield c
    c.close()


def zone_table(zones=("A", "B"), days: int = 2, *, cut: pd.Timestamp = CUT) -> pd.DataFrame:
    start = pd.date_range(cut, periods=days, freq="D")
    rows = [{"zone": z, "window_start": s, "window_end": s + pd.Timedelta(days=1),
             "expected": 1.5 + i + 0.25 * k, "lower": float(i), "upper": 3.0 + i + k,
             "model": "city_share" if z == "A" else "weekday_8w"}
            for i, z in enumerate(zones) for k, s in enumerate(start)]
    return pd.DataFrame(rows)


def cell_table(days: int = 1) -> pd.DataFrame:
    starts = [CUT + pd.Timedelta(days=d, hours=h) for d in range(days) for h in (6, 14, 22)]
    cells = ["89283082803ffff", "89283082807ffff"]
    return pd.DataFrame({"h3": np.repeat(cells, len(starts)),
                         "window_start": starts * 2,
                         "window_end": [s + pd.Timedelta(hours=8) for s in starts] * 2,
                         "expected": np.linspace(0.1, 1.2, 2 * len(starts)),
                         "lower": 0.0, "upper": 2.0})


def test_zone_run_round_trip(con) -> None:
    table = zone_table()
    run = sf.save_forecast(con, table, kind="zone", windows="day", train_until=CUT,
                           horizon_days=2, layer_id=None, model="zone", interval=0.8,
                           made_at="2025-07-01 02:00", made_by="(cli:vigia)", seconds=1.5,
                           no_history=["C"], notes=["nota"], params={"country": "PE"})
    found = sf.find_forecast(con, kind="zone", windows="day", train_until="2025-07-01")
    assert found == run
    assert found.made_at == pd.Timestamp("2025-07-01 02:00")
    assert found.data_until == pd.Timestamp("2025-06-30")
    assert found.end == pd.Timestamp("2025-07-03")
    assert found.no_history == ("C",) and found.notes == ("nota",)
    assert found.params == {"country": "PE"}
    rows = sf.forecast_rows(con, found)
    assert list(rows.columns) == ["zone", "window_start", "window_end", "expected", "lower",
                                  "upper", "model"]
    pd.testing.assert_frame_equal(rows, table.astype({"zone": "str", "model": "str"}),
                                  check_dtype=False)
    one_day = sf.forecast_rows(con, found, start="2025-07-02", end="2025-07-03")
    assert (one_day["window_start"] == pd.Timestamp("2025-07-02")).all() and len(one_day) == 2


def test_cell_run_round_trip_and_matching(con) -> None:
    table = cell_table(days=2)
    sf.save_forecast(con, table, kind="cell", windows="shift", train_until=CUT,
                     horizon_days=2, resolution=9, model="boosted", interval=0.9)
    hit = sf.stored_forecast(con, kind="cell", windows="shift", train_until=CUT,
                             covers_until=CUT + pd.Timedelta(days=2), resolution=9,
                             model="boosted")
    assert hit is not None
    run, rows = hit
    assert list(rows.columns) == ["h3", "window_start", "window_end", "expected", "lower",
                                  "upper"]
    np.testing.assert_allclose(rows["expected"], table["expected"])
    for other in ({"resolution": 8}, {"crime_group": "patrimonio"}, {"model": "retro28"},
                  {"covers_until": CUT + pd.Timedelta(days=3)},
                  {"train_until": CUT + pd.Timedelta(days=1)}):
        match = {"kind": "cell", "windows": "shift", "train_until": CUT, "resolution": 9,
                 "model": "boosted", **other}
        assert sf.find_forecast(con, **match) is None, other
    # zone runs of districts and of a layer do not answer for each other
    sf.save_forecast(con, zone_table(), kind="zone", windows="day", train_until=CUT,
                     horizon_days=2, layer_id=3)
    assert sf.find_forecast(con, kind="zone", windows="day", train_until=CUT) is None
    assert sf.find_forecast(con, kind="zone", windows="day", train_until=CUT,
                            layer_id=3) is not None


def test_newest_run_wins_and_same_parameters_replace(con) -> None:
    first = sf.save_forecast(con, zone_table(), kind="zone", windows="day", train_until=CUT,
                             horizon_days=2, made_at="2025-07-01 02:00")
    again = sf.save_forecast(con, zone_table(), kind="zone", windows="day", train_until=CUT,
                             horizon_days=2, made_at="2025-07-01 03:00")
    runs = sf.forecast_runs(con)
    assert list(runs["run_id"]) == [again.run_id], "the rerun replaced the first run"
    assert con.execute("SELECT count(*) FROM forecasts WHERE run_id = ?",
                       [first.run_id]).fetchall()[0][0] == 0
    longer = sf.save_forecast(con, zone_table(days=7), kind="zone", windows="day",
                              train_until=CUT, horizon_days=7, made_at="2025-07-01 04:00")
    assert len(sf.forecast_runs(con)) == 2
    assert sf.find_forecast(con, kind="zone", windows="day", train_until=CUT) == longer
    assert sf.find_forecast(con, kind="zone", windows="day", train_until=CUT,
                            covers_until=CUT + pd.Timedelta(days=5)) == longer


def test_prune_drops_old_cutoffs_but_keeps_period_runs(con) -> None:
    def save(kind: str, windows: str, cut: pd.Timestamp) -> str:
        table = zone_table(cut=cut) if kind == "zone" else cell_table().assign(
            window_start=lambda d: d["window_start"] + (cut - CUT),
            window_end=lambda d: d["window_end"] + (cut - CUT))
        return sf.save_forecast(con, table, kind=kind, windows=windows, train_until=cut,
                                horizon_days=2, resolution=9 if kind == "cell" else None
                                ).run_id

    old_cell = save("cell", "shift", CUT - pd.Timedelta(days=40))
    new_cell = save("cell", "shift", CUT)
    old_zone = save("zone", "day", CUT - pd.Timedelta(days=40))
    period = save("zone", "period", CUT - pd.Timedelta(days=800))
    assert sf.prune_forecasts(con, keep_days={"cell": 21, "zone": 400}) == 1
    left = set(sf.forecast_runs(con)["run_id"])
    assert left == {new_cell, old_zone, period}
    assert old_cell not in set(con.execute("SELECT DISTINCT run_id FROM forecasts").df()["run_id"])


@pytest.mark.parametrize("kwargs, match", [
    ({"kind": "week"}, "Tipo de pronóstico"),
    ({"windows": "hourly"}, "Ventanas desconocidas"),
    ({"train_until": "ayer"}, "Fecha de corte"),
], ids=["kind", "windows", "cut"])
def test_bad_parameters_are_refused(con, kwargs: dict, match: str) -> None:
    args = {"kind": "zone", "windows": "day", "train_until": CUT, "horizon_days": 2, **kwargs}
    with pytest.raises(IncidentSchemaError, match=match):
        sf.save_forecast(con, zone_table(), **args)


def test_missing_columns_are_refused(con) -> None:
    with pytest.raises(IncidentSchemaError, match="expected"):
        sf.save_forecast(con, zone_table().drop(columns=["expected"]), kind="zone",
                         windows="day", train_until=CUT, horizon_days=2)
