"""Strings of Cumplimiento, saved plans and shift sheets (``es`` and ``en``)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "page.cumplimiento": {"es": "Cumplimiento", "en": "Compliance"},
    # --- saved plans and shift sheets (Plan de patrullaje)
    "saved.mode": {"es": "Planes", "en": "Plans"},
    "saved.mode_new": {"es": "Nuevo plan", "en": "New plan"},
    "saved.mode_saved": {"es": "Planes guardados", "en": "Saved plans"},
    "saved.none": {"es": "Todavía no hay planes guardados: cada plan generado aquí o con "
                         "`python -m analytics plan --save` se guarda.",
                   "en": "No saved plans yet: every plan generated here or with "
                         "`python -m analytics plan --save` is kept."},
    "saved.list_note": {"es": "Los {n} planes más recientes, el último primero.",
                        "en": "The {n} most recent plans, newest first."},
    "saved.pick": {"es": "Plan guardado", "en": "Saved plan"},
    "saved.units": {"es": "{n} unidades", "en": "{n} units"},
    "saved.meta": {"es": "Hecho por {author} ({origin}) el {created}; modelo de pronóstico: "
                         "{model}.",
                   "en": "Made by {author} ({origin}) on {created}; forecast model: {model}."},
    "saved.not_saved": {"es": "No se pudo guardar el plan ni registrarlo en la auditoría "
                              "(almacén ocupado o no disponible). Vuelva a generarlo antes de "
                              "imprimirlo.",
                        "en": "The plan could not be saved nor audited (store busy or "
                              "unavailable). Generate it again before printing it."},
    "saved.kept_as": {"es": "Plan guardado como {pid} (Planes guardados, Cumplimiento).",
                      "en": "Plan saved as {pid} (Saved plans, Compliance)."},
    "saved.sheet_title": {"es": "Hoja de ruta por unidad", "en": "Shift sheet per unit"},
    "saved.sheet_unit": {"es": "Unidad", "en": "Unit"},
    "saved.sheet_all": {"es": "Todas las unidades", "en": "All units"},
    "saved.sheet_csv": {"es": "Hoja de ruta (CSV)", "en": "Shift sheet (CSV)"},
    "saved.sheet_prepare": {"es": "Preparar hoja de ruta (PDF)",
                            "en": "Prepare shift sheet (PDF)"},
    "saved.sheet_pdf": {"es": "Descargar hoja de ruta", "en": "Download shift sheet"},
    "saved.sheet_note": {"es": "Una página por unidad: puntos en orden, llegada y salida de cada "
                               "visita del turno, mapa, columna de observaciones y firmas.",
                         "en": "One page per unit (in Spanish): points in order, arrival and "
                               "departure of every visit of the shift, map, remarks column and "
                               "signatures."},
    # --- Cumplimiento
    "cump.title": {"es": "Cumplimiento del patrullaje", "en": "Patrol compliance"},
    "cump.intro": {"es": "Compara los planes guardados con los recorridos GPS de las unidades: "
                         "minutos en cada punto (dosis de Koper), puntos no visitados, tiempo "
                         "fuera de los puntos y kilómetros.",
                   "en": "Compares saved plans with the units' GPS tracks: minutes at each "
                         "point (Koper dose), points not visited, time outside the points and "
                         "kilometres."},
    "cump.upload_title": {"es": "Importar recorridos GPS", "en": "Import GPS tracks"},
    "cump.upload": {"es": "Archivo de recorridos (SIPCOP, SIPCOP-M, AVL municipal)",
                    "en": "Track file (SIPCOP, SIPCOP-M, municipal AVL)"},
    "cump.upload_help": {"es": "CSV, Excel, GPX o GeoJSON con unidad (código, placa o "
                               "dispositivo), fecha y hora, latitud y longitud. Los puntos se "
                               "conservan {days} días.",
                         "en": "CSV, Excel, GPX or GeoJSON with unit (code, plate or device), "
                               "date and time, latitude and longitude. Points are kept {days} "
                               "days."},
    "cump.import": {"es": "Importar", "en": "Import"},
    "cump.importing": {"es": "Importando los puntos GPS…", "en": "Importing the GPS points…"},
    "cump.no_plans": {"es": "No hay planes guardados. Genere uno en Plan de patrullaje.",
                      "en": "No saved plans. Generate one in Patrol plan."},
    "cump.period": {"es": "Turnos entre", "en": "Shifts between"},
    "cump.pick_period": {"es": "Elija el primer y el último día.",
                         "en": "Pick the first and last day."},
    "cump.no_plans_period": {"es": "No hay planes guardados para turnos de ese periodo.",
                             "en": "No saved plans for shifts in that period."},
    "cump.plans": {"es": "Planes", "en": "Plans"},
    "cump.plans_help": {"es": "Por defecto, el plan más reciente de cada turno (uno por turno).",
                        "en": "By default, the newest plan of each shift (one per shift)."},
    "cump.pick_plans": {"es": "Elija al menos un plan.", "en": "Pick at least one plan."},
    "cump.measuring": {"es": "Midiendo la dosis con los recorridos GPS…",
                       "en": "Measuring the dose from the GPS tracks…"},
    "cump.m_share": {"es": "Dosis planificada cumplida", "en": "Planned dose delivered"},
    "cump.m_share_help": {"es": "Minutos en los puntos (cada punto hasta sus minutos "
                                "planificados) entre los minutos planificados.",
                          "en": "Minutes at the points (each point up to its planned "
                                "minutes) over the planned minutes."},
    "cump.m_dosed": {"es": "Puntos con dosis completa", "en": "Points fully dosed"},
    "cump.m_dosed_help": {"es": "Cada visita duró la permanencia planificada y ningún intervalo "
                                "sin visita superó la revisita.",
                          "en": "Every visit lasted the planned dwell and no interval without "
                                "a visit exceeded the revisit time."},
    "cump.m_skipped": {"es": "Puntos sin visita", "en": "Points not visited"},
    "cump.m_outside": {"es": "Minutos fuera de los puntos", "en": "Minutes outside the points"},
    "cump.m_outside_help": {"es": "Tiempo con GPS del turno que la unidad pasó fuera de sus "
                                  "puntos (trayectos, intervenciones, base).",
                            "en": "GPS time of the shift the unit spent outside its points "
                                  "(driving, interventions, base)."},
    "cump.m_km": {"es": "Km recorridos", "en": "Km driven"},
    "cump.m_km_help": {"es": "Longitud del recorrido GPS en los turnos (como el ranking de "
                             "SIPCOP: el ruido del GPS suma algo estando detenido).",
                       "en": "Length of the GPS track in the shifts (as SIPCOP's ranking: GPS "
                             "noise adds a little while parked)."},
    "cump.no_tracks": {"es": "No hay puntos GPS de estas unidades en estos turnos: importe sus "
                             "recorridos o asigne las placas a las unidades.",
                       "en": "No GPS points of these units in these shifts: import their "
                             "tracks or map the plates to the units."},
    "cump.unmatched": {"es": "{n} dispositivo(s) con puntos GPS en el periodo no corresponden a "
                             "ninguna unidad del plan: revise las equivalencias.",
                       "en": "{n} device(s) with GPS points in the period match no unit of "
                             "the plan: check the equivalences."},
    "cump.units_without": {"es": "Unidades sin puntos GPS: {units}.",
                           "en": "Units without GPS points: {units}."},
    "cump.aliases": {"es": "Equivalencias placa / dispositivo → unidad",
                     "en": "Plate / device → unit equivalences"},
    "cump.alias": {"es": "Placa o dispositivo", "en": "Plate or device"},
    "cump.alias_unit": {"es": "Unidad del plan", "en": "Plan unit"},
    "cump.alias_basis": {"es": "Evidencia", "en": "Evidence"},
    "cump.alias_share": {"es": "Parte del recorrido en sus puntos",
                         "en": "Share of the track in its points"},
    "cump.alias_save": {"es": "Guardar", "en": "Save"},
    "cump.alias_remove": {"es": "Quitar una equivalencia", "en": "Remove an equivalence"},
    "cump.alias_remove_do": {"es": "Quitar", "en": "Remove"},
    "cump.by_shift": {"es": "Por turno y unidad", "en": "Per shift and unit"},
    "cump.shift_note": {"es": "Dosis completa: cada visita dura la permanencia planificada y "
                              "cada punto se revisita antes de {revisit} min. Sin GPS no hay "
                              "evidencia de presencia.",
                        "en": "Full dose: every visit lasts the planned dwell and every point "
                              "is revisited within {revisit} min. Without GPS there is no "
                              "evidence of presence."},
    "cump.col_shift": {"es": "Turno", "en": "Shift"},
    "cump.col_unit": {"es": "Unidad", "en": "Unit"},
    "cump.col_hotspots": {"es": "Puntos", "en": "Points"},
    "cump.col_visited": {"es": "Visitados", "en": "Visited"},
    "cump.col_skipped": {"es": "Sin visita", "en": "Not visited"},
    "cump.col_dosed": {"es": "Con dosis", "en": "Dosed"},
    "cump.col_planned": {"es": "Min. planificados", "en": "Planned min"},
    "cump.col_dwell": {"es": "Min. en puntos", "en": "Min at points"},
    "cump.col_delivered": {"es": "Min. cumplidos", "en": "Delivered min"},
    "cump.col_share": {"es": "% cumplido", "en": "% delivered"},
    "cump.col_share_dosed": {"es": "% puntos con dosis", "en": "% points dosed"},
    "cump.col_outside": {"es": "Min. fuera", "en": "Min outside"},
    "cump.col_km": {"es": "Km", "en": "Km"},
    "cump.col_period": {"es": "Desde", "en": "From"},
    "cump.col_shifts": {"es": "Turnos", "en": "Shifts"},
    "cump.map_shift": {"es": "Turno en el mapa", "en": "Shift on the map"},
    "cump.map_note": {"es": "Recorridos GPS del turno ({n} puntos) sobre los puntos del plan; "
                            "el trazo se corta donde faltan datos más de 5 minutos.",
                      "en": "GPS tracks of the shift ({n} points) over the plan's points; the "
                            "line breaks where data is missing for over 5 minutes."},
    "cump.by_period": {"es": "Por periodo", "en": "Per period"},
    "cump.freq": {"es": "Periodo", "en": "Period"},
    "cump.freq_D": {"es": "Día", "en": "Day"},
    "cump.freq_W": {"es": "Semana", "en": "Week"},
    "cump.freq_M": {"es": "Mes", "en": "Month"},
    "cump.incidents": {"es": "Incidentes en los puntos durante sus turnos",
                       "en": "Incidents at the points during their shifts"},
    "cump.col_dose": {"es": "Dosis", "en": "Dose"},
    "cump.dosed_yes": {"es": "Completa", "en": "Full"},
    "cump.dosed_no": {"es": "Incompleta", "en": "Incomplete"},
    "cump.col_incidents": {"es": "Incidentes", "en": "Incidents"},
    "cump.col_per_hotspot": {"es": "Por punto", "en": "Per point"},
    "cump.not_causal": {"es": "Descriptivo, no causal: los puntos se eligen donde se espera "
                              "más delito y las unidades deciden dónde quedarse, así que la "
                              "diferencia no es el efecto de la dosis (eso requiere un diseño "
                              "aleatorizado o emparejado).",
                        "en": "Descriptive, not causal: points are chosen where more crime is "
                              "expected and units decide where to stay, so the difference is "
                              "not the effect of the dose (that needs a randomised or matched "
                              "design)."},
    "cump.download": {"es": "Tabla de dosis (CSV)", "en": "Dose table (CSV)"},
    "cump.report_tab": {"es": "Patrullaje", "en": "Patrol"},
}
