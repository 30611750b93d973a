"""Configuration from `CHECKOUT_FLOW_*` environment variables and a `.env` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
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
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"
    worker_interval_seconds: float = 1.0
    run_worker: bool = True

    @property
    def is_production(self) -> bool:
        return self.env == "production"
