"""Shared sidebar filters -> an :class:`~analytics.query.IncidentQuery`; URL sync; state keys.

``app.py`` calls :func:`render_sidebar` on every run (before the page runs),
so the widgets, and therefore their values, persist across pages. The values
are mirrored into ``st.query_params`` so a shared link reproduces the view;
on a session's first run the URL wins over the defaults.

Pages only call :func:`current`::

    q = ui.filters.current()   # an analytics.query.IncidentQuery (frozen, hashable)
    ui.cache.kpis(ctx.dataset_id, q)   # the query is the cache key
    q.resolution                       # H3 resolution 7-10

Public mode (role ``publico``) draws :func:`render_public_sidebar` instead: only what
the public release (``analytics.disclosure``) can answer, i.e. one published period
(quarter or year), crime groups, districts and resolution 6-8. There is no day range,
type, shift or weekday filter, and those URL parameters are ignored and removed: the
returned query has ``start``/``end`` on the period's bounds and empty ``types``,
``shifts`` and ``weekdays``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Final

import streamlit as st

from analytics import settings
from analytics.query import IncidentQuery
from ui.bounded import clip_label
from ui.i18n import group_label, shift_label, t, weekday_name

# Session-state keys (all of them, in one place) ------------------------------------------
K_DATES: Final = "f_dates"
K_GROUPS: Final = "f_groups"
K_TYPES: Final = "f_types"
K_SHIFTS: Final = "f_shifts"
K_WEEKDAYS: Final = "f_weekdays"
K_DISTRICTS: Final = "f_districts"
K_RES: Final = "f_res"
K_PUB_PERIOD: Final = "f_pub_period"  # public mode: one published period label
K_PUB_URL_LOADED: Final = "_pub_url_loaded"
K_PUBLIC_MODE: Final = "_public_filters"  # this run's sidebar was the public one
K_FILTERS: Final = "filters"          # the current IncidentQuery
K_URL_LOADED: Final = "_url_loaded"   # URL read once per session
K_LANG: Final = "lang"                # language, see ui.i18n
K_LANG_LOADED: Final = "_lang_loaded"  # language read from the URL once per session
K_ZONES: Final = "f_zones"            # zone layer: "" = districts, else the stored layer id
# Map page
K_MAP_METRIC: Final = "map_metric"
K_MAP_3D: Final = "map_3d"
K_MAP_POINTS: Final = "map_points"
K_MAP_STEP: Final = "map_step"
K_MAP_PLAY: Final = "map_play"
K_MAP_FRAME: Final = "map_frame"
K_MAP_FRAME_IDX: Final = "map_frame_idx"
K_MAP_SELECT: Final = "map_select"
K_MAP_CELL: Final = "map_cell"
# Patterns and data pages
K_PAT_MIX: Final = "pat_mix"
K_UPLOAD: Final = "data_upload"      # + "_<n>": a new uploader after each import
K_UPLOAD_GEN: Final = "data_upload_gen"
K_MAPPING: Final = "data_mapping"
K_LAST_REPORT: Final = "data_last_report"

# URL parameter names
QP: Final = {"start": "desde", "end": "hasta", "groups": "grupos", "types": "tipos",
             "shifts": "turnos", "weekdays": "dias", "districts": "distritos",
             "resolution": "res", "lang": "lang", "period": "periodo"}

RESOLUTIONS: Final = (7, 8, 9, 10)
#: Resolutions offered in public mode (coarser cells are sums of published resolution-8 cells).
PUBLIC_RESOLUTIONS: Final = (6, 7, 8)
DEFAULT_DAYS: Final = 90


def to_query(f: IncidentQuery) -> dict[str, str]:
    """URL parameters of a query (only the non-empty ones)."""
    q: dict[str, str] = {}
    if f.start:
        q[QP["start"]] = f.start.isoformat()
    if f.end:
        q[QP["end"]] = f.end.isoformat()
    for name in ("groups", "types", "shifts", "districts"):
        vals = getattr(f, name)
        if vals:
            q[QP[name]] = ",".join(vals)
    if f.weekdays:
        q[QP["weekdays"]] = ",".join(str(d) for d in f.weekdays)
    q[QP["resolution"]] = str(f.resolution)
    return q


# A link is untrusted input, read before login: every URL value goes through these.
#: Longest URL value read (longer ones are ignored whole).
MAX_PARAM_CHARS: Final = 8000
#: Most comma-separated items read from one URL value (the rest are ignored).
MAX_LIST_ITEMS: Final = 100
#: Longest item of a list value (a crime type or district name is far shorter).
MAX_ITEM_CHARS: Final = 120
_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def url_value(name: str) -> str | None:
    """Return the URL parameter ``name`` if it is plain printable text of bounded length.

    ``None`` for a missing, over-long (:data:`MAX_PARAM_CHARS`) or non-printable
    value (NUL, control or bidi-override characters): the caller then falls back to
    its default. Letters with accents (district names) are kept.
    """
    try:
        raw = st.query_params.get(name)
    except Exception:  # noqa: BLE001 - a malformed query string is no reason to fail
        return None
    if not isinstance(raw, str) or len(raw) > MAX_PARAM_CHARS or not raw.isprintable():
        return None
    return raw


def _split(value: str | None) -> list[str]:
    """Distinct non-empty items, at most :data:`MAX_LIST_ITEMS`, each of bounded length."""
    out: list[str] = []
    for v in (value or "").split(",", MAX_LIST_ITEMS)[:MAX_LIST_ITEMS]:
        if v and len(v) <= MAX_ITEM_CHARS and v not in out:
            out.append(v)
    return out


def _small_int(value: str | None, allowed: tuple[int, ...] | range) -> int | None:
    """``value`` as an int when it is 1-3 ASCII digits and in ``allowed`` (else None).

    ``str.isdigit`` alone is not enough: ``"²".isdigit()`` is true but ``int("²")``
    raises, and a 5,000-digit string exceeds Python's int-parsing limit.
    """
    if not value or len(value) > 3 or not (value.isascii() and value.isdigit()):
        return None
    n = int(value)
    return n if n in allowed else None


def _parse_date(value: str | None) -> date | None:
    """Parse a ``YYYY-MM-DD`` date (ASCII digits only); None for anything else."""
    if not value or not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def load_language_once() -> None:
    """On a session's first run, take the language from the URL (before anything is drawn)."""
    ss = st.session_state
    if not ss.get(K_LANG_LOADED):
        ss[K_LANG_LOADED] = True
        lang = url_value(QP["lang"])
        if lang in ("es", "en"):
            ss[K_LANG] = lang


