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
    "inicio.public_note": {"es": "Versión pública: solo grupos no sensibles con al menos {k} "
                                 "incidentes en ambos periodos; los totales son su suma.",
                           "en": "Public version: only non-sensitive groups with at least {k} "
                                 "incidents in both periods; totals are their sum."},
    "inicio.by_group": {"es": "Por grupo de delito", "en": "By crime group"},
    "inicio.top_cells": {"es": "Los 10 hexágonos con más incidentes",
                         "en": "Top 10 hexagons by incidents"},
    "inicio.public_freshness": {"es": "Datos del {first} al {last}.",
                                "en": "Data from {first} to {last}."},
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
    # --- zonas críticas (issue 6)
    "zonas.title": {"es": "Zonas críticas", "en": "Hotspots"},
    "zonas.intro": {"es": "¿Qué concentraciones de incidentes son reales y no casualidad, cuáles "
                          "son nuevas o van en aumento, y si un delito anuncia otro cerca? "
                          "Todo se calcula con los filtros de la barra lateral.",
                    "en": "Which concentrations of incidents are real rather than chance, which "
                          "are new or growing, and does one crime announce another nearby? "
                          "Everything uses the sidebar filters."},
    "zonas.k": {"es": "Vecindad (anillos de hexágonos)", "en": "Neighbourhood (hexagon rings)"},
    "zonas.k_help": {"es": "Cuántos anillos de hexágonos vecinos se suman a cada hexágono. 1: "
                           "los 6 vecinos inmediatos; 2 o 3: zonas más amplias y suaves.",
                     "en": "How many rings of neighbouring hexagons are added to each hexagon. "
                           "1: the 6 immediate neighbours; 2 or 3: wider, smoother zones."},
    "zonas.fdr": {"es": "Corrección FDR (más exigente)", "en": "FDR correction (stricter)"},
    "zonas.fdr_help": {"es": "Corrige por probar muchos hexágonos a la vez (Benjamini-Hochberg): "
                             "deja solo las zonas más sólidas.",
                       "en": "Corrects for testing many hexagons at once (Benjamini-Hochberg): "
                             "keeps only the most solid zones."},
    "zonas.tab_gi": {"es": "Puntos calientes (Gi*)", "en": "Hot spots (Gi*)"},
    "zonas.tab_emerging": {"es": "Emergentes", "en": "Emerging"},
    "zonas.tab_lisa": {"es": "Agrupaciones (Moran local)", "en": "Clusters (local Moran)"},
    "zonas.tab_knox": {"es": "Repetición cercana (Knox)", "en": "Near repeat (Knox)"},
    "zonas.computing": {"es": "Calculando…", "en": "Computing…"},
    "zonas.computing_knox": {"es": "Calculando la repetición cercana (permutaciones)…",
                             "en": "Computing near repeat (permutations)…"},
    "zonas.how_to_read": {"es": "¿Cómo se lee?", "en": "How to read it"},
    "zonas.tooltip": {"es": "<b>{label}</b><br/>{n} incidentes<br/>{district}",
                      "en": "<b>{label}</b><br/>{n} incidents<br/>{district}"},
    "zonas.z_tip": {"es": "z = {z}", "en": "z = {z}"},
    "zonas.yes": {"es": "sí", "en": "yes"},
    "zonas.col_class": {"es": "Clase", "en": "Class"},
    "zonas.col_category": {"es": "Categoría", "en": "Category"},
    "zonas.col_cluster": {"es": "Agrupación", "en": "Cluster"},
    "zonas.col_cells": {"es": "Hexágonos", "en": "Hexagons"},
    "zonas.col_stacked": {"es": "Punto apilado", "en": "Stacked point"},
    "zonas.col_hot_periods": {"es": "Periodos calientes", "en": "Hot periods"},
    "zonas.col_observed": {"es": "Pares observados", "en": "Observed pairs"},
    "zonas.col_expected": {"es": "Pares esperados", "en": "Expected pairs"},
    "zonas.col_ratio": {"es": "Razón de Knox", "en": "Knox ratio"},
    # Gi*
    "zonas.gi_title": {"es": "Puntos calientes y fríos (Getis-Ord Gi*)",
                       "en": "Hot and cold spots (Getis-Ord Gi*)"},
    "zonas.gi_legend": {"es": "Confianza", "en": "Confidence"},
    "zonas.gi_note": {"es": "Vecindad de {k} anillo(s); p analítica, sin corrección FDR.",
                      "en": "Neighbourhood of {k} ring(s); analytical p, no FDR correction."},
    "zonas.gi_note_fdr": {"es": "Vecindad de {k} anillo(s); p analítica con corrección FDR.",
                          "en": "Neighbourhood of {k} ring(s); analytical p with FDR "
                                "correction."},
    "zonas.gi_summary": {"es": "{hot} hexágonos calientes y {cold} fríos entre {cells} "
                               "analizados ({observed} con incidentes; el resto son vecinos "
                               "vacíos que cuentan como cero; resolución {res}).",
                         "en": "{hot} hot and {cold} cold hexagons among {cells} analysed "
                               "({observed} with incidents; the rest are empty neighbours "
                               "counted as zero; resolution {res})."},
    "zonas.gi_top": {"es": "Puntos calientes más intensos", "en": "Strongest hot spots"},
    "zonas.stacked_hot": {"es": "{n} punto(s) caliente(s) contienen un punto apilado (muchas "
                                "denuncias en la misma coordenada, probablemente una "
                                "comisaría): ese calor puede ser un artefacto del registro.",
                          "en": "{n} hot spot(s) contain a stacked point (many reports at one "
                                "coordinate, probably a police station): that heat may be a "
                                "recording artefact."},
    "zonas.gi_explain": {
        "es": "**Qué es un punto caliente.** Para cada hexágono se suman sus incidentes y los "
              "de sus vecinos (hasta {k} anillo(s)) y se compara esa suma con lo que cabría "
              "esperar si los incidentes estuvieran repartidos al azar en toda la zona "
              "analizada. El resultado es un puntaje z: cuanto más alto, más marcada la "
              "concentración.\n\n"
              "- **Caliente 99 %**: una concentración así aparecería por azar menos de 1 vez en "
              "100. **95 %**: menos de 5 en 100. **90 %**: menos de 10 en 100.\n"
              "- **Frío**: lo contrario, una zona con muchos menos incidentes de lo esperado "
              "alrededor.\n"
              "- **Gris**: no se distingue del azar. Los hexágonos vacíos vecinos también "
              "cuentan (con cero) para no exagerar el calor.\n"
              "- Un hexágono puede salir caliente con pocos incidentes propios si sus vecinos "
              "tienen muchos: el mapa señala **zonas**, no direcciones.\n"
              "- **Corrección FDR**: al probar miles de hexágonos, algunos saldrán "
              "significativos por pura casualidad (cerca del 5 % al 95 %). La corrección es más "
              "exigente y deja solo las zonas sólidas: úsela antes de decidir patrullajes.",
        "en": "**What a hot spot is.** For each hexagon its incidents and those of its "
              "neighbours (up to {k} ring(s)) are added and compared with what would be "
              "expected if incidents were spread at random over the whole area. The result is "
              "a z-score: the higher, the stronger the concentration.\n\n"
              "- **Hot 99 %**: such a concentration would appear by chance less than once in "
              "100. **95 %**: less than 5 in 100. **90 %**: less than 10 in 100.\n"
              "- **Cold**: the opposite, far fewer incidents around than expected.\n"
              "- **Grey**: not distinguishable from chance. Empty neighbouring hexagons count "
              "(as zero) so heat is not exaggerated.\n"
              "- A hexagon can be hot with few incidents of its own if its neighbours have "
              "many: the map points at **zones**, not addresses.\n"
              "- **FDR correction**: testing thousands of hexagons, some come out significant "
              "by pure chance (about 5 % at 95 %). The correction is stricter and keeps only "
              "solid zones: use it before deciding patrols."},
    # emerging
    "zonas.em_title": {"es": "Puntos calientes emergentes", "en": "Emerging hot spots"},
    "zonas.period": {"es": "Cortes de tiempo", "en": "Time slices"},
    "zonas.period_W": {"es": "Semanal", "en": "Weekly"},
    "zonas.period_M": {"es": "Mensual", "en": "Monthly"},
    "zonas.weeks": {"es": "semanas", "en": "weeks"},
    "zonas.months": {"es": "meses", "en": "months"},
    "zonas.widen": {"es": "Ampliar el periodo si es corto", "en": "Widen the period if short"},
    "zonas.widen_help": {"es": "El análisis necesita al menos 10 cortes de tiempo completos. Si "
                               "el periodo elegido es más corto, se toman los 12 cortes que "
                               "terminan en su fecha final.",
                         "en": "The analysis needs at least 10 whole time slices. If the chosen "
                               "period is shorter, the 12 slices ending at its last date are "
                               "used."},
    "zonas.em_short": {"es": "No se puede calcular: el periodo elegido tiene {n} {unit} "
                             "completas o completos y el análisis emergente necesita al menos "
                             "{min} para distinguir una tendencia del azar. Amplíe el periodo "
                             "en la barra lateral, active «Ampliar el periodo si es corto» o "
                             "use cortes semanales.",
                       "en": "Cannot be computed: the chosen period has {n} whole {unit} and "
                             "the emerging analysis needs at least {min} to tell a trend from "
                             "chance. Widen the period in the sidebar, turn on “Widen the "
                             "period if short” or use weekly slices."},
    "zonas.em_widened": {"es": "El periodo elegido tiene menos de {min} {unit} completas o "
                               "completos: se analizan los {n} que terminan el {end} (del "
                               "{start} al {end}). Los demás filtros se mantienen.",
                         "en": "The chosen period has fewer than {min} whole {unit}: the {n} "
                               "ending on {end} are analysed ({start} to {end}). The other "
                               "filters are kept."},
    "zonas.em_insufficient": {"es": "No se puede calcular: {msg} Con estos filtros hay "
                                    "incidentes en muy pocos {unit}. Amplíe el periodo, quite "
                                    "filtros o use otra escala de tiempo.",
                              "en": "Cannot be computed (message in Spanish): {msg} With these "
                                    "filters there are incidents in too few {unit}. Widen the "
                                    "period, remove filters or change the time slices."},
    "zonas.em_legend": {"es": "Categorías presentes (hexágonos)",
                        "en": "Categories present (hexagons)"},
    "zonas.em_summary": {"es": "{n} {unit}, del {start} al {end}; {cells} hexágonos analizados.",
                         "en": "{n} {unit}, from {start} to {end}; {cells} hexagons analysed."},
    "zonas.em_counts": {"es": "Hexágonos por categoría", "en": "Hexagons per category"},
    "zonas.em_top": {"es": "Hexágonos que piden atención (intensificándose, persistentes, "
                           "nuevos, consecutivos)",
                     "en": "Hexagons needing attention (intensifying, persistent, new, "
                           "consecutive)"},
    "zonas.em_explain": {
        "es": "**Qué es un punto caliente emergente.** El periodo se divide en {unit}; en cada "
              "corte se calcula el Gi* (¿es caliente este hexágono en ese momento?) y luego se "
              "mira la historia de cada hexágono y su tendencia (prueba de Mann-Kendall).\n\n"
              "- **Intensificándose**: caliente en al menos el 90 % de los cortes, incluido el "
              "último, y cada vez con más fuerza (tendencia creciente significativa). Es lo "
              "primero que hay que mirar.\n"
              "- **Persistente**: caliente casi siempre (90 %), sin tendencia clara.\n"
              "- **Nuevo**: caliente solo en el último corte, nunca antes.\n"
              "- **Consecutivo**: caliente en los últimos cortes seguidos, no antes.\n"
              "- **Disminuyendo**: caliente casi siempre, pero cada vez menos.\n"
              "- **Esporádico**: caliente ahora y en algunos cortes sueltos antes.\n"
              "- **Oscilante**: caliente ahora, pero fue frío en algún momento.\n"
              "- **Histórico**: caliente casi siempre, pero no en el último corte.\n"
              "- Las categorías **frías** son el espejo (menos incidentes de lo esperado). "
              "**Sin patrón**: ninguna de las anteriores.\n\n"
              "Se necesitan al menos {min} cortes; el último corte debe estar completo, por "
              "eso se usan semanas (lunes a domingo) o meses enteros.",
        "en": "**What an emerging hot spot is.** The period is split into {unit}; in each "
              "slice Gi* is computed (is this hexagon hot then?), then each hexagon's history "
              "and its trend (Mann-Kendall test) are examined.\n\n"
              "- **Intensifying**: hot in at least 90 % of the slices, including the last, and "
              "increasingly so (significant upward trend). Look at these first.\n"
              "- **Persistent**: hot almost always (90 %), no clear trend.\n"
              "- **New**: hot in the last slice only, never before.\n"
              "- **Consecutive**: hot in the last slices in a row, not before.\n"
              "- **Diminishing**: hot almost always, but less and less.\n"
              "- **Sporadic**: hot now and in a few separate earlier slices.\n"
              "- **Oscillating**: hot now, but cold at some point.\n"
              "- **Historical**: hot almost always, but not in the last slice.\n"
              "- **Cold** categories mirror these (fewer incidents than expected). **No "
              "pattern**: none of the above.\n\n"
              "At least {min} slices are needed; the last slice must be whole, so whole weeks "
              "(Monday to Sunday) or months are used."},
    # local Moran
    "zonas.lisa_title": {"es": "Agrupaciones y focos aislados (Moran local)",
                         "en": "Clusters and outliers (local Moran)"},
    "zonas.lisa_legend": {"es": "Agrupación (hexágonos)", "en": "Cluster (hexagons)"},
    "zonas.lisa_explain": {
        "es": "**Qué muestra.** Compara cada hexágono con el promedio de sus vecinos.\n\n"
              "- **Alto-alto**: muchos incidentes rodeado de hexágonos con muchos: el núcleo de "
              "una zona crítica.\n"
              "- **Bajo-bajo**: pocos incidentes rodeado de pocos.\n"
              "- **Alto-bajo**: muchos incidentes rodeado de pocos: un foco aislado (un "
              "mercado, un paradero… o un punto apilado en una comisaría).\n"
              "- **Bajo-alto**: un hexágono tranquilo dentro de una zona con muchos incidentes.\n"
              "\nLa significancia (95 %) se estima con {perms} permutaciones al azar con semilla "
              "fija, así que el resultado se repite. A diferencia del Gi*, distingue los focos "
              "aislados de las zonas calientes.",
        "en": "**What it shows.** Each hexagon is compared with the average of its "
              "neighbours.\n\n"
              "- **High-high**: many incidents surrounded by hexagons with many: the core of a "
              "hot zone.\n"
              "- **Low-low**: few incidents surrounded by few.\n"
              "- **High-low**: many incidents surrounded by few: an isolated focus (a market, "
              "a bus stop… or a stacked point at a police station).\n"
              "- **Low-high**: a quiet hexagon inside a busy zone.\n"
              "\nSignificance (95 %) comes from {perms} random permutations with a fixed seed, "
              "so the result repeats. Unlike Gi*, it separates isolated foci from hot zones."},
    # near repeat
    "zonas.knox_title": {"es": "Repetición cercana (prueba de Knox)",
                         "en": "Near repeat (Knox test)"},
    "zonas.knox_type": {"es": "Tipo de delito", "en": "Crime type"},
    "zonas.knox_perms": {"es": "Permutaciones", "en": "Permutations"},
    "zonas.knox_perms_help": {"es": "Más permutaciones: p más precisos, cálculo más lento. La "
                                    "semilla es fija: el mismo dato da el mismo resultado.",
                              "en": "More permutations: more precise p, slower. The seed is "
                                    "fixed: the same data gives the same result."},
    "zonas.knox_no_types": {"es": "No hay tipos de delito con suficientes incidentes para este "
                                  "análisis con los filtros actuales. (La violencia contra la "
                                  "mujer y los delitos sexuales no se analizan por puntos.)",
                            "en": "No crime type has enough incidents for this analysis with "
                                  "the current filters. (Violence against women and sexual "
                                  "offences are never analysed as points.)"},
    "zonas.knox_capped": {"es": "Hay {n} incidentes de este tipo: con {perms} permutaciones se "
                                "analizan los {cap} más recientes para que el cálculo sea "
                                "rápido (la tabla describe ese periodo más reciente). Acote el "
                                "periodo o los distritos, o use menos permutaciones, para "
                                "analizar más.",
                          "en": "There are {n} incidents of this type: with {perms} "
                                "permutations the {cap} most recent are analysed to keep it "
                                "fast (the table describes that latest period). Narrow the "
                                "period or districts, or use fewer permutations, to analyse "
                                "more."},
    "zonas.knox_ratio": {"es": "Razón de Knox (observado / esperado); resaltado: exceso "
                               "significativo (p < 0,05)",
                         "en": "Knox ratio (observed / expected); highlighted: significant "
                               "excess (p < 0.05)"},
    "zonas.distance": {"es": "Distancia", "en": "Distance"},
    "zonas.time": {"es": "Tiempo entre hechos", "en": "Time between events"},
    "zonas.days": {"es": "días", "en": "days"},
    "zonas.band": {"es": "{lo}–{hi} {unit}", "en": "{lo}–{hi} {unit}"},
    "zonas.band_beyond": {"es": "más de {v} {unit}", "en": "more than {v} {unit}"},
    "zonas.knox_summary": {"es": "{n} incidentes de «{type}», {perms} permutaciones, semilla "
                                 "{seed} (resultado reproducible).",
                           "en": "{n} “{type}” incidents, {perms} permutations, seed {seed} "
                                 "(reproducible result)."},
    "zonas.knox_first_sig": {"es": "**Lectura:** en {d} y {tb} hubo {obs} pares de hechos "
                                   "frente a {exp} esperados por azar: razón **{r}** (p = {p}). "
                                   "Tras un hecho, el riesgo de otro igual a menos de esa "
                                   "distancia en esos días fue un {pct} % mayor de lo normal.",
                             "en": "**Reading:** within {d} and {tb} there were {obs} pairs of "
                                   "events against {exp} expected by chance: ratio **{r}** "
                                   "(p = {p}). After an event, the risk of another one that "
                                   "close within those days was {pct} % above normal."},
    "zonas.knox_first_ns": {"es": "**Lectura:** en {d} y {tb} hubo {obs} pares frente a {exp} "
                                  "esperados: razón {r} (p = {p}), sin exceso significativo de "
                                  "repeticiones cercanas para este tipo.",
                            "en": "**Reading:** within {d} and {tb} there were {obs} pairs "
                                  "against {exp} expected: ratio {r} (p = {p}), no significant "
                                  "excess of near repeats for this type."},
    "zonas.knox_detail": {"es": "Pares observados, esperados y p por banda",
                          "en": "Observed and expected pairs and p per band"},
    "zonas.knox_explain": {
        "es": "**Qué es la repetición cercana.** Se toman todos los pares de hechos del tipo "
              "elegido y se cuentan por distancia entre ellos y por días entre uno y otro. "
              "Luego se barajan las fechas al azar (los lugares quedan fijos) para saber "
              "cuántos pares se esperarían si lugar y momento no tuvieran relación.\n\n"
              "- **Razón de Knox** = pares observados / pares esperados. Una razón de **2,1 en "
              "0–100 m y 0–7 días** significa que hubo 2,1 veces más parejas de hechos a menos "
              "de 100 m y con menos de una semana de diferencia de lo que daría el azar: tras "
              "un robo, el riesgo de otro en la misma cuadra durante la semana siguiente es "
              "cerca del doble. Es la base para reforzar el patrullaje o avisar a los vecinos "
              "alrededor de un hecho reciente durante unos días.\n"
              "- Razón cercana a 1: no hay efecto. Menor que 1: menos pares de lo esperado.\n"
              "- **Resaltadas**: bandas con exceso significativo (p < 0,05). Con {perms} "
              "permutaciones el menor p posible es {pmin}.\n"
              "- La distancia es en línea recta. Los hechos registrados en la misma coordenada "
              "(por ejemplo, la comisaría) cuentan como a 0 m e inflan la primera fila.",
        "en": "**What near repeat is.** All pairs of events of the chosen type are counted "
              "by the distance between them and the days between them. Then the dates are "
              "shuffled at random (places stay fixed) to learn how many pairs would be "
              "expected if place and time were unrelated.\n\n"
              "- **Knox ratio** = observed pairs / expected pairs. A ratio of **2.1 at 0–100 m "
              "and 0–7 days** means there were 2.1 times more pairs of events less than 100 m "
              "and less than a week apart than chance would give: after a robbery, the risk of "
              "another on the same block within the following week is about double. It is "
              "the basis for reinforcing patrols or warning neighbours around a recent event "
              "for a few days.\n"
              "- Ratio near 1: no effect. Below 1: fewer pairs than expected.\n"
              "- **Highlighted**: bands with a significant excess (p < 0.05). With {perms} "
              "permutations the smallest possible p is {pmin}.\n"
              "- Distance is a straight line. Events recorded at one coordinate (for example "
              "the police station) count as 0 m apart and inflate the first row."},
    # caveats
    "zonas.caveats_title": {"es": "Precauciones al interpretar", "en": "Caveats"},
    "zonas.caveats": {
        "es": "- **Significativo no es causal.** Un punto caliente dice dónde se concentran "
              "las denuncias, no por qué: mercados, paraderos, discotecas o más patrullaje "
              "(que registra más hechos) pueden explicarlo.\n"
              "- **Solo lo denunciado.** Solo alrededor del 15 % de las víctimas denuncia; "
              "una zona con poca denuncia puede parecer fría sin serlo.\n"
              "- **Puntos apilados.** Muchas denuncias llevan la coordenada de la comisaría y "
              "no la del lugar del hecho. Eso crea puntos calientes falsos (y repeticiones «a "
              "0 m») alrededor de la comisaría. Revise los avisos de calidad en Inicio y Datos.\n"
              "- **Escala.** El resultado cambia con el tamaño de hexágono y la vecindad; "
              "compruebe con otra resolución antes de decidir.\n"
              "- **Muchas pruebas.** Con miles de hexágonos, cerca del 5 % sale significativo "
              "al 95 % por azar: active la corrección FDR para decisiones importantes.",
        "en": "- **Significant is not causal.** A hot spot says where reports concentrate, not "
              "why: markets, bus stops, night clubs or more patrolling (which records more "
              "events) can explain it.\n"
              "- **Reported crime only.** Only about 15 % of victims report; an area with "
              "little reporting can look cold without being so.\n"
              "- **Stacked points.** Many reports carry the police station's coordinate, not "
              "the place of the event. That creates false hot spots (and “0 m” repeats) "
              "around the station. Check the quality warnings in Home and Data.\n"
              "- **Scale.** Results change with hexagon size and neighbourhood; check another "
              "resolution before deciding.\n"
              "- **Many tests.** With thousands of hexagons about 5 % come out significant at "
              "95 % by chance: turn on the FDR correction for important decisions."},
    # category labels in English (Spanish ones come from analytics.hotspots)
    "zonas.hot.hot_99": {"en": "hot 99 %"},
    "zonas.hot.hot_95": {"en": "hot 95 %"},
    "zonas.hot.hot_90": {"en": "hot 90 %"},
    "zonas.hot.not_significant": {"en": "not significant"},
    "zonas.hot.cold_90": {"en": "cold 90 %"},
    "zonas.hot.cold_95": {"en": "cold 95 %"},
    "zonas.hot.cold_99": {"en": "cold 99 %"},
    "zonas.lisa.high_high": {"en": "high-high"},
    "zonas.lisa.low_low": {"en": "low-low"},
    "zonas.lisa.high_low": {"en": "high-low"},
    "zonas.lisa.low_high": {"en": "low-high"},
    "zonas.lisa.not_significant": {"en": "not significant"},
    "zonas.emerging.new_hot": {"en": "new hot spot"},
    "zonas.emerging.consecutive_hot": {"en": "consecutive hot spot"},
    "zonas.emerging.intensifying_hot": {"en": "intensifying hot spot"},
    "zonas.emerging.persistent_hot": {"en": "persistent hot spot"},
    "zonas.emerging.diminishing_hot": {"en": "diminishing hot spot"},
    "zonas.emerging.sporadic_hot": {"en": "sporadic hot spot"},
    "zonas.emerging.oscillating_hot": {"en": "oscillating hot spot"},
    "zonas.emerging.historical_hot": {"en": "historical hot spot"},
    "zonas.emerging.new_cold": {"en": "new cold spot"},
    "zonas.emerging.consecutive_cold": {"en": "consecutive cold spot"},
    "zonas.emerging.intensifying_cold": {"en": "intensifying cold spot"},
    "zonas.emerging.persistent_cold": {"en": "persistent cold spot"},
    "zonas.emerging.diminishing_cold": {"en": "diminishing cold spot"},
    "zonas.emerging.sporadic_cold": {"en": "sporadic cold spot"},
    "zonas.emerging.oscillating_cold": {"en": "oscillating cold spot"},
    "zonas.emerging.historical_cold": {"en": "historical cold spot"},
    "zonas.emerging.no_pattern": {"en": "no pattern"},
    # --- pronóstico (issue 4: pages/pronostico.py)
    "pronostico.title": {"es": "Pronóstico", "en": "Forecast"},
    "pronostico.intro": {"es": "Incidentes esperados por hexágono para el día y los turnos que "
                               "elija, calculados con los registros policiales anteriores a ese "
                               "día. Úselo para decidir dónde reforzar el patrullaje.",
                         "en": "Expected incidents per hexagon for the day and shifts you "
                               "choose, computed from the police records before that day. Use "
                               "it to decide where to reinforce patrols."},
    "pronostico.day": {"es": "Día", "en": "Day"},
    "pronostico.day_help": {"es": "Por defecto, el día siguiente al último día con datos "
                                  "({d}). Un día pasado se pronostica como se habría hecho esa "
                                  "mañana y se compara con lo que ocurrió (cada día pasado "
                                  "se calcula aparte: puede tardar).",
                            "en": "By default, the day after the last day with data ({d}). A "
                                  "past day is forecast as it would have been that morning and "
                                  "compared with what happened (each past day is computed "
                                  "on its own: it may take a while)."},
    "pronostico.shifts": {"es": "Turnos", "en": "Shifts"},
    "pronostico.shifts_all": {"es": "Todos los turnos", "en": "All shifts"},
    "pronostico.shifts_help": {"es": "Se suman los incidentes esperados de los turnos marcados. "
                                     "Sin ninguno marcado, se usan todos.",
                               "en": "The expected incidents of the marked shifts are added "
                                     "up. With none marked, all are used."},
    "pronostico.group": {"es": "Grupo de delito", "en": "Crime group"},
    "pronostico.group_all": {"es": "Todos los delitos", "en": "All crimes"},
    "pronostico.model": {"es": "Modelo", "en": "Model"},
    "pronostico.model_help": {"es": "El modelo recomendado aprende de toda la historia; los "
                                    "demás son los mapas que haría un analista (últimos 28 "
                                    "días, mismo turno, etc.). Compárelos abajo en la "
                                    "evaluación.",
                              "en": "The recommended model learns from the whole history; the "
                                    "others are the maps an analyst would draw (last 28 days, "
                                    "same shift, etc.). Compare them below in the evaluation."},
    "pronostico.model.retro28": {"es": "Últimos 28 días (todos los turnos)",
                                 "en": "Last 28 days (all shifts)"},
    "pronostico.model.retro_shift": {"es": "Últimos 56 días, mismo turno",
                                     "en": "Last 56 days, same shift"},
    "pronostico.model.longrun": {"es": "Toda la historia, mismo turno",
                                 "en": "Whole history, same shift"},
    "pronostico.model.prospective": {"es": "Prospectivo (recientes y cercanos pesan más)",
                                     "en": "Prospective (recent and nearby weigh more)"},
    "pronostico.model.boosted": {"es": "Modelo de aprendizaje", "en": "Learning model"},
    "pronostico.recommended": {"es": "{name} (recomendado)", "en": "{name} (recommended)"},
    "pronostico.scope": {"es": "Área: {area}. Resolución H3 {res} (barra lateral). Las fechas, "
                               "tipos, turnos y días de la barra lateral no se aplican: el "
                               "pronóstico usa toda la historia.",
                         "en": "Area: {area}. H3 resolution {res} (sidebar). The sidebar's "
                               "dates, types, shifts and weekdays do not apply: the forecast "
                               "uses the whole history."},
    "pronostico.scope_all": {"es": "todos los distritos", "en": "every district"},
    "pronostico.computing": {"es": "Calculando el pronóstico (la primera vez puede tardar; "
                                   "luego queda guardado)…",
                             "en": "Computing the forecast (the first time may take a while; "
                                   "then it is kept)…"},
    "pronostico.legend": {"es": "Incidentes esperados por hexágono",
                          "en": "Expected incidents per hexagon"},
    "pronostico.legend_note": {"es": "Colores fijos para todos los días pronosticados con los "
                                     "mismos turnos: un color significa lo mismo cada día.",
                               "en": "Colours are fixed for every forecast day with the same "
                                     "shifts: a colour means the same on every day."},
    "pronostico.tooltip": {"es": "<b>{district}</b><br/>Esperados: {exp}<br/>Rango probable: "
                                 "{rng}",
                           "en": "<b>{district}</b><br/>Expected: {exp}<br/>Likely range: "
                                 "{rng}"},
    "pronostico.no_cells": {"es": "No hay incidentes anteriores con ubicación para este grupo y "
                                  "área: no se puede pronosticar.",
                            "en": "There are no earlier located incidents for this group and "
                                  "area: nothing to forecast."},
    "pronostico.summary": {"es": "{day}, {shifts}: se esperan **{total}** incidentes en {n} "
                                 "hexágonos; los 10 hexágonos principales concentran el "
                                 "**{share} %**.",
                           "en": "{day}, {shifts}: **{total}** incidents are expected over {n} "
                                 "hexagons; the top 10 hexagons hold **{share} %**."},
    "pronostico.summary_actual": {"es": "Ocurrieron {n} incidentes registrados; {hits} en los 10 "
                                        "hexágonos principales.",
                                  "en": "{n} recorded incidents happened; {hits} in the top 10 "
                                        "hexagons."},
    "pronostico.top": {"es": "Hexágonos con más incidentes esperados",
                       "en": "Hexagons with most expected incidents"},
    "pronostico.col_rank": {"es": "N.º", "en": "No."},
    "pronostico.col_district": {"es": "Distrito", "en": "District"},
    "pronostico.col_expected": {"es": "Incidentes esperados", "en": "Expected incidents"},
    "pronostico.col_range": {"es": "Rango probable (5–95 %)", "en": "Likely range (5–95 %)"},
    "pronostico.col_actual": {"es": "Ocurridos", "en": "Happened"},
    "pronostico.col_cell": {"es": "Hexágono (H3)", "en": "Hexagon (H3)"},
    "pronostico.range_note": {"es": "Rango probable: en 90 de cada 100 días como este, el número "
                                    "de incidentes del hexágono quedaría en ese rango si el "
                                    "valor esperado es correcto (azar de Poisson; no incluye el "
                                    "error del propio modelo).",
                              "en": "Likely range: on 90 of 100 days like this one, the "
                                    "hexagon's count would fall in that range if the expected "
                                    "value is right (Poisson chance; it leaves out the model's "
                                    "own error)."},
    "pronostico.no_range": {"es": "Este modelo no da un rango de incertidumbre: solo el valor "
                                  "esperado.",
                            "en": "This model gives no uncertainty range: only the expected "
                                  "value."},
    "pronostico.to_plan": {"es": "Planificar el patrullaje de este día y turnos",
                           "en": "Plan patrols for this day and shifts"},
    "pronostico.eval_title": {"es": "¿Qué tan bueno es este pronóstico?",
                              "en": "How good is this forecast?"},
    "pronostico.eval_intro": {"es": "La evaluación repite el pronóstico en semanas pasadas, como "
                                    "si se hubiera hecho entonces, y lo compara con lo que "
                                    "ocurrió turno por turno. Se calcula con los datos cargados, "
                                    "el grupo de delito y el área elegidos.",
                              "en": "The evaluation repeats the forecast on past weeks, as if "
                                    "made back then, and compares it with what happened, shift "
                                    "by shift. It uses the loaded data, the chosen crime group "
                                    "and area."},
    "pronostico.explain": {
        "es": "- **Tasa de acierto**: de cada 100 incidentes de la ventana (un turno), cuántos "
              "ocurrieron en las celdas señaladas (el 1 %, 2 %, 5 % o 10 % de los hexágonos con "
              "más incidentes esperados).\n"
              "- **PAI** (índice de precisión): cuántas veces mejor que patrullar al azar la "
              "misma superficie. PAI 1 es igual al azar; PAI 10 significa que esa pequeña área "
              "recoge 10 veces más incidentes de lo que le tocaría por su tamaño.\n"
              "- **PEI** (índice de eficiencia): qué tan cerca está de la mejor elección "
              "posible, la que solo se conoce después. 1 = perfecto; 0,5 = la mitad de los "
              "incidentes que habría captado el mejor mapa del mismo tamaño.",
        "en": "- **Hit rate**: of every 100 incidents of the window (one shift), how many "
              "happened in the flagged cells (the 1 %, 2 %, 5 % or 10 % of hexagons with most "
              "expected incidents).\n"
              "- **PAI** (predictive accuracy index): how many times better than patrolling the "
              "same area at random. PAI 1 equals chance; PAI 10 means that small area catches 10 "
              "times more incidents than its size would suggest.\n"
              "- **PEI** (predictive efficiency index): how close to the best possible choice, "
              "known only afterwards. 1 = perfect; 0.5 = half the incidents the best map of the "
              "same size would have caught."},
    "pronostico.origins": {"es": "Semanas evaluadas", "en": "Weeks evaluated"},
    "pronostico.origins_help": {"es": "Las últimas semanas con datos. Más semanas dan una cifra "
                                      "más estable pero tardan más.",
                                "en": "The last weeks with data. More weeks give a steadier "
                                      "figure but take longer."},
    "pronostico.run_eval": {"es": "Calcular evaluación", "en": "Compute evaluation"},
    "pronostico.eval_slow": {"es": "Tarda más que el mapa (con el modelo recomendado, uno o "
                                   "varios minutos); el resultado queda guardado.",
                             "en": "Slower than the map (with the recommended model, one or "
                                   "several minutes); the result is kept."},
    "pronostico.eval_computing": {"es": "Calculando la evaluación de {n} semanas y {m} modelos…",
                                  "en": "Computing the evaluation of {n} weeks and {m} models…"},
    "pronostico.eval_weeks": {"es": "Semanas que empiezan el {days}; ventanas de turno.",
                              "en": "Weeks starting on {days}; shift windows."},
    "pronostico.col_model": {"es": "Modelo", "en": "Model"},
    "pronostico.tab_hit": {"es": "Tasa de acierto (de cada 100)",
                           "en": "Hit rate (out of 100)"},
    "pronostico.tab_pai": {"es": "PAI (veces mejor que al azar)",
                           "en": "PAI (times better than chance)"},
    "pronostico.tab_pei": {"es": "PEI (de 0 a 1)", "en": "PEI (0 to 1)"},
    "pronostico.col_cov": {"es": "{p} % del área", "en": "{p} % of the area"},
    "pronostico.col_windows": {"es": "Turnos evaluados", "en": "Shifts scored"},
    "pronostico.ratio": {"es": "Señalando el {p} % de los hexágonos, el modelo recomendado "
                               "acierta {hit} de cada 100 incidentes; el mejor método "
                               "tradicional ({base}), {bhit}: **{ratio} veces** lo de ese "
                               "método.",
                         "en": "Flagging {p} % of the hexagons, the recommended model catches "
                               "{hit} of every 100 incidents; the best traditional method "
                               "({base}), {bhit}: **{ratio} times** that method."},
    "pronostico.curve": {"es": "Tasa de acierto según el área señalada",
                         "en": "Hit rate versus area flagged"},
    "pronostico.curve_note": {"es": "Cuanto más arriba y a la izquierda, mejor: más incidentes "
                                    "con menos área. La diagonal punteada es patrullar al azar.",
                              "en": "Higher and further left is better: more incidents with "
                                    "less area. The dotted diagonal is patrolling at random."},
    "pronostico.curve_x": {"es": "Área señalada (% de hexágonos)",
                           "en": "Area flagged (% of hexagons)"},
    "pronostico.curve_y": {"es": "Acertados (%)", "en": "Caught (%)"},
    "pronostico.caveats_title": {"es": "Límites que debe tener en cuenta",
                                 "en": "Limits to keep in mind"},
    "pronostico.caveats": {
        "es": "- Solo cuenta lo que se denuncia y se registra: donde la gente denuncia poco "
              "(solo ~15 % de las víctimas lo hace), el mapa se verá más tranquilo de lo que "
              "es.\n"
              "- El pronóstico repite el pasado de los registros policiales, no mide el riesgo "
              "en sí: si se patrulla y registra más en una zona, esa zona seguirá apareciendo.\n"
              "- Las denuncias sin dirección exacta suelen quedar en el punto de la comisaría: "
              "esos hexágonos pueden aparecer como críticos sin serlo.",
        "en": "- It only counts what is reported and recorded: where people report little (only "
              "~15 % of victims do), the map looks calmer than it is.\n"
              "- The forecast repeats the past of police records, it does not measure risk "
              "itself: if an area is patrolled and recorded more, it will keep appearing.\n"
              "- Reports without an exact address often sit at the police station's point: "
              "those hexagons can look critical without being so."},
    "pronostico.stacked": {"es": "En estos datos hay {n} puntos apilados (posibles comisarías).",
                           "en": "These data hold {n} stacked points (possible police "
                                 "stations)."},
    # --- data tables (quarantine, import history)
    "dcol.import_id": {"es": "Importación", "en": "Import"},
    "dcol.imported_at": {"es": "Fecha de importación", "en": "Imported at"},
    "dcol.source": {"es": "Fuente", "en": "Source"},
    "dcol.file_name": {"es": "Archivo", "en": "File"},
    "dcol.row_number": {"es": "Fila", "en": "Row"},
    "dcol.reason": {"es": "Motivo", "en": "Reason"},
    "dcol.reason_text": {"es": "Explicación", "en": "Explanation"},
    "dcol.incident_id": {"es": "Identificador", "en": "Identifier"},
    "dcol.occurred_at_raw": {"es": "Fecha y hora (texto)", "en": "Date-time (raw)"},
    "dcol.date_raw": {"es": "Fecha (texto)", "en": "Date (raw)"},
    "dcol.time_raw": {"es": "Hora (texto)", "en": "Time (raw)"},
    "dcol.lat_raw": {"es": "Latitud (texto)", "en": "Latitude (raw)"},
    "dcol.lon_raw": {"es": "Longitud (texto)", "en": "Longitude (raw)"},
    "dcol.crime_type_raw": {"es": "Tipo (texto)", "en": "Type (raw)"},
    "dcol.district_raw": {"es": "Distrito (texto)", "en": "District (raw)"},
    "dcol.rows_read": {"es": "Filas leídas", "en": "Rows read"},
    "dcol.accepted": {"es": "Aceptadas", "en": "Accepted"},
    "dcol.duplicates": {"es": "Duplicadas", "en": "Duplicates"},
    "dcol.quarantined": {"es": "En cuarentena", "en": "Quarantined"},
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
    # --- login, reportes, admin (issue 7)
    "login.title": {"es": "Iniciar sesión", "en": "Sign in"},
    "login.intro": {"es": "Vigía tiene usuarios configurados: ingrese con su usuario y "
                          "contraseña. Si no tiene cuenta, pídala al administrador.",
                    "en": "Vigía has users configured: sign in with your user name and "
                          "password. Ask the administrator for an account."},
    "login.username": {"es": "Usuario", "en": "User name"},
    "login.password": {"es": "Contraseña", "en": "Password"},
    "login.submit": {"es": "Ingresar", "en": "Sign in"},
    "login.empty": {"es": "Ingrese usuario y contraseña.",
                    "en": "Enter your user name and password."},
    "login.wrong": {"es": "Usuario o contraseña incorrectos.",
                    "en": "Wrong user name or password."},
    "login.too_many": {"es": "Demasiados intentos fallidos. Espere {s} segundos y vuelva a "
                             "intentarlo.",
                       "en": "Too many failed attempts. Wait {s} seconds and try again."},
    "login.store_error": {"es": "No se pudo verificar el usuario: {msg}",
                          "en": "The user could not be checked: {msg}"},
    "login.user": {"es": "Usuario: {user}", "en": "User: {user}"},
    "login.logout": {"es": "Cerrar sesión", "en": "Sign out"},
    "login.forbidden": {"es": "Sin permiso: su rol ({role}) no puede abrir esta página. Elija "
                              "otra página del menú o pida acceso al administrador.",
                        "en": "No permission: your role ({role}) cannot open this page. Choose "
                              "another page from the menu or ask the administrator."},
    "reportes.title": {"es": "Reportes Codisec", "en": "Codisec reports"},
    "reportes.intro": {"es": "Indicadores por distrito para el periodo elegido, comparados con "
                             "el periodo anterior, el mismo periodo del año anterior y la línea "
                             "base. Este informe no usa los filtros de la barra lateral: cuenta "
                             "todos los delitos del distrito.",
                       "en": "Indicators per district for the chosen period, compared with the "
                             "previous period, the same period last year and the baseline. This "
                             "report ignores the sidebar filters: it counts every crime in the "
                             "district."},
    "reportes.districts": {"es": "Distritos", "en": "Districts"},
    "reportes.freq": {"es": "Tipo de periodo", "en": "Kind of period"},
    "reportes.freq_M": {"es": "Mes", "en": "Month"},
    "reportes.freq_Q": {"es": "Trimestre", "en": "Quarter"},
    "reportes.freq_Y": {"es": "Año", "en": "Year"},
    "reportes.period": {"es": "Periodo del informe", "en": "Report period"},
    "reportes.incomplete": {"es": "{label} (datos incompletos)", "en": "{label} (incomplete data)"},
    "reportes.baseline": {"es": "Línea base", "en": "Baseline"},
    "reportes.baseline_help": {"es": "Periodo de referencia; si es más largo que el informe (p. "
                                     "ej. un año para un trimestre) se escala a la misma "
                                     "duración.",
                               "en": "Reference period; a longer one (e.g. a year for a quarter) "
                                     "is scaled to the same length."},
    "reportes.no_baseline": {"es": "(sin línea base)", "en": "(no baseline)"},
    "reportes.baseline_opt": {"es": "{label} ({kind})", "en": "{label} ({kind})"},
    "reportes.goal": {"es": "Meta (% respecto de la línea base)",
                      "en": "Goal (% change vs baseline)"},
    "reportes.goal_help": {"es": "-10 significa reducir los incidentes un 10 % respecto de la "
                                 "línea base.",
                           "en": "-10 means reducing incidents by 10 % against the baseline."},
    "reportes.top": {"es": "Zonas críticas por distrito", "en": "Hotspots per district"},
    "reportes.public": {"es": "Versión pública", "en": "Public version"},
    "reportes.public_help": {"es": "Solo agregados: celdas de resolución 8 o mayores, cifras "
                                   "menores que {k} ocultas, sin puntos ni texto libre.",
                             "en": "Aggregates only: resolution 8 or coarser, counts below {k} "
                                   "hidden, no points or free text."},
    "reportes.public_forced": {"es": "Su rol solo puede ver y descargar la versión pública.",
                               "en": "Your role can only see and download the public version."},
    "reportes.population": {"es": "Población por distrito (editable)",
                            "en": "Population per district (editable)"},
    "reportes.population_help": {"es": "Corrija la población si tiene una cifra más reciente; "
                                       "los cambios valen solo para su sesión.",
                                 "en": "Correct the population if you have a newer figure; "
                                       "changes apply to your session only."},
    "reportes.population_reset": {"es": "Restablecer población", "en": "Reset population"},
    "reportes.col_source": {"es": "Fuente", "en": "Source"},
    "reportes.population_edited": {"es": "Población editada en esta sesión.",
                                   "en": "Population edited in this session."},
    "reportes.no_districts": {"es": "Elija al menos un distrito.",
                              "en": "Choose at least one district."},
    "reportes.no_periods": {"es": "No hay periodos con datos.", "en": "No periods with data."},
    "reportes.incomplete_warn": {"es": "Los datos no cubren todo el periodo {label}: las cifras "
                                       "son parciales.",
                                 "en": "The data does not cover the whole period {label}: "
                                       "figures are partial."},
    "reportes.metric_count": {"es": "{district}: incidentes", "en": "{district}: incidents"},
    "reportes.metric_rate": {"es": "Tasa por 10 mil hab.", "en": "Rate per 10k inhabitants"},
    "reportes.metric_base": {"es": "vs línea base", "en": "vs baseline"},
    "reportes.metric_goal": {"es": "Meta: {goal} incidentes", "en": "Goal: {goal} incidents"},
    "reportes.delta_prev": {"es": "{pct} % vs anterior", "en": "{pct} % vs previous"},
    "reportes.tab_indicators": {"es": "Indicadores", "en": "Indicators"},
    "reportes.tab_groups": {"es": "Por grupo", "en": "By group"},
    "reportes.tab_types": {"es": "Por tipo", "en": "By type"},
    "reportes.tab_hotspots": {"es": "Zonas críticas", "en": "Hotspots"},
    "reportes.tab_maps": {"es": "Mapas", "en": "Maps"},
    "reportes.tab_notes": {"es": "Notas", "en": "Notes"},
    "reportes.tab_public": {"es": "Incidentes por grupo", "en": "Incidents by group"},
    "reportes.tab_cells": {"es": "Celdas publicadas", "en": "Published cells"},
    "reportes.chart_groups": {"es": "Incidentes por grupo de delito en {period}",
                              "en": "Incidents by crime group in {period}"},
    "reportes.chart_trend": {"es": "Tendencia mensual (últimos {n} meses)",
                             "en": "Monthly trend (last {n} months)"},
    "reportes.chart_trend_public": {"es": "Suma de las cifras publicadas de cada mes.",
                                    "en": "Sum of the published counts of each month."},
    "reportes.col_month": {"es": "Mes", "en": "Month"},
    "reportes.col_kind": {"es": "Serie", "en": "Series"},
    "reportes.series_period": {"es": "Periodo", "en": "Period"},
    "reportes.series_base": {"es": "Línea base", "en": "Baseline"},
    "reportes.user_notes": {"es": "Observaciones para el informe",
                            "en": "Remarks for the report"},
    "reportes.user_notes_help": {"es": "Se añaden a las notas del Excel y del PDF. No escriba "
                                       "nombres, direcciones ni datos personales.",
                                 "en": "Added to the notes of the Excel and PDF files. Do not "
                                       "write names, addresses or personal data."},
    "reportes.downloads": {"es": "Descargas", "en": "Downloads"},
    "reportes.prepare": {"es": "Preparar Excel y PDF", "en": "Prepare Excel and PDF"},
    "reportes.prepare_help": {"es": "Genera los archivos del informe tal como se ve en pantalla "
                                    "y registra la exportación en la auditoría.",
                              "en": "Builds the report files as shown on screen and records the "
                                    "export in the audit log."},
    "reportes.preparing": {"es": "Preparando los documentos…", "en": "Preparing the documents…"},
    "reportes.ready": {"es": "Documentos listos (exportación registrada en la auditoría).",
                       "en": "Documents ready (export recorded in the audit log)."},
    "reportes.xlsx": {"es": "Descargar Excel", "en": "Download Excel"},
    "reportes.pdf": {"es": "Descargar PDF", "en": "Download PDF"},
    "reportes.audit_failed": {"es": "No se pudo registrar la exportación en la auditoría (el "
                                    "almacén está en uso por otro proceso). Por seguridad no se "
                                    "entregan los archivos: reintente en unos segundos.",
                              "en": "The export could not be recorded in the audit log (the "
                                    "store is in use by another process). For safety the files "
                                    "are not handed out: retry in a few seconds."},
    "reportes.no_export": {"es": "Su rol no permite exportar esta versión.",
                           "en": "Your role cannot export this version."},
    "reportes.doc_title": {"es": "Informe Codisec: {districts}"},
    "reportes.doc_internal": {"es": "Documento de uso interno (Ley 29733). Preparado por: "
                                    "{user}."},
    "reportes.doc_public": {"es": "Versión pública: solo agregados, cifras pequeñas suprimidas."},
    "reportes.doc_user_note": {"es": "Observaciones: {text}"},
    "admin.title": {"es": "Administración", "en": "Administration"},
    "admin.demo": {"es": "Modo demostración: aún no hay usuarios. El primer usuario debe ser "
                         "administrador; al crearlo, su sesión continúa con ese usuario y la "
                         "aplicación pedirá iniciar sesión a todos los demás.",
                   "en": "Demo mode: no users yet. The first user must be an administrator; "
                         "once created, your session continues as that user and everybody "
                         "else must sign in."},
    "admin.users": {"es": "Usuarios", "en": "Users"},
    "admin.no_users": {"es": "No hay usuarios configurados.", "en": "No users configured."},
    "admin.col_user": {"es": "Usuario", "en": "User"},
    "admin.col_role": {"es": "Rol", "en": "Role"},
    "admin.col_created": {"es": "Creado", "en": "Created"},
    "admin.col_updated": {"es": "Actualizado", "en": "Updated"},
    "admin.col_time": {"es": "Fecha y hora", "en": "Time"},
    "admin.col_action": {"es": "Acción", "en": "Action"},
    "admin.col_detail": {"es": "Detalle", "en": "Detail"},
    "admin.add": {"es": "Agregar usuario", "en": "Add user"},
    "admin.username": {"es": "Nombre de usuario", "en": "User name"},
    "admin.username_help": {"es": "3 a 32 caracteres: minúsculas sin tildes, números, punto, "
                                  "guion o guion bajo.",
                            "en": "3 to 32 characters: lower-case letters, digits, dot, dash "
                                  "or underscore."},
    "admin.role": {"es": "Rol", "en": "Role"},
    "admin.password": {"es": "Contraseña", "en": "Password"},
    "admin.password2": {"es": "Repita la contraseña", "en": "Repeat the password"},
    "admin.password_help": {"es": "Al menos {n} caracteres.", "en": "At least {n} characters."},
    "admin.mismatch": {"es": "Las contraseñas no coinciden.", "en": "The passwords do not match."},
    "admin.added": {"es": "Usuario {user} creado con el rol {role}.",
                    "en": "User {user} created with role {role}."},
    "admin.first_admin": {"es": "El primer usuario debe tener el rol administrador.",
                          "en": "The first user must be an administrator."},
    "admin.manage": {"es": "Modificar un usuario", "en": "Change a user"},
    "admin.pick_user": {"es": "Usuario", "en": "User"},
    "admin.new_role": {"es": "Nuevo rol", "en": "New role"},
    "admin.set_role": {"es": "Cambiar rol", "en": "Change role"},
    "admin.role_changed": {"es": "Rol de {user} cambiado a {role}.",
                           "en": "Role of {user} changed to {role}."},
    "admin.new_password": {"es": "Nueva contraseña", "en": "New password"},
    "admin.reset": {"es": "Restablecer contraseña", "en": "Reset password"},
    "admin.reset_done": {"es": "Contraseña de {user} restablecida.",
                         "en": "Password of {user} reset."},
    "admin.remove": {"es": "Eliminar usuario", "en": "Remove user"},
    "admin.remove_confirm": {"es": "Confirmo que quiero eliminar a {user}",
                             "en": "I confirm I want to remove {user}"},
    "admin.removed": {"es": "Usuario {user} eliminado.", "en": "User {user} removed."},
    "admin.locked": {"es": "El almacén está en uso por otro proceso; no se guardó el cambio. "
                           "Reintente en unos segundos.",
                     "en": "The store is in use by another process; the change was not "
                           "saved. Retry in a few seconds."},
    "admin.audit": {"es": "Registro de auditoría", "en": "Audit log"},
    "admin.audit_help": {"es": "Quién importó, exportó, planificó o cambió qué, y cuándo (hora "
                               "de Lima). Se muestran las {n} entradas más recientes.",
                         "en": "Who imported, exported, planned or changed what, and when (Lima "
                               "time). The {n} most recent entries are shown."},
    "admin.filter_user": {"es": "Filtrar por usuario", "en": "Filter by user"},
    "admin.filter_action": {"es": "Filtrar por acción", "en": "Filter by action"},
    "admin.all": {"es": "(todos)", "en": "(all)"},
    "admin.audit_empty": {"es": "No hay entradas de auditoría con estos filtros.",
                          "en": "No audit entries match these filters."},
    "admin.audit_csv": {"es": "Descargar auditoría (CSV)", "en": "Download audit log (CSV)"},
    # --- plan de patrullaje (issue 5)
    "plan.title": {"es": "Plan de patrullaje", "en": "Patrol plan"},
    "plan.intro": {"es": "Vigía elige los puntos de patrullaje que cubren más incidentes "
                         "esperados en el turno (solución exacta), los reparte entre las unidades "
                         "y arma el circuito de cada una: 15 minutos en cada punto y vuelta a "
                         "cada punto al menos cada 2 horas.",
                   "en": "Vigía picks the patrol points that cover the most expected incidents "
                         "in the shift (exact solution), splits them among the units and builds "
                         "each unit's loop: 15 minutes at each point, back at each point at "
                         "least every 2 hours."},
    "plan.source": {"es": "Pronóstico", "en": "Forecast"},
    "plan.source_store": {"es": "Calcular con los datos cargados",
                          "en": "Compute from the loaded data"},
    "plan.source_file": {"es": "Subir archivo de pronóstico", "en": "Upload a forecast file"},
    "plan.day": {"es": "Día", "en": "Day"},
    "plan.day_help": {"es": "Por defecto, el día siguiente al último dato ({last}). El "
                            "pronóstico usa solo los incidentes anteriores a este día.",
                      "en": "By default the day after the last data ({last}). The forecast "
                            "uses only incidents before this day."},
    "plan.shift": {"es": "Turno", "en": "Shift"},
    "plan.group": {"es": "Delitos a prevenir", "en": "Crimes to prevent"},
    "plan.all_groups": {"es": "Todos los delitos", "en": "All crimes"},
    "plan.forecasting": {"es": "Calculando el pronóstico del día…",
                         "en": "Computing the day's forecast…"},
    "plan.forecast_from_store": {"es": "Pronóstico por hexágono (resolución {res}) entrenado con "
                                       "los datos hasta el {last}.",
                                 "en": "Forecast per hexagon (resolution {res}) trained on the "
                                       "data up to {last}."},
    "plan.forecast_file": {"es": "Archivo de pronóstico", "en": "Forecast file"},
    "plan.forecast_file_help": {"es": "El archivo que escribe `python -m analytics forecast` "
                                      "(columnas h3, window_start, window_end, expected).",
                                "en": "The file written by `python -m analytics forecast` "
                                      "(columns h3, window_start, window_end, expected)."},
    "plan.need_file": {"es": "Suba un archivo de pronóstico para planificar.",
                       "en": "Upload a forecast file to plan."},
    "plan.bad_forecast": {"es": "El archivo no parece un pronóstico de Vigía: faltan las "
                                "columnas {cols}.",
                          "en": "The file does not look like a Vigía forecast: missing "
                                "columns {cols}."},
    "plan.window": {"es": "Turno del pronóstico", "en": "Forecast window"},
    "plan.empty_window": {"es": "El pronóstico no espera incidentes en este turno: no hay nada "
                                "que planificar. Elija otro día o turno.",
                          "en": "The forecast expects no incidents in this shift: nothing to "
                                "plan. Choose another day or shift."},
    "plan.units": {"es": "Unidades en el turno", "en": "Units in the shift"},
    "plan.units_help": {"es": "Patrulleros, motos o serenos disponibles para el patrullaje "
                              "preventivo.",
                        "en": "Patrol cars, motorbikes or Serenazgo units available for "
                              "preventive patrol."},
    "plan.radius": {"es": "Radio de cobertura (m)", "en": "Coverage radius (m)"},
    "plan.radius_help": {"es": "Una unidad en un punto cubre lo que está a esta distancia; "
                               "400 m son unas 4 cuadras.",
                         "en": "A unit at a point covers what lies within this distance; "
                               "400 m is about 4 blocks."},
    "plan.dwell": {"es": "Permanencia en cada punto (min)", "en": "Time at each point (min)"},
    "plan.dwell_help": {"es": "Curva de Koper: 10 a 16 minutos de presencia disuaden por más "
                              "tiempo. Cada punto se revisita al menos cada {revisit} min.",
                        "en": "Koper curve: 10 to 16 minutes of presence deter for longer. "
                              "Each point is revisited at least every {revisit} min."},
    "plan.constraints": {"es": "Puestos fijos, celdas excluidas y plan actual",
                         "en": "Fixed posts, excluded cells and current plan"},
    "plan.fixed": {"es": "Puestos fijos (se mantienen)", "en": "Fixed posts (kept)"},
    "plan.fixed_help": {"es": "Hexágonos que deben estar en el plan (p. ej. un punto de "
                              "vigilancia obligatorio). Sin plan actual subido, se comparan con "
                              "el plan propuesto.",
                        "en": "Hexagons that must be in the plan (e.g. a mandatory watch "
                              "point). Without an uploaded current plan, they are compared "
                              "with the proposed plan."},
    "plan.excluded": {"es": "Celdas excluidas (nunca se eligen)",
                      "en": "Excluded cells (never chosen)"},
    "plan.excluded_help": {"es": "Hexágonos donde no se puede patrullar o ya cubiertos por otra "
                                 "institución.",
                           "en": "Hexagons that cannot be patrolled or are covered by another "
                                 "institution."},
    "plan.current": {"es": "Plan actual (CSV con columna h3)",
                     "en": "Current plan (CSV with an h3 column)"},
    "plan.current_help": {"es": "Los puntos que patrullan hoy, para comparar cuántos incidentes "
                                "esperados cubre cada plan.",
                          "en": "Today's patrol points, to compare how many expected incidents "
                                "each plan covers."},
    "plan.current_bad": {"es": "El plan actual necesita una columna h3 con los hexágonos.",
                         "en": "The current plan needs an h3 column with the hexagons."},
    "plan.current_uploaded": {"es": "plan actual subido ({n} puntos)",
                              "en": "uploaded current plan ({n} points)"},
    "plan.current_fixed": {"es": "solo los puestos fijos ({n} puntos)",
                           "en": "the fixed posts only ({n} points)"},
    "plan.current_error": {"es": "No se pudo evaluar el plan actual: {msg}",
                           "en": "The current plan could not be scored (message in Spanish): "
                                 "{msg}"},
    "plan.generate": {"es": "Generar plan", "en": "Generate plan"},
    "plan.solving": {"es": "Buscando el mejor plan…", "en": "Looking for the best plan…"},
    "plan.press_generate": {"es": "Revise las opciones y pulse **Generar plan**.",
                            "en": "Check the options and press **Generate plan**."},
    "plan.stale": {"es": "Cambió alguna opción: pulse **Generar plan** para actualizar el plan.",
                   "en": "An option changed: press **Generate plan** to update the plan."},
    "plan.audit_failed": {"es": "El plan no quedó registrado en la auditoría (el almacén está en "
                                "uso por otro proceso). Vuelva a generarlo en unos segundos.",
                          "en": "The plan was not written to the audit log (the store is in use "
                                "by another process). Generate it again in a few seconds."},
    "plan.result": {"es": "Plan del turno {shift}, {day}", "en": "Plan for the {shift} shift, {day}"},
    "plan.m_covered": {"es": "Incidentes esperados cubiertos", "en": "Expected incidents covered"},
    "plan.m_covered_help": {"es": "De {total} esperados en el turno en toda la zona pronosticada.",
                            "en": "Out of {total} expected in the shift over the forecast area."},
    "plan.m_share": {"es": "Parte del riesgo cubierta", "en": "Share of risk covered"},
    "plan.m_points": {"es": "Puntos de patrullaje", "en": "Patrol points"},
    "plan.m_points_help": {"es": "Hasta {k} puntos por unidad: los que caben en un circuito de "
                                 "2 horas con la permanencia elegida.",
                           "en": "Up to {k} points per unit: what fits a 2-hour loop with the "
                                 "chosen time at each point."},
    "plan.m_solver": {"es": "Calidad de la solución", "en": "Solution quality"},
    "plan.m_solver_help": {"es": "Calculado en {s} s. «Óptimo demostrado»: ningún otro plan con "
                                 "los mismos puntos cubre más. «Brecha»: a lo sumo ese porcentaje "
                                 "por debajo del óptimo.",
                           "en": "Computed in {s} s. 'Proven optimum': no other plan with the "
                                 "same number of points covers more. 'Gap': at most that "
                                 "percentage below the optimum."},
    "plan.status_optimal": {"es": "Óptimo demostrado", "en": "Proven optimum"},
    "plan.status_gap": {"es": "Brecha {gap} %", "en": "Gap {gap} %"},
    "plan.status_time_limit": {"es": "Tiempo agotado, brecha {gap} %",
                               "en": "Time limit, gap {gap} %"},
    "plan.status_greedy": {"es": "Heurística, sin garantía", "en": "Heuristic, no guarantee"},
    "plan.status_fallback": {"es": "Respaldo heurístico (falló el optimizador)",
                             "en": "Heuristic fallback (the optimiser failed)"},
    "plan.revisit_warn": {"es": "Los circuitos de las unidades {units} duran más de {revisit} "
                                "min: no alcanzan a volver a cada punto a tiempo. Agregue "
                                "unidades o reduzca la permanencia.",
                          "en": "The loops of units {units} take longer than {revisit} min: "
                                "they cannot return to each point in time. Add units or "
                                "shorten the time at each point."},
    "plan.repaired": {"es": "Para que cada unidad vuelva a cada punto en {revisit} min o menos, "
                            "Vigía reagrupó puntos respecto de la cobertura máxima sin esa regla; "
                            "la brecha indicada se mide contra esa cobertura máxima, así que es "
                            "un tope: el plan puede estar más cerca del mejor posible.",
                      "en": "So that every unit is back at each point within {revisit} min, "
                            "Vigía regrouped points relative to the maximum coverage without "
                            "that rule; the gap shown is measured against that maximum, so it "
                            "is a ceiling: the plan may be closer to the best possible."},
    "plan.m_current": {"es": "Plan actual cubre", "en": "Current plan covers"},
    "plan.m_new": {"es": "Plan propuesto cubre", "en": "Proposed plan covers"},
    "plan.m_new_help": {"es": "Con {n} puntos.", "en": "With {n} points."},
    "plan.m_gain": {"es": "Ganancia", "en": "Gain"},
    "plan.compare_note": {"es": "Incidentes esperados en el turno dentro del radio de algún "
                                "punto. Plan actual: {src}; plan propuesto: {n} puntos.",
                          "en": "Expected incidents in the shift within the radius of some "
                                "point. Current plan: {src}; proposed plan: {n} points."},
    "plan.tooltip": {"es": "<b>Unidad {unit}, punto {order}</b><br/>{district}<br/>Llega "
                           "{arrive}<br/>{h3}",
                     "en": "<b>Unit {unit}, point {order}</b><br/>{district}<br/>Arrives "
                           "{arrive}<br/>{h3}"},
    "plan.map_note": {"es": "Puntos numerados unidad.orden; círculos de {r} m y hexágonos "
                            "cubiertos ({cells}) del color de su unidad; líneas negras: "
                            "distritos.",
                      "en": "Points numbered unit.order; {r} m circles and covered hexagons "
                            "({cells}) in their unit's colour; black lines: districts."},
    "plan.units_tables": {"es": "Circuito de cada unidad (primera vuelta)",
                          "en": "Each unit's loop (first round)"},
    "plan.unit_tab": {"es": "Unidad {u}", "en": "Unit {u}"},
    "plan.unit_cycle": {"es": "Circuito de {cycle} min, repetido durante el turno ({visits}+ "
                              "visitas por punto); {ok}.",
                        "en": "{cycle}-minute loop, repeated through the shift ({visits}+ "
                              "visits per point); {ok}."},
    "plan.cycle_ok": {"es": "cumple la revisita", "en": "meets the revisit rule"},
    "plan.cycle_long": {"es": "supera los {revisit} min de revisita",
                        "en": "exceeds the {revisit}-minute revisit"},
    "plan.col_order": {"es": "Orden", "en": "Order"},
    "plan.col_cell": {"es": "Hexágono", "en": "Hexagon"},
    "plan.col_arrive": {"es": "Llega", "en": "Arrives"},
    "plan.col_leave": {"es": "Sale", "en": "Leaves"},
    "plan.col_expected": {"es": "Esperados cubiertos", "en": "Expected covered"},
    "plan.col_visits": {"es": "Visitas", "en": "Visits"},
    "plan.col_fixed": {"es": "Puesto fijo", "en": "Fixed post"},
    "plan.koper_note": {"es": "Permanecer {dwell} min en cada punto, visibles, y seguir el "
                              "orden; volver a cada punto al menos cada {revisit} min.",
                        "en": "Stay {dwell} min at each point, visible, and follow the order; "
                              "return to each point at least every {revisit} min."},
    "plan.downloads": {"es": "Descargas", "en": "Downloads"},
    "plan.csv": {"es": "Rutas (CSV)", "en": "Routes (CSV)"},
    "plan.geojson": {"es": "Puntos (GeoJSON)", "en": "Points (GeoJSON)"},
    "plan.all_shifts": {"es": "PDF con todos los turnos del día",
                        "en": "PDF with every shift of the day"},
    "plan.all_shifts_help": {"es": "Una página por turno, con las mismas unidades y opciones.",
                             "en": "One page per shift, with the same units and options."},
    "plan.prepare_pdf": {"es": "Preparar PDF de consigna", "en": "Prepare briefing PDF"},
    "plan.preparing": {"es": "Preparando el PDF…", "en": "Preparing the PDF…"},
    "plan.pdf": {"es": "Descargar PDF", "en": "Download PDF"},
    "plan.pdf_subtitle": {"es": "Generado por {user}", "en": "Generated by {user}"},
    "plan.demo_user": {"es": "modo demostración", "en": "demo mode"},
    "plan.pdf_spanish": {"es": "El PDF de consigna está en español.",
                         "en": "The briefing PDF is in Spanish."},
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
