"""Real browser: a fresh `streamlit run app.py`, Debian's chromium through Playwright.

Checks on a cold server that the sidebar shows only Vigía's menu (not Streamlit's
auto-discovered ``pages/`` list), that the deck.gl canvas really drew hexagons
(pixels in the colour ramp, not background), that Datos's file uploader shows our
Spanish text instead of Streamlit's English, and saves screenshots under
``tests/artifacts/``. Skips when chromium or playwright is missing
(``make test`` installs chromium through apt; never ``playwright install``).

Robust on a busy machine (render order and speed vary): every wait is for a
condition on the exact element, never a fixed pause. The map canvas is the
deck.gl canvas inside the pydeck element (:data:`MAP_CANVAS`), not "the first
canvas" (a data-grid table further down is a canvas too, and under load it can
attach first); "the map drew" is the pixel test itself, retried on fresh
screenshots until it holds or :data:`DRAW_DEADLINE_S` passes.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests import _apptest as apptest
from tests._store_factory import make_store

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM, FLAGS = apptest.CHROMIUM, apptest.CHROMIUM_FLAGS
#: deck.gl's own canvas inside Streamlit's pydeck element (checked on the real DOM:
#: ``stDeckGlJsonChart > … > #deckgl-wrapper > … > canvas#deckgl-overlay``).
MAP_CANVAS = "[data-testid='stDeckGlJsonChart'] canvas#deckgl-overlay"
#: Generous bound for each wait: a cold server on a loaded 2-core machine.
WAIT_MS = 120_000
DRAW_DEADLINE_S = 120.0
#: Share of map pixels that must be in the hexagon colour ramp / may be background.
MIN_IN_RAMP, MAX_BACKGROUND = 0.005, 0.995


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh Streamlit server on a free port over a seeded store; stopped afterwards."""
    apptest.browser_or_skip()
    db = make_store(tmp_path_factory.mktemp("browser") / "vigia.duckdb", n=3000, seed=11)
    with apptest.streamlit_server(db, tmp_path_factory.mktemp("log") / "streamlit.log") as url:
        yield url


#: The dropzone's drawn texts (``::after``) and the font size of the English ones,
#: once our CSS applies (``null`` until then: ``wait_for_function`` polls it).
INCIDENT_DROPZONE = ("[data-testid='stFileUploaderDropzone']"
                     "[aria-label^='Archivo de incidentes']")
DROPZONE_TEXTS = """sel => {
  const zone = document.querySelector(sel);
  const p = zone && zone.querySelector("[data-testid='stBaseButton-secondary'] p");
  const span = zone && zone.querySelector(
      "[data-testid='stFileUploaderDropzoneInstructions'] span");
  if (!p || !span) return null;
  const after = el => getComputedStyle(el, "::after").content;
  if (after(p) === "none" || after(span) === "none") return null;
  return {button: after(p), buttonSize: getComputedStyle(p).fontSize,
          drop: after(span), dropSize: getComputedStyle(span).fontSize};
}"""


def _blend(rgb: tuple[int, int, int], alpha: float, bg: tuple[int, int, int]) -> np.ndarray:
    return np.array(rgb) * alpha + np.array(bg) * (1 - alpha)


def _map_pixels(png: bytes) -> tuple[float, float]:
    """Shares of pixels in the hexagon colour ramp and of plain background."""
    from PIL import Image

    from ui import layers

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(float)
    px = img.reshape(-1, 3)
    bg = tuple(int(layers.BACKGROUND[i:i + 2], 16) for i in (1, 3, 5))
    alpha = layers.HEX_ALPHA / 255 * 0.85
    ramp = np.array([_blend(c, alpha, bg) for c in layers.RAMP] + [list(c) for c in layers.RAMP])
    dist = np.min(np.linalg.norm(px[:, None, :] - ramp[None, :, :], axis=2), axis=1)
    in_ramp = float((dist < 30).mean())
    background = float((np.linalg.norm(px - np.array(bg), axis=1) < 8).mean())
    return in_ramp, background


