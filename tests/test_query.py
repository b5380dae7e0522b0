"""IncidentQuery: one selection rule, as SQL and as a frame mask, hashable and validated."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics import settings
from analytics._errors import IncidentSchemaError
from analytics.query import IncidentQuery, shift_hours


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 2000
    t0 = pd.Timestamp("2025-01-01")
    return pd.DataFrame({
        "incident_id": [f"q{i}" for i in range(n)],
        "occurred_at": t0 + pd.to_timedelta(rng.integers(0, 90 * 24 * 60, n), unit="min"),
        "crime_group": rng.choice(["patrimonio", "violencia_familiar", "faltas"], n),
        "crime_type": rng.choice(["robo", "hurto", "feminicidio", "violencia familiar"], n),
        "district": rng.choice(["LA VICTORIA", "LIMA", "TRUJILLO"], n),
        "location_precision": rng.choice(list(settings.LOCATION_PRECISIONS), n),
    })


QUERIES = {
    "all": IncidentQuery(),
    "period": IncidentQuery.build(start="2025-02-01", end="2025-02-28"),
    "one_day": IncidentQuery.build(start="2025-03-31", end="2025-03-31"),
    "groups_types": IncidentQuery.build(groups=["patrimonio"], types=["robo", "hurto"]),
    "night_weekend": IncidentQuery.build(shifts=["noche"], weekdays=[5, 6]),
    "districts": IncidentQuery.build(districts="LIMA"),
    "located": IncidentQuery().located(),
    "public_safe": IncidentQuery.build(exclude_sensitive=True, start=date(2025, 1, 15)),
}


@pytest.mark.parametrize("q", QUERIES.values(), ids=QUERIES.keys())
def test_sql_and_mask_select_the_same_rows(frame: pd.DataFrame, q: IncidentQuery) -> None:
    con = duckdb.connect()
    con.register("incidents", frame)
    where, params = q.sql()
    ids = {r[0] for r in con.execute(f"SELECT incident_id FROM incidents WHERE {where}",
                                     params).fetchall()}
    assert ids == set(frame.loc[q.mask(frame), "incident_id"])
    aliased, p2 = q.sql(alias="i")
    n = con.execute(f"SELECT count(*) FROM incidents i WHERE {aliased}", p2).fetchall()[0][0]
    assert n == len(ids)


def test_end_is_inclusive_and_bounds_half_open(frame: pd.DataFrame) -> None:
    q = IncidentQuery.build(start="2025-03-31", end="2025-03-31")
    lo, hi = q.bounds()
    assert (lo, hi) == (pd.Timestamp("2025-03-31"), pd.Timestamp("2025-04-01"))
    t = frame["occurred_at"]
    assert q.mask(frame).sum() == ((t >= lo) & (t < hi)).sum() > 0


def test_equal_selections_hash_equal() -> None:
    a = IncidentQuery.build(groups=["b", "a", "a"], weekdays=[3, 1], shifts="noche")
    b = IncidentQuery.build(groups=("a", "b"), weekdays=(1, 3), shifts=["noche"])
    assert a == b and hash(a) == hash(b) and {a: 1}[b] == 1
    assert a.with_(groups=["a"]) != a


def test_every_problem_in_one_error() -> None:
    with pytest.raises(IncidentSchemaError) as err:
        IncidentQuery.build(start="2025-05-01", end="2025-04-01", shifts=["siesta"],
                            weekdays=[9], precisions=["gps"], resolution=15)
    text = str(err.value)
    for part in ("antes de empezar", "siesta", "0 (lunes)", "gps", "15"):
        assert part in text


def test_shift_hours_cover_the_day_once() -> None:
    names = [s for s, _, _ in settings.SHIFTS]
    hours = [h for n in names for h in shift_hours([n])]
    assert sorted(hours) == list(range(24))
    assert shift_hours(["noche"]) == [0, 1, 2, 3, 4, 5, 22, 23]


def test_located_keeps_an_explicit_choice() -> None:
    assert IncidentQuery().located().precisions == tuple(sorted(settings.HEX_PRECISIONS))
    q = IncidentQuery.build(precisions=["exacta"])
    assert q.located() is q
