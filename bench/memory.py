"""Resident memory of each service process, started the way `unionfed run` starts it
(`python -m uvicorn <app>`), once ready and idle. Services come from devstack's SERVICES."""

from __future__ import annotations

import asyncio
import importlib
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import IO

import psutil
from unionfed_devstack._util import free_port
from unionfed_devstack.services import SERVICES, ServiceSpec

from .common import Result, step
from .servers import Servers, fresh_database

TARGET_MB = 150.0
IDLE_SECONDS = 5.0
READY_TIMEOUT = 90.0


async def run(srv: Servers) -> Result:
    result = Result("memory: RSS of each service process, ready and idle", [])
    for spec in SERVICES:
        module = spec.app.split(":")[0]
        try:
            importlib.import_module(module)
        except Exception as exc:
            result.add(spec.name, "skipped", "", f"{module} not importable yet ({type(exc).__name__}: {exc})")
            continue
        try:
            rss = await _measure(srv, spec)
        except Exception as exc:
            result.add(spec.name, "failed", "", f"{type(exc).__name__}: {exc}")
            continue
        note = f"target ≤ {TARGET_MB:g} MB: {'met' if rss <= TARGET_MB else 'NOT met'}"
        result.add(spec.name, rss, "MB", note)
    return result


async def _measure(srv: Servers, spec: ServiceSpec) -> float:
    url = await fresh_database(srv, spec.database, chassis_tables=False)
    port = free_port()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        KAFKA_BOOTSTRAP_SERVERS=srv.kafka_bootstrap,
        KAFKA_ENABLE_IDEMPOTENCE="true" if srv.idempotence else "false",
        JWT_SECRET=secrets.token_hex(32),
        NATIONAL_ID_KEY=secrets.token_hex(32),
        ENVIRONMENT="development",
        SERVICE_NAME=spec.name,
        LOG_LEVEL="WARNING",
    )
    cmd = [sys.executable, "-m", "uvicorn", spec.app, "--host", "127.0.0.1", "--port", str(port)]
    with tempfile.TemporaryFile() as log:
        proc = await asyncio.to_thread(_spawn, cmd, env, log)
        try:
            with step(f"starting {spec.name} and waiting for /health/ready"):
                await asyncio.to_thread(_wait_ready, proc, port)
            with step(f"{spec.name} ready; idle for {IDLE_SECONDS:.0f}s"):
                await asyncio.sleep(IDLE_SECONDS)
            return psutil.Process(proc.pid).memory_info().rss / (1024 * 1024)
        except Exception:
            log.seek(0)
            tail = log.read().decode(errors="replace").splitlines()[-15:]
            raise RuntimeError("\n".join(tail)) from None
        finally:
            _stop(proc)


def _spawn(cmd: list[str], env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)


def _wait_ready(proc: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"not ready after {READY_TIMEOUT:.0f}s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
