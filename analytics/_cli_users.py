"""``python -m analytics users``: create, list, remove users and change passwords.

Every change is written to the audit table with the acting user
``(cli)`` plus the operating-system login, so the admin can see it in the app.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from analytics import access, store
from analytics._errors import UserError


def add_parser(subparsers: Any) -> None:
    """Register the ``users`` command."""
    p = subparsers.add_parser(
        "users",
        help="gestionar usuarios (añadir, listar, eliminar, cambiar contraseña)",
        description=(
            "Gestiona los usuarios de Vigía en el almacén. Roles: "
            + ", ".join(access.ROLES)
            + ". Cree primero un administrador: python -m analytics users add admin --role admin."
        ),
    )
    p.add_argument("--db", type=Path, default=None,
                   help="almacén DuckDB (por defecto $VIGIA_DB o data/vigia.duckdb)")
    sub = p.add_subparsers(dest="users_command", metavar="ACCIÓN", required=True)

    a = sub.add_parser("add", help="añadir un usuario")
    a.add_argument("username", help="nombre de usuario (minúsculas, números, . _ -)")
    a.add_argument("--role", required=True, choices=access.ROLES, help="rol del usuario")
    a.add_argument("--password-stdin", action="store_true",
                   help="leer la contraseña de la entrada estándar (una línea)")
    a.add_argument("--db", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    sub.add_parser("list", help="listar usuarios (sin contraseñas)").add_argument(
        "--db", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    r = sub.add_parser("remove", help="eliminar un usuario")
    r.add_argument("username")
    r.add_argument("--db", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    w = sub.add_parser("passwd", help="cambiar la contraseña de un usuario")
    w.add_argument("username")
    w.add_argument("--password-stdin", action="store_true",
                   help="leer la contraseña de la entrada estándar (una línea)")
    w.add_argument("--db", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.set_defaults(run=run)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    first = getpass.getpass("Contraseña: ")
    second = getpass.getpass("Repita la contraseña: ")
    if first != second:
        msg = "Las contraseñas no coinciden."
        raise UserError(msg)
    return first


def _actor() -> str:
    return access.cli_actor()


def run(args: argparse.Namespace) -> int:
    """Run ``users``; return the exit code."""
    cmd = args.users_command
    if cmd == "list":
        path = Path(store.default_path() if args.db is None else args.db)
        if not path.exists() and not path.parent.is_file():  # no store yet: no users
            with store.connect(":memory:") as mem:
                users = access.list_users(mem)
        else:
            with store.reading(path) as con:  # a reader: never waits for the app's readers
                users = access.list_users(con)
        if users.empty:
            print("No hay usuarios: la aplicación arranca en modo demostración.")
            return 0
        for row in users.itertuples():
            print(f"{row.username}\t{row.role}\tcreado {row.created_at:%Y-%m-%d %H:%M}")
        return 0
    password = _read_password(args) if cmd in ("add", "passwd") else ""  # before locking
    con = store.connect(args.db, read_only=False)
    try:
        if cmd == "add":
            user = access.add_user(con, args.username, password, args.role)
            access.record_audit(con, user=_actor(), action="user_add",
                                detail=f"usuario {user.username}, rol {user.role}")
            print(f"Usuario {user.username} creado con rol {user.role}.")
        elif cmd == "remove":
            name = args.username.strip().lower()
            access.remove_user(con, name)
            access.record_audit(con, user=_actor(), action="user_remove", detail=f"usuario {name}")
            print(f"Usuario {name} eliminado.")
        elif cmd == "passwd":
            name = args.username.strip().lower()
            access.set_password(con, name, password)
            access.record_audit(con, user=_actor(), action="user_passwd", detail=f"usuario {name}")
            print(f"Contraseña de {name} cambiada.")
    finally:
        con.close()
    return 0
