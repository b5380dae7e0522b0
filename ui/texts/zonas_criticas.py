"""Strings of Zonas críticas (``es`` and ``en``; see :mod:`ui.i18n`)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # --- zonas críticas
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
}
