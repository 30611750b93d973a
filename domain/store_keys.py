"""Store keys: `pk_…` for storefronts, `sk_…` for the shop's back office. Only hashes are kept;
the keys carry 192 bits or more of randomness, so a plain SHA-256 is enough to hide them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from domain.store import Access

PUBLIC_PREFIX = "pk_"
SECRET_PREFIX = "sk_"


def new_store_id() -> str:
    return "st_" + secrets.token_urlsafe(12)


def new_public_key() -> str:
    return PUBLIC_PREFIX + secrets.token_urlsafe(24)


def new_secret_key() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def access_of(key: str) -> Access | None:
    if key.startswith(SECRET_PREFIX):
        return Access.SECRET
    if key.startswith(PUBLIC_PREFIX):
        return Access.PUBLIC
    return None


def derived_keys(seed: bytes, store_id: str) -> tuple[str, str]:
    """Keys that can be made again from a secret seed: the demo store prints the same keys on
    every start without keeping them in the clear."""

    def derive(purpose: str) -> str:
        digest = hmac.new(seed, f"{store_id}:{purpose}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    return PUBLIC_PREFIX + derive("public"), SECRET_PREFIX + derive("secret")
