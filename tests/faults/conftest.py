"""The provider fakes, for the process-level provider fault."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("tests.fakes.fixtures"):
        config.pluginmanager.import_plugin("tests.fakes.fixtures")