def load_url_once(options: dict[str, list[str]], period: tuple[date, date] | None) -> None:
    """On a session's first run, copy the URL's filters and language into session state."""
    if not st.session_state.get(K_URL_LOADED):
        _load_url(options, period)
        st.session_state[K_URL_LOADED] = True


def _load_url(options: dict[str, list[str]], period: tuple[date, date] | None) -> None:
    """Copy valid URL parameters into widget state (first run of a session only)."""
    ss = st.session_state
    load_language_once()
    start, end = _parse_date(url_value(QP["start"])), _parse_date(url_value(QP["end"]))
    if start and end and start <= end:
        ss[K_DATES] = (start, end)
    elif period:
        ss[K_DATES] = period
    for key, name, allowed in ((K_GROUPS, "groups", options.get("groups", [])),
                               (K_TYPES, "types", options.get("types", [])),
                               (K_DISTRICTS, "districts", options.get("districts", [])),
                               (K_SHIFTS, "shifts", [s for s, _, _ in settings.SHIFTS])):
        vals = [v for v in _split(url_value(QP[name])) if v in allowed]
        if vals:
            ss[key] = vals
    parsed = (_small_int(d, range(7)) for d in _split(url_value(QP["weekdays"])))
    days = sorted({d for d in parsed if d is not None})
    if days:
        ss[K_WEEKDAYS] = days
    res = _small_int(url_value(QP["resolution"]), RESOLUTIONS)
    if res is not None:
        ss[K_RES] = res


