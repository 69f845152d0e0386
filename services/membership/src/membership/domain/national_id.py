"""PRC resident ID numbers (GB 11643-1999): validation, masking and the vault that keeps
them out of plain sight. A full ID never appears in an error message, log line or event."""

from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata
from datetime import date

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from membership.domain.errors import InvalidNationalId

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_MAP = "10X98765432"
_DIGITS = frozenset("0123456789")


def normalise_national_id(raw: str) -> str:
    # NFKC folds full-width digits and 'Ｘ' typed on Chinese keyboards; split() drops any whitespace.
    return "".join(unicodedata.normalize("NFKC", raw).split()).upper()


def check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_MAP[total % 11]


def validate_national_id(raw: str, *, today: date | None = None) -> str:
    """Return the normalised ID or raise InvalidNationalId saying what is wrong with it."""
    nid = normalise_national_id(raw)
    if not nid:
        raise InvalidNationalId("is required")
    if len(nid) != 18:
        raise InvalidNationalId(f"must be 18 characters, got {len(nid)}")
    if not _DIGITS.issuperset(nid[:17]):
        raise InvalidNationalId("the first 17 characters must be digits")
    if nid[17] not in _DIGITS and nid[17] != "X":
        raise InvalidNationalId("the last character must be a digit or X")
    if nid[0] == "0":
        raise InvalidNationalId("region code (first 6 digits) cannot start with 0")
    _check_birth_date(nid[6:14], today or date.today())
    if check_char(nid[:17]) != nid[17]:
        raise InvalidNationalId("checksum does not match; please check for a mistyped digit")
    return nid


def _check_birth_date(yyyymmdd: str, today: date) -> None:
    shown = f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        raise InvalidNationalId(f"birth date {shown} is not a date") from None
    if born.year < 1900:
        raise InvalidNationalId(f"birth year {born.year} is before 1900")
    if born > today:
        raise InvalidNationalId(f"birth date {shown} is in the future")


def mask_national_id(nid: str) -> str:
    nid = normalise_national_id(nid)
    if len(nid) < 12:  # too short to show 8 characters and still hide most of it
        return "*" * len(nid)
    return nid[:4] + "*" * (len(nid) - 8) + nid[-4:]


def birth_date(nid: str) -> date:
    nid = normalise_national_id(nid)
    return date(int(nid[6:10]), int(nid[10:12]), int(nid[12:14]))


def age_on(nid: str, day: date) -> int:
    born = birth_date(nid)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def make_test_national_id(region: str = "110105", birth: date = date(1990, 1, 1), seq: int = 123) -> str:
    """A checksum-valid ID for tests and demo data. seq is 0-999; odd means male, even female."""
    if len(region) != 6 or not region.isdigit() or not 0 <= seq <= 999:
        raise ValueError("region must be 6 digits and seq 0-999")
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


class NationalIdVault:
    """Keyed lookup hash (for uniqueness checks without storing the ID) and AES-GCM
    encryption (for the rare officer who must see it). Separate derived keys mean a leaked
    hash key cannot decrypt and vice versa."""

    KEY_VERSION = 1
    _NONCE_LEN = 12

    def __init__(self, secret: bytes) -> None:
        if not isinstance(secret, bytes) or len(secret) < 32:
            raise ValueError("the vault secret must be at least 32 bytes")
        self._lookup_key = _derive(secret, b"unionfed/membership/national_id/lookup")
        self._aead = AESGCM(_derive(secret, b"unionfed/membership/national_id/encrypt"))
        self._version = bytes([self.KEY_VERSION])

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


def _derive(secret: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(secret)
