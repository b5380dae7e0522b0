"""Documented, read-only defaults for Vigía.

Every function that uses one of these takes a keyword argument to override it.
Nothing here is changed at run time: one Streamlit process serves every user,
so a changed module global would leak from one session into another.

Attributes
----------
TIMEZONE : str
    Zone of the local wall time stored in ``occurred_at`` (``America/Lima``,
    UTC-5 with no daylight saving).
DB_ENV_VAR : str
    Environment variable that overrides the default store path.
DEFAULT_DB : pathlib.Path
    Default DuckDB store, relative to the repository root.
H3_STORE_RESOLUTION : int
    Resolution of the cell stored with every incident (``h3_r12``); coarser
    cells are derived from it.
H3_RESOLUTION : int
    Default resolution for maps, forecasts and plans.
H3_MIN_RESOLUTION, H3_MAX_RESOLUTION : int
    Range of resolutions the binning accepts.
SHIFTS : tuple of (name, start_hour, end_hour)
    Patrol shifts. ``end_hour`` may be smaller than ``start_hour`` (the night
    shift wraps midnight). Hours are local.
STUDY_RADIUS_KM : float
    Rows farther than this from the median point of a file are quarantined as
    outside the study area (unless a bounding box or polygon is given).
STACKED_MIN_SHARE : float
    A single coordinate holding at least this share of a file's incidents is
    reported as a stacked point (typically a comisaría).
STACKED_MIN_COUNT : int
    ... and at least this many incidents.
PUBLIC_MIN_COUNT : int
    Public exports suppress cells and rows with fewer incidents than this (k).
PUBLIC_MAX_RESOLUTION : int
    Public exports aggregate to this H3 resolution or coarser.
PUBLIC_PERIOD : str
    Base period of the public release (``analytics.disclosure``): ``"Q"``
    (quarters; years are sums of quarters) or ``"M"`` (months).
SENSITIVE_GROUPS : frozenset of str
    Crime groups never shown as points or in small cells in public mode.
CRIME_GROUPS : dict
    Crime group key -> Spanish label.
CRIME_TYPE_GROUP : dict
    Canonical crime type (lower-case Spanish, SIDPOL style) -> group key.
CRIME_TYPE_KEYWORDS : tuple of (keyword, group)
    Ordered keyword rules used to place a free-text type (Spanish or English)
    in a group when it is not a canonical type. Unknown types go to ``otro``.
ALPHA : float
    Significance level for hotspot statistics.
PERMUTATIONS : int
    Default number of permutations for Monte Carlo p-values.
NEAR_REPEAT_DISTANCE_M : float
    Default space band for near-repeat (Knox) analysis, metres.
NEAR_REPEAT_DAYS : int
    Default time band for near-repeat analysis, days.
PATROL_DWELL_MIN : int
    Default minutes a unit stays at each hotspot (Koper curve).
PATROL_REVISIT_MIN : int
    Maximum minutes between two visits of the same hotspot.
PATROL_SPEED_KMH : float
    Assumed average patrol speed between hotspots, km/h.
SOLVER_TIME_LIMIT_S : float
    Time limit for the exact patrol optimiser.
LOCATION_PRECISIONS : tuple of str
    How well an incident is placed, best first: ``exacta`` (a real point),
    ``cuadra`` (geocoded to a street block or an intersection), ``via`` (street
    known, block not), ``zona`` (neighbourhood / urbanización / AA.HH. / sector
    centroid), ``distrito`` (district only, no point).
HEX_PRECISIONS : tuple of str
    Precisions hexagon analytics (map, hotspots, cell forecasts, plans) use by
    default; district indicators, time patterns and zone forecasts count every
    accepted incident.
LOCATION_COLUMNS : tuple of (name, type)
    Columns of the ``incidents`` table that say where an incident is and how
    well (added by migration 10): ``location_precision``, ``location_reason``
    (a key of ``analytics.location.LOCATION_REASONS``) and the storable
    address parts ``street``, ``block`` (cuadra), ``cross_street``, ``zone``
    (never a house number or free text).
PRECISE_SHARE_MIN : float
    Share of a district's incidents placed at a ``HEX_PRECISIONS`` precision
    below which the app warns (Ratcliffe 2004's minimum acceptable
    geocoding hit rate, 85 %).
STORE_WRITE_TIMEOUT_S : float
    How long a writer (an import, a user change, an audit entry) waits for the
    store's cross-process lock before a Spanish ``StoreError``.
STORE_READ_TIMEOUT_S : float
    How long a reader (a page, ``export``, ``users list``) waits, e.g. while an
    import writes, before a Spanish ``StoreError``.
STORE_AUDIT_TIMEOUT_S : float
    Wait for the best-effort audit lines of logins and logouts (a login never
    waits for a long import).
MAX_NAME_CHARS : int
    Longest user-supplied name stored (user names in the audit, sources, file
    names); longer text is cut and ends with "…".
MAX_DETAIL_CHARS : int
    Longest user-supplied free text stored (audit details).
LOGIN_WINDOW_S : float
    Sliding window of the failed-login throttle, seconds.
LOGIN_MAX_FAILURES_ACCOUNT : int
    Failed logins allowed per user name (known or not) within the window.
LOGIN_MAX_FAILURES_CLIENT : int
    Failed logins allowed per client address within the window (several
    people may share one address behind a police network's NAT).
SESSION_IDLE_MINUTES : int
    A signed-in session with no interaction for this long is signed out.
AUDIT_PAGE_ROWS : int
    Audit entries per page in Administración.
AUDIT_EXPORT_MAX_ROWS : int
    Most audit entries one CSV download of Administración holds.
TRACK_RETENTION_DAYS : int
    GPS pings of patrol units (operational data, plates included) are kept this
    many days after their time, then purged (at every track import and by
    ``python -m analytics tracks purge``).
SAVED_PLANS_SHOWN : int
    Most saved plans a page lists (newest first).
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Final

TIMEZONE: Final = "America/Lima"

DB_ENV_VAR: Final = "VIGIA_DB"
DEFAULT_DB: Final = Path("data/vigia.duckdb")

H3_STORE_RESOLUTION: Final = 12
H3_RESOLUTION: Final = 9
H3_MIN_RESOLUTION: Final = 6
H3_MAX_RESOLUTION: Final = 12

SHIFTS: Final[tuple[tuple[str, int, int], ...]] = (
    ("mañana", 6, 14),
    ("tarde", 14, 22),
    ("noche", 22, 6),
)

STUDY_RADIUS_KM: Final = 100.0
STACKED_MIN_SHARE: Final = 0.01
STACKED_MIN_COUNT: Final = 20

PUBLIC_MIN_COUNT: Final = 5
PUBLIC_MAX_RESOLUTION: Final = 8
PUBLIC_PERIOD: Final = "Q"

ALPHA: Final = 0.05
PERMUTATIONS: Final = 999
NEAR_REPEAT_DISTANCE_M: Final = 100.0
NEAR_REPEAT_DAYS: Final = 7

PATROL_DWELL_MIN: Final = 15
PATROL_REVISIT_MIN: Final = 120
PATROL_SPEED_KMH: Final = 20.0
SOLVER_TIME_LIMIT_S: Final = 30.0

LOCATION_PRECISIONS: Final = ("exacta", "cuadra", "via", "zona", "distrito")
HEX_PRECISIONS: Final = ("cuadra", "exacta")
LOCATION_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("location_precision", "VARCHAR"),
    ("location_reason", "VARCHAR"),
    ("street", "VARCHAR"),
    ("block", "INTEGER"),
    ("cross_street", "VARCHAR"),
    ("zone", "VARCHAR"),
)
PRECISE_SHARE_MIN: Final = 0.85

CRIME_GROUPS: Final = MappingProxyType(
    {
        "patrimonio": "Contra el patrimonio",
        "vida_cuerpo_salud": "Contra la vida, el cuerpo y la salud",
        "violencia_familiar": "Violencia contra la mujer e integrantes del grupo familiar",
        "libertad_sexual": "Contra la libertad sexual",
        "libertad": "Contra la libertad personal",
        "seguridad_publica": "Contra la seguridad pública",
        "faltas": "Faltas",
        "otro": "Otros",
    }
)

SENSITIVE_GROUPS: Final = frozenset({"violencia_familiar", "libertad_sexual"})
SENSITIVE_TYPES: Final = frozenset({"feminicidio", "violación sexual", "violencia familiar"})

CRIME_TYPE_GROUP: Final = MappingProxyType(
    {
        "hurto": "patrimonio",
        "hurto agravado": "patrimonio",
        "robo": "patrimonio",
        "robo agravado": "patrimonio",
        "extorsión": "patrimonio",
        "estafa": "patrimonio",
        "usurpación": "patrimonio",
        "daños": "patrimonio",
        "receptación": "patrimonio",
        "homicidio": "vida_cuerpo_salud",
        "sicariato": "vida_cuerpo_salud",
        "lesiones": "vida_cuerpo_salud",
        "feminicidio": "vida_cuerpo_salud",
        "violencia familiar": "violencia_familiar",
        "violación sexual": "libertad_sexual",
        "tocamientos indebidos": "libertad_sexual",
        "secuestro": "libertad",
        "trata de personas": "libertad",
        "microcomercialización de drogas": "seguridad_publica",
        "tenencia ilegal de armas": "seguridad_publica",
        "conducción en estado de ebriedad": "seguridad_publica",
        "falta contra el patrimonio": "faltas",
        "falta contra la persona": "faltas",
        "otro": "otro",
    }
)

CRIME_TYPE_KEYWORDS: Final[tuple[tuple[str, str], ...]] = (
    ("feminicid", "vida_cuerpo_salud"),
    ("violencia familiar", "violencia_familiar"),
    ("violencia contra la mujer", "violencia_familiar"),
    ("violencia psicol", "violencia_familiar"),
    ("domestic", "violencia_familiar"),
    ("violaci", "libertad_sexual"),
    ("sexual", "libertad_sexual"),
    ("rape", "libertad_sexual"),
    ("falta", "faltas"),
    ("extors", "patrimonio"),
    ("robo", "patrimonio"),
    ("hurto", "patrimonio"),
    ("estafa", "patrimonio"),
    ("usurpa", "patrimonio"),
    ("dano", "patrimonio"),
    ("daño", "patrimonio"),
    ("robbery", "patrimonio"),
    ("theft", "patrimonio"),
    ("burglary", "patrimonio"),
    ("fraud", "patrimonio"),
    ("vandalism", "patrimonio"),
    ("stolen", "patrimonio"),
    ("homicid", "vida_cuerpo_salud"),
    ("sicari", "vida_cuerpo_salud"),
    ("lesion", "vida_cuerpo_salud"),
    ("assault", "vida_cuerpo_salud"),
    ("secuestr", "libertad"),
    ("trata", "libertad"),
    ("kidnap", "libertad"),
    ("droga", "seguridad_publica"),
    ("arma", "seguridad_publica"),
    ("narcotic", "seguridad_publica"),
    ("weapon", "seguridad_publica"),
    ("drunk", "seguridad_publica"),
    ("driving under", "seguridad_publica"),
    ("ebriedad", "seguridad_publica"),
)

#: Canonical columns of the ``incidents`` table, in order, with DuckDB types.
INCIDENT_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("incident_id", "VARCHAR"),
    ("occurred_at", "TIMESTAMP"),
    ("lat", "DOUBLE"),
    ("lon", "DOUBLE"),
    ("crime_type", "VARCHAR"),
    ("crime_group", "VARCHAR"),
    ("district", "VARCHAR"),
    ("ubigeo", "VARCHAR"),
    ("source", "VARCHAR"),
    ("h3_r12", "UBIGINT"),
    ("import_id", "INTEGER"),
)

# --- security and concurrency -------------------------------------------------------------
STORE_WRITE_TIMEOUT_S: Final = 60.0
STORE_READ_TIMEOUT_S: Final = 15.0
STORE_AUDIT_TIMEOUT_S: Final = 3.0
MAX_NAME_CHARS: Final = 200
MAX_DETAIL_CHARS: Final = 1000
LOGIN_WINDOW_S: Final = 300.0
LOGIN_MAX_FAILURES_ACCOUNT: Final = 5
LOGIN_MAX_FAILURES_CLIENT: Final = 20
SESSION_IDLE_MINUTES: Final = 30
AUDIT_PAGE_ROWS: Final = 100
AUDIT_EXPORT_MAX_ROWS: Final = 10_000
# --------------------------------------------------------------------------- geocoding
GEOCODE_BLOCK_SHRINK_N: Final = 1.0
"""A block centre from ``n`` known points weighs ``n / (n + this)`` against the line through
its street's neighbouring blocks (0 disables the shrinkage)."""
GEOCODE_BLOCK_TRIM_M: Final = 150.0
"""A block's centre is the mean of its known points within this many metres of their median
(0: the median): the middle of the block, nearer to most incidents than one repeated address."""
GEOCODE_PLACE_MAX_SPREAD_M: Final = 150.0
"""A crossing or named place written the same way is learned only when half its points lie
within this many metres of their median."""
GEOCODE_ZONE_MAX_SPREAD_M: Final = 1500.0
"""... and a zone (urbanización, AA.HH., sector) within this many metres."""
GEOCODE_MAX_GAP_BLOCKS: Final = 20.0
"""Interpolate a cuadra between known cuadras of its street at most this many cuadras apart."""
GEOCODE_MAX_EXTRAPOLATION_BLOCKS: Final = 3.0
"""Extrapolate a cuadra at most this many cuadras beyond the known ones of its street."""
GEOCODE_CROSSING_MAX_M: Final = 150.0
"""Two streets whose known points come this close are taken to cross there."""
GEOCODE_OFFSET_MIN_POINTS: Final = 200
"""Known points with a house number needed to learn how far numbers move a point in a block."""
GEOCODE_OFFSET_WEIGHT: Final = 1.0
"""Weight of the house number inside its block when it cannot be learned (1: n·100+50 is the
middle of cuadra n, n·100 its start)."""
GEOCODE_DISTRICT_MARGIN_M: Final = 500.0
"""A city-wide answer is kept for a district when it lies within the reach of the district's
known points (98th percentile distance × 1.25) plus this margin."""
FORCED_STATUS_BAD: Final = ("FORZAD", "CENTROIDE", "SIN COORD", "SIN GEO", "NO GEORREF",
                             "REFERENCIAL", "APROXIMAD", "COMISARIA", "POR DEFECTO")
