"""Printable zone forecast tables (analytics.zone_sheet): labels, day tables, files."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pypdf
import pytest

from analytics import zone_sheet as zs

DAY = pd.Timestamp("2025-07-01")


def shift_table() -> pd.DataFrame:
    rows = []
    for z, base in (("Sector Norte", 1.0), ("Sector Sur", 2.0)):
        for d in range(2):
            for k, (h, n) in enumerate(((6, 8), (14, 8), (22, 8))):
                s = DAY + pd.Timedelta(days=d, hours=h)
                rows.append({"zone": z, "window_start": s, "window_end": s + pd.Timedelta(hours=n),
                             "expected": base + 0.1 * k + d, "lower": 0.0, "upper": 4.0 + k,
                             "model": "city_share"})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("start, hours, label", [
    ("2025-07-01 14:00", 1, "14 h"),
    ("2025-07-01 00:00", 24, "día"),
    ("2025-07-01 22:00", 8, "noche 22–06 h"),
    ("2025-07-01 06:00", 8, "mañana 06–14 h"),
    ("2025-07-01 05:00", 3, "05:00–08:00"),
], ids=["hour", "day", "night", "morning", "other"])
def test_window_labels(start: str, hours: int, label: str) -> None:
    s = pd.Timestamp(start)
    assert zs.window_label(s, s + pd.Timedelta(hours=hours)) == label


def test_day_tables_by_hand() -> None:
    days = zs.day_tables(shift_table())
    assert list(days) == [DAY, DAY + pd.Timedelta(days=1)]
    first = days[DAY]
    assert list(first.columns) == ["Zona", "mañana 06–14 h", "tarde 14–22 h", "noche 22–06 h",
                                   "Total"]
    assert list(first["Zona"]) == ["Sector Sur", "Sector Norte"], "busiest zone first"
    assert first.iloc[0]["tarde 14–22 h"] == "2,1 (0–5)"
    assert first.iloc[0]["Total"] == "6,3"  # 2.0 + 2.1 + 2.2
    assert days[DAY + pd.Timedelta(days=1)].iloc[1]["Total"] == "6,3"  # Norte: 2.0+2.1+2.2


def test_hour_tables_have_no_ranges_and_two_decimals() -> None:
    s = pd.date_range(DAY, periods=24, freq="h")
    t = pd.DataFrame({"zone": "A", "window_start": s, "window_end": s + pd.Timedelta(hours=1),
                      "expected": 0.04, "lower": 0.0, "upper": 1.0})
    day = zs.day_tables(t)[DAY]
    assert list(day.columns)[1:3] == ["00 h", "01 h"] and len(day.columns) == 26
    assert day.iloc[0]["05 h"] == "0,04" and day.iloc[0]["Total"] == "0,96"


def test_files() -> None:
    t = shift_table()
    csv = zs.sheet_to_csv(t)
    assert csv.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig")
    assert list(back.columns) == list(zs.LONG_COLUMNS) and len(back) == len(t)
    wb = openpyxl.load_workbook(io.BytesIO(zs.sheet_to_xlsx(t, title="Pronóstico",
                                                            notes=["nota"])))
    assert wb.sheetnames == ["Pronóstico", "01-07-2025", "02-07-2025"]
    pdf = zs.sheet_to_pdf(t, title="Pronóstico por zona", subtitle="calculado el 01/07/2025")
    assert pdf.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    text = reader.pages[0].extract_text()
    assert "Sector Sur" in text and "01/07/2025" in text and "mañana" in text
    empty = zs.sheet_to_pdf(t.iloc[:0], title="Pronóstico por zona")
    assert "Sin pronóstico" in pypdf.PdfReader(io.BytesIO(empty)).pages[0].extract_text()


def test_day_totals() -> None:
    tot = zs.zone_day_totals(shift_table())
    got = tot.set_index(["zone", "day"])["expected"]
    assert got[("Sector Norte", DAY)] == pytest.approx(3.3)
    assert got[("Sector Sur", DAY + pd.Timedelta(days=1))] == pytest.approx(9.3)
