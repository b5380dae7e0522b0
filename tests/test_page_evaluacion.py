"""AppTest: the Evaluación page through app.py (register, evaluate, errors, roles)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely
from streamlit.testing.v1 import AppTest

from analytics import access, area_sources, intervention_register as reg, store
from analytics._errors import AccessDeniedError
from tests import _apptest as apptest, _evaluation_store as es

PAGE = "pages/evaluacion.py"

pytestmark = pytest.mark.usefixtures("apptest_router")


@pytest.fixture(scope="module")
def _injected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return es.make_store(tmp_path_factory.mktemp("evaluacion") / "vigia.duckdb")


@pytest.fixture
def injected_store(_injected: Path, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the injected-effect store in VIGIA_DB (demo mode), clean caches."""
    db = tmp_path / "vigia.duckdb"
    db.write_bytes(_injected.read_bytes())
    yield from apptest.serving(db, monkeypatch)


def _register(db: Path, name: str, area: object, start: str, end: str | None = None) -> str:
    with store.writing(db) as con:
        return reg.add_intervention(con, name=name, kind="patrullaje_focalizado", area=area,
                                    start=start, end=end, body="Comisaría", user="ana").id


def _evaluate(at: AppTest, ident: str) -> AppTest:
    at.selectbox(key="ev_pick").select(ident).run()
    at.button(key="ev_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest, column: str) -> object:
    """The first table with ``column`` (AppTest exposes no key for ``st.dataframe``)."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, column
    return found[0]


def _audit(db: Path) -> list[str]:
    return apptest.audit_log(db)["action"].tolist()[::-1]


# --------------------------------------------------------------------------- register
def test_register_from_the_page(app_store: Path) -> None:
    at = apptest.app(PAGE)
    apptest.ok(at)
    assert at.title[0].value == "Evaluación de intervenciones"
    assert any("registro está vacío" in i.value for i in at.info)
    at.text_input(key="ev_name").input("Operativo Gamarra")
    at.selectbox(key="ev_kind").select("barrio_seguro")
    at.text_input(key="ev_body").input("Comisaría La Victoria")
    at.selectbox(key="ev_district").select("LA VICTORIA")
    at.button(key="ev_add").click().run()
    apptest.ok(at)
    assert [s.value for s in at.success] == ["Intervención I1 registrada."]
    listed = _table(at, "Registrada por")
    assert listed.iloc[0][["Id", "Nombre", "Tipo", "Último día"]].tolist() == [
        "I1", "Operativo Gamarra", "Barrio Seguro", "En curso"]
    assert at.selectbox(key="ev_pick").value == "I1"
    # the same area, kind and dates again: refused in Spanish, nothing written
    at.text_input(key="ev_name").input("Otra vez")
    at.selectbox(key="ev_district").select("LA VICTORIA")
    at.button(key="ev_add").click().run()
    assert not at.exception
    assert any("idéntica: I1" in e.value for e in at.error)
    # cells: the hottest hexagons of the filters, overlapping the district → a warning
    at.radio(key="ev_src").set_value("cells").run()
    first = at.multiselect(key="ev_cells").options[0].split(" ")[0]
    at.multiselect(key="ev_cells").select(first)
    at.text_input(key="ev_name").input("Cámaras")
    at.selectbox(key="ev_kind").select("camaras")
    at.button(key="ev_add").click().run()
    apptest.ok(at)
    assert [s.value for s in at.success] == ["Intervención I2 registrada."]
    assert _audit(app_store) == ["intervention_add", "intervention_add"]
    # edit (rename, give an end) and remove, confirmed
    at.selectbox(key="ev_pick").select("I1").run()
    at.text_input(key="ev_ed_name_I1").input("Operativo Gamarra II")
    at.checkbox(key="ev_ed_ongoing_I1").uncheck().run()
    at.button(key="ev_ed_save_I1").click().run()
    apptest.ok(at)
    with store.reading(app_store) as con:
        inter = reg.get_intervention(con, "I1")
    assert inter.name == "Operativo Gamarra II" and inter.end is not None
    assert at.button(key="ev_rm_I1").disabled
    at.checkbox(key="ev_rm_ok_I1").check().run()
    at.button(key="ev_rm_I1").click().run()
    apptest.ok(at)
    assert [s.value for s in at.success] == ["Intervención I1 eliminada del registro."]
    assert _table(at, "Registrada por")["Id"].tolist() == ["I2"]
    assert _audit(app_store)[2:] == ["intervention_edit", "intervention_remove"]


# --------------------------------------------------------------------------- evaluation
def test_evaluation_finds_the_injected_reduction(injected_store: Path) -> None:
    _register(injected_store, "Operativo Centro", es.area(), "2024-01-01", "2024-10-01")
    _register(injected_store, "Alumbrado", es.square(dx=600), "2024-03-01")
    at = _evaluate(apptest.app(PAGE), "I1")
    apptest.ok(at)
    assert "Resultado: Operativo Centro" in [s.value for s in at.subheader]
    verdict = at.success[0].value
    assert verdict.startswith("Reducción del") and "IC 95 %" in verdict
    assert any("Alumbrado" in w.value and "se superpone" in w.value for w in at.warning)
    assert any("01/01/2023 a 31/12/2023 (12 meses)" in c.value
               and "resto del distrito LA VICTORIA" in c.value for c in at.caption)
    spec = apptest.deck(at)
    by_id = {layer["id"]: layer for layer in spec["layers"]}
    assert {"districts", "eval_control", "eval_buffer", "eval_area"} <= set(by_id)
    outer = by_id["eval_area"]["data"][0]["polygon"][0]
    drawn = shapely.Polygon(outer)
    assert drawn.symmetric_difference(es.area()).area < 1e-3 * es.area().area
    ring = shapely.Polygon(*by_id["eval_buffer"]["data"][0]["polygon"][:1],
                           holes=by_id["eval_buffer"]["data"][0]["polygon"][1:])
    assert ring.intersection(es.area()).area < 1e-3 * es.area().area  # a ring, not a disc
    assert len(at.get("vega_lite_chart")) == 1
    counts = _table(at, "Zona")
    assert counts["Zona"].tolist() == ["Área intervenida", "Anillo de 400 m", "Zona de control"]
    assert counts["Antes"].iloc[0] > counts["Después"].iloc[0]
    groups = _table(at, "Grupo")
    assert set(groups["Grupo"]) == {"Contra el patrimonio", "Contra la vida, el cuerpo y la salud"}
    at.button(key="ev_pdf").click().run()
    apptest.ok(at)
    assert at.session_state["ev_doc"]["pdf"].startswith(b"%PDF")
    assert [b.label for b in at.get("download_button")] == ["Descargar PDF"]
    assert "export" in _audit(injected_store)
    # a narrower ring changes the question: the result is hidden until evaluated again
    at.slider(key="ev_buffer").set_value(200).run()
    assert not at.get("deck_gl_json_chart")
    at.button(key="ev_run").click().run()
    assert _table(at, "Zona")["Zona"].iloc[1] == "Anillo de 200 m"


@pytest.mark.parametrize(("case", "message"), [
    ("start-outside", "está fuera de los datos"),
    ("no-overlap", "no se superpone con los datos"),
    ("too-few", "Muy pocos incidentes"),
], ids=["start-outside", "no-overlap", "too-few"])
def test_bad_input_gives_spanish_messages(injected_store: Path, case: str,
                                          message: str) -> None:
    if case == "start-outside":
        ident = _register(injected_store, "Futura", es.area(), "2026-01-01")
    elif case == "no-overlap":  # a square in Trujillo: no incidents near it
        ident = _register(injected_store, "Trujillo", shapely.box(-79.04, -8.12, -79.03, -8.11),
                          "2024-01-01")
    else:
        import h3

        cell = h3.latlng_to_cell(es.LIMA[1], es.LIMA[0], 11)  # ~2,000 m² in the data
        ident = _register(injected_store, "Una celda", area_sources.area_from_cells([cell]),
                          "2024-01-01")
    at = _evaluate(apptest.app(PAGE), ident)
    shown = [e.value for e in at.error] + [w.value for w in at.warning]
    assert any(message in m for m in shown), shown
    assert all("Traceback" not in m for m in shown)


# --------------------------------------------------------------------------- roles
@pytest.fixture
def users_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from tests._store_factory import make_store

    db = make_store(tmp_path / "vigia.duckdb")
    with store.writing(db) as con:
        access.add_user(con, "vecino", "clave-vecino-1", "publico")
        access.add_user(con, "ana", "clave-ana-001", "analista")
    yield from apptest.serving(db, monkeypatch)


def test_public_role_cannot_open_it_and_staff_can(users_store: Path) -> None:
    at = apptest.app(user="vecino")
    assert "Evaluación" not in apptest.menu(at)
    at.switch_page(PAGE).run()
    assert not at.exception
    denied = [e.value for e in at.error if "Sin permiso" in e.value]
    assert len(denied) == 1 and not at.get("deck_gl_json_chart")
    assert not [b for b in at.main.button if b.key.startswith("ev_")]  # the body never ran
    from ui import cache

    cache.set_viewer("publico")  # the gate, whatever page would ask
    try:
        for call in (cache.intervention_list, cache.commitment_frames):
            with pytest.raises(AccessDeniedError):
                call()
    finally:
        cache.set_viewer("admin")
    staff = apptest.app(PAGE, user="ana")
    apptest.ok(staff)
    assert "Evaluación" in apptest.menu(staff)
    assert staff.title[0].value == "Evaluación de intervenciones"
    assert not access.can("publico", "evaluacion")


def test_i18n_keys_exist_in_both_languages() -> None:
    """Every key the page, its helpers and the commitments section use exists in Spanish
    and English, with the same placeholders."""
    import re

    from ui.i18n import TEXTS

    files = [apptest.ROOT / "pages" / "evaluacion.py",
             *(apptest.ROOT / "ui" / f"{m}.py" for m in ("intervention_forms", "evaluation_views",
                                                        "commitments_view"))]
    used: set[str] = {"page.evaluacion"}
    for f in files:
        used |= set(re.findall(r"""\bt\(\s*f?["']([a-z_]+\.[a-z_0-9.{}]+)["']""",
                               f.read_text(encoding="utf-8")))
    used = {k for k in used if "{" not in k}
    used |= {f"eval.source_{s}" for s in ("district", "cells", "file")}
    used |= {f"eval.control_{k}" for k in ("auto", "file")}
    used |= {f"eval.zone_{k}" for k in ("area", "buffer", "control")}
    assert len(used) > 60
    missing = sorted(k for k in used if k not in TEXTS or not TEXTS[k].get("es")
                     or not TEXTS[k].get("en"))
    assert not missing
    for key in used:
        es, en = TEXTS[key]["es"], TEXTS[key]["en"]
        assert set(re.findall(r"{(\w+)", es)) == set(re.findall(r"{(\w+)", en)), key
