"""AppTest: the Reportes page through app.py (defaults, indicators, exports, public version).

The store is the 600-incident synthetic one of the app tests (four Lima
districts, 2025-01-02 to 2025-06-30), so the last complete quarter is
2025-T2 and the default baseline the previous complete quarter, 2025-T1.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pandas as pd
import pypdf
import pytest
from streamlit.testing.v1 import AppTest

from analytics import settings, store
from analytics._errors import StoreError
from tests import _apptest as apptest

K = settings.PUBLIC_MIN_COUNT


pytestmark = pytest.mark.usefixtures("apptest_router")


def _reportes() -> AppTest:
    at = apptest.app("pages/reportes.py")
    apptest.ok(at)
    return at


#: Columns that tell the report tables apart (st.dataframe exposes no key in AppTest).
TABLES = {
    "indicadores": {"Periodo completo", "Meta (incidentes)"},
    "por-grupo": {"Grupo de delito", "Línea base"},
    "zonas-criticas": {"Puesto", "Celda H3"},
    "public": {"Grupo de delito", "Periodo", "Tasa por 10 mil hab."},
    "cells": {"Celda H3", "Periodo"},
}


def _table(at: AppTest, name: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if TABLES[name] <= set(d.value.columns)]
    assert len(found) == 1, (name, [list(d.value.columns) for d in at.dataframe])
    return found[0]


def _count(db: Path, district: str, start: str, end: str) -> int:
    con = store.connect(db, read_only=True)
    try:
        return len(store.load_incidents(con, start=start, end=end, districts=[district],
                                        columns=["occurred_at"]))
    finally:
        con.close()


def test_defaults_give_the_quarterly_report_of_la_victoria(app_store: Path) -> None:
    at = _reportes()
    assert at.title[0].value == "Reportes Codisec"
    assert at.multiselect(key="rep_districts").value == ["LA VICTORIA"]
    assert at.selectbox(key="rep_period_Q").value == "2025-T2"
    assert at.selectbox(key="rep_baseline_2025-T2").value == "2025-T1"
    ind = _table(at, "indicadores")
    assert list(ind["Distrito"]) == ["La Victoria"]
    q2 = _count(app_store, "LA VICTORIA", "2025-04-01", "2025-07-01")
    q1 = _count(app_store, "LA VICTORIA", "2025-01-01", "2025-04-01")
    assert int(ind["Incidentes"].iloc[0]) == q2
    assert float(ind["Línea base"].iloc[0]) == q1
    assert float(ind["Meta (incidentes)"].iloc[0]) == pytest.approx(q1 * 0.95, abs=0.05)
    assert ind["Estado"].iloc[0] == ("cumple" if q2 <= q1 * 0.95 else "no cumple")
    assert "Incidentes" in _table(at, "por-grupo").columns
    hot = _table(at, "zonas-criticas")
    assert 0 < len(hot) <= 10 and hot["Incidentes"].is_monotonic_decreasing
    assert len(at.get("image")) >= 1  # the two map images
    assert len(at.get("vega_lite_chart")) == 2  # by group, trend


def test_edited_population_changes_the_rate(app_store: Path) -> None:
    at = _reportes()
    rate = float(_table(at, "indicadores")["Tasa por 10 mil hab."].iloc[0])
    pop = at.session_state["rep_pop"] if "rep_pop" in at.session_state else None
    assert pop is None
    from analytics import files

    edited = files.read_population()
    edited.loc[edited["district"] == "LA VICTORIA", "population"] *= 2
    at.session_state["rep_pop"] = edited
    at.run()
    apptest.ok(at)
    new_rate = float(_table(at, "indicadores")["Tasa por 10 mil hab."].iloc[0])
    assert new_rate == pytest.approx(rate / 2, abs=0.06)
    assert any("editada" in c.value for c in at.caption)


def test_excel_and_pdf_open_and_the_export_is_audited(app_store: Path) -> None:
    at = _reportes()
    assert not at.get("download_button"), "files before the export is audited"
    at.button(key="rep_prepare").click().run()
    apptest.ok(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Descargar Excel", "Descargar PDF"]
    docs = at.session_state["rep_docs"]
    assert docs["xlsx"][:2] == b"PK" and docs["pdf"][:4] == b"%PDF"
    wb = openpyxl.load_workbook(io.BytesIO(docs["xlsx"]), read_only=True)
    assert wb.sheetnames[:4] == ["Indicadores", "Por grupo", "Por tipo", "Zonas críticas"]
    assert wb.sheetnames[-1] == "Notas"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(docs["pdf"])).pages)
    assert "Informe Codisec: La Victoria" in text and "Periodo: 2025-T2" in text
    assert "Zonas críticas" in text
    log = apptest.audit_log(app_store)
    row = log.loc[log["action"] == "export"]
    assert len(row) == 1 and "La Victoria" in row["detail"].iloc[0]
    assert "2025-T2" in row["detail"].iloc[0]
    # Changing a choice withdraws the prepared files (they no longer match the screen).
    at.selectbox(key="rep_period_Q").select("2025-T1").run()
    assert not at.get("download_button")


def test_public_version_has_no_count_below_k(app_store: Path) -> None:
    at = _reportes()
    at.toggle(key="rep_public").set_value(True).run()
    apptest.ok(at)
    for key in ("public", "cells"):
        table = _table(at, key)
        assert len(table) > 0
        assert (table["Incidentes"] >= K).all()
        assert not {"lat", "lon", "Latitud", "Longitud"} & set(table.columns)
    cells = _table(at, "cells")
    from analytics import reports

    assert all(reports.h3_resolution(c) <= settings.PUBLIC_MAX_RESOLUTION
               for c in cells["Celda H3"])
    assert not any("Puesto" in d.value.columns for d in at.dataframe)  # no hotspots table
    at.button(key="rep_prepare").click().run()
    apptest.ok(at)
    docs = at.session_state["rep_docs"]
    assert docs["name"].endswith("_publico")
    wb = openpyxl.load_workbook(io.BytesIO(docs["xlsx"]), read_only=True)
    seen = 0
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if ws.title == "Notas" or len(rows) < 3:
            continue
        header = list(rows[2])
        assert "Incidentes" in header, ws.title
        j = header.index("Incidentes")
        values = [r[j] for r in rows[3:] if r[j] is not None]
        seen += len(values)
        assert all(v >= K for v in values), (ws.title, values)
    assert seen > 0
    log = apptest.audit_log(app_store)
    assert list(log["action"]) == ["export_public"]


def test_audit_failure_withholds_the_files(app_store: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from ui import cache

    @contextmanager
    def locked() -> Iterator[None]:
        raise StoreError("El almacén está en uso por otro proceso.")
        yield  # pragma: no cover

    at = _reportes()
    monkeypatch.setattr(cache, "admin_connection", locked)
    at.button(key="rep_prepare").click().run()
    assert not at.exception
    assert any("auditoría" in e.value for e in at.error)
    assert not at.get("download_button")
