"""Strings of the zone views (``es`` and ``en``; see :mod:`ui.i18n`).

Sidebar picker, Mapa por zona, Pronóstico por zona, stored forecasts, the
Codisec expected range, zone layers on Datos.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # --- sidebar
    "filters.zones": {"es": "Zonas", "en": "Zones"},
    "filters.zones_help": {"es": "Capa de zonas para las vistas por zona (Mapa, Pronóstico) y "
                                 "la columna «Zona» del plan de patrullaje. Las capas se cargan "
                                 "en Datos o con python -m analytics zones add.",
                           "en": "Zone layer for the zone views (Map, Forecast) and the "
                                 "“Zone” column of the patrol plan. Layers are loaded on Data "
                                 "or with python -m analytics zones add."},
    "filters.zones_districts": {"es": "Distritos", "en": "Districts"},
    # --- stored forecasts
    "porzona.stored_made": {"es": "Pronóstico calculado el {made} con datos hasta el {until}.",
                          "en": "Forecast made on {made} with data up to {until}."},
    "porzona.fitted_now": {"es": "Pronóstico calculado ahora con datos hasta el {until} (no hay "
                               "uno guardado por el proceso nocturno para este día).",
                         "en": "Forecast made now with data up to {until} (the nightly job "
                               "stored none for this day)."},
    "porzona.refitted": {"es": "Pronóstico recalculado ahora con datos hasta el {until}.",
                       "en": "Forecast recomputed now with data up to {until}."},
    "porzona.refit": {"es": "Recalcular ahora", "en": "Recompute now"},
    "porzona.refit_help": {"es": "Vuelve a ajustar el modelo con los datos actuales (tarda "
                               "unos segundos); útil si se importaron datos después del "
                               "pronóstico guardado.",
                         "en": "Fits the model again on the current data (takes a few "
                               "seconds); useful if data was imported after the stored "
                               "forecast."},
    "porzona.use_stored": {"es": "Usar el pronóstico guardado", "en": "Use the stored forecast"},
    # --- Pronóstico: view switch and zone view
    "porzona.view": {"es": "Vista", "en": "View"},
    "porzona.view_cells": {"es": "Hexágonos", "en": "Hexagons"},
    "porzona.view_zones": {"es": "Por zona", "en": "By zone"},
    "porzona.fc_title": {"es": "Incidentes esperados por zona ({layer})",
                       "en": "Expected incidents by zone ({layer})"},
    "porzona.fc_intro": {"es": "Próximos {n} días desde el {d}, por {by}, con su rango probable "
                             "({p} %). Cambie la capa de zonas en la barra lateral.",
                       "en": "Next {n} days from {d}, by {by}, with the likely range "
                             "({p} %). Change the zone layer in the sidebar."},
    "porzona.by": {"es": "Ventanas", "en": "Windows"},
    "porzona.by_shift": {"es": "turno", "en": "shift"},
    "porzona.by_hour": {"es": "hora", "en": "hour"},
    "porzona.by_day": {"es": "día", "en": "day"},
    "porzona.day": {"es": "Día", "en": "Day"},
    "porzona.computing": {"es": "Calculando el pronóstico por zona…",
                        "en": "Computing the zone forecast…"},
    "porzona.table_caption": {"es": "Cada celda: incidentes esperados y, entre paréntesis, el "
                                  "rango probable ({p} %). Total: suma esperada del día.",
                            "en": "Each cell: expected incidents and, in brackets, the likely "
                                  "range ({p} %). Total: the day's expected sum."},
    "porzona.table_caption_hour": {"es": "Cada celda: incidentes esperados en esa hora. Total: "
                                       "suma esperada del día. Los rangos por hora están en "
                                       "las descargas.",
                                 "en": "Each cell: expected incidents in that hour. Total: the "
                                       "day's expected sum. Hourly ranges are in the "
                                       "downloads."},
    "porzona.no_history": {"es": "Zonas sin incidentes antes del corte (sin pronóstico): {zones}.",
                         "en": "Zones without incidents before the cut-off (no forecast): "
                               "{zones}."},
    "porzona.empty": {"es": "No hay pronóstico por zona: ninguna zona tiene incidentes antes del "
                          "corte.",
                    "en": "No zone forecast: no zone has incidents before the cut-off."},
    "porzona.downloads": {"es": "Descargar (7 días)", "en": "Download (7 days)"},
    "porzona.csv": {"es": "CSV", "en": "CSV"},
    "porzona.xlsx": {"es": "Excel", "en": "Excel"},
    "porzona.pdf": {"es": "PDF para imprimir", "en": "Printable PDF"},
    "porzona.pdf_title": {"es": "Pronóstico por zona", "en": "Pronóstico por zona"},
    "porzona.col_zone": {"es": "Zona", "en": "Zone"},
    "porzona.tooltip_fc": {"es": "<b>{zone}</b><br/>{exp} incidentes esperados ese día",
                         "en": "<b>{zone}</b><br/>{exp} expected incidents that day"},
    "porzona.legend_fc": {"es": "Incidentes esperados en el día",
                        "en": "Expected incidents in the day"},
    # --- Mapa por zona
    "porzona.map_toggle": {"es": "Ver por zona ({layer})", "en": "View by zone ({layer})"},
    "porzona.map_toggle_help": {"es": "Colorea cada zona por su número de incidentes (con los "
                                    "filtros de la barra lateral) en lugar de los hexágonos.",
                              "en": "Colours each zone by its number of incidents (with the "
                                    "sidebar filters) instead of hexagons."},
    "porzona.tooltip_map": {"es": "<b>{zone}</b><br/>{n} incidentes ({share} %)",
                          "en": "<b>{zone}</b><br/>{n} incidents ({share} %)"},
    "porzona.map_summary": {"es": "{n} incidentes en {z} zonas; {out} fuera de toda zona "
                                "(sin punto o fuera de los polígonos).",
                          "en": "{n} incidents in {z} zones; {out} outside every zone (no "
                                "point or outside the polygons)."},
    "porzona.no_polygon": {"es": "Sin polígono para dibujar (solo en la tabla): {zones}.",
                         "en": "No polygon to draw (table only): {zones}."},
    "porzona.col_count": {"es": "Incidentes", "en": "Incidents"},
    "porzona.col_share": {"es": "% del total", "en": "% of total"},
    # --- Reportes: expected range
    "porzona.expected_title": {"es": "¿Dentro de lo esperado?", "en": "Within what was expected?"},
    "porzona.expected_intro": {"es": "Cada conteo frente al rango que pronosticaba, antes de "
                                   "empezar el periodo, el pronóstico por zona (solo datos "
                                   "anteriores al periodo): una subida o bajada dentro del "
                                   "rango es ruido, no una tendencia.",
                             "en": "Each count against the range the zone forecast expected "
                                   "before the period started (data before the period only): a "
                                   "rise or fall within the range is noise, not a trend."},
    "porzona.expected_line": {"es": "**{district}**: {n} incidentes en {period}, **{verdict}** "
                                  "(esperados {exp}; rango {p} %: {lo}–{hi}).",
                            "en": "**{district}**: {n} incidents in {period}, **{verdict}** "
                                  "(expected {exp}; {p} % range: {lo}–{hi})."},
    "porzona.expected_none": {"es": "**{district}**: {n} incidentes en {period}; sin pronóstico "
                                  "(no hay incidentes anteriores al periodo).",
                            "en": "**{district}**: {n} incidents in {period}; no forecast (no "
                                  "incidents before the period)."},
    "porzona.verdict.within": {"es": "dentro de lo esperado", "en": "within what was expected"},
    "porzona.verdict.above": {"es": "por encima de lo esperado", "en": "above what was expected"},
    "porzona.verdict.below": {"es": "por debajo de lo esperado", "en": "below what was expected"},
    "porzona.expected_stored": {"es": "Rango de un pronóstico calculado el {made} con datos "
                                    "hasta el {until}.",
                              "en": "Range from a forecast made on {made} with data up to "
                                    "{until}."},
    "porzona.expected_fitted": {"es": "Rango calculado ahora con datos hasta el {until} (el día "
                                    "antes del periodo).",
                              "en": "Range computed now with data up to {until} (the day "
                                    "before the period)."},
    "porzona.expected_method": {"es": "El rango de un periodo no es la suma de los rangos "
                                    "diarios: su amplitud se mide comparando el mismo "
                                    "pronóstico con lo ocurrido en periodos anteriores de igual "
                                    "duración. Solo en el informe interno.",
                              "en": "A period's range is not the sum of daily ranges: its width "
                                    "is measured by comparing the same forecast with what "
                                    "happened in earlier periods of the same length. Internal "
                                    "report only."},
    "porzona.expected_incomplete": {"es": "El periodo no está completo en los datos: sin "
                                        "comparación con lo esperado.",
                                  "en": "The data does not cover the whole period: no "
                                        "comparison with what was expected."},
    "porzona.expected_compute": {"es": "Calcular rango esperado", "en": "Compute expected range"},
    "porzona.expected_compute_help": {"es": "No hay un pronóstico guardado para este periodo "
                                          "(zone-forecast --by period --store). Calcularlo "
                                          "tarda de segundos a medio minuto.",
                                    "en": "No forecast is stored for this period "
                                          "(zone-forecast --by period --store). Computing it "
                                          "takes from seconds to half a minute."},
    "porzona.expected_computing": {"es": "Calculando el rango esperado del periodo…",
                                 "en": "Computing the period's expected range…"},
    # --- Datos: zone layers
    "porzona.layers_title": {"es": "Capas de zonas (sectores, cuadrantes, jurisdicciones)",
                           "en": "Zone layers (sectors, quadrants, jurisdictions)"},
    "porzona.layers_help": {"es": "Cargue polígonos con el nombre de cada zona (GeoJSON, "
                                "GeoPackage o Shapefile comprimido en .zip). Los polígonos "
                                "no válidos se reparan y las superposiciones quedan en la zona "
                                "listada primero; una capa con problemas se rechaza con el "
                                "motivo. Con un nombre existente se guarda una versión nueva.",
                          "en": "Load polygons with each zone's name (GeoJSON, GeoPackage or a "
                                "zipped Shapefile). Invalid polygons are repaired and overlaps "
                                "go to the zone listed first; a layer with problems is refused "
                                "with the reason. An existing name gets a new version."},
    "porzona.layer_file": {"es": "Archivo de la capa", "en": "Layer file"},
    "porzona.layer_name": {"es": "Nombre de la capa", "en": "Layer name"},
    "porzona.layer_column": {"es": "Columna con el nombre de cada zona (opcional)",
                           "en": "Column with each zone's name (optional)"},
    "porzona.layer_column_help": {"es": "Si se deja vacía se detecta (zona, nombre, sector, "
                                      "cuadrante…).",
                                "en": "Left empty, it is detected (zona, nombre, sector, "
                                      "cuadrante…)."},
    "porzona.layer_save": {"es": "Guardar capa", "en": "Save layer"},
    "porzona.layer_saved": {"es": "Capa {label} guardada: {n} zonas.",
                          "en": "Layer {label} saved: {n} zones."},
    "porzona.layers_none": {"es": "Aún no hay capas guardadas.", "en": "No layers stored yet."},
    "porzona.col_layer": {"es": "Capa", "en": "Layer"},
    "porzona.col_zones": {"es": "Zonas", "en": "Zones"},
}
