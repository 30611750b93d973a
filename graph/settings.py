"""Configuration from `CHECKOUT_FLOW_*` environment variables and a `.env` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, field_validator
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
    run_worker: bool = True

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
