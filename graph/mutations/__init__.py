"""The Mutation root: one mutation per module, gathered here, with the rules of the edge that
some of them share: rate limits on those that call a payment provider or send mail, and the
counting of those that move money."""

from __future__ import annotations

import strawberry

from graph.mutation_metrics import counted
from graph.mutations.add_cart_lines import add_cart_lines
from graph.mutations.cancel_checkout import cancel_checkout
from graph.mutations.cancel_order import cancel_order
from graph.mutations.complete_checkout import complete_checkout
from graph.mutations.create_cart import create_cart
from graph.mutations.create_payment import create_payment
from graph.mutations.define_line_meta import define_line_meta
from graph.mutations.initiate_checkout import initiate_checkout
from graph.mutations.mark_order_paid import mark_order_paid
from graph.mutations.remove_cart_lines import remove_cart_lines
from graph.mutations.set_customer import set_customer
from graph.mutations.set_line_meta import set_line_meta
from graph.mutations.set_option_source import set_option_source
from graph.mutations.set_payment import set_payment
from graph.mutations.set_provider_credentials import set_provider_credentials
from graph.mutations.update_cart_lines import update_cart_lines
from graph.mutations.update_order_status import update_order_status
from graph.mutations.update_store_settings import update_store_settings
from graph.mutations.upsert_products import upsert_products
from graph.rate_limits import rate_limited


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
    set_provider_credentials = rate_limited(set_provider_credentials)
    initiate_checkout = initiate_checkout
    set_customer = set_customer
    set_line_meta = set_line_meta
    create_payment = counted(rate_limited(create_payment))
    set_payment = counted(rate_limited(set_payment))
    complete_checkout = counted(rate_limited(complete_checkout))
    cancel_checkout = rate_limited(cancel_checkout)
    update_order_status = update_order_status
    cancel_order = rate_limited(cancel_order)
    mark_order_paid = mark_order_paid
