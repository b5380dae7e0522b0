"""CLI command ``evaluate``: the effect of an intervention and its displacement.

``python -m analytics evaluate [--db DB] (--area PATH | --intervention ID) --start
YYYY-MM-DD [--end YYYY-MM-DD] [--months-before N] [--months-after N] [--buffer-m 400]
[--control auto|PATH] [--crime-group G] [--json] [--out report.pdf]``
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from analytics import intervention_areas as ia
from analytics import settings
from analytics._errors import InputFileError, InterventionError, StoreError

#: Incident columns the evaluation reads from the store.
COLUMNS = ("occurred_at", "lat", "lon", "crime_type", "crime_group", "district")


def add_parser(subparsers: Any) -> None:
    """Register ``evaluate``."""
    p = subparsers.add_parser(
        "evaluate", help="evaluar una intervención: efecto frente a un control y desplazamiento",
        description="Compara los incidentes del área intervenida, de un anillo alrededor y de "
                    "una zona de control antes y después del inicio (diferencia en "
                    "diferencias, WDQ, WDD) y da un veredicto en castellano.")
    p.add_argument("--db", default=None,
                   help=f"almacén DuckDB (por defecto ${settings.DB_ENV_VAR} o "
                        f"{settings.DEFAULT_DB})")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--area", default=None, metavar="PATH",
                     help="polígono(s) del área: GeoJSON, Shapefile o GPKG (se unen)")
    src.add_argument("--intervention", default=None, metavar="ID",
                     help="intervención del registro (tabla interventions del almacén)")
    p.add_argument("--start", default=None, metavar="YYYY-MM-DD",
                   help="inicio de la intervención (obligatorio con --area)")
    after = p.add_mutually_exclusive_group()
    after.add_argument("--end", default=None, metavar="YYYY-MM-DD",
                       help="fin del periodo posterior (exclusivo)")
    after.add_argument("--months-after", type=int, default=None, metavar="N",
                       help=f"meses después del inicio (por defecto {ia.MONTHS_AFTER}, "
                            "o hasta el fin de los datos)")
    p.add_argument("--months-before", type=int, default=None, metavar="N",
                   help=f"meses antes del inicio (por defecto {ia.MONTHS_BEFORE}, o desde el "
                        "inicio de los datos)")
    p.add_argument("--buffer-m", type=float, default=ia.BUFFER_M, metavar="M",
                   help=f"ancho del anillo alrededor del área, en metros (por defecto "
                        f"{ia.BUFFER_M:g})")
    p.add_argument("--control", default="auto", metavar="auto|PATH",
                   help="zona de control: auto (resto del distrito o de los datos) o un polígono")
    p.add_argument("--crime-group", default=None, choices=list(settings.CRIME_GROUPS),
                   metavar="G", help="solo este grupo delictivo")
    p.add_argument("--seed", type=int, default=0, help="semilla de las áreas placebo")
    p.add_argument("--json", action="store_true", help="imprimir el resultado como JSON")
    p.add_argument("--out", default=None, metavar="report.pdf", help="informe PDF")
    p.set_defaults(run=run)


def read_area(path: str | Path, *, what: str = "el área") -> Any:
    """Union of the polygons of a GeoJSON/Shapefile/GPKG layer, in EPSG:4326."""
    import geopandas as gpd
    import shapely

    p = Path(path)
    if not p.exists():
        msg = f"No existe el archivo de {what}: {p}"
        raise InputFileError(msg)
    try:
        g = gpd.read_file(p)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a user-fixable file problem
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        msg = f"No se pudo leer {what} en {p}: {first}"
        raise InputFileError(msg) from None
    if len(g) == 0 or g.geometry.isna().all():
        msg = f"El archivo de {what} no tiene geometrías: {p}"
        raise InterventionError(msg)
    if g.crs is not None and g.crs.to_epsg() != 4326:
        g = g.to_crs(4326)
    geoms = [x for x in g.geometry.values if x is not None and not x.is_empty]
    polys = [x for x in geoms if x.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        kinds = ", ".join(sorted({x.geom_type for x in geoms})) or "ninguna"
        msg = f"El archivo de {what} no tiene polígonos (tiene: {kinds}): {p}"
        raise InterventionError(msg)
    return shapely.union_all(polys)


def intervention_area(con: Any, ident: str) -> Any:
    """Look up ``ident`` in the store's interventions register.

    Returns the :class:`~analytics.interventions.Intervention`, or ``None`` when the store
    has no ``interventions`` table (columns ``id, name, kind, area_geojson, start, end,
    body``) or no such id.
    """
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()}
    if "interventions" not in tables:
        return None
    rows = con.execute("SELECT * FROM interventions WHERE CAST(id AS VARCHAR) = ?",
                       [str(ident)]).df()
    if rows.empty:
        return None
    return ia.intervention_from_record(rows.iloc[0].to_dict())


def register_clashes(con: Any, new: Any, *, buffer_m: float) -> list[str]:
    """Spanish notes on other register entries overlapping ``new`` (area + ring, period)."""
    others = []
    for rec in con.execute("SELECT * FROM interventions").df().to_dict(orient="records"):
        try:
            others.append(ia.intervention_from_record(rec))
        except InterventionError:
            continue
    notes = []
    for c in ia.overlapping_interventions(new, others, buffer_m=buffer_m):
        until = "en curso" if c.end is None else f"hasta el {c.end:%d/%m/%Y}"
        notes.append(f"Otra intervención se superpone con el área o su anillo en el mismo "
                     f"periodo: {c.name or c.id} (desde el {c.start:%d/%m/%Y}, {until}); el "
                     "efecto medido puede ser de ambas.")
    return notes


def _coverage(con: Any) -> tuple[Any, Any]:
    sql = "SELECT min(occurred_at), max(occurred_at) FROM incidents"
    lo, hi = con.execute(sql).fetchall()[0]
    if lo is None:
        msg = "El almacén no tiene incidentes."
        raise StoreError(msg)
    import pandas as pd

    return (pd.Timestamp(lo).normalize(), pd.Timestamp(hi).normalize() + pd.Timedelta(days=1))


def run(args: argparse.Namespace) -> int:
    """Evaluate, print the verdict (or JSON) and optionally write the PDF."""
    from analytics import interventions as iv
    from analytics import store
    from analytics.cli import default_db

    if args.out is not None and not str(args.out).lower().endswith(".pdf"):
        msg = f"El informe debe ser un archivo .pdf: {args.out}"
        raise InputFileError(msg)
    if args.area is not None and args.start is None:
        msg = "Falta --start (fecha de inicio de la intervención, AAAA-MM-DD)."
        raise InterventionError(msg)
    area = read_area(args.area) if args.area is not None else None
    control = None if args.control in (None, "auto") else read_area(args.control,
                                                                    what="la zona de control")
    con = store.connect(args.db if args.db is not None else default_db(), read_only=True)
    try:
        name = ""
        clashes: list[str] = []
        start, end = args.start, args.end
        if args.intervention is not None:
            reg = intervention_area(con, args.intervention)
            if reg is None:
                msg = (f"No existe la intervención {args.intervention!r} en el registro del "
                       "almacén.")
                raise InterventionError(msg)
            area, name = reg.area, reg.name or str(reg.id)
            clashes = register_clashes(con, reg, buffer_m=args.buffer_m)
            start = start or reg.start
            if end is None and args.months_after is None and reg.end is not None:
                end = reg.end
        coverage = _coverage(con)
        windows = ia.evaluation_windows(start, coverage=coverage, end=end,
                                        months_before=args.months_before,
                                        months_after=args.months_after)
        df = store.load_incidents(con, start=windows.before_start, end=windows.after_end,
                                  crime_groups=None if args.crime_group is None
                                  else [args.crime_group], columns=list(COLUMNS))
    finally:
        con.close()
    res = iv.evaluate_intervention(df, area, start=start, end=end,
                                   months_before=args.months_before,
                                   months_after=args.months_after, buffer_m=args.buffer_m,
                                   control=control, crime_group=args.crime_group,
                                   coverage=coverage, seed=args.seed, name=name)
    if clashes:
        res = replace(res, notes=(*res.notes, *clashes))
    if args.out is not None:
        from analytics import files
        from analytics.intervention_report import evaluation_pdf

        files.write_bytes(evaluation_pdf(res), args.out)
    if args.json:
        print(json.dumps(res.to_dict(), ensure_ascii=False, indent=1))
    else:
        _print_text(res)
    if args.out is not None:
        print(f"Informe en {args.out}", file=sys.stderr)
    return 0


def _print_text(res: Any) -> None:
    from analytics.intervention_report import counts_table, effects_table

    o = res.overall
    print(o.verdict)
    print()
    print(counts_table(o, buffer_m=res.buffer_m).to_string(index=False))
    print()
    print(effects_table(o, buffer_m=res.buffer_m, alpha=res.alpha).to_string(index=False))
    if res.groups:
        print()
        for g in res.groups:
            print(f"- {g.label}: {g.verdict}")
    print()
    print(f"Método: {o.method} · control: {res.control_label}")
    for n in res.notes:
        print(f"Nota: {n}")
