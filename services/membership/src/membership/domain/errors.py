"""Domain errors. Each names the input field it concerns so the API and the bulk-import
report can point at the right box; messages are shown to people, so they never carry a
full resident ID or phone number."""

from __future__ import annotations


class DomainError(Exception):
    field: str | None = None

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        if field is not None:
            self.field = field


class InvalidNationalId(DomainError):
    field = "national_id"


class InvalidPhone(DomainError):
    field = "phone"


class InvalidName(DomainError):
    field = "name"


class AlreadyMember(DomainError):
    field = "national_id"

    def __init__(self, card_number: str) -> None:
        # Only the tail: enough for the person to recognise their card, useless to anyone else.
        self.card_tail = card_number[-4:]
        super().__init__(f"this person is already an active member (card ending {self.card_tail})")


class InvalidTransition(DomainError):
    """A state change the member's or branch's current state does not allow."""


class BranchClosedError(InvalidTransition):
    field = "branch_id"

    def __init__(self, branch_name: str) -> None:
        super().__init__(f"branch {branch_name} is closed and accepts no members")


class CsvFormatError(DomainError):
    """The file as a whole cannot be read (encoding, missing columns); no row is imported."""


class NotFound(DomainError):
    """The member, application or branch a command names does not exist (HTTP 404)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
