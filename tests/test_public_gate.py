"""Public mode by construction: a public session never reaches internal data, on any page.

Walks every page of the registry (``ui.nav.PAGES``, so a page added later is walked
too) as a signed-in ``publico`` user, with the store's internal readers spied on:
not one internal wrapper of ``ui.cache`` may run its body, and no raw read
connection may open. Pages the role may not open say "Sin permiso"; pages it may
open show only release numbers (``tests/test_pages_public.py`` checks the values).
A page written later that calls an internal wrapper fails closed: the gate raises
before the shared cache is even consulted (checked directly below).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics import access, store
from analytics._errors import AccessDeniedError
from tests import _apptest as apptest
from tests._store_factory import make_store
from ui import nav

pytestmark = pytest.mark.usefixtures("apptest_router")


@pytest.fixture(scope="module")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = make_store(tmp_path_factory.mktemp("gate") / "vigia.duckdb")
    con = store.connect(db)
    try:
        access.add_user(con, "jefa", "clave-jefa-01", "admin")
        access.add_user(con, "vecino", "clave-vecino-1", "publico")
    finally:
        con.close()
    return db


@pytest.fixture
def gate_store(_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "vigia.duckdb"
    db.write_bytes(_template.read_bytes())
    yield from apptest.serving(db, monkeypatch)


@pytest.mark.parametrize("spec", nav.PAGES, ids=lambda s: s.url_path)
def test_every_page_as_public_reads_no_internal_data(gate_store: Path, spec: nav.PageSpec,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    at = apptest.app(user="vecino")
    apptest.ok(at)
    at.switch_page(spec.path).run()
    assert not at.exception, [e.value for e in at.exception]
    refused = [e.value for e in at.error if "datos internos" in e.value]
    assert not refused, f"{spec.url_path} asked for internal data as publico: {refused}"
    if not access.can("publico", spec.url_path):
        assert any("Sin permiso" in e.value for e in at.error)


def test_gated_wrappers_refuse_a_public_session_before_the_cache(
        gate_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An internal wrapper called for a public viewer raises, even with a warm cache."""
    from ui import cache
    from ui.cache import connection

    viewer = {"public": False}
    monkeypatch.setattr(connection, "public_viewer", lambda: viewer["public"])
    ds = cache.dataset_id()
    assert ds is not None and cache.freshness(ds).n > 0  # a staff session warms the cache
    viewer["public"] = True
    for call in (lambda: cache.freshness(ds), lambda: cache.filter_options(ds),
                 lambda: cache.quality_warnings(ds)):
        with pytest.raises(AccessDeniedError, match="datos internos"):
            call()
    with pytest.raises(AccessDeniedError), cache.read_connection():
        pass
    assert cache.public_choices(ds)["periods"] is not None  # the release stays reachable
