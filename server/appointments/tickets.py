"""QR tickets: each office signs its appointments with an ECDSA P-256 key; tablets verify
offline with WebCrypto (the public key travels as a JWK in the pull's office record).

Ticket text: ``SITAMU1.<payload>.<signature>`` (sync/PROTOCOL.md "Appointments"), the payload
the base64url of compact JSON {"a", "o", "d", "t", "q"}, the signature IEEE P1363 (r||s).
"""

import base64
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from ..models import Appointment, Office

PREFIX = "SITAMU1"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def office_private_key(office: Office) -> ec.EllipticCurvePrivateKey:
    """Return the office's ticket key, making it (stored sealed) on first use; the caller commits."""
    if not office.ticket_key:
        key = ec.generate_private_key(ec.SECP256R1())
        office.ticket_key = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return key
    return serialization.load_pem_private_key(office.ticket_key.encode(), password=None)


def public_jwk(office: Office) -> dict:
    """Return the office's ticket public key as a JWK WebCrypto imports for ECDSA P-256."""
    numbers = office_private_key(office).public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
    }


def ticket_payload(appointment: Appointment) -> dict:
    return {
        "a": appointment.id,
        "o": appointment.office.code,
        "d": appointment.date.isoformat(),
        "t": appointment.time,
        "q": appointment.queue,
    }


def ticket_text(appointment: Appointment) -> str:
    """Return the QR text of an appointment's ticket, signed with its office's key."""
    payload = b64url(json.dumps(ticket_payload(appointment), separators=(",", ":")).encode())
    der = office_private_key(appointment.office).sign(
        payload.encode("ascii"), ec.ECDSA(hashes.SHA256())
    )
    r, s = decode_dss_signature(der)
    return f"{PREFIX}.{payload}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def verify_ticket(text: str, jwk: dict) -> dict | None:
    """Return the ticket's payload if `text` is signed by the key `jwk`, else None."""
    parts = (text or "").strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    try:
        raw = b64url_decode(parts[2])
        if len(raw) != 64:
            return None
        public = ec.EllipticCurvePublicNumbers(
            int.from_bytes(b64url_decode(jwk["x"]), "big"),
            int.from_bytes(b64url_decode(jwk["y"]), "big"),
            ec.SECP256R1(),
        ).public_key()
        signature = encode_dss_signature(
            int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        )
        public.verify(signature, parts[1].encode("ascii"), ec.ECDSA(hashes.SHA256()))
        return json.loads(b64url_decode(parts[1]))
    except (InvalidSignature, ValueError, KeyError, UnicodeError):
        return None


def qr_svg(text: str) -> str:
    """Return the ticket's QR as an SVG document (segno, no network)."""
    import segno

    return segno.make(text, error="m", micro=False).svg_inline(scale=4, border=2)
