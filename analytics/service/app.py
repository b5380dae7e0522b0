"""The HTTP routes of the ingest API (Starlette); see :mod:`analytics.service` for the contract."""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Final

import pandas as pd
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from analytics import alerts, settings, store, throttle, tokens
from analytics._errors import AnalyticsError, StoreError
from analytics.service import bodies
from analytics.service.writer import Writer, local_now, study_area_of_store
from analytics.store import api as store_api

log = logging.getLogger("vigia.api")

API_VERSION: Final = "v1"
#: Seconds between two checks of the maintenance thread (stale rules, study area).
_MAINTENANCE_S: Final = 60.0
#: Seconds between two updates of the study area from the store's data.
_AREA_EVERY_S: Final = 600.0
#: Least seconds between two reloads of the token cache caused by an unknown token.
_MISS_RELOAD_S: Final = 1.0


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _unauthorized(message: str) -> JSONResponse:
    return _error(401, message, {"WWW-Authenticate": 'Bearer realm="vigia"'})


class TokenCache:
    """Active tokens in memory (hash -> name, role), reloaded every ``ttl_s`` seconds.

    Only a first filter before the body is read: every post checks its token
    again inside its write, and every alerts read inside its read, so a revoked
    token is refused at once. A token not in memory (e.g. made a moment ago)
    reloads the cache; reloads happen at most once per second, and requests
    that arrive meanwhile wait for the next one (a flood of bad tokens costs
    one store read per second).
    """

    def __init__(self, db: str, *, ttl_s: float = settings.API_TOKEN_CACHE_S) -> None:
        self.db = db
        self.ttl_s = ttl_s
        self._known: dict[str, tuple[str, str]] = {}
        self._loaded = -math.inf
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()

    def _reload(self) -> None:
        with store.reading(self.db, timeout=settings.STORE_READ_TIMEOUT_S) as con:
            known = store_api.active_tokens(con)
        with self._lock:
            self._known = known
            self._loaded = time.monotonic()

    def lookup(self, token_hash: str) -> tuple[str, str] | None:
        """``(name, role)`` of an active token, or ``None``."""
        asked = time.monotonic()
        with self._lock:
            found = self._find(token_hash)
            fresh = asked - self._loaded <= self.ttl_s
        if found is not None and fresh:
            return found
        with self._reload_lock:
            if self._loaded < asked:  # nobody reloaded since this request came
                wait = self._loaded + _MISS_RELOAD_S - time.monotonic()
                if found is None and wait > 0:
                    time.sleep(wait)
                if self._loaded < asked:
                    self._reload()
        with self._lock:
            return self._find(token_hash)

    def _find(self, token_hash: str) -> tuple[str, str] | None:
        for h, value in self._known.items():
            if tokens.same_hash(h, token_hash):
                return value
        return None


