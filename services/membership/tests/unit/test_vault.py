from datetime import date
from typing import Any

import pytest
from membership.adapters.vault import ContactKey, NationalIdVault
from membership.domain.national_id import make_test_national_id
from unionfed_chassis import contact_seal

SECRET = b"k" * 32
KEY = ContactKey(contact_seal.dev_public_key(), contact_seal.DEV_KEY_ID)
NID = make_test_national_id("310115", date(1979, 3, 8), 42)


def test_refuses_short_or_non_bytes_secret() -> None:
    with pytest.raises(ValueError):
        NationalIdVault(b"short", KEY)
    with pytest.raises(ValueError):
        not_bytes: Any = "x" * 40
        NationalIdVault(not_bytes, KEY)


def test_lookup_hash_is_stable_and_normalises_input() -> None:
    vault = NationalIdVault(SECRET, KEY)
    digest = vault.lookup_hash(NID)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert NationalIdVault(SECRET, KEY).lookup_hash(f" {NID.lower()} ") == digest


def test_lookup_hash_depends_on_the_key() -> None:
    assert NationalIdVault(SECRET, KEY).lookup_hash(NID) != NationalIdVault(b"j" * 32, KEY).lookup_hash(NID)


def test_encrypt_round_trips_and_hides_the_plaintext() -> None:
    vault = NationalIdVault(SECRET, KEY)
    blob = vault.encrypt(NID)
    assert blob[0] == NationalIdVault.KEY_VERSION
    assert NID.encode() not in blob and NID[6:14].encode() not in blob
    assert vault.decrypt(blob) == NID


def test_encryption_is_randomised() -> None:
    vault = NationalIdVault(SECRET, KEY)
    assert vault.encrypt(NID) != vault.encrypt(NID)


def test_lookup_key_differs_from_encryption_key() -> None:
    vault = NationalIdVault(SECRET, KEY)
    assert vault.lookup_hash(NID).encode() not in vault.encrypt(NID)
    assert vault._lookup_key != SECRET


def test_decrypt_refuses_tampering_other_keys_and_unknown_versions() -> None:
    vault = NationalIdVault(SECRET, KEY)
    blob = bytearray(vault.encrypt(NID))
    with pytest.raises(ValueError, match="another key"):
        NationalIdVault(b"j" * 32, KEY).decrypt(bytes(blob))
    blob[-1] ^= 1
    with pytest.raises(ValueError, match="corrupt"):
        vault.decrypt(bytes(blob))
    with pytest.raises(ValueError, match="key version"):
        vault.decrypt(b"\x09" + bytes(blob[1:]))


def test_seal_round_trips_bytes_and_is_bound_to_the_key() -> None:
    vault = NationalIdVault(SECRET, KEY)
    data = f"name,national_id\n张伟,{NID}\n".encode()
    sealed = vault.seal(data)
    assert NID.encode() not in sealed and vault.unseal(sealed) == data
    with pytest.raises(ValueError, match="another key"):
        NationalIdVault(b"j" * 32, KEY).unseal(sealed)
    with pytest.raises(ValueError):
        vault.decrypt(sealed)  # a sealed file is not an ID ciphertext (different associated data)


def test_seals_contact_points_that_only_the_private_key_opens() -> None:
    sealed = NationalIdVault(SECRET, KEY).seal_contact("13912345678", "li@example.com")
    assert "13912345678" not in sealed and "example" not in sealed
    opened = contact_seal.ContactKeyring({KEY.key_id: contact_seal.dev_private_key()}).unseal(
        KEY.key_id, sealed
    )
    assert (opened.phone, opened.email) == ("13912345678", "li@example.com")
