"""The PDF briefing, its map and the CSV/GeoJSON exports of a patrol plan."""

from __future__ import annotations

import io
import json
import math
import sys

import h3
import pandas as pd
import pytest
from pypdf import PdfReader

from analytics import briefing, patrol


def _forecast(k: int = 8) -> pd.DataFrame:
    """A disk of resolution-9 cells in La Victoria, risk falling with distance."""
    centre = h3.latlng_to_cell(-12.068, -77.018, 9)
    rows = [{"h3": c, "expected": 1.0 / (1 + h3.grid_distance(centre, c))}
            for c in h3.grid_disk(centre, k)]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def plan() -> patrol.PatrolPlan:
    return patrol.place_patrols_on_cells(_forecast(), units=3, radius_m=400,
                                         window_start="2025-07-01 22:00")


def _page(plan: patrol.PatrolPlan, **kw: object) -> briefing.ShiftBriefing:
    return briefing.ShiftBriefing(plan, "noche (22–06 h)", pd.Timestamp("2025-07-01 22:00"),
                                  pd.Timestamp("2025-07-02 06:00"), **kw)


def _text(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def test_one_page_per_shift_in_spanish(plan: patrol.PatrolPlan) -> None:
    pdf = briefing.briefing_pdf([_page(plan, current_expected=1.0), _page(plan)],
                                subtitle="Comisaría La Victoria")
    pages = _text(pdf)
    assert len(pages) == 2
    first = pages[0]
    for words in ("Plan de patrullaje · turno noche", "01/07/2025 22:00", "02/07/2025 06:00",
                  "3 unidades", "Unidad 1", "Unidad 3", "Llega–sale", "Koper",
                  "Plan actual: 1,0", "Comisaría La Victoria"):
        assert words in first, words
    # every hotspot of the plan is listed, with its arrival time
    for r in plan.routes.itertuples():
        assert r.h3 in first
        assert f"{pd.Timestamp(r.arrive):%H:%M}–{pd.Timestamp(r.leave):%H:%M}" in first
    assert "Plan actual" not in pages[1]


def test_twenty_units_still_fit_one_page() -> None:
    big = patrol.place_patrols_on_cells(_forecast(14), units=20, radius_m=300,
                                        window_start="2025-07-01 06:00")
    assert big.units == 20 and len(big.routes) > 80
    pages = _text(briefing.briefing_pdf([_page(big)]))
    assert len(pages) == 1
    assert "Unidad 20" in pages[0]


def test_map_png_and_exports(plan: patrol.PatrolPlan) -> None:
    png = briefing.plan_map_png(plan.routes, radius_m=400)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    gj = json.loads(briefing.routes_to_geojson(plan.routes))
    assert len(gj["features"]) == len(plan.routes)
    f0 = gj["features"][0]
    assert f0["geometry"]["type"] == "Point"
    assert {"unit", "order", "h3", "arrive", "leave"} <= set(f0["properties"])
    r0 = plan.routes.iloc[0]
    assert f0["geometry"]["coordinates"] == pytest.approx([r0["lon"], r0["lat"]], abs=1e-6)
    csv = pd.read_csv(io.BytesIO(briefing.routes_to_csv(plan.routes)), encoding="utf-8-sig")
    assert list(csv.columns[:10]) == ["window_start", "unit", "order", "h3", "lat", "lon",
                                      "district", "expected_covered", "arrive", "leave"]
    assert csv["arrive"].iloc[0] == "2025-07-01T22:00"
    assert csv["expected_covered"].sum() == pytest.approx(plan.objective, rel=1e-6)


@pytest.mark.parametrize(("gap", "status", "text"), [
    (0.0, "optimal", "óptimo demostrado"),
    (0.002, "near_optimal", "casi óptimo, brecha 0,2 %"),
    (0.0004, "near_optimal", "casi óptimo, brecha 0,04 %"),
    (0.013, "time_limit", "límite de tiempo, brecha 1,3 %"),
    (math.nan, "greedy", "heurística voraz pedida (sin garantía de óptimo)"),
    (0.021, "loop_repair", "reagrupado para la revisita, brecha 2,1 %"),
], ids=["optimal", "gap", "small-gap", "time-limit", "greedy", "loop-repair"])
def test_gap_text(gap: float, status: str, text: str) -> None:
    assert briefing.gap_text(gap, status) == text


def test_briefing_is_pure() -> None:
    assert "streamlit" not in sys.modules or "analytics.briefing" in sys.modules
    import analytics.briefing as b

    assert "streamlit" not in b.__dict__


def test_routes_csv_neutralises_formulas(plan: patrol.PatrolPlan) -> None:
    routes = plan.routes.copy()
    routes["district"] = "=HYPERLINK(\"http://x\",\"clic\")"
    csv = pd.read_csv(io.BytesIO(briefing.routes_to_csv(routes)), encoding="utf-8-sig", dtype=str)
    assert set(csv["district"]) == {"'=HYPERLINK(\"http://x\",\"clic\")"}
    assert csv["lat"].astype(float).lt(0).all()  # negative numbers stay numbers
