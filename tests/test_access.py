"""Tests for analytics.access and the ``users`` command."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics import access, cli, store
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
    access.remove_user(con, "admin")  # the last user may go: back to demo mode
    assert not access.has_users(con)


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
