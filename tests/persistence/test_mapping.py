"""A customer is stored as the JSON its fields make, and read back the same."""

from __future__ import annotations

from dataclasses import asdict

from hypothesis import given
from hypothesis import strategies as st

from domain.customer import Address, Customer
from persistence.mapping import customer_from_json, customer_to_json

text = st.text(max_size=20)
optional = st.none() | text
addresses = st.none() | st.builds(
    Address,
    line1=text,
    city=text,
    postal_code=text,
    country=st.sampled_from(["NL", "DE", "BE"]),
    name=optional,
    company=optional,
    line2=optional,
    region=optional,
    phone=optional,
)
customers = st.builds(
    Customer,
    email=text,
    name=optional,
    phone=optional,
    account_id=optional,
    shipping_address=addresses,
    billing_address=addresses,
)


@given(customers)
def test_a_customer_is_stored_with_every_field_and_read_back(customer: Customer) -> None:
    stored = customer_to_json(customer)
    assert stored == asdict(customer)  # every field, also one added later
    assert customer_from_json(stored) == customer


def test_no_customer_is_stored_as_null() -> None:
    assert customer_to_json(None) is None
    assert customer_from_json(None) is None
