"""Members' contact points sealed to the notifications service's key.

Membership owns phone numbers and e-mail addresses; notifications needs them to send, and nobody
else may read them. So membership seals them (libsodium public-key box: X25519 + XSalsa20-Poly1305) to the
notifications service's public key before they leave its database: the broker, its operators and
every other consumer of the private topic see ciphertext only. Notifications keeps the sealed box
as it came and opens it at the moment it sends.

A box is `version || ephemeral public key || nonce || ciphertext`. The sender's key pair is
ephemeral like libsodium's sealed box, but used for up to `SEALS_PER_EPHEMERAL_KEY` boxes: a
sealed box makes a key pair and a key exchange per box (about 120 µs), which the bulk import
paid per member; one exchange per thousand members, then a random nonce per box, costs a few µs.
The sender keeps no key that opens what it sealed for longer than those thousand boxes.

Key rotation: each sealed box names its `key_id`; notifications holds the current key and may
keep the previous one (`ContactKeyring`) until membership has re-published with the new one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass

from nacl.exceptions import CryptoError
from nacl.public import Box, PrivateKey, PublicKey
from nacl.utils import random as random_bytes

# Development only (refused outside ENVIRONMENT=development by the services' settings), like the
# chassis's dev JWT secret: a fixed key both services derive, so `make run` needs no key set-up.
DEV_KEY_ID = "dev-1"
_DEV_SEED = hashlib.sha256(b"unionfed development contact-points key").digest()
_VERSION = b"\x01"
_KEY = 32
SEALS_PER_EPHEMERAL_KEY = 1000


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
    return base64.b64encode(_sealer(public_key_b64).seal(plain.encode())).decode()


class _Sealer:
    """Boxes to one recipient key from an ephemeral key pair, replaced every
    SEALS_PER_EPHEMERAL_KEY boxes (the bulk import seals from a worker thread: a lock)."""

    def __init__(self, recipient: PublicKey) -> None:
        self._recipient = recipient
        self._lock = threading.Lock()
        self._box, self._ephemeral, self._left = self._fresh()

    def _fresh(self) -> tuple[Box, bytes, int]:
        ephemeral = PrivateKey.generate()
        return Box(ephemeral, self._recipient), bytes(ephemeral.public_key), SEALS_PER_EPHEMERAL_KEY

    def seal(self, plain: bytes) -> bytes:
        with self._lock:
            if self._left == 0:
                self._box, self._ephemeral, self._left = self._fresh()
            self._left -= 1
            box, ephemeral = self._box, self._ephemeral
        nonce = random_bytes(Box.NONCE_SIZE)
        return _VERSION + ephemeral + nonce + box.encrypt(plain, nonce).ciphertext


_SEALERS: dict[str, _Sealer] = {}


def _sealer(public_key_b64: str) -> _Sealer:
    sealer = _SEALERS.get(public_key_b64)
    if sealer is None:
        sealer = _SEALERS[public_key_b64] = _Sealer(PublicKey(base64.b64decode(public_key_b64)))
    return sealer


class UnknownContactKey(Exception):
    """Sealed to a key this service does not hold (rotated away, or another environment's)."""


class ContactKeyring:
    """The notifications service's private keys by id: the current one, and older ones kept
    while records sealed to them may still be read."""

    def __init__(self, keys: dict[str, str]) -> None:
        self._keys = {kid: PrivateKey(base64.b64decode(k)) for kid, k in keys.items()}
        # One key exchange per sender key pair seen (a thousand boxes each), not one per box.
        self._boxes: dict[tuple[str, bytes], Box] = {}
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
        key = self._keys.get(key_id)
        if key is None:
            raise UnknownContactKey(f"sealed to key {key_id!r}, which this service does not hold")
        try:
            blob = base64.b64decode(sealed_b64)
            if blob[:1] != _VERSION or len(blob) < 1 + _KEY + Box.NONCE_SIZE:
                raise ValueError("not a contact box")
            ephemeral, nonce = blob[1 : 1 + _KEY], blob[1 + _KEY : 1 + _KEY + Box.NONCE_SIZE]
            box = self._boxes.get((key_id, ephemeral))
            if box is None:
                if len(self._boxes) > 10_000:
                    self._boxes.clear()
                box = self._boxes[(key_id, ephemeral)] = Box(key, PublicKey(ephemeral))
            return box.decrypt(blob[1 + _KEY + Box.NONCE_SIZE :], nonce).decode()
        except (CryptoError, ValueError) as exc:
            raise UnknownContactKey(f"sealed to key {key_id!r}, does not open") from exc
