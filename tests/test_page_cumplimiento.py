"""AppTest: the Cumplimiento page (saved plan + GPS tracks), access, plans kept and reopened."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest

from analytics import access, patrol, store, tracks
from analytics._synthetic_tracks import tracks_from_plan
from analytics.store import plans, tracks as store_tracks
from tests import _apptest as apptest
from tests._store_factory import make_store

PAGE = "pages/cumplimiento.py"
START = "2025-06-30 14:00"

pytestmark = pytest.mark.usefixtures("apptest_router")


def _seed(db: Path, *, users: bool = False) -> str:
    rng = np.random.default_rng(5)
    cells = sorted(h3.grid_disk(h3.latlng_to_cell(-12.068, -77.018, 9), 5))
    fc = pd.DataFrame({"h3": cells, "expected": rng.gamma(0.5, 0.4, len(cells))})
    plan = patrol.place_patrols_on_cells(fc, units=2, radius_m=300,
                                         districts=pd.Series("LA VICTORIA", index=cells),
                                         window_start=pd.Timestamp(START), window_hours=8)
    with store.writing(db) as con:
        pid = plans.save_plan(con, plan, author="ana", origin="cli", resolution=9, dwell_min=15,
                              window_start=START,
                              window_end=pd.Timestamp(START) + pd.Timedelta(hours=8))
        pings, _ = tracks_from_plan(plans.plan_stops(con, pid), seed=3)
        pings["unit"] = pings["unit"].map({"1": "1", "2": "EZX-202"})  # unit 2 by plate
        store_tracks.store_pings(con, tracks.clean_pings(pings), user="ana", file_name="g.csv",
                                 file_sha256="x", now="2025-07-01")
        if users:
            access.add_user(con, "cmdte", "clave-cmdte-01", "comandante")
            access.add_user(con, "vecino", "clave-vecino-1", "publico")
    return pid


def table(at: object, column: str) -> pd.DataFrame:
    """The first dataframe shown with ``column`` (AppTest keeps no dataframe keys)."""
    found = [d.value for d in at.dataframe if column in d.value.columns]  # type: ignore[attr-defined]
    assert found, f"no table with {column!r}"
    return found[0]


def plans_of(db: Path, pid: str) -> pd.DataFrame:
    with store.reading(db) as con:
        return plans.plan_stops(con, pid)


@pytest.fixture
def patrol_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """The seeded app store plus a saved plan of 2 units and their GPS tracks (demo mode)."""
    db = make_store(tmp_path / "vigia.duckdb")
    pid = _seed(db)
    for served in apptest.serving(db, monkeypatch):
        yield served, pid


def test_cumplimiento_measures_the_plan_and_maps_the_tracks(patrol_store: tuple) -> None:
    db, pid = patrol_store
    at = apptest.app(PAGE)
    apptest.ok(at)
    assert at.title[0].value == "Cumplimiento del patrullaje"
    assert at.multiselect(key="cump_plans").value == [pid]
    metrics = {m.label: m.value for m in at.metric}
    n = len(plans_of(db, pid))
    assert metrics["Puntos con dosis completa"].endswith(f" / {n}")
    assert metrics["Dosis planificada cumplida"].endswith(" %")
    # unit 2 comes by plate: unmatched until the alias exists
    assert any("no corresponden a ninguna unidad" in w.value for w in at.warning)
    shifts = table(at, "Min. en puntos")
    assert shifts["Unidad"].tolist() == ["1", "2"]
    assert shifts.loc[shifts["Unidad"] == "2", "Min. en puntos"].iloc[0] == 0
    assert shifts.loc[shifts["Unidad"] == "1", "Km"].iloc[0] > 1
    spec = apptest.deck(at)
    by_id = {lyr["id"]: lyr for lyr in spec["layers"]}
    assert {"districts", "tracks", "patrol_hotspots"} <= set(by_id)
    assert {p["unit"] for p in by_id["tracks"]["data"]} == {"1"}
    inc = table(at, "Por punto")
    assert inc["Dosis"].tolist() == ["Completa", "Incompleta"]
    assert any("no causal" in c.value for c in at.caption)

    # map the plate to unit 2 in the alias editor: both units measured now
    at.selectbox(key="cump_alias_new").set_value("EZX-202")
    at.selectbox(key="cump_alias_unit").set_value("2")
    at.button(key="FormSubmitter:cump_alias_form-Guardar").click().run()
    apptest.ok(at)
    shifts = table(at, "Min. en puntos")
    assert shifts.loc[shifts["Unidad"] == "2", "Min. en puntos"].iloc[0] > 10
    spec = apptest.deck(at)
    tracks_layer = next(lyr for lyr in spec["layers"] if lyr["id"] == "tracks")
    assert {p["unit"] for p in tracks_layer["data"]} == {"1", "2"}
    log = apptest.audit_log(db)
    alias_rows = log.loc[log["action"] == "tracks_alias", "detail"]
    assert len(alias_rows) == 1 and "EZX" not in alias_rows.iloc[0]


@pytest.fixture
def users_patrol_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    db = make_store(tmp_path / "vigia.duckdb")
    _seed(db, users=True)
    yield from apptest.serving(db, monkeypatch)


def test_public_role_cannot_open_cumplimiento(users_patrol_store: Path) -> None:
    at = apptest.app(user="vecino")
    assert "Cumplimiento" not in apptest.menu(at)
    at.switch_page(PAGE).run()
    assert not at.exception
    assert any("Sin permiso" in e.value for e in at.error)
    assert not at.get("deck_gl_json_chart") and not at.dataframe
    at = apptest.app(PAGE, user="cmdte")
    apptest.ok(at)
    assert "Cumplimiento" in apptest.menu(at)
    assert table(at, "Min. en puntos").shape[0] == 2


def test_plan_page_keeps_every_plan_and_reopens_it(app_store: Path) -> None:
    at = apptest.app("pages/plan_patrullaje.py")
    at.number_input(key="plan_units").set_value(2).run()
    at.button(key="plan_generate").click().run()
    apptest.ok(at)
    pid = at.session_state["plan_result"]["plan_id"]
    assert pid and any(pid in c.value for c in at.caption)
    with store.reading(app_store) as con:
        listed = plans.list_plans(con)
        rec = plans.plan_record(con, pid)
        log = access.audit_log(con)
    assert listed["plan_id"].tolist() == [pid]
    assert rec["origin"] == "app" and rec["author"] == "(sin usuario)"
    assert rec["forecast"]["source"] == "almacén" and rec["forecast"]["model"]
    assert rec["params"]["units"] == 2 and rec["resolution"] == 9
    assert pd.Timestamp(rec["window_end"]) - pd.Timestamp(rec["window_start"]) == \
        pd.Timedelta(hours=8)
    plan_rows = log.loc[log["action"] == "plan", "detail"]
    assert len(plan_rows) == 1 and pid in plan_rows.iloc[0]
    # the shift sheet of the fresh plan: CSV at once
    assert at.get("download_button")
    # reopen it from the saved plans
    at.segmented_control(key="plan_mode").set_value("saved").run()
    apptest.ok(at)
    assert at.selectbox(key="saved_pick").value == pid
    spec = apptest.deck(at)
    assert len(next(lyr for lyr in spec["layers"] if lyr["id"] == "patrol_hotspots")["data"]) \
        == len(at.session_state["plan_result"]["plan"].routes)
    assert len(at.tabs) == 2
    at.button(key="saved_sheet_prepare").click().run()
    apptest.ok(at)


def test_i18n_keys_of_the_page_and_widgets() -> None:
    """Every ``cump.*`` / ``saved.*`` / ``plan.*`` key used by the page, the widgets and the
    plan page's saved-plan parts exists in Spanish and English, with the same placeholders."""
    import re

    from ui.i18n import TEXTS

    used: set[str] = {"page.cumplimiento"}
    for f in ("pages/cumplimiento.py", "ui/patrol_ops.py", "pages/plan_patrullaje.py",
              "pages/reportes.py", "ui/report_views.py"):
        used |= set(re.findall(r"""["']((?:cump|saved)\.[a-z_]+)["']""",
                               (apptest.ROOT / f).read_text()))
    used |= set(re.findall(r"""\bt\(\s*["'](plan\.[a-z_]+)["']""",
                           (apptest.ROOT / "ui/patrol_ops.py").read_text()))
    assert len(used) > 60
    missing = sorted(k for k in used if k not in TEXTS or not TEXTS[k].get("es")
                     or not TEXTS[k].get("en"))
    assert not missing
    for key in used:
        es, en = TEXTS[key]["es"], TEXTS[key]["en"]
        assert set(re.findall(r"{(\w+)", es)) == set(re.findall(r"{(\w+)", en)), key


