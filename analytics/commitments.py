"""Codisec commitments ("compromisos"): register, status at a date, session summaries.

A commitment is agreed at a Codisec session: what, who (an institution or a role, never
a person: Ley 29733), the district and zone, a due date, and optionally the indicator it
should move (a crime group in its district) or the intervention of the register that
carries it out. At later sessions its status is reported: ``cumplido`` or ``en_curso``,
with the session date and a note.

Status at a date ``d`` (:func:`status_at`): the last report on or before ``d``;
``cumplido`` stays ``cumplido`` (``late`` when reported after the due date); otherwise
the commitment is ``vencido`` once ``d`` is past the due date (the due date itself is
still on time) and ``en_curso`` before. ``vencido`` is never recorded, only derived.

The SQL is in :mod:`analytics.store.commitments`; every write here is validated (every
problem at once, :class:`~analytics._errors.CommitmentError`) and audited in the same
transaction. :func:`commitments_table` gives the Spanish table of the Codisec report: the
internal one with notes, indicators and interventions, the public one with only what,
who, due date and status (:data:`PUBLIC_COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Final
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from analytics import access, settings, store
from analytics._errors import CommitmentError
from analytics._labels import district_key
from analytics._personal import personal_data_problems
from analytics._text import clip_text
from analytics.store import commitments as sql

#: Status keys (derived ones included) and their Spanish labels.
STATUS_LABELS: Final = MappingProxyType({"en_curso": "En curso", "cumplido": "Cumplido",
                                         "vencido": "Vencido"})
STATUSES: Final = tuple(STATUS_LABELS)
#: Statuses a session may report ("vencido" is derived from the due date).
RECORDED_STATUSES: Final = ("en_curso", "cumplido")
#: Longest texts stored, in characters.
MAX_WHAT_CHARS: Final = 300
MAX_WHO_CHARS: Final = 120
MAX_PLACE_CHARS: Final = 120
MAX_NOTE_CHARS: Final = 500
#: Columns of :func:`status_at`.
STATUS_COLUMNS: Final = ("id", "status", "reported", "status_date", "note", "due_date",
                         "days_overdue", "late")
#: Spanish headers of the public table (nothing else may appear in it).
PUBLIC_COLUMNS: Final = ("Sesión", "Compromiso", "Responsable", "Vence", "Estado")
#: Name of the report table.
REPORT_TABLE: Final = "Compromisos del Codisec"


def _today() -> date:
    return datetime.now(ZoneInfo(settings.TIMEZONE)).date()


def _now() -> datetime:
    return datetime.now(ZoneInfo(settings.TIMEZONE)).replace(tzinfo=None, microsecond=0)


def _day(value: Any, what: str, problems: list[str], *, required: bool = True) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(f"Falta {what.lower()}.")
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        ts = pd.NaT
    if pd.isna(ts):
        problems.append(f"{what} no es una fecha válida: {value!r} (formato AAAA-MM-DD).")
        return None
    out: date = ts.date()
    return out


def _text(value: object, what: str, limit: int, problems: list[str], *,
          required: bool) -> str:
    text = clip_text(value, limit).strip()
    if required and not text:
        problems.append(f"Falta {what.lower()}.")
    problems.extend(personal_data_problems(text, what))
    return text


def status_key(value: str) -> str:
    """Key of a status from a key or a label (``"En curso"`` → ``"en_curso"``)."""
    folded = str(value).strip().lower().replace(" ", "_")
    if folded in STATUS_LABELS:
        return folded
    msg = f"Estado desconocido: {value!r} (opciones: {', '.join(RECORDED_STATUSES)})."
    raise CommitmentError(msg)


# --------------------------------------------------------------------------- writing
def add_commitment(con: duckdb.DuckDBPyConnection, *, session_date: Any, what: str, who: str,
                   due_date: Any, district: str | None = None, place: str = "",
                   indicator_group: str | None = None, intervention_id: str | None = None,
                   user: str | None, today: date | None = None) -> str:
    """Validate and register a commitment; audited (``commitment_add``). Returns its id.

    Parameters
    ----------
    con
        Writable store connection.
    session_date
        Date of the Codisec session that agreed it (not in the future).
    what, who
        The commitment and the institution or role responsible (no personal data).
    due_date
        Deadline (on or after the session).
    district, place
        District (name as in the data) and zone within it (free text, no house numbers).
    indicator_group
        Crime group (key of ``settings.CRIME_GROUPS``) the commitment should reduce in
        ``district`` (which is then required).
    intervention_id
        An intervention of the register that carries it out.
    user
        Who registers it (``None``: demo mode or the CLI without a user).
    today
        The current date (default: today in Lima), for the "not in the future" check.

    Raises
    ------
    CommitmentError
        Every problem at once.
    """
    from analytics.store import interventions as isql

    problems: list[str] = []
    s = _day(session_date, "La fecha de la sesión", problems)
    due = _day(due_date, "El plazo", problems)
    now = today or _today()
    if s is not None and s > now:
        problems.append(f"La sesión ({s:%d/%m/%Y}) no puede ser posterior a hoy.")
    if s is not None and due is not None and due < s:
        problems.append(f"El plazo ({due:%d/%m/%Y}) es anterior a la sesión ({s:%d/%m/%Y}).")
    what_t = _text(what, "El compromiso", MAX_WHAT_CHARS, problems, required=True)
    who_t = _text(who, "El responsable", MAX_WHO_CHARS, problems, required=True)
    place_t = _text(place, "El lugar", MAX_PLACE_CHARS, problems, required=False)
    dist = clip_text(district or "", MAX_PLACE_CHARS).strip() or None
    group = (indicator_group or "").strip() or None
    if group is not None and group not in settings.CRIME_GROUPS:
        problems.append(f"Grupo delictivo desconocido: {group!r} (opciones: "
                        f"{', '.join(settings.CRIME_GROUPS)}).")
    if group is not None and dist is None:
        problems.append("Un indicador vinculado necesita el distrito del compromiso.")
    inter = (intervention_id or "").strip() or None
    if inter is not None and isql.intervention_row(con, inter) is None:
        problems.append(f"No existe la intervención {inter!r} en el registro.")
    if problems:
        raise CommitmentError(" ".join(problems))
    store.migrate(con)
    ident = sql.next_commitment_id(con)
    row = {"id": ident, "session_date": s, "what": what_t, "who": who_t, "district": dist,
           "place": place_t, "due_date": due, "indicator_group": group,
           "intervention_id": inter, "created_at": _now(),
           "created_by": user or "(sin usuario)"}
    assert s is not None and due is not None

    def work() -> None:
        sql.insert_commitment(con, row)
        access.record_audit(con, user=user, action="commitment_add",
                            detail=f"{ident} (sesión {s:%Y-%m-%d}, plazo {due:%Y-%m-%d}, "
                                   f"responsable {who_t})")

    store.in_transaction(con, work, migrate_first=True)
    return ident


def record_status(con: duckdb.DuckDBPyConnection, ident: str, *, session_date: Any,
                  status: str, note: str = "", user: str | None,
                  today: date | None = None) -> None:
    """Record the status reported at a later session; audited (``commitment_status``).

    Raises
    ------
    CommitmentError
        Unknown commitment, a status other than ``cumplido``/``en_curso`` ("vencido" is
        derived), a date before the commitment's session or in the future, a note with
        personal data; every problem at once.
    """
    problems: list[str] = []
    commitments = sql.commitment_rows(con)
    found = commitments[commitments["id"] == str(ident).strip()]
    if found.empty:
        msg = f"No existe el compromiso {str(ident)!r}."
        raise CommitmentError(msg)
    rec = found.iloc[0]
    s = _day(session_date, "La fecha de la sesión", problems)
    key = None
    try:
        key = status_key(status)
    except CommitmentError as exc:
        problems.append(str(exc))
    if key == "vencido":
        problems.append("«Vencido» no se registra: se deduce cuando pasa el plazo sin que el "
                        "compromiso se haya cumplido.")
    first = pd.Timestamp(rec["session_date"]).date()
    if s is not None and s < first:
        problems.append(f"La sesión del reporte ({s:%d/%m/%Y}) es anterior a la sesión del "
                        f"compromiso ({first:%d/%m/%Y}).")
    if s is not None and s > (today or _today()):
        problems.append(f"La sesión ({s:%d/%m/%Y}) no puede ser posterior a hoy.")
    note_t = _text(note, "La nota", MAX_NOTE_CHARS, problems, required=False)
    if problems:
        raise CommitmentError(" ".join(problems))
    cid = str(rec["id"])
    assert s is not None and key is not None

    def work() -> None:
        sql.insert_status(con, {"commitment_id": cid, "session_date": s, "status": key,
                                "note": note_t, "recorded_at": _now(),
                                "recorded_by": user or "(sin usuario)"})
        access.record_audit(con, user=user, action="commitment_status",
                            detail=f"{cid}: {STATUS_LABELS[key]} en la sesión {s:%Y-%m-%d}")

    store.in_transaction(con, work, migrate_first=True)


def remove_commitment(con: duckdb.DuckDBPyConnection, ident: str, *, user: str | None) -> None:
    """Delete a commitment and its status reports; audited (``commitment_remove``)."""
    cid = str(ident).strip()
    if not sql.commitment_exists(con, cid):
        msg = f"No existe el compromiso {cid!r}."
        raise CommitmentError(msg)

    def work() -> None:
        sql.delete_commitment(con, cid)
        access.record_audit(con, user=user, action="commitment_remove", detail=cid)

    store.in_transaction(con, work, migrate_first=True)


def load_commitments(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(commitments, status reports)`` as stored (empty frames without the tables)."""
    return sql.commitment_rows(con), sql.status_rows(con)


