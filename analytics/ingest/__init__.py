"""Incident ingest: any incident table a user has, into the store, row by row accounted.

Ingest takes any incident table a user has (CSV plain or gzip, UTF-8 with or
without BOM, Latin-1, UTF-16, ``,``/``;``/tab separated, decimal commas;
Excel with the header on any of the first rows; Parquet; GeoJSON points),
recognises its columns (Spanish or English, accent/case-insensitive, or an
explicit ``mapping``), and sorts every row into exactly one outcome:

* **accepted** into the store's ``incidents`` table, binned into H3 (res 12);
* **duplicate** (same ``incident_id`` already stored or earlier in the batch,
  or same ``occurred_at`` + place rounded to ~1 m + ``crime_type``);
* **quarantined** with a reason key (see :data:`analytics._validate.REASONS`).

The work is done once, in DuckDB SQL (read, parse, date/number checks) and
numpy (study area, swapped coordinates, districts, H3 via h3ronpy, stacked
points); no Python loop touches individual rows. Columns with personal data
are never read into the store, not even into quarantine; personal data inside
the text fields that are kept is masked.

Modules: :mod:`~analytics.ingest.pipeline` (the pipeline),
:mod:`~analytics.ingest.sources` (sniffing, format readers, file SQL),
:mod:`~analytics.ingest.parsing` (SQL that parses fields); the rules themselves
are in :mod:`analytics._validate`, districts come from :mod:`analytics.geo`.
Plain tables (exports, user tables) are :mod:`analytics.files`.
"""

from __future__ import annotations

from analytics.ingest.pipeline import (
    FilePreview as FilePreview,
    IngestReport as IngestReport,
    Progress as Progress,
    ingest_files as ingest_files,
    ingest_records as ingest_records,
    preview_file as preview_file,
    read_incidents as read_incidents,
)
