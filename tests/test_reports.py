"""Tests for analytics.reports: Codisec indicators, the public report and documents.

The suppression rules and the public release are tested in ``test_disclosure.py``.
"""

from __future__ import annotations

from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest

from analytics import disclosure, reports, settings
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


# --------------------------------------------------------------------------- #
# Indicators on hand-checkable data
# --------------------------------------------------------------------------- #
def _district_rows(rows: list[tuple[str, str, int, str, str]]) -> pd.DataFrame:
    recs = []
    for district, day, n, ctype, group in rows:
        recs += [(pd.Timestamp(day), district, ctype, group)] * n
    df = pd.DataFrame(recs, columns=["occurred_at", "district", "crime_type", "crime_group"])
    df["h3_r12"] = np.uint64(h3.str_to_int(h3.cell_to_center_child(CELLS["A"], 12)))
    return df


@pytest.fixture
def quarterly() -> pd.DataFrame:
    """La Victoria: 2024 quarters 30, 40, 20, 30 (year 120); 2025-T1 20, 2025-T2 25."""
    return _district_rows([
        ("LA VICTORIA", "2024-01-15", 30, "robo", "patrimonio"),
        ("LA VICTORIA", "2024-04-15", 40, "robo", "patrimonio"),
        ("LA VICTORIA", "2024-07-15", 20, "hurto", "patrimonio"),
        ("LA VICTORIA", "2024-10-15", 30, "hurto", "patrimonio"),
        ("LA VICTORIA", "2025-01-15", 20, "robo", "patrimonio"),
        ("La Victoria", "2025-04-15", 15, "robo", "patrimonio"),
        ("LA VICTORIA", "2025-05-20", 10, "lesiones", "vida_cuerpo_salud"),
        ("Breña", "2024-05-01", 4, "violencia familiar", "violencia_familiar"),
        ("BREÑA", "2025-05-01", 5, "violencia familiar", "violencia_familiar"),
        (None, "2025-05-01", 3, "robo", "patrimonio"),  # no district: not counted
    ])


POP = pd.DataFrame({"district": ["LA VICTORIA", "Breña", "SAN ISIDRO"],
                    "label": ["La Victoria", "Breña", "San Isidro"],
                    "population": [100_000, 50_000, 40_000], "source": ["prueba"] * 3})
COVER = ("2024-01-01", "2025-07-01")


def test_indicators_quarter_hand_checked(quarterly: pd.DataFrame) -> None:
    got = reports.district_indicators(
        quarterly, target="2025-T2", baseline="2024", goal_pct=-10, population=POP,
        districts=["la victoria", "BREÑA", "San Isidro"], coverage=COVER)
    exp = pd.read_csv(DATA / "indicators_expected.csv")
    assert (got["period"] == "2025-T2").all()
    assert (got["previous_period"] == "2025-T1").all()
    assert (got["last_year_period"] == "2024-T2").all()
    assert got["complete"].all()
    pd.testing.assert_frame_equal(got[exp.columns].reset_index(drop=True), exp,
                                  check_dtype=False, rtol=1e-9)


@pytest.mark.parametrize(("target", "count", "prev", "last_year"), [
    ("2025-04", 15, 0, 40),     # month: previous 2025-03, same month of 2024
    ("2025-T1", 20, 30, 30),    # quarter across the year boundary: previous 2024-T4
    ("2025", 45, 120, 120),     # year: the previous period is the year before
], ids=["mes", "trimestre", "año"])
def test_indicators_periods(quarterly: pd.DataFrame, target: str, count: int, prev: float,
                            last_year: float) -> None:
    got = reports.district_indicators(quarterly, target=target, districts=["LA VICTORIA"],
                                      coverage=("2024-01-01", "2026-01-01"))
    row = got.iloc[0]
    assert row["count"] == count
    assert row["previous_count"] == prev
    assert row["last_year_count"] == last_year
    assert row["status"] == "sin meta"


def test_indicators_baseline_outside_data_is_sin_datos(quarterly: pd.DataFrame) -> None:
    got = reports.district_indicators(quarterly, target="2025-T2", baseline="2023-T2",
                                      goal_pct=-10, coverage=COVER)
    assert got["baseline_count"].isna().all()
    assert (got["status"] == "sin datos").all()


def test_indicators_partial_periods(quarterly: pd.DataFrame) -> None:
    # Default coverage: 2024-01-01 to the day after the last incident (2025-05-21).
    got = reports.district_indicators(quarterly, target="2025-T2", baseline="2025-T1",
                                      goal_pct=0, districts=["LA VICTORIA"])
    row = got.iloc[0]
    assert not row["complete"] and row["count"] == 25
    assert row["status"] == "no cumple"  # 25 > 20
    # A reference period not fully covered gives no data, not a fake fall.
    short = reports.district_indicators(quarterly, target="2025-T2", baseline="2024",
                                        goal_pct=0, coverage=("2024-03-01", "2025-07-01"))
    assert short["baseline_count"].isna().all()


