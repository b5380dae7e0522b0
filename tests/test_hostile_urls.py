"""Hostile links and a damaged store: never a traceback, never a server path before login.

A shared link is untrusted input read before login (``ui.filters``): superscript
digits (``"²".isdigit()`` is true, ``int("²")`` raises), 5,000-digit numbers (past
Python's int-parsing limit), impossible dates, 10,000-item lists, NUL and
bidi-override characters. Every page must run and fall back to its defaults.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from analytics import access, store
from tests import _apptest as apptest
from tests._store_factory import make_store
from ui import filters, nav, page

pytestmark = pytest.mark.usefixtures("apptest_router")

PAGES = [s.path for s in nav.PAGES if (apptest.ROOT / s.path).is_file()]
MANY = ",".join(["patrimonio", "robo", "noche", "LIMA", "3"] * 2000)  # 10,000 values

#: One hostile value per URL parameter, by kind (each case is a whole query string).
CASES: dict[str, dict[str, str]] = {
    "superscript": {"res": "²", "dias": "²,¹,٣", "desde": "２０２５-０５-０１",
                    "color": "²", "vista": "³d", "paso": "¹"},
    "5000_digits": {"res": "9" * 5000, "dias": "1" * 5000, "desde": "2" * 5000,
                    "hasta": "9" * 5000, "paso": "9" * 5000},
    "bad_dates": {"desde": "9999-99-99", "hasta": "0000-00-00"},
    "far_dates": {"desde": "9999-12-31", "hasta": "0001-01-01"},
    "10000_values": {"grupos": MANY, "tipos": MANY, "turnos": MANY, "dias": MANY,
                     "distritos": MANY, "lang": MANY},
    "nul_unicode": {"grupos": "patrimonio\x00", "tipos": "robo\u202e", "lang": "es\x00",
                    "distritos": "LIMA\x00,\ufeffLIMA", "res": "9\x00", "dias": "1\x00",
                    "hasta": "2025-06-30\x00", "color": "tasa\x00", "vista": "\U0001F600"},
    "huge_value": {"grupos": "a" * 1_000_000, "desde": "2025-05-01" + " " * 100_000},
}


def _no_traceback(at: object) -> None:
    assert not at.exception, [e.value[:300] for e in at.exception]  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_hostile_url_falls_back_to_defaults(app_store: Path, case: str) -> None:
    """Each hostile URL on Mapa: no error, every filter and view option at its default."""
    at = apptest.app("pages/mapa.py", query=CASES[case])
    apptest.ok(at)
    ss = at.session_state
    assert ss[filters.K_RES] == 9
    assert tuple(ss[filters.K_DATES]) == (date(2025, 4, 2), date(2025, 6, 30))
    if filters.K_LANG in ss:
        assert ss[filters.K_LANG] == "es"
    for key in (filters.K_GROUPS, filters.K_TYPES, filters.K_SHIFTS, filters.K_WEEKDAYS,
                filters.K_DISTRICTS):
        assert ss[key] == [], key
    assert ss[filters.K_MAP_METRIC] == "count" and ss[filters.K_MAP_3D] is False
    assert ss[filters.K_MAP_STEP] == "none"
    assert at.query_params["res"] == ["9"] or at.query_params["res"] == "9"


def test_long_lists_are_bounded_and_deduplicated(app_store: Path) -> None:
    """A list within the length bound: its first items are read, repeats and unknowns dropped."""
    query = {"grupos": "patrimonio," + ",".join(["zz"] * 1000),
             "dias": ",".join(["3"] * 1000), "distritos": "LIMA,LIMA,²,LIMA\x00"}
    assert all(len(v) <= filters.MAX_PARAM_CHARS for v in query.values())
    at = apptest.app(query=query)
    apptest.ok(at)
    ss = at.session_state
    assert ss[filters.K_GROUPS] == ["patrimonio"]
    assert ss[filters.K_WEEKDAYS] == [3]
    assert ss[filters.K_DISTRICTS] == []  # a NUL anywhere: the whole value is ignored


def test_far_dates_are_clipped_not_fatal(app_store: Path) -> None:
    """Dates far outside the data: ignored (reversed) or clipped to the data."""
    at = apptest.app(query=CASES["far_dates"])  # desde after hasta: ignored
    apptest.ok(at)
    assert tuple(at.session_state[filters.K_DATES]) == (date(2025, 4, 2), date(2025, 6, 30))
    at = apptest.app(query={"desde": "9999-12-31", "hasta": "9999-12-31"})
    apptest.ok(at)
    assert at.session_state[filters.K_DATES][-1] == date(2025, 6, 30)


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
@pytest.mark.parametrize("page_path", PAGES, ids=[Path(p).stem for p in PAGES])
def test_every_page_survives_every_hostile_url(app_store: Path, page_path: str,
                                               case: str) -> None:
    """Every page with every hostile URL runs without an exception."""
    at = apptest.app(page_path, query=CASES[case])
    _no_traceback(at)
    assert at.title, "page has no title"


@pytest.mark.parametrize(
    "value", ["²", "9" * 5000, "٣", "-1", "+9", " 9", "09", "9.0", "1e1", "0x9", ""],
    ids=["superscript", "5000", "arabic_indic", "negative", "plus", "space", "zero_pad",
         "float", "exp", "hex", "empty"])
def test_small_int_accepts_only_ascii_digits(value: str) -> None:
    """Only 1-3 ASCII digits in the allowed set are read as a number."""
    expected = 9 if value == "09" else None
    assert filters._small_int(value, filters.RESOLUTIONS) == expected


@pytest.mark.parametrize("value", ["9999-99-99", "0000-00-00", "2025-02-30", "２０２５-０１-０１",
                                   "20250101", "2025-W01-1", "2025-01-01T00:00", "", "ayer"])
def test_parse_date_accepts_only_plain_iso_dates(value: str) -> None:
    """Only YYYY-MM-DD with ASCII digits and a real calendar day is a date."""
    assert filters._parse_date(value) is None


def test_split_is_bounded() -> None:
    """At most MAX_LIST_ITEMS distinct items, none longer than MAX_ITEM_CHARS."""
    items = filters._split(",".join(str(i) for i in range(10_000)))
    assert len(items) == filters.MAX_LIST_ITEMS and items[:3] == ["0", "1", "2"]
    assert filters._split("a,,a,b," + "x" * (filters.MAX_ITEM_CHARS + 1)) == ["a", "b"]


# --------------------------------------------------------------------------- before login
@pytest.fixture(scope="module")
def _users_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build a store with one staff and one public user (bcrypt is slow: once per module)."""
    db = make_store(tmp_path_factory.mktemp("users") / "vigia.duckdb")
    con = store.connect(db)
    try:
        access.add_user(con, "ana", "clave-ana-001", "analista")
        access.add_user(con, "vecino", "clave-vecino-1", "publico")
    finally:
        con.close()
    return db


