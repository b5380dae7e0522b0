"""``python -m analytics tracks``: import GPS tracks, edit the unit aliases, purge old pings.

``tracks import FILE`` reads a GPS export (CSV/CSV.GZ, XLSX, GPX, GeoJSON),
cleans it (:func:`analytics.tracks.pings_from_file`) and appends it to the
store (:func:`analytics.store.tracks.store_pings`): every ping ends stored,
duplicate (already in the file or in the store) or rejected, and ``--json``
prints exactly ``pings_read, stored, duplicates, rejected, rejected_reasons,
units``. The file is read before the store is locked; the write, the
retention purge and the audit entry commit together. Unit ids (plates) are
printed to the person importing and stored in ``tracks`` only: the audit
entry and ``track_imports`` hold counts.

``tracks aliases`` lists, sets, removes and suggests (``--plan``) the
device -> plan unit equivalences; ``tracks purge`` deletes pings older than
``--older-than-days`` (default ``settings.TRACK_RETENTION_DAYS``) before now.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from analytics import access, settings, store
from analytics.cli import DB_HELP


def add_parser(subparsers: Any) -> None:
    """Register the ``tracks`` command."""
    p = subparsers.add_parser(
        "tracks", help="recorridos GPS de las unidades: importar, equivalencias, purgar",
        description="Importa recorridos GPS (SIPCOP, SIPCOP-M, AVL municipal: CSV, Excel, GPX, "
                    "GeoJSON), mantiene la tabla de equivalencias placa/dispositivo -> unidad "
                    "del plan y borra los puntos antiguos.")
    p.add_argument("--db", type=Path, default=None, help=DB_HELP)
    sub = p.add_subparsers(dest="tracks_command", metavar="ACCIÓN", required=True)

    imp = sub.add_parser("import", help="importar un archivo de puntos GPS")
    imp.add_argument("file", metavar="ARCHIVO", help="CSV, CSV.GZ, XLSX, GPX o GeoJSON")
    imp.add_argument("--db", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    imp.add_argument("--unit", default=None, metavar="U",
                     help="unidad de todos los puntos (un GPX de un solo vehículo)")
    imp.add_argument("--source", default=None, metavar="NOMBRE",
                     help="sistema de origen (SIPCOP-M, AVL municipal…)")
    imp.add_argument("--json", action="store_true", help="imprimir el resumen como JSON")

    al = sub.add_parser("aliases", help="equivalencias placa/dispositivo -> unidad del plan")
    al.add_argument("--db", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    asub = al.add_subparsers(dest="aliases_command", metavar="ACCIÓN", required=True)
    ls = asub.add_parser("list", help="listar las equivalencias")
    ls.add_argument("--db", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    ls.add_argument("--json", action="store_true", help="imprimir una lista JSON")
    st = asub.add_parser("set", help="asignar una placa o dispositivo a una unidad del plan")
    st.add_argument("alias", metavar="ALIAS", help="placa o código del dispositivo")
    st.add_argument("unit", metavar="UNIDAD", help="unidad del plan (1, 2, …)")
    st.add_argument("--note", default=None, help="nota (p. ej. 'camioneta de reemplazo')")
    st.add_argument("--db", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    rm = asub.add_parser("remove", help="quitar una equivalencia")
    rm.add_argument("alias", metavar="ALIAS")
    rm.add_argument("--db", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sg = asub.add_parser("suggest", help="sugerir equivalencias a partir de un plan guardado")
    sg.add_argument("--plan", required=True, metavar="PLAN_ID")
    sg.add_argument("--apply", action="store_true", help="guardar las sugerencias")
    sg.add_argument("--json", action="store_true", help="imprimir una lista JSON")
    sg.add_argument("--db", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    pg = sub.add_parser("purge", help="borrar los puntos GPS antiguos")
    pg.add_argument("--older-than-days", type=int, default=settings.TRACK_RETENTION_DAYS,
                    metavar="N", help="borrar los puntos de hace más de N días (por defecto "
                                      f"{settings.TRACK_RETENTION_DAYS})")
    pg.add_argument("--json", action="store_true", help="imprimir el resultado como JSON")
    pg.add_argument("--db", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch ``tracks`` actions."""
    if args.tracks_command == "import":
        return _import(args)
    if args.tracks_command == "purge":
        return _purge(args)
    return {"list": _aliases_list, "set": _alias_set, "remove": _alias_remove,
            "suggest": _alias_suggest}[args.aliases_command](args)


