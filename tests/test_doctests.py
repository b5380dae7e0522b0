"""The examples in the docstrings run (flagship functions and the query type)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ("analytics.hexbin", "analytics.query", "analytics.hotspots.getis_ord",
           "analytics.hotspots.maps", "analytics.forecast.cells", "analytics.forecast.day",
           "analytics.patrol.mclp", "analytics.reports.indicators")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no example"
    assert result.failed == 0
