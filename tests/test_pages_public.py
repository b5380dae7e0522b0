"""AppTest: Inicio, Mapa and Reportes as the ``publico`` role, with hostile URLs.

Every number shown must be a sum of rows of the public release
(``analytics.disclosure``), whatever the URL asks for: day ranges, crime types,
shifts and weekdays are not offered and are ignored (and dropped from the URL).
The store is the 600-incident synthetic one of the app tests (four Lima
districts, 2025-01-02 to 2025-06-30: the quarters 2025-T1 and 2025-T2).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import access, disclosure, settings, store
from analytics.query import IncidentQuery
from tests import _apptest as apptest
from tests._store_factory import make_store

K = settings.PUBLIC_MIN_COUNT
USER, PASSWORD = "vecino", "clave-vecino-1"
#: What an attacker puts in a shared link: one day, one type, one shift, one weekday.
HOSTILE = {"desde": "2025-06-30", "hasta": "2025-06-30", "tipos": "robo,hurto",
           "turnos": "noche", "dias": "0", "res": "10"}
DROPPED = ("desde", "hasta", "tipos", "turnos", "dias")

pytestmark = pytest.mark.usefixtures("apptest_router")


@pytest.fixture(scope="module")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = make_store(tmp_path_factory.mktemp("public") / "vigia.duckdb")
    con = store.connect(db)
    try:
        access.add_user(con, USER, PASSWORD, "publico")
    finally:
        con.close()
    return db


@pytest.fixture
def public_store(_template: Path, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    db = tmp_path / "vigia.duckdb"
    db.write_bytes(_template.read_bytes())
    yield from apptest.serving(db, monkeypatch)


@pytest.fixture
def release(public_store: Path) -> disclosure.PublicRelease:
    con = store.connect(public_store, read_only=True)
    try:
        return disclosure.release_from_store(con)
    finally:
        con.close()


def _int(text: object) -> int:
    return int(str(text).replace(".", "").replace(",", "").replace("\u202f", ""))


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: str(m.value) for m in at.metric}


def _public(page: str | None = None, **query: str) -> AppTest:
    at = apptest.app(page, user=USER, query=query)
    apptest.ok(at)
    return at


def _no_hostile_widgets(at: AppTest) -> None:
    keys = {w.key for w in at.sidebar.get("multiselect")} | {
        w.key for w in at.sidebar.get("date_input")}
    assert not keys & {"f_types", "f_shifts", "f_weekdays", "f_dates"}, keys
    for name in DROPPED:
        assert name not in at.query_params, (name, dict(at.query_params))


# --------------------------------------------------------------------------- Inicio
@pytest.mark.parametrize("hostile", [False, True], ids=["limpia", "hostil"])
def test_inicio_shows_release_sums(public_store: Path, release: disclosure.PublicRelease,
                                   hostile: bool) -> None:
    query = {"periodo": "2025-T2", "grupos": "patrimonio,vida_cuerpo_salud"}
    at = _public(**({**HOSTILE, **query} if hostile else query))
    _no_hostile_widgets(at)
    assert at.query_params["periodo"] == ["2025-T2"] or at.query_params["periodo"] == "2025-T2"
    groups = ["patrimonio", "vida_cuerpo_salud"]
    now = disclosure.district_counts(release, periods=["2025-T2"], groups=groups)
    before = disclosure.district_counts(release, periods=["2025-T1"], groups=groups)
    shown = _metrics(at)
    assert _int(shown["Incidentes"]) == now["count"].sum()
    assert _int(shown["Periodo anterior"]) == before["count"].sum()
    for g in groups:
        label = settings.CRIME_GROUPS[g]
        assert _int(shown[label]) == now.loc[now["crime_group"] == g, "count"].sum()
    top = at.dataframe[0].value
    cells = disclosure.cell_map(release, periods=["2025-T2"], groups=groups, resolution=8)
    assert list(top["Incidentes"]) == list(cells["n"].head(10))
    assert list(top["Hexágono"]) == list(cells["h3_id"].head(10))
    assert (top["Incidentes"] >= K).all() and set(top["Hora pico"]) == {"—"}


def test_inicio_year_and_default_period(public_store: Path,
                                        release: disclosure.PublicRelease) -> None:
    at = _public()
    assert at.selectbox(key="f_pub_period").value == "2025-T2"  # newest whole quarter
    assert list(at.selectbox(key="f_pub_period").options) == ["2025-T2", "2025-T1",
                                                              "2025 (incompleto)"]
    at.selectbox(key="f_pub_period").select("2025").run()
    apptest.ok(at)
    shown = _metrics(at)
    assert _int(shown["Incidentes"]) == release.districts["count"].sum()
    assert shown["Periodo anterior"] == "—"  # 2024 is not published: no comparison
    at.selectbox(key="f_pub_period").select("2025-T1").run()
    assert _metrics(at)["Periodo anterior"] == "—"  # 2024-T4 neither


# --------------------------------------------------------------------------- Mapa
@pytest.mark.parametrize(("res", "hostile"), [("8", True), ("7", False), ("6", True)],
                         ids=["r8-hostil", "r7", "r6-hostil"])
def test_mapa_cells_are_release_sums(public_store: Path, release: disclosure.PublicRelease,
                                     res: str, hostile: bool) -> None:
    query = {"periodo": "2025", "distritos": "LA VICTORIA,LIMA"}
    at = _public("pages/mapa.py", **({**HOSTILE, **query} if hostile else {**query, "res": res}))
    if hostile:  # res=10 is refused: 8 at most; then the slider moves to the wanted one
        assert at.select_slider(key="f_res").value == 8
        at.select_slider(key="f_res").set_value(int(res)).run()
        apptest.ok(at)
    _no_hostile_widgets(at)
    spec = apptest.deck(at)
    assert not any(layer["@@type"] == "ScatterplotLayer" for layer in spec["layers"])
    hexes = next(layer for layer in spec["layers"] if layer["@@type"] == "H3HexagonLayer")
    shown = {d["h3_id"]: int(d["n"]) for d in hexes["data"]}
    want = disclosure.cell_map(release, periods=["2025-T1", "2025-T2"],
                               districts=["LA VICTORIA", "LIMA"], resolution=int(res))
    assert shown == dict(zip(want["h3_id"], want["n"], strict=True))
    assert shown and min(shown.values()) >= K
    assert at.selectbox(key="map_step").disabled and at.toggle(key="map_points").disabled
    assert "Perfil del hexágono" not in [h.value for h in at.subheader]


def test_mapa_time_player_and_points_stay_off(public_store: Path) -> None:
    at = _public("pages/mapa.py", paso="hora", periodo="2025-T1")
    assert at.selectbox(key="map_step").disabled
    assert not [w for w in at.toggle if w.key == "map_play"]  # no per-hour frames
    assert len(at.get("deck_gl_json_chart")) == 1
    kinds = [layer["@@type"] for layer in apptest.deck(at)["layers"]]
    assert "ScatterplotLayer" not in kinds


# --------------------------------------------------------------------------- Reportes
def _by_label(table: pd.DataFrame) -> dict[tuple[str, str], float]:
    groups = {lab: g for g, lab in settings.CRIME_GROUPS.items()}
    return {(str(r["Distrito"]).upper(), groups[r["Grupo de delito"]]): r["Incidentes"]
            for _, r in table.iterrows()}


def test_reportes_public_tables_are_release_sums(public_store: Path,
                                                 release: disclosure.PublicRelease) -> None:
    at = _public("pages/reportes.py", **HOSTILE)
    _no_hostile_widgets(at)
    toggle = at.toggle(key="rep_public")
    assert toggle.value and toggle.disabled
    assert list(at.get("button_group")[0].proto.options[i].content
                for i in range(len(at.get("button_group")[0].proto.options))) == [
        "Trimestre", "Año"]  # no month: the release is quarterly
    at.multiselect(key="rep_districts").set_value(["LA VICTORIA", "LINCE"]).run()
    apptest.ok(at)
    tables = [d.value for d in at.dataframe]
    by_group = next(t for t in tables if "Grupo de delito" in t.columns and "Celda H3" not in
                    t.columns)
    want = disclosure.district_counts(release, periods=["2025-T2"],
                                      districts=["LA VICTORIA", "LINCE"])
    assert _by_label(by_group) == {(r.district, r.crime_group): r.count
                                   for r in want.itertuples()}
    prev = disclosure.district_counts(release, periods=["2025-T1"],
                                      districts=["LA VICTORIA", "LINCE"])
    prev_map = {(r.district, r.crime_group): r.count for r in prev.itertuples()}
    groups = {lab: g for g, lab in settings.CRIME_GROUPS.items()}
    for _, r in by_group.iterrows():
        key = (str(r["Distrito"]).upper(), groups[r["Grupo de delito"]])
        assert (pd.isna(r["Inc. periodo anterior"]) and key not in prev_map) or (
            r["Inc. periodo anterior"] == prev_map[key])
    cells = next(t for t in tables if "Celda H3" in t.columns)
    rows = disclosure.cell_rows(release, periods=["2025-T2"], districts=["LA VICTORIA", "LINCE"])
    assert sorted(cells["Incidentes"]) == sorted(rows["count"])
    assert (cells["Incidentes"] >= K).all()
    # The year: the sum of its two published quarters.
    at.button_group[0].set_value("Y").run()
    apptest.ok(at)
    by_year = next(d.value for d in at.dataframe if "Grupo de delito" in d.value.columns
                   and "Celda H3" not in d.value.columns)
    assert set(by_year["Periodo"]) == {"2025"}
    assert by_year["Incidentes"].sum() == disclosure.district_counts(
        release, periods=release.periods, districts=["LA VICTORIA", "LINCE"])["count"].sum()


def _chart_data(at: AppTest, i: int) -> pd.DataFrame:
    import pyarrow as pa

    proto = at.get("vega_lite_chart")[i].proto
    return pa.ipc.open_stream(proto.datasets[0].data.data).read_all().to_pandas()


def test_reportes_public_charts_are_release_sums(public_store: Path,
                                                 release: disclosure.PublicRelease) -> None:
    at = _public("pages/reportes.py", **HOSTILE)  # La Victoria, 2025-T2 by default
    groups = _chart_data(at, 0)
    want = disclosure.district_counts(release, periods=["2025-T2"], districts=["LA VICTORIA"])
    assert sorted(groups["n"]) == sorted(want["count"])
    trend = _chart_data(at, 1)
    want = disclosure.district_trend(release, districts=["LA VICTORIA"], until="2025-T2", n=8)
    assert trend[["month", "count"]].values.tolist() == want[["period", "count"]].values.tolist()
    assert set(trend["month"]) == {"2025-T1", "2025-T2"} and (trend["count"] >= K).all()


def test_public_cache_ignores_what_the_release_cannot_answer(public_store: Path) -> None:
    """The public cache functions, even called with hostile filters, use the release only.

    They only select whole published periods, groups and districts.
    """
    from datetime import date

    from ui import cache

    ds = cache.dataset_id()
    quarter = IncidentQuery(start=date(2025, 4, 1), end=date(2025, 6, 30))
    for hostile in (quarter.with_(weekdays=(1, 2, 3, 4, 5, 6)), quarter.with_(shifts=("noche",)),
                    quarter.with_(types=("robo",)), quarter.with_(start=date(2025, 4, 2))):
        same = hostile.start == quarter.start
        got = cache.public_cell_counts(ds, hostile, resolution=8)
        want = cache.public_cell_counts(ds, quarter, resolution=8)
        if same:
            pd.testing.assert_frame_equal(got, want)
            assert cache.public_kpis(ds, hostile).total == cache.public_kpis(
                ds, quarter).total
        else:  # a range that cuts the quarter holds no published period
            assert got.empty and cache.public_kpis(ds, hostile).total == 0
    last_day = IncidentQuery(start=date(2025, 6, 30), end=date(2025, 6, 30))
    assert cache.public_cell_counts(ds, last_day, resolution=8).empty
