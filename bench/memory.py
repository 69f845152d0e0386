"""Resident memory of each service process, started the way `unionfed run` starts it
(`python -m uvicorn <app>`), once ready and idle. Services come from devstack's SERVICES."""

from __future__ import annotations

import asyncio
import importlib
import os
import secrets
import tempfile

import psutil
from unionfed_devstack._util import free_port
from unionfed_devstack.services import SERVICES, ServiceSpec

from . import processes
from .common import Result, step
from .servers import Servers, fresh_database

TARGET_MB = 150.0
IDLE_SECONDS = 5.0


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
    with tempfile.TemporaryFile() as log:
        proc = processes.spawn(processes.uvicorn_command(spec.app, port), env, log)
        try:
            with step(f"starting {spec.name} and waiting for /health/ready"):
                await asyncio.to_thread(processes.wait_ready, proc, port)
            with step(f"{spec.name} ready; idle for {IDLE_SECONDS:.0f}s"):
                await asyncio.sleep(IDLE_SECONDS)
            return psutil.Process(proc.pid).memory_info().rss / (1024 * 1024)
        except Exception:
            raise RuntimeError(processes.log_tail(log)) from None
        finally:
            processes.stop(proc)