def render_sidebar(options: dict[str, list[str]], period: tuple[date, date] | None,
                   bounds: tuple[date, date] | None, *, max_resolution: int = 10
                   ) -> IncidentQuery:
    """Draw the filter widgets in the sidebar, sync the URL, return the query.

    Parameters
    ----------
    options
        ``groups``, ``types``, ``districts`` present in the store.
    period
        Default date range (last 90 days of data).
    bounds
        First and last date of the data (date-picker limits).
    max_resolution
        Finest resolution allowed (public mode: 8).
    """
    ss = st.session_state
    load_url_once(options, period)
    if K_DATES not in ss and period:
        ss[K_DATES] = period
    if K_RES not in ss:
        ss[K_RES] = settings.H3_RESOLUTION
    for key, allowed in ((K_GROUPS, options.get("groups", [])),
                         (K_TYPES, options.get("types", [])),
                         (K_DISTRICTS, options.get("districts", [])),
                         (K_SHIFTS, [s for s, _, _ in settings.SHIFTS]),
                         (K_WEEKDAYS, list(range(7)))):
        if key in ss:
            ss[key] = [v for v in ss[key] if v in allowed]
    res_options = [r for r in RESOLUTIONS if r <= max_resolution]
    if ss[K_RES] not in res_options:
        ss[K_RES] = res_options[-1]

    sb = st.sidebar
    sb.subheader(t("filters.title"))
    start = end = None
    if period is not None and bounds is not None:
        lo = min(bounds[0], period[0]) - timedelta(days=366)
        hi = max(bounds[1], period[1])
        value = tuple(ss.get(K_DATES) or period)
        clipped = tuple(min(max(d, lo), hi) for d in value if isinstance(d, date))
        ss[K_DATES] = clipped or period  # a shared link may hold dates outside the data
        rng = sb.date_input(t("filters.dates"), min_value=lo, max_value=hi, key=K_DATES,
                            format="DD/MM/YYYY", help=t("filters.dates_help"))
        rng = tuple(rng) if isinstance(rng, (tuple, list)) else (rng,)
        if len(rng) == 2:
            start, end = rng
        elif len(rng) == 1:
            start = end = rng[0]
    groups = sb.multiselect(t("filters.groups"), options.get("groups", []), key=K_GROUPS,
                            format_func=group_label, placeholder=t("filters.all"))
    types_all = options.get("types", [])
    types = sb.multiselect(t("filters.types"), types_all, key=K_TYPES,
                           placeholder=t("filters.all"), format_func=clip_label)
    shifts = sb.multiselect(t("filters.shifts"), [s for s, _, _ in settings.SHIFTS],
                            key=K_SHIFTS, format_func=shift_label, placeholder=t("filters.all"))
    weekdays = sb.multiselect(t("filters.weekdays"), list(range(7)), key=K_WEEKDAYS,
                              format_func=weekday_name, placeholder=t("filters.all"))
    districts = sb.multiselect(t("filters.districts"), options.get("districts", []),
                               key=K_DISTRICTS, placeholder=t("filters.all"),
                               format_func=clip_label)
    res = sb.select_slider(t("filters.resolution"), options=res_options, key=K_RES,
                           help=t("filters.resolution_help"))
    sb.button(t("filters.reset"), on_click=_reset, args=(period,), key="f_reset")
    f = IncidentQuery.build(start=start, end=end, groups=groups, types=types, shifts=shifts,
                            weekdays=[int(d) for d in weekdays], districts=districts,
                            resolution=int(res))
    ss[K_FILTERS] = f
    ss[K_PUBLIC_MODE] = False
    sync_url(f)
    return f


def render_public_sidebar(choices: dict[str, Any]) -> IncidentQuery:
    """The public sidebar: published period, groups, districts, resolution 6-8.

    Parameters
    ----------
    choices
        ``ui.cache.public_choices``: ``periods`` (``(label, complete)``, newest
        first), ``default`` label, ``groups``, ``districts`` (keys).
    """
    from analytics import disclosure

    ss = st.session_state
    labels = [lab for lab, _ in choices.get("periods", [])]
    complete = dict(choices.get("periods", []))
    if not ss.get(K_PUB_URL_LOADED):
        ss[K_PUB_URL_LOADED] = True
        want = url_value(QP["period"])
        if want in labels:
            ss[K_PUB_PERIOD] = want
        for key, name in ((K_GROUPS, "groups"), (K_DISTRICTS, "districts")):
            allowed = choices.get(name, [])
            vals = [v for v in _split(url_value(QP[name])) if v in allowed]
            if vals:
                ss[key] = vals
        res = _small_int(url_value(QP["resolution"]), (*PUBLIC_RESOLUTIONS, *RESOLUTIONS))
        if res is not None:
            ss[K_RES] = res
    if ss.get(K_PUB_PERIOD) not in labels:
        ss[K_PUB_PERIOD] = choices.get("default") if labels else None
    for key, allowed in ((K_GROUPS, choices.get("groups", [])),
                         (K_DISTRICTS, choices.get("districts", []))):
        ss[key] = [v for v in ss.get(key, []) if v in allowed]
    if ss.get(K_RES) not in PUBLIC_RESOLUTIONS:
        ss[K_RES] = PUBLIC_RESOLUTIONS[-1]

    sb = st.sidebar
    sb.subheader(t("filters.title"))
    label = None
    if labels:
        label = sb.selectbox(t("filters.public_period"), labels, key=K_PUB_PERIOD,
                             help=t("filters.public_period_help"),
                             format_func=lambda p: p if complete.get(p) else
                             t("filters.public_partial", label=p))
    groups = sb.multiselect(t("filters.groups"), choices.get("groups", []), key=K_GROUPS,
                            format_func=group_label, placeholder=t("filters.all"))
    districts = sb.multiselect(t("filters.districts"), choices.get("districts", []),
                               key=K_DISTRICTS, placeholder=t("filters.all"))
    res = sb.select_slider(t("filters.resolution"), options=list(PUBLIC_RESOLUTIONS),
                           key=K_RES, help=t("filters.public_resolution_help"))
    sb.button(t("filters.reset"), on_click=_reset_public, args=(choices.get("default"),),
              key="f_reset")
    # No label means no published period at all: the open range selects nothing either.
    start, end = disclosure.label_bounds(label) if label else (None, None)
    f = IncidentQuery.build(start=start, end=end, groups=groups, districts=districts,
                            resolution=int(res))
    ss[K_FILTERS] = f
    ss[K_PUBLIC_MODE] = True
    sync_url(f)
    return f