def test_indicators_by_group_add_up(quarterly: pd.DataFrame) -> None:
    opts = {"target": "2025-T2", "baseline": "2024-T2", "coverage": COVER}
    total = reports.district_indicators(quarterly, **opts).set_index("district")
    by = reports.district_indicators(quarterly, by="crime_group", **opts)
    sums = by.groupby("district")[["count", "previous_count", "baseline_count"]].sum()
    pd.testing.assert_frame_equal(sums, total[sums.columns], check_dtype=False)
    vcs = by.set_index(["district", "crime_group"]).loc[("LA VICTORIA", "vida_cuerpo_salud")]
    assert vcs["count"] == 10 and vcs["baseline_count"] == 0


def test_indicators_validate_everything_at_once(quarterly: pd.DataFrame) -> None:
    with pytest.raises(IncidentSchemaError,
                       match="(?s)Desagregación.*Periodo no reconocido.*meta.*línea base"):
        reports.district_indicators(quarterly, target="2025-5", by="modalidad", goal_pct=-10)


def test_hotspots_and_plan_coverage() -> None:
    inc = pd.concat([
        _incidents([("A", "2025-03-02 10:00", "robo", "patrimonio", 3),
                    ("B", "2025-03-02 23:00", "robo", "patrimonio", 2)]).assign(
            district="LA VICTORIA"),
        _incidents([("C", "2025-03-03", "hurto", "patrimonio", 4)]).assign(district="LINCE"),
    ], ignore_index=True)
    hot = reports.district_hotspots(inc, target="2025-03", resolution=8, top=1)
    assert hot[["district", "rank", "h3", "count"]].values.tolist() == [
        ["LA VICTORIA", 1, CELLS["A"], 3], ["LINCE", 1, CELLS["C"], 4]]
    assert hot["share_pct"].tolist() == [60.0, 100.0]
    plans = pd.DataFrame({"h3": [CELLS["A"], CELLS["B"]],
                          "window_start": pd.to_datetime(["2025-03-02 06:00", "2025-03-02 06:00"]),
                          "window_end": pd.to_datetime(["2025-03-02 22:00", "2025-03-02 22:00"])})
    cov = reports.plan_coverage(inc, plans, target="2025-03", districts=["LA VICTORIA", "LINCE"])
    assert cov[["district", "count", "in_plan"]].values.tolist() == [
        ["LA VICTORIA", 5, 3], ["LINCE", 4, 0]]  # B's incidents came after the window
    assert cov["share_pct"].tolist() == [60.0, 0.0]
    none = reports.plan_coverage(inc, None, target="2025-03")
    assert none["share_pct"].isna().all() and (none["plan_windows"] == 0).all()


# --------------------------------------------------------------------------- #
# Public report tables
# --------------------------------------------------------------------------- #
def _random_incidents(rng: np.random.Generator, n: int = 6000) -> pd.DataFrame:
    types = list(settings.CRIME_TYPE_GROUP)
    ctype = rng.choice(types, n)
    lon = -77.02 + rng.normal(0, 0.012, n)
    return pd.DataFrame({
        "occurred_at": pd.Timestamp("2024-01-01")
        + pd.to_timedelta(rng.integers(0, 400 * 24, n), unit="h"),
        "lat": -12.07 + rng.normal(0, 0.012, n), "lon": lon, "crime_type": ctype,
        "crime_group": [settings.CRIME_TYPE_GROUP[t] for t in ctype],
        "district": np.where(lon < -77.02, "LA VICTORIA", "LINCE"),
    })


def test_public_report_tables_are_release_sums(rng: np.random.Generator) -> None:
    rel = disclosure.incidents_to_release(_random_incidents(rng))
    tables, notes = reports.public_report_tables(rel, target="2024-T3",
                                                 districts=["La Victoria"], population=POP)
    assert set(tables) == {"Incidentes por grupo", "Celdas"}
    assert all(len(t) for t in tables.values())
    reports.check_public_tables(tables)
    by = tables["Incidentes por grupo"]
    assert set(by["Distrito"]) == {"La Victoria"} and set(by["Periodo"]) == {"2024-T3"}
    pub = rel.districts.set_index(["period", "district", "crime_group"])["count"]
    for row in by.itertuples(index=False):
        group = next(g for g, lab in settings.CRIME_GROUPS.items() if lab == row[2])
        assert row[3] == pub[("2024-T3", "LA VICTORIA", group)]
        prev = pub.get(("2024-T2", "LA VICTORIA", group))
        assert (pd.isna(row[6]) and prev is None) or row[6] == prev
        assert row[4] == pytest.approx(row[3] / 100_000 * 10_000, abs=0.05)
    cells = tables["Celdas"]
    assert cells["Incidentes"].sum() == rel.cells.loc[
        (rel.cells["period"] == "2024-T3") & (rel.cells["district"] == "LA VICTORIA"),
        "count"].sum()
    assert any("suma de cifras publicadas" in n for n in notes)
    year, notes_y = reports.public_report_tables(rel, target="2024", districts=["LINCE"])
    assert year["Incidentes por grupo"]["Incidentes"].sum() == rel.districts.loc[
        rel.districts["district"] == "LINCE", "count"].sum()
    assert any("no se compara" in n for n in notes_y)  # 2023 is not published
    empty, notes_m = reports.public_report_tables(rel, target="2024-05", districts=["LINCE"])
    assert all(t.empty for t in empty.values()) and any("completos" in n for n in notes_m)


