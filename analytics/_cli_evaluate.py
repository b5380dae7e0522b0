"""CLI command ``evaluate``: the effect of an intervention and its displacement.

``python -m analytics evaluate [--db DB] (--area PATH | --intervention ID) --start
YYYY-MM-DD [--end YYYY-MM-DD] [--months-before N] [--months-after N] [--buffer-m 400]
[--control auto|PATH] [--crime-group G] [--json] [--out report.pdf]``
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from analytics import intervention_areas as ia, settings
from analytics._errors import InputFileError, InterventionError
from analytics.area_sources import read_area as read_area
from analytics.cli import DB_HELP


def add_parser(subparsers: Any) -> None:
    """Register ``evaluate``."""
    p = subparsers.add_parser(
        "evaluate", help="evaluar una intervención: efecto frente a un control y desplazamiento",
        description="Compara los incidentes del área intervenida, de un anillo alrededor y de "
                    "una zona de control antes y después del inicio (diferencia en "
                    "diferencias, WDQ, WDD) y da un veredicto en castellano.")
    p.add_argument("--db", default=None,
                   help=DB_HELP)
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


def intervention_area(con: Any, ident: str) -> Any:
    """The register entry ``ident`` (an ``Intervention``), or ``None`` when there is none."""
    from analytics import intervention_register as reg

    try:
        return reg.get_intervention(con, ident)
    except InterventionError:
        return None


def register_clashes(con: Any, new: Any, *, buffer_m: float) -> list[str]:
    """Spanish notes on other register entries overlapping ``new`` (area + ring, period)."""
    from analytics import intervention_register as reg

    return reg.clash_notes(con, new, buffer_m=buffer_m)


def run(args: argparse.Namespace) -> int:
    """Evaluate, print the verdict (or JSON) and optionally write the PDF."""
    from analytics import intervention_register as reg, store
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
    opts: dict[str, Any] = {"months_before": args.months_before,
                            "months_after": args.months_after, "end": args.end,
                            "crime_group": args.crime_group}
    with store.reading(args.db if args.db is not None else default_db()) as con:
        if args.intervention is not None:
            prepared = reg.load_registered(con, args.intervention, start=args.start,
                                           buffer_m=args.buffer_m, **opts)
        else:
            prepared = reg.load_evaluation(con, area, start=args.start, **opts)
    res = prepared.run(buffer_m=args.buffer_m, control=control, seed=args.seed)
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
