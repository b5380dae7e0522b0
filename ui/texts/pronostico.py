"""Strings of Pronóstico (``es`` and ``en``; see :mod:`ui.i18n`)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # --- pronóstico
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
    "pronostico.model_help": {"es": "El automático compara, en las últimas semanas de sus "
                                    "datos, el modelo de aprendizaje, los mapas que haría un "
                                    "analista (últimos 28 días, mismo turno, etc.) y mezclas de "
                                    "ambos, y usa el que más acertó. Compárelos abajo en la "
                                    "evaluación.",
                              "en": "The automatic one compares, on the last weeks of your "
                                    "data, the learning model, the maps an analyst would draw "
                                    "(last 28 days, same shift, etc.) and blends of both, and "
                                    "uses the one that caught most. Compare them below in the "
                                    "evaluation."},
    "pronostico.model.retro28": {"es": "Últimos 28 días (todos los turnos)",
                                 "en": "Last 28 days (all shifts)"},
    "pronostico.model.retro_shift": {"es": "Últimos 56 días, mismo turno",
                                     "en": "Last 56 days, same shift"},
    "pronostico.model.longrun": {"es": "Toda la historia, mismo turno",
                                 "en": "Whole history, same shift"},
    "pronostico.model.prospective": {"es": "Prospectivo (recientes y cercanos pesan más)",
                                     "en": "Prospective (recent and nearby weigh more)"},
    "pronostico.model.boosted": {"es": "Modelo de aprendizaje", "en": "Learning model"},
    "pronostico.model.auto": {"es": "Automático (elegido con sus datos)",
                              "en": "Automatic (chosen on your data)"},
    "pronostico.evidence": {"es": "En sus datos, las {weeks} semanas anteriores al {day}: el "
                                  "modelo automático ({model}) acierta el **{hit} %** de los "
                                  "incidentes de cada turno con el 1 % del área; el mapa de los "
                                  "últimos 28 días, el **{base} %**.",
                            "en": "On your data, the {weeks} weeks before {day}: the automatic "
                                  "model ({model}) catches **{hit} %** of each shift's "
                                  "incidents with 1 % of the area; the map of the last 28 "
                                  "days, **{base} %**."},
    "pronostico.evidence_best": {"es": "El mejor mapa tradicional en esas semanas ({base}), el "
                                       "{hit} %.",
                                 "en": "The best traditional map in those weeks ({base}), "
                                       "{hit} %."},
    "pronostico.evidence_mix": {"es": "mezcla: {parts}", "en": "blend: {parts}"},
    "pronostico.evidence_thin": {"es": "Hay pocos datos para comparar modelos: el modelo "
                                       "automático usa {model}.",
                                 "en": "There are too few data to compare models: the "
                                       "automatic model uses {model}."},
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
    "pronostico.eval_slow": {"es": "Tarda más que el mapa (uno o varios minutos); el "
                                   "resultado queda guardado.",
                             "en": "Slower than the map (one or several minutes); the result "
                                   "is kept."},
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
    "pronostico.ratio": {"es": "Señalando el {p} % de los hexágonos, el modelo automático "
                               "acierta {hit} de cada 100 incidentes; el mejor método "
                               "tradicional ({base}), {bhit}: **{ratio} veces** lo de ese "
                               "método.",
                         "en": "Flagging {p} % of the hexagons, the automatic model catches "
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
}