def test_check_public_tables_refuses() -> None:
    bad = {"x": pd.DataFrame({"lat": [1.0], "Incidentes": [3]})}
    with pytest.raises(IncidentSchemaError, match="(?s)no publicables.*menores que 5"):
        reports.check_public_tables(bad)


# --------------------------------------------------------------------------- #
# Documents
# --------------------------------------------------------------------------- #
@pytest.fixture
def report(quarterly: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], list[str]]:
    inc = pd.concat([quarterly, _district_rows(
        [("VICTOR LARCO HERRERA", "2025-04-03", 6, "hurto", "patrimonio")])],
        ignore_index=True)
    pop = pd.concat([POP, pd.DataFrame({"district": ["VICTOR LARCO HERRERA"],
                                        "label": ["Víctor Larco Herrera"],
                                        "population": [60_000], "source": ["prueba"]})])
    return reports.report_tables(inc, target="2025-T2", baseline="2024", goal_pct=-10,
                                 population=pop, coverage=COVER, resolution=8, top=3)


def test_report_tables_spanish(report: tuple[dict[str, pd.DataFrame], list[str]]) -> None:
    tables, notes = report
    assert list(tables) == ["Indicadores", "Por grupo", "Por tipo", "Zonas críticas"]
    ind = tables["Indicadores"].set_index("Distrito")
    assert ind.loc["La Victoria", "Estado"] == "cumple"
    assert ind.loc["Víctor Larco Herrera", "Incidentes"] == 6
    assert "Tasa por 10 mil hab." in ind.columns
    assert any("× 3/12" in n for n in notes)


def test_report_to_xlsx_opens(report: tuple[dict[str, pd.DataFrame], list[str]]) -> None:
    import io

    import openpyxl

    tables, notes = report
    data = reports.report_to_xlsx(tables, title="Informe Codisec", notes=notes)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Indicadores", "Por grupo", "Por tipo", "Zonas críticas", "Notas"]
    ws = wb["Indicadores"]
    header = [c.value for c in ws[3]]
    assert header == list(tables["Indicadores"].columns)
    rows = {r[0]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    assert rows["La Victoria"][header.index("Incidentes")] == 25
    assert rows["Breña"][header.index("Estado")] == "no cumple"
    assert wb["Notas"]["A1"].value == "Informe Codisec"


def test_report_to_pdf_text(report: tuple[dict[str, pd.DataFrame], list[str]]) -> None:
    import io

    import pypdf

    tables, notes = report
    png = reports.cells_map_png(pd.DataFrame({"h3": [CELLS["A"]], "count": [5]}))
    data = reports.report_to_pdf(tables, title="Informe trimestral Codisec", period="2025-T2",
                                 notes=notes, map_images=[png])
    assert data[:4] == b"%PDF"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "Informe trimestral Codisec" in text
    assert "Víctor Larco Herrera" in text
    assert "Línea base" in text


def test_public_documents_refuse_small_counts() -> None:
    small = {"Celdas": pd.DataFrame({"Celda H3": [CELLS["A"]], "Incidentes": [2]})}
    with pytest.raises(IncidentSchemaError):
        reports.report_to_pdf(small, title="x", public=True)
    with pytest.raises(IncidentSchemaError):
        reports.report_to_xlsx(small, title="x", public=True)


@pytest.fixture(scope="module")
def boundaries() -> pd.DataFrame:
    import geopandas as gpd

    return gpd.read_file(Path(__file__).resolve().parent.parent / "data" / "boundaries"
                         / "districts.geojson")


@pytest.mark.parametrize("public", [False, True], ids=["interno", "publico"])
def test_report_maps_png(quarterly: pd.DataFrame, boundaries: pd.DataFrame, public: bool) -> None:
    if public:
        rel = disclosure.incidents_to_release(quarterly)
        maps = reports.public_report_maps(rel, boundaries, target="2025-T2",
                                          districts=["LA VICTORIA"], population=POP)
    else:
        maps = reports.report_maps(quarterly, boundaries, target="2025-T2",
                                   districts=["LA VICTORIA"], population=POP)
    assert len(maps) == 2
    assert all(m[:8] == b"\x89PNG\r\n\x1a\n" for m in maps)


def test_report_to_xlsx_writes_text_never_formulas() -> None:
    import io

    import openpyxl

    evil = "=cmd|' /C calc'!A0"
    tables = {"Por tipo": pd.DataFrame({"Tipo": [evil, "+1+1", "@SUM(A1)", "robo"],
                                         "Incidentes": [3, -2, 1, 4]})}
    data = reports.report_to_xlsx(tables, title="=titulo", notes=["-nota=1"])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    formulas = [(ws.title, c.coordinate) for ws in wb for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []
    ws = wb["Por tipo"]
    assert [ws.cell(row=r, column=1).value for r in range(4, 8)] == [evil, "+1+1", "@SUM(A1)",
                                                                      "robo"]
    assert ws.cell(row=5, column=2).value == -2
