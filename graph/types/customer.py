from __future__ import annotations

import strawberry

from domain.customer import Address as DomainAddress
from domain.customer import Customer as DomainCustomer


@strawberry.type
class Address:
    name: str | None
    company: str | None
    line1: str
    line2: str | None
    city: str
    postal_code: str
    region: str | None
    country: str = strawberry.field(description="ISO 3166-1 alpha-2.")
    phone: str | None

    @classmethod
    def from_domain(cls, address: DomainAddress | None) -> Address | None:
        if address is None:
            return None
        return cls(
            name=address.name,
            company=address.company,
            line1=address.line1,
            line2=address.line2,
            city=address.city,
            postal_code=address.postal_code,
            region=address.region,
            country=address.country,
            phone=address.phone,
        )


@strawberry.type
class Customer:
    email: str
    name: str | None
    phone: str | None
    account_id: str | None = strawberry.field(description="The shop's own user id, if it set one.")
    shipping_address: Address | None
    billing_address: Address | None

    @classmethod
    def from_domain(cls, customer: DomainCustomer) -> Customer:
        return cls(
            email=customer.email,
            name=customer.name,
            phone=customer.phone,
            account_id=customer.account_id,
            shipping_address=Address.from_domain(customer.shipping_address),
            billing_address=Address.from_domain(customer.billing_address),
        )


@strawberry.input
class AddressInput:
    line1: str
    city: str
    postal_code: str
    country: str = strawberry.field(description="ISO 3166-1 alpha-2, like NL.")
    name: str | None = None
    company: str | None = None
    line2: str | None = None
    region: str | None = None
    phone: str | None = None

    def to_domain(self) -> DomainAddress:
        return DomainAddress(
            line1=self.line1,
            city=self.city,
            postal_code=self.postal_code,
            country=self.country,
            name=self.name,
            company=self.company,
            line2=self.line2,
            region=self.region,
            phone=self.phone,
        )
