"""The ingest API's one writer: posts folded into one store transaction per tick (group commit).

Every post is queued; one thread takes whatever is queued (up to
``settings.API_BATCH_MAX_ROWS`` rows) and, on its store connection, in ONE
transaction:

1. checks every post's token again (a token revoked a moment ago is refused: 401);
2. imports the posts through the file pipeline
   (:func:`analytics.ingest.ingest_records`): posts whose records carry the same
   fields become one import, and each post's share of it (accepted,
   duplicates, quarantined and why) is read back from the rows it wrote;
3. writes one audit row per post (``api_posts``) and the tokens' last use;

then commits, and only then answers the posts. An answer therefore always
means the rows are committed (DuckDB's commit is durable: they survive a
``kill -9`` of the service).

The store's write lock (:func:`analytics.store.connect`) is taken when posts
come and kept only while they keep coming, at most
``settings.API_WRITER_HOLD_S`` seconds; then the connection is closed and the
writer pauses ``settings.API_WRITER_GAP_S`` seconds, longer than a waiting
reader's poll, so the app's readers and a CLI import get the store in turn.

Near-repeat alerts (:func:`analytics.alerts.refresh_alerts`) are rebuilt after
a tick that accepted incidents, at most every ``settings.ALERT_REFRESH_MIN_S``
seconds while posts stream in, and always before the connection is closed and
before the alerts are read through the writer (:meth:`Writer.call`).

If a tick fails, it is rolled back and its posts are retried one by one, so a
post that breaks something does not take the others down with it.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

import duckdb
import numpy as np

from analytics import _validate as V, alerts, ingest, settings, store, tokens
from analytics._errors import AnalyticsError, StoreError
from analytics.ingest import sources as S
from analytics.service.bodies import Post
from analytics.store import api as store_api

log = logging.getLogger("vigia.api")

#: Name of API imports in ``imports.file_name`` and the quarantine.
IMPORT_NAME: Final = "api"
#: Seconds between two flushes of refused posts and token uses when no post comes.
_FLUSH_S: Final = 5.0
#: Seconds between two purges of old audit rows.
_PURGE_EVERY_S: Final = 3600.0
#: Seconds the writer keeps the store after a tick, waiting for more posts.
_LINGER_S: Final = 0.02
#: Seconds a tick waits, after its first post, for posts in flight to join it.
_GATHER_S: Final = 0.008


def local_now() -> datetime:
    """Local wall time (``settings.TIMEZONE``), naive, like incidents."""
    return datetime.now(ZoneInfo(settings.TIMEZONE)).replace(tzinfo=None)


@dataclass(frozen=True)
class PostResult:
    """The answer to one post: HTTP status and JSON body."""

    status: int
    body: dict[str, Any]


@dataclass
class _Job:
    post: Post
    future: Future[PostResult] = field(default_factory=Future)


@dataclass
class _Notes:
    """Refused posts (coalesced per token and status) and token uses since the last flush."""

    refused: Counter[tuple[str, int]] = field(default_factory=Counter)
    used: set[str] = field(default_factory=set)
    rules: Any = None  # a rules frame to save (from the maintenance thread)

    def empty(self) -> bool:
        return not self.refused and not self.used and self.rules is None


def study_area_of_store(con: duckdb.DuckDBPyConnection, *,
                        radius_km: float = settings.STUDY_RADIUS_KM,
                        sample: int = 200_000) -> Any:
    """The default study area of API posts: within ``radius_km`` of where the store's data lie.

    The centres are those a file of the store's incidents would get
    (:func:`analytics._validate.study_area_centers`), each the centre of a
    polygonal ellipse matching the file check's equirectangular distance.
    ``None`` for an empty store (each import then uses its own points, as a file).
    """
    import shapely

    rows = con.execute(f"SELECT lat, lon FROM incidents USING SAMPLE {int(sample)} ROWS"
                       ).fetchnumpy()
    lat = np.asarray(rows["lat"], dtype=np.float64)
    lon = np.asarray(rows["lon"], dtype=np.float64)
    ok = np.isfinite(lat) & np.isfinite(lon)
    centres = V.study_area_centers(lat[ok], lon[ok])
    if not centres:
        return None
    theta = np.linspace(0, 2 * math.pi, 129)[:-1]
    shapes = []
    for c_lat, c_lon in centres:
        k = max(math.cos(math.radians(c_lat)), 1e-6)
        xs = c_lon + radius_km / (111.32 * k) * np.cos(theta)
        ys = c_lat + radius_km / 110.57 * np.sin(theta)
        shapes.append(shapely.Polygon(np.column_stack([xs, ys])))
    return shapely.union_all(shapes)


@dataclass
class _Call:
    fn: Callable[[duckdb.DuckDBPyConnection], Any]
    future: Future[Any] = field(default_factory=Future)


class Writer:
    """The group-commit writer of one store (see the module notes).

    Parameters
    ----------
    db
        Store path.
    source
        Label stored with every incident posted (``incidents.source``).
    tz
        Zone of the posted wall times.
    study_area
        ``None``: :func:`study_area_of_store` (refreshed by :meth:`set_study_area`);
        or a bbox / polygon as for a file.
    gap_s, hold_s, max_rows, timeout
        Pause after releasing the store, longest hold of it, rows per tick,
        longest wait for the store's lock.
    clock
        Local wall time (passed in for tests).
    """

    def __init__(self, db: str, *, source: str | None = "api", tz: str = settings.TIMEZONE,
                 study_area: Any = None, gap_s: float = settings.API_WRITER_GAP_S,
                 hold_s: float = settings.API_WRITER_HOLD_S,
                 max_rows: int = settings.API_BATCH_MAX_ROWS,
                 timeout: float = settings.API_STORE_TIMEOUT_S,
                 clock: Callable[[], datetime] = local_now) -> None:
        self.db = db
        self.source = source
        self.tz = tz
        self.fixed_area = study_area
        self.area: Any = study_area
        self.gap_s = gap_s
        self.hold_s = hold_s
        self.max_rows = max_rows
        self.timeout = timeout
        self.clock = clock
        self._queue: queue.Queue[_Job | _Call | None] = queue.Queue()
        self._notes = _Notes()
        self._notes_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._con: store.StoreConnection | None = None
        self._held_since = 0.0
        self._alerts_dirty = False
        self._alerts_at = -math.inf
        self._last_purge = -math.inf
        self._last_flush = time.monotonic()
        self.ticks = 0

    # ------------------------------------------------------------------ public
    def start(self) -> None:
        """Start the writer thread."""
        self._thread = threading.Thread(target=self._run, name="vigia-api-writer", daemon=True)
        self._thread.start()

    def stop(self, *, timeout: float = 30.0) -> None:
        """Answer what is queued, then close the store and stop the thread."""
        self._stopping.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    def submit(self, post: Post) -> Future[PostResult]:
        """Queue a post; the future is set once its tick committed (or failed)."""
        job = _Job(post)
        if self._stopping.is_set():
            job.future.set_result(PostResult(503, {"error": "El servicio se está deteniendo; "
                                                            "reintente en unos segundos."}))
            return job.future
        self._queue.put(job)
        return job.future

    def call(self, fn: Callable[[duckdb.DuckDBPyConnection], Any]) -> Future[Any]:
        """Run ``fn(con)`` on the writer's connection, after the alerts are brought up to date.

        For reads that must see every acknowledged post (the alerts). ``fn``
        must not leave a transaction open.
        """
        item = _Call(fn)
        if self._stopping.is_set():
            item.future.set_exception(StoreError("El servicio se está deteniendo."))
            return item.future
        self._queue.put(item)
        return item.future

    def note_refused(self, token_name: str, status: int) -> None:
        """Count a refused post of a known token (audited, coalesced, with the next tick)."""
        with self._notes_lock:
            self._notes.refused[(token_name, int(status))] += 1

    def note_used(self, token_name: str) -> None:
        """Note that a token was used (its ``last_used_at`` is set with the next tick)."""
        with self._notes_lock:
            self._notes.used.add(token_name)

    def save_rules(self, rules: Any) -> None:
        """Cache new alert rules (and rebuild the alerts) with the next tick."""
        with self._notes_lock:
            self._notes.rules = rules
        self._queue.put(None)  # wake the thread

    def set_study_area(self, area: Any) -> None:
        """Replace the store-derived study area (ignored when one was given)."""
        if self.fixed_area is None:
            self.area = area

    def pending(self) -> int:
        """Items waiting for the writer."""
        return self._queue.qsize()

    # ------------------------------------------------------------------ the thread
    def _take(self, wait_s: float) -> tuple[list[_Job], list[_Call]]:
        """Posts for one tick and reads (waits ``wait_s`` for the first item)."""
        jobs: list[_Job] = []
        calls: list[_Call] = []
        try:
            items = [self._queue.get(timeout=wait_s)]
        except queue.Empty:
            return jobs, calls
        rows = 0
        quiet_until = time.monotonic() + _GATHER_S
        while True:
            item = items[-1]
            if isinstance(item, _Call):
                calls.append(item)
            elif isinstance(item, _Job):
                if rows and rows + item.post.n_rows > self.max_rows:
                    self._queue.put(item)  # next tick (order among posts carries no meaning)
                    break
                jobs.append(item)
                rows += item.post.n_rows
            try:  # a short group-commit window: posts in flight join this tick
                items.append(self._queue.get(timeout=max(0.0, quiet_until - time.monotonic())))
            except queue.Empty:
                break
        return jobs, calls

    def _run(self) -> None:
        while True:
            try:
                if self._round():
                    return
            except Exception:  # noqa: BLE001 - the writer must outlive any one failure
                log.exception("writer round failed; the store connection is reopened")
                self._discard()
                time.sleep(self.gap_s)

    def _round(self) -> bool:
        """One round of the writer: take, write, maybe let the store go; whether to stop."""
        held = self._con is not None
        jobs, calls = self._take(_LINGER_S if held else _FLUSH_S)
        with self._notes_lock:
            notes, self._notes = self._notes, _Notes()
        stopping = self._stopping.is_set()
        due = time.monotonic() - self._last_flush >= _FLUSH_S
        if jobs or calls or notes.rules is not None or (
                not notes.empty() and (due or stopping or held)):
            self._work(jobs, calls, notes)
        elif not notes.empty():
            self._put_back(notes)  # too early to open the store for notes alone
        idle = not jobs and not calls
        if self._con is not None and (
                idle or stopping or time.monotonic() - self._held_since >= self.hold_s):
            # Idle: the alerts are brought up to date before the store goes. Still busy:
            # the next hold does it (at most ALERT_REFRESH_MIN_S later).
            self._release(refresh=idle or stopping)
            time.sleep(self.gap_s)
        if stopping and self._queue.empty():
            self._release()
            return True
        return False

    def _put_back(self, notes: _Notes) -> None:
        with self._notes_lock:
            self._notes.refused.update(notes.refused)
            self._notes.used |= notes.used
            if self._notes.rules is None:
                self._notes.rules = notes.rules

    def _open(self) -> store.StoreConnection:
        if self._con is None:
            self._con = store.connect(self.db, timeout=self.timeout)
            self._held_since = time.monotonic()
        return self._con

    def _release(self, *, refresh: bool = True) -> None:
        """Bring the alerts up to date (``refresh``), close the store connection."""
        if self._con is None:
            return
        try:
            if refresh and self._alerts_dirty:
                self._refresh_alerts(self._con)
        except Exception as exc:  # noqa: BLE001 - the next tick tries again
            log.error("could not rebuild the alerts (%s)", type(exc).__name__)
        finally:
            self._discard()

    def _discard(self) -> None:
        con, self._con = self._con, None
        if con is not None:
            try:
                con.close()
            except Exception:  # noqa: BLE001 - a broken connection: nothing more to do
                log.warning("closing the store connection failed")

    def _refresh_alerts(self, con: duckdb.DuckDBPyConnection) -> None:
        alerts.refresh_alerts(con, now=self.clock())
        self._alerts_dirty = False
        self._alerts_at = time.monotonic()

    def _work(self, jobs: list[_Job], calls: list[_Call], notes: _Notes) -> None:
        try:
            con = self._open()
        except Exception as exc:  # noqa: BLE001 - every post and read must get an answer
            for job in jobs:
                job.future.set_result(_failure(exc))
            for c in calls:
                c.future.set_exception(exc)
            self._put_back(notes)
            return
        if jobs or not notes.empty():
            self._tick_safely(jobs, notes)
            self._last_flush = time.monotonic()
        try:
            if self._con is not None and self._alerts_dirty and (
                    calls or time.monotonic() - self._alerts_at >= settings.ALERT_REFRESH_MIN_S):
                self._refresh_alerts(self._con)
        except Exception as exc:  # noqa: BLE001 - the next tick tries again
            log.error("could not rebuild the alerts (%s)", type(exc).__name__)
            self._discard()
        for c in calls:
            try:
                c.future.set_result(c.fn(self._open()))
            except Exception as exc:  # noqa: BLE001 - handed to the caller
                c.future.set_exception(exc)
        del con

    def _tick_safely(self, jobs: list[_Job], notes: _Notes) -> None:
        try:
            results = self._tick(self._open(), jobs, notes)
        except Exception as exc:  # noqa: BLE001 - every post must get an answer
            self._discard()  # a failed transaction may leave the connection unusable
            if len(jobs) > 1:
                log.warning("tick of %d posts failed (%s); retrying them one by one",
                            len(jobs), type(exc).__name__)
                for k, job in enumerate(jobs):
                    self._tick_safely([job], notes if k == 0 else _Notes())
                return
            for job in jobs:
                job.future.set_result(_failure(exc))
            if not jobs:
                log.error("could not write the API's notes (%s)", type(exc).__name__)
            return
        for job in jobs:
            job.future.set_result(results[id(job)])

    def _tick(self, con: store.StoreConnection, jobs: Sequence[_Job], notes: _Notes
              ) -> dict[int, PostResult]:
        now = self.clock()
        results: dict[int, PostResult] = {}
        con.execute("BEGIN TRANSACTION")
        try:
            valid = tokens.verify_hashes(con, [j.post.token_hash for j in jobs])
            live = [j for j in jobs if j.post.token_hash in valid]
            for j in jobs:
                if j.post.token_hash not in valid:
                    results[id(j)] = PostResult(401, {"error": "Token no válido o revocado."})
            groups: dict[tuple[str, ...], list[_Job]] = {}
            for j in live:
                groups.setdefault(j.post.fields, []).append(j)
            for group in groups.values():
                results.update(self._ingest_group(con, group))
            if notes.rules is not None:
                alerts.save_rules(con, notes.rules)
            self._audit(con, jobs, results, notes, now)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        if notes.rules is not None or any(r.status == 200 and r.body.get("accepted")
                                          for r in results.values()):
            self._alerts_dirty = True
            if notes.rules is not None:
                self._alerts_at = -math.inf  # new rules: rebuild now
        self.ticks += 1
        return results

    def _audit(self, con: duckdb.DuckDBPyConnection, jobs: Sequence[_Job],
               results: dict[int, PostResult], notes: _Notes, now: datetime) -> None:
        rows: list[store_api.PostRow] = []
        for j in jobs:
            r = results[id(j)]
            b = r.body
            rows.append((now, j.post.token_name, r.status, j.post.n_rows, b.get("accepted"),
                         b.get("duplicates"), b.get("quarantined"), b.get("import_id"), None))
        for (name, status), n in sorted(notes.refused.items()):
            rows.append((now, name, status, None, None, None, None, None,
                         f"{n} envío(s) rechazado(s)"))
        store_api.insert_posts(con, rows)
        used = sorted({j.post.token_name for j in jobs if results[id(j)].status == 200}
                      | notes.used)
        store_api.touch_tokens(con, used, now=now)
        if time.monotonic() - self._last_purge > _PURGE_EVERY_S:
            store_api.purge_posts(con, before=now - timedelta(
                days=settings.API_AUDIT_RETENTION_DAYS))
            self._last_purge = time.monotonic()

    # ------------------------------------------------------------------ import
    def _ingest(self, con: duckdb.DuckDBPyConnection,
                records: list[dict[str, str | None] | None]) -> ingest.IngestReport:
        return ingest.ingest_records(records, con=con, source=self.source, tz=self.tz,
                                     study_area=self.area, name=IMPORT_NAME, transaction=False)

    def _ingest_group(self, con: duckdb.DuckDBPyConnection, group: list[_Job]
                      ) -> dict[int, PostResult]:
        if len(group) == 1:
            post = group[0].post
            rep = self._ingest(con, post.rows)
            return {id(group[0]): _ok(rep.rows_read, rep.accepted, rep.duplicates,
                                      rep.quarantined, rep.quarantine_reasons,
                                      rep.import_ids[0], post.pii)}
        merged = [row for j in group for row in j.post.rows]
        src = S.records_source(merged, name=IMPORT_NAME)
        if store.file_already_imported(con, src.sha256):
            # The same posts were imported together before (a retried batch): the pipeline
            # would not write their quarantine rows again, which the split below reads.
            out: dict[int, PostResult] = {}
            for j in group:
                out.update(self._ingest_group(con, [j]))
            return out
        rep = self._ingest(con, merged)
        return _split(con, group, src, rep)

def _ok(rows: int, accepted: int, duplicates: int, quarantined: int,
        reasons: dict[str, int], import_id: int, pii: list[str]) -> PostResult:
    return PostResult(200, {"rows_read": rows, "accepted": accepted, "duplicates": duplicates,
                            "quarantined": quarantined,
                            "quarantine_reasons": dict(sorted(reasons.items(),
                                                              key=lambda kv: -kv[1])),
                            "pii_keys_dropped": pii, "import_id": import_id})


def _split(con: duckdb.DuckDBPyConnection, group: list[_Job], src: S.Source,
           rep: ingest.IngestReport) -> dict[int, PostResult]:
    """Each post's share of one import of several posts, read back from what it wrote.

    Quarantined rows carry their position (``row_number``). An accepted
    identifier belongs to the first row with it that is not quarantined: the
    pipeline keeps the first valid occurrence of an identifier, and every row
    has one (given, or from its content).
    """
    iid = rep.import_ids[0]
    quarantined = dict(con.execute("SELECT row_number, reason FROM quarantine "
                                   "WHERE import_id = ?", [iid]).fetchall())
    accepted_ids = {r[0] for r in con.execute("SELECT incident_id FROM incidents "
                                              "WHERE import_id = ?", [iid]).fetchall()}
    assert src.frame is not None
    bad = set(src.malformed)
    positions = [p for p in range(1, sum(j.post.n_rows for j in group) + 1) if p not in bad]
    first: dict[str, int] = {}
    for pos, ident in zip(positions, src.frame["incident_id"], strict=True):
        if pos not in quarantined and ident in accepted_ids and ident not in first:
            first[ident] = pos
    accepted_pos = np.zeros(len(positions) + len(bad) + 1, dtype=bool)
    accepted_pos[list(first.values())] = True
    if (int(accepted_pos.sum()) != rep.accepted or len(quarantined) != rep.quarantined):
        msg = "API: el reparto de una importación conjunta no cuadra."
        raise StoreError(msg)  # the tick is rolled back and its posts imported one by one
    out: dict[int, PostResult] = {}
    start = 1
    for j in group:
        end = start + j.post.n_rows
        reasons = Counter(str(r) for p, r in quarantined.items() if start <= p < end)
        acc = int(accepted_pos[start:end].sum())
        q = sum(reasons.values())
        out[id(j)] = _ok(j.post.n_rows, acc, j.post.n_rows - acc - q, q, dict(reasons), iid,
                         j.post.pii)
        start = end
    return out


def _failure(exc: BaseException) -> PostResult:
    """The answer to a post whose tick failed."""
    if isinstance(exc, StoreError):
        log.warning("store unavailable for a post: %s", type(exc).__name__)
        return PostResult(503, {"error": "El almacén está ocupado o no disponible; reintente "
                                         "en unos segundos (el envío no se guardó)."})
    if isinstance(exc, AnalyticsError):
        return PostResult(422, {"error": str(exc)})
    log.error("unexpected error writing a post", exc_info=(type(exc), exc, exc.__traceback__))
    return PostResult(500, {"error": "Error interno del servicio; el envío no se guardó. "
                                     "Avise al equipo de Vigía."})
