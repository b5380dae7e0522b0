"""Parse and normalise written addresses (Peruvian and US block style), vectorised.

A police record rarely carries a true point but nearly always a district and a
written address: ``"AV. AVIACION CDRA. 12"``, ``"JR. GAMARRA 745"``,
``"MZ. B LT. 5 AA.HH. SAN PEDRO"``, ``"AV. X ESQ. JR. Y"``, or in US files
``"1100 BLOCK WAGNER AVE"`` and ``"N 5TH ST & W GIRARD AVE"``.
:func:`parse_addresses` splits each *distinct* string once (compiled regexes,
a loop over distinct values only) into parts:

* ``street``: a **key** independent of the street type, accents and case
  (``"Jirón Mariscal Agustín Gamarra"`` and ``"JR. MARISCAL AGUSTIN GAMARRA"``
  give ``"MARISCAL AGUSTIN GAMARRA"``); a compass direction is kept at the end
  (``"N 5TH ST"`` and ``"JR. 5TH NORTE"`` both give ``"5 N"``).
  :func:`street_key_aliases` gives the shorter keys a gazetteer also tries
  (``"GAMARRA"``).
* ``street_type``: a canonical type code (``AV``, ``JR``, ``CALLE``, ``PSJE`` …).
* ``block``: the *cuadra* (``CDRA. 12`` → 12; house number 745 → 7; US
  ``1100 BLOCK`` → 11), ``-1`` when unknown. Cuadra ``n`` holds house numbers
  ``n·100`` … ``n·100+99``.
* ``offset``: position within the block from a house number (0–99), ``-1``
  when unknown.
* ``cross_street`` / ``cross_type``: the second street of an intersection.
* ``zone_type`` / ``zone``: ``URB``, ``AAHH``, ``PJ``, ``COOP``, ``RESID``,
  ``SECTOR`` … and the folded zone name.
* ``place``: the folded whole string, for matching a named place written the
  same way elsewhere (only used inside the gazetteer, never stored).
* ``kind``: the most precise usable part (``cuadra``, ``interseccion``,
  ``via``, ``zona``, ``lugar``) and ``reason``: a reason key from
  :data:`REASONS` when nothing usable is found (``""`` otherwise).

House numbers and free text are parsing inputs only: :func:`storable_address`
gives the reduced form that may be stored (street display name, cuadra, zone).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any, Final

import numpy as np
import pandas as pd

#: Sentinel for an unknown block or offset (the columns are plain ``int32``).
MISSING: Final = -1

#: Reason keys (parse outcome when nothing precise is found) and their Spanish text.
REASONS: Final = MappingProxyType({
    "": "",
    "sin_direccion": "sin dirección escrita",
    "sin_via": "no se reconoce una vía ni una zona en la dirección",
    "solo_lugar": "solo un nombre de lugar, sin vía ni zona reconocible",
})

#: Canonical street type -> written forms (folded, without the final dot).
STREET_TYPE_FORMS: Final = MappingProxyType({
    "AV": ("AV", "AVE", "AVDA", "AVENIDA", "AVENUE", "AVN"),
    "JR": ("JR", "JIRON", "JRN"),
    "CALLE": ("CALLE", "CA", "CL", "CLL", "ST", "STREET"),
    "PSJE": ("PSJE", "PJE", "PJ", "PASAJE", "PSJ", "PSJ"),
    "PROL": ("PROL", "PROLONG", "PROLONGACION"),
    "ALAMEDA": ("ALAMEDA", "ALAM"),
    "CARRETERA": ("CARRETERA", "CARR", "CTRA", "CRTA", "CARRET"),
    "OVALO": ("OVALO",),
    "MALECON": ("MALECON", "MLCN"),
    "PLAZA": ("PLAZA", "PZA", "PLZ", "PLAZUELA"),
    "PARQUE": ("PARQUE", "PQUE", "PQ"),
    "PASEO": ("PASEO",),
    "BAJADA": ("BAJADA",),
    "VIA": ("VIA",),
    "AUTOPISTA": ("AUTOPISTA",),
    "RD": ("RD", "ROAD"),
    "BLVD": ("BLVD", "BOULEVARD"),
    "PL": ("PL", "PLACE"),
    "DR": ("DR", "DRIVE"),
    "LN": ("LN", "LANE"),
    "TER": ("TER", "TERR", "TERRACE"),
    "CT": ("CT", "COURT"),
    "WAY": ("WAY",),
    "PKWY": ("PKWY", "PARKWAY"),
    "HWY": ("HWY", "HIGHWAY"),
    "CIR": ("CIR", "CIRCLE"),
    "SQ": ("SQ", "SQUARE"),
    "PIKE": ("PIKE",),
    "ALY": ("ALY", "ALLEY"),
    "WALK": ("WALK",),
    "ROW": ("ROW",),
    "EXPY": ("EXPY", "EXPRESSWAY"),
    "DWY": ("DWY", "DRIVEWAY"),
})

#: Display abbreviation of each canonical street type (Peruvian usage).
STREET_TYPE_DISPLAY: Final = MappingProxyType({
    "AV": "AV.", "JR": "JR.", "CALLE": "CALLE", "PSJE": "PSJE.", "PROL": "PROL.",
    "ALAMEDA": "ALAMEDA", "CARRETERA": "CARRETERA", "OVALO": "OVALO", "MALECON": "MALECON",
    "PLAZA": "PLAZA", "PARQUE": "PARQUE", "PASEO": "PASEO", "BAJADA": "BAJADA", "VIA": "VIA",
    "AUTOPISTA": "AUTOPISTA",
})

#: Canonical zone type -> regex (folded text) of its written forms.
ZONE_TYPE_PATTERNS: Final = MappingProxyType({
    "AAHH": r"AA\.?\s?HH\.?|A\.\s?H\.|AAHH|ASENT(?:AMIENTO)?\.?\s+H(?:UMANO)?\.?|ASENT\.?\s?H\.?",
    "PJ": r"P\.\s?J\.|PP\.?\s?JJ\.?|PUEBLO\s+JOVEN",
    "URB": r"URB(?:ANIZACION)?\.?",
    "COOP": r"COOP(?:ERATIVA)?\.?",
    "RESID": r"RESID(?:ENCIAL)?\.?|RES\.",
    "SECTOR": r"SECTOR|SECT\.",
    "ASOC": r"ASOC(?:IACION)?\.?",
    "CH": r"C\.\s?H\.|CONJ(?:UNTO)?\.?\s+HAB(?:ITACIONAL)?\.?",
    "UV": r"U\.\s?V\.|UNIDAD\s+VECINAL",
    "BARRIO": r"BARRIO|BARR\.",
    "CP": r"C\.\s?P\.|CENTRO\s+POBLADO",
    "CASERIO": r"CASERIO",
    "LOTIZ": r"LOTIZ(?:ACION)?\.?",
    "ZONA": r"ZONA",
})

#: Display form of each zone type.
ZONE_TYPE_DISPLAY: Final = MappingProxyType({
    "AAHH": "AA.HH.", "PJ": "P.J.", "URB": "URB.", "COOP": "COOP.", "RESID": "RESID.",
    "SECTOR": "SECTOR", "ASOC": "ASOC.", "CH": "C.H.", "UV": "U.V.", "BARRIO": "BARRIO",
    "CP": "C.P.", "CASERIO": "CASERIO", "LOTIZ": "LOTIZ.", "ZONA": "ZONA",
})

#: Abbreviations expanded inside street and zone names before keying.
NAME_ABBREVIATIONS: Final = MappingProxyType({
    "STA": "SANTA", "STO": "SANTO", "SN": "SAN", "GRAL": "GENERAL", "GRL": "GENERAL",
    "MCAL": "MARISCAL", "MRCAL": "MARISCAL", "PDTE": "PRESIDENTE", "PRES": "PRESIDENTE",
    "CNEL": "CORONEL", "CRNL": "CORONEL", "COR": "CORONEL", "TTE": "TENIENTE",
    "CAP": "CAPITAN", "CPTN": "CAPITAN", "ALM": "ALMIRANTE", "ALMTE": "ALMIRANTE",
    "ING": "INGENIERO", "DR": "DOCTOR", "DRA": "DOCTORA", "SGTO": "SARGENTO",
    "CMDTE": "COMANDANTE", "MONS": "MONSENOR", "FCO": "FRANCISCO", "JOSE": "JOSE",
    "MT": "MOUNT", "MTN": "MOUNTAIN", "FT": "FORT", "PTE": "PUENTE",
})

#: Titles dropped by the alias keys (``"MARISCAL AGUSTIN GAMARRA"`` → ``"AGUSTIN GAMARRA"``).
NAME_TITLES: Final = frozenset({
    "GENERAL", "MARISCAL", "PRESIDENTE", "CORONEL", "TENIENTE", "CAPITAN", "ALMIRANTE",
    "INGENIERO", "DOCTOR", "DOCTORA", "SARGENTO", "COMANDANTE", "MONSENOR", "PADRE", "FRAY",
    "MAESTRO", "PROFESOR", "CONTRALMIRANTE", "VICEALMIRANTE", "MAYOR", "CABO",
    "TENIENTE CORONEL", "SOLDADO", "HEROE", "PRECURSOR", "LIBERTADOR", "DON", "DONA", "SENOR",
})

#: Words dropped from keys.
NAME_STOPWORDS: Final = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "EL", "THE", "OF", "Y"})

#: Phrases that say the address is unknown (folded, matched anywhere in the text).
NO_ADDRESS_PHRASES: Final = ("NO PRECISA", "NO INDICA", "NO REGISTRA", "SIN DIRECCION",
                             "DIRECCION DESCONOCIDA", "DESCONOCID", "NO ESPECIFICA",
                             "ADDRESS UNAVAILABLE", "UNKNOWN", "NO DETERMINAD", "POR DEFINIR")

_RE_NO_ADDRESS = re.compile("|".join(re.escape(p) for p in NO_ADDRESS_PHRASES))

_DIRECTIONS: Final = MappingProxyType({
    "N": "N", "S": "S", "E": "E", "W": "W", "NORTE": "N", "SUR": "S", "ESTE": "E", "OESTE": "W",
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "O": "W",
})
_LEAD_DIRECTIONS = frozenset({"N", "S", "E", "W", "NORTE", "SUR", "NORTH", "SOUTH", "EAST",
                              "WEST", "OESTE"})
_DIRECTION_DISPLAY: Final = MappingProxyType({"N": "NORTE", "S": "SUR", "E": "ESTE", "W": "OESTE"})

_TYPE_OF_FORM: dict[str, str] = {f: t for t, forms in STREET_TYPE_FORMS.items() for f in forms}
# Forms that only count as a type when written at the start (Peru) or only at the end (US).
_US_SUFFIX_ONLY = frozenset({"ST", "STREET", "RD", "ROAD", "BLVD", "BOULEVARD", "PL", "PLACE",
                             "DR", "DRIVE", "LN", "LANE", "TER", "TERR", "TERRACE", "CT",
                             "COURT", "WAY", "PKWY", "PARKWAY", "HWY", "HIGHWAY", "CIR",
                             "CIRCLE", "SQ", "SQUARE", "PIKE", "ALY", "ALLEY", "WALK", "ROW",
                             "EXPY", "EXPRESSWAY", "DWY", "DRIVEWAY", "AVENUE", "AVE", "AV",
                             "PLZ"})
_PREFIX_FORMS = sorted((f for f in _TYPE_OF_FORM if f not in _US_SUFFIX_ONLY
                        or f in {"AV", "AVE"}), key=len, reverse=True)

# ----------------------------------------------------------------------------- regexes
_RE_SPACES = re.compile(r"\s+")
_RE_PAREN = re.compile(r"\([^)]*\)?|\[[^\]]*\]?")
_RE_AT = re.compile(r"\s@\s")
_RE_SN = re.compile(r"\bS\s?/\s?N(?:RO|O)?\b\.?|\bSIN\s+NUMERO\b|\bS\.N\.")
_RE_C_SLASH = re.compile(r"\bC\s?/\s?(\d{1,3})\b")
_RE_ALT_NUM = re.compile(
    r"\bALT(?:URA)?\.?\s*(?:DE\s+LA\s+|DEL\s+|DE\s+|AL\s+)?"
    r"(?=(?:CDRA|CUADRA|CUAD|CDA|NRO|N[O°]?\.?\s*\d|#|\d))")
_NOISE = (
    r"REF(?:ERENCIA)?\b\.?:?", r"FRENTE\b", r"FTE\.?\s+(?:A|AL)\b", r"CERCA\b",
    r"AL\s+COSTADO\b", r"COSTADO\b", r"ESPALDAS?\b", r"A\s+ESPALDAS\b", r"DENTRO\b",
    r"INTERIOR\b", r"INT\b\.?", r"DPTO\b\.?", r"DEPARTAMENTO\b", r"DEPT?O?\.", r"PISO\b",
    r"OF(?:ICINA)?\.?\s*\d", r"OFICINA\b", r"TDA\b\.?", r"TIENDA\b", r"STAND\b", r"PUESTO\b",
    r"ALT(?:URA)?\b\.?", r"A\s+(?:UNA|MEDIA|DOS|TRES|\d+)\s+(?:Y\s+MEDIA\s+)?CUADRAS?\b",
    r"A\s+\d+\s*(?:M|METROS|MTS)\b", r"OTROS?\b", r"EXTERIOR(?:ES)?\b", r"EN\s+EL\s+INTERIOR\b",
    r"BLOQUE\b", r"EDIF(?:ICIO)?\b\.?", r"TORRE\b", r"SEGUN\b",
)
_RE_NOISE = re.compile(r"(?:^|[\s,;\-])(?:" + "|".join(_NOISE) + r")")
_RE_MZ = re.compile(r"\bMZ(?:A|NA)?\.?\s*([A-Z0-9]{1,4})\b\.?|\bMANZANA\s+([A-Z0-9]{1,4})\b")
_RE_LT = re.compile(r"\b(?:LT|LOTE|LTE)\.?\s*([0-9]{1,4}[A-Z]?)\b\.?")
_ZONE_ALT = "|".join(f"(?P<{k}>{v})" for k, v in ZONE_TYPE_PATTERNS.items())
_RE_ZONE = re.compile(r"(?:^|(?<=[\s,;\-]))(?:" + _ZONE_ALT + r")(?=\s|$)")
_RE_ZONE_END = re.compile(r"\s[-,;]\s?|,|;|\s(?=(?:" + _ZONE_ALT + r")\s)")
_RE_CROSS_LEAD = re.compile(
    r"^(?:CRUCE|INTERSECCION|INTERSEC\.?|ESQ(?:UINA)?\.?)\s+(?:DE\s+|DEL\s+)?")
_RE_CROSS = re.compile(
    r"\s+(?:ESQ(?:UINA)?\.?(?:\s+(?:CON|DE|CN))?|CON|Y|CRUCE(?:\s+(?:CON|DE))?|AND|"
    r"INTERSECCION(?:\s+(?:CON|DE))?|ENTRE|CRUCE\s+DE)\s+|\s*(?:&|/)\s*")
_RE_BLOCK = re.compile(r"\b(?:CDRA|CDRAS|CUADRA|CUAD|CDA|CUA)\b\.?\s*(?:N[O°]?\b\.?|NRO\.?)?\s*"
                       r"(\d{1,3})\b")
_RE_US_BLOCK = re.compile(r"^(\d{1,6})\s+(?:BLOCK|BLK)\b\.?\s*(?:OF\s+)?")
_RE_KM = re.compile(r"\bKM\b\.?\s*(\d{1,4}(?:[.,]\d)?)\b")
_RE_NUMBER = re.compile(r"(?:\b(?:NRO|NUM|NUMERO|NO|N)\b\.?\s*|#\s*)(\d{1,5})(?:\s*-\s*\d+)?\b")
_ORDINAL_WORDS: Final = MappingProxyType({
    "PRIMERA": 1, "SEGUNDA": 2, "TERCERA": 3, "CUARTA": 4, "QUINTA": 5, "SEXTA": 6,
    "SETIMA": 7, "SEPTIMA": 7, "OCTAVA": 8, "NOVENA": 9, "DECIMA": 10})
_RE_ORDINAL_BLOCK = re.compile(
    r"\b(\d{1,2}|" + "|".join(_ORDINAL_WORDS) + r")\s*(?:RA|DA|TA|VA|NA|MA|ERA|A)?\.?\s*"
    r"(?:NRO\s+)?(?:CDRA|CUADRA|CUAD|CDA)\b\.?")
_RE_LEAD_NUM = re.compile(r"^(\d{1,6})(?:\s*-\s*\d{1,5})?[A-Z]?\s+(?!DE\b|DEL\b)(?=[A-Z0-9])")
_RE_ORDINAL = re.compile(r"^(\d+)(?:ST|ND|RD|TH|RO|DO|TO|VO|NO|MO|ERO|RA|DA|TA|VA|NA|MA|°|º)?$")
_RE_NONWORD = re.compile(r"[^A-Z0-9Ñ ]+")
_RE_DOTS = re.compile(r"\.(?=\S)")


def fold_text(text: str) -> str:
    """Upper-case, accents removed (``Ñ`` → ``N``), ``°``/``º`` as ``NRO``, single-spaced."""
    s = text.upper()
    if not s.isascii():
        s = s.replace("N°", " NRO ").replace("Nº", " NRO ").replace("°", " NRO ")
        s = s.replace("º", " NRO ")
        s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")
    return " ".join(s.split())


def _canon_token(tok: str) -> str:
    m = _RE_ORDINAL.match(tok)
    if m:
        return str(int(m.group(1)))
    return NAME_ABBREVIATIONS.get(tok, tok)


def name_to_key(name: str) -> str:
    """Key of a street or zone name given without its type.

    Folded, stopwords dropped, ordinals as numbers, abbreviations expanded,
    compass direction last.
    """
    return _folded_name_to_key(fold_text(name))


@functools.lru_cache(maxsize=1 << 15)
def _folded_name_to_key(name: str) -> str:
    toks = _RE_NONWORD.sub(" ", name).split()
    direction = ""
    if len(toks) > 1 and toks[0] in _LEAD_DIRECTIONS:
        direction = _DIRECTIONS[toks.pop(0)]
    elif len(toks) > 1 and toks[-1] in _DIRECTIONS:
        direction = _DIRECTIONS[toks.pop()]
    out = [_canon_token(t) for t in toks if t not in NAME_STOPWORDS]
    if not out:
        out = [_canon_token(t) for t in toks]
    if direction:
        out.append(direction)
    return " ".join(out)


def street_key_aliases(key: str) -> list[str]:
    """Shorter keys by which a street may also be written, most specific first.

    ``"MARISCAL AGUSTIN GAMARRA"`` → ``["AGUSTIN GAMARRA", "GAMARRA"]``; a
    direction stays (``"JAVIER PRADO E"`` → ``["PRADO E"]``). Numbers alone
    (``"5 N"``) have no alias.
    """
    toks = key.split()
    direction = [toks.pop()] if len(toks) > 1 and toks[-1] in ("N", "S", "E", "W") else []
    out: list[str] = []
    if direction:
        out.append(" ".join(toks))
    no_title = [t for t in toks if t not in NAME_TITLES]
    if no_title and len(no_title) < len(toks):
        out.append(" ".join(no_title + direction))
    if len(no_title) > 1:
        last = no_title[-1]
        if not last.isdigit() and len(last) > 2:
            out.append(" ".join([last, *direction]))
    return [a for a in out if a != key]


def _split_type(text: str) -> tuple[str, str, str]:
    """(type code, direction, name) of one street part with numbers already removed."""
    toks = text.split()
    stype = ""
    # prefix types (possibly two: "PROL. AV. X", "AV. PROLONGACION X")
    while toks:
        t = toks[0].rstrip(".")
        code = _TYPE_OF_FORM.get(t)
        if code is None or t in _US_SUFFIX_ONLY and t not in ("AV", "AVE") or len(toks) == 1:
            break
        stype = stype or code
        toks.pop(0)
    # US suffix type, possibly followed by a unit letter ("CHEW AVE C") or one or two
    # words that are not the name ("FAIRMOUNT AVE 2NDFL", "WYALUSING AVE REAR")
    if len(toks) > 2 and len(toks[-1]) == 1 and toks[-2].rstrip(".") in _TYPE_OF_FORM:
        toks.pop()
    elif not stype and len(toks) > 2:
        for cut in (1, 2):
            i = len(toks) - 1 - cut
            tail = toks[i + 1:]
            if (i >= 1 and toks[i].rstrip(".") in _US_SUFFIX_ONLY
                    and not any(t in _DIRECTIONS for t in tail)):
                del toks[i + 1:]
                break
    if len(toks) > 1:
        t = toks[-1].rstrip(".")
        code = _TYPE_OF_FORM.get(t)
        if code is not None and (t in _US_SUFFIX_ONLY or not stype):
            stype = stype or code
            toks.pop()
    direction = ""
    if len(toks) > 1 and toks[0] in _LEAD_DIRECTIONS:
        direction = _DIRECTIONS[toks.pop(0)]
    elif len(toks) > 1 and toks[-1] in _DIRECTIONS:
        direction = _DIRECTIONS[toks.pop()]
    return stype, direction, " ".join(toks)


def _parse_street(part: str) -> tuple[str, str, str, int, int]:
    """(key, type, display name, block, offset) of one street part."""
    part, block = _take_block(part)
    part, number = _take_number(part, block)
    offset = MISSING
    if number != MISSING:
        if block == MISSING:
            block = number // 100
            offset = number % 100
        elif number // 100 == block:
            offset = number % 100
    key, stype, display = _street_name_parts(part.strip())
    return key, stype, display, block, offset


def _take_block(part: str) -> tuple[str, int]:
    """The street part without its block, and the block.

    The block is written "1100 BLOCK", "CDRA. 5", "2DA CUADRA" or "KM 3".
    """
    block = MISSING
    if " - " in part:  # "JR. HUANUCO 1020 - LA VICTORIA": what follows is not the street
        head = part.split(" - ", 1)[0]
        if any(c.isalpha() for c in head):
            part = head
    m = _RE_US_BLOCK.match(part) if "BL" in part else None
    if m:
        block = int(m.group(1)) // 100
        part = part[m.end():]
    if "CD" in part or "CUA" in part:
        m = _RE_ORDINAL_BLOCK.search(part)  # "2DA CDRA", "SEGUNDA CUADRA"
        if m:
            g = m.group(1)
            block = int(g) if g.isdigit() else _ORDINAL_WORDS[g]
            part = part[:m.start()] + " " + part[m.end():]
        m = _RE_BLOCK.search(part)
        if m:
            block = int(m.group(1))
            part = part[:m.start()] + " " + part[m.end():]
    m = _RE_KM.search(part) if "KM" in part else None
    if m and block == MISSING:
        block = round(float(m.group(1).replace(",", ".")) * 10)
        part = part[:m.start()] + " " + part[m.end():]
    return part, block


def _take_number(part: str, block: int) -> tuple[str, int]:
    """The street part (words only) without its house number, and the number."""
    number = MISSING
    m = _RE_NUMBER.search(part)
    if m:
        number = int(m.group(1))
        head = part[:m.start()]
        # what follows a house number is a reference or the district, not the street
        part = head if any(c.isalpha() for c in head) else head + " " + part[m.end():]
    part = part.strip()
    if number == MISSING and block == MISSING:
        m = _RE_LEAD_NUM.match(part)
        if m and _TYPE_OF_FORM.get(part.split()[0]) is None:
            rest = part[m.end():].split()
            if rest and any(not t.isdigit() for t in rest):
                number = int(m.group(1))
                part = part[m.end():]
    part = " ".join(_RE_NONWORD.sub(" ", part).split())
    if number == MISSING:
        return _number_after_name(part)
    return part, number


def _number_after_name(part: str) -> tuple[str, int]:
    """The name before the first plain house number, and the number.

    ``("AV. MEXICO", 1050)`` from "AV. MEXICO 1050 LA VICTORIA". A number with
    nothing but the type before it is the name ("CALLE 7", "AV. 28 DE JULIO");
    without a house number the part is returned whole, with ``MISSING``.
    """
    toks = part.split()
    for i in range(1, len(toks)):
        t = toks[i]
        if not t.isdigit() or len(t) > 5:
            continue
        before = toks[:i]
        if before[-1] in NAME_STOPWORDS or not any(
                _TYPE_OF_FORM.get(h) is None and not h.isdigit() for h in before):
            continue
        if i + 1 < len(toks) and toks[i + 1] in ("DE", "DEL"):
            continue
        return " ".join(before), int(t)
    return part, MISSING


@functools.lru_cache(maxsize=1 << 15)
def _street_name_parts(part: str) -> tuple[str, str, str]:
    """(key, type, display name) of a street part without numbers."""
    stype, direction, name = _split_type(part)
    if not name or (not stype and name.replace(" ", "").isdigit()):
        return "", stype, ""
    key = _folded_name_to_key(name + (" " + direction if direction else ""))
    display = name + (" " + _DIRECTION_DISPLAY[direction] if direction else "")
    return key, stype, display


def _cut_noise(s: str) -> str:
    if "ALT" in s:
        s = _RE_ALT_NUM.sub(" ", s)
    m = _RE_NOISE.search(s)
    if m and m.start() > 0:
        s = s[:m.start()]
    return s


_Parsed = tuple[str, str, str, int, int, str, str, str, str, str, str, str, str]


def _parse_one(raw: str) -> _Parsed:
    """Parse one folded address; see :func:`parse_addresses` for the fields."""
    s = fold_text(raw)
    place = " ".join(_RE_NONWORD.sub(" ", s).split())
    if not place or _RE_NO_ADDRESS.search(place):
        return ("", "", "", MISSING, MISSING, "", "", "", "", "", "", "vacia",
                "sin_direccion")
    s, zone_type, zone = _take_zone(_strip_address_noise(s))
    s = " ".join(s.replace(",", " , ").split()).strip(" ,;-")
    s = _RE_CROSS_LEAD.sub("", s)
    parts = [p.strip(" ,;-") for p in _RE_CROSS.split(s, maxsplit=2)]
    parts = [p for p in parts if _RE_NONWORD.sub("", p)]
    key = stype = disp = ckey = ctype = cdisp = ""
    block = offset = MISSING
    if parts:
        main = parts[0].split(" , ")[0] if " , " in parts[0] else parts[0]
        key, stype, disp, block, offset = _parse_street(main.replace(",", " "))
        if len(parts) > 1:
            ckey, ctype, cdisp, cblock, _co = _parse_street(parts[1].replace(",", " "))
            if block == MISSING and cblock != MISSING and not ckey:
                block = cblock
            if ckey == key:
                ckey = ctype = cdisp = ""
    if key and block != MISSING:
        kind, reason = "cuadra", ""
    elif key and ckey:
        kind, reason = "interseccion", ""
    elif key:
        kind, reason = "via", ""
    elif zone:
        kind, reason = "zona", ""
    else:
        kind, reason = "lugar", "solo_lugar" if re.search(r"[A-Z]{3}", place) else "sin_via"
    return (key, stype, disp, block, offset, ckey, ctype, cdisp, zone_type, zone, place, kind,
            reason)


def _strip_address_noise(s: str) -> str:
    """A folded address without what never names a street.

    The place before "@", brackets, "S/N", references after the street, lots
    and blocks of land ("LT", "MZ").
    """
    if "@" in s:
        m = _RE_AT.search(s)
        if m:  # "PLACE @ 43 W HAINES ST": the address is on the right
            s = s[m.end():]
    if "(" in s or "[" in s:
        s = _RE_PAREN.sub(" ", s)
    if "/" in s or "SIN" in s or "S.N" in s:
        s = _RE_SN.sub(" ", s)
        s = _RE_C_SLASH.sub(r" CDRA \1 ", s)
    if "." in s:
        s = _RE_DOTS.sub(". ", s)
    s = _cut_noise(" " + s).strip(" ,;-")
    if "LT" in s or "LOTE" in s:
        s = _RE_LT.sub(" ", s)
    if "MZ" in s or "MANZANA" in s:
        s = _RE_MZ.sub(" ", s)
    return s


def _take_zone(s: str) -> tuple[str, str, str]:
    """The address without its zone (``URB.``, ``AA.HH.``...), the zone type and key."""
    m = _RE_ZONE.search(s)
    if not m:
        return s, "", ""
    zone_type = next(k for k, v in m.groupdict().items() if v)
    rest = s[m.end():]
    e = _RE_ZONE_END.search(rest)
    ztext = rest[:e.start()] if e else rest
    zkey = name_to_key(ztext) if ztext.strip() else ""
    if not zkey:
        return s, "", ""
    return (s[:m.start()] + " " + (rest[e.end():] if e else "")).strip(" ,;-"), zone_type, zkey


PARTS_COLUMNS: Final = ("street", "street_type", "street_name", "block", "offset",
                        "cross_street", "cross_type", "cross_name", "zone_type", "zone", "place",
                        "kind", "reason")


def factorize_rows(frame: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Code each row by its combination of values; also return the distinct combinations.

    Returns ``codes`` (``int64``, one per row, in order of first appearance)
    and the first row of each combination (index 0..k-1).
    """
    n = len(frame)
    if n == 0:
        return np.empty(0, dtype=np.int64), frame.iloc[:0].reset_index(drop=True)
    codes = np.zeros(n, dtype=np.int64)
    for c in frame.columns:
        k, u = pd.factorize(frame[c], use_na_sentinel=False)
        codes, _ = pd.factorize(codes * (len(u) + 1) + k)
        codes = codes.astype(np.int64)
    first = np.full(int(codes.max()) + 1, n, dtype=np.int64)
    np.minimum.at(first, codes, np.arange(n))
    return codes, frame.iloc[first].reset_index(drop=True)


