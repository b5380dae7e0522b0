"""The Datos page's upload flow: stage the upload, preview, map columns, import.

Uploads are written to a private temporary folder (named by content hash), never
into the repository. Import goes through ``analytics.io.ingest_files``, the same
path as the CLI, on the short-lived writable connection of
:func:`ui.cache.write_connection`.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path
from typing import Any

import streamlit as st

from analytics._errors import AnalyticsError, StoreError
from ui import cache
from ui.i18n import t

UPLOAD_DIR = Path(tempfile.gettempdir()) / "vigia_uploads"


def stage(name: str, data: bytes) -> Path:
    """Write an uploaded file to the temporary folder; return its path."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    folder = UPLOAD_DIR / digest
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name)[-80:] or "archivo"
    path = folder / safe
    if not path.exists():
        path.write_bytes(data)
    return path


def discard(path: Path) -> None:
    """Delete a staged upload (after a successful import)."""
    import shutil

    if path.parent.parent == UPLOAD_DIR:
        shutil.rmtree(path.parent, ignore_errors=True)


def preview(name: str, data: bytes) -> tuple[Path, Any] | None:
    """Stage and preview an upload; on a bad file show a Spanish ``st.error`` and return None."""
    from analytics import io as vio

    try:
        path = stage(name, data)
        return path, vio.preview_file(path)
    except AnalyticsError as exc:
        st.error(t("datos.bad_file", msg=str(exc)), icon=":material/error:")
        return None


def run_import(path: Path, *, mapping: dict[str, str], source: str | None,
               user: str | None) -> dict[str, Any] | None:
    """Import with a progress bar; return the report dict (or None after showing the error)."""
    from analytics import io as vio

    bar = st.progress(0.0, text=t("datos.importing"))

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)

    try:
        with cache.write_connection() as con:
            report = vio.ingest_files([path], con=con, source=source or None, mapping=mapping,
                                      progress=progress)
            try:
                from analytics import access

                access.record_audit(con, user=user, action="import",
                                    detail=f"{path.name}: "
                                           f"{report.accepted} aceptadas, "
                                           f"{report.quarantined} en cuarentena")
            except ImportError:
                pass
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