class Service:
    """State shared by the routes: the store, the writer, the token cache, the limiter."""

    def __init__(self, db: str, *, source: str | None = "api", tz: str = settings.TIMEZONE,
                 study_area: Any = None, rate_limit: int = settings.API_RATE_LIMIT,
                 rate_window_s: float = settings.API_RATE_WINDOW_S,
                 max_body_bytes: int = settings.API_MAX_BODY_BYTES,
                 max_rows: int = settings.API_MAX_ROWS, maintenance: bool = True) -> None:
        self.db = db
        self.max_body_bytes = max_body_bytes
        self.max_rows = max_rows
        self.writer = Writer(db, source=source, tz=tz, study_area=study_area)
        self.tokens = TokenCache(db)
        self.limiter = throttle.SlidingWindowLimiter(limit=rate_limit, window_s=rate_window_s)
        self.maintenance = maintenance
        self._stop = threading.Event()
        self._maint: threading.Thread | None = None
        self._area_at = -math.inf

    # ------------------------------------------------------------------ life
    def start(self) -> None:
        """Create or migrate the store, start the writer and the maintenance thread."""
        store.connect(self.db).close()
        if self.writer.fixed_area is None:
            with store.reading(self.db) as con:  # before the first post
                self.writer.set_study_area(study_area_of_store(con))
            self._area_at = time.monotonic()
        self.writer.start()
        if self.maintenance:
            self._maint = threading.Thread(target=self._maintain, name="vigia-api-maintenance",
                                           daemon=True)
            self._maint.start()

    def stop(self) -> None:
        """Answer the queued posts and stop."""
        self._stop.set()
        self.writer.stop()

    def _maintain(self) -> None:
        """Keep the Knox rules fresh (nightly) and the study area of the store current."""
        while not self._stop.is_set():
            try:
                now = local_now()
                area_due = (self.writer.fixed_area is None
                            and time.monotonic() - self._area_at >= _AREA_EVERY_S)
                with store.reading(self.db) as con:
                    stale = alerts.rules_stale(con, now=now)
                    area = study_area_of_store(con) if area_due else None
                if area_due:
                    self.writer.set_study_area(area)
                    self._area_at = time.monotonic()
                if stale:
                    with store.reading(self.db) as con:
                        rules = alerts.compute_rules(con, now=now)
                    self.writer.save_rules(rules)
            except Exception as exc:  # noqa: BLE001 - retried on the next round
                log.warning("maintenance round failed: %s", type(exc).__name__)
            self._stop.wait(_MAINTENANCE_S)

    # ------------------------------------------------------------------ routes
    def _auth(self, request: Request, action: str) -> tuple[str, str] | Response:
        token_hash = tokens.bearer_hash(request.headers.get("authorization"))
        if token_hash is None:
            return _unauthorized("Falta el token: envíe la cabecera Authorization: Bearer TOKEN.")
        found = self.tokens.lookup(token_hash)
        if found is None:
            return _unauthorized("Token no válido o revocado.")
        name, role = found
        if not tokens.allowed(role, action):
            self.writer.note_refused(name, 403)
            return _error(403, f"El token {name} (rol {role}) no puede hacer esto.")
        return token_hash, name

    async def post_incidents(self, request: Request) -> Response:
        """``POST /api/v1/incidents``."""
        auth = await run_in_threadpool(self._auth, request, "post")
        if isinstance(auth, Response):
            return auth
        token_hash, name = auth
        wait = self.limiter.wait_seconds(name)
        if wait > 0:
            self.writer.note_refused(name, 429)
            return _error(429, "Demasiados envíos con este token; espere y reintente.",
                          {"Retry-After": str(max(1, math.ceil(wait)))})
        self.limiter.record(name)
        try:
            bodies.check_content_type(request.headers.get("content-type"))
            raw = await self._read_body(request)
            post = await run_in_threadpool(self._post_of, raw, name, token_hash)
        except bodies.BodyError as exc:
            self.writer.note_refused(name, exc.status)
            return _error(exc.status, str(exc))
        result = await asyncio.wrap_future(self.writer.submit(post))
        headers = {"Retry-After": "5"} if result.status == 503 else None
        return JSONResponse(result.body, status_code=result.status, headers=headers)

    def _post_of(self, raw: bytes, name: str, token_hash: str) -> bodies.Post:
        records = bodies.parse_incidents(raw, max_rows=self.max_rows)
        return bodies.canonical_post(records, token_name=name, token_hash=token_hash)

    async def _read_body(self, request: Request) -> bytes:
        """The body, refused (413) as soon as it is known to exceed the limit."""
        limit = self.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                raise bodies.BodyError(400, "Cabecera Content-Length no válida.") from None
            if size > limit:
                raise bodies.BodyError(413, _too_large(limit))
        chunks: list[bytes] = []
        total = 0
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                raise bodies.BodyError(413, _too_large(limit))
            chunks.append(chunk)
        return b"".join(chunks)

    async def get_alerts(self, request: Request) -> Response:
        """``GET /api/v1/alerts[?at=ISO]``: the active alerts."""
        auth = await run_in_threadpool(self._auth, request, "read_alerts")
        if isinstance(auth, Response):
            return auth
        token_hash, name = auth
        at_text = request.query_params.get("at")
        try:
            at = _parse_at(at_text) if at_text else local_now()
        except ValueError:
            return _error(422, "Parámetro at no válido: use una fecha y hora ISO "
                               "(p. ej. 2025-07-01T20:00).")
        try:
            found = await asyncio.wrap_future(
                self.writer.call(lambda con: self._read_alerts(con, token_hash, at)))
        except StoreError:
            return _error(503, "El almacén está ocupado; reintente en unos segundos.",
                          {"Retry-After": "5"})
        if found is None:
            return _unauthorized("Token no válido o revocado.")
        self.writer.note_used(name)
        return JSONResponse(found, headers={"X-Vigia-At": at.isoformat(timespec="seconds")})

    @staticmethod
    def _read_alerts(con: Any, token_hash: str, at: datetime) -> list[dict[str, Any]] | None:
        """Through the writer: sees every acknowledged post and the alerts they raised."""
        if not tokens.verify_hashes(con, [token_hash]):
            return None
        return alerts.frame_to_json(alerts.active_alerts(con, now=at))

    async def health(self, request: Request) -> Response:
        """``GET /api/v1/health``: up, and how many posts wait (no data, no token)."""
        return JSONResponse({"status": "ok", "api": API_VERSION,
                             "queued_posts": self.writer.pending()})


def _too_large(limit: int) -> str:
    return (f"El cuerpo supera el máximo de {limit / 2**20:g} MB: divida el lote en "
            "varios envíos.")


def _parse_at(text: str) -> datetime:
    ts = pd.Timestamp(text)
    if pd.isna(ts):
        raise ValueError(text)
    if ts.tzinfo is not None:
        ts = ts.tz_convert(settings.TIMEZONE).tz_localize(None)
    out: datetime = ts.to_pydatetime()
    return out


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "Ruta desconocida (vea docs/API.md).",
                405: "Método no permitido en esta ruta."}
    return _error(exc.status_code, messages.get(exc.status_code, "Solicitud no válida."),
                  dict(exc.headers) if exc.headers else None)


async def _bug(request: Request, exc: Exception) -> Response:
    # The body is never logged: only the route and the kind of error.
    log.error("unexpected error on %s %s", request.method, request.url.path,
              exc_info=(type(exc), exc, exc.__traceback__))
    return _error(500, "Error interno del servicio; el envío no se guardó. Avise al equipo "
                       "de Vigía.")


async def _analytics_error(request: Request, exc: Exception) -> Response:
    return _error(422, str(exc))


def create_app(service: Service) -> Starlette:
    """The Starlette application over ``service`` (started and stopped with the app)."""
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(service.start)
        try:
            yield
        finally:
            await run_in_threadpool(service.stop)

    def route(fn: Callable[[Request], Awaitable[Response]], path: str, method: str) -> Route:
        return Route(f"/api/{API_VERSION}/{path}", fn, methods=[method])

    return Starlette(
        routes=[route(service.post_incidents, "incidents", "POST"),
                route(service.get_alerts, "alerts", "GET"),
                route(service.health, "health", "GET")],
        exception_handlers={HTTPException: _http_error, AnalyticsError: _analytics_error,
                            Exception: _bug},
        lifespan=lifespan)
