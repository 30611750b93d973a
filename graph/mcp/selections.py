"""What each tool asks of its GraphQL twin: the selection sets behind the output schemas."""

from __future__ import annotations

MONEY = "{ amount currency }"
ADDRESS = "{ name company line1 line2 city postalCode region country phone }"
CUSTOMER = f"""{{ email name phone accountId
  shippingAddress {ADDRESS} billingAddress {ADDRESS} }}"""
LINE = f"{{ sku name quantity unitPrice {MONEY} total {MONEY} meta }}"
TOTALS = f"{{ subtotal {MONEY} shipping {MONEY} tax {MONEY} total {MONEY} }}"
SHIPPING_METHOD = f"{{ id name price {MONEY} }}"
ERRORS = "errors { code field message }"

# No clientSecret: it belongs in the shopper's browser (Stripe.js), not in a chat transcript.
CHECKOUT = f"""{{
  token status cartId expiresAt
  items {LINE}
  customer {CUSTOMER}
  shippingMethod {SHIPPING_METHOD}
  availableShippingMethods {SHIPPING_METHOD}
  payment {{ provider flow status externalId redirectUrl amount {MONEY} createdAt }}
  totals {TOTALS}
  order {{ id number status paymentStatus createdAt }}
  metadata
}}"""

CHECKOUT_PAYLOAD = f"{{ checkout {CHECKOUT} {ERRORS} }}"

COMPLETION_PAYLOAD = f"""{{
  order {{ id number status paymentStatus checkoutToken lines {LINE}
    customer {CUSTOMER} totals {TOTALS} createdAt }}
  checkout {CHECKOUT}
  {ERRORS}
}}"""

CART_PAYLOAD = f"""{{
  cart {{ id status lines {{ sku name quantity unitPrice {MONEY} total {MONEY} }}
    subtotal {MONEY} expiresAt }}
  {ERRORS}
}}"""

PRODUCT_PAGE = f"""{{
  edges {{ node {{
    sku name price {MONEY} available availableQuantity
    metaDefinition {{ key fields {{ name type required min max step pattern options
      optionsSource requiredWhenSet }} }}
  }} }}
  pageInfo {{ hasNextPage endCursor }}
  totalCount
}}"""
