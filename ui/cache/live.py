"""Cached reads of the Alertas page (live view), keyed by a cheap live version. Staff only.

:func:`live_version` is read on every refresh of the page (two tiny queries); the
other wrappers are cached under it, so a refresh that finds nothing new reads
nothing else. Alerts are internal data: every wrapper carries :func:`staff_only`.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from analytics.live import ShiftActivity
from ui.cache.connection import read_connection, staff_only


@staff_only
def live_version() -> str:
    """``analytics.live.live_version`` (not cached: it is the key)."""
    from analytics import live

    with read_connection() as con:
        return live.live_version(con)


@staff_only
@st.cache_data(show_spinner=False, max_entries=16, ttl=3600)
def shift_activity(version: str, now: datetime) -> ShiftActivity:
    """``analytics.live.shift_activity`` at ``now`` (a minute, so reruns share it)."""
    from analytics import live

    with read_connection() as con:
        return live.shift_activity(con, now=now)


@staff_only
@st.cache_data(show_spinner=False, max_entries=16, ttl=3600)
def live_alerts(version: str, now: datetime) -> pd.DataFrame:
    """``analytics.alerts.active_alerts`` at ``now``."""
    from analytics import alerts

    with read_connection() as con:
        return alerts.active_alerts(con, now=now)


@staff_only
@st.cache_data(show_spinner=False, max_entries=4, ttl=3600)
def alert_rules(version: str) -> pd.DataFrame:
    """``analytics.alerts.stored_rules`` (the Knox rule of every crime type)."""
    from analytics import alerts

    with read_connection() as con:
        return alerts.stored_rules(con)
