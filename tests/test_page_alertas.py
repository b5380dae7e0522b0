"""AppTest: the Alertas page (live view): alerts on the map, shift counts, roles, a busy store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import h3
import pytest

from analytics import access, alerts, ingest, live, store
from analytics._errors import StoreError
from tests import _apptest as apptest
from tests._store_factory import make_store

PAGE = "pages/alertas.py"
BASE = (-12.0560, -77.0310)

pytestmark = pytest.mark.usefixtures("apptest_router")


def _robberies(db: Path, *, users: bool = False) -> None:
    """Three robberies within 100 m in the last hours, as the API would import them."""
    now = live.local_now()
    recs = [{"id": f"pg-{k}",
             "fecha_hora": f"{now - timedelta(minutes=50 - 20 * k):%Y-%m-%d %H:%M}",
             "latitud": BASE[0] + 0.0003 * k, "longitud": BASE[1] + 0.0002 * k, "tipo": "robo",
             "distrito": "LIMA"} for k in range(3)]
    with store.writing(db) as con:
        rep = ingest.ingest_records(recs, con=con, source="api")
        assert rep.accepted == 3
        alerts.refresh_alerts(con)
        if users:
            access.add_user(con, "cmdte", "clave-cmdte-01", "comandante")
            access.add_user(con, "vecino", "clave-vecino-1", "publico")


@pytest.fixture
def live_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    db = make_store(tmp_path / "vigia.duckdb")
    _robberies(db)
    yield from apptest.serving(db, monkeypatch)


def test_alertas_shows_the_alert_on_the_map_and_the_shift(live_store: Path) -> None:
    at = apptest.app(PAGE)
    apptest.ok(at)
    assert at.title[0].value == "Alertas en vivo"
    metrics = {m.label: m.value for m in at.metric}
    with store.reading(live_store) as con:
        n_cells = len(live.alerts_by_cell(alerts.active_alerts(con)))
        act = live.shift_activity(con)
    assert n_cells > 0 and metrics["Celdas en alerta"] == str(n_cells)
    assert metrics["Incidentes del turno"] == str(act.total)
    spec = apptest.deck(at)
    hexes = [ly for ly in spec["layers"] if ly["@@type"] == "H3HexagonLayer"][0]["data"]
    cell = h3.latlng_to_cell(BASE[0], BASE[1], 10)
    assert cell in {d["h3_id"] for d in hexes}
    mine = next(d for d in hexes if d["h3_id"] == cell)
    assert mine["crime_types"] == "robo" and mine["n_incidents"] == 3 and mine["vence"]
    tooltip = at.get("deck_gl_json_chart")[0].proto.tooltip
    assert "Vence: {vence}" in tooltip  # the expiry in the tooltip
    assert any("Cada robo eleva el riesgo" in m.value for m in at.markdown)


def test_alertas_is_staff_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = make_store(tmp_path / "vigia.duckdb")
    _robberies(db, users=True)
    for _ in apptest.serving(db, monkeypatch):
        at = apptest.app(PAGE, user="cmdte")
        apptest.ok(at)
        assert at.title[0].value == "Alertas en vivo"
        at = apptest.app(PAGE, user="vecino")
        assert not at.exception
        assert not any(t.value == "Alertas en vivo" for t in at.title)
        assert "Alertas" not in apptest.menu(at)


def test_a_busy_store_is_a_warning_and_a_retry(live_store: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from ui import cache

    def busy() -> str:
        msg = "El almacén está en uso por otro proceso."
        raise StoreError(msg)

    monkeypatch.setattr(cache, "live_version", busy)
    at = apptest.app(PAGE)
    apptest.ok(at)  # no st.error, no exception
    assert any("ocupado" in w.value for w in at.warning)


def test_the_page_reads_while_the_api_posts(live_store: Path, tmp_path: Path) -> None:
    """The real service posting from a thread while the page runs: no error, fresh data."""
    import threading

    from tests import _api_server as api

    tok = api.add_token(live_store, "c4-pagina")
    with api.running(live_store, tmp_path / "serve.log",
                     extra=("--rate-limit", "100000")) as server:
        stop = threading.Event()
        codes: list[int] = []

        def poster() -> None:
            k = 0
            while not stop.is_set() and k < 300:
                codes.append(server.post([api.incident(f"pp-{k}", minutes_ago=1 + k % 30,
                                                       lat=-12.07 - 0.0002 * k)], tok)[0])
                k += 1

        th = threading.Thread(target=poster)
        th.start()
        try:
            for _ in range(3):
                at = apptest.app(PAGE)
                apptest.ok(at)  # no "database is locked", no error of any kind
                assert at.metric  # the live view was drawn (not just "busy")
        finally:
            stop.set()
            th.join(120)
    assert codes and set(codes) == {200}
    apptest.clear_caches()
    at = apptest.app(PAGE)
    apptest.ok(at)
    with store.reading(live_store) as con:
        n_cells = len(live.alerts_by_cell(alerts.active_alerts(con)))
    assert {m.label: m.value for m in at.metric}["Celdas en alerta"] == str(n_cells)
