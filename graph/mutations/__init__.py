"""The Mutation root: one mutation per module, gathered here."""

from __future__ import annotations

import strawberry

from graph.mutations.add_cart_lines import add_cart_lines
from graph.mutations.create_cart import create_cart
from graph.mutations.define_line_meta import define_line_meta
from graph.mutations.remove_cart_lines import remove_cart_lines
from graph.mutations.set_option_source import set_option_source
from graph.mutations.update_cart_lines import update_cart_lines
from graph.mutations.update_store_settings import update_store_settings
from graph.mutations.upsert_products import upsert_products


@strawberry.type
class Mutation:
    create_cart = create_cart
    add_cart_lines = add_cart_lines
    update_cart_lines = update_cart_lines
    remove_cart_lines = remove_cart_lines
    upsert_products = upsert_products
    define_line_meta = define_line_meta
    set_option_source = set_option_source
    update_store_settings = update_store_settings
