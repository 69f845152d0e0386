"""`unionfed contact-key`: a key pair whose public half seals what the private half opens."""

from __future__ import annotations

from typer.testing import CliRunner
from unionfed_chassis import contact_seal
from unionfed_devstack.cli import app


def test_contact_key_prints_a_matching_pair_under_the_given_id() -> None:
    result = CliRunner().invoke(app, ["contact-key", "--key-id", "k-2027"])
    assert result.exit_code == 0, result.output
    lines = dict(line.split("=", 1) for line in result.output.splitlines() if "=" in line)
    assert lines["CONTACT_KEY_ID"] == "k-2027"
    sealed = contact_seal.seal(lines["CONTACT_PUBLIC_KEY"], contact_seal.ContactPoints("13900000000", None))
    keyring = contact_seal.ContactKeyring({"k-2027": lines["CONTACT_PRIVATE_KEY"]})
    assert keyring.unseal("k-2027", sealed).phone == "13900000000"
    again = CliRunner().invoke(app, ["contact-key"]).output
    assert lines["CONTACT_PRIVATE_KEY"] not in again, "a new key every time"
