"""The local SMTP server and HTTP receiver that stand in for providers in development and tests."""

from __future__ import annotations

import asyncio
import json
import smtplib
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from unionfed_devstack.mailbox import Mailbox
from unionfed_devstack.receiver import Receiver


def send(box: Mailbox, to: str, subject: str) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.org", to, subject
    msg.set_content("正文")
    msg.add_alternative("<p>正文</p>", subtype="html")
    with smtplib.SMTP(box.host, box.port, timeout=10) as client:
        client.send_message(msg)


async def test_the_mailbox_keeps_messages_in_memory_and_as_files(tmp_path: Path) -> None:
    with Mailbox(folder=tmp_path / "mail") as box:
        await asyncio.to_thread(send, box, "x@example.org", "你好")
        [mail] = await box.wait_for("x@example.org")
        assert mail.subject == "你好" and mail.body() == "正文\n" and "<p>正文</p>" in mail.body("html")
        assert box.messages("y@example.org") == []
        [file] = (tmp_path / "mail").glob("*.eml")
        assert file.read_bytes() == mail.raw
        with pytest.raises(TimeoutError):
            await box.wait_for("y@example.org", within=0.2)


async def test_the_mailbox_refuses_the_next_messages_when_told() -> None:
    with Mailbox() as box:
        box.refuse_next(1)
        box.refuse_next(1, code=554)
        for code in (451, 554):
            with pytest.raises(smtplib.SMTPDataError) as refused:
                await asyncio.to_thread(send, box, "x@example.org", "s")
            assert refused.value.smtp_code == code
        await asyncio.to_thread(send, box, "x@example.org", "s")
        assert len(await box.wait_for("x@example.org")) == 1


async def test_the_receiver_records_requests_and_follows_its_scripts(tmp_path: Path) -> None:
    log = tmp_path / "received.jsonl"
    with Receiver(log_file=log) as receiver:
        receiver.fail_next("/hooks/a", 1, status=503)
        async with httpx.AsyncClient(base_url=receiver.url) as client:
            script = await client.post("/_script", json={"path": "/hooks/a", "fail_next": 1, "status": 500})
            assert script.status_code == 200
            bad = await client.post("/_script", json={"path": "/_received", "fail_next": 1})
            assert bad.status_code == 422
            answers = [
                (await client.post("/hooks/a", json={"n": i}, headers={"webhook-id": f"m{i}"})).status_code
                for i in range(3)
            ]
            assert answers == [503, 500, 200]
            listed = (await client.get("/_received", params={"path": "/hooks/a"})).json()
        assert [r["status"] for r in listed] == [503, 500, 200]
        seen = await receiver.wait_for("/hooks/a", count=3)
        assert [r.json()["n"] for r in seen] == [0, 1, 2] and seen[0].headers["webhook-id"] == "m0"
        assert [json.loads(line)["path"] for line in log.read_text().splitlines()] == ["/hooks/a"] * 3
