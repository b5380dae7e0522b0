"""``python -m analytics demo``: load (or write) the seeded demo incidents."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from analytics import demo


def add_parser(subparsers: Any) -> None:
    """Register the ``demo`` command."""
    p = subparsers.add_parser(
        "demo",
        help="cargar datos de demostración (Lima y Trujillo) en el almacén",
        description=(
            "Genera dos años de incidentes sintéticos con semilla fija (Lima y Trujillo) y los "
            "importa por la ingesta normal. Con --out solo escribe el archivo crudo."
        ),
    )
    p.add_argument("--db", type=Path, default=None,
                   help="almacén DuckDB (por defecto $VIGIA_DB o data/vigia.duckdb)")
    p.add_argument("--if-empty", action="store_true",
                   help="cargar solo si el almacén no tiene incidentes")
    p.add_argument("--seed", type=int, default=demo.DEFAULT_SEED,
                   help=f"semilla del generador (por defecto {demo.DEFAULT_SEED})")
    p.add_argument("--scale", type=float, default=1.0,
                   help="multiplicador del volumen (1 = unos 38 000 incidentes)")
    p.add_argument("--out", type=Path, default=None,
                   help="escribir el archivo crudo (uno por ciudad: RUTA_lima.csv, "
                        "RUTA_trujillo.csv) en lugar de importarlo")
    p.set_defaults(run=run)


def _first_message_only() -> Any:
    """A progress callback that prints only the first message (on stderr)."""
    shown: list[str] = []

    def progress(fraction: float, message: str) -> None:
        if not shown:
            shown.append(message)
            print(message, file=sys.stderr)

    return progress


def _summary(report: Any, db: Path) -> str:
    def g(name: str, default: Any = 0) -> Any:
        return getattr(report, name, default)

    lines = [
        f"Datos de demostración importados en {db}:",
        f"  filas leídas: {g('rows_read'):,} · aceptadas: {g('accepted'):,} · "
        f"duplicadas: {g('duplicates'):,} · en cuarentena: {g('quarantined'):,}",
    ]
    reasons = g("quarantine_reasons", {}) or {}
    if reasons:
        lines.append("  motivos de cuarentena: "
                     + ", ".join(f"{k} {v:,}" for k, v in sorted(reasons.items())))
    swapped = g("swapped_coordinates")
    if swapped:
        lines.append(f"  coordenadas invertidas (lat/lon) corregidas: {swapped:,}")
    pii = g("pii_columns_dropped", []) or []
    if pii:
        lines.append("  columnas con datos personales descartadas: " + ", ".join(pii))
    stacked = g("stacked_points", []) or []
    if stacked:
        top = max(stacked, key=lambda s: s.get("count", 0))
        lines.append(f"  puntos apilados (posibles comisarías): {len(stacked)}; el mayor con "
                     f"{top.get('count', 0):,} incidentes en ({top.get('lat')}, {top.get('lon')})")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``demo``; return the exit code."""
    if args.out is not None:
        paths = demo.write_demo(args.out, seed=args.seed, scale=args.scale)
        for p in paths:
            print(f"Archivo de demostración escrito: {p}")
        return 0
    from analytics.cli import default_db

    db = args.db if args.db is not None else default_db()
    report = demo.load_demo(db=db, seed=args.seed, if_empty=args.if_empty, scale=args.scale,
                            progress=_first_message_only())
    if report is None:
        print(f"El almacén {db} ya tiene incidentes: no se cargaron datos de demostración.")
        return 0
    print(_summary(report, db))
    return 0
