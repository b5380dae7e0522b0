"""Strings of Patrones and the calendar (``es`` and ``en``; see :mod:`ui.i18n`)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # --- patrones
    "patrones.title": {"es": "Patrones en el tiempo", "en": "Patterns over time"},
    "patrones.heatmap": {"es": "Hora × día de la semana", "en": "Hour × weekday"},
    "patrones.heatmap_help": {"es": "Cada celda es el número de incidentes en esa hora y día "
                                    "durante el periodo.",
                              "en": "Each cell is the number of incidents in that hour and day "
                                    "over the period."},
    "patrones.weekly": {"es": "Tendencia semanal y media móvil de 4 semanas",
                        "en": "Weekly trend and 4-week moving average"},
    "patrones.daily": {"es": "Incidentes por día, con feriados y días de pago",
                       "en": "Incidents per day, with holidays and paydays"},
    "patrones.stl": {"es": "Descomposición estacional (STL, ciclo semanal)",
                     "en": "Seasonal decomposition (STL, weekly cycle)"},
    "patrones.stl_help": {"es": "Tendencia: evolución de fondo. Estacional: el patrón que se "
                                "repite cada semana. Residuo: lo que no explican las dos "
                                "anteriores (picos inusuales).",
                          "en": "Trend: the underlying evolution. Seasonal: the pattern that "
                                "repeats every week. Residual: what neither explains (unusual "
                                "peaks)."},
    "patrones.mix": {"es": "Composición por tipo en el tiempo", "en": "Type mix over time"},
    "patrones.mix_by": {"es": "Agrupar por", "en": "Group by"},
    "patrones.mix_group": {"es": "Grupo de delito", "en": "Crime group"},
    "patrones.mix_type": {"es": "Tipo de delito", "en": "Crime type"},
    "patrones.marks": {"es": "Feriados y días de pago del periodo",
                       "en": "Holidays and paydays in the period"},
    "series.observed": {"es": "Observado", "en": "Observed"},
    "series.trend": {"es": "Tendencia", "en": "Trend"},
    "series.seasonal": {"es": "Estacional", "en": "Seasonal"},
    "series.resid": {"es": "Residuo", "en": "Residual"},
    "series.weekly": {"es": "Incidentes por semana", "en": "Incidents per week"},
    "series.ma": {"es": "Media móvil (4 semanas)", "en": "Moving average (4 weeks)"},
    "series.count": {"es": "Incidentes", "en": "Incidents"},
    "mark.feriado": {"es": "Feriado", "en": "Holiday"},
    "mark.pago": {"es": "Día de pago", "en": "Payday"},
    "mark.kind": {"es": "Tipo de día", "en": "Kind of day"},
    "mark.name": {"es": "Motivo", "en": "Reason"},
    # --- calendar
    "weekday.0": {"es": "lunes", "en": "Monday"},
    "weekday.1": {"es": "martes", "en": "Tuesday"},
    "weekday.2": {"es": "miércoles", "en": "Wednesday"},
    "weekday.3": {"es": "jueves", "en": "Thursday"},
    "weekday.4": {"es": "viernes", "en": "Friday"},
    "weekday.5": {"es": "sábado", "en": "Saturday"},
    "weekday.6": {"es": "domingo", "en": "Sunday"},
    "shift.mañana": {"es": "mañana", "en": "morning"},
    "shift.tarde": {"es": "tarde", "en": "afternoon"},
    "shift.noche": {"es": "noche", "en": "night"},
    "shift.madrugada": {"es": "madrugada", "en": "early morning"},
    "shift.label": {"es": "{name} ({start:02d}–{end:02d} h)",
                    "en": "{name} ({start:02d}–{end:02d})"},
}
