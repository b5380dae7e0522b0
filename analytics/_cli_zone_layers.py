"""CLI command ``zones``: zone layers kept in the store.

Contract::

    python -m analytics zones add LAYER --name NAME [--name-column COLUMN] [--merge] [--db DB]
        [--json]
    python -m analytics zones list [--all] [--json] [--db DB]

``add`` reads a GeoJSON, Shapefile (also zipped) or GeoPackage layer,
validates it (:func:`analytics.zones.read_zone_layer`: invalid polygons
repaired, overlaps given to the zone listed first, or the layer refused with
one Spanish line) and stores it as a new version of ``NAME`` (version 1 when
the name is new). It prints what was repaired on stderr and, with ``--json``,
``{"layer_id", "name", "version", "zones", "notes"}`` on stdout. The addition
is written to the audit log.

``list`` prints the stored layers (the latest version of each name; ``--all``:
every version); ``--json`` prints a list of ``{"layer_id", "name", "version",
"created_at", "created_by", "source", "zones"}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from analytics.cli import DB_HELP


def add_parser(subparsers: Any) -> None:
    """Register ``zones``."""
    p = subparsers.add_parser(
        "zones", help="capas de zonas guardadas (sectores, cuadrantes, jurisdicciones)",
        description="Guarda capas de zonas en el almacén con nombre y versión, y las lista.")
    sub = p.add_subparsers(dest="zones_command", metavar="ACCIÓN", required=True)
    add = sub.add_parser("add", help="guardar una capa (nueva versión si el nombre existe)",
                         description="Valida una capa de polígonos y la guarda en el almacén.")
    add.add_argument("layer", metavar="CAPA", help="archivo GeoJSON, Shapefile (.shp o .zip) "
                                                   "o GeoPackage")
    add.add_argument("--name", required=True, metavar="NOMBRE",
                     help="nombre de la capa, p. ej. 'Sectores La Victoria'")
    add.add_argument("--name-column", default=None, metavar="COLUMNA",
                     help="columna con el nombre de cada zona (por defecto se detecta)")
    add.add_argument("--merge", action="store_true",
                     help="unir las filas con el mismo nombre de zona en una sola zona")
    add.add_argument("--db", type=Path, default=None,
                     help=DB_HELP)
    add.add_argument("--json", action="store_true", help="imprimir el resultado como JSON")
    add.set_defaults(run=run_add)
    ls = sub.add_parser("list", help="listar las capas guardadas",
                        description="Lista las capas de zonas guardadas en el almacén.")
    ls.add_argument("--all", action="store_true", help="todas las versiones")
    ls.add_argument("--json", action="store_true", help="imprimir como JSON")
    ls.add_argument("--db", type=Path, default=None,
                    help=DB_HELP)
    ls.set_defaults(run=run_list)


def run_add(args: argparse.Namespace) -> int:
    """Validate the layer, store it, audit it; print what happened."""
    from analytics import access, store, zones as zn
    from analytics.cli import default_db
    from analytics.store import zones as sz

    name = sz.layer_name(args.name)
    layer = zn.read_zone_layer(args.layer, name_column=args.name_column,
                               duplicates="merge" if args.merge else "error")
    actor = access.cli_actor()
    with store.writing(args.db if args.db is not None else default_db()) as con:
        info = sz.save_zone_layer(con, layer, name=name, created_by=actor,
                                  source=Path(args.layer).name)
        access.record_audit(con, user=actor, action="zone_layer_add",
                            detail=f"capa {info.label}: {info.n_zones} zonas de "
                                   f"{info.source or 'archivo'}")
    lines = [f"capa {info.label} guardada (id {info.layer_id}, {info.n_zones} zonas)"]
    lines += list(info.notes)
    print("; ".join(lines), file=sys.stderr)
    if args.json:
        print(json.dumps({"layer_id": info.layer_id, "name": info.name,
                          "version": info.version, "zones": info.n_zones,
                          "notes": list(info.notes)}, ensure_ascii=False))
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print the stored layers."""
    from analytics import store
    from analytics.cli import default_db
    from analytics.store import zones as sz

    with store.reading(args.db if args.db is not None else default_db()) as con:
        df = sz.zone_layers(con, all_versions=args.all)
    if args.json:
        doc = [{"layer_id": int(r.layer_id), "name": str(r.name), "version": int(r.version),
                "created_at": str(r.created_at), "created_by": str(r.created_by or ""),
                "source": str(r.source or ""), "zones": int(r.n_zones)}
               for r in df.itertuples(index=False)]
        print(json.dumps(doc, ensure_ascii=False))
        return 0
    if df.empty:
        print("No hay capas de zonas guardadas (python -m analytics zones add CAPA --name N).")
        return 0
    for r in df.itertuples(index=False):
        print(f"{int(r.layer_id):>4}  {r.name} (v{int(r.version)})  {int(r.n_zones)} zonas  "
              f"{str(r.created_at)[:16]}  {r.created_by or ''}  {r.source or ''}")
    return 0