def _codes_and_texts(values: Sequence[Any] | pd.Series | np.ndarray
                     ) -> tuple[np.ndarray, list[str]]:
    """Codes of a column's values (missing → the last code) and each code's text."""
    codes, uniq = pd.factorize(pd.Series(np.asarray(values, dtype=object)),
                               use_na_sentinel=True)
    texts = [str(u) for u in uniq] + [""]
    return np.where(codes < 0, len(uniq), codes).astype(np.int64), texts


def _type_code(text: str) -> str:
    t = fold_text(text).rstrip(".")
    return _TYPE_OF_FORM.get(t, t)


def _block_value(text: str) -> int:
    try:
        v = float(text.replace(",", "."))
    except ValueError:
        return MISSING
    return int(v) if np.isfinite(v) and 0 <= v < 10_000 else MISSING


def parse_distinct(addresses: Sequence[Any] | pd.Series | np.ndarray, *,
                   street_type: Sequence[Any] | pd.Series | np.ndarray | None = None,
                   block: Sequence[Any] | pd.Series | np.ndarray | None = None
                   ) -> tuple[np.ndarray, pd.DataFrame]:
    """Parse each distinct (address, type, block) once.

    Returns
    -------
    codes : numpy.ndarray
        ``int64``, one per input row: the row of ``parts`` that is its parse.
    parts : pandas.DataFrame
        One row per distinct input, columns as :func:`parse_addresses`.
    """
    ca, ta = _codes_and_texts(addresses)
    keys = [ca]
    tt: list[str] = []
    tb: list[int] = []
    if street_type is not None:
        ct, raw_t = _codes_and_texts(street_type)
        tt = [_type_code(t) for t in raw_t]
        keys.append(ct)
    if block is not None:
        cb, raw_b = _codes_and_texts(block)
        tb = [_block_value(t) for t in raw_b]
        keys.append(cb)
    combo = keys[0]
    for k in keys[1:]:
        combo = combo * (int(k.max()) + 1) + k
    codes, uniq_pos = pd.factorize(combo)
    codes = codes.astype(np.int64)
    n = len(combo)
    first = np.full(len(uniq_pos), n, dtype=np.int64)
    np.minimum.at(first, codes, np.arange(n))
    rows = []
    seen: dict[str, _Parsed] = {}  # one text can come with several type/cuadra columns
    for i in first:
        text = ta[ca[i]]
        if street_type is not None:
            t = tt[keys[1][i]]
            head = text.split(" ", 1)[0].rstrip(".") if text else ""
            if t and _TYPE_OF_FORM.get(fold_text(head)) is None:
                text = f"{t}. {text}"
        r = seen.get(text)
        if r is None:
            r = seen[text] = _parse_one(text)
        if block is not None:
            b = tb[keys[-1][i]]
            if r[3] == MISSING and b != MISSING:
                r = (*r[:3], b, *r[4:11], "cuadra" if r[0] else r[11], r[12])
        rows.append(r)
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(PARTS_COLUMNS)
    # object columns: cheap to index and compare in bulk (pandas' arrow strings are not)
    parts = pd.DataFrame({name: pd.Series(np.asarray(cols[j], dtype=object), dtype=object)
                          for j, name in enumerate(PARTS_COLUMNS)})
    for c, j in (("block", 3), ("offset", 4)):
        parts[c] = np.asarray(cols[j], dtype=np.int32) if rows else np.empty(0, np.int32)
    return codes, parts


