"""AppTest of where incidents are: the unplaced line of every hexagon page, the Datos
location section (precision mix, hit rate, reasons, forced points map) and the Inicio
warning for a district with few precise places.

The seeded 600-incident store has four Lima hotspots; here two thirds of LIMA's incidents
lose their point (``distrito``) and ten of LA VICTORIA's are placed only on their street
(``via``), and the import records one forced point.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from analytics import explore, settings, store
from analytics.query import IncidentQuery
from tests import _apptest as apptest
from tests._store_factory import make_store

pytestmark = pytest.mark.usefixtures("apptest_router")

FORCED = {"lat": -12.0705, "lon": -77.0301, "rows": 42, "distinct_addresses": 31,
          "why": "31 direcciones distintas en un mismo punto", "file": "prueba.csv"}


@pytest.fixture
def placed_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    db = make_store(tmp_path / "vigia.duckdb")
    with store.writing(db) as con:
        con.execute("UPDATE incidents SET location_precision = 'distrito', lat = NULL, "
                    "lon = NULL, h3_r12 = NULL, location_reason = 'via_desconocida', "
                    "street = 'JR. DESCONOCIDO' WHERE district = 'LIMA' AND "
                    "hash(incident_id) % 3 <> 0")
        con.execute("UPDATE incidents SET location_precision = 'via', "
                    "location_reason = 'via_central_distrito' WHERE incident_id IN ("
                    "SELECT incident_id FROM incidents WHERE district = 'LA VICTORIA' "
                    "ORDER BY incident_id LIMIT 10)")
        con.execute("UPDATE imports SET forced_points = ?, precision = '{}'",
                    [json.dumps([FORCED])])
    yield from apptest.serving(db, monkeypatch)


def _unplaced_captions(at) -> list[str]:
    return [c.value for c in at.caption if "no están en los hexágonos" in c.value]


def _expected(db: Path, query: IncidentQuery) -> int:
    with store.reading(db) as con:
        return explore.unplaced_count(con, query)


@pytest.mark.parametrize("page", ["pages/mapa.py", "pages/zonas_criticas.py",
                                  "pages/inicio.py", "pages/pronostico.py",
                                  "pages/plan_patrullaje.py"],
                         ids=["mapa", "zonas_criticas", "inicio", "pronostico", "plan"])
def test_hexagon_pages_say_how_many_incidents_have_no_precise_place(placed_store: Path,
                                                                    page: str) -> None:
    at = apptest.app(page)
    apptest.ok(at)
    lines = _unplaced_captions(at)
    assert len(lines) == 1, lines
    n = int(re.sub(r"\D", "", lines[0].split(" incidentes")[0]))
    with store.reading(placed_store) as con:
        last = explore.data_freshness(con).last
        assert last is not None
        everything = explore.unplaced_count(con, IncidentQuery())
    assert 0 < n <= everything
    # the default filter is the last 90 days of data
    from datetime import timedelta

    q = IncidentQuery.build(start=last.date() - timedelta(days=89), end=last.date())
    assert n == _expected(placed_store, q)


def test_no_line_when_every_incident_is_placed(app_store: Path) -> None:
    at = apptest.app("pages/mapa.py")
    apptest.ok(at)
    assert _unplaced_captions(at) == []


def test_map_hexagons_leave_unplaced_rows_out(placed_store: Path) -> None:
    at = apptest.app("pages/mapa.py")
    apptest.ok(at)
    spec = apptest.deck(at)
    hexes = [lyr for lyr in spec["layers"] if lyr["@@type"] == "H3HexagonLayer"]
    total = sum(int(d["n"]) for d in hexes[0]["data"])
    with store.reading(placed_store) as con:
        last = explore.data_freshness(con).last
        from datetime import timedelta

        q = IncidentQuery.build(start=last.date() - timedelta(days=89), end=last.date())
        n_hex = int(con.execute(
            f"SELECT count(*) FROM incidents WHERE {q.located().sql()[0]}",
            q.located().sql()[1]).fetchall()[0][0])
    assert total == n_hex


def test_datos_shows_precision_hit_rate_reasons_and_forced_map(placed_store: Path) -> None:
    at = apptest.app("pages/datos.py")
    apptest.ok(at)
    assert any(s.value == "Ubicación de los incidentes" for s in at.subheader)
    hit = next(m for m in at.metric if m.label == "Utilizables en mapas (exacta o cuadra)")
    with store.reading(placed_store) as con:
        mix = con.execute("SELECT location_precision, count(*) FROM incidents GROUP BY 1"
                          ).fetchall()
    counts = {p: 0 for p in settings.LOCATION_PRECISIONS} | dict(mix)
    share = (counts["exacta"] + counts["cuadra"]) / sum(counts.values())
    assert hit.value == f"{100 * share:.1f} %".replace(".", ",")
    assert any(m.label == "Solo distrito" and m.value == str(counts["distrito"])
               for m in at.metric)
    assert any("Bajo el mínimo del 85 %" in w.value for w in at.warning) == (share < 0.85)
    reasons = [df.value for df in at.dataframe if "Motivo" in df.value.columns]
    assert any("via_desconocida" in set(r["Motivo"]) for r in reasons)
    forced_maps = [json.loads(c.proto.json) for c in at.get("deck_gl_json_chart")]
    layer = next(lyr for spec in forced_maps for lyr in spec["layers"]
                 if lyr.get("id") == "forced-points")
    assert layer["data"][0]["lat"] == pytest.approx(FORCED["lat"])
    assert layer["data"][0]["rows_txt"] == "42"


def test_inicio_warns_about_a_district_with_few_precise_places(placed_store: Path) -> None:
    at = apptest.app("pages/inicio.py")
    apptest.ok(at)
    warn = [w.value for w in at.warning if w.value.startswith("Ubicación imprecisa")]
    assert len(warn) == 1 and "LIMA (" in warn[0] and "LA VICTORIA" not in warn[0]