@pytest.fixture
def users_store(_users_template: Path, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Serve a copy of the users store (VIGIA_DB, offline, clean caches)."""
    db = tmp_path / "vigia.duckdb"
    db.write_bytes(_users_template.read_bytes())
    yield from apptest.serving(db, monkeypatch)


@pytest.mark.parametrize("case", ["superscript", "5000_digits", "nul_unicode"])
@pytest.mark.parametrize("page_path", ["pages/mapa.py", "pages/admin.py"],
                         ids=["mapa", "admin"])
def test_hostile_url_before_login_shows_the_login_form(users_store: Path, page_path: str,
                                                       case: str) -> None:
    """Before login a hostile URL gets the login form, not a traceback."""
    at = apptest.app(page_path, query=CASES[case])
    _no_traceback(at)
    assert at.title[0].value == "Iniciar sesión"


def _corrupt(db: Path, how: str) -> None:
    data = db.read_bytes()
    if how == "junk":
        db.write_bytes(b"\x00\xffjunk-not-a-duckdb-file" * 4096)
    else:  # a real store cut short: DuckDB opens it and fails while reading
        db.write_bytes(data[: len(data) // 3])


@pytest.mark.parametrize("how", ["junk", "truncated"])
def test_damaged_store_hides_its_path_before_login(users_store: Path, how: str) -> None:
    """A damaged store: a Spanish message without the file path before login."""
    _corrupt(users_store, how)
    apptest.clear_caches()
    for page_path in (None, "pages/mapa.py"):
        at = apptest.app(page_path)
        _no_traceback(at)
        assert len(at.error) == 1
        msg = at.error[0].value
        assert "almacén" in msg and page.HIDDEN_PATH in msg
        assert str(users_store) not in msg and str(users_store.parent) not in msg
        assert "/" not in msg.replace("y/o", "")
        assert at.button(key="retry_store")


def test_damaged_store_path_is_shown_to_signed_in_staff(users_store: Path) -> None:
    """Signed-in staff see the path (to fix it); the public does not."""
    at = apptest.app(user="ana")
    apptest.ok(at)
    _corrupt(users_store, "junk")
    apptest.clear_caches()
    at.run()
    _no_traceback(at)
    assert str(users_store) in at.error[0].value
    # ... but not to a signed-in member of the public
    public = apptest.app(user="vecino")
    _no_traceback(public)
    assert str(users_store) not in public.error[0].value


def test_damaged_store_path_is_fine_in_demo_mode(app_store: Path) -> None:
    """In demo mode (no users) the path is shown."""
    at = apptest.app()
    apptest.ok(at)
    _corrupt(app_store, "junk")
    apptest.clear_caches()
    at.run()
    _no_traceback(at)
    assert str(app_store) in at.error[0].value


def test_without_paths_hides_quoted_and_bare_paths() -> None:
    """Quoted paths with spaces, bare and Windows paths are hidden; a/b words stay."""
    text = ('IO Error: Could not read from file "/srv/vigía datos/v.duckdb": x; '
            "el almacén /srv/data/vigia.duckdb no es; C:\\data\\v.duckdb; CSV/Excel y km/h")
    out = page.without_paths(text)
    assert "/srv" not in out and "C:\\" not in out and "vigía datos" not in out
    assert out.count(page.HIDDEN_PATH) == 3 and "CSV/Excel y km/h" in out