def test_internal_report_has_the_patrol_section_and_the_public_one_never(
        patrol_store: tuple) -> None:
    import io

    import openpyxl

    at = apptest.app("pages/reportes.py")
    apptest.ok(at)
    assert at.selectbox(key="rep_period_Q").value == "2025-T2"
    shown = table(at, "% de la dosis cumplida")
    assert shown["Distrito"].tolist() == ["La Victoria"]
    assert shown["Puntos planificados"].iloc[0] == len(plans_of(*patrol_store))
    assert 0 <= shown["% de la dosis cumplida"].iloc[0] <= 100
    at.button(key="rep_prepare").click().run()
    apptest.ok(at)
    book = openpyxl.load_workbook(io.BytesIO(at.session_state["rep_docs"]["xlsx"]))
    assert "Cumplimiento de patrullaje" in book.sheetnames
    # the public version: no patrol section, in the page or the documents
    at.toggle(key="rep_public").set_value(True).run()
    apptest.ok(at)
    assert not any("% de la dosis cumplida" in d.value.columns for d in at.dataframe)
    at.button(key="rep_prepare").click().run()
    apptest.ok(at)
    book = openpyxl.load_workbook(io.BytesIO(at.session_state["rep_docs"]["xlsx"]))
    assert not any("umplimiento" in name for name in book.sheetnames)


def test_gps_upload_from_the_page_is_imported_audited_and_not_kept(patrol_store: tuple) -> None:
    import os

    from ui import upload

    db, _ = patrol_store
    t = pd.date_range(START, periods=12, freq="30s")
    csv = pd.DataFrame({"placa": "ZZQ-909", "fecha_hora": t.strftime("%d/%m/%Y %H:%M:%S"),
                        "latitud": -12.068, "longitud": -77.018}).to_csv(index=False)
    at = apptest.app(PAGE)
    at.get("file_uploader")[0].upload("recorridos.csv", csv.encode(), "text/csv").run()
    at.button(key="cump_import").click().run()
    apptest.ok(at)
    assert any("12 puntos GPS leídos: 12 guardados" in s.value for s in at.success)
    with store.reading(db) as con:
        assert (store_tracks.load_pings(con)["unit"] == "ZZQ-909").sum() == 12
        log = access.audit_log(con)
    rows = log.loc[log["action"] == "tracks_import", "detail"]
    assert len(rows) == 1 and "ZZQ" not in rows.iloc[0]
    mine = upload.UPLOAD_DIR / f"p{os.getpid()}"
    assert not mine.is_dir() or not any(mine.iterdir()), "the staged upload was kept"
    # the new device matches no plan unit: the page says so
    assert any("no corresponden a ninguna unidad" in w.value for w in at.warning)
