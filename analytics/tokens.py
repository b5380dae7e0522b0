"""Access tokens of the ingest API: roles, creation, verification, revocation.

Roles
-----
``ingest``
    May post incidents (``POST /api/v1/incidents``) and read the alerts.
``read``
    May only read the alerts (``GET /api/v1/alerts``); a post is refused (403).

A token is ``vg_`` followed by 43 URL-safe characters (32 random bytes from
:mod:`secrets`). Only its SHA-256 is stored (``api_tokens``, SQL in
:mod:`analytics.store.api`): a random 256-bit secret needs no slow, salted
hash, and a stolen store gives no usable token. The clear token is shown once,
when it is made. Presented tokens are compared by their digests in constant
time (:func:`hmac.compare_digest`). A revoked token stays listed (with its
revocation time) and its name cannot be reused.

Token changes are written to the audit table (:func:`analytics.access.record_audit`,
actions ``api_token_add`` / ``api_token_revoke``) in the same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from analytics import access, settings
from analytics._errors import UserError
from analytics.store import api as store_api

ROLES: Final = ("ingest", "read")
#: Actions of the API and the roles that may do them.
ROLE_ACTIONS: Final = {"post": frozenset({"ingest"}), "read_alerts": frozenset({"ingest", "read"})}
TOKEN_PREFIX: Final = "vg_"
_NAME_RE: Final = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")
_TOKEN_RE: Final = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


def _now() -> datetime:
    return datetime.now(ZoneInfo(settings.TIMEZONE)).replace(tzinfo=None, microsecond=0)


def token_hash(token: str) -> str:
    """Hex SHA-256 of a token (what the store keeps)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def bearer_hash(header: str | None) -> str | None:
    """The hash of the token in an ``Authorization: Bearer ...`` header (``None``: no token).

    Anything that is not one ``Bearer`` word and one plausible token gives ``None``.
    """
    if not header:
        return None
    parts = header.strip().split()
    if len(parts) != 2 or parts[0].lower() != "bearer" or not _TOKEN_RE.match(parts[1]):
        return None
    return token_hash(parts[1])


def same_hash(a: str, b: str) -> bool:
    """Constant-time comparison of two hex digests."""
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))


def allowed(role: str | None, action: str) -> bool:
    """Whether a token role may do an API action (``post``, ``read_alerts``)."""
    return role is not None and role in ROLE_ACTIONS.get(action, frozenset())


def _clean_name(name: str) -> str:
    clean = str(name).strip().lower()
    if not _NAME_RE.match(clean):
        msg = ("El nombre del token debe tener de 3 a 32 caracteres: letras minúsculas sin "
               "tildes, números, punto, guion o guion bajo (p. ej. c4-lima).")
        raise UserError(msg)
    return clean


def add_token(con: duckdb.DuckDBPyConnection, name: str, role: str, *,
              actor: str | None = None) -> str:
    """Create a token; return it in clear (shown once, never stored).

    Raises
    ------
    UserError
        Invalid name or role, or a token (even revoked) already has the name.
    """
    problems: list[str] = []
    try:
        clean = _clean_name(name)
    except UserError as exc:
        problems.append(str(exc))
        clean = ""
    if role not in ROLES:
        problems.append(f"Rol de token desconocido: {role!r} (roles: {', '.join(ROLES)}).")
    if clean and store_api.token_exists(con, clean):
        problems.append(f"Ya existe un token llamado {clean} (los revocados no se reutilizan).")
    if problems:
        raise UserError(" ".join(problems))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    con.execute("BEGIN TRANSACTION")
    try:
        store_api.insert_token(con, clean, role, token_hash(token), now=_now())
        access.record_audit(con, user=actor, action="api_token_add",
                            detail=f"token {clean} ({role})")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return token


def revoke_token(con: duckdb.DuckDBPyConnection, name: str, *, actor: str | None = None) -> None:
    """Revoke a token at once (the service refuses it from its next request).

    Raises
    ------
    UserError
        No active token has that name.
    """
    clean = str(name).strip().lower()
    con.execute("BEGIN TRANSACTION")
    try:
        if not store_api.revoke_token(con, clean, now=_now()):
            msg = f"No hay un token activo llamado {clean}."
            raise UserError(msg)
        access.record_audit(con, user=actor, action="api_token_revoke", detail=f"token {clean}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def list_tokens(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Tokens without their hashes: ``name, role, created_at, last_used_at, revoked_at``."""
    return store_api.tokens_frame(con)


def verify_hashes(con: duckdb.DuckDBPyConnection, hashes: list[str]
                  ) -> dict[str, tuple[str, str]]:
    """``hash -> (name, role)`` for the presented hashes that belong to an active token."""
    found = store_api.active_tokens(con, hashes)
    return {h: found[k] for h in hashes for k in found if same_hash(h, k)}
