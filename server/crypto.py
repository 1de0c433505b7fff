"""Personal data at rest: AES-GCM for NIK and phone, HMAC to find a guest by NIK.

Ciphertext is stored as text "<key id>:<base64(nonce + ciphertext)>" so that rows
written under an older key stay readable after rotation (see `sitamu rotate-key`).
"""
import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


class DataKeys:
    """The current data key and any older ones still needed to decrypt."""

    def __init__(self, current_hex: str, older_hex: list[str] | None = None):
        self.current = _parse_key(current_hex)
        self.by_id = {key_id(k): k for k in [self.current, *(_parse_key(h) for h in older_hex or [])]}
        # The lookup hash uses a key derived from the current data key; rotation rebuilds hashes.
        self.hmac_key = hashlib.sha256(b"sitamu-nik-lookup" + self.current).digest()

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        ct = AESGCM(self.current).encrypt(nonce, plaintext.encode(), None)
        return f"{key_id(self.current)}:{base64.b64encode(nonce + ct).decode()}"

    def decrypt(self, token: str) -> str:
        kid, _, body = token.partition(":")
        key = self.by_id.get(kid)
        if key is None:
            raise ValueError("personal data was encrypted with an unknown key")
        raw = base64.b64decode(body)
        return AESGCM(key).decrypt(raw[:12], raw[12:], None).decode()

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self.hmac_key, value.encode(), hashlib.sha256).hexdigest()


def _parse_key(hex_key: str) -> bytes:
    key = bytes.fromhex(hex_key.strip())
    if len(key) != 32:
        raise ValueError("SITAMU_DATA_KEY must be 64 hex characters (256 bits)")
    return key


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def data_keys() -> DataKeys:
    """Return the app's data keys."""
    return current_app.extensions["sitamu_data_keys"]


def nik_lookup_hash(nik: str) -> str:
    """Return the keyed hash used to find a returning guest by NIK."""
    return data_keys().lookup_hash(nik.strip())


class Encrypted(TypeDecorator):
    """A text column stored encrypted with the app's data key."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else data_keys().encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else data_keys().decrypt(value)
