"""Staged uploads (``ui/upload.py``) and the Datos upload widget.

Staged copies are private, deleted after import or cancel, swept when stale or
orphaned; the widget offers only readable types, 200 MB at most, in Spanish.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from tests import _apptest as apptest
from ui import upload

pytestmark = pytest.mark.usefixtures("apptest_router")

CSV = ("nro_denuncia,fecha_hecho,hora_hecho,latitud,longitud,modalidad,distrito,dni_denunciante\n"
       "N1,2025-06-20,10:00,-12.0681,-77.0182,robo agravado,LA VICTORIA,40404040\n"
       "N2,2025-06-21,23:30,-12.0682,-77.0183,hurto,LA VICTORIA,50505050\n")


@pytest.fixture
def upload_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Use a private upload folder for the test (never the real temporary folder)."""
    folder = tmp_path / "uploads"
    monkeypatch.setattr(upload, "UPLOAD_DIR", folder)
    monkeypatch.setattr(upload, "LEGACY_DIR", tmp_path / "legacy")
    return folder


def _staged(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def _dead_pid() -> int:
    """Return the id of a process that has just ended."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# --------------------------------------------------------------------------- staging
def test_stage_is_private_and_discard_deletes(upload_dir: Path) -> None:
    """A staged file is readable by its owner only, in its own folder; discard removes it."""
    path = upload.stage("../../etc/mis datos.csv", CSV.encode())
    assert path.read_text() == CSV
    assert path.parent.parent == upload_dir / f"p{os.getpid()}"
    assert path.name == "mis_datos.csv"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (upload_dir, path.parent.parent, path.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    other = upload.stage("mis datos.csv", CSV.encode())
    assert other != path  # a staging per upload, never shared between sessions
    upload.discard(path)
    assert not path.parent.exists() and other.exists()


def test_sweep_removes_stale_orphaned_and_legacy(upload_dir: Path) -> None:
    """Older than an hour, of a process that is gone, or of an old layout: removed."""
    fresh = upload.stage("nuevo.csv", b"a")
    stale = upload.stage("viejo.csv", b"b")
    two_hours_ago = time.time() - 7200
    os.utime(stale.parent, (two_hours_ago, two_hours_ago))
    orphan = upload_dir / f"p{_dead_pid()}" / "abc"
    orphan.mkdir(parents=True)
    (orphan / "x.csv").write_bytes(b"c")
    legacy = upload_dir / "0123456789abcdef"
    legacy.mkdir()
    (legacy / "y.csv").write_bytes(b"d")
    assert upload.sweep() == 3
    assert _staged(upload_dir) == [fresh]
    # a live process's fresh staging survives; at start-up, this process's own folder goes
    assert upload.sweep() == 0 and fresh.exists()
    assert upload.sweep(startup=True) == 1 and not _staged(upload_dir)
    assert upload.sweep() == 0  # nothing left, no error


def test_sweep_cleans_the_old_layout_by_age(upload_dir: Path) -> None:
    """Stagings of earlier versions (shared folder, by content hash) go after an hour."""
    old, new = upload.LEGACY_DIR / "aaaa", upload.LEGACY_DIR / "bbbb"
    for folder in (old, new):
        folder.mkdir(parents=True)
        (folder / "x.csv").write_bytes(b"dni")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    assert upload.sweep() == 1
    assert not old.exists() and new.exists()


def test_housekeeping_sweeps_at_start_up(upload_dir: Path) -> None:
    """The process start-up sweep removes what a previous process left."""
    left = upload_dir / f"p{_dead_pid()}" / "abc"
    left.mkdir(parents=True)
    (left / "x.csv").write_bytes(b"personal data")
    running = upload._housekeeping
    upload._housekeeping = None  # as in a fresh process
    try:
        stop = upload.start_housekeeping()
        assert not _staged(upload_dir)
        kept = upload.stage("nuevo.csv", b"a")
        assert upload.start_housekeeping() is stop  # once per process: no second sweep
        assert kept.exists()
        stop.set()
    finally:
        upload._housekeeping = running


# --------------------------------------------------------------------------- Datos page
def _datos_with_upload(name: str = "nuevo.csv", data: bytes = CSV.encode()):  # noqa: ANN202
    at = apptest.app("pages/datos.py")
    at.get("file_uploader")[0].upload(name, data, "text/csv").run()
    return at


def _mapping_widgets(at: object) -> list[object]:
    return [s for s in at.selectbox if s.label == "Tipo de delito / modalidad"]  # type: ignore[attr-defined]


def test_import_deletes_the_staged_file(app_store: Path, upload_dir: Path) -> None:
    """Reruns reuse one staged copy; a successful import deletes it."""
    at = _datos_with_upload()
    apptest.ok(at)
    staged = _staged(upload_dir)
    assert len(staged) == 1 and "dni_denunciante" in staged[0].read_text()
    _mapping_widgets(at)[0].set_value("modalidad").run()  # a rerun: staged once, not again
    assert _staged(upload_dir) == staged
    at.button(key="data_import").click().run()
    apptest.ok(at)
    assert any("2 incidentes nuevos" in s.value.replace("\u202f", "") for s in at.success)
    assert not _staged(upload_dir) and not staged[0].parent.exists()


def test_cancel_deletes_the_staged_file(app_store: Path, upload_dir: Path) -> None:
    """Cancelar deletes the staged file, empties the uploader and says so."""
    at = _datos_with_upload()
    assert len(_staged(upload_dir)) == 1
    at.button(key="data_cancel").click().run()
    apptest.ok(at)
    assert not _staged(upload_dir)
    assert not _mapping_widgets(at)
    assert any("cancelada" in i.value for i in at.info)
    at.run()  # the message is shown once
    assert not any("cancelada" in i.value for i in at.info)


def test_removed_or_replaced_upload_is_not_kept(app_store: Path, upload_dir: Path) -> None:
    """Removing the file from the uploader, or choosing another one, deletes the first copy."""
    at = _datos_with_upload()
    first = _staged(upload_dir)
    at.get("file_uploader")[0].upload("otro.csv", CSV.replace("N1", "N9").encode(),
                                      "text/csv").run()
    second = _staged(upload_dir)
    assert len(second) == 1 and second != first and second[0].name == "otro.csv"
    at.get("file_uploader")[0].set_value(None).run()
    apptest.ok(at)
    assert not _staged(upload_dir)


def test_unreadable_upload_is_not_kept(app_store: Path, upload_dir: Path) -> None:
    """A file that cannot be read gets a Spanish error and is deleted at once."""
    at = _datos_with_upload("malo.csv", b"\x00\x01\x02\x03basura")
    assert at.error and at.error[0].value.startswith("No se pudo leer el archivo")
    assert not _staged(upload_dir)


def test_swept_staging_is_written_again(app_store: Path, upload_dir: Path) -> None:
    """A preview left open past the sweep still imports: the copy is written again."""
    at = _datos_with_upload()
    assert upload.sweep(startup=True) == 1 and not _staged(upload_dir)
    _mapping_widgets(at)[0].set_value("modalidad").run()
    assert len(_staged(upload_dir)) == 1
    at.button(key="data_import").click().run()
    apptest.ok(at)
    assert not _staged(upload_dir)


# --------------------------------------------------------------------------- the widget
def test_upload_widget_types_limit_and_spanish_text(app_store: Path) -> None:
    """No .xls (refused); 200 MB here and in the server config; Spanish dropzone text."""
    at = apptest.app("pages/datos.py")
    apptest.ok(at)
    widget = at.get("file_uploader")[0]
    assert ".xls" not in widget.proto.type and ".xlsx" in widget.proto.type
    assert widget.proto.max_upload_size_mb == upload.MAX_UPLOAD_MB == 200
    config = tomllib.loads((apptest.ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == upload.MAX_UPLOAD_MB
    css = " ".join(h.proto.body for h in at.get("html"))
    assert 'content: "Elegir archivo"' in css and "Arrastre el archivo aquí" in css
    assert "máx. 200 MB · CSV" in css and "XLS," not in css
    assert "Suelte el archivo aquí" in css


def test_dropzone_text_follows_the_language() -> None:
    """The CSS carries the session's language and escapes quotes."""
    css = upload.dropzone_css(key_prefix="data_upload", types=("csv",))
    assert '[class*="st-key-data_upload"]' in css and "· CSV" in css
    assert upload._css_string('a "b" \\ c') == 'a \\"b\\" \\\\ c'
