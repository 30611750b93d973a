"""`schema.graphql` at the repository root is exactly what `checkout-flow export-schema`
prints; run `make schema` after changing the API."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from graph.cli import main
from graph.schema import schema

SCHEMA_FILE = Path(__file__).parents[1] / "schema.graphql"


def exported() -> str:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), pytest.raises(SystemExit) as leaving:
        main(["export-schema"])
    assert leaving.value.code == 0
    return printed.getvalue()


def test_export_schema_prints_the_schema() -> None:
    assert exported() == schema.as_str() + "\n"


def test_schema_file_is_what_export_schema_prints() -> None:
    assert SCHEMA_FILE.exists(), "run `make schema`"
    assert SCHEMA_FILE.read_text() == exported(), "schema.graphql is stale: run `make schema`"
