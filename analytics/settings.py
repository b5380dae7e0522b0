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

ALPHA: Final = 0.05
PERMUTATIONS: Final = 999
NEAR_REPEAT_DISTANCE_M: Final = 100.0
NEAR_REPEAT_DAYS: Final = 7

PATROL_DWELL_MIN: Final = 15
PATROL_REVISIT_MIN: Final = 120
PATROL_SPEED_KMH: Final = 20.0
SOLVER_TIME_LIMIT_S: Final = 30.0

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
