"""Users, roles, permissions and the audit log, stored in the DuckDB store.

Roles
-----
``admin``
    Everything, including user management and the audit log.
``comandante``, ``analista``
    Every page and action except user management and the audit log.
``publico``
    Public mode only: the pages it may open (``inicio``, ``mapa``,
    ``reportes``) read nothing but the public release of
    :mod:`analytics.disclosure` (suppressed base tables by quarter, district,
    crime group and H3 cell; every figure shown is a sum of their published
    rows, so no two views can be subtracted to reveal a count below ``k``).
    No points (``view_points`` is denied), no day, shift, weekday or type
    filter, and it may only export public data (``export_public``: the same
    release).

Permission table (pages and actions; ``x`` = allowed)::

                     admin  comandante  analista  publico
    inicio             x        x          x         x
    mapa               x        x          x         x
    patrones           x        x          x
    datos              x        x          x
    pronostico         x        x          x
    zonas_criticas     x        x          x
    plan_patrullaje    x        x          x
    cumplimiento       x        x          x
    evaluacion         x        x          x
    alertas            x        x          x
    reportes           x        x          x         x
    admin              x
    import             x        x          x
    export             x        x          x
    export_public      x        x          x         x
    plan               x        x          x
    view_points        x        x          x
    manage_users       x
    view_audit         x
    delete_import      x

``cumplimiento`` shows GPS tracks of patrol units (operational data): staff
only, never the public role; importing tracks needs ``import``.

``evaluacion`` (interventions register and their evaluation) reads internal incidents:
staff only, never the public role.

``alertas`` (the live view: this shift's incidents and near-repeat alerts) is
staff only; alerts are internal data and never reach the public role.

Passwords are hashed with bcrypt (cost 12, salt per hash) and never stored or
returned in clear. :func:`verify_user` gives the same answer, after the same
work, for an unknown user and a wrong password (no user enumeration).

Sessions: every user has a ``session_gen`` counter, raised by a password or
role change. The app keeps the value it saw at sign-in and signs the session
out when the stored one differs (:func:`user_session`), so a reset password or
a removed role ends the user's open sessions.

The last administrator can neither be removed nor lose the role: once users
exist, the app never falls back to the open demo mode.

The SQL of the ``users`` and ``audit`` tables is in :mod:`analytics.store.accounts`;
this module holds the policy. Audit times are local wall time
(``settings.TIMEZONE``), like incidents.
Every stored text that comes from a user (names, details) is bounded by
:func:`analytics._text.clip_text`. The writing functions bring a bare
connection's schema up to date (``store.migrate``); the reading functions work
on read-only connections and treat a missing table as empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo

import bcrypt
import duckdb
import pandas as pd

from analytics import settings, store
from analytics._errors import AccessDeniedError, UserError
from analytics._text import clip_name, clip_text
from analytics.store import accounts

ROLES: Final = ("admin", "comandante", "analista", "publico")
#: Roles that work with internal (unsuppressed) data: everyone but the public.
STAFF_ROLES: Final = frozenset({"admin", "comandante", "analista"})
ROLE_LABELS: Final = MappingProxyType({
    "admin": "Administrador",
    "comandante": "Comandante",
    "analista": "Analista",
    "publico": "Público",
})
PAGES: Final = ("inicio", "mapa", "patrones", "datos", "pronostico", "zonas_criticas",
                "plan_patrullaje", "cumplimiento", "evaluacion", "alertas", "reportes", "admin")
ACTIONS: Final = ("import", "export", "export_public", "plan", "manage_users", "view_points",
                  "view_audit", "delete_import")

_STAFF: Final = frozenset(set(PAGES) - {"admin"}
                          | {"import", "export", "export_public", "plan", "view_points"})
#: Role -> pages and actions it may use (see the module notes).
PERMISSIONS: Final = MappingProxyType({
    "admin": frozenset(PAGES) | frozenset(ACTIONS),
    "comandante": _STAFF,
    "analista": _STAFF,
    "publico": frozenset({"inicio", "mapa", "reportes", "export_public"}),
})

#: Minimum password length, in characters.
MIN_PASSWORD_LENGTH: Final = 10
_MAX_PASSWORD_BYTES: Final = 72  # bcrypt limit
_BCRYPT_ROUNDS: Final = 12
_USERNAME_RE: Final = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")
# A valid hash of a random password: checked when the user is unknown, so an
# unknown user costs the same time as a wrong password.
_DUMMY_HASH: Final = b"$2b$12$x0nqrGZ58gXuuE1uW2i62OOHAhy3in.tmXZiwwE5lBtZcWap8u0fm"

#: Longest audit action key stored.
_MAX_ACTION_CHARS: Final = 64
#: Most distinct values offered by an audit filter.
_MAX_FILTER_VALUES: Final = 500
#: How the audit names the rows of each table of ``store.IMPORT_TABLES``.
_TABLE_LABELS: Final = MappingProxyType({"incidents": "incidentes",
                                         "quarantine": "filas en cuarentena"})


@dataclass(frozen=True)
class User:
    """An authenticated user (no password material).

    ``session_gen`` is the user's session generation at sign-in (see the
    module notes); it does not take part in comparisons.
    """

    username: str
    role: str
    session_gen: int = field(default=0, compare=False)

    def can(self, action: str) -> bool:
        """Whether this user's role allows a page or action."""
        return can(self.role, action)


