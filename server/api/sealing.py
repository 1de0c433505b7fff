"""Personal data inside stored JSON: NIK and phone encrypted in event payloads and in
quarantined records ("enc:<key id>:..."), and the keyed hash that names a refused record."""
from __future__ import annotations

from .. import jsoncodec
from ..crypto import data_keys

# Payload fields holding personal data: encrypted inside stored event and quarantine JSON.
SEALED = ("id_number", "phone")


SEAL_PREFIX = "enc:"


def _seal_dict(values: dict) -> dict:
    out = dict(values)
    for name in SEALED:
        value = out.get(name)
        if isinstance(value, str) and value and not value.startswith(SEAL_PREFIX):
            out[name] = SEAL_PREFIX + data_keys().encrypt(value)
    return out


def _unseal_dict(values: dict) -> dict:
    out = dict(values)
    for name in SEALED:
        value = out.get(name)
        if isinstance(value, str) and value.startswith(SEAL_PREFIX):
            out[name] = data_keys().decrypt(value[len(SEAL_PREFIX):])
    return out


def seal_payload(kind: str, payload: dict) -> dict:
    """Return the payload with NIK and phone encrypted, as it is stored."""
    if kind == "registration":
        return _seal_dict(payload)
    if kind == "correction" and isinstance(payload.get("fields"), dict):
        return dict(payload, fields=_seal_dict(payload["fields"]))
    return payload


def unseal_payload(kind: str, payload: dict) -> dict:
    """Return a stored payload with NIK and phone decrypted."""
    if kind == "registration":
        return _unseal_dict(payload)
    if kind == "correction" and isinstance(payload.get("fields"), dict):
        return dict(payload, fields=_unseal_dict(payload["fields"]))
    return payload


# A sealed value that was not a string: its JSON text, marked by a NUL (no accepted string
# holds one), so the admin sees what the tablet sent, of the type it sent.
SEALED_JSON_MARK = "\x00"


def _seal_value(value):
    if isinstance(value, str):
        return value if not value or value.startswith(SEAL_PREFIX) else SEAL_PREFIX + data_keys().encrypt(value)
    if value is None:
        return None
    return SEAL_PREFIX + data_keys().encrypt(SEALED_JSON_MARK + jsoncodec.dumps(value))


def _unseal_value(value):
    if isinstance(value, str) and value.startswith(SEAL_PREFIX):
        plain = data_keys().decrypt(value[len(SEAL_PREFIX):])
        return jsoncodec.loads(plain[1:]) if plain.startswith(SEALED_JSON_MARK) else plain
    return value


def _seal_anywhere(value):
    """Return a refused record with every personal field sealed, at any depth and whatever
    its JSON type (a NIK sent as a number, a phone outside the payload)."""
    if isinstance(value, dict):
        return {k: _seal_value(v) if k in SEALED else _seal_anywhere(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_seal_anywhere(v) for v in value]
    return value


def unseal_anywhere(value):
    """Return a refused record with every sealed personal field decrypted, at any depth."""
    if isinstance(value, dict):
        return {k: _unseal_value(v) if k in SEALED else unseal_anywhere(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unseal_anywhere(v) for v in value]
    return value


def seal_record(record) -> dict:
    """Return a refused record as quarantine keeps it: an object, personal fields sealed."""
    if not isinstance(record, dict):
        record = {"value": record}
    return _seal_anywhere(record)


def record_hash(record) -> str:
    """Return the keyed hash that names a refused record (a re-send is quarantined once).

    Keyed like the NIK lookup hash: a record may be little more than a NIK."""
    return data_keys().lookup_hash(jsoncodec.dumps_sorted(record))
