"""Regenerate the small ingest test inputs in this folder (deterministic, no randomness).

Run: ``.venv/bin/python tests/data/ingest/make_fixtures.py``. Every file is
small enough to check by hand; ``bad_rows.csv`` carries its expected outcome
in the ``esperado`` column (an unmapped column, ignored by ingest).
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent

# Gamarra / La Victoria, Lima; and a second point in Cercado de Lima.
LV = (-12.0680, -77.0180)
CL = (-12.0460, -77.0300)


def write(name: str, text: str, encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(text.encode(encoding))


def basic_rows() -> list[list[str]]:
    """Five clean SIDPOL-like rows (id, fecha, hora, lat, lon, delito, modalidad, distrito)."""
    return [
        ["D001", "03/02/2025", "10:05", "-12.0680", "-77.0180", "ROBO AGRAVADO", "A MANO ARMADA",
         "LA VICTORIA"],
        ["D002", "03/02/2025", "22:40", "-12.0690", "-77.0175", "HURTO", "AL PASO", "La Victoria"],
        ["D003", "04/02/2025", "02:15", "-12.0460", "-77.0300", "EXTORSIÓN", "", "LIMA"],
        ["D004", "05/02/2025", "13:00", "-12.0465", "-77.0310", "Lesiones", "", "Lima"],
        ["D005", "06/02/2025", "23:59", "-12.0700", "-77.0200", "VIOLENCIA FAMILIAR", "",
         "LA VICTORIA"],
    ]


def main() -> None:
    header = ["nro_denuncia", "fecha", "hora", "latitud", "longitud", "delito", "modalidad",
              "distrito"]
    rows = basic_rows()

    # 1. UTF-8 with BOM, comma, accented headers, plus personal-data columns.
    pii_header = ["Nro Denuncia", "Fecha", "Hora", "Latitud", "Longitud", "Delito", "Modalidad",
                  "Distrito", "Nombre del Agraviado", "DNI", "Teléfono", "Correo"]
    lines = [",".join(pii_header)]
    for r in rows:
        lines.append(",".join(r + ["Juana Pérez", "40123456", "987654321", "juana@example.com"]))
    write("utf8_bom.csv", "\ufeff" + "\n".join(lines) + "\n")

    # 2. Latin-1, semicolon, decimal commas.
    lines = [";".join(header)]
    for r in rows:
        rr = list(r)
        rr[3], rr[4] = rr[3].replace(".", ","), rr[4].replace(".", ",")
        lines.append(";".join(rr))
    write("latin1_semicolon.csv", "\n".join(lines) + "\n", encoding="latin-1")

    # 3. gzip, semicolon, decimal commas, UTF-8.
    (HERE / "semicolon_decimal_comma.csv.gz").write_bytes(
        gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0))

    # 4. Excel with a title block: the header is on row 4; dates are real dates,
    #    one is an Excel serial number, times are text.
    xrows = []
    for r in rows:
        d = datetime.strptime(r[1], "%d/%m/%Y")
        xrows.append([r[0], d, r[2], float(r[3]), float(r[4]), r[5], r[6], r[7]])
    xrows[4][1] = 45694  # 06/02/2025 as an Excel serial
    with pd.ExcelWriter(HERE / "excel_header_row4.xlsx", engine="xlsxwriter") as xw:
        frame = pd.DataFrame(xrows, columns=["N° Denuncia", "Fecha Hecho", "Hora Hecho", "Latitud",
                                             "Longitud", "Tipo", "Modalidad", "Distrito"])
        frame.to_excel(xw, sheet_name="Reporte", index=False, startrow=3)
        ws = xw.sheets["Reporte"]
        ws.write(0, 0, "POLICÍA NACIONAL DEL PERÚ - COMISARÍA LA VICTORIA")
        ws.write(1, 0, "Reporte de denuncias, febrero 2025")

    # 5. Parquet with typed columns (timestamp, double) and English names.
    pq = pd.DataFrame({
        "incident_id": [r[0] for r in rows],
        "occurred_at": pd.to_datetime([f"{r[1]} {r[2]}" for r in rows], format="%d/%m/%Y %H:%M"),
        "lat": [float(r[3]) for r in rows], "lon": [float(r[4]) for r in rows],
        "crime_type": [r[5] for r in rows],
    })
    pq.to_parquet(HERE / "typed.parquet", index=False)

    # 6. GeoJSON points (coordinates are lon, lat).
    feats = []
    for r in rows:
        feats.append({"type": "Feature",
                      "properties": {"id": r[0], "fecha_hora": f"{r[1]} {r[2]}", "tipo": r[5]},
                      "geometry": {"type": "Point", "coordinates": [float(r[4]), float(r[3])]}})
    feats.append({"type": "Feature", "properties": {"id": "D006", "fecha_hora": "07/02/2025 08:00",
                                                    "tipo": "robo"}, "geometry": None})
    doc = {"type": "FeatureCollection", "features": feats}
    (HERE / "points.geojson").write_text(json.dumps(doc, ensure_ascii=False, indent=1),
                                         encoding="utf-8")

    # 7. Every kind of bad row, with the expected outcome.
    bad = [
        # id, fecha, hora, lat, lon, delito, esperado
        ["B01", "03/02/2025", "10:05", "-12.0680", "-77.0180", "robo", "aceptada"],
        ["B02", "03/02/2025", "11:00", "-12.0460", "-77.0300", "hurto", "aceptada"],
        ["B03", "", "10:05", "-12.0680", "-77.0180", "robo", "fecha_faltante"],
        ["B04", "31/02/2025", "10:05", "-12.0680", "-77.0180", "robo", "fecha_invalida"],
        ["B05", "no sé", "10:05", "-12.0680", "-77.0180", "robo", "fecha_invalida"],
        ["B06", "03/02/2099", "10:05", "-12.0680", "-77.0180", "robo", "fecha_futura"],
        ["B07", "03/02/2025", "", "-12.0680", "-77.0180", "robo", "hora_faltante"],
        ["B08", "03/02/2025", "25:70", "-12.0680", "-77.0180", "robo", "hora_invalida"],
        ["B09", "03/02/2025", "10:05", "", "-77.0180", "robo", "sin_ubicacion"],
        ["B10", "03/02/2025", "10:05", "-12.0680", "", "robo", "sin_ubicacion"],
        ["B11", "03/02/2025", "10:05", "0", "0", "robo", "coordenadas_cero"],
        ["B12", "03/02/2025", "10:05", "doce", "-77.0180", "robo", "numero_invalido"],
        ["B13", "03/02/2025", "10:05", "-120.5", "-300.2", "robo", "coordenadas_invalidas"],
        ["B14", "03/02/2025", "10:05", "40.0000", "-75.0000", "robo", "fuera_del_area"],
        ["B15", "03/02/2025", "12:30", "-77.0185", "-12.0685", "robo", "aceptada"],  # swapped
        ["B01", "04/02/2025", "09:00", "-12.0500", "-77.0400", "hurto", "duplicada"],  # same id
        ["B16", "03/02/2025", "10:05", "-12.068001", "-77.018001", "ROBO", "duplicada"],  # ~0.1 m
        ["B17", "03/02/2025", "10:05", "-12.0680", "-77.0180", "hurto", "aceptada"],  # other type
        ["B18", "05/02/2025", "07:45", "-12.0681", "-77.0181", "algo raro", "aceptada"],  # otro
        ["B19", "05/02/2025", "07:50", "-12.0682", "-77.0182", "", "aceptada"],  # missing type
    ]
    lines = ["nro_denuncia,fecha,hora,latitud,longitud,delito,esperado"]
    lines += [",".join(r) for r in bad]
    write("bad_rows.csv", "\n".join(lines) + "\n")

    # 8. Malformed lines (too many / too few fields).
    write("malformed.csv", "id,fecha_hora,lat,lon,delito\n"
          "M1,2025-02-03 10:05,-12.0680,-77.0180,robo\n"
          "M2,2025-02-03 10:06,-12.0681,-77.0181,robo,extra,campos\n"
          "M3,2025-02-03 10:07,-12.0682\n"
          "M4,2025-02-03 10:08,-12.0683,-77.0183,hurto\n")

    # 9. Stacked point: 30 of 60 rows at the comisaría's coordinate.
    lines = ["id,fecha_hora,lat,lon,delito"]
    for i in range(60):
        if i % 2 == 0:
            lat, lon = -12.0651, -77.0175
        else:
            lat, lon = -12.05 - i * 0.0007, -77.02 - (i % 7) * 0.0011
        when = f"2025-02-{1 + i % 27:02d} {i % 24:02d}:{i % 60:02d}"
        lines.append(f"S{i:02d},{when},{lat},{lon},robo")
    write("stacked.csv", "\n".join(lines) + "\n")

    # 10. Time formats: UTC offsets, am/pm in Spanish, HHMM, hour only, ISO 'T'.
    write("time_formats.csv", "id,fecha_hora,lat,lon,delito,esperado_local\n"
          "T1,2025-02-03T15:00:00Z,-12.0680,-77.0180,robo,2025-02-03 10:00:00\n"
          "T2,2025-02-03T10:00:00-03:00,-12.0680,-77.0180,hurto,2025-02-03 08:00:00\n"
          "T3,03/02/2025 3:15 p. m.,-12.0681,-77.0181,robo,2025-02-03 15:15:00\n"
          "T4,03/02/2025 11:05 a.m.,-12.0682,-77.0182,robo,2025-02-03 11:05:00\n"
          "T5,2025-02-03T07:08:09,-12.0683,-77.0183,robo,2025-02-03 07:08:09\n"
          "T6,03-02-2025 21:30,-12.0684,-77.0184,robo,2025-02-03 21:30:00\n"
          "T7,03/02/25 06:00,-12.0685,-77.0185,robo,2025-02-03 06:00:00\n"
          "T8,45691.5,-12.0686,-77.0186,robo,2025-02-03 12:00:00\n")
    write("time_columns.csv", "id,fecha,hora,lat,lon,delito,esperado_local\n"
          "H1,2025-02-03,0930,-12.0680,-77.0180,robo,2025-02-03 09:30:00\n"
          "H2,03/02/2025,7,-12.0681,-77.0181,robo,2025-02-03 07:00:00\n"
          "H3,03/02/2025,10:05:30,-12.0682,-77.0182,robo,2025-02-03 10:05:30\n"
          "H4,03/02/2025,9:15 p. m.,-12.0683,-77.0183,robo,2025-02-03 21:15:00\n"
          "H5,03/02/2025,23:59,-12.0684,-77.0184,robo,2025-02-03 23:59:00\n")

    # 11. Philadelphia-like English export (Eastern time), x/y columns.
    write("philly_like.csv",
          "dc_key,dispatch_date,dispatch_time,point_x,point_y,text_general_code,dc_dist\n"
          "201601000001,2016-01-01,00:15:00,-75.1652,39.9526,Thefts,6\n"
          "201601000002,2016-01-01,13:40:00,-75.1700,39.9600,Robbery Firearm,9\n"
          "201601000003,2016-01-02,23:05:00,-75.1500,39.9800,Other Assaults,24\n"
          "201601000004,2016-01-02,08:00:00,,,Fraud,12\n")

    # 12. Unreadable or unusable inputs.
    (HERE / "empty.csv").write_bytes(b"")
    (HERE / "binary.csv").write_bytes(bytes(range(256)) * 4)
    write("unknown.pdf", "%PDF-1.4 not really\n")
    write("no_coordinates.csv", "id,fecha,delito\n1,03/02/2025,robo\n")
    write("one_column.csv", "hola\nmundo\n")


if __name__ == "__main__":
    main()
