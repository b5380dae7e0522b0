"""Seeded synthetic incidents for the demo, shaped like a Peruvian police export.

:func:`generate_incidents` returns a *raw* table, as a comisaría or a SIDPOL
extract would arrive, not the canonical model: Spanish headers, ``dd/mm/yyyy``
dates, ``HH:MM`` times, upper-case crime types. It goes through the normal
ingest (:func:`load_demo`), so the demo exercises the same path as real data.

Columns
-------
``id_denuncia`` (``LIM-2025-000123`` / ``TRU-…``), ``fecha_hecho`` (``dd/mm/yyyy``),
``hora_hecho`` (``HH:MM``), ``latitud``, ``longitud`` (WGS84, 6 decimals, empty
when missing), ``delito`` (a canonical type of ``settings.CRIME_TYPE_GROUP`` in
upper case, e.g. ``ROBO AGRAVADO``), ``modalidad``, ``distrito``, ``ubigeo``,
``direccion_hecho`` (the written address, house numbers and references included, see
below), ``comisaria``, ``estado_coord`` (``GEORREFERENCIADO``, ``SIN COORDENADA``,
``GEO FORZADA AL CENTROIDE DE COMISARIA``, ``COORDENADA ADECUADA MANUALMENTE``),
and two personal-data columns that the ingest must drop
(``dni_denunciante`` always ``00000000``, ``nombre_denunciante`` always
``ANÓNIMO``: obviously synthetic placeholders, never realistic personal data).

What the data contains
----------------------
- **Volume**: about 38 500 incidents for two years (``scale=1``), ~70 % Lima
  and Callao, ~30 % Trujillo. La Victoria is the densest Lima district.
- **Types**: SIDPOL-style (hurto, robo, robo agravado, extorsión, estafa,
  lesiones, violencia familiar, homicidio and sicariato (rare),
  microcomercialización de drogas, faltas, …), each with its own
  hour-of-day and weekday profile (hurto at market hours 10–13 and 17–20 on
  weekdays and Saturday; robo agravado evening and night; violencia familiar
  nights and weekends; extorsión daytime).
- **Places**: Gaussian hotspots around markets and commercial areas
  (Gamarra, La Parada, Mesa Redonda, Mercado Central, Av. Grau, Plaza Manco
  Cápac, …; Trujillo: Centro Histórico, Mercado Mayorista, La Hermelinda,
  El Porvenir, La Esperanza, …) over a diffuse background drawn uniformly
  inside the district polygons of ``data/boundaries/districts.geojson``.
  Coordinates are approximate, chosen for a plausible demo, not surveyed.
- **Time**: annual seasonality (December peak), slight upward trend,
  extorsión rising fast in Trujillo (about ×2 over two years), paydays (15th
  and last day of the month), Peruvian holidays (``holidays``, country PE)
  and more hurto near markets in the weeks before Christmas and Fiestas
  Patrias.
- **Near-repeats**: some robberies trigger follow-up robberies within ~200 m
  over the next one to two weeks.
- **Where, as police write it** (:mod:`analytics._demo_locations`): a Lima point
  within 120 m of a named street of central Lima (``data/streets``, OSM) moves onto
  it and is written from where it lies (``JR. GAMARRA 745``, ``AV. AVIACION CDRA.
  12``, ``JR. HUANUCO N° 820 INT. 3 REF. FRENTE AL MERCADO``, ``JR. X ESQ. AV. Y``;
  house numbers count metres from the street's start); a Trujillo point near a
  crossing or named node of the bus routes is written as that crossing or street;
  other points get a ``SECTOR n`` of a ~1 km grid, or nothing. About 30 % of the
  rows written at a street and 10 % of the others lose their point (``SIN
  COORDENADA``); most comisaría-stacked rows say ``GEO FORZADA AL CENTROIDE DE
  COMISARIA``. The ingest places them back from their address
  (``location_precision`` ``cuadra``, ``via``, ``zona`` or ``distrito``).
  ``generate_incidents(degrade=False)`` gives the same rows with every point.
- **Data problems**, few but present, for the data-quality panel: ~0.5 %
  rows without coordinates, ~0.1 % at (0, 0), ~0.05 % with latitude and
  longitude swapped, a few impossible dates or times, a handful of exact
  duplicate rows, and a comisaría effect: part of some types (mostly
  violencia familiar, estafa, faltas) geocoded exactly at the comisaría
  (stacked points). Each defect appears at least once in any non-trivial
  output.

District polygons come from ``analytics.geo.read_boundaries()``. Everything is
drawn from ``np.random.default_rng(seed)``: the same arguments
give the same table, independent of today's date. Lima and Trujillo are
~480 km apart, beyond the ingest's default study radius, so :func:`load_demo`
and :func:`write_demo` write one file per city (:func:`incidents_by_city`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analytics import _demo_locations, settings
from analytics._errors import IncidentSchemaError

if TYPE_CHECKING:
    from analytics.ingest import IngestReport, Progress

DEFAULT_SEED = 20241101
DEFAULT_START = "2024-11-01"
DEFAULT_END = "2026-11-01"
CITIES: tuple[str, ...] = ("lima", "trujillo")

#: Raw columns, in file order.
RAW_COLUMNS: tuple[str, ...] = (
    "id_denuncia", "fecha_hecho", "hora_hecho", "latitud", "longitud", "delito",
    "modalidad", "distrito", "ubigeo", "direccion_hecho", "comisaria", "estado_coord",
    "dni_denunciante", "nombre_denunciante",
)

#: Parameters of the committed sample ``data/sample/incidents_sample.csv``.
SAMPLE_PARAMS: Mapping[str, Any] = {
    "seed": 7, "start": "2025-01-01", "end": "2025-04-01", "cities": ("lima",), "scale": 0.17,
}

_CITY_CODE = {"lima": "LIM", "trujillo": "TRU"}
_M_PER_DEG = 111_320.0

# Shares of rows given each data problem (at least one of each when n >= 50).
_SHARE_NO_COORDS = 0.005
_SHARE_ZERO = 0.001
_SHARE_SWAPPED = 0.0005
_SHARE_BAD_DATE = 0.0003
_SHARE_DUPLICATE = 0.0004
_BAD_DATES = ("31/02/2025", "30/02/2026", "00/07/2025", "15/13/2025")
_BAD_TIMES = ("25:10", "19:75")


@dataclass(frozen=True)
class _CrimeType:
    """How one crime type is drawn."""

    name: str
    modalidades: tuple[tuple[str, float], ...]
    hours: tuple[tuple[float, float, float], ...]  # (centre hour, sd, weight) bumps
    floor: float = 0.05  # baseline weight of every hour
    weekday: tuple[float, ...] = (1, 1, 1, 1, 1, 1, 1)  # Monday..Sunday
    hotspot_share: float = 0.3
    kinds: tuple[tuple[str, float], ...] = (("market", 1), ("commercial", 1), ("barrio", 1))
    stacked: float = 0.02  # share geocoded at the comisaría
    payday: float = 1.0
    holiday: float = 1.0
    near_repeat: float = 0.0  # probability of triggering follow-ups
    pre_holiday: float = 0.0  # extra market rate before Christmas / Fiestas Patrias


_TYPES: tuple[_CrimeType, ...] = (
    _CrimeType("hurto",
               (("HURTO AL PASO", .3), ("CARTERISMO", .25), ("HURTO DE CELULAR", .3),
                ("HURTO EN MERCADO", .15)),
               ((11.5, 1.4, 1.0), (18.5, 1.4, 0.9)), floor=0.04,
               weekday=(1, 1, 1, 1, 1.1, 1.3, 0.6), hotspot_share=0.65,
               kinds=(("market", .6), ("commercial", .35), ("barrio", .05)),
               payday=1.3, holiday=0.85, pre_holiday=0.6),
    _CrimeType("hurto agravado",
               (("HURTO DE AUTOPARTES", .4), ("HURTO EN VIVIENDA", .35), ("HURTO EN BANDA", .25)),
               ((12, 3, 0.7), (20, 2.5, 1.0)), floor=0.1, hotspot_share=0.35,
               kinds=(("market", .4), ("commercial", .3), ("barrio", .3)),
               payday=1.2, near_repeat=0.1, pre_holiday=0.3),
    _CrimeType("robo",
               (("ARREBATO", .5), ("ROBO DE CELULAR", .5)),
               ((7, 1.2, 0.5), (20, 2.2, 1.0)), floor=0.06,
               weekday=(1, 1, 1, 1, 1.1, 1.2, 0.9), hotspot_share=0.5,
               kinds=(("market", .35), ("commercial", .35), ("barrio", .3)),
               payday=1.25, near_repeat=0.12, pre_holiday=0.3),
    _CrimeType("robo agravado",
               (("ROBO A MANO ARMADA", .45), ("ROBO DE CELULAR CON ARMA", .25),
                ("ROBO EN TRANSPORTE PÚBLICO", .15), ("ROBO DE VEHÍCULO", .15)),
               ((6.5, 1.0, 0.35), (21, 2.5, 1.0)), floor=0.08,
               weekday=(1, 1, 1, 1, 1.15, 1.2, 0.9), hotspot_share=0.5,
               kinds=(("market", .25), ("commercial", .35), ("barrio", .4)),
               payday=1.3, near_repeat=0.15),
    _CrimeType("extorsión",
               (("COBRO DE CUPOS", .5), ("EXTORSIÓN A TRANSPORTISTAS", .25),
                ("EXTORSIÓN TELEFÓNICA", .25)),
               ((11, 3, 1.0),), floor=0.03,
               weekday=(1.1, 1.1, 1.1, 1.1, 1.1, 0.8, 0.5), hotspot_share=0.55,
               kinds=(("market", .45), ("commercial", .1), ("barrio", .45))),
    _CrimeType("estafa",
               (("ESTAFA TELEFÓNICA", .35), ("ESTAFA POR INTERNET", .4), ("CUENTO DEL TÍO", .25)),
               ((14, 3.5, 1.0),), floor=0.05,
               weekday=(1.1, 1.1, 1.1, 1.1, 1.1, 0.8, 0.6), hotspot_share=0.3,
               kinds=(("market", .5), ("commercial", .5)), stacked=0.2, payday=1.2),
    _CrimeType("usurpación", (("USURPACIÓN DE INMUEBLE", 1),), ((11, 3, 1.0),), floor=0.1,
               hotspot_share=0.05, kinds=(("barrio", 1),), stacked=0.1),
    _CrimeType("daños", (("DAÑOS A LA PROPIEDAD", 1),), ((22, 3, 1.0),), floor=0.15,
               hotspot_share=0.2),
    _CrimeType("lesiones",
               (("LESIONES LEVES", .8), ("LESIONES GRAVES", .2)),
               ((22.5, 2.5, 1.0), (15, 3, 0.3)), floor=0.08,
               weekday=(0.8, 0.8, 0.8, 0.9, 1.1, 1.5, 1.5), hotspot_share=0.35,
               kinds=(("commercial", .4), ("barrio", .6)), stacked=0.1, payday=1.15,
               holiday=1.4),
    _CrimeType("homicidio",
               (("HOMICIDIO CALIFICADO", .6), ("HOMICIDIO SIMPLE", .4)),
               ((23, 2.5, 1.0),), floor=0.1, weekday=(0.8, 0.8, 0.9, 0.9, 1.1, 1.4, 1.3),
               hotspot_share=0.3, kinds=(("barrio", 1),), stacked=0.0),
    _CrimeType("sicariato", (("ARMA DE FUEGO", 1),), ((20, 3, 1.0),), floor=0.15,
               hotspot_share=0.4, kinds=(("barrio", .7), ("market", .3)), stacked=0.0),
    _CrimeType("violencia familiar",
               (("VIOLENCIA FÍSICA", .45), ("VIOLENCIA PSICOLÓGICA", .45),
                ("VIOLENCIA ECONÓMICA", .1)),
               ((23, 2.5, 1.0), (14, 3, 0.25)), floor=0.06,
               weekday=(0.9, 0.85, 0.85, 0.9, 1.0, 1.35, 1.55), hotspot_share=0.15,
               kinds=(("barrio", 1),), stacked=0.3, payday=1.15, holiday=1.4),
    _CrimeType("secuestro", (("SECUESTRO AL PASO", .7), ("SECUESTRO EXTORSIVO", .3)),
               ((20, 3, 1.0),), floor=0.1, hotspot_share=0.3, kinds=(("commercial", .5),
                                                                    ("barrio", .5)),
               stacked=0.05),
    _CrimeType("tocamientos indebidos",
               (("EN VÍA PÚBLICA", .5), ("EN TRANSPORTE PÚBLICO", .5)),
               ((7.5, 1.2, 1.0), (18.5, 1.5, 1.0)), floor=0.05, hotspot_share=0.4,
               kinds=(("commercial", .6), ("market", .4)), stacked=0.1),
    _CrimeType("violación sexual", (("MAYOR DE EDAD", .7), ("MENOR DE EDAD", .3)),
               ((23, 3, 1.0),), floor=0.15, hotspot_share=0.1, kinds=(("barrio", 1),),
               stacked=0.25, holiday=1.2),
    _CrimeType("microcomercialización de drogas",
               (("PASTA BÁSICA DE COCAÍNA", .5), ("MARIHUANA", .5)),
               ((21, 2.5, 1.0),), floor=0.08, weekday=(0.9, 0.9, 1, 1, 1.1, 1.2, 1),
               hotspot_share=0.6, kinds=(("barrio", .7), ("commercial", .3))),
    _CrimeType("tenencia ilegal de armas", (("ARMA DE FUEGO SIN LICENCIA", 1),),
               ((22, 3, 1.0),), floor=0.1, hotspot_share=0.4, kinds=(("barrio", 1),)),
    _CrimeType("conducción en estado de ebriedad", (("ALCOHOLEMIA POSITIVA", 1),),
               ((2, 2, 1.0),), floor=0.04, weekday=(0.6, 0.6, 0.7, 0.8, 1.3, 1.8, 1.6),
               hotspot_share=0.2, kinds=(("commercial", 1),), holiday=1.6),
    _CrimeType("falta contra el patrimonio", (("HURTO MENOR", 1),),
               ((12, 2, 1.0), (18, 2, 0.8)), floor=0.05, hotspot_share=0.5,
               kinds=(("market", .6), ("commercial", .4)), stacked=0.25, payday=1.2),
    _CrimeType("falta contra la persona", (("LESIÓN LEVE", .6), ("MALTRATO", .4)),
               ((21, 3, 1.0),), floor=0.1, weekday=(0.9, 0.9, 0.9, 0.9, 1.1, 1.3, 1.3),
               hotspot_share=0.2, kinds=(("barrio", 1),), stacked=0.3, holiday=1.3),
)

# Mean incidents per day at scale 1 (before seasonality, trends and effects).
_RATES: Mapping[str, Mapping[str, float]] = {
    "lima": {
        "hurto": 8.5, "hurto agravado": 1.8, "robo": 2.6, "robo agravado": 4.5,
        "extorsión": 1.2, "estafa": 2.5, "usurpación": 0.15, "daños": 0.4, "lesiones": 2.5,
        "homicidio": 0.08, "sicariato": 0.05, "violencia familiar": 4.0,
        "secuestro": 0.03, "tocamientos indebidos": 0.2, "violación sexual": 0.1,
        "microcomercialización de drogas": 1.0, "tenencia ilegal de armas": 0.3,
        "conducción en estado de ebriedad": 0.6, "falta contra el patrimonio": 1.0,
        "falta contra la persona": 0.8,
    },
    "trujillo": {
        "hurto": 3.2, "hurto agravado": 0.7, "robo": 1.2, "robo agravado": 1.8,
        "extorsión": 1.0, "estafa": 1.0, "usurpación": 0.1, "daños": 0.15, "lesiones": 1.0,
        "homicidio": 0.06, "sicariato": 0.08, "violencia familiar": 1.8,
        "secuestro": 0.02, "tocamientos indebidos": 0.07, "violación sexual": 0.05,
        "microcomercialización de drogas": 0.4, "tenencia ilegal de armas": 0.2,
        "conducción en estado de ebriedad": 0.3, "falta contra el patrimonio": 0.4,
        "falta contra la persona": 0.3,
    },
}

# Yearly relative growth per (city, type); "*" for every other type.
_TRENDS: Mapping[tuple[str, str], float] = {
    ("lima", "*"): 0.03, ("trujillo", "*"): 0.04,
    ("lima", "extorsión"): 0.15, ("trujillo", "extorsión"): 0.5,
    ("trujillo", "sicariato"): 0.2,
}

# (name, city, lat, lon, sigma in metres, weight, kind). Approximate places.
_HOTSPOTS: tuple[tuple[str, str, float, float, float, float, str], ...] = (
    ("Gamarra", "lima", -12.0665, -77.0130, 300, 10, "market"),
    ("La Parada", "lima", -12.0680, -77.0060, 250, 5, "market"),
    ("Mesa Redonda", "lima", -12.0500, -77.0260, 180, 3.5, "market"),
    ("Mercado Central", "lima", -12.0478, -77.0268, 180, 2.5, "market"),
    ("Av. Grau", "lima", -12.0580, -77.0270, 250, 2.5, "commercial"),
    ("Plaza Manco Cápac", "lima", -12.0705, -77.0295, 200, 3, "commercial"),
    ("Parque Cánepa", "lima", -12.0650, -77.0175, 250, 2.5, "commercial"),
    ("San Luis", "lima", -12.0720, -76.9990, 350, 2, "barrio"),
    ("El Agustino", "lima", -12.0430, -77.0000, 400, 2.5, "barrio"),
    ("Breña", "lima", -12.0600, -77.0530, 300, 1.5, "commercial"),
    ("Rímac", "lima", -12.0300, -77.0290, 350, 2, "barrio"),
    ("Av. Próceres SJL", "lima", -12.0050, -77.0000, 500, 2, "commercial"),
    ("Megaplaza", "lima", -11.9930, -77.0610, 400, 1.2, "commercial"),
    ("Parque Kennedy", "lima", -12.1219, -77.0297, 250, 0.8, "commercial"),
    ("Centro Histórico", "trujillo", -8.1116, -79.0288, 300, 6, "commercial"),
    ("Mercado Mayorista", "trujillo", -8.1190, -79.0210, 250, 4, "market"),
    ("La Hermelinda", "trujillo", -8.0985, -79.0170, 250, 4, "market"),
    ("El Porvenir", "trujillo", -8.0800, -79.0010, 500, 4, "barrio"),
    ("La Esperanza", "trujillo", -8.0740, -79.0450, 450, 4, "barrio"),
    ("Florencia de Mora", "trujillo", -8.0830, -79.0280, 200, 1.5, "barrio"),
    ("Víctor Larco", "trujillo", -8.1400, -79.0450, 300, 1.5, "commercial"),
)

# (name, lat, lon, geocoding multiplier: how much more often it stacks records).
# Districts without a named comisaría get "COMISARÍA <DISTRITO>" at a point inside them.
_COMISARIAS: tuple[tuple[str, float, float, float], ...] = (
    ("COMISARÍA LA VICTORIA", -12.0668, -77.0280, 3.5),
    ("COMISARÍA APOLO", -12.0735, -77.0200, 1.0),
    ("COMISARÍA SAN COSME", -12.0610, -77.0110, 1.5),
    ("COMISARÍA SAN LUIS", -12.0760, -76.9960, 1.0),
    ("COMISARÍA EL AGUSTINO", -12.0430, -76.9980, 1.5),
    ("COMISARÍA COTABAMBAS", -12.0530, -77.0290, 1.5),
    ("COMISARÍA ALFONSO UGARTE", -12.0560, -77.0400, 1.0),
    ("COMISARÍA MONSERRATE", -12.0480, -77.0380, 1.0),
    ("COMISARÍA BREÑA", -12.0590, -77.0500, 1.0),
    ("COMISARÍA RÍMAC", -12.0350, -77.0300, 1.0),
    ("COMISARÍA AYACUCHO", -8.1105, -79.0255, 1.2),
    ("COMISARÍA EL PORVENIR", -8.0830, -79.0050, 2.5),
    ("COMISARÍA LA ESPERANZA", -8.0760, -79.0430, 2.0),
    ("COMISARÍA FLORENCIA DE MORA", -8.0830, -79.0280, 1.0),
    ("COMISARÍA VÍCTOR LARCO", -8.1420, -79.0470, 1.0),
)

# Relative weight of each district in the diffuse background (default 1).
_DISTRICT_WEIGHTS: Mapping[str, float] = {
    "LA VICTORIA": 12, "LIMA": 7, "SAN LUIS": 3, "EL AGUSTINO": 4, "BREÑA": 3, "RIMAC": 4,
    "SAN JUAN DE LURIGANCHO": 5, "SAN MARTIN DE PORRES": 4, "ATE": 3, "COMAS": 3,
    "LOS OLIVOS": 2.5, "VILLA EL SALVADOR": 2.5, "SANTIAGO DE SURCO": 2, "CALLAO": 3,
    "MIRAFLORES": 2, "SANTA ANITA": 2, "SURQUILLO": 1.5, "INDEPENDENCIA": 2,
    "SAN JUAN DE MIRAFLORES": 2, "VILLA MARIA DEL TRIUNFO": 2,
    "PUNTA HERMOSA": 0.2, "PUNTA NEGRA": 0.2, "SAN BARTOLO": 0.2, "SANTA MARIA DEL MAR": 0.1,
    "PUCUSANA": 0.2, "LA PUNTA": 0.2, "SANTA ROSA": 0.3, "ANCON": 0.3, "CIENEGUILLA": 0.3,
    "CHACLACAYO": 0.4, "MI PERU": 0.5,
    "TRUJILLO": 8, "EL PORVENIR": 5, "LA ESPERANZA": 5, "FLORENCIA DE MORA": 2,
    "VICTOR LARCO HERRERA": 2.5, "HUANCHACO": 1.5, "MOCHE": 1, "LAREDO": 0.7,
    "SALAVERRY": 0.4, "POROTO": 0.1, "SIMBAL": 0.1,
}


def _validate_args(start: pd.Timestamp | None, end: pd.Timestamp | None,
                   cities: Sequence[str], scale: float) -> None:
    problems = []
    if start is None or end is None:
        problems.append("las fechas de inicio y fin deben tener el formato AAAA-MM-DD")
    elif end <= start:
        problems.append(f"la fecha de fin ({end.date()}) debe ser posterior al inicio "
                        f"({start.date()})")
    unknown = [c for c in cities if c not in _CITY_CODE]
    if unknown or not cities:
        problems.append(f"ciudades no disponibles: {', '.join(map(str, unknown)) or '(ninguna)'}"
                        f" (use {', '.join(_CITY_CODE)})")
    if not (np.isfinite(scale) and scale > 0):
        problems.append(f"la escala debe ser un número positivo (se recibió {scale})")
    if problems:
        msg = "Parámetros de datos de demostración no válidos: " + "; ".join(problems) + "."
        raise IncidentSchemaError(msg)


def _parse_day(value: str | pd.Timestamp) -> pd.Timestamp | None:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        return None
    return None if pd.isna(ts) else ts.normalize()


def _hour_profile(t: _CrimeType) -> np.ndarray:
    h = np.arange(24, dtype=float)
    p = np.full(24, t.floor)
    for centre, sd, w in t.hours:
        d = np.abs(h - centre)
        d = np.minimum(d, 24 - d)
        p += w * np.exp(-0.5 * (d / sd) ** 2)
    out: np.ndarray = p / p.sum()
    return out


def _day_factors(days: pd.DatetimeIndex, t: _CrimeType, city: str,
                 holiday_mask: np.ndarray) -> np.ndarray:
    """Relative daily rate of type ``t`` in ``city`` (weekday, season, trend, paydays...)."""
    years = (days - days[0]).days.to_numpy() / 365.25
    trend = _TRENDS.get((city, t.name), _TRENDS[(city, "*")])
    f = np.asarray(t.weekday, dtype=float)[days.day_of_week.to_numpy()]
    f = f * (1 + 0.07 * np.cos(2 * np.pi * (days.day_of_year.to_numpy() - 350) / 365.25))
    f = f * (1 + trend * years)
    dom = days.day.to_numpy()
    last = days.days_in_month.to_numpy()
    payday = (dom == 15) | (dom == last)
    after = (dom == 16) | (dom == 1)
    f = np.where(payday, f * t.payday, f)
    f = np.where(after, f * (1 + (t.payday - 1) / 2), f)
    out: np.ndarray = np.where(holiday_mask, f * t.holiday, f)
    return out


def _pre_holiday_ramp(days: pd.DatetimeIndex) -> np.ndarray:
    """0–1 ramp over the 3 weeks before Christmas (24 Dec) and Fiestas Patrias (27 Jul)."""
    m = days.month.to_numpy()
    d = days.day.to_numpy()
    ramp = np.zeros(len(days))
    xmas = (m == 12) & (d >= 3) & (d <= 24)
    ramp[xmas] = (d[xmas] - 2) / 22
    fp = (m == 7) & (d >= 6) & (d <= 27)
    ramp[fp] = (d[fp] - 5) / 22
    return ramp


def _sample_in_polygons(rng: np.random.Generator, geoms: Sequence[Any], district: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points inside ``geoms[district[i]]`` (rejection sampling, vectorised)."""
    import shapely

    lat = np.empty(district.size)
    lon = np.empty(district.size)
    for k in np.unique(district):
        idx = np.flatnonzero(district == k)
        geom = geoms[k]
        minx, miny, maxx, maxy = geom.bounds
        fill = max(geom.area / ((maxx - minx) * (maxy - miny)), 0.05)
        got_x: list[np.ndarray] = []
        got_y: list[np.ndarray] = []
        need = idx.size
        while need > 0:
            m = int(need / fill * 1.3) + 16
            x = np.round(rng.uniform(minx, maxx, m), 6)
            y = np.round(rng.uniform(miny, maxy, m), 6)
            ok = shapely.contains_xy(geom, x, y)
            got_x.append(x[ok][:need])
            got_y.append(y[ok][:need])
            need -= int(min(ok.sum(), need))
        lon[idx] = np.concatenate(got_x)
        lat[idx] = np.concatenate(got_y)
    return lat, lon