def parse_addresses(addresses: Sequence[Any] | pd.Series | np.ndarray, *,
                    street_type: Sequence[Any] | pd.Series | np.ndarray | None = None,
                    block: Sequence[Any] | pd.Series | np.ndarray | None = None
                    ) -> pd.DataFrame:
    """Parse addresses into parts, one row per input row (index 0..n-1).

    Each distinct (address, type, block) combination is parsed once
    (:func:`parse_distinct`); codes are joined back with numpy, so a file of
    millions of rows with a few hundred thousand distinct addresses parses in
    seconds.

    Parameters
    ----------
    addresses
        Written addresses (``DIRECCION_HECHO``, ``location_block``); missing
        values allowed.
    street_type
        Optional street-type column (``TIPO_VIA_HECHO``: ``"AV"``,
        ``"JIRON"`` …), used when the address itself carries no type.
    block
        Optional cuadra column (``CUADRA_HECHO``), used when the address
        itself carries no cuadra or house number.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PARTS_COLUMNS`. ``block`` and ``offset`` are ``int32``
        with :data:`MISSING` (-1) when unknown; text columns are ``""`` when
        absent.
    """
    codes, parts = parse_distinct(addresses, street_type=street_type, block=block)
    return parts.iloc[codes].reset_index(drop=True)


