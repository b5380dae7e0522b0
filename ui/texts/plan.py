"""Strings of Plan de patrullaje (``es`` and ``en``; see :mod:`ui.i18n`)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # --- plan de patrullaje
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
    "plan.result": {"es": "Plan del turno {shift}, {day}",
                    "en": "Plan for the {shift} shift, {day}"},
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
}