def _locate(tree: Any, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Index of the district polygon holding each point, -1 outside every polygon."""
    import shapely

    out = np.full(lat.size, -1, dtype=np.int64)
    if lat.size == 0:
        return out
    hits = tree.query(shapely.points(lon, lat), predicate="within")
    # Keep the first polygon for points on a shared edge.
    order = np.argsort(hits[0], kind="stable")[::-1]
    out[hits[0][order]] = hits[1][order]
    return out


def _jitter_inside(rng: np.random.Generator, tree: Any, alat: np.ndarray, alon: np.ndarray,
                   sigma_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gaussian points around anchors, redrawn until inside a district (else the anchor)."""
    lat = np.empty(alat.size)
    lon = np.empty(alat.size)
    district = np.full(alat.size, -1, dtype=np.int64)
    todo = np.arange(alat.size)
    for _ in range(8):
        if todo.size == 0:
            break
        s = sigma_m[todo] / _M_PER_DEG
        la = np.round(alat[todo] + rng.normal(0, 1, todo.size) * s, 6)
        lo = np.round(alon[todo] + rng.normal(0, 1, todo.size) * s
                      / np.cos(np.radians(alat[todo])), 6)
        d = _locate(tree, la, lo)
        lat[todo], lon[todo], district[todo] = la, lo, d
        todo = todo[d < 0]
    if todo.size:
        lat[todo], lon[todo] = alat[todo], alon[todo]
        district[todo] = _locate(tree, lat[todo], lon[todo])
    return lat, lon, district


def generate_incidents(*, seed: int = DEFAULT_SEED, start: str | pd.Timestamp = DEFAULT_START,
                       end: str | pd.Timestamp = DEFAULT_END,
                       cities: Sequence[str] = CITIES, scale: float = 1.0,
                       degrade: bool = True) -> pd.DataFrame:
    """Synthetic raw incidents, as a Peruvian police export would look.

    Parameters
    ----------
    seed
        Seed of the only random generator used; same arguments, same table.
    start, end
        First day included and first day excluded (``YYYY-MM-DD``).
    cities
        Any of ``"lima"`` (Lima and Callao) and ``"trujillo"``.
    scale
        Volume multiplier (1 gives about 38 500 rows for two years, both cities).
    degrade
        Blank part of the points and write the coordinate status as a police
        export would (the default). ``False`` gives the same rows with every
        point the generator drew (the truth the geocoder is measured against).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`RAW_COLUMNS`, all text except ``latitud`` and
        ``longitud`` (float, NaN when missing), sorted by city and time, with
        the deliberate data problems described in the module notes.
    """
    import holidays
    import shapely

    from analytics import geo

    t0, t1 = _parse_day(start), _parse_day(end)
    cities = (cities,) if isinstance(cities, str) else tuple(dict.fromkeys(cities))
    _validate_args(t0, t1, cities, float(scale))
    assert t0 is not None and t1 is not None
    rng = np.random.default_rng(seed)
    # independent streams for the written addresses and the lost points, so that
    # degrade=False gives the same rows as degrade=True
    addr_rng, loss_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    days = pd.date_range(t0, t1, freq="D", inclusive="left")
    hol = holidays.country_holidays("PE", years=range(t0.year, t1.year + 1))
    holiday_mask = np.isin(days.date, np.array(sorted(hol), dtype=object))
    ramp = _pre_holiday_ramp(days)

    bounds = geo.read_boundaries()
    bounds = bounds[bounds["city"].isin(cities)].reset_index(drop=True)
    geoms = list(bounds.geometry)
    tree = shapely.STRtree(geoms)
    b_city = bounds["city"].to_numpy()
    b_weight = np.array([_DISTRICT_WEIGHTS.get(d, 1.0) for d in bounds["district"]])

    hs = [h for h in _HOTSPOTS if h[1] in cities]
    hs_city = np.array([h[1] for h in hs])
    hs_lat = np.array([h[2] for h in hs])
    hs_lon = np.array([h[3] for h in hs])
    hs_sigma = np.array([h[4] for h in hs], dtype=float)
    hs_weight = np.array([h[5] for h in hs], dtype=float)
    hs_kind = np.array([h[6] for h in hs])

    # 1. Counts per day for each (city, type) and the pre-holiday market surge.
    parts_city, parts_type, parts_day, parts_surge = [], [], [], []
    for ci, city in enumerate(cities):
        for ti, t in enumerate(_TYPES):
            lam = _RATES[city][t.name] * scale * _day_factors(days, t, city, holiday_mask)
            for is_surge, rate in ((False, lam), (True, lam * t.pre_holiday * ramp)):
                if is_surge and t.pre_holiday == 0:
                    continue
                per_day = rng.poisson(rate)
                k = int(per_day.sum())
                parts_city.append(np.full(k, ci))
                parts_type.append(np.full(k, ti))
                parts_day.append(np.repeat(np.arange(days.size), per_day))
                parts_surge.append(np.full(k, is_surge))
    city_i = np.concatenate(parts_city)
    type_i = np.concatenate(parts_type)
    day_i = np.concatenate(parts_day)
    surge = np.concatenate(parts_surge)
    n = city_i.size

    # 2. Place: a hotspot (Gaussian around it) or the diffuse district background.
    share = np.array([t.hotspot_share for t in _TYPES])[type_i]
    at_hotspot = surge | (rng.random(n) < share)
    hot_i = np.full(n, -1, dtype=np.int64)
    for ci, city in enumerate(cities):
        for ti, t in enumerate(_TYPES):
            for sg in (False, True):
                m = np.flatnonzero(at_hotspot & (city_i == ci) & (type_i == ti) & (surge == sg))
                if m.size == 0:
                    continue
                kinds = {"market": 1.0} if sg else dict(t.kinds)
                w = hs_weight * np.array([kinds.get(k, 0.0) for k in hs_kind]) \
                    * (hs_city == city)
                hot_i[m] = rng.choice(len(hs), size=m.size, p=w / w.sum())
    lat = np.empty(n)
    lon = np.empty(n)
    dist_i = np.empty(n, dtype=np.int64)
    bg = np.flatnonzero(~at_hotspot)
    bg_d = np.empty(bg.size, dtype=np.int64)
    for ci, city in enumerate(cities):
        m = city_i[bg] == ci
        w = b_weight * (b_city == city)
        bg_d[m] = rng.choice(len(geoms), size=int(m.sum()), p=w / w.sum())
    lat[bg], lon[bg] = _sample_in_polygons(rng, geoms, bg_d)
    dist_i[bg] = bg_d
    hot = np.flatnonzero(at_hotspot)
    hi = hot_i[hot]
    lat[hot], lon[hot], dist_i[hot] = _jitter_inside(rng, tree, hs_lat[hi], hs_lon[hi],
                                                     hs_sigma[hi])

    # 3. Near-repeats: follow-ups within ~200 m over the next two weeks.
    nr = np.array([t.near_repeat for t in _TYPES])[type_i]
    parents = np.flatnonzero(rng.random(n) < nr)
    kids = rng.poisson(1.3, parents.size)
    par = np.repeat(parents, kids)
    delay = np.ceil(rng.exponential(4.0, par.size)).astype(np.int64)
    keep = (delay <= 14) & (day_i[par] + delay < days.size)
    par, delay = par[keep], delay[keep]
    klat, klon, kdist = _jitter_inside(rng, tree, lat[par], lon[par],
                                       np.full(par.size, 70.0))
    city_i = np.concatenate([city_i, city_i[par]])
    type_i = np.concatenate([type_i, type_i[par]])
    day_i = np.concatenate([day_i, day_i[par] + delay])
    lat = np.concatenate([lat, klat])
    lon = np.concatenate([lon, klon])
    dist_i = np.concatenate([dist_i, kdist])
    n = city_i.size

    # 4. Time of day from each type's hour profile.
    hour = np.empty(n, dtype=np.int64)
    for ti, t in enumerate(_TYPES):
        m = np.flatnonzero(type_i == ti)
        hour[m] = np.searchsorted(np.cumsum(_hour_profile(t)), rng.random(m.size) * 0.999999,
                                  side="right")
    minute = rng.integers(0, 60, n)

    # 4b. The written address: points near a named street move onto it (_demo_locations).
    lat, lon, address, addr_kind = _demo_locations.write_addresses(
        addr_rng, lat, lon, np.array(cities, dtype=object)[city_i],
        bounds["district"].to_numpy(dtype=object)[np.maximum(dist_i, 0)])

    # 5. Comisaría of each row (nearest in its district) and the stacking effect.
    c_names, c_lat, c_lon, c_mult = [], [], [], []
    for name, la, lo, mult in _COMISARIAS:
        c_names.append(name)
        c_lat.append(la)
        c_lon.append(lo)
        c_mult.append(mult)
    c_lat_a, c_lon_a = np.array(c_lat), np.array(c_lon)
    c_dist = _locate(tree, c_lat_a, c_lon_a)
    keep_c = c_dist >= 0
    c_names = [c for c, k in zip(c_names, keep_c, strict=True) if k]
    c_lat_a, c_lon_a, c_dist = c_lat_a[keep_c], c_lon_a[keep_c], c_dist[keep_c]
    c_mult_a = np.array(c_mult)[keep_c]
    for k in np.setdiff1d(np.arange(len(geoms)), c_dist):
        p = geoms[k].representative_point()
        c_names.append(f"COMISARÍA {bounds['district'].iloc[k]}")
        c_lat_a = np.append(c_lat_a, round(p.y, 4))
        c_lon_a = np.append(c_lon_a, round(p.x, 4))
        c_dist = np.append(c_dist, k)
        c_mult_a = np.append(c_mult_a, 1.0)
    same = dist_i[:, None] == c_dist[None, :]
    d2 = (lat[:, None] - c_lat_a[None, :]) ** 2 + (lon[:, None] - c_lon_a[None, :]) ** 2
    com_i = np.argmin(np.where(same, d2, np.inf), axis=1)
    stack_p = np.array([t.stacked for t in _TYPES])[type_i] * c_mult_a[com_i]
    stacked = rng.random(n) < stack_p
    lat = np.where(stacked, c_lat_a[com_i], lat)
    lon = np.where(stacked, c_lon_a[com_i], lon)

    # 6. Sort, number and format as the export would.
    occurred = days.values[day_i] + (hour * 60 + minute).astype("timedelta64[m]")
    order = np.lexsort((occurred, city_i))
    city_i, type_i, occurred = city_i[order], type_i[order], occurred[order]
    lat, lon, dist_i, com_i = lat[order], lon[order], dist_i[order], com_i[order]
    address, addr_kind, stacked = address[order], addr_kind[order], stacked[order]
    ts = pd.DatetimeIndex(occurred)
    code = np.array([_CITY_CODE[c] for c in cities])[city_i]
    year = ts.year.to_numpy()
    seq = pd.Series(np.ones(n, dtype=np.int64)).groupby([city_i, year]).cumsum().to_numpy()
    ids = pd.Series(code).str.cat(pd.Series(year.astype(str)), sep="-").str.cat(
        pd.Series(seq).map("{:06d}".format), sep="-")
    modal = np.empty(n, dtype=object)
    for ti, t in enumerate(_TYPES):
        m = np.flatnonzero(type_i == ti)
        names = [x for x, _ in t.modalidades]
        w = np.array([p for _, p in t.modalidades], dtype=float)
        modal[m] = np.array(names, dtype=object)[rng.choice(len(names), m.size, p=w / w.sum())]
    frame = pd.DataFrame({
        "id_denuncia": ids.to_numpy(),
        "fecha_hecho": ts.strftime("%d/%m/%Y"),
        "hora_hecho": ts.strftime("%H:%M"),
        "latitud": lat,
        "longitud": lon,
        "delito": np.array([t.name.upper() for t in _TYPES], dtype=object)[type_i],
        "modalidad": modal,
        "distrito": bounds["district"].to_numpy()[dist_i],
        "ubigeo": bounds["ubigeo"].to_numpy()[dist_i],
        "direccion_hecho": address,
        "comisaria": np.array(c_names, dtype=object)[com_i],
        "estado_coord": _demo_locations.STATUS_OK,
        "dni_denunciante": "00000000",
        "nombre_denunciante": "ANÓNIMO",
    })
    if degrade:  # before the data problems: a duplicated row repeats its original exactly
        d_lat, d_lon, status = _demo_locations.degrade(loss_rng, lat, lon, addr_kind, stacked)
        frame = frame.assign(latitud=d_lat, longitud=d_lon, estado_coord=status)
    return _add_data_problems(rng, frame)


def _defect_count(share: float, n: int) -> int:
    return max(1, round(share * n)) if n >= 50 else 0


def _add_data_problems(rng: np.random.Generator, frame: pd.DataFrame) -> pd.DataFrame:
    """Blank, zero, swap and break a few rows; duplicate a handful."""
    n = len(frame)
    counts = [_defect_count(s, n) for s in
              (_SHARE_NO_COORDS, _SHARE_ZERO, _SHARE_SWAPPED, _SHARE_BAD_DATE, _SHARE_DUPLICATE)]
    picks = rng.permutation(n)[: sum(counts)]
    a, b, c, d, _ = np.cumsum(counts)
    no_xy, zero, swap, bad, dup = picks[:a], picks[a:b], picks[b:c], picks[c:d], picks[d:]
    lat = frame["latitud"].to_numpy().copy()
    lon = frame["longitud"].to_numpy().copy()
    lat[no_xy] = np.nan
    lon[no_xy] = np.nan
    lat[zero] = 0.0
    lon[zero] = 0.0
    lat[swap], lon[swap] = lon[swap].copy(), lat[swap].copy()
    out = frame.assign(latitud=lat, longitud=lon)
    fecha = out["fecha_hecho"].to_numpy(dtype=object).copy()
    hora = out["hora_hecho"].to_numpy(dtype=object).copy()
    for j, row in enumerate(np.sort(bad)):
        if j % 3 == 2:
            hora[row] = _BAD_TIMES[j % len(_BAD_TIMES)]
        else:
            fecha[row] = _BAD_DATES[j % len(_BAD_DATES)]
    out["fecha_hecho"] = pd.array(fecha, dtype="str")
    out["hora_hecho"] = pd.array(hora, dtype="str")
    # Exact duplicates sit right after their original, as a re-exported record would.
    idx = np.sort(np.concatenate([np.arange(n), dup]), kind="stable")
    return out.iloc[idx].reset_index(drop=True)


def incidents_by_city(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Split a generated table per city (Trujillo rows have ubigeo ``13…``).

    The two cities are farther apart than the ingest's default study radius,
    so each must be its own file.
    """
    trujillo = raw["ubigeo"].astype("str").str.startswith("13").to_numpy()
    out = {"lima": raw[~trujillo], "trujillo": raw[trujillo]}
    return {k: v.reset_index(drop=True) for k, v in out.items() if len(v)}


def _city_paths(path: Path, cities: Sequence[str]) -> dict[str, Path]:
    if len(cities) == 1:
        return {cities[0]: path}
    suffix = "".join(path.suffixes) or ".csv"
    stem = path.name[: len(path.name) - len("".join(path.suffixes))] or "demo"
    return {c: path.with_name(f"{stem}_{c}{suffix}") for c in cities}


def write_demo(path: str | Path, *, seed: int = DEFAULT_SEED,
               start: str | pd.Timestamp = DEFAULT_START, end: str | pd.Timestamp = DEFAULT_END,
               cities: Sequence[str] = CITIES, scale: float = 1.0) -> list[Path]:
    """Generate and write the raw demo table, one file per city.

    With one city the table goes to ``path``; with several, to
    ``<stem>_<city><suffix>`` beside it (e.g. ``demo_lima.csv``). The format
    follows the suffix (see ``analytics.files.write_table``).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from analytics import files

    raw = generate_incidents(seed=seed, start=start, end=end, cities=cities, scale=scale)
    parts = incidents_by_city(raw)
    targets = _city_paths(Path(path), [c for c in dict.fromkeys(cities) if c in parts])
    for city, target in targets.items():
        files.write_table(parts[city], target)
    return list(targets.values())


def load_demo(*, db: str | Path | None = None, seed: int = DEFAULT_SEED, if_empty: bool = True,
              scale: float = 1.0, progress: Progress | None = None) -> IngestReport | None:
    """Generate the demo incidents and ingest them through the normal ingest.

    Parameters
    ----------
    db
        Store path (``None``: the default store).
    seed
        Seed of the generator.
    if_empty
        Load only when the store holds no incident; otherwise return ``None``.
    scale
        Volume multiplier of the generator.
    progress
        Called with ``(fraction 0–1, Spanish message)``, as ``analytics.ingest.ingest_files``.

    Returns
    -------
    analytics.ingest.IngestReport or None
        The ingest report (``rows_read == accepted + duplicates + quarantined``),
        or ``None`` when the store already had incidents and ``if_empty``.
    """
    from analytics import ingest, store

    if if_empty:
        con = store.connect(db)
        try:
            n = store.incident_count(con)
        finally:
            con.close()
        if n > 0:
            return None
    if progress is not None:
        progress(0.0, "Generando datos de demostración (Lima y Trujillo, dos años)…")
    with tempfile.TemporaryDirectory(prefix="vigia_demo_") as tmp:
        paths = write_demo(Path(tmp) / "demo.csv", seed=seed, scale=scale)
        return ingest.ingest_files(paths, db=db, source="demo", tz=settings.TIMEZONE,
                                progress=progress)
