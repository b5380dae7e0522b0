"""The one line every hexagon page shows: incidents of the filter without a precise place."""

from __future__ import annotations

import streamlit as st

from analytics.query import IncidentQuery
from ui import cache
from ui.i18n import fmt_int, t


def unplaced_note(dataset_id: str | None, query: IncidentQuery) -> int:
    """Show (as a caption) how many incidents of ``query`` hexagons leave out; return it.

    Nothing is shown when every incident is placed precisely enough, or for
    the public role (the release is already aggregated).
    """
    if not dataset_id or cache.public_viewer():
        return 0
    n = cache.unplaced_count(dataset_id, query)
    if n:
        st.caption(t("ubic.unplaced", n=fmt_int(n)), help=None)
    return n
