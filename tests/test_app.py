"""AppTest: every exploration page through app.py, filters, URL state, language, uploads."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from analytics import explore, store
from analytics.query import IncidentQuery
from tests import _apptest as apptest
from ui.i18n import TEXTS
from ui.nav import visible_pages

Q = IncidentQuery.build

pytestmark = pytest.mark.usefixtures("apptest_router")


def _expected_menu() -> list[str]:
    """Spanish titles of the registered pages that exist (others add theirs)."""
    menu = [TEXTS[p.title_key]["es"] for p in visible_pages("admin")]
    assert menu[:3] == ["Inicio", "Mapa", "Patrones"] and "Datos" in menu
    return menu


def _hex_layer(spec: dict) -> dict:
    layers = [lyr for lyr in spec["layers"] if lyr["@@type"] == "H3HexagonLayer"]
    assert len(layers) == 1
    return layers[0]


def test_inicio_is_default_with_kpis(app_store: Path) -> None:
    at = apptest.app()
    apptest.ok(at)
    assert apptest.menu(at) == _expected_menu()
    assert at.sidebar.radio(key="lang").value == "es"
    assert any("demostración" in w.value for w in at.sidebar.warning)
    assert at.title[0].value == "Resumen"
    labels = [m.label for m in at.metric]
    assert {"Incidentes", "Periodo anterior", "Variación"} <= set(labels)
    # KPI equals a direct count over the default period (last 90 days of data)
    con = store.connect(app_store, read_only=True)
    try:
        expected = explore.kpis(con, Q(start=date(2025, 4, 2), end=date(2025, 6, 30))).total
    finally:
        con.close()
    total = next(m for m in at.metric if m.label == "Incidentes").value
    assert int(total.replace("\u202f", "")) == expected
    top = at.dataframe[0].value
    assert len(top) == 10 and "Distrito" in top.columns
    assert any("cuarentena" in w.value for w in at.warning)
    assert any("apilado" in w.value.lower() for w in at.warning)


@pytest.mark.parametrize("page_path", ["pages/inicio.py", "pages/mapa.py", "pages/patrones.py",
                                       "pages/datos.py"],
                         ids=["inicio", "mapa", "patrones", "datos"])
def test_every_page_renders(app_store: Path, page_path: str) -> None:
    at = apptest.app()
    at.switch_page(page_path).run()
    apptest.ok(at)
    assert at.title, "page has no title"
    assert apptest.menu(at) == _expected_menu()
    if page_path.endswith("mapa.py"):
        layer = _hex_layer(apptest.deck(at))
        assert len(layer["data"]) > 5
        assert {"h3_id", "n", "color"} <= set(layer["data"][0])
    if page_path.endswith("patrones.py"):
        assert len(at.get("vega_lite_chart")) >= 4
    if page_path.endswith("datos.py"):
        assert at.get("file_uploader")
        assert len(at.dataframe) >= 2  # quarantine + history


def test_map_counts_match_filters_and_tooltip_fields(app_store: Path) -> None:
    at = apptest.app()
    at.switch_page("pages/mapa.py").run()
    before = sum(d["n"] for d in _hex_layer(apptest.deck(at))["data"])
    at.sidebar.multiselect(key="f_groups").set_value(["patrimonio"]).run()
    apptest.ok(at)
    data = _hex_layer(apptest.deck(at))["data"]
    after = sum(d["n"] for d in data)
    assert 0 < after < before
    assert all(d["top_types"] for d in data)
    assert "grupos" in at.query_params and at.query_params["grupos"] == "patrimonio"
    # district outlines are always drawn, no basemap offline
    spec = apptest.deck(at)
    assert any(lyr["@@type"] == "GeoJsonLayer" for lyr in spec["layers"])
    assert spec["mapStyle"].startswith("data:")  # offline: inline style, no network
    assert "mapProvider" not in spec


def test_map_rate_3d_and_week_player(app_store: Path) -> None:
    at = apptest.app()
    at.switch_page("pages/mapa.py").run()
    at.radio(key="map_metric").set_value("rate").run()
    at.toggle(key="map_3d").set_value(True).run()
    apptest.ok(at)
    layer = _hex_layer(apptest.deck(at))
    assert layer["extruded"] is True
    at.selectbox(key="map_step").set_value("week").run()
    apptest.ok(at)
    frame0 = _hex_layer(apptest.deck(at))["data"]
    legend0 = [m.value for m in at.markdown if "vigia-legend" in m.value]
    at.select_slider(key="map_frame").set_value(5).run()
    apptest.ok(at)
    frame5 = _hex_layer(apptest.deck(at))["data"]
    legend5 = [m.value for m in at.markdown if "vigia-legend" in m.value]
    assert frame0 != frame5
    assert legend0 == legend5  # colour scale fixed across frames


def test_cell_profile_follows_selectbox(app_store: Path) -> None:
    at = apptest.app()
    at.switch_page("pages/mapa.py").run()
    box = at.selectbox(key="map_cell")
    second = box.options[1].split(" · ")[-1]
    assert second != box.value
    box.set_value(second).run()
    apptest.ok(at)
    assert at.selectbox(key="map_cell").value == second
    assert any(second in c.value for c in at.caption)


def test_filters_persist_across_pages(app_store: Path) -> None:
    at = apptest.app()
    at.sidebar.multiselect(key="f_shifts").set_value(["noche"]).run()
    at.sidebar.select_slider(key="f_res").set_value(8).run()
    at.switch_page("pages/mapa.py").run()
    apptest.ok(at)
    assert at.session_state["f_shifts"] == ["noche"]
    assert at.session_state["f_res"] == 8
    assert _hex_layer(apptest.deck(at))["data"][0]["h3_id"][1] == "8"  # resolution nibble
    assert at.query_params["turnos"] == "noche"


def test_url_reproduces_the_view(app_store: Path) -> None:
    at = apptest.app(query={"grupos": "vida_cuerpo_salud", "desde": "2025-05-01",
                            "hasta": "2025-05-31", "res": "7", "lang": "en", "dias": "0,6"})
    apptest.ok(at)
    assert at.session_state["f_groups"] == ["vida_cuerpo_salud"]
    assert tuple(at.session_state["f_dates"]) == (date(2025, 5, 1), date(2025, 5, 31))
    assert at.session_state["f_res"] == 7
    assert at.session_state["f_weekdays"] == [0, 6]
    assert at.title[0].value == "Overview"
    con = store.connect(app_store, read_only=True)
    try:
        expected = explore.kpis(con, Q(start=date(2025, 5, 1), end=date(2025, 5, 31),
                                         groups=("vida_cuerpo_salud",), weekdays=(0, 6))).total
    finally:
        con.close()
    assert int(next(m for m in at.metric if m.label == "Incidents").value) == expected


def test_bad_url_values_are_ignored(app_store: Path) -> None:
    at = apptest.app(query={"grupos": "no_existe", "res": "99", "desde": "ayer"})
    apptest.ok(at)
    assert at.session_state["f_groups"] == []
    assert at.session_state["f_res"] == 9
    assert tuple(at.session_state["f_dates"]) == (date(2025, 4, 2), date(2025, 6, 30))


def test_url_dates_outside_the_data_are_clipped(app_store: Path) -> None:
    at = apptest.app(query={"desde": "1990-01-01", "hasta": "2030-12-31"})
    apptest.ok(at)
    lo, hi = at.session_state["f_dates"]
    assert hi == date(2025, 6, 30) and lo.year == 2024


def test_language_switch(app_store: Path) -> None:
    at = apptest.app()
    assert at.sidebar.radio(key="lang").value == "es"
    at.sidebar.radio(key="lang").set_value("en").run()
    apptest.ok(at)
    assert at.title[0].value == "Overview"
    assert any(m.label == "Previous period" for m in at.metric)
    assert apptest.menu(at)[:2] == ["Home", "Map"]
    assert at.query_params["lang"] == "en"
    at.switch_page("pages/patrones.py").run()
    assert at.title[0].value == "Patterns over time"


def test_bad_upload_shows_spanish_error(app_store: Path) -> None:
    at = apptest.app()
    at.switch_page("pages/datos.py").run()
    at.get("file_uploader")[0].upload("malo.csv", b"\x00\x01\x02\x03basura", "text/csv").run()
    assert not at.exception
    assert at.error and at.error[0].value.startswith("No se pudo leer el archivo")


def test_upload_maps_and_imports(app_store: Path, tmp_path: Path) -> None:
    csv = ("nro_denuncia,fecha_hecho,hora_hecho,latitud,longitud,modalidad_x,distrito\n"
           "N1,2025-06-20,10:00,-12.0681,-77.0182,robo agravado,LA VICTORIA\n"
           "N2,2025-06-21,23:30,-12.0682,-77.0183,hurto,LA VICTORIA\n"
           "N3,2025-06-22,08:15,,,-,LA VICTORIA\n")
    at = apptest.app()
    at.switch_page("pages/datos.py").run()
    at.get("file_uploader")[0].upload("nuevo.csv", csv.encode(), "text/csv").run()
    apptest.ok(at)
    # the type column has no recognised header: map it by hand before importing
    sel = next(s for s in at.selectbox if s.label == "Tipo de delito / modalidad")
    sel.set_value("modalidad_x").run()
    at.button(key="data_import").click().run()
    apptest.ok(at)
    # N3 has no point but a district: it counts there, nothing is quarantined
    assert any("3 incidentes nuevos" in s.value.replace("\u202f", "") for s in at.success)
    assert not any(s.label == "Tipo de delito / modalidad" for s in at.selectbox)  # uploader reset
    assert any(m.label == "En cuarentena" and m.value == "0" for m in at.metric)
    assert any(m.label == "Solo distrito" and m.value == "1" for m in at.metric)
    con = store.connect(app_store, read_only=True)
    try:
        n = con.execute("SELECT count(*) FROM incidents WHERE crime_type = 'robo agravado' "
                        "AND occurred_at = '2025-06-20 10:00'").fetchall()[0][0]
    finally:
        con.close()
    assert n == 1


def test_no_store_explains_instead_of_failing(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    apptest.use_store(tmp_path / "nada.duckdb", monkeypatch)
    at = apptest.app()
    assert not at.exception
    assert any("Aún no hay datos" in i.value for i in at.info)
    at.switch_page("pages/datos.py").run()
    assert not at.exception and at.get("file_uploader")


def test_public_mode_map_is_coarse_and_suppressed(app_store: Path) -> None:
    from analytics import access, settings

    con = store.connect(app_store)
    try:
        access.add_user(con, "vecino1", "una-clave-larga-123", "publico")
    finally:
        con.close()
    at = apptest.app(user="vecino1")
    apptest.ok(at)
    assert apptest.menu(at)[:2] == ["Inicio", "Mapa"] and "Datos" not in apptest.menu(at)
    at.switch_page("pages/mapa.py").run()
    apptest.ok(at)
    data = _hex_layer(apptest.deck(at))["data"]
    assert data and all(d["n"] >= settings.PUBLIC_MIN_COUNT for d in data)
    assert all(int(d["h3_id"][1], 16) <= settings.PUBLIC_MAX_RESOLUTION for d in data)
    assert at.toggle(key="map_points").disabled
    assert not any(lyr["@@type"] == "ScatterplotLayer" for lyr in apptest.deck(at)["layers"])


def test_points_layer_excludes_sensitive(app_store: Path) -> None:
    at = apptest.app()
    at.switch_page("pages/mapa.py").run()
    at.toggle(key="map_points").set_value(True).run()
    apptest.ok(at)
    pts = next(lyr for lyr in apptest.deck(at)["layers"] if lyr["@@type"] == "ScatterplotLayer")
    assert len(pts["data"]) > 100
    assert not {p["crime_type"] for p in pts["data"]} & {"violencia familiar", "feminicidio"}


def test_store_locked_by_another_process_shows_spanish_error(app_store: Path) -> None:
    import subprocess
    import sys
    import time

    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); "
         "time.sleep(60)", str(app_store)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        at = apptest.app()
        assert not at.exception
        assert at.error and "en uso por otro proceso" in at.error[0].value
        assert at.button(key="retry_store")
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.2)
    at.button(key="retry_store").click().run()
    apptest.ok(at)
    assert at.title[0].value == "Resumen"
    assert apptest.menu(at)


def test_layers_breaks_legend_and_basemap() -> None:
    from ui import layers

    values = [1] * 60 + [2] * 20 + [3] * 10 + [7] * 6 + [20] * 3 + [40]
    got = layers.class_breaks(values)
    assert got[0] == 1 and got[-1] == 40 and got == sorted(set(got))
    assert all(float(b).is_integer() for b in got)
    br = [1, 2, 3, 7, 20, 40]
    labels = [lab for _, lab in layers.legend_items(br, vmin=1)]
    assert labels == ["1", "2", "3", "4 – 7", "8 – 20", "21 – 40"]
    assert list(layers.classify([1, 2, 5, 40], br)) == [0, 1, 3, 5]
    assert layers.class_breaks([]) == [1.0]
    online = json.loads(layers.deck([], layers.view_for([-12.0], [-77.0]), basemap=True).to_json())
    assert online["mapProvider"] == "carto" and "cartocdn" in online["mapStyle"]
    offline = json.loads(layers.deck([], layers.view_for([-12.0], [-77.0]),
                                     basemap=False).to_json())
    assert offline["mapStyle"].startswith("data:") and "http" not in offline["mapStyle"]
    # two cities far apart: the view frames the one with most incidents
    v = layers.view_for([-12.05, -12.06, -8.11], [-77.03, -77.04, -79.03], weights=[50, 40, 5])
    assert -12.1 < v.latitude < -12.0


def test_first_import_into_a_new_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    apptest.use_store(tmp_path / "nuevo.duckdb", monkeypatch)
    rows = "\n".join(f"D{i},2025-06-{1 + i % 28:02d} {i % 24:02d}:10,-12.06{i % 7},-77.03{i % 5},"
                     f"robo agravado,LA VICTORIA" for i in range(40))
    csv = "nro_denuncia,fecha_hora,latitud,longitud,delito,distrito\n" + rows + "\n"
    at = apptest.app()
    at.switch_page("pages/datos.py").run()
    at.get("file_uploader")[0].upload("primero.csv", csv.encode(), "text/csv").run()
    apptest.ok(at)
    at.button(key="data_import").click().run()
    apptest.ok(at)
    at.switch_page("pages/inicio.py").run()
    apptest.ok(at)
    total = next(m for m in at.metric if m.label == "Incidentes").value
    assert int(total.replace("\u202f", "")) == 40


def test_i18n_keys_of_the_shell_and_exploration_pages() -> None:
    """Every key used by app.py, the shared ui modules and the four exploration pages
    exists in Spanish and English, with the same placeholders."""
    import re

    root = apptest.ROOT
    files = [root / "app.py", *(root / "pages" / f"{p}.py" for p in
                                ("inicio", "mapa", "patrones", "datos")),
             *(root / "ui" / f"{m}.py" for m in ("filters", "nav", "page", "upload", "charts",
                                                 "layers", "auth"))]
    used: set[str] = set()
    for f in files:
        used |= set(re.findall(r"""\bt\(\s*f?["']([a-z_]+\.[a-z_0-9.{}]+)["']""",
                               f.read_text()))
    used = {k for k in used if "{" not in k}  # f-string keys are checked below
    used |= {f"page.{p.url_path}" for p in visible_pages("admin")}
    used |= {f"weekday.{d}" for d in range(7)} | {f"mark.{k}" for k in ("feriado", "pago")}
    used |= {f"mapa.step_{s}" for s in ("none", "hour", "week")}
    used |= {f"field.{f}" for f in __import__("analytics._validate").
             _validate.MAPPABLE_FIELDS}
    assert len(used) > 80
    missing = sorted(k for k in used if k not in TEXTS or not TEXTS[k].get("es")
                     or not TEXTS[k].get("en"))
    assert not missing
    for key in used:
        es, en = TEXTS[key]["es"], TEXTS[key]["en"]
        assert set(re.findall(r"{(\w+)", es)) == set(re.findall(r"{(\w+)", en)), key


