"""E-mail over SMTP (aiosmtplib): one provider per SMTP URL.

`smtp://[user:password@]host:port[?starttls=true]` or `smtps://…` (TLS from the first byte). Each
provider keeps up to `pool_size` open connections and reuses them (a connection per message costs
a TCP and SMTP handshake each time). Every message has a `Message-ID` made from the notification
id, the same on every retry, so a receiver that already has it can drop the duplicate a crash
between sending and recording may cause.

Error texts name the SMTP code or the kind of failure, never the server's reply text: servers
quote the recipient's address back.
"""

from __future__ import annotations

import asyncio
import time
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from notifications.domain.model import Outgoing, SendResult

_TRUE = ("1", "true", "yes")


class SmtpProvider:
    def __init__(self, url: str, sender: str, timeout: float = 10.0, pool_size: int = 4) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("an e-mail provider is smtp://host:port or smtps://host:port")
        query = parse_qs(parts.query)
        self.host = parts.hostname
        self.port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self.use_tls = parts.scheme == "smtps"
        self.start_tls = query.get("starttls", ["false"])[0].lower() in _TRUE
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.name = f"{parts.scheme}://{self.host}:{self.port}"  # no credentials
        self.sender = sender
        self.timeout = timeout
        self._domain = parseaddr(sender)[1].rpartition("@")[2] or "unionfed.local"
        self._slots: asyncio.Queue[aiosmtplib.SMTP | None] = asyncio.Queue()
        for _ in range(pool_size):
            self._slots.put_nowait(None)

    def client(self) -> aiosmtplib.SMTP:
        """A new, unconnected client with this provider's connection settings."""
        return aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            use_tls=self.use_tls,
            start_tls=self.start_tls,
            username=self.username,
            password=self.password,
            timeout=self.timeout,
        )

    def message(self, outgoing: Outgoing) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = outgoing.address
        msg["Subject"] = outgoing.rendered.subject
        msg["Message-ID"] = f"<{outgoing.notification_id}@{self._domain}>"
        msg.set_content(outgoing.rendered.text)
        if outgoing.rendered.html:
            msg.add_alternative(outgoing.rendered.html, subtype="html")
        return msg

    async def send(self, message: Outgoing) -> SendResult:
        started = time.monotonic()
        email = self.message(message)
        pooled = await self._slots.get()
        kept: aiosmtplib.SMTP | None = None  # back into the pool: only a connection known good
        try:
            kept = await self._deliver(pooled, email)
        except aiosmtplib.SMTPResponseException as exc:
            return self._failed(f"SMTP {exc.code}", exc.code, retryable=exc.code < 500)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [e.code for e in exc.recipients]
            code = codes[0] if codes else 550
            return self._failed(f"SMTP {code}: recipient refused", code, retryable=code < 500)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return self._failed(f"SMTP {type(exc).__name__} after {time.monotonic() - started:.1f}s", None)
        finally:
            self._slots.put_nowait(kept)
        return SendResult(delivered=True, provider=self.name, status_code=250)

    async def _deliver(self, pooled: aiosmtplib.SMTP | None, email: EmailMessage) -> aiosmtplib.SMTP:
        """Send over the pooled connection, or a new one; a pooled connection the server closed
        while it sat idle is replaced once. A connection that failed is closed, never reused."""
        if pooled is not None and pooled.is_connected:
            try:
                await pooled.send_message(email)
                return pooled
            except aiosmtplib.SMTPServerDisconnected:
                await _discard(pooled)  # closed while idle: once more on a new connection
            except Exception:
                await _discard(pooled)
                raise
        fresh = self.client()
        try:
            await fresh.connect()
            await fresh.send_message(email)
        except Exception:
            await _discard(fresh)
            raise
        return fresh

    def _failed(self, error: str, code: int | None, retryable: bool = True) -> SendResult:
        return SendResult(False, provider=self.name, status_code=code, error=error, retryable=retryable)

    async def close(self) -> None:
        while not self._slots.empty():
            client = self._slots.get_nowait()
            await _discard(client)


async def _discard(client: aiosmtplib.SMTP | None) -> None:
    """Drop a connection whose state is unknown after an error: the next message opens a new one."""
    if client is not None and client.is_connected:
        try:
            await asyncio.wait_for(client.quit(), 2)
        except Exception:
            client.close()