def public_period() -> str | None:
    """The published period chosen in the public sidebar (``2025-T3``, ``2025``)."""
    value = st.session_state.get(K_PUB_PERIOD)
    return str(value) if value else None


def _reset_public(default: str | None) -> None:
    ss = st.session_state
    for key in (K_GROUPS, K_DISTRICTS):
        ss[key] = []
    ss[K_PUB_PERIOD] = default
    ss[K_RES] = PUBLIC_RESOLUTIONS[-1]


def _reset(period: tuple[date, date] | None) -> None:
    ss = st.session_state
    for key in (K_GROUPS, K_TYPES, K_SHIFTS, K_WEEKDAYS, K_DISTRICTS):
        ss[key] = []
    if period:
        ss[K_DATES] = period
    ss[K_RES] = settings.H3_RESOLUTION


def url_params(f: IncidentQuery) -> dict[str, str]:
    """URL parameters of the filters plus the language.

    Public mode: period, groups, districts, resolution and language only.
    """
    if st.session_state.get(K_PUBLIC_MODE):
        q = {QP["groups"]: ",".join(f.groups), QP["districts"]: ",".join(f.districts),
             QP["resolution"]: str(f.resolution), QP["lang"]: st.session_state.get(K_LANG, "es"),
             QP["period"]: public_period() or ""}
        return {name: value for name, value in q.items() if value}
    want = to_query(f)
    want[QP["lang"]] = st.session_state.get(K_LANG, "es")
    return want


def sync_url(f: IncidentQuery) -> None:
    """Mirror the filters and the language into ``st.query_params`` (only what changed).

    Parameters that are not filters (a page's own view options, see
    :func:`page_view_state`) are left alone.
    """
    want = url_params(f)
    for name in QP.values():
        if name in want:
            if st.query_params.get(name) != want[name]:
                st.query_params[name] = want[name]
        elif name in st.query_params:
            del st.query_params[name]


def page_view_state(params: dict[str, tuple[str, dict[str, Any]]]) -> None:
    """Two-way URL sync of a page's own view options (call before drawing the widgets).

    ``params`` maps a URL name to ``(session key, {url value: widget value})``. On the
    page's first run in a session the URL sets the widgets; afterwards the widget values
    are written back, so a shared link reproduces the view. Example (Mapa)::

        page_view_state({"color": (K_MAP_METRIC, {"conteo": "count", "tasa": "rate"})})
    """
    ss = st.session_state
    flag = "_url_view_" + "_".join(sorted(params))
    if not ss.get(flag):
        ss[flag] = True
        for name, (key, values) in params.items():
            raw = url_value(name)
            if raw in values:
                ss[key] = values[raw]
        return
    for name, (key, values) in params.items():
        back = {v: k for k, v in values.items()}
        cur = back.get(ss.get(key))
        if cur is None or cur == next(iter(values)):  # default value: keep the URL short
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != cur:
            st.query_params[name] = cur


def render_zone_picker(choices: list[tuple[int, str]]) -> int | None:
    """The sidebar's "Zonas" picker: districts or a stored zone layer; the chosen layer id.

    Drawn only when at least one layer is stored (``choices``: ``(layer_id,
    label)``, e.g. ``ui.cache.zone_layer_choices``). Pages read the choice with
    :func:`zone_layer_id`.
    """
    ss = st.session_state
    options = ["", *[str(i) for i, _ in choices]]
    labels = {"": t("filters.zones_districts"), **{str(i): lab for i, lab in choices}}
    if ss.get(K_ZONES) not in options:
        ss[K_ZONES] = ""
    if len(options) > 1:
        st.sidebar.selectbox(t("filters.zones"), options, key=K_ZONES, format_func=labels.get,
                             help=t("filters.zones_help"))
    return zone_layer_id()


def zone_layer_id() -> int | None:
    """The zone layer chosen in the sidebar (``None``: districts)."""
    value = st.session_state.get(K_ZONES)
    return int(value) if isinstance(value, str) and value.isdigit() else None


def current() -> IncidentQuery:
    """The query of this run's filters (set by ``app.py`` before the page runs)."""
    f = st.session_state.get(K_FILTERS)
    return f if isinstance(f, IncidentQuery) else IncidentQuery()