"""Words of a coordinate-status column (``estado_coord``, ``observacion``) that mark a point
that is not where the incident happened (folded, upper case, substring match)."""
FORCED_STATUS_GOOD: Final = ("ADECUADA", "CORREGID", "VALIDAD", "EXACT", "GPS", "CORRECT")
"""... and words that mark a good point even when a bad word also appears
(``"COORDENADA ADECUADA MANUALMENTE"``)."""
FORCED_MIN_ROWS: Final = 20
"""A coordinate is examined as a possible forced or filler point when it holds this many rows."""
FORCED_MIN_STREETS: Final = 10
"""... and this many distinct written streets (or zones); a busy place with one address (a
market) is never flagged."""
FORCED_FAR_M: Final = 400.0
"""A street written at a point is *far* when none of its known points elsewhere lies within
this many metres of the point."""
FORCED_FAR_SHARE: Final = 0.5
"""A point is forced when at least this share of its checkable streets are far..."""
FORCED_MIN_CHECKED: Final = 5
"""... and at least this many of its streets could be checked; otherwise it is forced only when
it holds ``FORCED_BLIND_MIN_STREETS`` distinct streets."""
FORCED_BLIND_MIN_STREETS: Final = 50
"""Distinct streets on one coordinate that no real place has (used when the streets cannot be
checked against other points)."""
FORCED_COMISARIA_RADIUS_M: Final = 30.0
"""A coordinate this close to a known comisaría ..."""
FORCED_COMISARIA_MIN_ROWS: Final = 5
"""... holding this many rows is a comisaría centroid."""
GEOCODE_EXTRAPOLATION_NODES: Final = 4
"""Known cuadras at a street's end used to fit its direction and spacing when extrapolating."""
GEOCODE_VIA_EXTRAPOLATION_BLOCKS: Final = 30.0
"""Beyond ``GEOCODE_MAX_EXTRAPOLATION_BLOCKS`` and up to this many cuadras, an extrapolated
point is still given, with precision ``via``."""
GEOCODE_PARALLEL_M: Final = 400.0
"""The same cuadra of another street of the district, this close to a street's line, helps place
an interpolated cuadra of that street (numbering in step across a grid)."""
GEOCODE_ONTO_LINE_M: Final = 60.0
"""A point estimated from a street's known blocks moves onto the street's line (a street layer)
when the line passes within this many metres."""
GEOCODE_TYPE_MERGE_M: Final = 1500.0
"""Points of one street name written with different types (``JR.``/``CALLE``) are one street
when their medians are this close; farther apart, they are different streets."""
FORCED_DISTRICT_SHARE: Final = 0.2
"""... or when one coordinate with ``FORCED_MIN_STREETS`` distinct streets holds this share of its
district's rows with points (no real place does)."""