# --------------------------------------------------------------------------- status
def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.normalize()


def status_at(commitments: pd.DataFrame, history: pd.DataFrame, *, at: Any) -> pd.DataFrame:
    """Status of every commitment agreed on or before ``at``, as of ``at``.

    Parameters
    ----------
    commitments, history
        The frames of :func:`load_commitments`.
    at
        The date (a session, the end of a report period).

    Returns
    -------
    pandas.DataFrame
        :data:`STATUS_COLUMNS`, one row per commitment (in ``commitments`` order):
        ``status`` (``en_curso``, ``cumplido``, ``vencido``), ``reported`` (the last
        reported status or ``None``), ``status_date`` and ``note`` of that report,
        ``days_overdue`` (days past the due date while not fulfilled, else 0) and
        ``late`` (fulfilled after the due date).

    Examples
    --------
    >>> c = pd.DataFrame({"id": ["C1"], "session_date": ["2025-01-15"],
    ...                   "due_date": ["2025-03-31"]})
    >>> h = pd.DataFrame({"commitment_id": ["C1"], "session_date": ["2025-02-15"],
    ...                   "status": ["en_curso"], "note": [""]})
    >>> [status_at(c, h, at=d)["status"].iloc[0] for d in ("2025-03-31", "2025-04-01")]
    ['en_curso', 'vencido']
    """
    day = pd.Timestamp(at).normalize()
    agreed = commitments.loc[_dates(commitments["session_date"]) <= day]
    h = history.loc[_dates(history["session_date"]) <= day] if len(history) else history
    last: dict[str, Any] = {}
    if len(h):
        order = ["session_date"] + (["recorded_at"] if "recorded_at" in h.columns else [])
        for rec in h.sort_values(order, kind="stable").to_dict(orient="records"):
            last[str(rec["commitment_id"])] = rec
    rows = []
    for rec in agreed.to_dict(orient="records"):
        cid = str(rec["id"])
        due = pd.Timestamp(rec["due_date"]).normalize()
        rep = last.get(cid)
        reported = None if rep is None else str(rep["status"])
        when = None if rep is None else pd.Timestamp(rep["session_date"]).normalize()
        note = "" if rep is None or rep.get("note") is None else str(rep["note"])
        if reported == "cumplido":
            status, overdue, late = "cumplido", 0, bool(when is not None and when > due)
        elif day > due:
            status, overdue, late = "vencido", int((day - due).days), False
        else:
            status, overdue, late = "en_curso", 0, False
        rows.append((cid, status, reported, when, note, due, overdue, late))
    return pd.DataFrame(rows, columns=list(STATUS_COLUMNS)).astype(
        {"days_overdue": "int64", "late": bool})


