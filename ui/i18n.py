"""Every user-facing string of the app, Spanish by default, English on request.

Use ``t("key", **kw)``: the text in the session's language (``es`` unless the
sidebar switch says ``en``), formatted with ``str.format(**kw)``. A key
missing in English falls back to Spanish; an unknown key is returned as is
(visible in review, never a crash). Keep keys dotted by page: ``mapa.*``.
Other pages add their own block of keys to :data:`TEXTS`.
"""

from __future__ import annotations

from typing import Final

import streamlit as st

from analytics import settings

LANGS: Final = ("es", "en")
LANG_KEY: Final = "lang"

def _merged() -> dict[str, dict[str, str]]:
    import importlib

    from ui import texts

    out: dict[str, dict[str, str]] = {}
    for area in texts.AREAS:
        table = importlib.import_module(f"ui.texts.{area}").TEXTS
        dup = sorted(set(out) & set(table))
        if dup:
            msg = f"ui/texts/{area}.py redefines {', '.join(dup[:5])}"
            raise RuntimeError(msg)
        out.update(table)
    return out


#: Every string: key -> {language: text}, merged from the modules of ``ui/texts/``.
TEXTS: dict[str, dict[str, str]] = _merged()


def column_labels(columns: list[str], prefix: str = "dcol.") -> dict[str, str]:
    """``{column: translated header}`` for the columns that have a ``prefix`` key."""
    return {c: t(prefix + c) for c in columns if prefix + c in TEXTS}


def lang() -> str:
    """The session's language (``es`` or ``en``)."""
    value = st.session_state.get(LANG_KEY, "es")
    return value if value in LANGS else "es"


def t(key: str, **kw: object) -> str:
    """Text for ``key`` in the session's language, formatted with ``kw``."""
    entry = TEXTS.get(key)
    if entry is None:
        return key
    text = entry.get(lang()) or entry.get("es") or key
    return text.format(**kw) if kw else text


def group_label(key: str) -> str:
    """Human label of a crime group key."""
    if lang() == "en" and f"group.{key}" in TEXTS:
        return TEXTS[f"group.{key}"]["en"]
    return settings.CRIME_GROUPS.get(key, key)


def weekday_name(day: int) -> str:
    """Name of weekday ``day`` (0 = Monday)."""
    return t(f"weekday.{int(day)}")


def shift_label(name: str) -> str:
    """``mañana (06–14 h)`` for a shift name of settings.SHIFTS."""
    for n, start, end in settings.SHIFTS:
        if n == name:
            return t("shift.label", name=t(f"shift.{n}") if f"shift.{n}" in TEXTS else n,
                     start=start, end=end)
    return name


def role_label(role: str) -> str:
    """Display name of a role."""
    return t(f"role.{role}")


def fmt_int(n: int | float) -> str:
    """Thousands separator for the language (``12 345`` / ``12,345``)."""
    s = f"{int(round(float(n))):,}"
    return s.replace(",", "\u202f") if lang() == "es" else s


def fmt_float(x: float, digits: int = 1) -> str:
    """Decimal comma in Spanish."""
    s = f"{x:,.{digits}f}"
    if lang() == "es":
        s = s.replace(",", "\u202f").replace(".", ",")
    return s


def fmt_date(d: object) -> str:
    """``dd/mm/aaaa`` in Spanish, ISO in English."""
    import pandas as pd

    if d is None:
        return "—"
    ts = pd.Timestamp(d)  # type: ignore[arg-type]
    return ts.strftime("%d/%m/%Y") if lang() == "es" else ts.strftime("%Y-%m-%d")
