"""Vigía: the router. Page config, session role, shared sidebar, ``st.navigation``.

No analytics here: pages in ``pages/`` do the work through ``ui``. Pages are
registered in ``ui/nav.py`` (one line each).
"""

from __future__ import annotations

import logging

import streamlit as st

from analytics._errors import AnalyticsError
from ui import auth, cache, filters, login, nav, page, upload
from ui.i18n import LANG_KEY, role_label, t

st.set_page_config(page_title="Vigía", page_icon="🛡️", layout="wide",
                   initial_sidebar_state="expanded")
page.mark_routed()
upload.start_housekeeping()  # once per process: stale staged uploads swept
upload.spanish_dropzones()   # our text inside Streamlit's file uploaders

# The store first: is there data, can it be read? (the app's own bookkeeping, any role)
filters.load_language_once()
try:
    st.session_state[page.K_DATASET] = cache.dataset_id() if cache.store_exists() else None
    st.session_state[page.K_STORE_ERROR] = None
except AnalyticsError as exc:
    st.session_state[page.K_DATASET] = None
    st.session_state[page.K_STORE_ERROR] = str(exc)
except Exception:  # noqa: BLE001 - a damaged file raises DuckDB's own errors: no traceback
    logging.getLogger("vigia.ui").exception("store %s unreadable", cache.store_path())
    st.session_state[page.K_DATASET] = None
    st.session_state[page.K_STORE_ERROR] = t("app.store_damaged", path=cache.store_path())

if st.session_state[page.K_STORE_ERROR]:
    # The store exists but cannot be read (e.g. a CLI import holds it): nothing can be
    # shown or checked (not even users), so explain in the user's language and offer a retry.
    st.sidebar.radio(t("app.language"), ["es", "en"], key=LANG_KEY, horizontal=True,
                     format_func={"es": "Español", "en": "English"}.get)
    page.store_error_box(st.session_state[page.K_STORE_ERROR])
    st.stop()
session = auth.current_role()
page.remember_viewer(session)   # the public gate of ui.cache starts here
navigation, pages = nav.build(session.role)
ds = st.session_state[page.K_DATASET]

with st.sidebar:
    st.markdown(f"### :material/shield: {t('app.title')}")
    st.caption(t("app.tagline"))
    menu_box = st.container()
    st.radio(t("app.language"), ["es", "en"], key=LANG_KEY, horizontal=True,
             format_func={"es": "Español", "en": "English"}.get)
    if session.demo:
        st.warning(t("app.demo_mode"), icon=":material/science:")
    else:
        st.caption(t("app.role", role=role_label(session.role)))
        login.sidebar_box(session)
    if session.public:
        st.info(t("app.public_mode"), icon=":material/public:")

if session.public:  # only what the public release answers (analytics.disclosure)
    f = filters.render_public_sidebar(cache.public_choices(ds))
else:
    f = filters.render_sidebar(*cache.sidebar_data(ds))
    if ds:
        filters.render_zone_picker(cache.zone_layer_choices(ds))
with menu_box:
    nav.menu(pages, filters.url_params(f))

navigation.run()
