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

TEXTS: dict[str, dict[str, str]] = {
    # --- app shell
    "app.title": {"es": "Vigía", "en": "Vigía"},
    "app.tagline": {"es": "Análisis de patrones delictivos", "en": "Crime pattern analysis"},
    "app.language": {"es": "Idioma", "en": "Language"},
    "app.demo_mode": {"es": "Modo demostración: sin usuarios configurados, acceso como "
                            "administrador. Cree un usuario con `python -m analytics users add`.",
                      "en": "Demo mode: no users configured, full admin access. Create a user "
                            "with `python -m analytics users add`."},
    "app.role": {"es": "Rol: {role}", "en": "Role: {role}"},
    "app.public_mode": {"es": "Modo público: solo agregados, celdas de resolución 8 o mayor "
                              "tamaño, cifras pequeñas ocultas.",
                        "en": "Public mode: aggregates only, resolution 8 or coarser, small "
                              "counts hidden."},
    "app.no_store": {"es": "Aún no hay datos cargados. Vaya a **Datos** para importar un "
                           "archivo, o ejecute `make run` para cargar la demostración.",
                     "en": "No data loaded yet. Go to **Data** to import a file, or run "
                           "`make run` to load the demo."},
    "app.store_error": {"es": "No se pudo abrir el almacén de datos: {msg}",
                        "en": "The data store could not be opened: {msg}"},
    "app.retry": {"es": "Reintentar", "en": "Retry"},
    "app.empty_filter": {"es": "Ningún incidente cumple los filtros actuales.",
                         "en": "No incident matches the current filters."},
    "app.error": {"es": "{msg}", "en": "Error (message in Spanish): {msg}"},
    "app.unexpected": {"es": "Ocurrió un error inesperado ({kind}). Revise los filtros o "
                             "contacte al administrador.",
                       "en": "An unexpected error occurred ({kind}). Check the filters or "
                             "contact the administrator."},
    "role.admin": {"es": "administrador", "en": "administrator"},
    "role.comandante": {"es": "comandante", "en": "commander"},
    "role.analista": {"es": "analista", "en": "analyst"},
    "role.publico": {"es": "público", "en": "public"},
    # --- page titles (others add theirs here)
    "page.inicio": {"es": "Inicio", "en": "Home"},
    "page.mapa": {"es": "Mapa", "en": "Map"},
    "page.patrones": {"es": "Patrones", "en": "Patterns"},
    "page.datos": {"es": "Datos", "en": "Data"},
    "page.pronostico": {"es": "Pronóstico", "en": "Forecast"},
    "page.zonas_criticas": {"es": "Zonas críticas", "en": "Hotspots"},
    "page.plan_patrullaje": {"es": "Plan de patrullaje", "en": "Patrol plan"},
    "page.reportes": {"es": "Reportes", "en": "Reports"},
    "page.admin": {"es": "Administración", "en": "Administration"},
    # --- filters
    "filters.title": {"es": "Filtros", "en": "Filters"},
    "filters.dates": {"es": "Periodo", "en": "Period"},
    "filters.dates_help": {"es": "Por defecto, los últimos 90 días con datos.",
                           "en": "By default, the last 90 days with data."},
    "filters.groups": {"es": "Grupos de delito", "en": "Crime groups"},
    "filters.types": {"es": "Tipos de delito (modalidad)", "en": "Crime types"},
    "filters.shifts": {"es": "Turnos", "en": "Shifts"},
    "filters.weekdays": {"es": "Días de la semana", "en": "Weekdays"},
    "filters.districts": {"es": "Distritos", "en": "Districts"},
    "filters.resolution": {"es": "Tamaño de hexágono (resolución H3)",
                           "en": "Hexagon size (H3 resolution)"},
    "filters.resolution_help": {"es": "7 ≈ 5 km², 8 ≈ 0,7 km², 9 ≈ 0,1 km² (una manzana "
                                      "grande), 10 ≈ 0,015 km².",
                                "en": "7 ≈ 5 km², 8 ≈ 0.7 km², 9 ≈ 0.1 km² (a large block), "
                                      "10 ≈ 0.015 km²."},
    "filters.all": {"es": "Todos", "en": "All"},
    "filters.reset": {"es": "Restablecer filtros", "en": "Reset filters"},
    # --- inicio
    "inicio.title": {"es": "Resumen", "en": "Overview"},
    "inicio.period": {"es": "Del {start} al {end}, comparado con el periodo anterior "
                            "({pstart} al {pend}).",
                      "en": "From {start} to {end}, compared with the previous period "
                            "({pstart} to {pend})."},
    "inicio.total": {"es": "Incidentes", "en": "Incidents"},
    "inicio.previous": {"es": "Periodo anterior", "en": "Previous period"},
    "inicio.change": {"es": "Variación", "en": "Change"},
    "inicio.by_group": {"es": "Por grupo de delito", "en": "By crime group"},
    "inicio.top_cells": {"es": "Los 10 hexágonos con más incidentes",
                         "en": "Top 10 hexagons by incidents"},
    "inicio.freshness": {"es": "Datos: {n} incidentes del {first} al {last}. Última "
                               "importación: {imported} ({file}).",
                         "en": "Data: {n} incidents from {first} to {last}. Last import: "
                               "{imported} ({file})."},
    "inicio.no_imports": {"es": "sin registro", "en": "none recorded"},
    "inicio.quality": {"es": "Calidad de datos", "en": "Data quality"},
    "inicio.quality_ok": {"es": "Sin advertencias de calidad.", "en": "No data-quality warnings."},
    "inicio.warn_quarantined": {"es": "{count} filas en cuarentena (no importadas): {reasons}. "
                                      "Revíselas en Datos.",
                                "en": "{count} rows quarantined (not imported): {reasons}. "
                                      "Review them in Data."},
    "inicio.warn_stacked": {"es": "Punto apilado: {count} incidentes en la misma coordenada "
                                  "({lat}, {lon}) en {file}; probablemente la comisaría y no el "
                                  "lugar del hecho.",
                            "en": "Stacked point: {count} incidents at the same coordinate "
                                  "({lat}, {lon}) in {file}; probably the police station, not "
                                  "the place of the event."},
    "inicio.warn_no_district": {"es": "{count} incidentes fuera de los distritos conocidos.",
                                "en": "{count} incidents outside the known districts."},
    "col.rank": {"es": "N.º", "en": "#"},
    "col.cell": {"es": "Hexágono", "en": "Hexagon"},
    "col.district": {"es": "Distrito", "en": "District"},
    "col.count": {"es": "Incidentes", "en": "Incidents"},
    "col.share": {"es": "% del total", "en": "% of total"},
    "col.top_types": {"es": "Delitos principales", "en": "Main crime types"},
    "col.peak_hour": {"es": "Hora pico", "en": "Peak hour"},
    "col.group": {"es": "Grupo", "en": "Group"},
    "col.previous": {"es": "Anterior", "en": "Previous"},
    "col.change": {"es": "Variación %", "en": "Change %"},
    "col.type": {"es": "Tipo", "en": "Type"},
    "col.hour": {"es": "Hora", "en": "Hour"},
    "col.weekday": {"es": "Día", "en": "Day"},
    "col.week": {"es": "Semana", "en": "Week"},
    "col.date": {"es": "Fecha", "en": "Date"},
    # --- mapa
    "mapa.title": {"es": "Mapa de calor por hexágonos", "en": "Hexagon heat map"},
    "mapa.metric": {"es": "Colorear por", "en": "Colour by"},
    "mapa.metric_count": {"es": "Número de incidentes", "en": "Number of incidents"},
    "mapa.metric_rate": {"es": "Incidentes por km²", "en": "Incidents per km²"},
    "mapa.view3d": {"es": "Vista 3D", "en": "3D view"},
    "mapa.points": {"es": "Mostrar puntos (al acercarse)", "en": "Show points (when zoomed in)"},
    "mapa.points_help": {"es": "Los 5 000 incidentes más recientes como puntos. Nunca se "
                               "muestran puntos de violencia contra la mujer ni delitos "
                               "sexuales.",
                         "en": "The 5,000 most recent incidents as points. Violence against "
                               "women and sexual offences are never shown as points."},
    "mapa.points_public": {"es": "Los puntos no están disponibles en modo público.",
                           "en": "Points are not available in public mode."},
    "mapa.step": {"es": "Reproducir en el tiempo", "en": "Time player"},
    "mapa.step_none": {"es": "Todo el periodo", "en": "Whole period"},
    "mapa.step_hour": {"es": "Por hora del día", "en": "By hour of day"},
    "mapa.step_week": {"es": "Por semana", "en": "By week"},
    "mapa.play": {"es": "▶ Reproducir", "en": "▶ Play"},
    "mapa.frame": {"es": "Momento", "en": "Frame"},
    "mapa.frame_hour": {"es": "{h:02d}:00–{h:02d}:59", "en": "{h:02d}:00–{h:02d}:59"},
    "mapa.frame_week": {"es": "Semana del {d}", "en": "Week of {d}"},
    "mapa.legend": {"es": "Leyenda", "en": "Legend"},
    "mapa.legend_fixed": {"es": "Escala fija para todo el recorrido.",
                          "en": "Scale fixed for the whole player."},
    "mapa.tooltip": {"es": "<b>{n}</b> incidentes<br/>{rate} por km²<br/>{top}<br/>Hora pico: "
                           "{peak}:00",
                     "en": "<b>{n}</b> incidents<br/>{rate} per km²<br/>{top}<br/>Peak hour: "
                           "{peak}:00"},
    "mapa.tooltip_frame": {"es": "<b>{n}</b> incidentes en este momento",
                           "en": "<b>{n}</b> incidents in this frame"},
    "mapa.basemap_off": {"es": "Sin conexión al mapa base: se muestran los límites distritales.",
                         "en": "No basemap connection: district outlines are shown."},
    "mapa.summary": {"es": "{n} incidentes en {cells} hexágonos (resolución {res}).",
                     "en": "{n} incidents in {cells} hexagons (resolution {res})."},
    "mapa.suppressed": {"es": "Se ocultan los hexágonos con menos de {k} incidentes.",
                        "en": "Hexagons with fewer than {k} incidents are hidden."},
    "mapa.profile": {"es": "Perfil del hexágono", "en": "Hexagon profile"},
    "mapa.pick_cell": {"es": "Hexágono (haga clic en el mapa o elija aquí)",
                       "en": "Hexagon (click on the map or choose here)"},
    "mapa.profile_head": {"es": "{n} incidentes en {cell} ({district}).",
                          "en": "{n} incidents in {cell} ({district})."},
    "mapa.hours": {"es": "Por hora del día", "en": "By hour of day"},
    "mapa.weekdays": {"es": "Por día de la semana", "en": "By weekday"},
    "mapa.types": {"es": "Tipos de delito", "en": "Crime types"},
    "mapa.trend": {"es": "Tendencia semanal", "en": "Weekly trend"},
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
    # --- datos
    "datos.title": {"es": "Datos: importación y calidad", "en": "Data: import and quality"},
    "datos.upload": {"es": "Archivo de incidentes (CSV, Excel o Parquet)",
                     "en": "Incident file (CSV, Excel or Parquet)"},
    "datos.upload_help": {"es": "Se muestra una vista previa y la correspondencia de columnas "
                                "antes de importar. Las columnas con datos personales (DNI, "
                                "nombres, teléfonos) se descartan.",
                          "en": "A preview and the column mapping are shown before importing. "
                                "Columns with personal data (ID numbers, names, phones) are "
                                "dropped."},
    "datos.preview": {"es": "Vista previa (primeras filas)", "en": "Preview (first rows)"},
    "datos.mapping": {"es": "Correspondencia de columnas", "en": "Column mapping"},
    "datos.mapping_help": {"es": "Revise qué columna del archivo corresponde a cada campo. "
                                 "Deje «(ninguna)» si el archivo no lo tiene.",
                           "en": "Check which file column holds each field. Leave "
                                 "“(none)” if the file does not have it."},
    "datos.none": {"es": "(ninguna)", "en": "(none)"},
    "datos.pii": {"es": "Columnas con datos personales que se descartarán: {cols}",
                  "en": "Columns with personal data that will be dropped: {cols}"},
    "datos.source": {"es": "Fuente (p. ej. SIDPOL, Serenazgo)",
                     "en": "Source (e.g. SIDPOL, Serenazgo)"},
    "datos.import": {"es": "Importar", "en": "Import"},
    "datos.importing": {"es": "Importando…", "en": "Importing…"},
    "datos.summary": {"es": "Resumen de la importación", "en": "Import summary"},
    "datos.rows_read": {"es": "Filas leídas", "en": "Rows read"},
    "datos.accepted": {"es": "Aceptadas", "en": "Accepted"},
    "datos.duplicates": {"es": "Duplicadas", "en": "Duplicates"},
    "datos.quarantined": {"es": "En cuarentena", "en": "Quarantined"},
    "datos.done": {"es": "Importación terminada: {accepted} incidentes nuevos.",
                   "en": "Import finished: {accepted} new incidents."},
    "datos.reasons": {"es": "Motivos de cuarentena", "en": "Quarantine reasons"},
    "datos.stacked": {"es": "Puntos apilados detectados", "en": "Stacked points detected"},
    "datos.quarantine": {"es": "Filas en cuarentena", "en": "Quarantined rows"},
    "datos.quarantine_none": {"es": "No hay filas en cuarentena.", "en": "No quarantined rows."},
    "datos.download": {"es": "Descargar cuarentena (CSV)", "en": "Download quarantine (CSV)"},
    "datos.history": {"es": "Historial de importaciones", "en": "Import history"},
    "datos.history_none": {"es": "Aún no hay importaciones.", "en": "No imports yet."},
    "datos.bad_file": {"es": "No se pudo leer el archivo: {msg}",
                       "en": "The file could not be read: {msg}"},
    "datos.locked": {"es": "El almacén está en uso por otro proceso (por ejemplo una "
                           "importación desde la línea de comandos). Espere a que termine y "
                           "reintente.",
                     "en": "The store is in use by another process (for example a "
                           "command-line import). Wait for it to finish and retry."},
    "datos.no_io": {"es": "El módulo de importación aún no está disponible en esta instalación.",
                    "en": "The import module is not available in this installation yet."},
    "datos.forbidden": {"es": "Su rol no permite importar datos.",
                        "en": "Your role does not allow importing data."},
    "field.incident_id": {"es": "Identificador", "en": "Identifier"},
    "field.occurred_at": {"es": "Fecha y hora del hecho", "en": "Date and time"},
    "field.date": {"es": "Fecha del hecho", "en": "Date"},
    "field.time": {"es": "Hora del hecho", "en": "Time"},
    "field.lat": {"es": "Latitud", "en": "Latitude"},
    "field.lon": {"es": "Longitud", "en": "Longitude"},
    "field.crime_type": {"es": "Tipo de delito / modalidad", "en": "Crime type"},
    "field.district": {"es": "Distrito", "en": "District"},
    "field.ubigeo": {"es": "Ubigeo", "en": "Ubigeo"},
    "field.crime_subtype": {"es": "Subtipo de delito", "en": "Crime subtype"},
    "field.modalidad": {"es": "Modalidad", "en": "Modus operandi"},
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
    "shift.label": {"es": "{name} ({start:02d}–{end:02d} h)", "en": "{name} ({start:02d}–{end:02d})"},
    # --- crime groups in English (Spanish labels come from settings.CRIME_GROUPS)
    "group.patrimonio": {"en": "Property"},
    "group.vida_cuerpo_salud": {"en": "Life, body and health"},
    "group.violencia_familiar": {"en": "Violence against women and family members"},
    "group.libertad_sexual": {"en": "Sexual freedom"},
    "group.libertad": {"en": "Personal freedom"},
    "group.seguridad_publica": {"en": "Public safety"},
    "group.faltas": {"en": "Misdemeanours"},
    "group.otro": {"en": "Other"},
}


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
