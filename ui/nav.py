"""The page registry (ONE place) and the sidebar menu.

Adding a page
-------------
1. Create ``pages/<name>.py`` (thin: read ``ui.filters.current()``, call
   analytics through ``ui.cache``, draw; strings through ``ui.i18n.t``).
2. Add its title under ``page.<name>`` in ``ui/i18n.py`` (``es`` and ``en``).
3. Add one :class:`PageSpec` line to :data:`PAGES` below (path, title key,
   Material icon, roles allowed).

A registered page whose file does not exist yet is skipped, so the registry
can list pages that are still being written. ``client.showSidebarNavigation``
is off (``.streamlit/config.toml``): Streamlit's own list of ``pages/`` never
shows, not even right after a cold start; the menu drawn here is the only one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import streamlit as st

from ui.auth import ALL_ROLES, STAFF
from ui.i18n import t

ROOT: Final = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageSpec:
    """One page: file, i18n title key, icon, roles that may open it, default flag."""

    path: str
    title_key: str
    icon: str
    roles: frozenset[str]
    default: bool = False

    @property
    def url_path(self) -> str:
        """URL segment (the file stem, e.g. ``mapa``)."""
        return Path(self.path).stem


PAGES: Final[tuple[PageSpec, ...]] = (
    PageSpec("pages/inicio.py", "page.inicio", ":material/home:", ALL_ROLES, default=True),
    PageSpec("pages/mapa.py", "page.mapa", ":material/map:", ALL_ROLES),
    PageSpec("pages/patrones.py", "page.patrones", ":material/calendar_month:", STAFF),
    PageSpec("pages/pronostico.py", "page.pronostico", ":material/trending_up:", STAFF),
    PageSpec("pages/zonas_criticas.py", "page.zonas_criticas", ":material/local_fire_department:",
             STAFF),
    PageSpec("pages/plan_patrullaje.py", "page.plan_patrullaje", ":material/local_police:", STAFF),
    PageSpec("pages/reportes.py", "page.reportes", ":material/description:", ALL_ROLES),
    PageSpec("pages/datos.py", "page.datos", ":material/upload_file:", STAFF),
    PageSpec("pages/admin.py", "page.admin", ":material/admin_panel_settings:",
             frozenset({"admin"})),
)


def visible_pages(role: str) -> list[PageSpec]:
    """Registered pages that exist on disk and that ``role`` may open."""
    return [p for p in PAGES if role in p.roles and (ROOT / p.path).is_file()]


def build(role: str) -> tuple[st.navigation, list[tuple[PageSpec, st.Page]]]:  # type: ignore[valid-type]
    """``st.navigation`` over the pages of ``role`` (hidden: the menu is drawn by :func:`menu`)."""
    specs = visible_pages(role)
    pages = [(s, st.Page(s.path, title=t(s.title_key), icon=s.icon, url_path=s.url_path,
                         default=s.default or i == 0 and not any(x.default for x in specs)))
             for i, s in enumerate(specs)]
    nav = st.navigation([p for _, p in pages], position="hidden")
    return nav, pages


def menu(pages: list[tuple[PageSpec, st.Page]], query: dict[str, str]) -> None:  # type: ignore[valid-type]
    """The sidebar menu: one ``st.page_link`` per page, carrying the filters in the URL."""
    box = st.container(key="vigia_menu")
    for _spec, page in pages:
        box.page_link(page, query_params=query)
