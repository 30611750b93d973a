"""The layout DESIGN.md lays down, and the rule that keeps the domain pure: it imports no
Strawberry, SQLAlchemy, provider SDK or HTTP library, and nothing from the outer packages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
DOMAIN_MODULES = sorted((ROOT / "domain").glob("*.py"))
# Packages the domain must not reach for: the edge, storage, outside systems and their
# libraries (the domain talks to them through its ports).
FORBIDDEN = {
    "graph",
    "persistence",
    "integrations",
    "strawberry",
    "graphql",
    "sqlalchemy",
    "alembic",
    "aiosqlite",
    "psycopg",
    "psycopg_pool",
    "starlette",
    "uvicorn",
    "httpx",
    "requests",
    "aiohttp",
    "stripe",
    "mollie",
    "redis",
    "aiosmtplib",
    "mcp",
    "pydantic",
    "pydantic_settings",
}


@pytest.mark.parametrize(
    "path",
    [
        "pyproject.toml",
        "README.md",
        "Makefile",
        "schema.graphql",
        ".ci/run",
        "domain/__init__.py",
        "persistence/__init__.py",
        "integrations/__init__.py",
        "graph/__init__.py",
        "tests/__init__.py",
        "bench",
    ],
)
def test_the_layout_is_there(path: str) -> None:
    assert (ROOT / path).exists()


def imported_packages(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("module", DOMAIN_MODULES, ids=lambda path: path.name)
def test_the_domain_imports_nothing_from_outside(module: Path) -> None:
    assert imported_packages(module) & FORBIDDEN == set()


def test_the_rule_is_checked_on_every_domain_module() -> None:
    assert len(DOMAIN_MODULES) > 10
