"""The e-mail and SMS providers against the real local SMTP server and HTTP receiver."""

from __future__ import annotations

import uuid

from notifications.adapters.email import SmtpProvider
from notifications.adapters.sms import HttpSmsProvider
from notifications.domain.model import Channel, Outgoing, Rendered
from unionfed_devstack._util import free_port

RENDERED = Rendered("主题", "正文 <b>", "<p>正文 &lt;b&gt;</p>")


def email_to(address: str) -> Outgoing:
    return Outgoing(uuid.uuid4(), Channel.EMAIL, address, RENDERED, 1)


async def test_an_email_has_both_parts_and_a_message_id_from_the_notification(smtp_server) -> None:
    provider = SmtpProvider(smtp_server.url, "工会 <noreply@union.example>")
    message = email_to("a@example.org")
    try:
        result = await provider.send(message)
    finally:
        await provider.close()
    assert (result.delivered, result.provider, result.status_code) == (True, smtp_server.url, 250)
    [mail] = await smtp_server.wait_for("a@example.org")
    assert mail.message_id == f"<{message.notification_id}@union.example>"
    assert (
        mail.subject == "主题"
        and mail.body() == "正文 <b>\n"
        and "<p>正文 &lt;b&gt;</p>" in mail.body("html")
    )
    assert mail.mail_from == "noreply@union.example"


async def test_smtp_refusals_are_retryable_when_temporary_and_final_when_permanent(smtp_server) -> None:
    provider = SmtpProvider(smtp_server.url, "noreply@union.example")
    smtp_server.refuse_next(1, code=451)
    smtp_server.refuse_next(1, code=554)
    try:
        temporary = await provider.send(email_to("b@example.org"))
        permanent = await provider.send(email_to("b@example.org"))
        delivered = await provider.send(email_to("b@example.org"))
    finally:
        await provider.close()
    assert (temporary.delivered, temporary.retryable, temporary.error) == (False, True, "SMTP 451")
    assert (permanent.delivered, permanent.retryable, permanent.error) == (False, False, "SMTP 554")
    assert delivered.delivered
    assert "b@example.org" not in f"{temporary.error}{permanent.error}"


async def test_a_server_that_is_down_is_a_retryable_failure() -> None:
    provider = SmtpProvider(f"smtp://127.0.0.1:{free_port()}", "noreply@union.example", timeout=5)
    try:
        result = await provider.send(email_to("c@example.org"))
    finally:
        await provider.close()
    assert not result.delivered and result.retryable and result.error is not None
    assert result.error.startswith("SMTP ")


async def test_a_pooled_connection_the_server_dropped_is_replaced(smtp_server) -> None:
    provider = SmtpProvider(smtp_server.url, "noreply@union.example", pool_size=1)
    try:
        assert (await provider.send(email_to("d@example.org"))).delivered
        smtp_server.stop()  # drops every open connection
        smtp_server.start()  # same port
        assert (await provider.send(email_to("d@example.org"))).delivered
    finally:
        await provider.close()
    assert len(await smtp_server.wait_for("d@example.org", count=2)) == 2  # the mailbox keeps both


async def test_an_sms_gateway_answer_decides_retryability(http_receiver) -> None:
    provider = HttpSmsProvider(f"{http_receiver.url}/send?account=x", "k", timeout=5)
    for status in (503, 429, 400):
        http_receiver.fail_next("/send", 1, status=status)
    sms = Outgoing(uuid.uuid4(), Channel.SMS, "13912345678", RENDERED, 1)
    try:
        results = [await provider.send(sms) for _ in range(4)]
    finally:
        await provider.close()
    assert [(r.delivered, r.retryable, r.status_code) for r in results] == [
        (False, True, 503),
        (False, True, 429),
        (False, False, 400),
        (True, True, 200),
    ]
    assert provider.name == f"{http_receiver.url}/send"  # no query in logs and events
    assert all("13912345678" not in (r.error or "") for r in results)
    body = http_receiver.requests("/send")[0].json()
    assert body == {"to": "13912345678", "text": "正文 <b>", "reference": str(sms.notification_id)}
