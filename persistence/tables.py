"""The schema, as SQLAlchemy Core tables. Money is kept in minor units (BIGINT), never as a
float; every row that belongs to a store carries its `store_id`."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from persistence.types import UtcDateTime, json_column_type

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

JSON = json_column_type()
# SQLite gives INTEGER PRIMARY KEY its rowid behaviour only for the exact type INTEGER.
Serial = BigInteger().with_variant(Integer(), "sqlite")
OPEN_STATUSES = ("ACTIVE", "PAYMENT_PENDING", "COMPLETABLE")
OPEN_CHECKOUT = "status IN ('ACTIVE', 'PAYMENT_PENDING', 'COMPLETABLE')"

stores = Table(
    "stores",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("public_key_hash", String(64), nullable=False, unique=True),
    Column("secret_key_hash", String(64), nullable=False, unique=True),
    Column("settings", JSON, nullable=False),
    Column("is_demo", Boolean, nullable=False, server_default=text("false")),
    Column("order_sequence", BigInteger, nullable=False, server_default=text("0")),
    Column("created_at", UtcDateTime, nullable=False),
)

option_sources = Table(
    "option_sources",
    metadata,
    Column("store_id", String(32), ForeignKey("stores.id"), nullable=False),
    Column("key", String(64), nullable=False),
    Column("option_values", JSON, nullable=False),
    PrimaryKeyConstraint("store_id", "key"),
)

products = Table(
    "products",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("store_id", String(32), ForeignKey("stores.id"), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("stock", Integer, nullable=True),
    Column("meta_definition", JSON, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("store_id", "sku"),
)

carts = Table(
    "carts",
    metadata,
    Column("pk", Serial, primary_key=True, autoincrement=True),
    Column("store_id", String(32), ForeignKey("stores.id"), nullable=False),
    Column("id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    UniqueConstraint("store_id", "id"),
    Index("ix_carts_status_expires_at", "status", "expires_at"),
)

cart_lines = Table(
    "cart_lines",
    metadata,
    Column("cart_pk", Serial, ForeignKey("carts.pk", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("product_id", Serial, ForeignKey("products.id"), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    PrimaryKeyConstraint("cart_pk", "position"),
)

payments = Table(
    "payments",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("store_id", String(32), ForeignKey("stores.id"), nullable=False),
    Column("checkout_id", Serial, ForeignKey("checkouts.id"), nullable=False, index=True),
    Column("provider", String(16), nullable=False),
    Column("flow", String(16), nullable=True),
    Column("status", String(24), nullable=False),
    Column("external_id", String(255), nullable=True),
    # Another id the provider knows the payment by (the pi_… behind a Stripe session).
    Column("related_external_id", String(255), nullable=True, index=True),
    Column("redirect_url", Text, nullable=True),
    Column("client_secret", String(255), nullable=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("refunded_minor", BigInteger, nullable=False, server_default=text("0")),
    Column("currency", String(3), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("provider", "external_id"),
)

checkouts = Table(
    "checkouts",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("token", String(64), nullable=False, unique=True),
    Column("store_id", String(32), ForeignKey("stores.id"), nullable=False),
    Column("cart_pk", Serial, ForeignKey("carts.pk"), nullable=False),
    Column("status", String(24), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("customer", JSON, nullable=True),
    Column("shipping_method_id", String(64), nullable=True),
    Column("shipping_override_minor", BigInteger, nullable=True),
    Column("tax_override_minor", BigInteger, nullable=True),
    Column("subtotal_minor", BigInteger, nullable=False),
    Column("shipping_minor", BigInteger, nullable=False),
    Column("tax_minor", BigInteger, nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("checkout_metadata", JSON, nullable=False),
    # The payment the shopper is on now; older ones stay in `payments` (no foreign key, since
    # payments already point at their checkout).
    Column("payment_id", Serial, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("snapshot_at", UtcDateTime, nullable=False),
    # One open checkout per cart, however many requests race to start one.
    Index(
        "uq_checkouts_open_per_cart",
        "cart_pk",
        unique=True,
        sqlite_where=text(OPEN_CHECKOUT),
        postgresql_where=text(OPEN_CHECKOUT),
    ),
    Index("ix_checkouts_status_expires_at", "status", "expires_at"),
)

checkout_lines = Table(
    "checkout_lines",
    metadata,
    Column("checkout_id", Serial, ForeignKey("checkouts.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("product_id", Serial, ForeignKey("products.id"), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_minor", BigInteger, nullable=False),
    Column("meta", JSON, nullable=True),
    PrimaryKeyConstraint("checkout_id", "position"),
)

stock_reservations = Table(
    "stock_reservations",
    metadata,
    Column("checkout_id", Serial, ForeignKey("checkouts.id", ondelete="CASCADE"), nullable=False),
    Column("product_id", Serial, ForeignKey("products.id"), nullable=False, index=True),
    Column("quantity", Integer, nullable=False),
    PrimaryKeyConstraint("checkout_id", "product_id"),
)

orders = Table(
    "orders",
    metadata,
    Column("pk", Serial, primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False, unique=True),
    Column("store_id", String(32), ForeignKey("stores.id"), nullable=False),
    Column("number", String(32), nullable=False),
    # The guarantee behind exactly-once completion: one order per checkout.
    Column("checkout_id", Serial, ForeignKey("checkouts.id"), nullable=False, unique=True),
    Column("checkout_token", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("payment_status", String(24), nullable=False),
    Column("customer", JSON, nullable=False),
    Column("account_id", String(128), nullable=True),
    Column("currency", String(3), nullable=False),
    Column("subtotal_minor", BigInteger, nullable=False),
    Column("shipping_minor", BigInteger, nullable=False),
    Column("tax_minor", BigInteger, nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("payment_id", Serial, ForeignKey("payments.id"), nullable=True),
    Column("cancel_reason", String(500), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("store_id", "number"),
    Index("ix_orders_store_id_pk", "store_id", "pk"),
    Index("ix_orders_store_id_account_id", "store_id", "account_id"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_pk", Serial, ForeignKey("orders.pk", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("product_id", Serial, ForeignKey("products.id"), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_minor", BigInteger, nullable=False),
    Column("meta", JSON, nullable=True),
    PrimaryKeyConstraint("order_pk", "position"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("store_id", String(32), ForeignKey("stores.id"), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("available_at", UtcDateTime, nullable=False),
    Column("locked_until", UtcDateTime, nullable=True),
    Column("delivered_at", UtcDateTime, nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_outbox_due", "delivered_at", "available_at"),
)

provider_credentials = Table(
    "provider_credentials",
    metadata,
    Column("store_id", String(32), ForeignKey("stores.id"), nullable=False),
    Column("provider", String(16), nullable=False),
    # Sealed with the vault key (AES-GCM); the key id inside names the key that sealed it.
    Column("api_key_sealed", Text, nullable=False),
    Column("webhook_secret_sealed", Text, nullable=True),
    Column("api_key_last4", String(4), nullable=False),
    Column("webhook_secret_last4", String(4), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("store_id", "provider"),
)

# Every provider event is written here before it is acted on: a replay finds its row.
provider_events = Table(
    "provider_events",
    metadata,
    Column("provider", String(16), nullable=False),
    Column("event_id", String(255), nullable=False),
    Column("store_id", String(32), ForeignKey("stores.id"), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("provider", "event_id"),
)
