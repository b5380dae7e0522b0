"""Command-line interface: ``python -m analytics COMMAND ...``.

Each command lives in a private module ``analytics/_cli_<name>.py`` that
exposes ``add_parser(subparsers)`` and ``run(args) -> int``. Errors a user can
fix (``AnalyticsError``, unreadable files, a damaged store: any ``OSError`` or
``duckdb.Error``) print one Spanish line on stderr and exit 2; anything else is
a bug: one line and exit 1. No traceback reaches the user; with
``VIGIA_DEBUG=1`` the traceback is printed too.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from analytics import settings
from analytics._errors import AnalyticsError

#: Command modules, in the order ``--help`` lists them.
_COMMAND_MODULES: tuple[str, ...] = (
    "analytics._cli_ingest",
    "analytics._cli_forecast",
    "analytics._cli_demo",
    "analytics._cli_users",
    "analytics._cli_imports",
    "analytics._cli_scale",
    "analytics._cli_plan",
    "analytics._cli_zones",
    "analytics._cli_zone_layers",
    "analytics._cli_evaluate",
    "analytics._cli_tracks",
    "analytics._cli_dosage",
    "analytics._cli_interventions",
    "analytics._cli_api",
    "analytics._cli_alerts",
)

#: Command name -> the module that registers it. ``main`` imports only the module of
#: the command being run (forecast models, Dask and geopandas stay out of ``ingest``'s
#: start-up); ``--help`` imports them all. A test keeps this map equal to what the
#: modules register.
_COMMANDS: dict[str, str] = {
    "ingest": "analytics._cli_ingest",
    "export": "analytics._cli_ingest",
    "geocode": "analytics._cli_ingest",
    "forecast": "analytics._cli_forecast",
    "backtest": "analytics._cli_forecast",
    "demo": "analytics._cli_demo",
    "users": "analytics._cli_users",
    "imports": "analytics._cli_imports",
    "partition": "analytics._cli_scale",
    "aggregate": "analytics._cli_scale",
    "district-forecasts": "analytics._cli_scale",
    "plan": "analytics._cli_plan",
    "plans": "analytics._cli_plan",
    "zone-forecast": "analytics._cli_zones",
    "zones": "analytics._cli_zone_layers",
    "evaluate": "analytics._cli_evaluate",
    "tracks": "analytics._cli_tracks",
    "dosage": "analytics._cli_dosage",
    "interventions": "analytics._cli_interventions",
    "serve-api": "analytics._cli_api",
    "tokens": "analytics._cli_api",
    "alerts": "analytics._cli_alerts",
}

EXIT_USER_ERROR = 2
EXIT_BUG = 1
#: Set to 1 to print tracebacks as well (for developers; users get one line).
DEBUG_ENV_VAR = "VIGIA_DEBUG"


#: Help of every command's ``--db`` option.
DB_HELP = f"almacén DuckDB (por defecto ${settings.DB_ENV_VAR} o {settings.DEFAULT_DB})"

def default_db() -> Path:
    """Store path; kept for callers, see :func:`analytics.store.default_path`."""
    from analytics.store import default_path

    return default_path()


_ARGPARSE_ES: tuple[tuple[str, str], ...] = (
    ("the following arguments are required:", "faltan argumentos obligatorios:"),
    ("one of the arguments", "falta uno de los argumentos obligatorios:"),
    (" is required", ""),
    ("unrecognized arguments:", "argumentos no reconocidos:"),
    ("invalid choice:", "opción no válida:"),
    ("expected one argument", "se esperaba un valor"),
    ("not allowed with argument", "no se permite junto con"),
    ("invalid int value:", "valor entero no válido:"),
    ("invalid float value:", "valor numérico no válido:"),
    ("(choose from", "(opciones:"),
    ("argument ", "argumento "),
)


class _Parser(argparse.ArgumentParser):
    """``ArgumentParser`` whose usage errors follow the CLI contract: one Spanish line, exit 2."""

    def error(self, message: str) -> NoReturn:
        for en, es in _ARGPARSE_ES:
            message = message.replace(en, es)
        self.exit(EXIT_USER_ERROR, f"error: {message} (ayuda: {self.prog} --help)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: every command, or only the module of ``command`` when known."""
    parser = _Parser(
        prog="python -m analytics",
        description=(
            "Vigía: ingesta de incidentes, celdas H3, pronósticos y planes de patrullaje. "
            f"Almacén por defecto: ${settings.DB_ENV_VAR} o {settings.DEFAULT_DB}."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    modules = (_COMMANDS[command],) if command in _COMMANDS else _COMMAND_MODULES
    for name in modules:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except AnalyticsError as exc:
        _debug_traceback()
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("error: interrumpido por el usuario", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI contract: one line, never a traceback
        _debug_traceback()
        code, message = _unexpected(exc, getattr(args, "db", None))
        print(f"error: {message}", file=sys.stderr)
        return code


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _debug_traceback() -> None:
    if os.environ.get(DEBUG_ENV_VAR, "").strip() not in ("", "0"):
        traceback.print_exc(file=sys.stderr)


def _unexpected(exc: Exception, db: object) -> tuple[int, str]:
    """Exit code and Spanish line for an exception that is not an ``AnalyticsError``."""
    duckdb = sys.modules.get("duckdb")
    if duckdb is not None and isinstance(exc, duckdb.Error):
        where = str(db) if db else str(default_db())
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return EXIT_USER_ERROR, (f"el almacén {where} está dañado o no se puede leer ({first}). "
                                 "Restaure la última copia de seguridad o vuelva a importar.")
    if isinstance(exc, OSError):
        name = f" {exc.filename}" if exc.filename else ""
        return EXIT_USER_ERROR, f"no se pudo usar el archivo{name}: {exc.strerror or exc}."
    return EXIT_BUG, (f"error inesperado ({type(exc).__name__}). Repita con {DEBUG_ENV_VAR}=1 "
                      "para ver el detalle y avise al equipo de Vigía.")
