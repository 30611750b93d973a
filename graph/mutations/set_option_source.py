from __future__ import annotations

import strawberry

from domain import catalog_upkeep
from graph.mutations.payloads import OptionSourcePayload, payload
from graph.permissions import SecretKey


@strawberry.mutation(
    permission_classes=[SecretKey],
    description="Keeps a named list of options that ENUM meta fields can refer to.",
)
async def set_option_source(
    info: strawberry.Info, key: str, values: list[str]
) -> OptionSourcePayload:
    access = await info.context.require_store(secret=True)
    outcome = await catalog_upkeep.set_option_source(info.context.ports, access.store, key, values)
    return payload(
        outcome,
        lambda kept: OptionSourcePayload(key=key, values=list(kept)),
        lambda errors: OptionSourcePayload(errors=errors),
    )