def can(role: str | None, action: str) -> bool:
    """Whether ``role`` may open a page or perform an action.

    Unknown roles and unknown pages/actions are denied.
    """
    if role is None:
        return False
    return action in PERMISSIONS.get(role, frozenset())


def require(role: str | None, action: str) -> None:
    """Raise :class:`AccessDeniedError` unless ``role`` may do ``action``."""
    if not can(role, action):
        label = ROLE_LABELS.get(role or "", str(role))
        msg = f"El rol {label} no tiene permiso para «{action}»."
        raise AccessDeniedError(msg)


def _now() -> datetime:
    return datetime.now(ZoneInfo(settings.TIMEZONE)).replace(tzinfo=None, microsecond=0)


def _ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Bring a bare connection's schema up to date (a no-op on a store from ``connect``)."""
    store.migrate(con)


def _clean_username(username: str, problems: list[str]) -> str:
    name = str(username).strip().lower()
    if not _USERNAME_RE.match(name):
        problems.append("El nombre de usuario debe tener de 3 a 32 caracteres: letras minúsculas "
                        "sin tildes, números, punto, guion o guion bajo.")
    return name


def _check_password(password: str, username: str, problems: list[str]) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"La contraseña debe tener al menos {MIN_PASSWORD_LENGTH} caracteres.")
    if len(password.encode("utf-8")) > _MAX_PASSWORD_BYTES:
        problems.append(f"La contraseña no puede superar {_MAX_PASSWORD_BYTES} bytes.")
    if username and password.strip().lower() == username:
        problems.append("La contraseña no puede ser igual al nombre de usuario.")


def _check_role(role: str, problems: list[str]) -> None:
    if role not in ROLES:
        problems.append(f"Rol desconocido: {role!r} (roles: {', '.join(ROLES)}).")


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(_BCRYPT_ROUNDS)).decode("ascii")


def _user_row(con: duckdb.DuckDBPyConnection, username: str
              ) -> tuple[str, str, str, int] | None:
    """``(username, password_hash, role, session_gen)`` or ``None``."""
    return accounts.user_row(con, clip_name(username))


