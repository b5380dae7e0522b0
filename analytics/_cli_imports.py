"""``python -m analytics imports``: list the imports, or undo one completely.

``imports delete ID`` removes the import's incidents, its quarantined rows, its
``imports`` row and the rows of any table registered in
:data:`analytics.store.IMPORT_TABLES`, in one transaction, with an audit
entry (who, which import, how many rows). It asks for confirmation (type
``si``) unless ``--yes`` is given; the question is asked before the store is
locked for writing, so the app is never kept waiting on a human.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from analytics import access, store
from analytics._errors import StoreError, UserError
from analytics.cli import DB_HELP

_YES = frozenset({"si", "sí", "s", "yes", "y"})


def add_parser(subparsers: Any) -> None:
    """Register the ``imports`` command."""
    p = subparsers.add_parser(
        "imports",
        help="listar las importaciones o deshacer una",
        description=("Lista las importaciones del almacén o deshace una por completo "
                     "(sus incidentes, su cuarentena y su registro), con auditoría."),
    )
    p.add_argument("--db", default=None, help=DB_HELP)
    sub = p.add_subparsers(dest="imports_command", metavar="ACCIÓN", required=True)
    ls = sub.add_parser("list", help="listar las importaciones")
    ls.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    ls.add_argument("--json", action="store_true", help="imprimir una lista JSON")
    rm = sub.add_parser("delete", help="deshacer una importación por completo")
    rm.add_argument("import_id", type=int, metavar="ID", help="número de la importación")
    rm.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    rm.add_argument("--yes", action="store_true", help="no pedir confirmación")
    p.set_defaults(run=run)


def imports_table(con: Any) -> list[dict[str, Any]]:
    """One dict per import with the rows it still has in each import table."""
    hist = store.imports_history(con)
    out = []
    for row in hist.itertuples(index=False):
        iid = int(row.import_id)
        rows = store.import_rows(con, iid)
        out.append({
            "import_id": iid,
            "imported_at": str(row.imported_at)[:19],
            "source": row.source,
            "file_name": row.file_name,
            "rows_read": int(row.rows_read),
            "accepted": int(row.accepted),
            "duplicates": int(row.duplicates),
            "quarantined": int(row.quarantined),
            "rows": {t: n for t, n in rows.items() if t != "imports"},
        })
    return out


def _list(args: argparse.Namespace) -> int:
    with store.reading(args.db) as con:
        table = imports_table(con)
    if args.json:
        print(json.dumps(table, ensure_ascii=False))
        return 0
    if not table:
        print("No hay importaciones.")
        return 0
    print("ID\tfecha (UTC)\tarchivo\tfuente\tleídas\taceptadas\tcuarentena")
    for r in table:
        print(f"{r['import_id']}\t{r['imported_at']}\t{r['file_name']}\t{r['source']}\t"
              f"{r['rows_read']}\t{r['accepted']}\t{r['quarantined']}")
    return 0


def _describe(iid: int, file_name: str, rows: dict[str, int]) -> str:
    return (f"la importación {iid} ({file_name}): {rows.get('incidents', 0)} incidentes y "
            f"{rows.get('quarantine', 0)} filas en cuarentena")


def _delete(args: argparse.Namespace) -> int:
    iid = int(args.import_id)
    with store.reading(args.db) as con:
        known = {r["import_id"]: r for r in imports_table(con)}
    if iid not in known:
        msg = f"No existe la importación {iid} (vea python -m analytics imports list)."
        raise StoreError(msg)
    what = _describe(iid, str(known[iid]["file_name"]), known[iid]["rows"])
    if not args.yes:
        print(f"Se eliminará {what}. ¿Continuar? Escriba «si» para confirmar: ", end="",
              file=sys.stderr, flush=True)
        answer = sys.stdin.readline().strip().lower()
        if not sys.stdin.isatty():
            print(file=sys.stderr)  # the answer was not echoed: end the question's line
        if answer not in _YES:
            msg = "Cancelado: no se eliminó nada (confirme con «si» o use --yes)."
            raise UserError(msg)
    with store.writing(args.db) as con:
        counts = access.undo_import(con, iid, user=access.cli_actor())
        later = con.execute("SELECT count(*) FROM imports WHERE import_id > ? AND duplicates > 0",
                            [iid]).fetchall()[0][0]
        from analytics import alerts

        alerts.refresh_alerts(con)  # the deleted incidents raise no alert any more
    print(f"Eliminada {_describe(iid, str(known[iid]['file_name']), counts)}.")
    if later:
        print("Aviso: importaciones posteriores omitieron filas duplicadas de esta; vuelva a "
              "importar esos archivos si aún las necesita.")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run ``imports``; return the exit code."""
    if args.imports_command == "list":
        return _list(args)
    return _delete(args)
