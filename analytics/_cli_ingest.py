"""CLI commands ``ingest`` (files into the store) and ``export`` (store to a file)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from analytics import settings
from analytics._errors import IncidentSchemaError
from analytics.cli import DB_HELP


def add_parser(subparsers: Any) -> None:
    """Register ``ingest`` and ``export``."""
    p = subparsers.add_parser(
        "ingest",
        help="importar archivos de incidentes al almacén",
        description=(
            "Importa archivos de incidentes (CSV, CSV.GZ, XLSX, Parquet, GeoJSON) al almacén. "
            "Cada fila queda aceptada, duplicada o en cuarentena con un motivo."
        ),
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="archivos a importar")
    p.add_argument("--db", default=None, help=DB_HELP)
    p.add_argument("--source", default=None,
                   help="etiqueta de la fuente guardada con cada incidente (p. ej. SIDPOL); "
                        "el nombre del archivo se guarda solo en el registro de la importación")
    p.add_argument("--tz", default=settings.TIMEZONE,
                   help=f"zona horaria de las horas del archivo (por defecto {settings.TIMEZONE})")
    p.add_argument("--map", action="append", default=[], metavar="campo=columna",
                   help="columna a usar para un campo (repetible), p. ej. --map lat=Y_COORD; "
                        "campos: incident_id, occurred_at, date, time, lat, lon, crime_type, "
                        "crime_subtype, modalidad, district, ubigeo")
    p.add_argument("--bbox", default=None, metavar="MINLON,MINLAT,MAXLON,MAXLAT",
                   help="área de estudio (con negativos escriba --bbox=-77.2,-12.3,-76.8,-11.8); "
                        f"por defecto, {settings.STUDY_RADIUS_KM:g} km alrededor de donde se "
                        "concentran los puntos")
    p.add_argument("--streets", action="append", default=[], metavar="PATH",
                   help="capa de calles para ubicar las filas sin punto (repetible): líneas con "
                        "una columna de nombre (GeoJSON, Shapefile, GeoPackage) o un CSV de "
                        "puntos y cruces con nombre; las capas de data/streets/ se usan solas "
                        "cuando los datos están en Lima centro o Trujillo")
    p.add_argument("--no-shipped-streets", action="store_true",
                   help="no usar las capas de calles incluidas en data/streets/")
    p.add_argument("--comisarias", default=None, metavar="PATH",
                   help="puntos de comisarías (lat, lon, nombre): un punto con incidentes sobre "
                        "una de ellas es el centroide de la comisaría, no el lugar del hecho")
    p.add_argument("--json", action="store_true", help="imprimir un objeto JSON con el resultado")
    p.set_defaults(run=run)

    g = subparsers.add_parser(
        "geocode",
        help="volver a ubicar las filas sin punto exacto con el gazetteer de hoy",
        description=("Vuelve a geocodificar los incidentes del almacén que no tienen un punto "
                     "exacto (precisión cuadra, vía, zona o distrito), con lo aprendido de los "
                     "puntos exactos del almacén y las capas de calles. Las filas exactas no "
                     "cambian."),
    )
    g.add_argument("--db", default=None, help="almacén DuckDB")
    g.add_argument("--streets", action="append", default=[], metavar="PATH",
                   help="capa de calles adicional (repetible), como en ingest")
    g.add_argument("--no-shipped-streets", action="store_true",
                   help="no usar las capas de calles incluidas en data/streets/")
    g.add_argument("--json", action="store_true", help="imprimir un objeto JSON con el resultado")
    g.set_defaults(run=run_geocode)

    e = subparsers.add_parser(
        "export",
        help="exportar incidentes, cuarentena o agregados públicos",
        description=("Exporta del almacén a CSV, CSV.GZ, XLSX, Parquet o GeoJSON "
                     "(según la extensión)."),
    )
    e.add_argument("--db", default=None, help="almacén DuckDB")
    e.add_argument("--out", required=True, metavar="PATH", help="archivo de salida")
    what = e.add_mutually_exclusive_group()
    what.add_argument("--public", action="store_true",
                      help="la publicación pública: tablas por trimestre, distrito y grupo, y "
                           "por celda H3, con cifras pequeñas suprimidas (data/README.md)")
    what.add_argument("--quarantine", action="store_true",
                      help="filas en cuarentena con su motivo")
    e.set_defaults(run=run_export)


def parse_map(items: list[str]) -> dict[str, str]:
    """``--map campo=columna`` options as a mapping (every bad item named at once)."""
    out: dict[str, str] = {}
    bad = []
    for item in items:
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            bad.append(item)
            continue
        out[field.strip()] = column.strip()
    if bad:
        msg = f"--map espera campo=columna; no válido: {', '.join(bad)}."
        raise IncidentSchemaError(msg)
    return out


def _summary(report: Any) -> str:
    lines = [
        f"Filas leídas: {report.rows_read:,}".replace(",", "."),
        f"  aceptadas:    {report.accepted:,}".replace(",", "."),
        f"  duplicadas:   {report.duplicates:,}".replace(",", "."),
        f"  en cuarentena: {report.quarantined:,}".replace(",", "."),
    ]
    for reason, n in report.quarantine_reasons.items():
        lines.append(f"    {reason}: {n:,}".replace(",", "."))
    if report.swapped_coordinates:
        lines.append(f"Coordenadas invertidas corregidas: {report.swapped_coordinates}")
    if report.pii_columns_dropped:
        lines.append("Columnas con datos personales descartadas: "
                     + ", ".join(report.pii_columns_dropped))
    if report.personal_data_masked:
        lines.append(f"Filas con datos personales en sus textos (enmascarados): "
                     f"{report.personal_data_masked:,}".replace(",", "."))
    for s in report.stacked_points:
        lines.append(f"Aviso: punto apilado ({s['lat']}, {s['lon']}) con {s['count']} incidentes "
                     f"({s['share']:.1%}); probablemente la comisaría.")
    if sum(report.precision.values()):
        lines.append("Ubicación de las aceptadas: " + ", ".join(
            f"{p} {n:,}".replace(",", ".") for p, n in report.precision.items()))
    for f in report.forced_points:
        rows = f"{f['rows']:,}".replace(",", ".")
        lines.append(f"Punto que no es lugar del hecho ({f['lat']:.5f}, {f['lon']:.5f}) con "
                     f"{rows} filas: {f['why']}; se ubicaron por su dirección.")
    if report.repeated_files:
        lines.append("Ya importado antes (no se añadió nada nuevo): "
                     + ", ".join(report.repeated_files))
    return "\n".join(lines)


def _audit(db: str | None, action: str, detail: str) -> None:
    """Record a CLI import or export in the store's audit table (who, what, when)."""
    from analytics import access, store

    con = store.connect(db)
    try:
        access.record_audit(con, user=access.cli_actor(), action=action, detail=detail)
    finally:
        con.close()


