"""Vigía analytics: pure, typed functions behind the dashboard and the CLI.

Never imports Streamlit. Modules are nouns: ``io`` (the only file reader and
writer), ``store`` (DuckDB), ``partitions`` (the month-partitioned Parquet
dataset, out of core), ``distributed`` (Dask), ``explore``, ``hexbin``,
``hotspots``, ``forecast``, ``evaluation``, ``patrol``, ``briefing``,
``interventions`` (did an intervention work: effect vs control, displacement; with
``intervention_areas``, ``displacement`` and ``intervention_report``),
``reports``, ``access`` (users, roles, audit), ``demo`` (synthetic data),
``address`` (parse written addresses), ``gazetteer`` (learn and geocode streets),
``location`` (forced points, location precision),
``tracks`` (GPS pings), ``dosage`` (the Koper dose from GPS), ``compliance``
(saved plans against stored tracks), ``shift_sheet`` (hojas de ruta),
``settings``; ``cli`` is the command line (``python -m analytics``).
"""

from analytics import settings as settings
from analytics._errors import (
    AccessDeniedError as AccessDeniedError,
)
from analytics._errors import (
    AnalyticsError as AnalyticsError,
)
from analytics._errors import (
    IncidentSchemaError as IncidentSchemaError,
)
from analytics._errors import (
    InfeasiblePlanError as InfeasiblePlanError,
)
from analytics._errors import (
    InputFileError as InputFileError,
)
from analytics._errors import (
    InsufficientHistoryError as InsufficientHistoryError,
)
from analytics._errors import (
    InterventionError as InterventionError,
)
from analytics._errors import (
    StoreError as StoreError,
)

__version__ = "0.1.0"
