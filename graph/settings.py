"""Configuration from `CHECKOUT_FLOW_*` environment variables and a `.env` file."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./checkout_flow.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CHECKOUT_FLOW_", env_file=".env", extra="ignore", frozen=True
    )

    env: Literal["development", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    database_pool_size: int = 10
    public_base_url: str = "http://127.0.0.1:8000"
    vault_key: SecretStr | None = None
    # Earlier vault keys, comma-separated: secrets sealed with them still open after rotation.
    vault_old_keys: SecretStr = SecretStr("")
    smtp_url: SecretStr | None = None
    mail_dir: Path = Path("./mail")
    mail_sender: str = "Checkout Flow <orders@checkout-flow.localhost>"
    pubsub_url: str = ""
    stripe_api_base: str = ""
    mollie_api_base: str = ""
    provider_timeout_seconds: float = 10.0
    graphiql: bool = True
    # The demo storefront at /demo; unset: on, except when env is production.
    demo_page: bool | None = None
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"
    worker_interval_seconds: float = 1.0
    # How long a worker holds an outbox message it is delivering; one that dies holding it
    # leaves it to be delivered again once the lease runs out.
    outbox_lease_seconds: float = Field(default=120.0, gt=0)
    run_worker: bool = True
    # Calls per minute, per client IP and per store, to the mutations that call a payment
    # provider or send mail (a token bucket each, kept in this process); 0 turns one off.
    rate_limit_per_minute_ip: int = Field(default=60, ge=0)
    rate_limit_per_minute_store: int = Field(default=600, ge=0)
    # Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For is
    # believed; from anyone else the header is ignored.
    trusted_proxies: str = ""
    # Open WebSocket connections per client IP; 0: no limit.
    websocket_connections_per_ip: int = Field(default=20, ge=0)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @field_validator("demo_page", mode="before")
    @classmethod
    def _empty_demo_page_is_unset(cls, value: object) -> object:
        # `CHECKOUT_FLOW_DEMO_PAGE=` (empty, as a .env may have it) follows env like unset.
        return None if value == "" else value

    @property
    def serves_demo_page(self) -> bool:
        return not self.is_production if self.demo_page is None else self.demo_page

    @property
    def serves_graphiql(self) -> bool:
        # An explorer is a map of the API for whoever finds it: never in production.
        return self.graphiql and not self.is_production

    @property
    def logs_as(self) -> str:
        """JSON lines in production unless LOG_FORMAT was set; the console otherwise."""
        if "log_format" in self.model_fields_set or not self.is_production:
            return self.log_format
        return "json"

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        trusted_networks(value)  # a typo should stop the start, not trust nobody silently
        return value

    @property
    def trusted_proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return trusted_networks(self.trusted_proxies)


def trusted_networks(value: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """`10.0.0.1, 10.1.0.0/16, ::1` as networks; raises ValueError for anything else."""
    return tuple(
        ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()
    )