def test_map_view_options_live_in_the_url(app_store: Path) -> None:
    at = apptest.app()
    at.switch_page("pages/mapa.py").run()
    assert "color" not in at.query_params
    at.radio(key="map_metric").set_value("rate").run()
    at.toggle(key="map_3d").set_value(True).run()
    assert at.query_params["color"] == "tasa" and at.query_params["vista"] == "3d"
    # a shared link opens the same view in a new session
    shared = apptest.app("pages/mapa.py", query={**dict(at.query_params.items()),
                                                 "paso": "semana"})
    apptest.ok(shared)
    assert shared.radio(key="map_metric").value == "rate"
    assert shared.toggle(key="map_3d").value is True
    assert shared.selectbox(key="map_step").value == "week"


def test_idle_app_lets_the_cli_write(app_store: Path) -> None:
    """After a page has rendered, the app holds no connection: a CLI writer can open the store."""
    import subprocess
    import sys

    at = apptest.app()
    apptest.ok(at)
    at.switch_page("pages/mapa.py").run()
    apptest.ok(at)
    writer = subprocess.run(
        [sys.executable, "-c",
         "import sys; from analytics import store; c = store.connect(sys.argv[1]); "
         "c.execute('CREATE TABLE IF NOT EXISTS _probe (x INTEGER)'); c.close(); print('ok')",
         str(app_store)], capture_output=True, text=True, timeout=60)
    assert writer.returncode == 0, writer.stderr
    assert writer.stdout.strip() == "ok"