# --- patrol operations --------------------------------------------------------------------
TRACK_RETENTION_DAYS: Final = 180
SAVED_PLANS_SHOWN: Final = 50
# --------------------------------------------------------------------------- ingest limits
# A file beyond these is refused (one Spanish line) or its row quarantined; they guard the
# store and every page against hostile or broken files, not normal exports.

#: Most columns a file may have (a 1 M-column header is refused, not parsed).
MAX_COLUMNS: Final = 2_000
#: Longest text of one mapped field, in UTF-8 bytes; a longer one quarantines its row
#: (``campo_demasiado_largo``).
MAX_FIELD_BYTES: Final = 2_000
#: Longest CSV line, in bytes; a longer line is quarantined (``campo_demasiado_largo``).
#: DuckDB sizes its read buffers from it: lowering it to 1 MB slowed reading by ~20 %.
MAX_LINE_BYTES: Final = 10_000_000
#: Characters of each raw field kept in the quarantine table (longer text is cut).
QUARANTINE_RAW_CHARS: Final = 200
#: Largest total uncompressed size of an ``.xlsx`` (a zip of XML parts), bytes.
XLSX_MAX_UNCOMPRESSED_BYTES: Final = 512 * 2**20
#: Largest uncompressed / compressed ratio of an ``.xlsx`` ...
XLSX_MAX_RATIO: Final = 50
#: ... checked once the uncompressed total exceeds this many bytes (small files may
#: compress well).
XLSX_RATIO_FROM_BYTES: Final = 20 * 2**20
# --------------------------------------------------------------------------- live incidents
# The ingest API (``python -m analytics serve-api``, :mod:`analytics.service`), near-repeat
# alerts (:mod:`analytics.alerts`) and the Alertas page.

