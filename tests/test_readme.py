"""The README is what a newcomer follows: its two commands, a GraphQL session that runs as
pasted, the configuration the service really reads, and how to run on PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import DocumentNode, OperationDefinitionNode, parse, validate

from graph.schema import schema
from graph.settings import Settings

README = (Path(__file__).parents[1] / "README.md").read_text()
GRAPHQL_BLOCKS = re.findall(r"```graphql\n(.*?)```", README, re.DOTALL)
# Contract §1: the variables every deployment may set.
CONTRACT_VARIABLES = [
    "DATABASE_URL",
    "PUBLIC_BASE_URL",
    "VAULT_KEY",
    "SMTP_URL",
    "MAIL_DIR",
    "PUBSUB_URL",
    "STRIPE_API_BASE",
    "MOLLIE_API_BASE",
    "GRAPHIQL",
    "LOG_FORMAT",
]


def operations() -> list[tuple[str, OperationDefinitionNode]]:
    found = []
    for block in GRAPHQL_BLOCKS:
        for definition in parse(block).definitions:
            assert isinstance(definition, OperationDefinitionNode)
            found.append((block, definition))
    return found


def test_the_two_commands_are_there() -> None:
    assert "make serve" in README
    assert "make test" in README


def test_there_is_a_first_graphql_session() -> None:
    names = [definition.selection_set.selections[0].name.value for _, definition in operations()]  # type: ignore[attr-defined]
    assert "products" in names
    assert "createCart" in names


@pytest.mark.parametrize("index", range(len(GRAPHQL_BLOCKS)))
def test_each_graphql_example_validates_against_the_schema(index: int) -> None:
    for definition in parse(GRAPHQL_BLOCKS[index]).definitions:
        problems = validate(schema._schema, DocumentNode(definitions=(definition,)))
        assert problems == [], (GRAPHQL_BLOCKS[index], problems)


@pytest.mark.parametrize("name", CONTRACT_VARIABLES)
def test_the_configuration_table_names_what_settings_read(name: str) -> None:
    assert f"`CHECKOUT_FLOW_{name}`" in README
    assert name.lower() in Settings.model_fields


def test_it_says_how_to_run_on_postgresql() -> None:
    assert "postgresql+psycopg://" in README
    assert "checkout-flow migrate" in README
