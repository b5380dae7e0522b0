"""Exceptions raised by Vigía's analytics.

Every error subclasses both :class:`AnalyticsError` and a built-in, so callers
may catch either. Messages are in Spanish: they reach users as they are
(``st.error`` in the app, one line on stderr from the CLI).
"""

from __future__ import annotations


class AnalyticsError(Exception):
    """Base class of every error Vigía shows to a user."""


class InputFileError(AnalyticsError, OSError):
    """A file cannot be read at all (missing, empty, not a table, unknown format)."""


class IncidentSchemaError(AnalyticsError, ValueError):
    """Required incident fields are missing or cannot be recognised."""


class InsufficientHistoryError(AnalyticsError, ValueError):
    """Too little history to fit a model or compute a statistic."""


class InfeasiblePlanError(AnalyticsError, RuntimeError):
    """A patrol request cannot be satisfied (e.g. more fixed posts than units)."""


class StoreError(AnalyticsError, RuntimeError):
    """The incident store cannot be opened or is not a Vigía store."""


class AccessDeniedError(AnalyticsError, PermissionError):
    """The current user's role does not allow the action."""


class InterventionError(AnalyticsError, ValueError):
    """An intervention cannot be evaluated as asked.

    For example an invalid area, windows outside the data, or an area that does not
    overlap the incidents.
    """


class UserError(AnalyticsError, ValueError):
    """A user-management request is invalid (unknown role, short password, duplicate user)."""


class TrackSchemaError(AnalyticsError, ValueError):
    """GPS pings or a patrol plan lack the fields needed to measure patrol dosage."""


class CommitmentError(AnalyticsError, ValueError):
    """A Codisec commitment or its status report is invalid (dates, texts, unknown id)."""
