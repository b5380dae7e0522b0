"""Codisec commitments: status at a date (hand-checked), validation, audit, report tables."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest

from analytics import access, commitments as cm, reports, store
from analytics._errors import CommitmentError, IncidentSchemaError

TODAY = date(2025, 7, 1)

# C1: agreed 15/01, due 31/03; reported "en curso" on 15/02 and "cumplido" on 15/04 (late).
# C2: agreed 15/01, due 28/02; reported "cumplido" on 15/02 (on time).
# C3: agreed 15/01, due 28/02; never reported.
# C4: agreed 10/04, due 30/06; reported "en curso" on 15/05.
COMMITMENTS = pd.DataFrame({
    "id": ["C1", "C2", "C3", "C4"],
    "session_date": pd.to_datetime(["2025-01-15", "2025-01-15", "2025-01-15", "2025-04-10"]),
    "what": ["Patrullaje integrado en Gamarra", "Iluminar el parque", "Cámaras en el mercado",
             "Recuperar la losa deportiva"],
    "who": ["Comisaría La Victoria", "Municipalidad", "Serenazgo", "Gerencia de Seguridad"],
    "district": ["LA VICTORIA", "LA VICTORIA", "LINCE", None],
    "place": ["Gamarra", "Parque Cánepa", "Mercado", ""],
    "due_date": pd.to_datetime(["2025-03-31", "2025-02-28", "2025-02-28", "2025-06-30"]),
    "indicator_group": ["patrimonio", None, None, None],
    "intervention_id": ["I1", None, "I9", None],
})
HISTORY = pd.DataFrame({
    "commitment_id": ["C1", "C2", "C1", "C4"],
    "session_date": pd.to_datetime(["2025-02-15", "2025-02-15", "2025-04-15", "2025-05-15"]),
    "status": ["en_curso", "cumplido", "cumplido", "en_curso"],
    "note": ["faltan patrulleros", "", "listo", "en licitación"],
    "recorded_at": pd.to_datetime(["2025-02-15 10:00", "2025-02-15 10:05", "2025-04-15 10:00",
                                   "2025-05-15 10:00"]),
})


@pytest.mark.parametrize(("at", "expected"), [
    ("2025-01-14", {}),
    ("2025-01-15", {"C1": ("en_curso", 0, False), "C2": ("en_curso", 0, False),
                    "C3": ("en_curso", 0, False)}),
    ("2025-02-28", {"C1": ("en_curso", 0, False), "C2": ("cumplido", 0, False),
                    "C3": ("en_curso", 0, False)}),
    ("2025-03-01", {"C1": ("en_curso", 0, False), "C2": ("cumplido", 0, False),
                    "C3": ("vencido", 1, False)}),
    ("2025-03-31", {"C1": ("en_curso", 0, False), "C2": ("cumplido", 0, False),
                    "C3": ("vencido", 31, False)}),
    ("2025-04-01", {"C1": ("vencido", 1, False), "C2": ("cumplido", 0, False),
                    "C3": ("vencido", 32, False)}),
    ("2025-04-15", {"C1": ("cumplido", 0, True), "C2": ("cumplido", 0, False),
                    "C3": ("vencido", 46, False), "C4": ("en_curso", 0, False)}),
    ("2025-07-01", {"C1": ("cumplido", 0, True), "C2": ("cumplido", 0, False),
                    "C3": ("vencido", 123, False), "C4": ("vencido", 1, False)}),
], ids=["before-session", "session-day", "due-day", "day-after-due", "a-month-late",
        "c1-overdue", "c1-fulfilled-late", "c4-overdue"])
def test_status_at_hand_checked(at: str, expected: dict[str, tuple[str, int, bool]]) -> None:
    st = cm.status_at(COMMITMENTS, HISTORY, at=at)
    assert list(st.columns) == list(cm.STATUS_COLUMNS)
    got = {r.id: (r.status, r.days_overdue, r.late) for r in st.itertuples()}
    assert got == expected


def test_status_keeps_the_last_report_and_its_note() -> None:
    st = cm.status_at(COMMITMENTS, HISTORY, at="2025-03-10").set_index("id")
    assert st.loc["C1", "reported"] == "en_curso" and st.loc["C1", "note"] == "faltan patrulleros"
    assert st.loc["C1", "status_date"] == pd.Timestamp("2025-02-15")
    assert pd.isna(st.loc["C3", "reported"]) and st.loc["C3", "note"] == ""
    assert pd.isna(st.loc["C3", "status_date"])


def test_session_summary_hand_checked() -> None:
    s = cm.session_summary(COMMITMENTS, HISTORY)
    assert s["session_date"].dt.strftime("%d/%m").tolist() == ["15/01", "15/02", "10/04",
                                                               "15/04", "15/05"]
    assert s[["agreed", "total", "cumplido", "en_curso", "vencido", "reported"]
             ].values.tolist() == [
        [3, 3, 0, 3, 0, 0],
        [0, 3, 1, 2, 0, 2],
        [1, 4, 1, 1, 2, 0],   # C1 overdue since 01/04, C3 since 01/03
        [0, 4, 2, 1, 1, 1],   # C1 reported fulfilled
        [0, 4, 2, 1, 1, 1],
    ]
    # invariant: every commitment agreed so far has exactly one status
    assert (s["cumplido"] + s["en_curso"] + s["vencido"] == s["total"]).all()


# --------------------------------------------------------------------------- register
@pytest.fixture
def con() -> store.StoreConnection:
    c = store.connect(":memory:")
    yield c
    c.close()


def _add(con: store.StoreConnection, **kw: object) -> str:
    args: dict[str, object] = {"session_date": "2025-04-10", "what": "Patrullaje en Gamarra",
                               "who": "Comisaría La Victoria", "due_date": "2025-05-31",
                               "district": "LA VICTORIA", "user": "ana", "today": TODAY}
    args.update(kw)
    return cm.add_commitment(con, **args)  # type: ignore[arg-type]


def test_add_and_record_are_audited(con: store.StoreConnection) -> None:
    assert _add(con, indicator_group="patrimonio", place="Emporio Gamarra") == "C1"
    cm.record_status(con, "C1", session_date="2025-05-15", status="En curso",
                     note="faltan patrulleros", user="ana", today=TODAY)
    cm.record_status(con, "C1", session_date="2025-06-12", status="cumplido", user="beto",
                     today=TODAY)
    c, h = cm.load_commitments(con)
    assert c.loc[0, ["id", "who", "place", "indicator_group"]].tolist() == [
        "C1", "Comisaría La Victoria", "Emporio Gamarra", "patrimonio"]
    assert h["status"].tolist() == ["en_curso", "cumplido"]
    st = cm.status_at(c, h, at="2025-06-30").iloc[0]
    assert (st["status"], st["late"]) == ("cumplido", True)
    log = access.audit_log(con)
    assert log["action"].tolist()[::-1] == ["commitment_add", "commitment_status",
                                            "commitment_status"]
    assert "C1: Cumplido en la sesión 2025-06-12" in log["detail"].iloc[0]
    cm.remove_commitment(con, "C1", user="ana")
    assert cm.load_commitments(con)[0].empty and cm.load_commitments(con)[1].empty


def test_add_collects_every_problem(con: store.StoreConnection) -> None:
    with pytest.raises(CommitmentError) as err:
        _add(con, session_date="2025-08-01", due_date="2025-07-01", what="", who="Sr. Pérez",
             district=None, indicator_group="robos", intervention_id="I4")
    text = str(err.value)
    for part in ("no puede ser posterior a hoy", "es anterior a la sesión", "Falta el "
                 "compromiso", "el nombre de una persona", "Grupo delictivo desconocido",
                 "necesita el distrito", "No existe la intervención 'I4'"):
        assert part in text, part
    assert cm.load_commitments(con)[0].empty and access.audit_log(con).empty


@pytest.mark.parametrize(("kw", "match"), [
    (dict(status="vencido"), "se deduce"),
    (dict(status="listo"), "Estado desconocido"),
    (dict(session_date="2025-04-01"), "anterior a la sesión del compromiso"),
    (dict(session_date="2025-07-02"), "posterior a hoy"),
    (dict(note="llamar al 987654321"), "número de teléfono"),
], ids=["derived", "unknown", "before", "future", "phone"])
def test_record_refuses(con: store.StoreConnection, kw: dict[str, object], match: str) -> None:
    _add(con)
    args: dict[str, object] = {"session_date": "2025-05-15", "status": "en_curso", "user": "a",
                               "today": TODAY}
    args.update(kw)
    with pytest.raises(CommitmentError, match=match):
        cm.record_status(con, "C1", **args)  # type: ignore[arg-type]
    with pytest.raises(CommitmentError, match="No existe el compromiso 'C9'"):
        cm.record_status(con, "C9", session_date="2025-05-15", status="cumplido", user="a")


# --------------------------------------------------------------------------- report tables
def test_internal_table() -> None:
    indicators = pd.DataFrame({"district": ["LA VICTORIA"], "crime_group": ["patrimonio"],
                               "count": [64], "previous_change_pct": [-12.4]})
    t = cm.commitments_table(COMMITMENTS, HISTORY, at="2025-06-30", since="2025-04-01",
                             districts=["La Victoria"], interventions={"I1": "Operativo"},
                             verdicts={"I1": "Reducción del 30 %"}, indicators=indicators)
    # C2 was fulfilled before the quarter; C3 is in Lince; C4 has no district (kept)
    assert t["Id"].tolist() == ["C1", "C4"]
    c1 = t.iloc[0]
    assert c1["Estado"] == "Cumplido (fuera de plazo)" and c1["Nota"] == "listo"
    assert c1["Indicador vinculado"] == ("Contra el patrimonio — LA VICTORIA: 64 incidentes "
                                         "(−12 % vs periodo anterior)").replace("−", "-")
    assert c1["Intervención vinculada"] == "I1 «Operativo»"
    assert c1["Evaluación de la intervención"] == "Reducción del 30 %"
    assert t.iloc[1]["Estado"] == "En curso"
    lince = cm.commitments_table(COMMITMENTS, HISTORY, at="2025-06-30", districts=["Lince"],
                                 interventions={"I1": "Operativo"})
    c3 = lince.set_index("Id").loc["C3"]
    assert c3["Estado"] == "Vencido (hace 122 días)"
    assert c3["Intervención vinculada"] == "I9 (eliminada del registro)"


def test_public_table_has_no_notes_or_sensitive_detail() -> None:
    t = cm.commitments_table(COMMITMENTS, HISTORY, at="2025-06-30", public=True)
    assert tuple(t.columns) == cm.PUBLIC_COLUMNS
    assert t["Estado"].tolist() == ["Cumplido", "Cumplido", "Vencido", "En curso"]
    text = t.to_csv()
    for private in ("faltan patrulleros", "listo", "en licitación", "Parque Cánepa", "Mercado",
                    "patrimonio", "Contra el patrimonio", "I1", "I9", "LA VICTORIA"):
        assert private not in text, private
    cm.check_public_commitments(t)
    reports.check_public_tables({cm.REPORT_TABLE: t})


def test_public_documents_refuse_the_internal_table() -> None:
    internal = cm.commitments_table(COMMITMENTS, HISTORY, at="2025-06-30")
    public = cm.commitments_table(COMMITMENTS, HISTORY, at="2025-06-30", public=True)
    base = {"Incidentes por grupo": pd.DataFrame({"Distrito": ["La Victoria"],
                                                  "Incidentes": [12]})}
    with pytest.raises(CommitmentError, match="Nota"):
        reports.report_to_xlsx(base, title="T", public=True, commitments=internal)
    with pytest.raises(CommitmentError, match="Nota"):
        reports.report_to_pdf(base, title="T", public=True, commitments=internal)
    with pytest.raises(IncidentSchemaError, match="no publicables: Nota"):
        reports.check_public_tables({"x": internal[["Compromiso", "Nota"]]})
    xlsx = reports.report_to_xlsx(base, title="T", public=True, commitments=public)
    got = pd.read_excel(io.BytesIO(xlsx), sheet_name=cm.REPORT_TABLE[:31], header=2)
    assert tuple(got.columns) == cm.PUBLIC_COLUMNS and len(got) == 4
    pdf = reports.report_to_pdf(base, title="T", public=True, commitments=public)
    assert pdf.startswith(b"%PDF")
    full = reports.report_to_xlsx(base, title="T", commitments=internal)
    assert "Nota" in pd.read_excel(io.BytesIO(full), sheet_name=cm.REPORT_TABLE[:31], header=2)


def test_public_table_from_the_store(con: store.StoreConnection) -> None:
    _add(con, indicator_group="violencia_familiar", place="AA. HH. Los Pinos")
    cm.record_status(con, "C1", session_date="2025-05-15", status="en_curso",
                     note="casa refugio pendiente", user="ana", today=TODAY)
    t = cm.public_commitments_table(con, at="2025-05-20", districts=["La Victoria"])
    assert t.values.tolist() == [["10/04/2025", "Patrullaje en Gamarra", "Comisaría La Victoria",
                                  "31/05/2025", "En curso"]]
    assert "violencia" not in t.to_csv().lower() and "refugio" not in t.to_csv()
