"""`unionfed run` (what `make run` calls) brings the platform up, serves, restarts what dies
(a service process, the embedded broker) and stops cleanly; its output in a file is plain lines.
The member views of assistance, campaigns and notifications count exactly membership's members,
and so do views rebuilt from the topics' beginning (assistance and campaigns)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from unionfed_devstack._util import port_owner
from unionfed_devstack.chaos.load import SYSTEM, registration_request
from unionfed_devstack.chaos.oracle import read_topic
from unionfed_devstack.services import SERVICES
from unionfed_events import topics


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, token: str | None = None) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture
def data_root() -> Iterator[Path]:
    """Not tmp_path: pytest keeps /tmp/pytest-of-<user> at 0700 (and other pytest runs on the
    machine reset it), which the postgres system user (when running as root) cannot traverse."""
    path = Path(tempfile.mkdtemp(prefix="unionfed-run-test-"))
    path.chmod(0o711)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.skipif(
    bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or os.environ.get("DATABASE_ADMIN_URL")),
    reason="exercises the embedded stack",
)
def test_unionfed_run_starts_seeds_serves_and_stops(data_root: Path) -> None:
    env = {
        **os.environ,
        "UNIONFED_DATA_DIR": str(data_root / "data"),
        "UNIONFED_PG_PORT": str(_free_port()),
        "UNIONFED_KAFKA_PORT": str(_free_port()),
        "SEED_MEMBERS": "300",
        # The demo's sixth district is created by the seed; its topics reach the services'
        # pattern subscriptions at their next metadata refresh: soon, to keep the test short.
        "KAFKA_METADATA_MAX_AGE_MS": "3000",
    }
    ports = {}
    for spec in SERVICES:
        ports[spec.name] = _free_port()
        env[f"UNIONFED_{spec.name.upper()}_PORT"] = str(ports[spec.name])
    log = data_root / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from unionfed_devstack.cli import app; app()", "run"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 240
            while b"Ctrl-C to stop" not in log.read_bytes():  # printed once started and seeded
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.5)
            membership = f"http://127.0.0.1:{ports['membership']}"
            status, body = _get(f"{membership}/health/ready")
            assert status == 200 and body["database"] == "ok" and body["broker"] == "ok", body
            from unionfed_chassis.auth import audience_of, issue_token

            secret = (data_root / "data" / "dev-jwt-secret").read_text().strip()
            token = issue_token(
                secret, role="federation_admin", subject="smoke", audience=audience_of("membership")
            )
            status, body = _get(f"{membership}/members?page_size=1", token)
            assert status == 200, body
            assert body["total"] >= 300, body  # the seed went through the service
            assistance = f"http://127.0.0.1:{ports['assistance']}"
            expected = _check_assistance(assistance, membership, secret, env)
            _check_member_view("campaigns", f"http://127.0.0.1:{ports['campaigns']}", secret, env, expected)
            # Not rebuilt: a second notifications app would plan and send every welcome again.
            notifications = f"http://127.0.0.1:{ports['notifications']}"
            _check_member_view("notifications", notifications, secret, env, expected, rebuild=False)

            summary = log.read_text()
            assert "│" not in summary and "┃" not in summary, summary  # not a terminal: no table
            pid = int(re.search(r"service membership url=\S+ .* pid=(\d+) restarts=0", summary)[1])  # type: ignore[index]
            os.kill(pid, signal.SIGKILL)
            _wait_for_text(log, proc, "membership restarted as pid", 120)
            assert _wait_for(lambda: _ready(membership), 120), log.read_text()
            status, body = _get(f"{membership}/members?page_size=1", token)
            assert status == 200 and body["total"] >= 300, body

            kafka = f"127.0.0.1:{env['UNIONFED_KAFKA_PORT']}"
            broker = port_owner(int(env["UNIONFED_KAFKA_PORT"]))
            assert broker is not None and "tansu" in broker, broker
            os.kill(int(broker.split()[1]), signal.SIGKILL)
            _wait_for_text(log, proc, "Kafka broker back", 60)
            _register_through_kafka_after_restart(kafka, membership, token)
        finally:
            proc.send_signal(signal.SIGINT)
            code = proc.wait(60)
    text = log.read_text()
    assert code == 0, text
    assert "stopping membership after 1 restart(s)" in text and "stopped" in text


def _membership_counts(membership: str, token: str) -> dict[tuple[str, str], int]:
    """Members per district and status as membership counts them (its list's totals)."""
    status, districts = _get(f"{membership}/districts", token)
    assert status == 200, districts
    counts = {}
    for district in districts:  # type: ignore[attr-defined]
        for member_status in ("active", "left"):
            query = f"district={district['code']}&status={member_status}&page_size=1"
            status, body = _get(f"{membership}/members?{query}", token)
            assert status == 200, body
            if body["total"]:
                counts[(district["code"], member_status)] = body["total"]
    return counts


def _view_counts(body: object) -> dict[tuple[str, str], int]:
    return {(c["district"], c["status"]): c["members"] for c in body}  # type: ignore[attr-defined]


def _check_assistance(
    assistance: str, membership: str, secret: str, env: dict[str, str]
) -> dict[tuple[str, str], int]:
    """Assistance's member view converges on membership's members exactly (per district and
    status), a view rebuilt from the topics' beginning is the same, and the seed left a case
    in every state; returns membership's counts."""
    from unionfed_chassis.auth import audience_of, issue_token

    ours = issue_token(secret, role="federation_admin", subject="smoke", audience=audience_of("assistance"))
    theirs = issue_token(secret, role="federation_admin", subject="smoke", audience=audience_of("membership"))
    expected = _membership_counts(membership, theirs)
    assert sum(expected.values()) >= 300 and any(s == "left" for _, s in expected), expected
    _check_member_view("assistance", assistance, secret, env, expected)

    states = (
        "pending",
        "returned",
        "granted",
        "disbursed",
        "rejected",
        "cancelled",
        "in_service",
        "completed",
    )
    for state in states:
        status, body = _get(f"{assistance}/cases?status={state}&page_size=1", ours)
        assert status == 200 and body["total"] > 0, (state, body)
    status, body = _get(f"{assistance}/cases?flagged=true&page_size=1", ours)
    assert status == 200 and body["total"] > 0, body
    status, body = _get(f"{assistance}/funds?page_size=200", ours)
    assert status == 200 and {(f["district"], f["aid_type"]) for f in body["items"]} == {  # type: ignore[attr-defined]
        (d, t) for d, _ in expected for t in ("living", "education", "medical", "mutual_aid")
    }, body
    return expected


def _check_member_view(
    service: str,
    url: str,
    secret: str,
    env: dict[str, str],
    expected: dict[tuple[str, str], int],
    rebuild: bool = True,
) -> None:
    """The service's member view (`GET /members/counts`) converges on membership's members
    exactly, and the same service rebuilt from the topics' beginning counts the same."""
    from unionfed_chassis.auth import audience_of, issue_token

    token = issue_token(secret, role="federation_admin", subject="smoke", audience=audience_of(service))

    def view() -> dict[tuple[str, str], int]:
        status, body = _get(f"{url}/members/counts", token)
        assert status == 200, (service, body)
        return _view_counts(body)

    assert _wait_for(lambda: view() == expected, 60), (service, view(), expected)
    if not rebuild:
        return
    admin_url = f"postgresql://postgres@127.0.0.1:{env['UNIONFED_PG_PORT']}/postgres"
    kafka = f"127.0.0.1:{env['UNIONFED_KAFKA_PORT']}"
    rebuilt = asyncio.run(_rebuilt_view(service, admin_url, kafka, secret, expected))
    assert rebuilt == expected, service


def _reader_app(service: str, database_url: str, kafka: str, secret: str) -> Any:
    """A second app of the service that only reads: every consumer group is new (it reads the
    topics from the beginning, and takes no partition from the running service's groups), and
    it publishes nothing (the running service publishes the real events)."""
    common: dict[str, Any] = {
        "environment": "development",
        "database_url": database_url,
        "kafka_bootstrap_servers": kafka,
        "kafka_enable_idempotence": False,
        "jwt_secret": secret,
        "member_view_group": f"{service}-members-rebuilt",
        "outbox_enabled": False,
        "log_level": "WARNING",
    }
    if service == "assistance":
        from assistance.main import build_app as build_assistance
        from assistance.settings import AssistanceSettings

        return build_assistance(AssistanceSettings(**common, campaigns_group="assistance-campaigns-rebuilt"))
    from campaigns.main import build_app as build_campaigns
    from campaigns.settings import CampaignsSettings

    return build_campaigns(CampaignsSettings(**common, hardship_group="campaigns-hardship-rebuilt"))


async def _rebuilt_view(
    service: str, admin_url: str, kafka: str, secret: str, expected: dict[tuple[str, str], int]
) -> dict[tuple[str, str], int]:
    """A reader app of the service on a fresh database: its counts once they stop changing
    (bounded)."""
    import httpx
    from unionfed_chassis.auth import audience_of, issue_token
    from unionfed_devstack.postgres import ensure_database, sqlalchemy_url

    await ensure_database(admin_url, f"{service}_rebuilt")
    app = _reader_app(service, sqlalchemy_url(admin_url, f"{service}_rebuilt"), kafka, secret)
    token = issue_token(secret, role="federation_admin", subject="smoke", audience=audience_of(service))
    counts: dict[tuple[str, str], int] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://rebuilt") as client:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                r = await client.get("/members/counts", headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 200, r.text
                counts = _view_counts(r.json())
                if counts == expected:
                    break
                await asyncio.sleep(0.5)
    return counts


def _ready(url: str) -> bool:
    try:
        return _get(f"{url}/health/ready")[0] == 200
    except (urllib.error.URLError, OSError):  # refused while the process restarts
        return False


def _wait_for(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def _wait_for_text(log: Path, proc: subprocess.Popen[bytes], text: str, timeout: float) -> None:
    def seen() -> bool:
        assert proc.poll() is None, log.read_text()
        return text in log.read_text()

    assert _wait_for(seen, timeout), log.read_text()


def _post(url: str, body: dict[str, object], token: str) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _register_through_kafka_after_restart(kafka: str, membership: str, token: str) -> None:
    """The broker came back empty: a branch system's request is still consumed and answered."""
    from aiokafka import AIOKafkaProducer

    status, body = _get(f"{membership}/branches?district=huangpu&page_size=1", token)
    assert status == 200 and body["items"], body
    branch_id = body["items"][0]["branch_id"]
    system = {"system_id": SYSTEM, "district": "huangpu", "name": "恒通 HR", "branch_ids": [branch_id]}
    status, body = _post(f"{membership}/branch-systems", system, token)
    assert status == 201, body
    record = registration_request("huangpu", branch_id, "after-broker-restart", 4242, "上海恒通物流有限公司")

    async def send_and_read() -> bool:
        producer = AIOKafkaProducer(bootstrap_servers=kafka, enable_idempotence=False)
        await producer.start()
        try:
            await producer.send_and_wait(record.topic, record.value, key=record.key, headers=record.headers)
        finally:
            await producer.stop()
        deadline = time.monotonic() + 90
        replies = topics.system_replies("membership", "huangpu", SYSTEM)
        while time.monotonic() < deadline:
            answered = await read_topic(kafka, replies, "after-broker-restart", idle=2)
            if answered.by_key:
                return True
        return False

    assert asyncio.run(send_and_read()), "no answer after the broker restart"
