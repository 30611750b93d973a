"""What the sweep does to each operation: the attacks, the twin call it compares with, and the
part of the database that must not move.

The oracle is the contract's own words: another store's cart, checkout or order "behaves
exactly as if it did not exist". So every call that names one of the victim's objects is made
twice with the same credentials: once with the victim's real id and once with an id nobody
has. The two answers must be the same (after each id is replaced by its kind), and neither
may be a success.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from persistence.database import Database
from persistence.tables import metadata
from tests.security.recipes import Refs
from tests.security.world import World

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
# Values that differ between two calls for reasons that have nothing to do with access.
VOLATILE = {"createdAt", "updatedAt", "expiresAt", "cursor", "endCursor", "requestId"}


def fresh_refs(token: str | None = None) -> Refs:
    """Ids of the right shape that name nothing anyone has."""
    return Refs(
        token=token or secrets.token_urlsafe(32),
        cart=secrets.token_urlsafe(24),
        order="or_" + secrets.token_urlsafe(12),
        sku="SWEEP-" + secrets.token_hex(4).upper(),
        payment="cs_test_" + secrets.token_hex(12),
        option_list="sweep-" + secrets.token_hex(4),
    )


def victim_refs(world: World, token: str) -> Refs:
    victim = world.victim
    return Refs(
        token=token,
        cart=victim.cart_id,
        order=victim.order_id,
        sku=victim.skus[0],
        payment=victim.paid_session,
        option_list="victim-tints",
    )


@dataclass(frozen=True)
class Attack:
    """Credentials, and which checkout token goes where a token is asked for."""

    name: str
    headers: Callable[[World], dict[str, str]]
    # The token put into token arguments; None: the victim's own.
    token: Callable[[World], str] | None = None
    # A presented credential that opens nothing: every operation must say UNAUTHENTICATED.
    wrong_credential: bool = False
    # Holds a valid key of the attacker's store: may do what that store may, on that store.
    own_store: bool = False
    # Only for operations that take a token (and, if set, name another object too).
    token_operations_only: bool = False
    with_other_objects_only: bool = False


NO_CREDENTIAL = Attack("no credential", lambda w: {}, token=lambda w: secrets.token_urlsafe(32))
ATTACKS = [
    NO_CREDENTIAL,
    Attack(
        "unknown public key",
        lambda w: {"X-Store-Key": "pk_" + secrets.token_urlsafe(24)},
        wrong_credential=True,
    ),
    Attack(
        "unknown secret key",
        lambda w: {"Authorization": "Bearer sk_" + secrets.token_urlsafe(32)},
        wrong_credential=True,
    ),
    Attack(
        "malformed Authorization",
        lambda w: {"Authorization": "Basic dXNlcjpwYXNz", **w.victim.public},
        wrong_credential=True,
    ),
    Attack("attacker's public key", lambda w: w.attacker.public, own_store=True),
    Attack("attacker's secret key", lambda w: w.attacker.secret, own_store=True),
    Attack(
        "attacker's token, no key",
        lambda w: {},
        token=lambda w: w.attacker.token,
        token_operations_only=True,
        with_other_objects_only=True,
    ),
    Attack(
        "attacker's token, victim's public key",
        lambda w: w.victim.public,
        token=lambda w: w.attacker.token,
        token_operations_only=True,
    ),
]


def normalised(answer: Any, refs: list[tuple[str, str]]) -> Any:
    """The answer with each id replaced by its kind and volatile values left out."""
    text = json.dumps(answer, sort_keys=True)
    for kind, value in refs:
        text = text.replace(value, f"<{kind}>")
    return _without_volatile(json.loads(text))


def _without_volatile(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_volatile(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_without_volatile(v) for v in value]
    return value


def ref_pairs(*refs: Refs) -> list[tuple[str, str]]:
    """(kind, value) of every reference, longest value first (so none is cut by another)."""
    pairs = [
        (kind, getattr(r, kind))
        for r in refs
        for kind in ("token", "cart", "order", "sku", "payment", "option_list")
    ]
    return sorted(set(pairs), key=lambda pair: -len(pair[1]))


async def store_rows(database: Database, store_id: str) -> dict[str, list[str]]:
    """Every row that belongs to the store: its own, and those that hang off them."""
    found: dict[str, list[str]] = {}
    owned: dict[str, Any] = {}
    async with database.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name == "stores":
                where = table.c.id == store_id
            elif "store_id" in table.c:
                where = table.c.store_id == store_id
            else:
                links = [
                    table.c[fk.parent.name].in_(owned[fk.column.table.name])
                    for fk in table.foreign_keys
                    if fk.column.table.name in owned
                ]
                if not links:
                    continue
                where = or_(*links)
            rows = (await connection.execute(select(table).where(where))).mappings().all()
            found[table.name] = sorted(repr(sorted(row.items())) for row in rows)
            keys = [c for c in table.primary_key.columns]
            if len(keys) == 1:
                owned[table.name] = select(keys[0]).where(where).scalar_subquery()
    return found


def codes_of(errors: list[dict[str, Any]] | None) -> list[str]:
    return [(e.get("extensions") or {}).get("code", e.get("code", "?")) for e in errors or []]
