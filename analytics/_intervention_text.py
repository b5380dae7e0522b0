"""Plain-Spanish verdicts for intervention evaluations (never more than the interval allows)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analytics.interventions import AreaComparison

MINUS = "−"


def pct_text(value: float, *, signed: bool = False) -> str:
    """``-37.4`` → ``"−37 %"`` (``signed``: ``"+9 %"`` for positives); never ``"−0 %"``."""
    n = int(round(value))
    if n == 0:
        return "0 %"
    if n < 0:
        return f"{MINUS}{-n} %"
    return f"+{n} %" if signed else f"{n} %"


def number_text(value: float, digits: int = 2) -> str:
    """Spanish decimal comma, Unicode minus: ``-0.85`` → ``"−0,85"``."""
    s = f"{abs(value):.{digits}f}".replace(".", ",")
    return f"{MINUS}{s}" if value < 0 and float(s.replace(",", ".")) != 0 else s


def interval_text(low: float, high: float, alpha: float) -> str:
    """``"IC 95 %: −37 % a −19 %"``."""
    level = int(round((1 - alpha) * 100))
    return f"IC {level} %: {pct_text(low, signed=True)} a {pct_text(high, signed=True)}"


def too_few_text(comp: AreaComparison) -> str:
    """Why no number is given."""
    from analytics.interventions import MIN_AREA_INCIDENTS, MIN_BEFORE_INCIDENTS

    n = comp.area_before + comp.area_after
    if n < MIN_AREA_INCIDENTS:
        return (f"Muy pocos incidentes para evaluar (n = {n} en el área antes y después): se "
                f"necesitan al menos {MIN_AREA_INCIDENTS}.")
    if comp.area_before < MIN_BEFORE_INCIDENTS:
        return (f"Muy pocos incidentes antes del inicio para medir un cambio (n = "
                f"{comp.area_before}): se necesitan al menos {MIN_BEFORE_INCIDENTS}.")
    return ("No se puede evaluar: la zona de control no tiene incidentes en uno de los dos "
            "periodos.")


def _ring_clause(comp: AreaComparison, *, buffer_m: float, alpha: float) -> str:
    ring = f"el anillo de {buffer_m:g} m"
    lo, hi, eff = comp.buffer_ci_low_pct, comp.buffer_ci_high_pct, comp.buffer_effect_pct
    if lo is None or hi is None or eff is None:
        return f"{ring} tiene muy pocos incidentes para evaluar desplazamiento"
    ci = interval_text(lo, hi, alpha)
    wdq = "" if comp.wdq is None or comp.wdq_key in ("indefinido", "no_aplica") \
        else f", WDQ = {number_text(comp.wdq)}"
    if lo > 0:
        tail = ""
        reduced = comp.ci_high_pct is not None and comp.ci_high_pct < 0
        if reduced and comp.wdq_key == "desplazamiento_mayor":
            tail = "; el desplazamiento supera la reducción del área"
        elif reduced and comp.wdq_key == "desplazamiento_parcial":
            tail = "; aun así hay beneficio neto"
        return (f"indicios de desplazamiento: {ring} aumentó un {pct_text(eff)} ({ci}) frente "
                f"a la zona de control{wdq}{tail}")
    if hi < 0:
        return (f"difusión de beneficios: {ring} bajó un {pct_text(-eff)} ({ci}) frente a la "
                f"zona de control{wdq}")
    return f"sin indicios de desplazamiento hacia {ring}"


def verdict_text(comp: AreaComparison, *, buffer_m: float, alpha: float) -> str:
    """One or two sentences: the effect with its interval, then the ring."""
    if not comp.enough or comp.effect_pct is None or comp.ci_low_pct is None \
            or comp.ci_high_pct is None:
        return too_few_text(comp)
    eff, lo, hi = comp.effect_pct, comp.ci_low_pct, comp.ci_high_pct
    ci = interval_text(lo, hi, alpha)
    if hi < 0:
        head = f"Reducción del {pct_text(-eff)} ({ci}) frente a la zona de control"
    elif lo > 0:
        head = f"Aumento del {pct_text(eff)} ({ci}) frente a la zona de control"
    else:
        head = (f"No se puede afirmar un efecto: el intervalo incluye el cero (cambio estimado "
                f"{pct_text(eff, signed=True)}; {ci})")
    text = f"{head}; {_ring_clause(comp, buffer_m=buffer_m, alpha=alpha)}."
    if comp.drift_sd is None and not (lo <= 0 <= hi) and not math.isnan(eff):
        text += (" Intervalo sin calibrar con áreas placebo: puede ser demasiado estrecho, "
                 "tómese con cautela.")
    return text