def import_file(path: str | Path, *, db: Any, user: str | None, unit: str | None = None,
                source: str | None = None) -> Any:
    """Read and clean one GPS file (before locking), then store it with its audit entry.

    Returns :class:`analytics.store.tracks.StoredTracks`.
    """
    from analytics import tracks
    from analytics.store import tracks as store_tracks

    sha = store_tracks.file_sha256(path)
    result = tracks.pings_from_file(path, unit=unit)
    with store.writing(db) as con:
        return store_tracks.store_pings(
            con, result, user=user, file_name=Path(path).name, file_sha256=sha, source=source,
            audit=lambda out: access.record_audit(con, user=user, action="tracks_import",
                                                  detail=store_tracks.audit_detail(out)))


def _import(args: argparse.Namespace) -> int:
    out = import_file(args.file, db=args.db, user=access.cli_actor(), unit=args.unit,
                      source=args.source)
    if args.json:
        print(json.dumps(out.summary.to_dict(), ensure_ascii=False))
    else:
        print(out.summary.message()
              + f" Importación GPS {out.track_import_id}."
              + (f" {out.purged} puntos antiguos borrados." if out.purged else ""))
    return 0


def _purge(args: argparse.Namespace) -> int:
    from analytics.store import tracks as store_tracks

    actor = access.cli_actor()
    with store.writing(args.db) as con:
        n = store_tracks.purge_tracks(con, older_than_days=args.older_than_days)
        access.record_audit(con, user=actor, action="tracks_purge",
                            detail=f"{n} puntos GPS de hace más de {args.older_than_days} "
                                   "días borrados")
    if args.json:
        print(json.dumps({"purged": n, "older_than_days": args.older_than_days}))
    else:
        print(f"{n} puntos GPS de hace más de {args.older_than_days} días borrados.")
    return 0


def _aliases_list(args: argparse.Namespace) -> int:
    from analytics.store import tracks as store_tracks

    with store.reading(args.db) as con:
        df = store_tracks.list_aliases(con)
    recs = [{"alias": r.alias, "unit": r.unit, "note": r.note,
             "updated_at": str(r.updated_at)[:19], "updated_by": r.updated_by}
            for r in df.itertuples(index=False)]
    if args.json:
        print(json.dumps(recs, ensure_ascii=False))
    elif not recs:
        print("No hay equivalencias.")
    else:
        for r in recs:
            print(f"{r['alias']}\t-> unidad {r['unit']}\t{r['note'] or ''}")
    return 0


def _alias_set(args: argparse.Namespace) -> int:
    from analytics.store import tracks as store_tracks

    actor = access.cli_actor()
    with store.writing(args.db) as con:
        store_tracks.set_alias(con, args.alias, args.unit, note=args.note, user=actor)
        # no plate in the audit: the unit only
        access.record_audit(con, user=actor, action="tracks_alias",
                            detail=f"equivalencia de un dispositivo a la unidad {args.unit}")
    print(f"Equivalencia guardada: -> unidad {args.unit}.")
    return 0


def _alias_remove(args: argparse.Namespace) -> int:
    from analytics._errors import StoreError
    from analytics.store import tracks as store_tracks

    actor = access.cli_actor()
    with store.writing(args.db) as con:
        if not store_tracks.remove_alias(con, args.alias):
            msg = "No existe esa equivalencia (vea python -m analytics tracks aliases list)."
            raise StoreError(msg)
        access.record_audit(con, user=actor, action="tracks_alias",
                            detail="equivalencia de un dispositivo quitada")
    print("Equivalencia quitada.")
    return 0


def _alias_suggest(args: argparse.Namespace) -> int:
    from analytics import compliance
    from analytics.store import tracks as store_tracks

    with store.reading(args.db) as con:
        sug = compliance.suggest_aliases(con, args.plan)
    recs = [{"alias": r.alias, "unit": r.unit, "basis": r.basis,
             "share": None if math.isnan(r.share) else round(float(r.share), 3)}
            for r in sug.itertuples(index=False)]
    if args.apply:
        todo = [r for r in recs if r["unit"] is not None]
        actor = access.cli_actor()
        with store.writing(args.db) as con:
            for r in todo:
                store_tracks.set_alias(con, r["alias"], r["unit"],
                                       note=f"sugerida ({r['basis']})", user=actor)
            access.record_audit(con, user=actor, action="tracks_alias",
                                detail=f"{len(todo)} equivalencias sugeridas guardadas "
                                       f"(plan {args.plan})")
    if args.json:
        print(json.dumps(recs, ensure_ascii=False))
    elif not recs:
        print("Todos los dispositivos del turno coinciden con unidades del plan.")
    else:
        for r in recs:
            why = {"recorrido": f"recorrido {r['share']:.0%}".replace("%", " %"),
                   "numero": "número"}.get(r["basis"], "sin evidencia")
            print(f"{r['alias']}\t-> {r['unit'] or '?'}\t({why})")
    return 0
