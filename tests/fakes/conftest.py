"""Load the fake fixtures for these tests unless tests/conftest.py already loads them."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("tests.fakes.fixtures"):
        config.pluginmanager.import_plugin("tests.fakes.fixtures")
