"""What a page sends to the browser stays small (``ui/bounded.py``), whatever the data holds.

A quarantined row, an import's file name and source, or an accepted crime type
holding a 5 MB string must not reach the browser whole: pages still render and
the elements they send stay small.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics import store
from tests import _apptest as apptest
from tests._store_factory import make_store
from ui import bounded
from ui.i18n import column_labels

pytestmark = pytest.mark.usefixtures("apptest_router")

HUGE = "robo " + "x" * (5 * 1024 * 1024)  # a 5 MB cell
#: What one page may send in all (the seeded store's pages send well under this).
PAGE_BUDGET_BYTES = 400_000


def _sent_bytes(at: Any) -> int:
    """Bytes of every element and block proto of the last run (what reached the browser)."""
    total = 0

    def walk(node: Any) -> None:
        nonlocal total
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ByteSize"):
            total += proto.ByteSize()
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return total


@pytest.fixture
def huge_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Serve the seeded store plus 5 MB strings and 600 more quarantined rows.

    The strings: one quarantined row, the import's file name and source, one accepted
    incident's crime type and district.
    """
    db = make_store(tmp_path / "vigia.duckdb")
    con = store.connect(db)
    try:
        qcols = [c for c, _ in store.QUARANTINE_COLUMNS]
        rows = []
        for i in range(601):
            row = dict.fromkeys(qcols)
            row.update(import_id=1, file_name="prueba.csv", row_number=100 + i,
                       reason="sin_coordenadas", crime_type_raw=HUGE if i == 0 else "robo")
            rows.append([row[c] for c in qcols])
        con.executemany(f"INSERT INTO quarantine VALUES ({', '.join('?' for _ in qcols)})",
                        rows)
        con.execute("UPDATE imports SET file_name = ?, source = ?", [HUGE, HUGE])
        con.execute("UPDATE incidents SET crime_type = ?, district = ? WHERE incident_id = "
                    "(SELECT min(incident_id) FROM incidents)", [HUGE, HUGE])
    finally:
        con.close()
    yield from apptest.serving(db, monkeypatch)


@pytest.mark.parametrize("page_path", ["pages/datos.py", "pages/inicio.py", "pages/mapa.py"],
                         ids=["datos", "inicio", "mapa"])
def test_pages_send_little_despite_5mb_cells(huge_store: Path, page_path: str) -> None:
    """Datos (quarantine, history), Inicio (tables, captions) and Mapa render, small."""
    at = apptest.app(page_path)
    apptest.ok(at)
    sent = _sent_bytes(at)
    assert sent < PAGE_BUDGET_BYTES, f"{page_path} sent {sent:,} bytes"


def test_datos_tables_are_clipped_and_capped(huge_store: Path) -> None:
    """Quarantine and history: first MAX_ROWS rows, cells of at most 200 chars, a caption."""
    at = apptest.app("pages/datos.py")
    apptest.ok(at)
    # the tables by their columns, not their order (Datos also draws the location tables)
    labels = column_labels(["row_number", "rows_read"])
    frames = [d.value for d in at.dataframe]
    [quarantine] = [f for f in frames if labels["row_number"] in f.columns]
    [history] = [f for f in frames if labels["rows_read"] in f.columns]
    assert len(quarantine) == bounded.MAX_ROWS
    longest = max(len(str(v)) for col in quarantine.columns for v in quarantine[col])
    assert longest <= bounded.MAX_CELL_CHARS
    assert any(str(v).startswith("robo xxx") and str(v).endswith(bounded.ELLIPSIS)
               for v in quarantine.iloc[:, quarantine.columns.str.contains("tipo|Tipo")]
               .stack())
    assert any("primeras 500 de 604" in c.value for c in at.caption)
    assert max(len(str(v)) for v in history.astype(str).to_numpy().ravel()) \
        <= bounded.MAX_CELL_CHARS
    csv = at.get("download_button")[0]
    assert csv.proto.label == "Descargar cuarentena (CSV)"


def test_sidebar_options_are_short_and_distinct(huge_store: Path) -> None:
    """A 5 MB crime type is offered in the sidebar under a short label, and still filters."""
    at = apptest.app()
    apptest.ok(at)
    types = at.sidebar.multiselect(key="f_types")
    labels = list(types.options)
    assert max(len(x) for x in labels) <= bounded.MAX_LABEL_CHARS
    huge_label = next(x for x in labels if x.startswith("robo xxx"))
    types.select(huge_label).run()
    apptest.ok(at)
    assert at.session_state["f_types"] == [HUGE]


def test_clip_text_and_label() -> None:
    """Cut text ends with an ellipsis; long labels stay distinct through a hash."""
    assert bounded.clip_text("abc", 5) == "abc"
    assert bounded.clip_text("abcdefgh", 5) == "abcd…"
    assert bounded.clip_text(None) == "" and bounded.clip_text(12) == "12"
    assert bounded.clip_text({"a": "é"}) == '{"a": "é"}'
    a, b = "x" * 100 + "a", "x" * 100 + "b"
    la, lb = bounded.clip_label(a), bounded.clip_label(b)
    assert la != lb and len(la) == len(lb) == bounded.MAX_LABEL_CHARS
    assert bounded.clip_label("corto") == "corto"


def test_clip_frame_keeps_numbers_and_caps_rows() -> None:
    """Text cells and column names are clipped; numbers, dates and missing values stay."""
    frame = pd.DataFrame({"n": range(1000), "txt": ["y" * 300] * 1000,
                          "when": pd.date_range("2025-01-01", periods=1000, freq="h"),
                          "lst": [["a"] * 100] * 1000, "z" * 300: [None] * 1000})
    out = bounded.clip_frame(frame)
    assert len(out) == bounded.MAX_ROWS
    assert out["n"].tolist() == list(range(bounded.MAX_ROWS))
    assert (out["when"] == frame["when"].head(bounded.MAX_ROWS)).all()
    assert out["txt"].str.len().max() == bounded.MAX_CELL_CHARS
    assert out["lst"].str.len().max() <= bounded.MAX_CELL_CHARS
    assert all(len(c) <= bounded.MAX_CELL_CHARS for c in out.columns)
    assert out.iloc[:, -1].isna().all()
    assert len(bounded.clip_frame(frame, max_rows=None)) == 1000
    assert frame["txt"].str.len().max() == 300  # the input is not changed
