"""The deploy smoke test, run by `make deploy-test` (deploy/test/run.sh) against the compose stack
through its published ports; not collected by `make test` (deploy/ is outside testpaths).

A member joins through membership's API -> MemberJoined is read from the broker -> notifications
records the welcome in the member's inbox -> the console shows the event. Then one notifications
container's service process is killed with SIGKILL while another member joins: the container must
be restarted by its restart policy, and each member must have exactly one welcome.

Environment (run.sh sets it): UNIONFED_TEST_HOST_IP, BROKER_PORT, MEMBERSHIP_PORT,
NOTIFICATIONS_PORT, CONSOLE_PORT, JWT_SECRET,
DISTRICTS, KILL_CONTAINER (the container to kill).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from membership.domain.national_id import make_test_national_id
from unionfed_chassis.auth import issue_token
from unionfed_events import membership as membership_events
from unionfed_events import topics

ENV = os.environ
HOST = "127.0.0.1"
MEMBER_JOINED = membership_events.MemberJoined.ce_type()
WAIT_SECONDS = 180.0


def step(message: str) -> None:
    print(f"  smoke: {message}", flush=True)


def url(port_variable: str) -> str:
    return f"http://{HOST}:{ENV[port_variable]}"


def token(service: str, role: str, subject: str) -> dict[str, str]:
    jwt = issue_token(ENV["JWT_SECRET"], role=role, subject=subject, audience=f"unionfed-{service}")
    return {"Authorization": f"Bearer {jwt}"}


async def eventually(what: str, check: Callable[[], Awaitable[Any]], within: float = WAIT_SECONDS) -> Any:
    """The first truthy result of `check`, polled until `within` seconds have passed."""
    deadline = time.monotonic() + within
    last: object = None
    while time.monotonic() < deadline:
        try:
            result = await check()
            if result:
                return result
            last = result
        except httpx.HTTPError as exc:
            last = exc
        await asyncio.sleep(1)
    raise AssertionError(f"{what}: not within {within:.0f}s (last: {last!r})")


async def ready(client: httpx.AsyncClient, port_variable: str) -> None:
    async def answers() -> bool:
        return (await client.get(f"{url(port_variable)}/health/ready")).status_code == 200

    await eventually(f"{port_variable} /health/ready", answers)


async def join_member(client: httpx.AsyncClient, district: str, branch: str, seq: int) -> str:
    person = {
        "name": "张伟",
        "national_id": make_test_national_id("110105", date(1991, 4, 2), seq),
        "phone": f"1391234{seq:04d}",
        "employer": "上海某物流有限公司",
        "employment_type": "migrant",
    }
    admin = token("membership", "federation_admin", "deploy-test")
    r = await client.post(f"{url('MEMBERSHIP_PORT')}/branches/{branch}/members", json=person, headers=admin)
    assert r.status_code == 201, r.text
    return str(r.json()["member_id"])


async def organisation(client: httpx.AsyncClient, district: str) -> str:
    admin = token("membership", "federation_admin", "deploy-test")
    base = url("MEMBERSHIP_PORT")
    r = await client.post(
        f"{base}/districts", json={"code": district, "name": f"{district}区"}, headers=admin
    )
    assert r.status_code in (201, 409), r.text  # 409: an earlier run on the same volume
    body = {
        "name": f"上海{uuid.uuid4().hex[:6]}物流有限公司工会",
        "kind": "enterprise",
        "industry": "logistics",
        "district": district,
        "auto_approve": True,
    }
    r = await client.post(f"{base}/branches", json=body, headers=admin)
    assert r.status_code == 201, r.text
    return str(r.json()["branch_id"])


async def member_joined_on_broker(district: str, member_id: str) -> dict[str, Any]:
    """The MemberJoined record of the member, read from the broker's published port."""
    bootstrap = f"{ENV['UNIONFED_TEST_HOST_IP']}:{ENV['BROKER_PORT']}"
    topic = topics.district_events("membership", district)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            await consumer._client.force_metadata_update()  # a fresh client may not know the topic yet
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        assert partitions, f"{topic} has no partitions on {bootstrap}"
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=1000)
            for record in (r for batch in batches.values() for r in batch):
                headers = {k: v.decode() for k, v in record.headers or ()}
                if headers.get("ce_type") == MEMBER_JOINED and headers.get("ce_subject") == member_id:
                    return {"headers": headers, "value": json.loads(record.value or b"{}")}
        raise AssertionError(f"no MemberJoined for {member_id} on {topic} within 60s")
    finally:
        await consumer.stop()


