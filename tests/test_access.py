"""Tests for analytics.access and the ``users`` command."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics import access, cli, settings, store
from analytics._errors import AccessDeniedError, UserError

DATA = Path(__file__).resolve().parent / "data" / "reports"
PASSWORD = "clave-de-prueba-1"


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(":memory:")
    yield c
    c.close()


def test_permission_table_matches_expected() -> None:
    exp = pd.read_csv(DATA / "permissions_expected.csv").set_index("item")
    assert set(exp.index) == set(access.PAGES) | set(access.ACTIONS)
    assert list(exp.columns) == list(access.ROLES)
    for item, row in exp.iterrows():
        for role in access.ROLES:
            assert access.can(role, str(item)) == bool(row[role]), (role, item)


@pytest.mark.parametrize(("role", "item"), [("jefe", "inicio"), (None, "inicio"),
                                            ("admin", "borrar_todo")],
                         ids=["rol-desconocido", "sin-rol", "accion-desconocida"])
def test_unknown_roles_and_actions_denied(role: str | None, item: str) -> None:
    assert not access.can(role, item)
    with pytest.raises(AccessDeniedError):
        access.require(role, item)


def test_password_hashed_and_verified(con: duckdb.DuckDBPyConnection) -> None:
    assert not access.has_users(con)
    user = access.add_user(con, "Ana.Perez", PASSWORD, "analista")
    assert user == access.User("ana.perez", "analista")
    assert access.has_users(con)
    stored = con.execute("SELECT password_hash FROM users").fetchall()[0][0]
    assert PASSWORD not in stored and stored.startswith("$2b$")
    assert access.verify_user(con, "ana.perez", PASSWORD) == user
    assert access.verify_user(con, " ANA.PEREZ ", PASSWORD) == user
    assert access.verify_user(con, "ana.perez", PASSWORD + "x") is None
    assert access.verify_user(con, "nadie", PASSWORD) is None  # same answer: no enumeration
    listed = access.list_users(con)
    assert list(listed.columns) == ["username", "role", "created_at", "updated_at"]
    assert listed["username"].tolist() == ["ana.perez"]


def test_add_user_collects_problems(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(UserError, match="(?s)nombre de usuario.*al menos 10.*Rol desconocido"):
        access.add_user(con, "A!", "corta", "jefe")
    access.add_user(con, "admin", PASSWORD, "admin")
    with pytest.raises(UserError, match="ya existe"):
        access.add_user(con, "ADMIN", PASSWORD, "analista")
    with pytest.raises(UserError, match="igual al nombre"):
        access.add_user(con, "comandante1", "comandante1", "comandante")


def test_set_password_role_and_remove(con: duckdb.DuckDBPyConnection) -> None:
    access.add_user(con, "admin", PASSWORD, "admin")
    access.add_user(con, "jefe", PASSWORD, "comandante")
    access.set_password(con, "jefe", "otra-clave-segura")
    assert access.verify_user(con, "jefe", PASSWORD) is None
    assert access.verify_user(con, "jefe", "otra-clave-segura") is not None
    with pytest.raises(UserError, match="último administrador"):
        access.set_role(con, "admin", "analista")
    with pytest.raises(UserError, match="último administrador"):
        access.remove_user(con, "admin")
    access.set_role(con, "jefe", "publico")
    assert access.verify_user(con, "jefe", "otra-clave-segura") == access.User("jefe", "publico")
    access.remove_user(con, "jefe")
    with pytest.raises(UserError, match="No existe"):
        access.remove_user(con, "jefe")
    with pytest.raises(UserError, match="último administrador"):
        access.remove_user(con, "admin")  # even as the last user: no silent demo mode
    assert access.has_users(con)


def test_audit_log_order_filters_limit(con: duckdb.DuckDBPyConnection) -> None:
    assert access.audit_log(con).empty
    for i, action in enumerate(["import", "export", "plan", "export_public"]):
        access.record_audit(con, user="ana", action=action, detail=f"paso {i}")
    access.record_audit(con, user=None, action="import", detail="modo demostración")
    log = access.audit_log(con)
    assert list(log.columns) == ["logged_at", "username", "action", "detail"]
    assert log["detail"].tolist() == ["modo demostración", "paso 3", "paso 2", "paso 1",
                                      "paso 0"]
    assert log["username"].iloc[0] == "(sin usuario)"
    assert access.audit_log(con, action="import")["detail"].tolist() == [
        "modo demostración", "paso 0"]
    assert len(access.audit_log(con, user="ana", limit=2)) == 2
    with pytest.raises(UserError):
        access.record_audit(con, user="ana", action=" ")


def test_read_only_store_without_tables(tmp_path: Path) -> None:
    db = tmp_path / "v.duckdb"
    store.connect(db).close()
    ro = store.connect(db, read_only=True)
    try:
        assert not access.has_users(ro)
        assert access.verify_user(ro, "admin", PASSWORD) is None
        assert access.audit_log(ro).empty
    finally:
        ro.close()


def test_cli_users_one_audit_entry_per_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "v.duckdb")

    def run(*argv: str, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return cli.main(["users", *argv])

    assert run("add", "Jefa", "--role", "admin", "--db", db, "--password-stdin",
               stdin=PASSWORD + "\n") == 0
    assert run("--db", db, "add", "ana", "--role", "analista", "--password-stdin",
               stdin=PASSWORD + "\n") == 0
    assert run("passwd", "ana", "--db", db, "--password-stdin", stdin="nueva-clave-123\n") == 0
    assert run("list", "--db", db) == 0
    assert "ana\tanalista" in capsys.readouterr().out
    assert run("remove", "ana", "--db", db) == 0
    assert run("add", "x", "--role", "admin", "--db", db, "--password-stdin",
               stdin="corta\n") == cli.EXIT_USER_ERROR
    assert "al menos 10" in capsys.readouterr().err
    assert run("remove", "nadie", "--db", db) == cli.EXIT_USER_ERROR
    con = store.connect(db, read_only=True)
    try:
        log = access.audit_log(con).iloc[::-1]
        assert log["action"].tolist() == ["user_add", "user_add", "user_passwd", "user_remove"]
        assert log["detail"].tolist() == ["usuario jefa, rol admin", "usuario ana, rol analista",
                                          "usuario ana", "usuario ana"]
        assert log["username"].str.startswith("(cli:").all()
        assert access.list_users(con)["username"].tolist() == ["jefa"]
        assert access.verify_user(con, "jefa", PASSWORD) is not None
    finally:
        con.close()


# --------------------------------------------------------------------------- hardening
def test_last_admin_is_never_removed_but_a_second_one_may_go(con: duckdb.DuckDBPyConnection
                                                              ) -> None:
    access.add_user(con, "jefa", PASSWORD, "admin")
    with pytest.raises(UserError, match="último administrador"):
        access.remove_user(con, "jefa")
    access.add_user(con, "segunda", PASSWORD, "admin")
    access.remove_user(con, "jefa")
    assert access.list_users(con)["username"].tolist() == ["segunda"]
    with pytest.raises(UserError, match="último administrador"):
        access.remove_user(con, "segunda")


def test_cli_refuses_to_remove_the_last_admin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "v.duckdb")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(["users", "add", "jefa", "--role", "admin", "--db", db,
                     "--password-stdin"]) == 0
    assert cli.main(["users", "remove", "jefa", "--db", db]) == cli.EXIT_USER_ERROR
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "último administrador" in err[0]
    with store.reading(db) as ro:
        assert access.has_users(ro)


def test_password_and_role_changes_end_open_sessions(con: duckdb.DuckDBPyConnection) -> None:
    """Each change raises session_gen, which the app compares on every run."""
    access.add_user(con, "admin", PASSWORD, "admin")
    user = access.add_user(con, "ana", PASSWORD, "analista")
    assert user.session_gen == 0 and access.user_session(con, "ana") == ("analista", 0)
    access.set_password(con, "ana", "otra-clave-segura")
    assert access.user_session(con, "ana") == ("analista", 1)
    access.set_role(con, "ana", "analista")  # no change: the session goes on
    assert access.user_session(con, "ana") == ("analista", 1)
    access.set_role(con, "ana", "publico")
    assert access.user_session(con, "ana") == ("publico", 2)
    signed = access.verify_user(con, "ana", "otra-clave-segura")
    assert signed is not None and signed.session_gen == 2
    assert access.user_session(con, "admin") == ("admin", 0)  # other users untouched
    access.remove_user(con, "ana")
    assert access.user_session(con, "ana") is None


def test_stored_user_text_is_bounded(tmp_path: Path) -> None:
    """45 failed logins with a 5 MB user name grew the store by 288 MB: now a few KB."""
    db = tmp_path / "v.duckdb"
    letters = np.random.default_rng(0).integers(97, 123, 5_100_000, dtype=np.uint8)
    noise = letters.tobytes().decode("ascii")  # incompressible, unlike "x" * n
    huge = noise[:5_000_000]
    w = store.connect(db)
    try:
        before = w.execute("SELECT count(*) FROM audit").fetchall()[0][0]
        assert access.verify_user(w, huge, "clave-cualquiera") is None
        for i in range(45):  # 45 different 5 MB names
            access.record_audit(w, user=None, action="login_failed",
                                detail=f"usuario {noise[i * 1000:i * 1000 + 5_000_000]}")
        access.record_audit(w, user=huge, action=huge, detail="ok\nsegunda línea")
        w.execute("CHECKPOINT")
    finally:
        w.close()
    assert db.stat().st_size < 3_000_000
    ro = store.connect(db, read_only=True)
    try:
        log = access.audit_log(ro, limit=100)
    finally:
        ro.close()
    assert len(log) == 46 + before
    assert log["detail"].str.len().max() == settings.MAX_DETAIL_CHARS
    assert log["detail"].iloc[1].endswith("…")
    assert log["username"].str.len().max() == settings.MAX_NAME_CHARS
    assert log["action"].str.len().max() <= 64
    assert log["detail"].iloc[0] == "ok segunda línea"  # one line per entry


def test_audit_is_read_one_page_at_a_time(con: duckdb.DuckDBPyConnection) -> None:
    for i in range(250):
        access.record_audit(con, user="ana" if i % 2 else "jefa",
                            action="export" if i % 5 else "import", detail=f"paso {i}")
    con.execute("UPDATE audit SET logged_at = TIMESTAMP '2025-06-01 10:00:00' "
                "+ INTERVAL (CAST(regexp_extract(detail, '[0-9]+') AS INTEGER)) HOUR")
    assert access.audit_count(con) == 250
    first = access.audit_log(con, limit=100)
    third = access.audit_log(con, limit=100, offset=200)
    assert len(first) == 100 and len(third) == 50
    assert first["detail"].iloc[0] == "paso 249" and third["detail"].iloc[-1] == "paso 0"
    both = pd.concat([access.audit_log(con, limit=100, offset=o) for o in (0, 100, 200)])
    assert both["detail"].nunique() == 250  # pages neither overlap nor skip
    assert access.audit_count(con, user="ana", action="import") == 25  # odd multiples of 5
    day = pd.Timestamp("2025-06-02").date()  # hours 14..37 fall on June 2
    assert access.audit_count(con, start=day, end=day) == 24
    assert access.audit_log(con, start=day, end=day, limit=5)["detail"].tolist() == [
        f"paso {i}" for i in range(37, 32, -1)]
    assert access.audit_filter_values(con) == (["ana", "jefa"], ["export", "import"])


def test_v2_store_gets_session_generations(tmp_path: Path) -> None:
    db = tmp_path / "v2.duckdb"
    raw = duckdb.connect(str(db))
    raw.execute("CREATE TABLE vigia_meta (key VARCHAR, value VARCHAR)")
    raw.execute("INSERT INTO vigia_meta VALUES ('schema_version', '2')")
    for step in store.MIGRATIONS[:2]:
        for sql in step.statements:
            raw.execute(sql)
    raw.execute("INSERT INTO users VALUES ('jefa', 'x', 'admin', now()::TIMESTAMP, "
                "now()::TIMESTAMP)")
    raw.close()
    with store.reading(db) as ro:
        assert access.user_session(ro, "jefa") == ("admin", 0)
        assert store.schema_version(ro) == store.SCHEMA_VERSION