def _display(stype: str, name: str) -> str:
    if not stype:
        return name
    if stype in STREET_TYPE_DISPLAY:
        return f"{STREET_TYPE_DISPLAY[stype]} {name}"
    return f"{name} {stype}"


def storable_address(parts: pd.DataFrame) -> pd.DataFrame:
    """Reduce parsed addresses to the form that may be stored.

    Keeps the street's display name with its type, the cuadra and the
    cross street, and the zone; drops house numbers, manzana/lote and free
    text (references, interiors), which can identify a home.

    Returns
    -------
    pandas.DataFrame
        ``street`` (``"AV. AVIACION"``), ``block`` (``int32``, -1 unknown),
        ``cross_street``, ``zone`` (``"AA.HH. SAN PEDRO"``) and ``address``:
        one line such as ``"AV. AVIACION CDRA. 12"``.
    """
    cols = ["street_type", "street_name", "street", "block", "cross_type", "cross_name",
            "cross_street", "zone_type", "zone"]
    codes, uniq = factorize_rows(parts[cols])
    return _storable_distinct(uniq).iloc[codes].reset_index(drop=True)


def _storable_distinct(parts: pd.DataFrame) -> pd.DataFrame:
    st = parts["street_type"].to_numpy(dtype=object)
    name = parts["street_name"].to_numpy(dtype=object)
    key = parts["street"].to_numpy(dtype=object)
    street = np.array([_display(t, nm) if k else ""
                       for t, nm, k in zip(st, name, key, strict=True)], dtype=object)
    ct = parts["cross_type"].to_numpy(dtype=object)
    cn = parts["cross_name"].to_numpy(dtype=object)
    ck = parts["cross_street"].to_numpy(dtype=object)
    cross = np.array([_display(t, nm) if k else ""
                      for t, nm, k in zip(ct, cn, ck, strict=True)], dtype=object)
    zt = parts["zone_type"].to_numpy(dtype=object)
    zn = parts["zone"].to_numpy(dtype=object)
    zone = np.array([(ZONE_TYPE_DISPLAY.get(t, t) + " " + z).strip() if z else ""
                     for t, z in zip(zt, zn, strict=True)], dtype=object)
    blk = parts["block"].to_numpy().astype(np.int32)
    line = []
    for s, b, c, z in zip(street, blk, cross, zone, strict=True):
        bits = [s] if s else []
        if s and b != MISSING:
            bits.append(f"CDRA. {b}")
        if s and c:
            bits.append(f"ESQ. {c}")
        if z:
            bits.append(z)
        line.append(" ".join(bits))
    return pd.DataFrame({"street": pd.Series(street, dtype=object), "block": blk,
                         "cross_street": pd.Series(cross, dtype=object),
                         "zone": pd.Series(zone, dtype=object),
                         "address": pd.Series(np.array(line, dtype=object), dtype=object)})


def reason_text(reasons: Sequence[str] | pd.Series) -> pd.Series:
    """Spanish text of reason keys (:data:`REASONS`)."""
    return pd.Series(reasons).map(lambda r: REASONS.get(r, r))
