"""HTTP paths measured from outside with wrk: the membership service (uvicorn, one worker,
ENVIRONMENT=development, as `unionfed run` starts it) against a bare FastAPI + asyncpg app doing
the same work (`bench.http_floor`), both real processes with the same uvicorn settings, on the
same database, in the same run. Also the CPU each request costs the server process."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from unionfed_devstack._util import free_port

from . import processes
from .common import Result, console, ratio_note, step
from .import_ import HEADER
from .servers import Servers, asyncpg_dsn, fresh_database

CONNECTIONS = 16
THREADS = 2
WARMUP_SECONDS = 1
# Service and floor alternate in short rounds: load from other work on the machine then falls on
# both alike instead of on whichever ran during a spike.
ROUNDS = 3
SECONDS = 3
MEMBERS = 2_000
BRANCH = "bench-http"


@dataclass(frozen=True)
class Probe:
    """One HTTP path: what wrk sends (a Lua script for bodies) and the ratio it must reach."""

    label: str
    path: str
    target: float
    authorised: bool = True
    script: str | None = None


@dataclass
class Figures:
    """Sums over the rounds of one app on one path."""

    requests: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    errors: int = 0  # non-2xx answers and socket errors
    p99s_ms: list[float] = field(default_factory=list)

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds else float("nan")

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_seconds * 1000 / self.requests if self.requests else float("nan")

    @property
    def p99_ms(self) -> float:
        """The median round's p99."""
        return sorted(self.p99s_ms)[len(self.p99s_ms) // 2] if self.p99s_ms else float("nan")


def probes(member_id: str) -> list[Probe]:
    return [
        Probe("liveness", "/health/live", 0.8, authorised=False),
        Probe("one member", f"/members/{member_id}", 0.5),
        Probe("a page of 20 members", "/members?page_size=20", 0.5),
        public_join(),
    ]


def public_join() -> Probe:
    """The public join: a new person applies to a branch that waits for an officer. Every request
    carries a fresh valid national ID (the Lua script computes its checksum) and mobile number."""
    return Probe("public join", "/applications", 0.5, authorised=False, script=_JOIN_LUA % BRANCH)


async def run(srv: Servers) -> Result:
    result = Result(
        f"HTTP: wrk, {CONNECTIONS} connections, {ROUNDS} interleaved rounds of {SECONDS}s per path and app",
        [],
    )
    if shutil.which("wrk") is None:
        result.add("skipped", "wrk not found", "", "`make bench` installs it (apt-get install wrk)")
        return result
    url = await fresh_database(srv, "http", chassis_tables=False)
    secret = secrets.token_hex(32)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "KAFKA_BOOTSTRAP_SERVERS": srv.kafka_bootstrap,
        "KAFKA_ENABLE_IDEMPOTENCE": "true" if srv.idempotence else "false",
        "JWT_SECRET": secret,
        "NATIONAL_ID_KEY": secrets.token_hex(32),
        "ENVIRONMENT": "development",
        "FLOOR_DSN": asyncpg_dsn(url),
        # The limits stay on (their checks are part of the work) but never trip: wrk is one
        # client, and a 429 is not a join.
        "PUBLIC_LIMIT_PER_CLIENT": "100000000/minute",
        "PUBLIC_LIMIT_PER_PERSON": "100000000/minute",
    }
    env.pop("LOG_LEVEL", None)  # the service's default level, as it runs in `unionfed run`
    token = _token(secret)
    with tempfile.TemporaryDirectory(prefix="unionfed-bench-http-") as tmp:
        async with _service("membership.main:app", env, "/health/ready") as (service_port, service_pid):
            member_id = await _seed(service_port, token)
            async with _service("bench.http_floor:app", env, "/health/live") as (floor_port, floor_pid):
                apps = {"service": (service_port, service_pid), "floor": (floor_port, floor_pid)}
                runner = _Wrk(token, Path(tmp))
                for probe in probes(member_id):
                    figures = await runner.compare(probe, apps)
                    _report(result, probe, figures["service"], figures["floor"])
    return result


def _report(result: Result, probe: Probe, service: Figures, floor: Figures) -> None:
    ratio = service.requests_per_s / floor.requests_per_s
    errors = (
        f", {service.errors} / {floor.errors} errors  <-- CHECK" if service.errors or floor.errors else ""
    )
    result.add(
        probe.label,
        f"{service.requests_per_s:,.0f} vs {floor.requests_per_s:,.0f}",
        "req/s",
        f"p99 {service.p99_ms:.1f} vs {floor.p99_ms:.1f} ms, CPU {service.cpu_ms_per_request:.2f} vs "
        f"{floor.cpu_ms_per_request:.2f} ms/request{errors}",
    )
    result.add(f"  ratio {probe.label}", ratio, "", ratio_note(ratio, probe.target))
    # Less sensitive to other work on the machine than requests/s: what one request costs each.
    result.add(
        f"  CPU per request floor/service, {probe.label}",
        floor.cpu_ms_per_request / service.cpu_ms_per_request,
        "",
        "informational",
    )


@asynccontextmanager
async def _service(app: str, env: dict[str, str], ready: str) -> AsyncIterator[tuple[int, int]]:
    port = free_port()
    with tempfile.TemporaryFile() as log:
        proc = processes.spawn(processes.uvicorn_command(app, port), env, log)
        try:
            with step(f"starting {app} on :{port}"):
                await asyncio.to_thread(processes.wait_ready, proc, port, ready)
        except Exception:
            processes.stop(proc)
            raise RuntimeError(processes.log_tail(log)) from None
        try:
            yield port, proc.pid
        finally:
            processes.stop(proc)


