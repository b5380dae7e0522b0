"""The ingest API: a small HTTP service that takes live incidents into the store.

Started with ``python -m analytics serve-api [--db DB] [--host 127.0.0.1] [--port 8600]``
(Starlette on uvicorn; put it behind a TLS reverse proxy, ``docs/DEPLOYMENT.md``;
examples in ``docs/API.md``).

Routes
------
``POST /api/v1/incidents`` (token of role ``ingest``)
    Body: a JSON list of incidents, or ``{"incidents": [...]}``, with
    ``Content-Type: application/json``. Keys are the headers a file may have
    (Spanish or English: ``id``, ``fecha_hora``, ``latitud``, ``longitud``,
    ``tipo``, ``distrito``...; :func:`analytics._validate.guess_mapping`); every
    JSON scalar is read as the text a file cell would hold. The incidents go
    through the file pipeline (validation, personal data dropped or masked,
    duplicates, quarantine: :func:`analytics.ingest.ingest_records`). A record
    that is not a flat object (nested objects or lists) is quarantined as
    ``fila_malformada``. An incident without ``id`` gets a stable one from its
    content (``api-`` + 20 hex digits), so a retried post is a duplicate.
    ``200`` answers ``rows_read, accepted, duplicates, quarantined,
    quarantine_reasons, pii_keys_dropped, import_id`` once the rows are
    committed (they survive a crash of the service from then on).
``GET /api/v1/alerts[?at=ISO-LOCAL-TIME]`` (token of role ``read`` or ``ingest``)
    A JSON list of the near-repeat alerts active now (or at ``at``; the moment
    used is in the ``X-Vigia-At`` header), each with ``h3, crime_type,
    crime_group, starts_at, expires_at, trigger_incident_id, risk_ratio,
    distance_m, days, cell_distance_m, n_incidents, lat, lon, basis``
    (:mod:`analytics.alerts`).
``GET /api/v1/health`` (no token)
    ``{"status": "ok", ...}``; no data.

Errors answer ``{"error": "<one Spanish line>"}``: ``400`` body not UTF-8 or not
JSON (also NaN/Infinity, JSON nested too deep), ``401`` no token or a bad or
revoked one, ``403`` a ``read`` token posting, ``413`` body over
``settings.API_MAX_BODY_BYTES`` (refused while it streams in), ``415`` not
``application/json``, ``422`` not a list of incidents, empty, more than
``settings.API_MAX_ROWS`` incidents, no date or coordinate key, ``429`` over
``settings.API_RATE_LIMIT`` posts per ``settings.API_RATE_WINDOW_S`` seconds for
one token (with ``Retry-After``), ``503`` store busy for longer than
``settings.API_STORE_TIMEOUT_S`` (with ``Retry-After``; nothing was written),
``500`` a bug (logged without the body). A refused post writes nothing.

Modules: :mod:`~analytics.service.app` (routes, token cache, rate limit, body
limit), :mod:`~analytics.service.bodies` (JSON to canonical records, pure),
:mod:`~analytics.service.writer` (the group-commit writer). Tokens:
:mod:`analytics.tokens`.
"""

from __future__ import annotations

import logging
from typing import Any

from analytics import settings


def serve(db: str, *, host: str = settings.API_HOST, port: int = settings.API_PORT,
          source: str | None = "api", tz: str = settings.TIMEZONE, study_area: Any = None,
          rate_limit: int = settings.API_RATE_LIMIT, log_level: str = "info") -> None:
    """Run the ingest API until interrupted (SIGINT/SIGTERM answer the queued posts first).

    Parameters
    ----------
    db
        Store path (created if missing).
    host, port
        Where to listen (keep ``127.0.0.1`` behind a reverse proxy).
    source
        Label stored with every posted incident.
    tz
        Zone of the posted wall times.
    study_area
        ``None`` (within ``settings.STUDY_RADIUS_KM`` of where the store's data
        lie), or a bbox / polygon as for a file.
    rate_limit
        Posts per token per ``settings.API_RATE_WINDOW_S`` seconds.
    log_level
        uvicorn's log level.
    """
    import socket

    import uvicorn

    from analytics._errors import UserError
    from analytics.service.app import Service, create_app

    try:  # a clear Spanish line instead of uvicorn's when the address is taken
        with socket.create_server((host, int(port)), reuse_port=False):
            pass
    except OSError as exc:
        msg = f"No se puede escuchar en {host}:{port}: {exc.strerror or exc}."
        raise UserError(msg) from None

    logging.basicConfig(level=getattr(logging, log_level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    service = Service(str(db), source=source, tz=tz, study_area=study_area,
                      rate_limit=rate_limit)
    uvicorn.run(create_app(service), host=host, port=int(port), log_level=log_level,
                access_log=False, server_header=False, date_header=True,
                limit_concurrency=settings.API_MAX_CONNECTIONS, timeout_graceful_shutdown=30)
