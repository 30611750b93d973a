"""Secrets at rest: provider API keys and webhook signing secrets sealed with AES-GCM under
`CHECKOUT_FLOW_VAULT_KEY`, a fresh nonce per value. A sealed value names the key that sealed
it, so the vault key can be rotated: put the old keys in `CHECKOUT_FLOW_VAULT_OLD_KEYS` and
values sealed with them still open, while new ones are sealed with the current key."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"


class VaultLocked(Exception):
    """No vault key, or none that opens this value. Says which key id, never a secret."""


def _key_bytes(key: str) -> bytes:
    """32 bytes from the configured text: base64 of 32 bytes as `init-env` writes it, or
    else a SHA-256 of whatever passphrase was given."""
    try:
        raw = base64.urlsafe_b64decode(key.encode() + b"=" * (-len(key) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    return raw if len(raw) == 32 else hashlib.sha256(key.encode()).digest()


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"checkout-flow vault key id:" + key).hexdigest()[:12]


class Vault:
    def __init__(self, current: str | None, old: Iterable[str] = ()) -> None:
        self._current = _key_bytes(current) if current else None
        keys = [_key_bytes(k) for k in old if k]
        if self._current is not None:
            keys.insert(0, self._current)
        self._keys = {key_id(k): k for k in keys}

    def seal(self, secret: str) -> str:
        if self._current is None:
            raise VaultLocked("CHECKOUT_FLOW_VAULT_KEY is not set; secrets cannot be stored")
        nonce = secrets.token_bytes(12)
        kid = key_id(self._current)
        sealed = AESGCM(self._current).encrypt(nonce, secret.encode(), kid.encode())
        return ":".join((VERSION, kid, _b64(nonce), _b64(sealed)))

    def open(self, sealed: str) -> str:
        try:
            version, kid, nonce, body = sealed.split(":")
        except ValueError:
            raise VaultLocked("a stored secret is not in the vault's format") from None
        key = self._keys.get(kid)
        if version != VERSION or key is None:
            raise VaultLocked(f"no vault key with id {kid} is configured")
        try:
            return AESGCM(key).decrypt(_unb64(nonce), _unb64(body), kid.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise VaultLocked(f"the secret sealed with key {kid} does not open") from None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
