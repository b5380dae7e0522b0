"""AppTest of the Zonas críticas page through app.py on a small seeded store.

The page's numbers are checked against ``analytics.hotspots`` run directly on
the same store (Gi* classes, Knox ratios with the page's seed), and the
emerging-analysis period rules (too short, widened, no history) are exercised.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics import explore, hotspots, store
from analytics.query import IncidentQuery
from tests import _apptest as apptest

Q = IncidentQuery.build

PAGE = "pages/zonas_criticas.py"
#: Default period of the seeded store: the last 90 days of data.
START, END = date(2025, 4, 2), date(2025, 6, 30)

pytestmark = pytest.mark.usefixtures("apptest_router")


def _hex_layers(at: AppTest) -> list[dict]:
    out = []
    for chart in at.get("deck_gl_json_chart"):
        spec = json.loads(chart.proto.json)
        out.extend(lyr for lyr in spec["layers"] if lyr["@@type"] == "H3HexagonLayer")
    return out


def _table(at: AppTest, column: str) -> pd.DataFrame:
    """The first table with ``column`` among its columns or as its index name."""
    for df in at.dataframe:
        v = df.value
        if column in v.columns or v.index.name == column:
            return v
    raise AssertionError(f"no table with {column!r}")


def _has_districts(at: AppTest) -> bool:
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    return any(lyr.get("id") == "districts" for lyr in spec["layers"])


def test_page_draws_gi_emerging_lisa_and_knox(app_store: Path) -> None:
    at = apptest.app(PAGE)
    apptest.ok(at)
    assert at.title[0].value == "Zonas críticas"
    hexes = _hex_layers(at)
    assert len(hexes) == 3, "Gi*, emerging and local Moran maps"
    assert _has_districts(at)
    gi_layer, em_layer, lisa_layer = hexes

    # Gi*: the page's classes equal analytics.hotspots on the same counts (k=1, no FDR)
    con = store.connect(app_store, read_only=True)
    try:
        counts = explore.cell_counts(con, Q(resolution=9, start=START, end=END))
        pts = explore.incident_points(con, Q(start=START, end=END, types=["robo agravado"]),
                                      limit=50_000)
    finally:
        con.close()
    res = hotspots.gi_star(counts[["h3", "n"]].rename(columns={"n": "count"}), k=1,
                           permutations=0)
    expected = Counter(hotspots.classify_hotspots(res)["label"])
    drawn = Counter(d["label"].lower() for d in gi_layer["data"])
    for key in ("hot_99", "hot_95", "hot_90"):
        lab = hotspots.HOTSPOT_LABELS[key]
        assert drawn[lab] == expected[lab], key
    assert drawn["caliente 99 %"] > 0, "four synthetic hotspots must show"
    hot99 = next(d for d in gi_layer["data"] if d["label"] == "Caliente 99 %")
    assert hot99["color"][:3] == [178, 24, 43]
    legends = [m.value for m in at.markdown if "vigia-legend" in m.value]
    assert any("Caliente 99 %" in v for v in legends)
    assert any(label in v for v in legends for label in ("Alto-alto", "alto-alto"))

    # emerging: the default 90 days hold 12 whole weeks, no widening needed
    assert any("12 semanas, del 07/04/2025 al 29/06/2025" in c.value for c in at.caption)
    em_labels = {d["label"] for d in em_layer["data"]}
    assert em_labels <= {lab[:1].upper() + lab[1:] for lab in hotspots.EMERGING_LABELS.values()}
    counts_table = _table(at, "Categoría")
    assert counts_table["Hexágonos"].sum() > 0
    assert {d["label"] for d in lisa_layer["data"]} <= {
        lab[:1].upper() + lab[1:] for lab in hotspots.CLUSTER_LABELS.values()}

    # the stacked point recorded at import sits in a hot spot: the page says so
    assert any("apilado" in w.value for w in at.warning)

    # near repeat: default type = most frequent patrimonio type; ratios = analytics, seeded
    assert at.selectbox(key="zc_type").value == "robo agravado"
    assert at.selectbox(key="zc_perms").value == 99
    nr = hotspots.near_repeat(pts, permutations=99, seed=20261122)
    table = _table(at, "Distancia")
    shown = table.map(lambda s: float(s.replace(",", ".")) if s != "—" else np.nan)
    np.testing.assert_allclose(shown.to_numpy(), nr.ratio, atol=0.006)
    assert list(table.index)[0] == "0–100 m" and list(table.columns)[0] == "0–7 días"
    # highlighted cells = significant excess (p < 0.05, ratio above 1,00) in the near bands
    styled = next(d.proto.arrow_data.styler.styles for d in at.dataframe
                  if d.proto.arrow_data.HasField("styler"))
    marked = {(int(r), int(c)) for r, c in re.findall(r"row(\d+)_col(\d+)", styled)}
    want = (nr.p_value < 0.05) & (np.round(nr.ratio, 2) > 1)
    want[-1, :] = False
    assert marked == {(int(r), int(c)) for r, c in zip(*np.nonzero(want), strict=True)}
    assert any("semilla 20261122" in c.value for c in at.caption)


def test_knox_is_reproducible_and_permutations_selectable(app_store: Path) -> None:
    at = apptest.app(PAGE)
    first = _table(at, "Pares observados")
    st.cache_data.clear()  # recompute, not a cache hit
    at.selectbox(key="zc_type").set_value("hurto").run()
    at.selectbox(key="zc_type").set_value("robo agravado").run()
    apptest.ok(at)
    again = _table(at, "Pares observados")
    assert first.equals(again)
    at.selectbox(key="zc_perms").set_value(199).run()
    apptest.ok(at)
    p = _table(at, "Pares observados")["p"]
    assert p.min() >= 1 / 200 - 1e-9 and any("199 permutaciones" in c.value for c in at.caption)


def test_fdr_and_wider_rings_change_the_gi_map(app_store: Path) -> None:
    at = apptest.app(PAGE)

    def significant() -> int:
        return sum(d["label"] != "No significativo" for d in _hex_layers(at)[0]["data"])

    base = significant()
    at.toggle(key="zc_fdr").set_value(True).run()
    apptest.ok(at)
    fdr = significant()
    assert fdr <= base
    assert any("con corrección FDR" in m.value for m in at.markdown)
    at.selectbox(key="zc_k").set_value(2).run()
    apptest.ok(at)
    assert any("2 anillo(s)" in m.value for m in at.markdown)


def test_short_period_is_explained_or_widened(app_store: Path) -> None:
    at = apptest.app(PAGE)
    at.sidebar.date_input(key="f_dates").set_value((END - timedelta(days=29), END)).run()
    at.toggle(key="zc_widen").set_value(False).run()
    apptest.ok(at)
    assert len(_hex_layers(at)) == 2, "no emerging map"
    assert any("No se puede calcular" in i.value and "al menos 10" in i.value for i in at.info)
    at.toggle(key="zc_widen").set_value(True).run()
    apptest.ok(at)
    assert len(_hex_layers(at)) == 3
    assert any("se analizan los 12" in i.value for i in at.info)
    # monthly: 12 months back from June 2025, but the store holds six: explained, not a crash
    at.radio(key="zc_period").set_value("M").run()
    apptest.ok(at)
    assert any("No se puede calcular" in w.value and "meses" in w.value for w in at.warning)


def test_english_and_empty_filter(app_store: Path) -> None:
    at = apptest.app()
    at.sidebar.radio(key="lang").set_value("en").run()
    at.switch_page(PAGE).run()
    apptest.ok(at)
    assert at.title[0].value == "Hotspots"
    labels = {d["label"] for d in _hex_layers(at)[0]["data"]}
    assert "Hot 99 %" in labels and "Not significant" in labels
    assert _table(at, "Distance").columns[0] == "0–7 days"
    at.sidebar.date_input(key="f_dates").set_value((date(2024, 6, 1), date(2024, 6, 30))).run()
    apptest.ok(at)
    assert not _hex_layers(at)
    assert any("No incident matches" in i.value for i in at.info)