def _refresh_alerts(db: str | None) -> None:
    """Rebuild the near-repeat alerts after an import (``analytics.alerts``)."""
    from analytics import alerts, store

    with store.writing(db) as con:
        alerts.refresh_alerts(con)


def run(args: argparse.Namespace) -> int:
    """Run ``ingest``."""
    from analytics import ingest

    report = ingest.ingest_files(args.paths, db=args.db, source=args.source, tz=args.tz,
                                 mapping=parse_map(args.map), study_area=args.bbox,
                                 streets=args.streets or None,
                                 shipped_layers=not args.no_shipped_streets,
                                 comisarias=args.comisarias)
    names = ", ".join(Path(f).name for f in report.files)
    _audit(args.db, "import", f"{names}: {report.accepted} aceptadas, "
                              f"{report.duplicates} duplicadas, {report.quarantined} en cuarentena")
    if report.accepted:
        _refresh_alerts(args.db)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print(_summary(report))
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Run ``export``."""
    from analytics import files, store

    con = store.connect(args.db, read_only=True)
    try:
        if args.quarantine:
            frame = store.quarantine_rows(con)
            what = "filas en cuarentena"
        elif args.public:
            from analytics import disclosure

            frame = disclosure.release_table(disclosure.release_from_store(con))
            what = "filas publicables"
        else:
            cols = [c for c, _ in (*settings.INCIDENT_COLUMNS, *settings.LOCATION_COLUMNS)]
            frame = store.load_incidents(con, columns=cols)
            what = "incidentes"
    finally:
        con.close()
    path = files.write_table(frame, args.out)
    _audit(args.db, "export_public" if args.public else "export",
           f"{path.name}: {len(frame)} {what}")
    print(f"Exportado {path}: {len(frame):,} {what}".replace(",", "."))
    return 0


def run_geocode(args: argparse.Namespace) -> int:
    """Run ``geocode``."""
    from analytics import geocoding, store

    layers = geocoding.read_street_layers(args.streets) if args.streets else None
    con = store.connect(args.db)
    try:
        report = geocoding.regeocode_store(con, layers=layers,
                                           shipped=not args.no_shipped_streets)
    finally:
        con.close()
    _audit(args.db, "geocode", f"{report.changed} filas reubicadas de {report.rows}")
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print(f"Filas sin punto exacto con dirección: {report.rows:,} "
              f"({report.addresses:,} direcciones distintas); reubicadas: {report.changed:,}"
              .replace(",", "."))
        print("Ubicación: " + ", ".join(f"{p} {report.before[p]:,} → {n:,}".replace(",", ".")
                                        for p, n in report.after.items()))
    return 0