async def inbox(client: httpx.AsyncClient, member_id: str) -> list[dict[str, Any]]:
    r = await client.get(
        f"{url('NOTIFICATIONS_PORT')}/me/inbox", headers=token("notifications", "member", member_id)
    )
    assert r.status_code == 200, r.text
    return [i for i in r.json()["items"] if i["event_type"] == MEMBER_JOINED]


async def welcomed_once(client: httpx.AsyncClient, member_id: str) -> dict[str, Any]:
    welcomes = await eventually(f"the welcome of {member_id} in the inbox", lambda: inbox(client, member_id))
    assert len(welcomes) == 1, welcomes
    return welcomes[0]


async def console_shows(client: httpx.AsyncClient, member_id: str) -> None:
    await ready(client, "CONSOLE_PORT")
    operator = token("console", "operator", "deploy-test")

    async def shown() -> list[Any]:
        r = await client.get(
            f"{url('CONSOLE_PORT')}/api/events",
            params={"type": "MemberJoined", "subject": member_id},
            headers=operator,
        )
        assert r.status_code == 200, r.text
        return list(r.json()["items"])

    events = await eventually(f"the console showing MemberJoined of {member_id}", shown)
    step(f"console shows MemberJoined of {member_id} ({len(events)} indexed record(s))")


def podman(*args: str) -> str:
    return subprocess.run(["podman", *args], check=True, capture_output=True, text=True).stdout.strip()


def children_of(pid: int) -> list[int]:
    """Processes whose parent is `pid`, from /proc (field 4 of /proc/<pid>/stat, after the name)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def kill_service_process(container: str) -> int:
    """SIGKILL the service process (tini's child) from the host, as a crash would; returns the
    container's restart count before. `podman kill` would count as a stop by the user, after which
    no restart policy applies."""
    restarts = int(podman("inspect", "--format", "{{.RestartCount}}", container))
    init_pid = podman("inspect", "--format", "{{.State.Pid}}", container)
    children = children_of(int(init_pid))
    assert len(children) == 1, f"expected one service process under tini ({init_pid}), got {children}"
    os.kill(children[0], 9)
    return restarts


async def main() -> int:
    started = time.monotonic()
    district = ENV["DISTRICTS"].split(",")[-1]
    async with httpx.AsyncClient(timeout=30) as client:
        step("waiting for membership and notifications to be ready")
        await ready(client, "MEMBERSHIP_PORT")
        await ready(client, "NOTIFICATIONS_PORT")

        branch = await organisation(client, district)
        first = await join_member(client, district, branch, 901)
        step(f"member {first} joined through membership's API")
        record = await member_joined_on_broker(district, first)
        assert record["value"]["member_id"] == first
        assert "national_id" not in record["value"], "the event carries no national ID"
        step(f"MemberJoined read from the broker ({record['headers']['ce_id']})")
        welcome = await welcomed_once(client, first)
        step(f"notifications recorded the welcome: {welcome['title']!r}")
        await console_shows(client, first)

        container = ENV["KILL_CONTAINER"]
        restarts = kill_service_process(container)
        step(f"killed the service process of {container} with SIGKILL (restarts so far: {restarts})")
        second = await join_member(client, district, branch, 902)
        step(f"member {second} joined while {container} was down")

        async def restarted() -> bool:
            count = int(podman("inspect", "--format", "{{.RestartCount}}", container))
            return (
                count > restarts
                and podman("inspect", "--format", "{{.State.Status}}", container) == "running"
            )

        await eventually(f"{container} restarted by its restart policy", restarted, within=60)
        await ready(client, "NOTIFICATIONS_PORT")
        step(f"{container} was restarted and is ready again")
        await welcomed_once(client, second)
        await asyncio.sleep(5)  # a duplicate from a redelivery would land by now: there must be none
        assert len(await inbox(client, first)) == 1 and len(await inbox(client, second)) == 1
        step("each member has exactly one welcome (before and after the kill)")
    step(f"passed in {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
