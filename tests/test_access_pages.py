"""AppTest: login, roles per page, public mode, the Administración page and its audit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import access, reports, settings, store
from tests import _apptest as apptest
from tests._store_factory import make_store
from ui import auth, nav

ROOT = apptest.ROOT
PASSWORDS = {"jefa": "clave-jefa-01", "cmdte": "clave-cmdte-01", "ana": "clave-ana-001",
             "vecino": "clave-vecino-1"}
ROLE_OF = {"jefa": "admin", "cmdte": "comandante", "ana": "analista", "vecino": "publico"}
USER_OF = {role: user for user, role in ROLE_OF.items()}
FORBIDDEN = "Sin permiso"

pytestmark = pytest.mark.usefixtures("apptest_router")


@pytest.fixture(scope="module")
def _users_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with one user per role (bcrypt is slow: built once, copied per test)."""
    db = make_store(tmp_path_factory.mktemp("users") / "vigia.duckdb")
    con = store.connect(db)
    try:
        for user, role in ROLE_OF.items():
            access.add_user(con, user, PASSWORDS[user], role)
    finally:
        con.close()
    return db


@pytest.fixture
def users_store(_users_template: Path, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the store with one user per role in VIGIA_DB; offline; clean caches."""
    db = tmp_path / "vigia.duckdb"
    db.write_bytes(_users_template.read_bytes())
    yield from apptest.serving(db, monkeypatch)


def _login(at: AppTest, user: str, password: str) -> AppTest:
    at.text_input(key="login_user").input(user)
    at.text_input(key="login_password").input(password)
    return at.button(key="login_submit").click().run()


# --------------------------------------------------------------------------- login
def test_demo_mode_without_users(app_store: Path) -> None:
    at = apptest.app()
    apptest.ok(at)
    assert any("demostración" in w.value for w in at.sidebar.warning)
    assert "Administración" in apptest.menu(at) and "Reportes" in apptest.menu(at)
    at.switch_page("pages/admin.py").run()
    apptest.ok(at)
    assert at.title[0].value == "Administración"


def test_login_wrong_then_right_password(users_store: Path) -> None:
    at = apptest.app()
    apptest.ok(at)
    assert at.title[0].value == "Iniciar sesión"
    assert not apptest.menu(at), "no pages before login"
    _login(at, "ana", "no-es-la-clave")
    assert [e.value for e in at.error] == ["Usuario o contraseña incorrectos."]
    assert at.title[0].value == "Iniciar sesión"
    _login(at, "ana", PASSWORDS["ana"])
    apptest.ok(at)
    captions = [c.value for c in at.sidebar.caption]
    assert "Rol: analista" in captions and "Usuario: ana" in captions
    assert "Administración" not in apptest.menu(at) and "Datos" in apptest.menu(at)
    assert at.session_state[auth.ROLE_KEY] == "analista"
    log = apptest.audit_log(users_store)
    assert list(log["action"]) == ["login", "login_failed"]
    assert list(log["username"]) == ["ana", "(sin usuario)"]
    assert "clave" not in " ".join(log["detail"])
    at.button(key="logout").click().run()
    assert at.title[0].value == "Iniciar sesión"
    assert apptest.audit_log(users_store)["action"].iloc[0] == "logout"


def test_removed_user_is_signed_out(users_store: Path) -> None:
    at = apptest.app(user="ana")
    apptest.ok(at)
    from ui import cache

    with cache.admin_connection() as con:  # as the admin page does, in this process
        access.remove_user(con, "ana")
    at.run()
    assert at.title[0].value == "Iniciar sesión"


# --------------------------------------------------------------------------- roles per page
def _existing(path: str) -> str:
    if not (ROOT / path).is_file():
        pytest.skip(f"{path} no existe todavía")
    return path


@pytest.mark.parametrize(("role", "path", "allowed"), [
    ("publico", "pages/datos.py", False),
    ("publico", "pages/admin.py", False),
    ("publico", "pages/pronostico.py", False),
    ("publico", "pages/patrones.py", False),
    ("publico", "pages/reportes.py", True),
    ("publico", "pages/cumplimiento.py", False),
    ("comandante", "pages/cumplimiento.py", True),
    ("analista", "pages/admin.py", False),
    ("analista", "pages/datos.py", True),
    ("comandante", "pages/admin.py", False),
    ("admin", "pages/admin.py", True),
    ("admin", "pages/datos.py", True),
], ids=lambda v: str(v).replace("pages/", "").replace(".py", ""))
def test_role_may_or_may_not_open_page(users_store: Path, role: str, path: str,
                                       allowed: bool) -> None:
    at = apptest.app(user=USER_OF[role])
    at.switch_page(_existing(path)).run()
    assert not at.exception, [e.value for e in at.exception]
    denied = [e.value for e in at.error if FORBIDDEN in e.value]
    stem = Path(path).stem
    assert access.can(role, stem) is allowed
    if allowed:
        assert not denied
    else:
        assert len(denied) == 1 and "(" in denied[0]
        assert len(at.main.children) <= 3, "the page body must not run"


@pytest.mark.parametrize("role", list(access.ROLES))
def test_menu_lists_exactly_the_allowed_pages(users_store: Path, role: str) -> None:
    at = apptest.app(user=USER_OF[role])
    apptest.ok(at)
    expected = [spec for spec in nav.PAGES
                if access.can(role, spec.url_path) and (ROOT / spec.path).is_file()]
    from ui.i18n import TEXTS

    assert apptest.menu(at) == [TEXTS[s.title_key]["es"] for s in expected]


def test_public_map_is_aggregated_without_points(users_store: Path) -> None:
    at = apptest.app(user="vecino")
    at.switch_page("pages/mapa.py").run()
    apptest.ok(at)
    assert at.toggle(key="map_points").disabled
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    kinds = [layer["@@type"] for layer in spec["layers"]]
    assert "ScatterplotLayer" not in kinds
    hexes = next(layer for layer in spec["layers"] if layer["@@type"] == "H3HexagonLayer")
    assert hexes["data"]
    assert all(int(d["n"]) >= settings.PUBLIC_MIN_COUNT for d in hexes["data"])
    assert all(reports.h3_resolution(str(d["h3_id"])) <= settings.PUBLIC_MAX_RESOLUTION
               for d in hexes["data"])
    # Sensitive groups never in fine cells; no per-frame or per-cell detail in public.
    assert not any("violencia" in str(d.get("top_types", "")).lower() for d in hexes["data"])
    assert at.selectbox(key="map_step").disabled
    assert "Perfil del hexágono" not in [h.value for h in at.subheader]


def test_public_role_gets_only_the_public_report(users_store: Path) -> None:
    at = apptest.app(user="vecino")
    at.switch_page("pages/reportes.py").run()
    apptest.ok(at)
    toggle = at.toggle(key="rep_public")
    assert toggle.value and toggle.disabled
    assert not any("Puesto" in d.value.columns for d in at.dataframe)
    at.button(key="rep_prepare").click().run()
    apptest.ok(at)
    log = apptest.audit_log(users_store)
    assert log["action"].iloc[0] == "export_public" and log["username"].iloc[0] == "vecino"


# --------------------------------------------------------------------------- admin page
def _admin_page(user: str = "jefa") -> AppTest:
    at = apptest.app(user=user)
    at.switch_page("pages/admin.py").run()
    apptest.ok(at)
    return at


def test_admin_adds_user_and_it_is_audited(users_store: Path) -> None:
    at = _admin_page()
    assert set(at.dataframe[0].value["Usuario"]) == set(ROLE_OF)
    at.text_input(key="adm_new_user").input("serenazgo1")
    at.selectbox(key="adm_new_role").select("comandante")
    at.text_input(key="adm_new_pw").input("clave-serenazgo")
    at.text_input(key="adm_new_pw2").input("clave-serenazgo")
    at.button(key="adm_add").click().run()
    apptest.ok(at)
    assert any("serenazgo1 creado" in s.value for s in at.success)
    con = store.connect(users_store, read_only=True)
    try:
        users = access.list_users(con)
        assert access.verify_user(con, "serenazgo1", "clave-serenazgo") is not None
    finally:
        con.close()
    assert users.set_index("username").loc["serenazgo1", "role"] == "comandante"
    log = apptest.audit_log(users_store)
    assert (log["action"].iloc[0], log["username"].iloc[0]) == ("user_add", "jefa")
    assert "serenazgo1" in log["detail"].iloc[0] and "clave" not in log["detail"].iloc[0]
    assert "user_add" in set(at.dataframe[-1].value["Acción"])  # the audit table on the page


def test_admin_password_mismatch_and_role_change(users_store: Path) -> None:
    at = _admin_page()
    at.text_input(key="adm_new_user").input("otro.usuario")
    at.text_input(key="adm_new_pw").input("clave-larga-01")
    at.text_input(key="adm_new_pw2").input("clave-larga-02")
    at.button(key="adm_add").click().run()
    assert [e.value for e in at.error] == ["Las contraseñas no coinciden."]
    at.selectbox(key="adm_pick").select("ana").run()
    assert at.selectbox(key="adm_role_new_ana").value == "analista"
    at.selectbox(key="adm_role_new_ana").select("comandante")
    at.button(key="adm_role_btn").click().run()
    apptest.ok(at)
    log = apptest.audit_log(users_store)
    assert log["action"].iloc[0] == "user_role" and "ana" in log["detail"].iloc[0]
    assert apptest.app(user="ana").session_state[auth.ROLE_KEY] == "comandante"


def test_audit_filters_and_csv(users_store: Path) -> None:
    con = store.connect(users_store)
    try:
        access.record_audit(con, user="ana", action="export", detail="prueba")
        access.record_audit(con, user="cmdte", action="import", detail="prueba.csv")
    finally:
        con.close()
    at = _admin_page()
    at.selectbox(key="adm_f_user").select("ana").run()
    apptest.ok(at)
    shown = at.dataframe[-1].value
    assert set(shown["Usuario"]) == {"ana"} and list(shown["Acción"]) == ["export"]
    assert at.get("download_button")[0].proto.label == "Descargar auditoría (CSV)"


def test_public_home_shows_only_published_figures(users_store: Path) -> None:
    at = apptest.app(user="vecino")
    apptest.ok(at)
    top = at.dataframe[0].value
    assert len(top) > 0 and (top["Incidentes"] >= settings.PUBLIC_MIN_COUNT).all()
    assert not top["Delitos principales"].str.lower().str.contains("violencia").any()
    assert set(top["Hora pico"]) == {"—"}
    shown = {m.label for m in at.metric}
    assert not shown & {settings.CRIME_GROUPS[g] for g in settings.SENSITIVE_GROUPS}


def test_public_home_hides_internal_data_quality(users_store: Path) -> None:
    """No import file names, quarantine counts or stacked points for the public."""
    at = apptest.app(user="vecino")
    apptest.ok(at)
    texts = " ".join([c.value for c in at.caption] + [w.value for w in at.warning]
                     + [i.value for i in at.info] + [s.value for s in at.subheader])
    assert "Datos publicados: trimestres completos del " in texts
    assert "importación" not in texts and "cuarentena" not in texts.lower()
    assert not at.warning and not at.success
    staff = apptest.app(user="ana")
    apptest.ok(staff)
    assert any("importación" in c.value for c in staff.caption)


# --------------------------------------------------------------------------- real browser
#: Generous bound for each browser wait (a cold server on a loaded 2-core machine); every
#: wait is for a condition on an exact element, never a fixed pause.
BROWSER_WAIT_MS = 120_000


@pytest.mark.browser
def test_browser_login_by_url_then_public_report(_users_template: Path, tmp_path: Path) -> None:
    """A fresh server: /admin asks for login, keeps the page, says "sin permiso".

    Then the public role downloads the public report as a PDF.
    """
    sync_api = apptest.browser_or_skip()
    expect = sync_api.expect
    db = tmp_path / "vigia.duckdb"
    db.write_bytes(_users_template.read_bytes())
    with apptest.streamlit_server(db, tmp_path / "streamlit.log") as url, \
            sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=apptest.CHROMIUM,
                                    args=apptest.CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(BROWSER_WAIT_MS)
            expect.set_options(timeout=BROWSER_WAIT_MS)
            page.goto(f"{url}/admin")
            submit = page.get_by_role("button", name="Ingresar")
            expect(submit).to_be_enabled()
            page.get_by_role("textbox", name="Usuario").fill("vecino")
            page.get_by_role("textbox", name="Contraseña").fill("no-es-la-clave")
            submit.click()
            expect(page.get_by_text("Usuario o contraseña incorrectos.")).to_be_visible()
            page.get_by_role("textbox", name="Usuario").fill("vecino")
            page.get_by_role("textbox", name="Contraseña").fill(PASSWORDS["vecino"])
            submit.click()
            expect(page.get_by_text("Sin permiso: su rol (público)")).to_be_visible()
            assert "/admin" in page.url
            links = page.locator("[data-testid='stSidebar'] [data-testid='stPageLink'] p")
            expect(links).to_have_text(["Inicio", "Mapa", "Reportes"])
            page.get_by_role("link", name="Reportes").click()
            prepare = page.get_by_role("button", name="Preparar Excel y PDF")
            expect(prepare).to_be_enabled()
            prepare.click()
            pdf_button = page.get_by_role("button", name="Descargar PDF")
            expect(pdf_button).to_be_enabled()
            with page.expect_download(timeout=BROWSER_WAIT_MS) as info:
                pdf_button.click()
            saved = tmp_path / info.value.suggested_filename
            info.value.save_as(saved)
            assert saved.name.endswith("_publico.pdf")
            assert saved.read_bytes()[:4] == b"%PDF"
            assert page.locator("[data-testid='stException']").count() == 0
        finally:
            browser.close()
    assert list(apptest.audit_log(db)["action"])[:3] == ["export_public", "login", "login_failed"]


def test_public_home_totals_are_sums_of_published_groups(users_store: Path) -> None:
    """The public KPI total never includes sensitive or suppressed groups (no differencing)."""
    at = apptest.app(user="vecino")
    apptest.ok(at)
    values = {m.label: int(str(m.value).replace(".", "").replace(",", "")) for m in at.metric
              if m.label not in ("Variación",)}
    total = values.pop("Incidentes")
    values.pop("Periodo anterior")
    assert values and total == sum(values.values())
    assert any("Versión pública" in c.value for c in at.caption)


# --------------------------------------------------------------------------- hardening
def _login_screen(at: AppTest) -> bool:
    return bool(at.title) and at.title[0].value == "Iniciar sesión"


def test_failed_logins_are_throttled_per_account_across_sessions(users_store: Path) -> None:
    """A reload (a new session) used to reset the counter: ~120 guesses a minute got through."""
    guesser = apptest.app()
    for i in range(settings.LOGIN_MAX_FAILURES_ACCOUNT):
        _login(guesser, "ana", f"no-es-la-clave-{i}")
        assert [e.value for e in guesser.error] == ["Usuario o contraseña incorrectos."]
    fresh = apptest.app()  # a reload: new browser session, same server process
    _login(fresh, "ANA ", PASSWORDS["ana"])  # even the right password waits
    assert _login_screen(fresh)
    assert any("Demasiados intentos" in e.value for e in fresh.error)
    other = apptest.app()  # the limit is per account: another user signs in
    _login(other, "cmdte", PASSWORDS["cmdte"])
    apptest.ok(other)
    assert other.session_state[auth.USER_KEY] == "cmdte"
    log = apptest.audit_log(users_store)
    assert (log["action"] == "login_failed").sum() == settings.LOGIN_MAX_FAILURES_ACCOUNT
    assert (log["action"] == "login_blocked").sum() == 1


def test_huge_user_name_is_bounded_and_admin_page_still_opens(users_store: Path) -> None:
    """5 MB user names in failed logins made the audit page fail for good (MessageSizeError)."""
    size = users_store.stat().st_size
    at = apptest.app()
    # A client that ignores the form's max_chars sends the widget value itself. 5 MB no
    # longer reaches the app (server.maxWidgetStateSize = 2 MB refuses the message) ...
    at.session_state["login_user"] = "x" * 5_000_000
    at.text_input(key="login_password").input("no-es-la-clave")
    at.button(key="login_submit").click().run()
    assert apptest.audit_log(users_store).empty
    # ... and what does (1.5 MB) is cut before it is stored.
    for _ in range(3):
        at = apptest.app()
        at.session_state["login_user"] = "x" * 1_500_000
        at.text_input(key="login_password").input("no-es-la-clave")
        at.button(key="login_submit").click().run()
        assert [e.value for e in at.error] == ["Usuario o contraseña incorrectos."]
    log = apptest.audit_log(users_store)
    assert len(log) == 3 and log["detail"].str.len().max() <= settings.MAX_DETAIL_CHARS
    assert users_store.stat().st_size < size + 2_000_000
    _admin_page()


def test_password_change_ends_the_users_open_sessions(users_store: Path) -> None:
    ana = apptest.app(user="ana")
    apptest.ok(ana)
    from ui import cache

    with cache.admin_connection() as con:  # the admin resets ana's password (this process)
        access.set_password(con, "ana", "clave-nueva-de-ana")
    ana.run()
    assert _login_screen(ana)
    assert [w.value for w in ana.warning] == [
        "Su sesión se cerró porque cambió su contraseña o su rol. Ingrese de nuevo."]
    _login(ana, "ana", "clave-nueva-de-ana")
    apptest.ok(ana)
    assert ana.session_state[auth.USER_KEY] == "ana"


def test_role_removal_ends_the_users_open_sessions(users_store: Path) -> None:
    cmdte = apptest.app(user="cmdte")
    apptest.ok(cmdte)
    admin = _admin_page()
    admin.selectbox(key="adm_pick").select("cmdte").run()
    admin.selectbox(key="adm_role_new_cmdte").select("publico")
    admin.button(key="adm_role_btn").click().run()
    apptest.ok(admin)
    cmdte.run()
    assert _login_screen(cmdte)
    assert any("cambió su contraseña o su rol" in w.value for w in cmdte.warning)


def test_admin_changing_own_password_stays_signed_in(users_store: Path) -> None:
    at = _admin_page()
    at.selectbox(key="adm_pick").select("jefa").run()
    at.text_input(key="adm_reset_pw").input("clave-nueva-jefa")
    at.text_input(key="adm_reset_pw2").input("clave-nueva-jefa")
    at.button(key="adm_reset_btn").click().run()
    apptest.ok(at)
    assert at.title[0].value == "Administración"
    assert any("restablecida" in s.value for s in at.success)


def test_idle_session_is_signed_out(users_store: Path) -> None:
    import time

    at = apptest.app(user="ana")
    apptest.ok(at)
    at.session_state[auth.SEEN_KEY] = time.time() - settings.SESSION_IDLE_MINUTES * 60 - 5
    at.run()
    assert _login_screen(at)
    assert [w.value for w in at.warning] == [
        f"Su sesión se cerró tras {settings.SESSION_IDLE_MINUTES} minutos sin actividad. "
        "Ingrese de nuevo."]
    log = apptest.audit_log(users_store)
    assert (log["action"].iloc[0], log["detail"].iloc[0]) == ("logout", "inactividad")


def test_last_admin_cannot_remove_herself_in_the_app(users_store: Path) -> None:
    """As the last user she could: the app then fell back to demo mode, admin for anyone."""
    from ui import cache

    with cache.admin_connection() as con:
        for user in ("cmdte", "ana", "vecino"):
            access.remove_user(con, user)
    at = _admin_page()
    at.selectbox(key="adm_pick").select("jefa").run()
    at.checkbox(key="adm_remove_ok").check()
    at.button(key="adm_remove_btn").click().run()
    assert any("último administrador" in e.value for e in at.error)
    assert at.title[0].value == "Administración"
    con = store.connect(users_store, read_only=True)
    try:
        assert "jefa" in set(access.list_users(con)["username"])
    finally:
        con.close()


def test_audit_is_paged_and_filtered_by_date(users_store: Path) -> None:
    with store.writing(users_store) as con:
        for i in range(250):
            access.record_audit(con, user="ana", action="export", detail=f"paso {i}")
        con.execute("UPDATE audit SET logged_at = TIMESTAMP '2025-06-01 00:00:00' "
                    "+ INTERVAL (CAST(regexp_extract(detail, '[0-9]+') AS INTEGER)) HOUR "
                    "WHERE detail LIKE 'paso %'")
    at = _admin_page()
    shown = at.dataframe[-1].value
    assert len(shown) == settings.AUDIT_PAGE_ROWS
    at.selectbox(key="adm_f_user").select("ana").run()
    at.number_input(key="adm_audit_page").set_value(3).run()
    apptest.ok(at)
    assert at.dataframe[-1].value["Detalle"].tolist() == [f"paso {i}" for i in range(49, -1, -1)]
    assert any("Entradas 201–250 de 250" in c.value for c in at.caption)
    import datetime as dt

    at.date_input(key="adm_f_from").set_value(dt.date(2025, 6, 3)).run()
    at.date_input(key="adm_f_to").set_value(dt.date(2025, 6, 3)).run()
    apptest.ok(at)
    assert at.number_input(key="adm_audit_page").value == 1  # a new filter: back to page 1
    assert at.dataframe[-1].value["Detalle"].tolist() == [f"paso {i}" for i in range(71, 47, -1)]


def test_admin_undoes_an_import_in_datos_after_confirming(users_store: Path) -> None:
    with store.reading(users_store) as con:
        before = store.import_rows(con, 1)
        total = store.incident_count(con)
    assert before["incidents"] > 0
    analyst = apptest.app("pages/datos.py", user="ana")
    apptest.ok(analyst)
    assert not [b for b in analyst.button if b.key == "data_undo"]  # admins only
    at = apptest.app("pages/datos.py", user="jefa")
    apptest.ok(at)
    at.button(key="data_undo").click().run()
    apptest.ok(at)
    assert any(f"{before['incidents']} incidentes" in w.value for w in at.warning)
    at.button(key="data_undo_no").click().run()  # cancel: nothing happens
    assert not [b for b in at.button if b.key == "data_undo_yes"]
    with store.reading(users_store) as con:
        assert store.incident_count(con) == total
    at.button(key="data_undo").click().run()
    at.button(key="data_undo_yes").click().run()
    assert not at.exception
    with store.reading(users_store) as con:
        assert store.import_rows(con, 1) == {"incidents": 0, "quarantine": 0, "imports": 0}
        assert store.incident_count(con) == total - before["incidents"]
    log = apptest.audit_log(users_store)
    assert (log["action"].iloc[0], log["username"].iloc[0]) == ("import_delete", "jefa")
    assert log["detail"].iloc[0].startswith("importación 1 (prueba.csv)")


def test_first_admin_created_in_demo_mode_stays_signed_in(app_store: Path) -> None:
    """The demo admin goes on as the first real admin, with a valid session stamp."""
    at = apptest.app("pages/admin.py")
    apptest.ok(at)
    at.text_input(key="adm_new_user").input("jefa")
    at.text_input(key="adm_new_pw").input("clave-jefa-01")
    at.text_input(key="adm_new_pw2").input("clave-jefa-01")
    at.button(key="adm_add").click().run()
    apptest.ok(at)
    at.run()  # the next run checks the session generation
    apptest.ok(at)
    assert at.title[0].value == "Administración"
    assert at.session_state[auth.USER_KEY] == "jefa"
    assert not any("demostración" in w.value for w in at.sidebar.warning)