async def _seed(port: int, token: str) -> str:
    """A district, a branch that waits for officers, and MEMBERS members (one CSV import)."""
    from membership.demo import demo_branches, demo_members

    demo = demo_branches()[0]
    people = demo_members([demo], MEMBERS)
    rows = [HEADER] + [
        [p.name, p.national_id, p.phone, p.employer, p.employment_type.value, str(p.joined_on)]
        for p in people
    ]
    csv_bytes = "\n".join(",".join(r) for r in rows).encode()
    branch = {
        "branch_id": BRANCH,
        "name": "基准测试工会",
        "kind": "enterprise",
        "industry": demo.industry,
        "district": demo.district,
    }
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120) as client:
        with step(f"seeding {MEMBERS:,} members through the import"):
            await _ok(client.post("/districts", json={"code": demo.district, "name": demo.district}))
            await _ok(client.post("/branches", json=branch))
            files = {"file": ("members.csv", csv_bytes, "text/csv")}
            answer = await _ok(client.post(f"/branches/{BRANCH}/imports", files=files))
            if answer["created"] != MEMBERS:
                raise RuntimeError(f"seed import created {answer['created']} of {MEMBERS} members")
            page = await _ok(client.get("/members", params={"page_size": 1}))
    return str(page["items"][0]["member_id"])


async def _ok(request: Any) -> Any:
    response: httpx.Response = await request
    if response.status_code >= 300:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text[:300]}"
        )
    return response.json()


def _token(secret: str) -> str:
    from unionfed_chassis.auth import audience_of, issue_token

    return issue_token(
        secret, role="federation_admin", subject="bench-http", audience=audience_of("membership")
    )


class _Wrk:
    """Runs wrk; every run gets its own number, so the join's script never repeats a person."""

    def __init__(self, token: str, tmp: Path) -> None:
        self.token = token
        self.tmp = tmp
        self.runs = 0

    async def compare(self, probe: Probe, apps: dict[str, tuple[int, int]]) -> dict[str, Figures]:
        figures = {name: Figures() for name in apps}
        for name, (port, _) in apps.items():
            with step(f"{probe.label}: {name}, warm-up"):
                await self.run(probe, port, WARMUP_SECONDS)
        for round_no in range(1, ROUNDS + 1):
            for name, (port, pid) in apps.items():
                with step(f"{probe.label}: {name}, round {round_no} of {ROUNDS}"):
                    cpu = _cpu_seconds(pid)
                    output = await self.run(probe, port, SECONDS)
                    _add(figures[name], output, _cpu_seconds(pid) - cpu)
        console.print(
            f"[dim]  {probe.label}: "
            + ", ".join(f"{name} {f.requests_per_s:,.0f} req/s" for name, f in figures.items())
        )
        return figures

    async def run(self, probe: Probe, port: int, seconds: int) -> str:
        self.runs += 1
        args = ["-t", str(THREADS), "-c", str(CONNECTIONS), "--latency", "-d", f"{seconds}s"]
        if probe.authorised:
            args += ["-H", f"Authorization: Bearer {self.token}"]
        if probe.script is not None:
            script = self.tmp / "probe.lua"
            script.write_text(probe.script)
            args += ["-s", str(script)]
        return await _wrk([*args, f"http://127.0.0.1:{port}{probe.path}", "--", str(self.runs)])


def _cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


async def _wrk(args: list[str]) -> str:
    proc = await asyncio.create_subprocess_exec(
        "wrk", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await proc.communicate()
    text = out.decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed: {text[-500:]}")
    return text


def _add(figures: Figures, output: str, cpu_seconds: float) -> None:
    """Add one wrk run's output (and the server's CPU seconds during it) to `figures`."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b", output)
    if done is None:
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}
    figures.requests += int(done.group(1))
    figures.seconds += float(done.group(2)) * scale[done.group(3)]
    figures.cpu_seconds += cpu_seconds
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
    if p99 is not None:
        figures.p99s_ms.append(float(p99.group(1)) * scale[p99.group(2)] * 1000)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    figures.errors += (int(non_2xx.group(1)) if non_2xx else 0) + socket_errors


# wrk runs LuaJIT (Lua 5.1: no integer division operator). Each wrk invocation passes its own
# number, so no two requests of a run carry the same person.
_JOIN_LUA = """
local weights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
local checks = "10X98765432"
local threads = 0
local counter = 0
local base = 0

function setup(thread)
  thread:set("thread_no", threads)
  threads = threads + 1
end

function init(args)
  base = tonumber(args[1] or "0") * 1000000 + (thread_no or 0) * 500000
end

local function national_id(n)
  local seq = n %% 1000
  local day = math.floor(n / 1000) %% 28 + 1
  local month = math.floor(n / 28000) %% 12 + 1
  local year = 1940 + math.floor(n / 336000) %% 60
  local first17 = string.format("310104%%04d%%02d%%02d%%03d", year, month, day, seq)
  local total = 0
  for i = 1, 17 do
    total = total + tonumber(string.sub(first17, i, i)) * weights[i]
  end
  local k = total %% 11 + 1
  return first17 .. string.sub(checks, k, k)
end

local function name(n)
  local letters = ""
  for _ = 1, 6 do
    letters = letters .. string.char(97 + n %% 26)
    n = math.floor(n / 26)
  end
  return "Bench " .. string.upper(string.sub(letters, 1, 1)) .. string.sub(letters, 2)
end

request = function()
  counter = counter + 1
  local n = base + counter
  local body = string.format(
    '{"branch_id":"%s","name":"%%s","national_id":"%%s","phone":"139%%08d",' ..
    '"employer":"Bench Co","employment_type":"regular"}', name(n), national_id(n), n %% 100000000)
  return wrk.format("POST", "/applications", {["Content-Type"] = "application/json"}, body)
end
"""