#: Address and port the ingest API listens on (behind a TLS reverse proxy: docs/DEPLOYMENT.md).
API_HOST: Final = "127.0.0.1"
API_PORT: Final = 8600
#: Largest request body, bytes (checked while the body streams in: 413 past it).
API_MAX_BODY_BYTES: Final = 5 * 2**20
#: Most incidents in one post (422 past it; send larger batches as several posts or a file).
API_MAX_ROWS: Final = 10_000
#: Posts one token may make per window (429 with Retry-After past it) ...
API_RATE_LIMIT: Final = 6_000
#: ... window length, seconds (sliding).
API_RATE_WINDOW_S: Final = 60.0
#: Most incident rows the writer folds into one transaction (a group commit of several posts).
API_BATCH_MAX_ROWS: Final = 20_000
#: Pause of the writer after it lets the store's write lock go, seconds: longer than a waiting
#: reader's poll (``analytics._lock``, 50 ms), so the app's readers and a CLI import get the
#: store in it; posts gather meanwhile.
API_WRITER_GAP_S: Final = 0.06
#: Longest wait of a post for the store (e.g. while a CLI import writes) before a 503.
API_STORE_TIMEOUT_S: Final = 60.0
#: Days the audit rows of API posts (``api_posts``) are kept.
API_AUDIT_RETENTION_DAYS: Final = 365
#: Seconds a known token stays in the service's memory before it is read again (a revoked
#: token is refused at once anyway: every post checks it again inside its write).
API_TOKEN_CACHE_S: Final = 30.0

