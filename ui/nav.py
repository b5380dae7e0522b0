"""The page registry (ONE place) and the sidebar menu.

Adding a page
-------------
1. Create ``pages/<name>.py`` (thin: read ``ui.filters.current()``, call
   analytics through ``ui.cache``, draw; strings through ``ui.i18n.t``).
2. Add its title under ``page.<name>`` in ``ui/i18n.py`` (``es`` and ``en``).
3. Add one :class:`PageSpec` line to :data:`PAGES` below (path, title key,
   Material icon) and the page's permission to ``analytics.access.PERMISSIONS``
   (the one table of who may open what).

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

from analytics import access
from ui.i18n import t

ROOT: Final = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageSpec:
    """One page: file, i18n title key, icon, default flag (who may open it: ``access``)."""

    path: str
    title_key: str
    icon: str
    default: bool = False

    @property
    def url_path(self) -> str:
        """URL segment (the file stem, e.g. ``mapa``)."""
        return Path(self.path).stem


PAGES: Final[tuple[PageSpec, ...]] = (
    PageSpec("pages/inicio.py", "page.inicio", ":material/home:", default=True),
    PageSpec("pages/mapa.py", "page.mapa", ":material/map:"),
    PageSpec("pages/patrones.py", "page.patrones", ":material/calendar_month:"),
    PageSpec("pages/pronostico.py", "page.pronostico", ":material/trending_up:"),
    PageSpec("pages/zonas_criticas.py", "page.zonas_criticas", ":material/local_fire_department:"),
    PageSpec("pages/plan_patrullaje.py", "page.plan_patrullaje", ":material/local_police:"),
    PageSpec("pages/cumplimiento.py", "page.cumplimiento", ":material/fact_check:"),
    PageSpec("pages/alertas.py", "page.alertas", ":material/notifications_active:"),
    PageSpec("pages/reportes.py", "page.reportes", ":material/description:"),
    PageSpec("pages/evaluacion.py", "page.evaluacion", ":material/query_stats:"),
    PageSpec("pages/datos.py", "page.datos", ":material/upload_file:"),
    PageSpec("pages/admin.py", "page.admin", ":material/admin_panel_settings:"),
)


def _allowed(spec: PageSpec, role: str) -> bool:
    return access.can(role, spec.url_path)


def visible_pages(role: str) -> list[PageSpec]:
    """Registered pages that exist on disk and that ``role`` may open."""
    return [p for p in PAGES if _allowed(p, role) and (ROOT / p.path).is_file()]


class _Denied:
    """Stands in for a page the role may not open: says so in Spanish, never runs it."""

    def __init__(self, spec: PageSpec) -> None:
        self.spec = spec

    def run(self) -> None:
        from ui import login

        login.forbidden(self.spec.title_key)


def build(role: str) -> tuple[st.navigation, list[tuple[PageSpec, st.Page]]]:  # type: ignore[valid-type]
    """``st.navigation`` over the pages of ``role`` (hidden: the menu is drawn by :func:`menu`).

    Existing pages the role may not open are registered hidden, so opening one
    by URL shows "sin permiso" (:class:`_Denied`) instead of running it.
    """
    specs = visible_pages(role)
    pages = [(s, st.Page(s.path, title=t(s.title_key), icon=s.icon, url_path=s.url_path,
                         default=s.default or i == 0 and not any(x.default for x in specs)))
             for i, s in enumerate(specs)]
    denied = {s.url_path: s for s in PAGES
              if not _allowed(s, role) and (ROOT / s.path).is_file()}
    hidden = [st.Page(s.path, title=t(s.title_key), icon=s.icon, url_path=s.url_path,
                      visibility="hidden") for s in denied.values()]
    nav = st.navigation([p for _, p in pages] + hidden, position="hidden")
    if nav.url_path in denied:
        return _Denied(denied[nav.url_path]), pages
    return nav, pages


def menu(pages: list[tuple[PageSpec, st.Page]], query: dict[str, str]) -> None:  # type: ignore[valid-type]
    """The sidebar menu: one ``st.page_link`` per page, carrying the filters in the URL."""
    box = st.container(key="vigia_menu")
    for _spec, page in pages:
        box.page_link(page, query_params=query)
