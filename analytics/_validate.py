"""Validation rules shared by ingest and the analytics entry points.

Header recognition, personal-data columns, crime-type classification,
coordinate checks (study area, swapped lat/lon, (0, 0)), stacked points, and
:func:`validate_incidents` for canonical frames. Everything is vectorised
(numpy) or works on distinct values only; nothing loops over rows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analytics import geo, settings
from analytics._errors import IncidentSchemaError

#: Quarantine reason key -> Spanish explanation (shown to users, documented in data/README.md).
REASONS: Mapping[str, str] = {
    "fila_malformada": "La fila no tiene la forma de la tabla (columnas de más o comillas rotas; "
                       "en GeoJSON, un elemento que no es un Feature válido).",
    "campo_demasiado_largo": "Un campo (o la línea entera) supera el largo máximo; en la "
                             "cuarentena se guarda recortado.",
    "fecha_faltante": "Sin fecha (ni fecha y hora).",
    "fecha_invalida": "Fecha u hora imposible o ilegible (p. ej. 31/02/2025, antes de 1970).",
    "fecha_futura": "Fecha posterior al momento de la importación.",
    "hora_faltante": "El archivo tiene columna de hora, pero esta fila no trae hora.",
    "hora_invalida": "Hora ilegible (p. ej. 25:70).",
    "sin_ubicacion": "Sin punto, sin dirección utilizable y sin distrito: no se puede contar "
                     "en ningún lugar.",
    "coordenadas_faltantes": "Sin latitud o sin longitud (importaciones anteriores: hoy una "
                             "fila así se acepta si trae distrito o dirección).",
    "numero_invalido": "Latitud o longitud que no es un número.",
    "coordenadas_cero": "Coordenadas (0, 0): punto sin geocodificar.",
    "coordenadas_invalidas": "Latitud fuera de ±90 o longitud fuera de ±180 (también invertidas).",
    "fuera_del_area": "Punto fuera del área de estudio (radio alrededor de la mediana, "
                      "recuadro o polígono configurado).",
}

#: Numeric codes used internally while classifying rows (0 = no problem).
REASON_CODES: tuple[str, ...] = ("",) + tuple(REASONS)

#: Canonical field -> recognised headers (normalised: lower-case, no accents,
#: non-alphanumerics as ``_``), best first.
FIELD_SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "incident_id": ("incident_id", "id_incidente", "id", "nro_denuncia", "numero_denuncia",
                    "n_denuncia", "num_denuncia", "nro_incidencia", "id_denuncia", "dc_key",
                    "codigo", "cod_incidencia", "id_hecho", "objectid", "object_id"),
    "occurred_at": ("occurred_at", "fecha_hora", "fecha_y_hora", "fechahora", "fecha_hora_hecho",
                    "fecha_hora_ocurrencia", "datetime", "date_time", "timestamp", "ts_local",
                    "ts", "dispatch_date_time"),
    "date": ("fecha", "fecha_hecho", "f_hecho", "fec_hecho", "fecha_ocurrencia",
             "fecha_incidente", "fecha_del_hecho", "date", "dispatch_date", "fecha_registro",
             "fecha_denuncia"),
    "time": ("hora", "hora_hecho", "h_hecho", "hora_ocurrencia", "hora_incidente",
             "hora_del_hecho", "time", "dispatch_time", "hora_registro", "hora_denuncia"),
    "lat": ("lat", "latitud", "latitude", "lat_hecho", "latitud_hecho", "y", "point_y",
            "coord_y", "coordenada_y"),
    "lon": ("lon", "lng", "long", "longitud", "longitude", "lon_hecho", "longitud_hecho", "x",
            "point_x", "coord_x", "coordenada_x"),
    "crime_type": ("crime_type", "delito", "tipo", "tipo_delito", "tipo_de_delito",
                   "delito_generico", "generico", "categoria", "tipo_hecho", "tipo_incidencia",
                   "incidencia", "text_general_code", "offense", "offense_type", "crime"),
    "crime_subtype": ("crime_subtype", "subtipo", "sub_tipo", "subtipo_delito",
                      "delito_especifico", "subgenerico", "delito_subgenerico", "subcategoria"),
    "modalidad": ("modalidad", "modalidades", "p_modalidades", "modalidad_delito"),
    "district": ("district", "distrito", "dist_hecho", "distrito_hecho", "nombre_distrito",
                 "police_district", "dc_dist", "distrito_fiscal"),
    "ubigeo": ("ubigeo", "ubigeo_hecho", "cod_ubigeo", "codigo_ubigeo", "ubigeo_distrito"),
    # Where it happened, as written (never stored as written: see analytics.address).
    "address": ("direccion_hecho", "direccion", "dir_hecho", "direccion_del_hecho",
                "direccion_ocurrencia", "direccion_incidente", "lugar_hecho", "lugar_del_hecho",
                "location_block", "block_address", "address", "ubicacion_hecho"),
    "street_type": ("tipo_via_hecho", "tipo_via", "tipo_de_via", "tipovia", "street_type"),
    "block": ("cuadra_hecho", "cuadra", "cdra", "cdra_hecho", "nro_cuadra", "cuadra_del_hecho"),
    "zone": ("urbanizacion_hecho", "urbanizacion", "urb_hecho", "zona_hecho", "aahh",
             "asentamiento_humano", "sector_hecho", "barrio", "neighborhood", "neighbourhood"),
    "location_status": ("estado_coord", "estado_coordenada", "estado_coordenadas", "estado_geo",
                        "estado_georreferencia", "estado_ubicacion", "georreferencia",
                        "observacion_coord", "obs_coord", "observacion_geo",
                        "tipo_georreferencia", "calidad_coordenada", "coord_status",
                        "geocode_status"),
}

#: Fields that tell where an incident happened without a point (any one of them, or a
#: district or ubigeo, lets a file without coordinates be imported).
ADDRESS_FIELDS: tuple[str, ...] = ("address", "street_type", "block", "zone")

#: Free-text headers that may hold the coordinate status instead (``OBSERVACION`` in
#: MININTER's files: "GEO FORZADA AL CENTROIDE DE COMISARIA"); read only when their
#: values look like a status (:func:`status_like`), and never stored.
STATUS_FREE_TEXT_HEADERS: tuple[str, ...] = ("observacion", "observaciones", "obs")

#: Fields a ``--map campo=columna`` may name.
MAPPABLE_FIELDS: tuple[str, ...] = tuple(FIELD_SYNONYMS)

_PII_TOKENS = frozenset({
    "nombre", "nombres", "apellido", "apellidos", "ape", "paterno", "materno", "dni",
    "documento", "doc", "pasaporte", "telefono", "tel", "celular", "cel", "movil", "fono",
    "correo", "email", "mail", "denunciante", "agraviado", "agraviada", "agraviados",
    "victima", "victim", "victims", "phone", "name", "names", "surname", "firstname",
    "lastname", "domicilio", "ssn", "imputado", "denunciado", "testigo",
    # identifiers of people and their property
    "ruc", "placa", "placas", "carnet", "licencia", "brevete", "plate",
    # free text, which holds names, documents and addresses as often as not
    "observacion", "observaciones", "obs", "detalle", "detalles", "relato", "relatos",
    "descripcion", "narracion", "narrativa", "comentario", "comentarios", "nota", "notas",
    "sumilla", "description", "narrative", "comment", "comments", "notes",
})
_PII_COMPOUND = ("e_mail", "first_name", "last_name", "direccion_victima",
                 "direccion_del_agraviado", "direccion_denunciante", "direccion_agraviado",
                 "victim_address", "home_address", "nro_doc", "num_doc", "numero_documento")


# --------------------------------------------------------------------------- personal data in text

#: Given names common in Peru, used to find a name after "a"/"de" in free text. Names
#: that are also words of crime texts or place names (Luz, Flor, Victoria, Carmen, Jesús,
#: Magdalena, Segundo, Santos, Ángel) are left out on purpose.
_GIVEN_NAMES = frozenset("""
JUAN JOSE LUIS CARLOS JORGE MIGUEL PEDRO MANUEL VICTOR CESAR JULIO RAUL DAVID DANIEL
FERNANDO RICARDO ROBERTO MARIO JAVIER ALEJANDRO FRANCISCO ANTONIO EDUARDO ALBERTO OSCAR
WILLIAM WILSON KEVIN BRYAN JHON JOHN JHONATAN JONATHAN CRISTIAN CHRISTIAN DIEGO ANDRES
PABLO SERGIO HUGO HECTOR FREDDY ERICK ERIK EDWIN ALEX ALEXANDER RENZO GIANCARLO PERCY
WALTER ELMER NESTOR TEODORO FELIX ROGER RUBEN RONALD MARCO MARCOS GUSTAVO ENRIQUE ARTURO
ALFREDO ADRIAN MARTIN IVAN OMAR HENRY JAIME JULIAN RODRIGO ROSA MARIA ANA JUANA ELENA
GLORIA SONIA MARTHA MARTA PATRICIA ELIZABETH NANCY JULIA TERESA ROCIO SILVIA LUCIA SANDRA
MILAGROS DIANA KATHERINE ANDREA CAROLINA VERONICA MONICA LILIANA JESSICA YOLANDA GUADALUPE
PAOLA CLAUDIA NELLY LOURDES ISABEL ALICIA CECILIA BEATRIZ ESTHER RUTH NOEMI MERCEDES IRMA
ELSA HILDA GABRIELA VALERIA CAMILA SOFIA FERNANDA XIMENA KAREN KARINA MILAGRITOS YESENIA
""".split())

#: Words that end a name (articles, prepositions, crime vocabulary).
_NOT_NAME = frozenset("""
A AL DE DEL LA LAS LOS EL EN Y E O U CON SIN POR PARA SU SUS QUE QUIEN DNI CE RUC DOC
ROBO HURTO AGRAVADO AGRAVADA MANO ARMADA ARMA CELULAR VEHICULO DOMICILIO VIVIENDA
TRANSEUNTE MENOR MENORES EDAD AL PASO BANDA PLACA TELEFONO CELULAR CORREO DIRECCION CALLE
AV JR PASAJE ANOS SEXO NACIONALIDAD PERUANO PERUANA PASAPORTE CARNET
""".split())

_WORD = r"[A-ZÁÉÍÓÚÑÜ][A-ZÁÉÍÓÚÑÜ'-]+"
_WORDS = rf"{_WORD}(?:\s+{_WORD}){{0,3}}"
_FIXED_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[correo]"),
    # Document numbers after their label: DNI, carné de extranjería, pasaporte, RUC.
    (re.compile(r"\b(D\.?\s?N\.?\s?I\.?|C\.?\s?E\.?|CARN[EÉ]T?(?:\s+DE\s+EXTRANJER[IÍ]A)?|"
                r"PASAPORTE|R\.?U\.?C\.?)(\s*(?:N[°º.]?|NRO\.?|:|#|-)?\s*)[A-Z]?\d[\d-]{4,14}\b",
                re.IGNORECASE), r"\1\2[documento]"),
    # Peruvian plates: ABC-123, A1B-234 / A1B234, AB-1234, 1234-AB, or anything after "placa".
    (re.compile(r"\b(PLACA(?:\s+DE\s+RODAJE)?\s*(?:N[°º.]?|:|#)?\s*)[A-Z0-9]{2,4}-?[A-Z0-9]{3,4}\b",
                re.IGNORECASE), r"\1[placa]"),
    (re.compile(r"\b(?:[A-Z]{3}-\d{3}|[A-Z]\d[A-Z]-?\d{3}|[A-Z]{2}-\d{4}|\d{4}-[A-Z]{2})\b",
                re.IGNORECASE), "[placa]"),
    # Mobile phones: 9 digits starting with 9, maybe grouped 3-3-3.
    (re.compile(r"(?<!\d)9\d{2}[\s.-]?\d{3}[\s.-]?\d{3}(?!\d)"), "[teléfono]"),
    (re.compile(r"(?<!\d)\d{8}(?!\d)"), "[dni]"),
    (re.compile(r"(?<!\d)\d{9,12}(?!\d)"), "[documento]"),
)
#: A word announcing a person, then the name.
_LABELLED_NAME = re.compile(
    r"\b(AGRAVIAD[OA]S?|V[IÍ]CTIMAS?|DENUNCIANTES?|IMPUTAD[OA]S?|DETENID[OA]S?|INTERVENID[OA]S?|"
    r"NOMBRES?|SR\.|SRA\.|SE[ÑN]OR(?:A|ITA)?|DON|DO[ÑN]A)(\s*:?\s*)" + rf"({_WORDS})",
    re.IGNORECASE)
_ACCENTS = str.maketrans({"A": "[AÁ]", "E": "[EÉ]", "I": "[IÍ]", "O": "[OÓ]", "U": "[UÚÜ]"})
#: "a" / "de" then a common given name (and the words after it, checked by the masker).
_NAME_AFTER_A_DE = re.compile(
    r"\b(A|AL|DE|DEL)(\s+)((?:" + "|".join(n.translate(_ACCENTS) for n in sorted(_GIVEN_NAMES))
    + rf")\b(?:\s+{_WORD}){{0,3}})", re.IGNORECASE)
_MASK_TOKENS = ("[correo]", "[documento]", "[placa]", "[teléfono]", "[dni]", "[nombre]")


def _name_masker(*, given_name_first: bool) -> Callable[[re.Match[str]], str]:
    """Build the replacement function: mask the name words of a match, keep the rest."""
    def mask(m: re.Match[str]) -> str:
        words = m.group(3).split()
        first = strip_accents(words[0]).upper()
        if first in _NOT_NAME or (given_name_first and first not in _GIVEN_NAMES):
            return m.group(0)
        n = 1
        while n < len(words) and strip_accents(words[n]).upper() not in _NOT_NAME:
            n += 1
        return m.group(1) + (m.group(2) or " ") + "[nombre]" + "".join(" " + w
                                                                       for w in words[n:])
    return mask


_MASK_LABELLED = _name_masker(given_name_first=False)
_MASK_AFTER_A_DE = _name_masker(given_name_first=True)


def mask_personal_text(text: str) -> tuple[str, int]:
    """Mask personal data found inside a free-text value; return (text, masks applied).

    Masked, in this order: e-mail addresses; document numbers after their
    label (DNI, C.E./carné de extranjería, pasaporte, RUC); vehicle plates
    (after ``placa``, or shaped ``ABC-123``, ``A1B-234``, ``AB-1234``,
    ``1234-AB``); mobile phones (nine digits starting with 9); any other run
    of 8 digits (a DNI) or of 9–12 digits (a document); the name after a word
    announcing a person (``agraviado``, ``víctima``, ``denunciante``,
    ``imputado``, ``detenido``, ``intervenido``, ``nombre``, ``Sr./Sra.``,
    ``señor(a)``, ``don/doña``); and, after ``a``/``al``/``de``/``del``, a
    common Peruvian given name with the words that follow it up to an
    article, preposition or crime word (``ROBO A JUAN PEREZ`` → ``ROBO A
    [nombre]``). A name with no such cue is not recognised: there is no
    dictionary of surnames, and most crime texts are not names.
    """
    before = sum(text.count(t) for t in _MASK_TOKENS)
    for pattern, repl in _FIXED_MASKS:
        text = pattern.sub(repl, text)
    text = _LABELLED_NAME.sub(_MASK_LABELLED, text)
    text = _NAME_AFTER_A_DE.sub(_MASK_AFTER_A_DE, text)
    return text, sum(text.count(t) for t in _MASK_TOKENS) - before


def strip_accents(text: str) -> str:
    """``text`` without diacritics (``ñ`` becomes ``n``)."""
    nfkd = unicodedata.normalize("NFKD", text)
    return "".join(c for c in nfkd if not unicodedata.combining(c))


def normalize_header(name: Any) -> str:
    """Header key: lower-case, no accents, runs of non-alphanumerics as ``_``."""
    s = strip_accents(str(name)).lower().strip()
    s = re.sub(r"[^0-9a-z]+", "_", s)
    return s.strip("_")


def pii_columns(headers: Sequence[str], *, keep: Iterable[str] = ()) -> list[str]:
    """Headers that carry personal data (names, documents, phones, e-mail, victim address…).

    Headers that are a recognised incident field (e.g. ``nombre_distrito``)
    and headers in ``keep`` (explicitly mapped) are never flagged.
    """
    kept = set(keep)
    known = {s for syn in FIELD_SYNONYMS.values() for s in syn}
    out = []
    for h in headers:
        if h in kept:
            continue
        key = normalize_header(h)
        if key in known:
            continue
        tokens = set(key.split("_"))
        if tokens & _PII_TOKENS or any(c in key for c in _PII_COMPOUND):
            out.append(h)
    return out


def _explicit_mapping(headers: Sequence[str], mapping: Mapping[str, str] | None
                      ) -> dict[str, str]:
    """The explicit ``field -> column`` pairs, checked (every problem raised at once)."""
    out: dict[str, str] = {}
    problems: list[str] = []
    explicit = {f: c for f, c in (mapping or {}).items() if c is not None and str(c).strip()}
    for field, col in explicit.items():
        f = "modalidad" if normalize_header(field) == "modalidad" else field.strip()
        if f == "crime_subtype/modalidad":
            f = "modalidad"
        if f not in FIELD_SYNONYMS:
            problems.append(f"campo desconocido '{field}' (válidos: {', '.join(MAPPABLE_FIELDS)})")
            continue
        if col in headers:
            out[f] = col
        elif normalize_header(col) in {normalize_header(h) for h in headers}:
            out[f] = next(h for h in headers if normalize_header(h) == normalize_header(col))
        else:
            problems.append(f"la columna '{col}' (para {f}) no existe en el archivo")
    if problems:
        msg = "Mapeo de columnas no válido: " + "; ".join(problems) + "."
        raise IncidentSchemaError(msg)
    return out


def guess_mapping(headers: Sequence[str], *, mapping: Mapping[str, str] | None = None,
                  exclude: Iterable[str] = ()) -> dict[str, str]:
    """Canonical field -> source column, from the headers and an explicit override.

    Parameters
    ----------
    headers
        Source column names as read.
    mapping
        Explicit ``field -> column`` pairs; they win over the guesses. A
        column may be named case/accent-insensitively; empty values are ignored.
    exclude
        Columns never guessed (personal data).

    Raises
    ------
    IncidentSchemaError
        An explicit mapping names an unknown field or a missing column.
    """
    excluded = set(exclude)
    by_key: dict[str, str] = {}
    for h in headers:
        if h not in excluded:
            by_key.setdefault(normalize_header(h), h)
    out = _explicit_mapping(headers, mapping)
    used = set(out.values())
    for field, synonyms in FIELD_SYNONYMS.items():
        if field in out:
            continue
        for s in synonyms:
            hit = by_key.get(s)
            if hit is not None and hit not in used:
                out[field] = hit
                used.add(hit)
                break
    # Looser pass: prefixes such as "fecha_..." / "hora_..." / "latitud_...".
    loose = (("lat", ("latitud", "latitude")), ("lon", ("longitud", "longitude")),
             ("date", ("fecha",)), ("time", ("hora",)))
    for field, prefixes in loose:
        if field in out:
            continue
        for key, h in by_key.items():
            if h not in used and key.startswith(prefixes):
                if field == "date" and "hora" in key.split("_"):
                    if "occurred_at" not in out:
                        out["occurred_at"] = h
                        used.add(h)
                    break
                out[field] = h
                used.add(h)
                break
    if "occurred_at" in out:
        out.pop("date", None)
        out.pop("time", None)
    return out


def check_mapping(mapping: Mapping[str, str], *, file_name: str) -> None:
    """Raise when the required fields are not found.

    A date is required, and a way to place the incidents: both coordinates,
    or a district (name or ubigeo), or an address. A file with only one of
    latitude and longitude is refused.
    """
    missing = []
    if "occurred_at" not in mapping and "date" not in mapping:
        missing.append("fecha (p. ej. 'fecha', 'fecha_hecho', 'fecha_hora', 'occurred_at')")
    has_place = any(f in mapping for f in ("district", "ubigeo", *ADDRESS_FIELDS))
    if "lat" not in mapping and ("lon" in mapping or not has_place):
        missing.append("latitud ('latitud', 'lat', 'y', 'point_y')")
    if "lon" not in mapping and ("lat" in mapping or not has_place):
        missing.append("longitud ('longitud', 'lon', 'lng', 'x', 'point_x')")
    if "lat" not in mapping and "lon" not in mapping and not has_place:
        missing.append("o, en su lugar, distrito, ubigeo o dirección del hecho "
                       "('distrito', 'ubigeo', 'direccion_hecho')")
    if missing:
        msg = (f"{file_name}: no se reconocen las columnas de {', '.join(missing)}. "
               "Indique cuál usar con --map campo=columna.")
        raise IncidentSchemaError(msg)


def status_like(values: Sequence[Any], counts: Sequence[int]) -> bool:
    """Whether a free-text column's distinct values look like a coordinate status.

    Few distinct values (at most 30), and at least half of the rows holding a
    word of ``settings.FORCED_STATUS_BAD`` / ``FORCED_STATUS_GOOD`` or
    ``COORD``/``GEO``. Free text (names, accounts of the facts) has many
    distinct values and fails.
    """
    if not len(values) or len(values) > 30:
        return False
    words = (*settings.FORCED_STATUS_BAD, *settings.FORCED_STATUS_GOOD, "COORD", "GEO")
    total = sum(int(c) for c in counts)
    hit = sum(int(c) for v, c in zip(values, counts, strict=True)
              if v is not None and any(w in strip_accents(str(v)).upper() for w in words))
    return total > 0 and hit >= 0.5 * total


def normalize_crime_text(text: str | None) -> str:
    """Lower-case, trimmed, single-spaced crime text ('' for missing)."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    return re.sub(r"\s+", " ", str(text)).strip().lower()