def has_users(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any user is configured (else the app runs in demo mode)."""
    return accounts.user_count(con) > 0


def add_user(con: duckdb.DuckDBPyConnection, username: str, password: str, role: str) -> User:
    """Create a user; the password is stored only as a bcrypt hash.

    Raises
    ------
    UserError
        Invalid name, short password, unknown role, or the user exists.
    """
    problems: list[str] = []
    name = _clean_username(username, problems)
    _check_password(password, name, problems)
    _check_role(role, problems)
    if not problems and _user_row(con, name) is not None:
        problems.append(f"El usuario {name} ya existe.")
    if problems:
        raise UserError(" ".join(problems))
    _ensure_tables(con)
    now = _now()
    accounts.insert_user(con, name, _hash(password), role, now=now)
    return User(name, role, 0)


def verify_user(con: duckdb.DuckDBPyConnection, username: str, password: str) -> User | None:
    """The user if the password is right, else ``None`` (same for an unknown user)."""
    name = clip_name(str(username).strip().lower())
    row = _user_row(con, name)
    stored = row[1].encode("ascii") if row else _DUMMY_HASH
    try:
        ok = bcrypt.checkpw(str(password).encode("utf-8")[:_MAX_PASSWORD_BYTES], stored)
    except ValueError:
        ok = False
    if row is None or not ok:
        return None
    return User(row[0], row[2], row[3])


def user_session(con: duckdb.DuckDBPyConnection, username: str) -> tuple[str, int] | None:
    """``(role, session_gen)`` of a user, or ``None`` if the user no longer exists.

    The app compares ``session_gen`` with the value it kept at sign-in on every
    run and signs the session out when they differ.
    """
    row = _user_row(con, str(username).strip().lower())
    return (row[2], row[3]) if row else None


def set_password(con: duckdb.DuckDBPyConnection, username: str, password: str) -> None:
    """Replace a user's password."""
    problems: list[str] = []
    name = str(username).strip().lower()
    _check_password(password, name, problems)
    if _user_row(con, name) is None:
        problems.append(f"No existe el usuario {name}.")
    if problems:
        raise UserError(" ".join(problems))
    accounts.update_user(con, name, password_hash=_hash(password), now=_now())


def set_role(con: duckdb.DuckDBPyConnection, username: str, role: str) -> None:
    """Change a user's role (ends the user's open sessions); the last admin keeps it."""
    problems: list[str] = []
    name = str(username).strip().lower()
    _check_role(role, problems)
    row = _user_row(con, name)
    if row is None:
        problems.append(f"No existe el usuario {name}.")
    elif row[2] == "admin" and role != "admin" and accounts.user_count(con, role="admin") <= 1:
        problems.append("No se puede quitar el rol de administrador al último administrador.")
    if problems:
        raise UserError(" ".join(problems))
    if row is not None and row[2] == role:
        return
    accounts.update_user(con, name, role=role, now=_now())


def remove_user(con: duckdb.DuckDBPyConnection, username: str) -> None:
    """Delete a user; the last administrator can never be removed.

    Removing every user would silently return the app to its demo mode, where
    anyone is an administrator: once users exist, at least one admin stays.
    """
    name = clip_name(str(username).strip().lower())
    row = _user_row(con, name)
    if row is None:
        msg = f"No existe el usuario {name}."
        raise UserError(msg)
    if row[2] == "admin" and accounts.user_count(con, role="admin") <= 1:
        msg = ("No se puede eliminar al último administrador: la aplicación quedaría abierta a "
               "cualquiera. Cree antes otro administrador.")
        raise UserError(msg)
    accounts.delete_user(con, name)


def list_users(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Users without password material: ``username, role, created_at, updated_at``."""
    return accounts.users_frame(con)


def cli_actor() -> str:
    """Audit name for the command line: ``(cli:<operating-system user>)``."""
    import getpass

    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "?"
    return f"(cli:{who})"


def record_audit(con: duckdb.DuckDBPyConnection, *, user: str | None, action: str,
                 detail: str = "") -> None:
    """Append one audit entry (who, what, when).

    Parameters
    ----------
    user
        Username, or ``None`` for the demo mode or the command line without a
        user (stored as ``"(sin usuario)"``).
    action
        Short key: ``import``, ``export``, ``export_public``, ``plan``,
        ``login``, ``login_failed``, ``user_add``, ``user_remove``,
        ``user_passwd``, ``user_role``...
    detail
        Free text for the administrator (file name, filters, counts). Never
        put passwords or personal data here.
    """
    act = clip_text(str(action).strip(), _MAX_ACTION_CHARS)
    if not act.strip():
        msg = "La acción de auditoría no puede estar vacía."
        raise UserError(msg)
    _ensure_tables(con)
    accounts.insert_audit(con, logged_at=_now(),
                          username=clip_name(user) if user else "(sin usuario)", action=act,
                          detail=clip_text(detail, settings.MAX_DETAIL_CHARS))


def audit_log(con: duckdb.DuckDBPyConnection, *, limit: int = 500, offset: int = 0,
              user: str | None = None, action: str | None = None,
              start: date | datetime | None = None, end: date | datetime | None = None
              ) -> pd.DataFrame:
    """One page of audit entries, newest first: ``logged_at, username, action, detail``.

    Parameters
    ----------
    limit, offset
        The page: at most ``limit`` rows after skipping ``offset``.
    user, action
        Keep only this user name / action key.
    start, end
        Local dates (inclusive both; a ``datetime`` end is exclusive).
    """
    return accounts.audit_rows(con, limit=limit, offset=offset,
                               user=None if user is None else clip_name(user),
                               action=None if action is None
                               else clip_text(action, _MAX_ACTION_CHARS),
                               start=start, end=end)


def audit_count(con: duckdb.DuckDBPyConnection, *, user: str | None = None,
                action: str | None = None, start: date | datetime | None = None,
                end: date | datetime | None = None) -> int:
    """Number of audit entries matching the filters of :func:`audit_log`."""
    return accounts.audit_total(con, user=None if user is None else clip_name(user),
                                action=None if action is None
                                else clip_text(action, _MAX_ACTION_CHARS),
                                start=start, end=end)


def audit_filter_values(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str]]:
    """Distinct user names and action keys in the audit (each list bounded), sorted."""
    return (accounts.audit_distinct(con, "username", limit=_MAX_FILTER_VALUES),
            accounts.audit_distinct(con, "action", limit=_MAX_FILTER_VALUES))


def undo_import(con: duckdb.DuckDBPyConnection, import_id: int, *, user: str | None
                ) -> dict[str, int]:
    """Delete one import (:func:`analytics.store.delete_import`) and audit it, together.

    The audit entry (``import_delete``: who, which import and file, how many
    rows) commits in the same transaction as the deletion.

    Returns
    -------
    dict
        Table -> rows deleted.
    """
    iid = int(import_id)
    found = accounts.import_file_name(con, iid)
    file_name = clip_name(found) if found is not None else "?"

    def audit(counts: dict[str, int]) -> None:
        parts = ", ".join(f"{n} {_TABLE_LABELS.get(table, 'filas de ' + table)}"
                          for table, n in counts.items() if table != "imports")
        record_audit(con, user=user, action="import_delete",
                     detail=f"importación {iid} ({file_name}): {parts}")

    return store.delete_import(con, iid, audit=audit)
