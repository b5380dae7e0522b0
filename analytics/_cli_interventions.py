"""CLI command ``interventions``: the interventions register (add, list, remove).

``python -m analytics interventions add --name N --kind K (--area PATH | --district D |
--cells h3,...) --start YYYY-MM-DD [--end YYYY-MM-DD] [--body B] [--db DB] [--json]``
prints the new id (warnings about overlapping interventions on stderr);
``interventions list [--json]`` and ``interventions remove ID``. Every change is audited
as the command-line user. ``evaluate --intervention ID`` evaluates an entry.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from analytics.cli import DB_HELP


def add_parser(subparsers: Any) -> None:
    """Register ``interventions``."""
    from analytics.intervention_register import INTERVENTION_KINDS

    p = subparsers.add_parser(
        "interventions", help="registro de intervenciones (agregar, listar, eliminar)",
        description="Registro de intervenciones (patrullaje focalizado, Barrio Seguro, "
                    "cámaras…) con su área y fechas, para evaluarlas con 'evaluate "
                    "--intervention ID'. Cada cambio queda en la auditoría.")
    sub = p.add_subparsers(dest="interventions_command", metavar="ACCIÓN", required=True)
    add = sub.add_parser("add", help="registrar una intervención (imprime su id)")
    add.add_argument("--name", required=True, help="nombre de la intervención")
    add.add_argument("--kind", required=True, metavar="TIPO",
                     help="tipo: " + ", ".join(INTERVENTION_KINDS))
    src = add.add_mutually_exclusive_group(required=True)
    src.add_argument("--area", default=None, metavar="PATH",
                     help="polígono(s) del área: GeoJSON, Shapefile (.shp o .zip) o GPKG")
    src.add_argument("--district", default=None, metavar="D",
                     help="un distrito entero (nombre o ubigeo)")
    src.add_argument("--cells", default=None, metavar="h3,...",
                     help="celdas H3 separadas por comas")
    add.add_argument("--start", required=True, metavar="YYYY-MM-DD", help="primer día")
    add.add_argument("--end", default=None, metavar="YYYY-MM-DD",
                     help="fin (exclusivo: el día siguiente al último); sin él, en curso")
    add.add_argument("--body", default="", metavar="B",
                     help="institución responsable (no el nombre de una persona)")
    add.add_argument("--db", type=Path, default=None, help=DB_HELP)
    add.add_argument("--json", action="store_true", help="imprimir {id, warnings} como JSON")
    lst = sub.add_parser("list", help="listar el registro")
    lst.add_argument("--db", type=Path, default=None, help=DB_HELP)
    lst.add_argument("--json", action="store_true", help="imprimir la lista como JSON")
    rm = sub.add_parser("remove", help="eliminar una intervención del registro")
    rm.add_argument("id", metavar="ID", help="id de la intervención (p. ej. I3)")
    rm.add_argument("--db", type=Path, default=None, help=DB_HELP)
    p.set_defaults(run=run)


def _area(args: argparse.Namespace) -> Any:
    from analytics import area_sources

    if args.area is not None:
        return area_sources.read_area(args.area)
    if args.district is not None:
        from analytics import geo

        return area_sources.area_from_district(geo.read_boundaries(), args.district)
    return area_sources.area_from_cells(area_sources.parse_cells(args.cells))


def _json_value(v: Any) -> Any:
    import pandas as pd

    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d") if v == v.normalize() else v.isoformat()
    return v.item() if hasattr(v, "item") else v


def run(args: argparse.Namespace) -> int:
    """Dispatch ``add``, ``list`` and ``remove``."""
    from analytics import access, intervention_register as reg, store

    if args.interventions_command == "list":
        with store.reading(args.db) as con:
            df = reg.list_interventions(con)
        if args.json:
            recs = [{k: _json_value(v) for k, v in r.items()}
                    for r in df.to_dict(orient="records")]
            print(json.dumps(recs, ensure_ascii=False))
        elif df.empty:
            print("No hay intervenciones registradas.")
        else:
            for r in df.itertuples(index=False):
                end = "en curso" if _json_value(r.end) is None else f"hasta {r.end:%Y-%m-%d}"
                print(f"{r.id}  {r.name}  ({r.kind_label})  desde {r.start:%Y-%m-%d} {end}  "
                      f"{r.area_km2 if r.area_km2 is not None else '?'} km²  {r.body or '—'}")
        return 0
    actor = access.cli_actor()
    if args.interventions_command == "remove":
        with store.writing(args.db) as con:
            change = reg.remove_intervention(con, args.id, user=actor)
        for w in change.warnings:
            print(f"aviso: {w}", file=sys.stderr)
        print(f"Intervención {change.id} eliminada del registro.", file=sys.stderr)
        return 0
    area = _area(args)
    with store.writing(args.db) as con:
        change = reg.add_intervention(con, name=args.name, kind=args.kind, area=area,
                                      start=args.start, end=args.end, body=args.body,
                                      user=actor)
    if args.json:
        print(json.dumps({"id": change.id, "warnings": list(change.warnings)},
                         ensure_ascii=False))
    else:
        print(change.id)
        for w in change.warnings:
            print(f"aviso: {w}", file=sys.stderr)
    return 0