def session_summary(commitments: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """One row per Codisec session (a date with new commitments or status reports).

    Columns ``session_date, agreed`` (new at that session), ``total`` (agreed so far),
    ``cumplido, en_curso, vencido`` (status of those as of the session) and
    ``reported`` (status reports given at the session).
    """
    sessions = sorted(set(_dates(commitments["session_date"]))
                      | set(_dates(history["session_date"]) if len(history) else ()))
    new = _dates(commitments["session_date"]).value_counts()
    reports = _dates(history["session_date"]).value_counts() if len(history) else pd.Series()
    rows = []
    for s in sessions:
        st = status_at(commitments, history, at=s)["status"].value_counts()
        rows.append((s, int(new.get(s, 0)), int(st.sum()), int(st.get("cumplido", 0)),
                     int(st.get("en_curso", 0)), int(st.get("vencido", 0)),
                     int(reports.get(s, 0))))
    return pd.DataFrame(rows, columns=["session_date", "agreed", "total", "cumplido",
                                       "en_curso", "vencido", "reported"])


# --------------------------------------------------------------------------- report table
def _label(status: str, late: bool, overdue: int, *, public: bool) -> str:
    text = STATUS_LABELS.get(status, status)
    if public:
        return text
    if status == "cumplido" and late:
        return f"{text} (fuera de plazo)"
    if status == "vencido":
        return f"{text} (hace {overdue} día{'s' if overdue != 1 else ''})"
    return text


def _indicator_text(group: object, district: object,
                    indicators: pd.DataFrame | None) -> str:
    if group is None or pd.isna(group) or not str(group):
        return ""
    label = settings.CRIME_GROUPS.get(str(group), str(group))
    text = f"{label} — {district}"
    if indicators is None or indicators.empty:
        return text
    hit = indicators[(indicators["district"].map(district_key) == district_key(district))
                     & (indicators["crime_group"] == group)]
    if hit.empty:
        return text
    row = hit.iloc[0]
    change = row.get("previous_change_pct")
    tail = "" if change is None or pd.isna(change) else (
        f" ({'+' if change > 0 else ''}{change:.0f} % vs periodo anterior)".replace(".", ","))
    return f"{text}: {int(row['count'])} incidentes{tail}"


def commitments_table(commitments: pd.DataFrame, history: pd.DataFrame, *, at: Any,
                      since: Any = None, districts: Sequence[str] | None = None,
                      public: bool = False, interventions: Mapping[str, str] | None = None,
                      verdicts: Mapping[str, str] | None = None,
                      indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """The commitments section of the Codisec report (Spanish headers).

    Parameters
    ----------
    commitments, history
        The frames of :func:`load_commitments`.
    at
        Status date: the end of the report period (or today, if earlier).
    since
        Start of the report period: commitments fulfilled before it are left out.
    districts
        Keep commitments of these districts and those without a district.
    public
        Only :data:`PUBLIC_COLUMNS` (what, who, due date, status): no notes, no zone, no
        indicators, no interventions.
    interventions
        Register id -> name, to name linked interventions (a missing id reads
        "eliminada del registro").
    verdicts
        Register id -> evaluation verdict, shown next to the linked intervention.
    indicators
        ``district, crime_group, count, previous_change_pct`` of the period
        (:func:`analytics.reports.district_indicators` by ``crime_group``), to show the
        linked indicator's value.
    """
    st = status_at(commitments, history, at=at).set_index("id")
    keep = commitments[commitments["id"].astype(str).isin(st.index)]
    if since is not None and len(keep):
        before = status_at(commitments, history, at=pd.Timestamp(since) - pd.Timedelta(days=1))
        closed = set(before.loc[before["status"] == "cumplido", "id"])
        keep = keep[~keep["id"].isin(closed)]
    if districts is not None and len(keep):
        wanted = {district_key(d) for d in districts}
        dk = keep["district"].map(district_key)
        keep = keep[dk.isna() | dk.isin(wanted)]
    rows = []
    for rec in keep.to_dict(orient="records"):
        s = st.loc[str(rec["id"])]
        base = {"Sesión": pd.Timestamp(rec["session_date"]).strftime("%d/%m/%Y"),
                "Compromiso": str(rec["what"]), "Responsable": str(rec["who"]),
                "Vence": pd.Timestamp(rec["due_date"]).strftime("%d/%m/%Y"),
                "Estado": _label(s["status"], bool(s["late"]), int(s["days_overdue"]),
                                 public=public)}
        if public:
            rows.append(base)
            continue
        inter = rec.get("intervention_id")
        inter = None if inter is None or pd.isna(inter) or not str(inter) else str(inter)
        name = None if inter is None else (interventions or {}).get(inter)
        linked = "" if inter is None else (f"{inter} «{name}»" if name else
                                           f"{inter} (eliminada del registro)"
                                           if interventions is not None else inter)
        row = {"Id": str(rec["id"]), **base,
               "Distrito": "" if rec.get("district") is None or pd.isna(rec["district"])
               else str(rec["district"]),
               "Lugar": str(rec.get("place") or ""),
               "Último reporte": "" if s["status_date"] is None or pd.isna(s["status_date"])
               else pd.Timestamp(s["status_date"]).strftime("%d/%m/%Y"),
               "Nota": str(s["note"] or ""),
               "Indicador vinculado": _indicator_text(rec.get("indicator_group"),
                                                      rec.get("district"), indicators),
               "Intervención vinculada": linked}
        if verdicts is not None:
            row["Evaluación de la intervención"] = (verdicts.get(inter, "") if inter else "")
        rows.append(row)
    if public:
        return pd.DataFrame(rows, columns=list(PUBLIC_COLUMNS))
    cols = ["Id", "Sesión", "Compromiso", "Responsable", "Distrito", "Lugar", "Vence", "Estado",
            "Último reporte", "Nota", "Indicador vinculado", "Intervención vinculada"]
    if verdicts is not None:
        cols.append("Evaluación de la intervención")
    return pd.DataFrame(rows, columns=cols)


def check_public_commitments(table: pd.DataFrame) -> None:
    """Refuse a commitments table with anything beyond :data:`PUBLIC_COLUMNS`.

    Raises
    ------
    CommitmentError
        Extra columns (notes, zones, indicators, interventions…).
    """
    extra = [str(c) for c in table.columns if str(c) not in PUBLIC_COLUMNS]
    if extra:
        msg = ("La tabla pública de compromisos solo puede tener "
               f"{', '.join(PUBLIC_COLUMNS)}; tiene además: {', '.join(extra)}.")
        raise CommitmentError(msg)


def public_commitments_table(con: duckdb.DuckDBPyConnection, *, at: Any, since: Any = None,
                             districts: Sequence[str] | None = None) -> pd.DataFrame:
    """The public commitments table read from the store, checked (:data:`PUBLIC_COLUMNS`)."""
    commitments, history = load_commitments(con)
    table = commitments_table(commitments, history, at=at, since=since, districts=districts,
                              public=True)
    check_public_commitments(table)
    return table
