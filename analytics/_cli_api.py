"""``python -m analytics serve-api`` (the ingest API) and ``tokens`` (its access tokens).

``tokens add NAME --role ingest|read`` prints the new token once, as its last
line; only its SHA-256 is stored. ``tokens list`` never shows a token.
``tokens revoke NAME`` takes effect at the service's next request. Token
changes are audited (``api_token_add`` / ``api_token_revoke``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from analytics import settings
from analytics.cli import DB_HELP


def add_parser(subparsers: Any) -> None:
    """Register ``serve-api`` and ``tokens``."""
    p = subparsers.add_parser(
        "serve-api",
        help="servicio HTTP de ingesta de incidentes en vivo (API con token)",
        description=("Sirve la API de ingesta: POST /api/v1/incidents (token de rol ingest), "
                     "GET /api/v1/alerts y GET /api/v1/health. Póngalo detrás de un proxy "
                     "con TLS (docs/DEPLOYMENT.md); ejemplos en docs/API.md."),
    )
    p.add_argument("--db", default=None, help=DB_HELP)
    p.add_argument("--host", default=settings.API_HOST,
                   help=f"dirección donde escuchar (por defecto {settings.API_HOST})")
    p.add_argument("--port", type=int, default=settings.API_PORT,
                   help=f"puerto (por defecto {settings.API_PORT})")
    p.add_argument("--source", default="api",
                   help="etiqueta de la fuente guardada con cada incidente (por defecto api)")
    p.add_argument("--tz", default=settings.TIMEZONE,
                   help=f"zona horaria de las horas enviadas (por defecto {settings.TIMEZONE})")
    p.add_argument("--bbox", default=None, metavar="MINLON,MINLAT,MAXLON,MAXLAT",
                   help="área de estudio; por defecto, "
                        f"{settings.STUDY_RADIUS_KM:g} km alrededor de donde están los datos "
                        "del almacén")
    p.add_argument("--rate-limit", type=int, default=settings.API_RATE_LIMIT, metavar="N",
                   help=f"envíos por token cada {settings.API_RATE_WINDOW_S:g} s "
                        f"(por defecto {settings.API_RATE_LIMIT})")
    p.add_argument("--log-level", default="info",
                   choices=("critical", "error", "warning", "info", "debug"),
                   help="detalle del registro (por defecto info; nunca incluye los cuerpos)")
    p.set_defaults(run=run_serve)

    t = subparsers.add_parser(
        "tokens",
        help="tokens de acceso de la API (añadir, listar, revocar)",
        description=("Gestiona los tokens de la API de ingesta. Roles: ingest (enviar "
                     "incidentes y leer alertas) y read (solo leer alertas)."),
    )
    t.add_argument("--db", default=None, help=DB_HELP)
    sub = t.add_subparsers(dest="tokens_command", metavar="ACCIÓN", required=True)
    a = sub.add_parser("add", help="crear un token (se muestra una sola vez, en la última línea)")
    a.add_argument("name", help="nombre del token (minúsculas, números, . _ -), p. ej. c4-lima")
    a.add_argument("--role", required=True, choices=("ingest", "read"), help="rol del token")
    a.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    ls = sub.add_parser("list", help="listar los tokens (nunca los muestra)")
    ls.add_argument("--json", action="store_true", help="imprimir una lista JSON")
    ls.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    r = sub.add_parser("revoke", help="revocar un token")
    r.add_argument("name")
    r.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    t.set_defaults(run=run_tokens)


def _db(args: argparse.Namespace) -> str:
    from analytics import store

    return str(store.default_path() if args.db is None else args.db)


def run_serve(args: argparse.Namespace) -> int:
    """Run ``serve-api`` until interrupted."""
    from analytics import _validate as V, service
    from analytics._errors import UserError

    area = None
    if args.bbox:
        try:
            area = tuple(float(v) for v in args.bbox.replace(" ", "").split(","))
        except ValueError:
            msg = "--bbox espera MINLON,MINLAT,MAXLON,MAXLAT."
            raise UserError(msg) from None
        V.check_study_area(area)
    if args.rate_limit < 1:
        msg = "--rate-limit debe ser un entero positivo."
        raise UserError(msg)
    service.serve(_db(args), host=args.host, port=args.port, source=args.source or None,
                  tz=args.tz, study_area=area, rate_limit=args.rate_limit,
                  log_level=args.log_level)
    return 0


def _fmt(ts: Any) -> str:
    import pandas as pd

    return "-" if ts is None or pd.isna(ts) else f"{pd.Timestamp(ts):%Y-%m-%d %H:%M}"


def run_tokens(args: argparse.Namespace) -> int:
    """Run ``tokens``."""
    from analytics import access, store, tokens

    cmd = args.tokens_command
    db = _db(args)
    if cmd == "list":
        if not Path(db).exists():
            print("No hay tokens.")
            return 0
        with store.reading(db) as con:
            frame = tokens.list_tokens(con)
        if args.json:
            print(json.dumps([{k: (None if _fmt(v) == "-" else _fmt(v))
                               if k.endswith("_at") else v for k, v in row.items()}
                              for row in frame.to_dict("records")], ensure_ascii=False))
            return 0
        if frame.empty:
            print("No hay tokens.")
            return 0
        print("nombre\trol\tcreado\túltimo uso\trevocado")
        for row in frame.itertuples(index=False):
            print(f"{row.name}\t{row.role}\t{_fmt(row.created_at)}\t{_fmt(row.last_used_at)}\t"
                  f"{_fmt(row.revoked_at)}")
        return 0
    with store.writing(db) as con:
        if cmd == "add":
            token = tokens.add_token(con, args.name, args.role, actor=access.cli_actor())
            name = args.name.strip().lower()
            print(f"Token {name} creado con rol {args.role}. Guárdelo ahora: no se volverá a "
                  "mostrar (Authorization: Bearer TOKEN).")
            print(token)
        else:
            tokens.revoke_token(con, args.name, actor=access.cli_actor())
            print(f"Token {args.name.strip().lower()} revocado.")
    return 0
