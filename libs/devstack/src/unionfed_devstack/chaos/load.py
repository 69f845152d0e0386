"""The load generator: branch systems' registration requests on Kafka, officers' HTTP writes.

`registration_request` is the ONE place that builds a request record (topic, key, headers,
payload): when branch systems move to their own topics, only it changes."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from unionfed_events import Envelope, topics
from unionfed_events import membership as ev

from .identities import marker, national_id, phone

BRANCH_SYSTEM_SOURCE = "/branch-system/chaos"
SYSTEM = "chaos-sys"  # the branch system the load speaks for, registered for every chaos branch


@dataclass(frozen=True)
class OutgoingRecord:
    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


def registration_request(
    district: str, branch_id: str, request_id: str, person: int, employer: str
) -> OutgoingRecord:
    """A branch system's MemberRegistrationRequested, as it puts it on the broker."""
    request = ev.MemberRegistrationRequested(
        request_id=request_id,
        branch_id=branch_id,
        name="王芳",
        national_id=national_id(person),
        phone=phone(person),
        employer=employer,
        employment_type=ev.EmploymentType("migrant"),
    )
    envelope = Envelope.wrap(
        request, source=BRANCH_SYSTEM_SOURCE, district=district, correlationid=f"chaos-{request_id}"
    )
    return OutgoingRecord(
        topics.system_inbound("membership", district, SYSTEM),
        envelope.key,
        envelope.data,
        envelope.headers(),
    )


@dataclass(frozen=True)
class KafkaInput:
    request_id: str
    employer: str
    record: OutgoingRecord


def kafka_inputs(
    scenario: str, district: str, branches: list[str], count: int, first_person: int
) -> list[KafkaInput]:
    inputs = []
    for n in range(count):
        request_id = f"chaos-{scenario}-k{n}"
        employer = marker(scenario, "k", n)
        record = registration_request(
            district, branches[n % len(branches)], request_id, first_person + n, employer
        )
        inputs.append(KafkaInput(request_id, employer, record))
    return inputs


class KafkaLoad:
    """Publishes records at a steady rate; retries a send the broker did not acknowledge."""

    def __init__(self, bootstrap: str) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, enable_idempotence=False, acks="all", linger_ms=5
        )
        self.sent = 0

    async def __aenter__(self) -> KafkaLoad:
        await self._producer.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._producer.stop()

    async def send(self, records: list[OutgoingRecord], per_second: float) -> None:
        """Send in slices of a tenth of a second's worth, so faults land in the middle of the load."""
        step = max(1, int(per_second / 10))
        loop = asyncio.get_running_loop()
        started = loop.time()
        for i in range(0, len(records), step):
            await asyncio.gather(*(self._send_one(r) for r in records[i : i + step]))
            delay = started + (i + step) / per_second - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)

    async def _send_one(self, record: OutgoingRecord) -> None:
        while True:
            try:
                await self._producer.send_and_wait(
                    record.topic, record.value, key=record.key, headers=record.headers
                )
                self.sent += 1
                return
            except Exception:  # broker restarting: a branch system sends again (same request id)
                await asyncio.sleep(0.5)


@dataclass
class HttpWrite:
    """An officer registers a member directly; retried with the same Idempotency-Key until answered."""

    branch_id: str
    employer: str
    person: int
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: int | None = None
    attempts: int = 0
    stuck_keys: int = 0  # keys left "in progress" by a killed process, given up for a new key

    def body(self) -> dict[str, Any]:
        return {
            "name": "李娜",
            "national_id": national_id(self.person),
            "phone": phone(self.person),
            "employer": self.employer,
            "employment_type": "migrant",
        }


def http_inputs(scenario: str, branches: list[str], count: int, first_person: int) -> list[HttpWrite]:
    return [
        HttpWrite(branches[n % len(branches)], marker(scenario, "h", n), first_person + n)
        for n in range(count)
    ]


@dataclass
class HttpLoad:
    """Workers that each take the next write and retry it until the service answers it.

    Answered: 201, a 4xx refusal other than 409, or the 409 saying the first request with this key
    was applied but its answer lost. Any other 409 means "still running": retried with the same
    key, which the service hands over after its lease when the process holding it died. A key
    that stays in progress longer than `stuck_after` (beyond that lease) is a bug: the worker
    then tries with a new key and counts it."""

    base_url: str
    token: Callable[[], str]
    per_second: float = 50.0  # writes started per second, so they span the fault
    workers: int = 8
    stuck_after: float = 90.0  # > the service's Idempotency-Key lease (60 s)
    server_errors: int = 0  # 500 answers seen (each is a bug; 503 during an outage is not)
    log: Callable[[str], None] = lambda _m: None

    async def run(self, writes: list[HttpWrite]) -> None:
        queue: asyncio.Queue[HttpWrite] = asyncio.Queue()
        for write in writes:
            queue.put_nowait(write)
        started = asyncio.get_running_loop().time()
        # One token for the whole load, as a client holds one: Idempotency-Keys are scoped to the
        # caller, and (until they are scoped to the token's subject) a new token is a new scope.
        headers = {"Authorization": f"Bearer {self.token()}"}
        async with httpx.AsyncClient(base_url=self.base_url, timeout=10, headers=headers) as client:
            await asyncio.gather(*(self._worker(client, queue, started) for _ in range(self.workers)))

    async def _worker(
        self, client: httpx.AsyncClient, queue: asyncio.Queue[HttpWrite], started: float
    ) -> None:
        loop = asyncio.get_running_loop()
        taken = 0
        while not queue.empty():
            write = queue.get_nowait()
            taken += 1
            # Pace: the n-th write of all workers starts about n / per_second after the start.
            await asyncio.sleep(max(0.0, started + taken * self.workers / self.per_second - loop.time()))
            await self._until_answered(client, write)

    async def _until_answered(self, client: httpx.AsyncClient, write: HttpWrite) -> None:
        loop = asyncio.get_running_loop()
        in_progress_since: float | None = None
        while True:
            write.attempts += 1
            status, applied = await self._post(client, write)
            if status is not None and ((status < 500 and status != 409) or applied):
                write.status = status
                return
            if status is not None and status >= 500 and status != 503:
                self.server_errors += 1
                if self.server_errors == 1:  # one line, not one per retry; the total is in the table notes
                    self.log(f"HTTP {status} for {write.employer} (first server error of this load)")
            if status == 409:
                in_progress_since = in_progress_since or loop.time()
                if loop.time() - in_progress_since > self.stuck_after:
                    write.key, write.stuck_keys, in_progress_since = (
                        str(uuid.uuid4()),
                        write.stuck_keys + 1,
                        None,
                    )
            await asyncio.sleep(0.2 + random.random() * 0.3)

    async def _post(self, client: httpx.AsyncClient, write: HttpWrite) -> tuple[int | None, bool]:
        """The answer's status (None: no answer), and whether it says "applied, answer lost"."""
        try:
            response = await client.post(
                f"/branches/{write.branch_id}/members",
                json=write.body(),
                headers={"Idempotency-Key": write.key},
            )
        except httpx.HTTPError:
            return None, False  # refused, reset, timed out: the service is down or restarting
        applied = response.status_code == 409 and "applied" in response.text
        return response.status_code, applied
