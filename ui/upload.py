"""The Datos page's upload flow: stage the upload, preview, map columns, import.

Uploads are written to a private temporary folder, never into the repository.
Import goes through ``analytics.ingest.ingest_files``, the same path as the CLI, on
the short-lived writable connection of :func:`ui.cache.write_connection`.

Staged files hold every column of the upload, personal data included, so they
live no longer than needed:

* one folder per server process (``p<pid>``) and per staging (a random token),
  readable by this user only;
* deleted after a successful import (:func:`discard`), on "Cancelar", and when the
  file is removed from the uploader (:func:`forget_staged`);
* swept when older than :data:`STALE_AFTER_S` and, whatever their age, when the
  process that staged them is gone (:func:`sweep`): at start-up of the process and
  then every :data:`SWEEP_EVERY_S` by a daemon thread (:func:`start_housekeeping`),
  so a preview abandoned in a closed tab does not stay on disk.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Final

import streamlit as st

from analytics._errors import AnalyticsError, StoreError
from ui import cache
from ui.i18n import t

log = logging.getLogger("vigia.ui")

UPLOAD_DIR = Path(tempfile.gettempdir()) / f"vigia_uploads_{os.getuid()}"
#: Where earlier versions staged uploads (one folder per content hash): swept by age.
LEGACY_DIR = Path(tempfile.gettempdir()) / "vigia_uploads"
#: File types the Datos page offers: what ``analytics.ingest`` reads (legacy ``.xls`` is
#: refused there, so it is not offered).
ACCEPTED_TYPES: Final = ("csv", "txt", "tsv", "gz", "xlsx", "parquet", "geojson", "json")
#: Largest upload in MB; ``server.maxUploadSize`` in ``.streamlit/config.toml`` says the
#: same for every uploader (a 1 GB upload held in memory on a shared server is too much).
MAX_UPLOAD_MB: Final = 200
#: A staged upload older than this (seconds) is deleted by :func:`sweep`.
STALE_AFTER_S: Final = 3600.0
#: How often (seconds) the housekeeping thread sweeps.
SWEEP_EVERY_S: Final = 600.0
#: Session-state key: ``(file_id, path)`` of this session's staged upload.
K_STAGED: Final = "data_staged"
_PROC_RE: Final = re.compile(r"p(\d+)")


def _private_dir(path: Path) -> Path:
    """Create ``path`` (and the upload root) readable by this user only."""
    for folder in (UPLOAD_DIR, path):
        folder.mkdir(mode=0o700, exist_ok=True)
        if folder.stat().st_uid == os.getuid():
            folder.chmod(0o700)
    return path


def _process_dir() -> Path:
    return UPLOAD_DIR / f"p{os.getpid()}"


def stage(name: str, data: bytes) -> Path:
    """Write an uploaded file to a new private folder of this process; return its path."""
    _private_dir(_process_dir())
    folder = _process_dir() / secrets.token_hex(8)
    folder.mkdir(mode=0o700)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name)[-80:] or "archivo"
    path = folder / safe
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return path


def discard(path: Path) -> None:
    """Delete a staged upload and its folder (after import, cancel or removal)."""
    if path.parent.parent.parent == UPLOAD_DIR:
        shutil.rmtree(path.parent, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    except OSError:
        return False
    return True


def sweep(*, max_age_s: float = STALE_AFTER_S, now: float | None = None,
          startup: bool = False) -> int:
    """Delete stale staged uploads; return how many folders were removed.

    Removed: a staging older than ``max_age_s``; every staging of a process that
    is gone; anything in the upload folder that is not a process folder; stagings
    older than ``max_age_s`` in :data:`LEGACY_DIR`. With ``startup``, also this
    process's own folder (a previous process with the same id left it).
    """
    now = time.time() if now is None else now
    removed = _sweep_legacy(max_age_s, now)
    if not UPLOAD_DIR.is_dir():
        return removed
    for entry in list(UPLOAD_DIR.iterdir()):
        m = _PROC_RE.fullmatch(entry.name)
        own = m is not None and int(m.group(1)) == os.getpid()
        if m is None or not entry.is_dir() or not _alive(int(m.group(1))) \
                or (own and startup):
            removed += sum(1 for _ in entry.iterdir()) if entry.is_dir() else 1
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            continue
        for staging in list(entry.iterdir()):
            try:
                age = now - staging.stat().st_mtime
            except FileNotFoundError:
                continue
            if age > max_age_s:
                shutil.rmtree(staging, ignore_errors=True)
                removed += 1
    return removed


def _sweep_legacy(max_age_s: float, now: float) -> int:
    """Remove stagings older than ``max_age_s`` from the folder earlier versions used."""
    if not LEGACY_DIR.is_dir() or LEGACY_DIR.stat().st_uid != os.getuid():
        return 0
    removed = 0
    for entry in list(LEGACY_DIR.iterdir()):
        try:
            old = now - entry.stat().st_mtime > max_age_s
        except FileNotFoundError:
            continue
        if old and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        elif old:
            entry.unlink(missing_ok=True)
        removed += old
    return removed


def _housekeeping_loop(stop: threading.Event) -> None:
    while not stop.wait(SWEEP_EVERY_S):
        try:
            sweep()
        except OSError as exc:  # never let housekeeping kill the server
            log.warning("upload sweep failed: %s", exc)


_housekeeping_lock = threading.Lock()
_housekeeping: threading.Event | None = None  # set once per process


def start_housekeeping() -> threading.Event:
    """Once per process: sweep at start-up, then every :data:`SWEEP_EVERY_S` (daemon).

    Returns the event that stops the thread (tests set it). Later calls return the
    same event and do nothing else (``app.py`` calls this on every run).
    """
    global _housekeeping
    with _housekeeping_lock:
        if _housekeeping is not None:
            return _housekeeping
        try:
            n = sweep(startup=True)
            if n:
                log.info("removed %d stale staged upload(s)", n)
        except OSError as exc:
            log.warning("upload sweep failed: %s", exc)
        _housekeeping = threading.Event()
        threading.Thread(target=_housekeeping_loop, args=(_housekeeping,),
                         name="vigia-upload-sweep", daemon=True).start()
        return _housekeeping


def staged_for(up: Any) -> Path:
    """Return the staged copy of uploader value ``up`` (staged once, kept in session).

    A new upload replaces (and deletes) the session's previous staged file; a staged
    file swept meanwhile is written again from the uploader's bytes.
    """
    ss = st.session_state
    file_id = str(getattr(up, "file_id", "") or f"{up.name}:{up.size}")
    prev = ss.get(K_STAGED)
    if prev is not None:
        prev_id, prev_path = prev
        if prev_id == file_id and Path(prev_path).is_file():
            return Path(prev_path)
        discard(Path(prev_path))
    path = stage(up.name, up.getvalue())
    ss[K_STAGED] = (file_id, str(path))
    return path


def forget_staged() -> None:
    """Delete this session's staged upload, if any (cancel, removal, after import)."""
    prev = st.session_state.pop(K_STAGED, None)
    if prev is not None:
        discard(Path(prev[1]))


