"""AppTest: the Codisec commitments section of Reportes (internal and public) and its export.

The 600-incident store of the app tests (2025-01-02 to 2025-06-30): the default report
is La Victoria, 2025-T2, so commitments are shown with their status on 30/06/2025.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pypdf
import pytest
from streamlit.testing.v1 import AppTest

from analytics import (
    access,
    area_sources,
    commitments as cm,
    geo,
    intervention_register as reg,
    store,
)
from tests import _apptest as apptest

pytestmark = pytest.mark.usefixtures("apptest_router")

NOTE = "faltan dos patrulleros"
PLACE = "Emporio Gamarra"


def _seed(db: Path) -> None:
    """I1 (all of La Victoria, from 01/04/2025) and two commitments, one linked to it and to
    the sensitive group indicator, with an internal note."""
    with store.writing(db) as con:
        area = area_sources.area_from_district(geo.read_boundaries(), "La Victoria")
        reg.add_intervention(con, name="Operativo Gamarra", kind="patrullaje focalizado",
                             area=area, start="2025-04-01", user="ana")
        cm.add_commitment(con, session_date="2025-04-10", what="Patrullaje integrado diario",
                          who="Comisaría La Victoria", due_date="2025-05-31",
                          district="LA VICTORIA", place=PLACE, intervention_id="I1",
                          indicator_group="violencia_familiar", user="ana",
                          today=date(2025, 7, 1))
        cm.record_status(con, "C1", session_date="2025-05-15", status="en_curso", note=NOTE,
                         user="ana", today=date(2025, 7, 1))
        cm.add_commitment(con, session_date="2025-04-10", what="Iluminar el parque",
                          who="Municipalidad de La Victoria", due_date="2025-09-30",
                          district="LA VICTORIA", user="ana", today=date(2025, 7, 1))


def _table(at: AppTest, column: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, column
    return found[0]


def test_staff_list_add_report_evaluate_and_export(app_store: Path) -> None:
    _seed(app_store)
    at = apptest.app("pages/reportes.py")
    apptest.ok(at)
    assert "Compromisos del Codisec" in [s.value for s in at.subheader]
    table = _table(at, "Nota")
    assert table["Id"].tolist() == ["C1", "C2"]
    c1 = table.iloc[0]
    assert (c1["Estado"], c1["Nota"], c1["Lugar"]) == ("Vencido (hace 30 días)", NOTE, PLACE)
    assert c1["Intervención vinculada"] == "I1 «Operativo Gamarra»"
    assert c1["Indicador vinculado"].startswith("Violencia contra la mujer")
    # add a commitment and report C2 fulfilled at a later session
    at.text_input(key="comp_what").input("Recuperar la losa deportiva")
    at.text_input(key="comp_who").input("Gerencia de Seguridad Ciudadana")
    at.selectbox(key="comp_district").select("LA VICTORIA")
    at.button(key="comp_add").click().run()
    apptest.ok(at)
    assert "Compromiso C3 registrado." in [s.value for s in at.success]
    at.selectbox(key="comp_pick").select("C2")
    at.date_input(key="comp_st_session").set_value(date(2025, 6, 20))
    at.radio(key="comp_status").set_value("cumplido")
    at.button(key="comp_record").click().run()
    apptest.ok(at)
    table = _table(at, "Nota")
    assert table.set_index("Id").loc["C2", "Estado"] == "Cumplido"
    assert table["Id"].tolist() == ["C1", "C2", "C3"]
    # the verdict of the linked intervention
    at.button(key="comp_eval").click().run()
    apptest.ok(at)
    verdict = _table(at, "Evaluación de la intervención").set_index("Id").loc["C1"]
    assert verdict["Evaluación de la intervención"].startswith(
        ("Reducción", "Aumento", "No se puede afirmar", "Muy pocos"))
    summary = _table(at, "Nuevos")
    assert summary["Nuevos"].sum() == 3
    at.button(key="rep_prepare").click().run()
    apptest.ok(at)
    docs = at.session_state["rep_docs"]
    sheet = pd.read_excel(io.BytesIO(docs["xlsx"]), sheet_name=cm.REPORT_TABLE[:31], header=2)
    assert sheet["Id"].tolist() == ["C1", "C2", "C3"] and NOTE in sheet["Nota"].tolist()
    assert "Evaluación de la intervención" in sheet.columns
    actions = apptest.audit_log(app_store)["action"].tolist()
    assert {"commitment_add", "commitment_status", "export"} <= set(actions)


@pytest.fixture
def public_store(app_store: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    _seed(app_store)
    with store.writing(app_store) as con:
        access.add_user(con, "vecino", "clave-vecino-1", "publico")
    yield from apptest.serving(app_store, monkeypatch)


def test_public_section_and_documents_have_no_notes_or_sensitive_detail(
        public_store: Path) -> None:
    at = apptest.app("pages/reportes.py", user="vecino")
    apptest.ok(at)
    table = _table(at, "Compromiso")
    assert tuple(table.columns) == cm.PUBLIC_COLUMNS
    assert table["Estado"].tolist() == ["Vencido", "En curso"]
    assert not any("Nota" in d.value.columns for d in at.dataframe)
    shown = " ".join(d.value.to_csv() for d in at.dataframe)
    for private in (NOTE, PLACE, "Violencia", "violencia_familiar", "Operativo Gamarra", "I1"):
        assert private not in shown, private
    assert not at.get("text_input") or all(not w.key.startswith("comp_")
                                           for w in at.text_input)  # no forms in public
    at.button(key="rep_prepare").click().run()
    apptest.ok(at)
    docs = at.session_state["rep_docs"]
    book = pd.read_excel(io.BytesIO(docs["xlsx"]), sheet_name=None, header=None)
    sheet = book[cm.REPORT_TABLE[:31]]
    assert tuple(sheet.iloc[2].tolist()) == cm.PUBLIC_COLUMNS
    pdf_text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(docs["pdf"])).pages)
    assert "Patrullaje integrado diario" in pdf_text
    everything = " ".join(b.to_csv() for b in book.values()) + pdf_text
    for private in (NOTE, PLACE, "Operativo Gamarra", "Indicador vinculado"):
        assert private not in everything, private
    assert "iolencia" not in sheet.to_csv()  # the linked sensitive indicator stays internal
    assert apptest.audit_log(public_store)["action"].iloc[0] == "export_public"
