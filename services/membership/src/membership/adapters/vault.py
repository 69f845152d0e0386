"""The national-ID vault: keyed lookup hashes and AES-GCM encryption of ID and phone numbers, and
of files that hold them; and the sealing of contact points to the notifications service's public
key. Infrastructure (keys, ciphers), so it lives with the adapters; the domain only validates and
masks."""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from unionfed_chassis import contact_seal

from membership.domain.national_id import normalise_national_id


@dataclass(frozen=True)
class ContactKey:
    """The notifications service's public key (base64) that contact points are sealed to, and its id."""

    public_key: str
    key_id: str


class NationalIdVault:
    """Keyed lookup hash (for uniqueness checks without storing the ID) and AES-GCM
    encryption (for the rare officer who must see it). Separate derived keys mean a leaked
    hash key cannot decrypt and vice versa."""

    KEY_VERSION = 1
    _NONCE_LEN = 12

    def __init__(self, secret: bytes, contact_key: ContactKey) -> None:
        if not isinstance(secret, bytes) or len(secret) < 32:
            raise ValueError("the vault secret must be at least 32 bytes")
        self._lookup_key = _derive(secret, b"unionfed/membership/national_id/lookup")
        self._aead = AESGCM(_derive(secret, b"unionfed/membership/national_id/encrypt"))
        self._version = bytes([self.KEY_VERSION])
        self.contact_key = contact_key

    def lookup_hash(self, nid: str) -> str:
        data = normalise_national_id(nid).encode()
        return hmac.new(self._lookup_key, data, hashlib.sha256).hexdigest()

    def encrypt(self, nid: str) -> bytes:
        nonce = os.urandom(self._NONCE_LEN)
        # The version byte is authenticated too, so it cannot be swapped to confuse a future rotation.
        sealed = self._aead.encrypt(nonce, normalise_national_id(nid).encode(), self._version)
        return self._version + nonce + sealed

    def seal(self, data: bytes) -> bytes:
        """Encrypt arbitrary bytes (e.g. a failed-rows file that holds IDs) with the same key."""
        nonce = os.urandom(self._NONCE_LEN)
        return self._version + nonce + self._aead.encrypt(nonce, data, self._version + b"blob")

    def unseal(self, blob: bytes) -> bytes:
        if blob[:1] != self._version:
            raise ValueError("ciphertext was sealed with an unknown key version")
        nonce, sealed = blob[1 : 1 + self._NONCE_LEN], blob[1 + self._NONCE_LEN :]
        try:
            return self._aead.decrypt(nonce, sealed, self._version + b"blob")
        except InvalidTag:
            raise ValueError("ciphertext is corrupt or was sealed with another key") from None

    def decrypt(self, blob: bytes) -> str:
        if blob[:1] != self._version:
            raise ValueError("ciphertext was sealed with an unknown key version")
        nonce, sealed = blob[1 : 1 + self._NONCE_LEN], blob[1 + self._NONCE_LEN :]
        try:
            return self._aead.decrypt(nonce, sealed, self._version).decode()
        except InvalidTag:
            raise ValueError("ciphertext is corrupt or was sealed with another key") from None

    def seal_contact(self, phone: str | None, email: str | None) -> str:
        """Base64 sealed box of the phone and e-mail that only the notifications service opens."""
        return contact_seal.seal(self.contact_key.public_key, contact_seal.ContactPoints(phone, email))


def _derive(secret: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(secret)