# --------------------------------------------------------------------------- the widget
# Streamlit 1.67 draws its own English text inside every file uploader ("Upload",
# "200MB per file • CSV, ...", "Drag and drop a file here" while dragging) and has no
# parameter for it. A small CSS rule replaces that text by ours: the English text gets
# font-size 0 and the Spanish (or English) text is drawn by ``::after``. It relies on
# Streamlit's stable ``data-testid`` names (and, for the dragging overlay, on the one
# ``div`` without a test id inside the dropzone); if a later Streamlit renames them, the
# original English text simply shows again. ``tests/test_browser.py`` checks it on Datos.
_DROPZONE = '[data-testid="stFileUploaderDropzone"]'
_CSS = """
{scope}{dz} [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p
  {{font-size: 0;}}
{scope}{dz} [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p::after
  {{content: "{button}"; font-size: 0.875rem;}}
{scope}[data-testid="stFileUploaderDropzoneInstructions"] span {{font-size: 0;}}
{scope}[data-testid="stFileUploaderDropzoneInstructions"] span::after
  {{content: "{drop}"; font-size: 0.875rem;}}
{scope}{dz} > div:not([data-testid]) > span {{font-size: 0;}}
{scope}{dz} > div:not([data-testid]) > span::after {{content: "{dragging}"; font-size: 0.875rem;}}
"""


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def dropzone_css(*, key_prefix: str = "", types: tuple[str, ...] = ()) -> str:
    """Return the ``<style>`` that puts our text in file uploaders.

    All uploaders, or those whose key starts with ``key_prefix``; ``types`` are
    listed in the drop text.
    """
    drop = t("upload.drop", mb=MAX_UPLOAD_MB)
    if types:
        drop += " · " + ", ".join(x.upper() for x in types)
    scope = f'[class*="st-key-{key_prefix}"] ' if key_prefix else ""
    css = _CSS.format(scope=scope, dz=_DROPZONE, button=_css_string(t("upload.button")),
                      drop=_css_string(drop), dragging=_css_string(t("upload.dragging")))
    return f"<style>{css}</style>"


