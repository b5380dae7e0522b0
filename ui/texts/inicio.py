"""Strings of Inicio (``es`` and ``en``; see :mod:`ui.i18n`)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # --- inicio
    "inicio.title": {"es": "Resumen", "en": "Overview"},
    "inicio.period": {"es": "Del {start} al {end}, comparado con el periodo anterior "
                            "({pstart} al {pend}).",
                      "en": "From {start} to {end}, compared with the previous period "
                            "({pstart} to {pend})."},
    "inicio.total": {"es": "Incidentes", "en": "Incidents"},
    "inicio.previous": {"es": "Periodo anterior", "en": "Previous period"},
    "inicio.change": {"es": "Variación", "en": "Change"},
    "inicio.public_note": {"es": "Versión pública: cada cifra es la suma de cifras publicadas "
                                 "(trimestres completos por distrito y grupo de delito, al "
                                 "menos {k} incidentes); otras se suprimen para que ninguna "
                                 "cifra pequeña se deduzca por diferencia, así que las sumas "
                                 "pueden ser menores que el total real.",
                           "en": "Public version: every figure is a sum of published figures "
                                 "(whole quarters by district and crime group, at least {k} "
                                 "incidents); others are suppressed so that no small count can "
                                 "be deduced by difference, so the sums may be lower than the "
                                 "true totals."},
    "inicio.public_period": {"es": "{label}: del {start} al {end}, comparado con el periodo "
                                   "anterior ({pstart} al {pend}).",
                             "en": "{label}: from {start} to {end}, compared with the previous "
                                   "period ({pstart} to {pend})."},
    "inicio.public_no_previous": {"es": "{label}: del {start} al {end}. El periodo anterior no "
                                        "está publicado completo: sin comparación.",
                                  "en": "{label}: from {start} to {end}. The previous period is "
                                        "not wholly published: no comparison."},
    "inicio.public_none": {"es": "No hay cifras publicadas para este periodo.",
                           "en": "No published figures for this period."},
    "inicio.by_group": {"es": "Por grupo de delito", "en": "By crime group"},
    "inicio.top_cells": {"es": "Los 10 hexágonos con más incidentes",
                         "en": "Top 10 hexagons by incidents"},
    "inicio.public_freshness": {"es": "Datos publicados: trimestres completos del {first} al "
                                      "{last}.",
                                "en": "Published data: whole quarters from {first} to {last}."},
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
}
