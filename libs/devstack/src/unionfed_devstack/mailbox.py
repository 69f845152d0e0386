"""A local SMTP server (aiosmtpd) that keeps every message it accepts: in memory, for tests to
read, and, given a folder, as one `.eml` file per message (`make run` writes them under the data
folder, where any mail client or `cat` opens them).

Tests can make it refuse the next messages (`refuse_next(2)`: a temporary 451, as a busy server
answers; `code=554` for a permanent refusal), to exercise retries and failover. It runs in its own
thread with its own event loop, so it serves any test and the synchronous CLI alike.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from ._util import free_port


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    recipients: tuple[str, ...]
    raw: bytes
    at: float

    @property
    def message(self) -> EmailMessage:
        # SMTP lines end in CRLF; the parser keeps the CR in bodies, so read it with plain newlines.
        parsed = email.message_from_bytes(self.raw.replace(b"\r\n", b"\n"), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"] or "")

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    def body(self, subtype: str = "plain") -> str:
        """The text (`plain`) or `html` part, decoded."""
        part = self.message.get_body((subtype,))
        return "" if part is None else str(part.get_content())


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self._box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        refusal = self._box._take_refusal()
        if refusal is not None:
            return refusal
        raw = envelope.original_content or envelope.content
        mail = ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(raw), time.time())
        self._box._keep(mail)
        return "250 OK"


class Mailbox:
    def __init__(self, host: str = "127.0.0.1", port: int | None = None, folder: Path | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.folder = folder
        self._lock = threading.Lock()
        self._mails: list[ReceivedMail] = []
        self._refusals: list[str] = []
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        """The provider URL the notifications service takes (`EMAIL_PROVIDERS`)."""
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> None:
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
        self._controller = Controller(
            _Handler(self), hostname=self.host, port=self.port, enable_SMTPUTF8=True, ready_timeout=10
        )
        self._controller.start()

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def __enter__(self) -> Mailbox:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def refuse_next(self, count: int, code: int = 451) -> None:
        """Refuse the next `count` messages with `code` (4xx: try again later; 5xx: never)."""
        reply = f"{code} {'4.3.0 try again later' if code < 500 else '5.7.1 refused'}"
        with self._lock:
            self._refusals.extend([reply] * count)

    def messages(self, to: str | None = None) -> list[ReceivedMail]:
        """Every message accepted so far (to `to` only, if given), oldest first."""
        with self._lock:
            mails = list(self._mails)
        return [m for m in mails if to is None or to in m.recipients]

    async def wait_for(self, to: str, count: int = 1, within: float = 15) -> list[ReceivedMail]:
        """The first `count` messages to `to`, once they are here; TimeoutError after `within` seconds."""
        deadline = time.monotonic() + within
        while True:
            mails = self.messages(to)
            if len(mails) >= count:
                return mails
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(mails)} of {count} message(s) to the address after {within}s")
            await asyncio.sleep(0.05)

    def clear(self) -> None:
        with self._lock:
            self._mails.clear()
            self._refusals.clear()

    def _take_refusal(self) -> str | None:
        with self._lock:
            return self._refusals.pop(0) if self._refusals else None

    def _keep(self, mail: ReceivedMail) -> None:
        with self._lock:
            self._mails.append(mail)
            number = len(self._mails)
        if self.folder is not None:
            stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(mail.at))
            name = f"{stamp}-{number:06d}-{uuid.uuid4().hex[:8]}.eml"  # unique across restarts
            (self.folder / name).write_bytes(mail.raw)