def spanish_dropzones() -> None:
    """Our text in every file uploader of the app (``app.py`` calls it on every run)."""
    st.html(dropzone_css())


def uploader(key: str, *, help: str | None = None) -> Any:
    """Draw the Datos file uploader: accepted types, size limit, its own drop text."""
    st.html(dropzone_css(key_prefix=key.rsplit("_", 1)[0], types=ACCEPTED_TYPES))
    return st.file_uploader(t("datos.upload"), key=key, help=help, type=list(ACCEPTED_TYPES),
                            max_upload_size=MAX_UPLOAD_MB)


def preview(up: Any) -> tuple[Path, Any] | None:
    """Stage and preview an upload (``None`` after a Spanish ``st.error`` on a bad file).

    A file that cannot be read is not kept staged.
    """
    from analytics import ingest

    try:
        path = staged_for(up)
        return path, ingest.preview_file(path)
    except AnalyticsError as exc:
        forget_staged()
        st.error(t("datos.bad_file", msg=str(exc)), icon=":material/error:")
        return None


def _refresh_alerts(con: Any) -> None:
    """Rebuild the near-repeat alerts after an import; a failure leaves the import done."""
    from analytics import alerts

    try:
        alerts.refresh_alerts(con)
    except Exception:  # noqa: BLE001 - the import is committed; the next import or API post retries
        logging.getLogger("vigia.ui").exception("alerts not rebuilt after an import")


def run_import(path: Path, *, mapping: dict[str, str], source: str | None,
               user: str | None) -> dict[str, Any] | None:
    """Import with a progress bar; return the report dict (or None after showing the error)."""
    from analytics import ingest

    bar = st.progress(0.0, text=t("datos.importing"))

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)

    try:
        with cache.write_connection() as con:
            report = ingest.ingest_files([path], con=con, source=source or None, mapping=mapping,
                                      progress=progress)
            try:
                from analytics import access

                access.record_audit(con, user=user, action="import",
                                    detail=f"{path.name}: "
                                           f"{report.accepted} aceptadas, "
                                           f"{report.quarantined} en cuarentena")
            except ImportError:
                pass
            if report.accepted:
                _refresh_alerts(con)
    except StoreError as exc:
        bar.empty()
        if "uso" in str(exc) or "lock" in str(exc).lower():
            st.error(t("datos.locked"), icon=":material/lock:")
        else:
            st.error(t("app.error", msg=str(exc)), icon=":material/error:")
        return None
    except AnalyticsError as exc:
        bar.empty()
        st.error(t("datos.bad_file", msg=str(exc)), icon=":material/error:")
        return None
    bar.progress(1.0, text=t("datos.done", accepted=report.accepted))
    return report.to_dict()