#: H3 resolution of alert cells (10: ~76 m edge, a block or two).
ALERT_RESOLUTION: Final = 10
#: Near-repeat rule used when a store has too few incidents of a prone type to measure it:
#: alert the cells within this distance (metres) ...
ALERT_DEFAULT_DISTANCE_M: Final = 200.0
#: ... for this many days after the incident.
ALERT_DEFAULT_DAYS: Final = 7
#: Crime types assumed prone to near repeats when the data are too thin (substrings of the
#: canonical type, accents removed): robberies, thefts and burglaries.
ALERT_PRONE_KEYWORDS: Final = ("robo", "hurto", "burglary", "robbery", "theft")
#: Knox test of each crime type: distance band edges, metres ...
ALERT_KNOX_DISTANCE_BANDS_M: Final = (0.0, 100.0, 200.0, 300.0, 400.0)
#: ... time band edges, days ...
ALERT_KNOX_TIME_BANDS_DAYS: Final = (0, 7, 14, 21, 28)
#: ... over this many days of history ...
ALERT_KNOX_HISTORY_DAYS: Final = 365
#: ... when the type has at least this many incidents in them (else the default rule) ...
ALERT_KNOX_MIN_INCIDENTS: Final = 200
#: ... with this many permutations (seeded: ``ALERT_KNOX_SEED``).
ALERT_KNOX_PERMUTATIONS: Final = 99
ALERT_KNOX_SEED: Final = 15
#: Cached Knox rules older than this many hours are recomputed (nightly by the service and
#: by ``python -m analytics alerts refresh``).
ALERT_RULES_MAX_AGE_H: Final = 24.0
#: The Alertas page refreshes itself every this many seconds.
LIVE_REFRESH_S: Final = 30
#: Incidents of the shift listed on the Alertas page (newest first).
LIVE_LAST_INCIDENTS: Final = 50
#: Most connections the API serves at once (uvicorn answers 503 past it).
API_MAX_CONNECTIONS: Final = 256
#: Longest time the API's writer keeps the store's write lock while posts keep coming, s.
API_WRITER_HOLD_S: Final = 1.0
#: While posts stream in, the alerts are rebuilt at most every this many seconds (and always
#: before the writer lets the store go, and before the API answers an alerts read).
ALERT_REFRESH_MIN_S: Final = 1.0