def _next_frames(page: Any) -> None:
    """Wait until the browser has painted two more animation frames (a condition, not a pause)."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def _wait_map_drawn(page: Any, canvas: Any) -> tuple[bytes, float, float]:
    """Screenshot the map canvas until its pixels show hexagons (bounded by a deadline).

    Returns the last screenshot and its shares; the caller asserts on them, so a map
    that never draws fails with the numbers.
    """
    deadline = time.monotonic() + DRAW_DEADLINE_S
    while True:
        png = canvas.screenshot(timeout=WAIT_MS)
        in_ramp, background = _map_pixels(png)
        if (in_ramp > MIN_IN_RAMP and background < MAX_BACKGROUND) \
                or time.monotonic() > deadline:
            return png, in_ramp, background
        _next_frames(page)


def test_map_draws_hexagons_and_only_our_menu(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    from ui.i18n import TEXTS
    from ui.nav import visible_pages

    menu = [TEXTS[p.title_key]["es"] for p in visible_pages("admin")]
    assert menu[:3] == ["Inicio", "Mapa", "Patrones"] and "Datos" in menu

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(WAIT_MS)
            expect.set_options(timeout=WAIT_MS)
            outside: list[str] = []
            page.on("request", lambda r: outside.append(r.url)
                    if not r.url.startswith((server, "data:", "blob:")) else None)
            # First request to this fresh server goes straight to the map page.
            page.goto(f"{server}/mapa", wait_until="domcontentloaded")

            # --- sidebar: only our st.page_link menu, never Streamlit's pages/ list
            links = page.locator("[data-testid='stSidebar'] [data-testid='stPageLink'] p")
            expect(links).to_have_text(menu)
            expect(page.locator("[data-testid='stSidebarNav']")).to_have_count(0)

            # --- the map: deck.gl's canvas, laid out at full size, with its legend
            canvas = page.locator(MAP_CANVAS)
            expect(canvas).to_have_count(1)
            page.wait_for_function(
                """sel => { const c = document.querySelector(sel);
                            if (!c) return false;
                            const r = c.getBoundingClientRect();
                            return r.width > 300 && r.height > 300; }""", arg=MAP_CANVAS)
            expect(page.locator(".vigia-legend")).to_be_visible()
            png, in_ramp, background = _wait_map_drawn(page, canvas)
            (ARTIFACTS / "mapa.png").write_bytes(png)
            page.screenshot(path=str(ARTIFACTS / "mapa_pagina.png"), full_page=False)
            assert in_ramp > MIN_IN_RAMP, \
                f"only {in_ramp:.4%} of map pixels in the hexagon colour ramp"
            assert background < MAX_BACKGROUND, "the map is only background"

            # --- the menu navigates and carries the filters in the URL
            page.locator("[data-testid='stSidebar'] [data-testid='stPageLink']",
                         has_text="Patrones").click()
            page.wait_for_url(re.compile(r"/patrones\?(?=.*desde=)(?=.*res=9)"))
            expect(page.get_by_text("Patrones en el tiempo")).to_be_visible()
            expect(page.locator("[data-testid='stMain'] [data-testid='stVegaLiteChart']")
                   .first).to_be_visible()
            expect(links).to_have_text(menu)
            expect(page.locator("[data-testid='stSidebarNav']")).to_have_count(0)
            assert page.locator("[data-testid='stException']").count() == 0

            # --- Datos: the uploader speaks Spanish (our CSS over Streamlit's English)
            page.locator("[data-testid='stSidebar'] [data-testid='stPageLink']",
                         has_text="Datos").click()
            # the incidents uploader exactly (Datos also has the street-layer uploader)
            zone = page.locator(INCIDENT_DROPZONE)
            expect(zone).to_be_visible()
            texts = page.wait_for_function(DROPZONE_TEXTS, arg=INCIDENT_DROPZONE)
            shown = texts.json_value()
            assert shown["button"] == '"Elegir archivo"' and shown["buttonSize"] == "0px"
            assert shown["drop"].startswith('"Arrastre el archivo aquí · máx. 200 MB · CSV')
            assert "XLS," not in shown["drop"] and shown["dropSize"] == "0px"
            zone.screenshot(path=str(ARTIFACTS / "datos_subida.png"))
            # offline-ready: no basemap, font or icon request leaves the machine
            assert not outside, outside[:5]
        finally:
            browser.close()
