from datetime import date
from typing import Any

import pytest
from membership.adapters.vault import NationalIdVault
from membership.domain.national_id import make_test_national_id

SECRET = b"k" * 32
NID = make_test_national_id("310115", date(1979, 3, 8), 42)


def test_refuses_short_or_non_bytes_secret() -> None:
    with pytest.raises(ValueError):
        NationalIdVault(b"short")
    with pytest.raises(ValueError):
        not_bytes: Any = "x" * 40
        NationalIdVault(not_bytes)


def test_lookup_hash_is_stable_and_normalises_input() -> None:
    vault = NationalIdVault(SECRET)
    digest = vault.lookup_hash(NID)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert NationalIdVault(SECRET).lookup_hash(f" {NID.lower()} ") == digest


def test_lookup_hash_depends_on_the_key() -> None:
    assert NationalIdVault(SECRET).lookup_hash(NID) != NationalIdVault(b"j" * 32).lookup_hash(NID)


def test_encrypt_round_trips_and_hides_the_plaintext() -> None:
    vault = NationalIdVault(SECRET)
    blob = vault.encrypt(NID)
    assert blob[0] == NationalIdVault.KEY_VERSION
    assert NID.encode() not in blob and NID[6:14].encode() not in blob
    assert vault.decrypt(blob) == NID


def test_encryption_is_randomised() -> None:
    vault = NationalIdVault(SECRET)
    assert vault.encrypt(NID) != vault.encrypt(NID)


def test_lookup_key_differs_from_encryption_key() -> None:
    vault = NationalIdVault(SECRET)
    assert vault.lookup_hash(NID).encode() not in vault.encrypt(NID)
    assert vault._lookup_key != SECRET


def test_decrypt_refuses_tampering_other_keys_and_unknown_versions() -> None:
    vault = NationalIdVault(SECRET)
    blob = bytearray(vault.encrypt(NID))
    with pytest.raises(ValueError, match="another key"):
        NationalIdVault(b"j" * 32).decrypt(bytes(blob))
    blob[-1] ^= 1
    with pytest.raises(ValueError, match="corrupt"):
        vault.decrypt(bytes(blob))
    with pytest.raises(ValueError, match="key version"):
        vault.decrypt(b"\x09" + bytes(blob[1:]))


def test_seal_round_trips_bytes_and_is_bound_to_the_key() -> None:
    vault = NationalIdVault(SECRET)
    data = f"name,national_id\n张伟,{NID}\n".encode()
    sealed = vault.seal(data)
    assert NID.encode() not in sealed and vault.unseal(sealed) == data
    with pytest.raises(ValueError, match="another key"):
        NationalIdVault(b"j" * 32).unseal(sealed)
    with pytest.raises(ValueError):
        vault.decrypt(sealed)  # a sealed file is not an ID ciphertext (different associated data)