_CANONICAL_BY_PLAIN = {strip_accents(k): k for k in settings.CRIME_TYPE_GROUP}


def crime_type_to_group(crime_type: str) -> tuple[str, str]:
    """Canonical ``(crime_type, crime_group)`` for one normalised crime text.

    A canonical type (accents optional) keeps its canonical spelling;
    otherwise the first keyword of :data:`settings.CRIME_TYPE_KEYWORDS` found in
    the text decides the group; otherwise ``otro``. Missing text is ``otro``.
    """
    t = normalize_crime_text(crime_type)
    if not t:
        return "otro", "otro"
    plain = strip_accents(t)
    canonical = _CANONICAL_BY_PLAIN.get(plain)
    if canonical is not None:
        return canonical, settings.CRIME_TYPE_GROUP[canonical]
    for kw, group in settings.CRIME_TYPE_KEYWORDS:
        if kw in t or strip_accents(kw) in plain:
            return t, group
    return t, "otro"


def crime_fields_to_type(tipo: str | None, subtipo: str | None = None,
                         modalidad: str | None = None) -> tuple[str, str]:
    """Combine SIDPOL-style tipo / subtipo / modalidad into ``(crime_type, crime_group)``.

    The most specific part that is a canonical type wins (subtipo, then
    tipo, then modalidad); otherwise the non-empty parts are joined with
    ``" - "`` and classified by keywords.
    """
    parts = [normalize_crime_text(p) for p in (subtipo, tipo, modalidad)]
    for p in parts:
        if p and strip_accents(p) in _CANONICAL_BY_PLAIN:
            return crime_type_to_group(p)
    ordered = [p for p in (parts[1], parts[0], parts[2]) if p]
    seen: list[str] = []
    for p in ordered:
        if p not in seen:
            seen.append(p)
    if not seen:
        return "otro", "otro"
    joined = " - ".join(seen)
    t, g = crime_type_to_group(joined)
    return t, g


