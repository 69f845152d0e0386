"""Members' contact points sealed to the notifications service's key.

Membership owns phone numbers and e-mail addresses; notifications needs them to send, and nobody
else may read them. So membership seals them (libsodium sealed box: X25519 + XSalsa20-Poly1305,
anonymous sender) to the notifications service's public key before they leave its database:
the broker, its operators and every other consumer of the private topic see ciphertext only.
Notifications keeps the sealed box as it came and opens it at the moment it sends.

Key rotation: each sealed box names its `key_id`; notifications holds the current key and may
keep the previous one (`ContactKeyring`) until membership has re-published with the new one.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

# Development only (refused outside ENVIRONMENT=development by the services' settings), like the
# chassis's dev JWT secret: a fixed key both services derive, so `make run` needs no key set-up.
DEV_KEY_ID = "dev-1"
_DEV_SEED = hashlib.sha256(b"unionfed development contact-points key").digest()


@dataclass(frozen=True)
class ContactPoints:
    phone: str | None
    email: str | None

    def __repr__(self) -> str:  # never in a log or a traceback
        return f"ContactPoints(phone={'set' if self.phone else None}, email={'set' if self.email else None})"


def dev_private_key() -> str:
    return base64.b64encode(bytes(PrivateKey(_DEV_SEED))).decode()


def dev_public_key() -> str:
    return public_key_of(dev_private_key())


def public_key_of(private_key_b64: str) -> str:
    return base64.b64encode(bytes(PrivateKey(base64.b64decode(private_key_b64)).public_key)).decode()


def new_private_key() -> str:
    """A fresh key pair's private half, base64 (`unionfed contact-key`)."""
    return base64.b64encode(bytes(PrivateKey.generate())).decode()


def seal(public_key_b64: str, contact: ContactPoints) -> str:
    """Base64 of the sealed JSON `{"phone": ..., "email": ...}`."""
    plain = json.dumps({"phone": contact.phone, "email": contact.email}).encode()
    return seal_text(public_key_b64, plain.decode())


def seal_text(public_key_b64: str, plain: str) -> str:
    """Base64 of `plain` sealed to the key (the service's own secrets, e.g. webhook secrets)."""
    box = SealedBox(PublicKey(base64.b64decode(public_key_b64)))
    return base64.b64encode(box.encrypt(plain.encode())).decode()


class UnknownContactKey(Exception):
    """Sealed to a key this service does not hold (rotated away, or another environment's)."""


class ContactKeyring:
    """The notifications service's private keys by id: the current one, and older ones kept
    while records sealed to them may still be read."""

    def __init__(self, keys: dict[str, str]) -> None:
        self._boxes = {kid: SealedBox(PrivateKey(base64.b64decode(k))) for kid, k in keys.items()}
        self._public = {kid: public_key_of(k) for kid, k in keys.items()}

    def public_key(self, key_id: str) -> str:
        """The public half of a held key, to seal what the service keeps for itself (officers'
        addresses, webhook secrets); raises `UnknownContactKey` for a key not held."""
        if key_id not in self._public:
            raise UnknownContactKey(f"no contact key {key_id!r} is held")
        return self._public[key_id]

    def unseal(self, key_id: str, sealed_b64: str) -> ContactPoints:
        try:
            data = json.loads(self.unseal_text(key_id, sealed_b64))
        except ValueError as exc:
            raise UnknownContactKey(f"contact points sealed to key {key_id!r} do not open") from exc
        return ContactPoints(phone=data.get("phone"), email=data.get("email"))

    def unseal_text(self, key_id: str, sealed_b64: str) -> str:
        """What `seal_text` sealed to the key `key_id`."""
        box = self._boxes.get(key_id)
        if box is None:
            raise UnknownContactKey(f"sealed to key {key_id!r}, which this service does not hold")
        try:
            return box.decrypt(base64.b64decode(sealed_b64)).decode()
        except (CryptoError, ValueError) as exc:
            raise UnknownContactKey(f"sealed to key {key_id!r}, does not open") from exc
