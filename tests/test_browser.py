"""Real browser: a fresh `streamlit run app.py`, Debian's chromium through Playwright.

Checks on a cold server that the sidebar shows only Vigía's menu (not Streamlit's
auto-discovered ``pages/`` list), that the deck.gl canvas really drew hexagons
(pixels in the colour ramp, not background), and saves screenshots under
``tests/artifacts/``. Skips when chromium or playwright is missing
(``make test`` installs chromium through apt; never ``playwright install``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests import _apptest as apptest
from tests._store_factory import make_store

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM, FLAGS = apptest.CHROMIUM, apptest.CHROMIUM_FLAGS


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh Streamlit server on a free port over a seeded store; stopped afterwards."""
    apptest.browser_or_skip()
    db = make_store(tmp_path_factory.mktemp("browser") / "vigia.duckdb", n=3000, seed=11)
    with apptest.streamlit_server(db, tmp_path_factory.mktemp("log") / "streamlit.log") as url:
        yield url


def _blend(rgb: tuple[int, int, int], alpha: float, bg: tuple[int, int, int]) -> np.ndarray:
    return np.array(rgb) * alpha + np.array(bg) * (1 - alpha)


def test_map_draws_hexagons_and_only_our_menu(server: str) -> None:
    from playwright.sync_api import sync_playwright

    from ui import layers
    from ui.i18n import TEXTS
    from ui.nav import visible_pages

    menu = [TEXTS[p.title_key]["es"] for p in visible_pages("admin")]
    assert menu[:3] == ["Inicio", "Mapa", "Patrones"] and "Datos" in menu

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            outside: list[str] = []
            page.on("request", lambda r: outside.append(r.url)
                    if not r.url.startswith((server, "data:", "blob:")) else None)
            # First request to this fresh server goes straight to the map page.
            page.goto(f"{server}/mapa", wait_until="domcontentloaded")
            page.wait_for_selector("[data-testid='stSidebar']", timeout=60_000)
            canvas = page.wait_for_selector("#deckgl-overlay, canvas", timeout=60_000)
            page.wait_for_selector(".vigia-legend", timeout=60_000)
            page.wait_for_timeout(3000)  # let deck.gl draw its first frames

            # --- sidebar: only our st.page_link menu, never Streamlit's pages/ list
            assert page.locator("[data-testid='stSidebarNav']").count() == 0
            links = page.locator("[data-testid='stSidebar'] [data-testid='stPageLink'] p")
            assert [s.strip() for s in links.all_inner_texts()] == menu

            # --- hexagons drew: pixels of the map in the (blended) colour ramp
            box = canvas.bounding_box()
            assert box and box["width"] > 300 and box["height"] > 300
            shot = ARTIFACTS / "mapa.png"
            canvas.screenshot(path=str(shot))
            page.screenshot(path=str(ARTIFACTS / "mapa_pagina.png"), full_page=False)
            # the menu navigates and carries the filters in the URL
            page.locator("[data-testid='stSidebar'] [data-testid='stPageLink']",
                         has_text="Patrones").click()
            page.wait_for_selector("text=Patrones en el tiempo", timeout=60_000)
            page.wait_for_selector("[data-testid='stVegaLiteChart']", timeout=60_000)
            assert "/patrones" in page.url and "desde=" in page.url and "res=9" in page.url
            assert page.locator("[data-testid='stException']").count() == 0
            # offline-ready: no basemap, font or icon request leaves the machine
            assert not outside, outside[:5]
        finally:
            browser.close()

    from PIL import Image

    img = np.asarray(Image.open(shot).convert("RGB")).astype(float)
    px = img.reshape(-1, 3)
    bg = tuple(int(layers.BACKGROUND[i:i + 2], 16) for i in (1, 3, 5))
    alpha = layers.HEX_ALPHA / 255 * 0.85
    ramp = np.array([_blend(c, alpha, bg) for c in layers.RAMP] + [list(c) for c in layers.RAMP])
    dist = np.min(np.linalg.norm(px[:, None, :] - ramp[None, :, :], axis=2), axis=1)
    in_ramp = float((dist < 30).mean())
    background = float((np.linalg.norm(px - np.array(bg), axis=1) < 8).mean())
    assert in_ramp > 0.005, f"only {in_ramp:.4%} of map pixels in the hexagon colour ramp"
    assert background < 0.995, "the map is only background"
