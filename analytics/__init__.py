"""Vigía analytics: pure, typed functions behind the dashboard and the CLI.

Never imports Streamlit. Modules are nouns: ``io`` (the only file reader and
writer), ``store`` (DuckDB), ``partitions`` (the month-partitioned Parquet
dataset, out of core), ``distributed`` (Dask), ``explore``, ``hexbin``,
``hotspots``, ``forecast``, ``evaluation``, ``patrol``, ``briefing``,
``interventions`` (did an intervention work: effect vs control, displacement; with
``intervention_areas``, ``displacement`` and ``intervention_report``),
``intervention_register`` (the register of interventions; areas from ``area_sources``),
``commitments`` (Codisec commitments and their status), ``reports``, ``access`` (users,
roles, audit), ``demo`` (synthetic data),
``address`` (parse written addresses), ``gazetteer`` (learn and geocode streets),
``location`` (forced points, location precision),
``tracks`` (GPS pings), ``dosage`` (the Koper dose from GPS), ``compliance``
(saved plans against stored tracks), ``shift_sheet`` (hojas de ruta),
``alerts`` (near-repeat alerts from the store's own Knox test), ``live`` (the live view of a
shift), ``tokens`` (the ingest API's access tokens), ``service`` (the ingest API, HTTP),
``settings``; ``cli`` is the command line (``python -m analytics``).
"""

from analytics import settings as settings
from analytics._errors import (
    AccessDeniedError as AccessDeniedError,
    AnalyticsError as AnalyticsError,
    CommitmentError as CommitmentError,
    IncidentSchemaError as IncidentSchemaError,
    InfeasiblePlanError as InfeasiblePlanError,
    InputFileError as InputFileError,
    InsufficientHistoryError as InsufficientHistoryError,
    InterventionError as InterventionError,
    StoreError as StoreError,
)

__version__ = "0.1.0"
