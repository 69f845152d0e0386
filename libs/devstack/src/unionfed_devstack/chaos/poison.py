"""Poison records for the flood scenario: each kind breaks a consumer differently.

- `malformed`: not a CloudEvent the platform can read (payload not JSON, or no ce_* headers);
- `wrong_version`: a type version no consumer knows (`…MemberRegistrationRequested.v9`): a
  tolerant reader skips it, so it must leave no effect and no dead letter;
- `failing`: a valid request whose effect the database refuses (a NUL character in the
  employer, which PostgreSQL text cannot hold), so the handler fails on every attempt.

The record key is the poison id: dead letters keep the original key, so each one is matched back;
the employer `poison <key>` finds an effect a poison record must not have had."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .load import OutgoingRecord, registration_request

KINDS = ("malformed_json", "no_headers", "wrong_version", "failing")
# Whether the consumer must dead-letter each kind; otherwise it must skip it, with no effect.
# A version the consumer has no handler for is skipped and counted (tolerant reader), not
# dead-lettered: a newer producer is not a broken event.
DEAD_LETTERED = {"malformed_json": True, "no_headers": True, "wrong_version": False, "failing": True}


@dataclass(frozen=True)
class PoisonInput:
    key: str
    kind: str
    record: OutgoingRecord


def poison_record(kind: str, district: str, branch_id: str, key: str, person: int) -> OutgoingRecord:
    valid = registration_request(district, branch_id, key, person, f"poison {key}")
    if kind == "malformed_json":
        return replace(valid, value=b'{"request_id": "' + key.encode() + b'", ')
    if kind == "no_headers":
        return replace(valid, headers=[("content-type", b"application/json")])
    if kind == "wrong_version":
        headers = [(k, v.replace(b".v1", b".v9") if k == "ce_type" else v) for k, v in valid.headers]
        return replace(valid, headers=headers)
    if kind == "failing":
        return registration_request(district, branch_id, key, person, f"poison\x00{key}")
    raise ValueError(f"unknown poison kind {kind!r}")


def poison_inputs(
    scenario: str, district: str, branch_id: str, count: int, first_person: int, failing: int
) -> list[PoisonInput]:
    """`count` poison records, `failing` of them of the slow kind (each costs the consumer its
    retries), the rest spread over the kinds that are dead-lettered at once."""
    fast_kinds = [k for k in KINDS if k != "failing"]
    inputs = []
    for n in range(count):
        kind = "failing" if n < failing else fast_kinds[n % len(fast_kinds)]
        key = f"chaos-{scenario}-p{n}"
        inputs.append(PoisonInput(key, kind, poison_record(kind, district, branch_id, key, first_person + n)))
    return inputs
