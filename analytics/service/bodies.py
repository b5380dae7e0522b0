"""Request bodies of the ingest API: JSON in, one post of canonical records out (pure).

:func:`parse_incidents` turns the raw bytes of a post into its records or
refuses the body with a status and one Spanish line (:class:`BodyError`);
:func:`canonical_post` recognises the keys of the records (as a file's
headers, :func:`analytics._validate.guess_mapping`) and rewrites every record
with the canonical field names, so that posts using Spanish and English keys
can be folded into one import (:mod:`analytics.service.writer`). Personal-data
keys and keys that are no incident field are dropped here: the file pipeline
never reads them either.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

from analytics import _validate as V, settings
from analytics._errors import AnalyticsError
from analytics.ingest import sources as S

#: Media types a post may declare.
JSON_TYPES: Final = ("application/json",)


class BodyError(AnalyticsError, ValueError):
    """A body the API refuses: ``status`` (400, 413, 415, 422) and a Spanish message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Post:
    """One accepted post, ready for the writer.

    ``rows`` holds one ``field -> text`` dict per incident (``None`` for a
    malformed record), keyed by canonical field names (``incident_id``,
    ``occurred_at``, ``lat``...). ``fields`` is their sorted tuple (posts with
    the same fields are imported together); ``pii`` the personal-data keys
    dropped.
    """

    token_name: str
    token_hash: str
    rows: list[dict[str, str | None] | None]
    fields: tuple[str, ...]
    pii: list[str] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        """Incidents in the post (malformed ones included)."""
        return len(self.rows)


def check_content_type(value: str | None) -> None:
    """Refuse a post that does not declare JSON (415)."""
    media = (value or "").split(";")[0].strip().lower()
    if media not in JSON_TYPES:
        raise BodyError(415, "El cuerpo debe ser JSON: envíe la cabecera "
                             "Content-Type: application/json.")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} no es un valor JSON")


def parse_incidents(raw: bytes, *, max_rows: int = settings.API_MAX_ROWS) -> list[Any]:
    """The incident records of a post body: a JSON list, or ``{"incidents": [...]}``.

    Raises
    ------
    BodyError
        400: not UTF-8, not JSON (or NaN/Infinity, or nested too deep);
        422: not a list of incidents, an empty list, more than ``max_rows``.
    """
    if not raw.strip():
        raise BodyError(400, "El cuerpo está vacío: envíe una lista JSON de incidentes.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BodyError(400, f"El cuerpo no es texto UTF-8 válido (byte {exc.start}).") from None
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise BodyError(400, "El JSON está anidado a demasiada profundidad.") from None
    except json.JSONDecodeError as exc:
        raise BodyError(400, f"JSON mal formado (línea {exc.lineno}, columna {exc.colno}): "
                             f"{_reason_es(exc.msg)}.") from None
    except ValueError as exc:  # NaN / Infinity, integers with too many digits
        raise BodyError(400, f"JSON no válido: {str(exc)[:120]}.") from None
    if isinstance(doc, dict) and "incidents" in doc:
        doc = doc["incidents"]
    if not isinstance(doc, list):
        raise BodyError(422, 'Se espera una lista JSON de incidentes, o {"incidents": [...]}.')
    if not doc:
        raise BodyError(422, "La lista de incidentes está vacía.")
    if len(doc) > max_rows:
        raise BodyError(422, f"Demasiados incidentes en un envío ({len(doc):,}); el máximo es "
                             f"{max_rows:,}: divida el lote.".replace(",", "."))
    return doc


_JSON_REASONS: Final = (
    ("Expecting value", "se esperaba un valor"),
    ("Expecting property name enclosed in double quotes",
     "se esperaba un nombre de campo entre comillas dobles"),
    ("Expecting ',' delimiter", "se esperaba una coma"),
    ("Expecting ':' delimiter", "se esperaban dos puntos"),
    ("Unterminated string starting at", "texto sin cerrar"),
    ("Invalid control character at", "carácter de control no válido"),
    ("Invalid \\escape", "secuencia de escape no válida"),
    ("Extra data", "hay datos después del JSON"),
)


def _reason_es(msg: str) -> str:
    for en, es in _JSON_REASONS:
        if msg.startswith(en):
            return es
    return "sintaxis no válida"


def canonical_post(records: list[Any], *, token_name: str, token_hash: str) -> Post:
    """Recognise the keys of a post's records and rewrite them with canonical field names.

    Raises
    ------
    BodyError
        422: no record is a flat JSON object, too many distinct keys, or no date
        or coordinate key is recognised.
    """
    try:
        rows, headers = S.record_rows(records)
    except AnalyticsError as exc:
        raise BodyError(422, _api_message(str(exc))) from None
    if all(r is None for r in rows):
        raise BodyError(422, "Ningún incidente es un objeto JSON plano (clave: valor, sin "
                             "objetos ni listas anidados).")
    pii = V.pii_columns(headers)
    mapping = V.guess_mapping(headers, exclude=pii)
    try:
        V.check_mapping(mapping, file_name="El envío")
    except AnalyticsError as exc:
        raise BodyError(422, _api_message(str(exc))) from None
    canon: list[dict[str, str | None] | None] = [
        None if r is None else {f: r.get(c) for f, c in mapping.items()} for r in rows]
    return Post(token_name=token_name, token_hash=token_hash, rows=canon,
                fields=tuple(sorted(mapping)), pii=pii)


def _api_message(message: str) -> str:
    """A pipeline message reworded for the API (keys, not columns or ``--map``)."""
    return (message.replace(" Indique cuál usar con --map campo=columna.",
                            " Use claves reconocidas (p. ej. fecha_hora, latitud, longitud).")
            .replace("No se puede leer api: ", "").replace("columnas", "claves"))