def normalize_district(name: str | None) -> str | None:
    """Upper-case district name without accents (``Ñ`` kept), single-spaced."""
    if name is None or (isinstance(name, float) and np.isnan(name)):
        return None
    s = re.sub(r"\s+", " ", str(name)).strip().upper()
    if not s:
        return None
    s = s.replace("Ñ", "\0")
    s = strip_accents(s).replace("\0", "Ñ")
    return s


def normalize_ubigeo(code: str | None) -> str | None:
    """Six-digit ubigeo (restores a lost leading zero); ``None`` when not a code."""
    if code is None or (isinstance(code, float) and np.isnan(code)):
        return None
    s = str(code).strip()
    if s.endswith(".0"):
        s = s[:-2]
    if not s.isdigit() or not (5 <= len(s) <= 6):
        return None
    return s.zfill(6)


# --------------------------------------------------------------------------- coordinates

def _distance_km(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    """Planar distance in km around ``(lat0, lon0)`` (good to < 1 % within a few hundred km)."""
    xy = geo.local_xy(lat, lon, lat0, lon0)
    out: np.ndarray = np.hypot(xy[:, 0], xy[:, 1]) / 1000.0
    return out


#: Latitude beyond which no city with crime records lies (a handful of Arctic towns
#: aside): a file whose median point is there, and would not be if swapped, has its
#: latitude and longitude columns exchanged.
POLAR_LAT = 70.0

#: Share of a file's plausible points a 1° grid square must hold to be a centre of
#: the default study area (several cities in one file each keep their points).
AREA_CLUSTER_MIN_SHARE = 0.05
#: ... and at least this many points (tiny files keep a single centre).
AREA_CLUSTER_MIN_COUNT = 20


def study_area_centers(lat: np.ndarray, lon: np.ndarray) -> list[tuple[float, float]]:
    """Centres of the default study area: where the bulk of the points lie.

    The median point of every 1° grid square holding at least
    :data:`AREA_CLUSTER_MIN_SHARE` of the points (and at least
    :data:`AREA_CLUSTER_MIN_COUNT`), plus the overall median
    point. With one city this is (about) the median of the file's points.
    Large inputs are thinned to every k-th point (about 200 000 kept), which
    moves medians by metres, not kilometres.
    """
    if lat.size == 0:
        return []
    step = max(1, -(-lat.size // 200_000))
    lat, lon = lat[::step], lon[::step]
    centers = [(float(np.median(lat)), float(np.median(lon)))]
    key = np.floor(lat).astype(np.int64) * 1000 + np.floor(lon).astype(np.int64)
    uniq, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    dense = np.flatnonzero((counts >= AREA_CLUSTER_MIN_SHARE * lat.size)
                           & (counts >= AREA_CLUSTER_MIN_COUNT))
    if len(dense) > 1 or (len(dense) == 1 and counts[dense[0]] < lat.size):
        inverse = np.asarray(inverse).ravel()
        for k in dense:
            m = inverse == k
            centers.append((float(np.median(lat[m])), float(np.median(lon[m]))))
    return centers


def _inside_area(lat: np.ndarray, lon: np.ndarray, area: Any,
                 centers: Sequence[tuple[float, float]], radius_km: float) -> np.ndarray:
    if area is None:
        out = np.zeros(lat.shape, dtype=bool)
        with np.errstate(invalid="ignore"):
            for i, (c_lat, c_lon) in enumerate(centers):
                if i == 0:
                    out = _distance_km(lat, lon, c_lat, c_lon) <= radius_km
                    continue
                rest = np.flatnonzero(~out)
                if rest.size == 0:
                    break
                out[rest] = _distance_km(lat[rest], lon[rest], c_lat, c_lon) <= radius_km
        return out
    if isinstance(area, (tuple, list)) and len(area) == 4:
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in area)
        with np.errstate(invalid="ignore"):
            return (lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat)
    import shapely

    out = np.zeros(lat.shape, dtype=bool)
    ok = np.isfinite(lat) & np.isfinite(lon)
    if ok.any():
        shapely.prepare(area)
        out[ok] = shapely.contains_xy(area, lon[ok], lat[ok])
    return out


def check_study_area(area: Any) -> None:
    """Raise when a study area is neither ``None``, a bbox nor a polygon."""
    if area is None:
        return
    if isinstance(area, (tuple, list)):
        ok = len(area) == 4
        if ok:
            try:
                min_lon, min_lat, max_lon, max_lat = (float(v) for v in area)
            except (TypeError, ValueError):
                ok = False
            else:
                ok = (-180 <= min_lon < max_lon <= 180) and (-90 <= min_lat < max_lat <= 90)
        if not ok:
            msg = ("Recuadro del área de estudio no válido: use MINLON,MINLAT,MAXLON,MAXLAT "
                   "con mínimos menores que máximos.")
            raise IncidentSchemaError(msg)
        return
    if getattr(area, "geom_type", None) not in {"Polygon", "MultiPolygon"}:
        msg = "El área de estudio debe ser un recuadro (4 números) o un polígono."
        raise IncidentSchemaError(msg)


def check_coordinates(lat: np.ndarray, lon: np.ndarray, reason: np.ndarray, *,
                      study_area: Any = None,
                      radius_km: float = settings.STUDY_RADIUS_KM
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Classify coordinates, fixing swapped lat/lon, vectorised.

    Parameters
    ----------
    lat, lon
        Parsed coordinates (NaN when missing or unreadable).
    reason
        Current reason codes (index into :data:`REASON_CODES`; 0 = fine so
        far). Rows with a reason keep it.
    study_area
        ``None`` (within ``radius_km`` of where the bulk of the plausible
        coordinates lie, see :func:`study_area_centers`), a
        ``(min_lon, min_lat, max_lon, max_lat)`` bbox, or a shapely (Multi)Polygon.

    Returns
    -------
    lat, lon, reason, n_swapped
        New arrays (inputs are not modified) and the number of rows whose
        swapped coordinates were fixed.
    """
    lat = np.array(lat, dtype=np.float64)
    lon = np.array(lon, dtype=np.float64)
    reason = np.array(reason, dtype=np.int8)
    code = {k: i for i, k in enumerate(REASON_CODES)}
    todo = reason == 0
    finite = np.isfinite(lat) & np.isfinite(lon)
    reason[todo & ~finite] = code["coordenadas_faltantes"]
    todo &= finite
    zero = todo & (np.abs(lat) < 1e-9) & (np.abs(lon) < 1e-9)
    reason[zero] = code["coordenadas_cero"]
    todo &= ~zero
    in_range = (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    swap_range = (np.abs(lon) <= 90) & (np.abs(lat) <= 180)
    centers: list[tuple[float, float]] = []
    if study_area is None:
        plausible = todo & in_range
        p_lat, p_lon = lat[plausible], lon[plausible]
        if p_lat.size and abs(np.median(p_lat)) > POLAR_LAT and abs(np.median(p_lon)) <= POLAR_LAT:
            # The bulk of the file sits beyond 70° latitude and would not if swapped:
            # the columns are exchanged (x/y confusion); centre the area on the swap.
            p_lat, p_lon = p_lon, p_lat
        centers = study_area_centers(p_lat, p_lon)
    with np.errstate(invalid="ignore"):
        inside = todo & in_range & _inside_area(lat, lon, study_area, centers, radius_km)
        cand = todo & ~inside & swap_range
        swapped = np.zeros(lat.shape, dtype=bool)
        if cand.any():
            swapped[cand] = _inside_area(lon[cand], lat[cand], study_area, centers, radius_km)
    if swapped.any():
        lat[swapped], lon[swapped] = lon[swapped].copy(), lat[swapped].copy()
    bad_range = todo & ~in_range & ~swapped
    reason[bad_range] = code["coordenadas_invalidas"]
    outside = todo & in_range & ~inside & ~swapped
    reason[outside] = code["fuera_del_area"]
    return lat, lon, reason, int(swapped.sum())


def stacked_points(lat: np.ndarray, lon: np.ndarray, *,
                   min_share: float = settings.STACKED_MIN_SHARE,
                   min_count: int = settings.STACKED_MIN_COUNT,
                   decimals: int = 5) -> list[dict[str, Any]]:
    """Coordinates that hold an implausible share of the points.

    A coordinate (rounded to ``decimals``, ~1 m) is stacked when it holds at
    least ``min_share`` of the points and at least ``min_count`` of them.

    Returns
    -------
    list of dict
        ``lat, lon, count, share`` (share of all points, 0–1), largest first.
    """
    n = len(lat)
    if n == 0:
        return []
    scale = 10.0 ** decimals
    la = np.round(np.asarray(lat, dtype=np.float64) * scale).astype(np.int64)
    lo = np.round(np.asarray(lon, dtype=np.float64) * scale).astype(np.int64)
    key = la * np.int64(4_000_000_000) + lo
    threshold = max(int(min_count), int(np.ceil(min_share * n)))
    uniq, counts = np.unique(key, return_counts=True)
    hits = np.flatnonzero(counts >= threshold)
    out = []
    for i in hits[np.argsort(-counts[hits], kind="stable")]:
        k = int(uniq[i])
        lat_i = (k + 2_000_000_000) // 4_000_000_000
        lon_i = k - lat_i * 4_000_000_000
        out.append({"lat": round(lat_i / scale, decimals), "lon": round(lon_i / scale, decimals),
                    "count": int(counts[i]), "share": round(float(counts[i]) / n, 4)})
    return out


# --------------------------------------------------------------------------- canonical frames

def validate_incidents(incidents: pd.DataFrame, *,
                       required: Sequence[str] = ("occurred_at", "lat", "lon")) -> None:
    """Check a canonical incident frame; collect every problem, raise once.

    Raises
    ------
    IncidentSchemaError
        Missing columns, unreadable ``occurred_at``, missing or out-of-range
        coordinates, unknown crime groups.
    """
    problems: list[str] = []
    missing = [c for c in required if c not in incidents.columns]
    if missing:
        problems.append(f"faltan columnas: {', '.join(missing)}")
    if "occurred_at" in incidents.columns:
        ts = incidents["occurred_at"]
        if not pd.api.types.is_datetime64_any_dtype(ts):
            problems.append("'occurred_at' no es fecha y hora")
        elif getattr(ts.dt, "tz", None) is not None:
            problems.append("'occurred_at' debe ser hora local sin zona (naive)")
        elif ts.isna().any():
            problems.append(f"{int(ts.isna().sum())} filas sin 'occurred_at'")
    for col, lim in (("lat", 90), ("lon", 180)):
        if col in incidents.columns:
            v = pd.to_numeric(incidents[col], errors="coerce")
            if v.isna().any():
                problems.append(f"{int(v.isna().sum())} filas sin '{col}' numérica")
            bad = int((v.abs() > lim).sum())
            if bad:
                problems.append(f"{bad} filas con '{col}' fuera de ±{lim}")
    if "crime_group" in incidents.columns:
        unknown = set(incidents["crime_group"].dropna().unique()) - set(settings.CRIME_GROUPS)
        if unknown:
            names = ", ".join(sorted(map(str, unknown)))
            problems.append(f"grupos de delito desconocidos: {names}")
    if problems:
        msg = "Incidentes no válidos: " + "; ".join(problems) + "."
        raise IncidentSchemaError(msg)
