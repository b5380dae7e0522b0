"""Tests for analytics.reports: public suppression and Codisec indicators."""

from __future__ import annotations

from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest

from analytics import reports, settings
from analytics._errors import IncidentSchemaError

DATA = Path(__file__).resolve().parent / "data" / "reports"

# Resolution-8 cells A, B, C share the resolution-6 parent P6; D lies in another.
P6 = "868e62c0fffffff"
_CHILDREN = sorted(h3.cell_to_children(P6, 8))
CELLS = {"A": _CHILDREN[0], "B": _CHILDREN[1], "C": _CHILDREN[2],
         "D": sorted(h3.cell_to_children("868e62cefffffff", 8))[0], "P6": P6}


def _incidents(rows: list[tuple[str, str, str, str, int]]) -> pd.DataFrame:
    """Incidents from (cell label, date, crime_type, crime_group, n) rows."""
    recs = []
    for label, day, ctype, group, n in rows:
        r12 = h3.str_to_int(h3.cell_to_center_child(CELLS[label], 12))
        recs += [(pd.Timestamp(day), ctype, group, r12)] * n
    df = pd.DataFrame(recs, columns=["occurred_at", "crime_type", "crime_group", "h3_r12"])
    df["h3_r12"] = df["h3_r12"].astype("uint64")
    df["incident_id"] = [f"i{i}" for i in range(len(df))]
    return df


@pytest.fixture
def public_case() -> pd.DataFrame:
    return _incidents([
        ("A", "2025-03-02", "robo", "patrimonio", 7),
        ("B", "2025-03-03", "hurto", "patrimonio", 3),        # primary suppression
        ("C", "2025-03-04", "hurto", "patrimonio", 6),        # secondary suppression
        ("A", "2025-03-05", "lesiones", "vida_cuerpo_salud", 6),
        ("B", "2025-03-05", "lesiones", "vida_cuerpo_salud", 12),
        ("C", "2025-03-05", "lesiones", "vida_cuerpo_salud", 20),
        ("A", "2025-03-06", "feminicidio", "vida_cuerpo_salud", 1),
        ("A", "2025-03-07", "violencia familiar", "violencia_familiar", 6),
        ("B", "2025-03-07", "violencia familiar", "violencia_familiar", 6),
        ("A", "2025-04-01", "robo", "patrimonio", 9),
        ("B", "2025-04-01", "robo", "patrimonio", 5),
        ("D", "2025-04-01", "robo", "patrimonio", 4),
        ("D", "2025-04-09", "violencia familiar", "violencia_familiar", 7),
    ])


def test_public_counts_hand_checked(public_case: pd.DataFrame) -> None:
    got = reports.public_counts(public_case)
    exp = pd.read_csv(DATA / "public_counts_expected.csv", dtype={"period": str})
    exp["h3"] = exp.pop("cell").map(CELLS)
    exp = exp[["h3", "period", "crime_group", "count"]].sort_values(
        ["period", "crime_group", "h3"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, exp, check_dtype=False)
    assert list(got.columns) == ["h3", "period", "crime_group", "count"]


def test_public_counts_refuses_fine_resolution(public_case: pd.DataFrame) -> None:
    with pytest.raises(IncidentSchemaError, match="resolución pública"):
        reports.public_counts(public_case, resolution=9)


def test_public_counts_collects_problems(public_case: pd.DataFrame) -> None:
    with pytest.raises(IncidentSchemaError, match="(?s)Periodo desconocido.*k debe"):
        reports.public_counts(public_case, period="W", k=1)


def _random_incidents(rng: np.random.Generator, n: int = 4000) -> pd.DataFrame:
    types = list(settings.CRIME_TYPE_GROUP)
    ctype = rng.choice(types, n)
    return pd.DataFrame({
        "incident_id": [f"r{i}" for i in range(n)],
        "occurred_at": pd.Timestamp("2024-01-01")
        + pd.to_timedelta(rng.integers(0, 400 * 24, n), unit="h"),
        "lat": -12.07 + rng.normal(0, 0.012, n),
        "lon": -77.02 + rng.normal(0, 0.012, n),
        "crime_type": ctype,
        "crime_group": [settings.CRIME_TYPE_GROUP[t] for t in ctype],
    })


@pytest.mark.parametrize("period", ["M", "Q", "Y"], ids=["mes", "trimestre", "año"])
@pytest.mark.parametrize("k", [3, 5, 11], ids=["k3", "k5", "k11"])
def test_public_counts_invariants(rng: np.random.Generator, period: str, k: int) -> None:
    inc = _random_incidents(rng)
    out = reports.public_counts(inc, k=k, period=period)
    assert len(out) > 0
    assert (out["count"] >= k).all()
    assert set(out.columns) == {"h3", "period", "crime_group", "count"}
    res = out["h3"].map(lambda s: h3.get_resolution(s))
    assert (res <= settings.PUBLIC_MAX_RESOLUTION).all()
    sensitive = out["crime_group"].isin(settings.SENSITIVE_GROUPS)
    # Sensitive groups only in coarse cells with at least 2k incidents.
    assert (res[sensitive] <= settings.PUBLIC_MAX_RESOLUTION - 2).all()
    assert (out.loc[sensitive, "count"] >= 2 * k).all()
    # Fine non-sensitive cells never include a sensitive type (feminicidio).
    fem = inc["crime_type"].isin(settings.SENSITIVE_TYPES) & ~inc["crime_group"].isin(
        settings.SENSITIVE_GROUPS)
    fine = out.loc[~sensitive & (res == settings.PUBLIC_MAX_RESOLUTION)]
    lab = reports.times_to_periods(inc["occurred_at"], period=period)
    clean = inc.loc[~fem & ~inc["crime_group"].isin(settings.SENSITIVE_GROUPS)].copy()
    from analytics import hexbin
    clean = hexbin.incidents_to_cells(clean, resolution=settings.PUBLIC_MAX_RESOLUTION)
    clean["h3"] = hexbin.cells_to_strings(clean["h3"].to_numpy())
    clean["period"] = lab.loc[clean.index]
    true = clean.groupby(["h3", "period", "crime_group"]).size()
    for row in fine.itertuples():
        assert true[(row.h3, row.period, row.crime_group)] == row.count
    # Differencing: true total minus published sum is 0, at least k, or the
    # whole block (nothing published, nothing to subtract).
    true_tot = inc.assign(period=lab.to_numpy(), crime_group=inc["crime_group"]).groupby(
        ["period", "crime_group"]).size()
    pub_tot = out.groupby(["period", "crime_group"])["count"].sum()
    hidden = true_tot.sub(pub_tot, fill_value=0)
    nothing = hidden == true_tot.reindex(hidden.index)
    assert ((hidden == 0) | (hidden >= k) | nothing).all()
    assert (hidden >= 0).all()
