"""`unionfed run` (what `make run` calls) brings the platform up, serves, and stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from unionfed_devstack.services import SERVICES


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


@pytest.mark.skipif(
    bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or os.environ.get("DATABASE_ADMIN_URL")),
    reason="exercises the embedded stack",
)
def test_unionfed_run_starts_seeds_serves_and_stops(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "UNIONFED_DATA_DIR": str(tmp_path / "data"),
        "UNIONFED_PG_PORT": str(_free_port()),
        "UNIONFED_KAFKA_PORT": str(_free_port()),
        "SEED_MEMBERS": "300",
    }
    ports = {}
    for spec in SERVICES:
        ports[spec.name] = _free_port()
        env[f"UNIONFED_{spec.name.upper()}_PORT"] = str(ports[spec.name])
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from unionfed_devstack.cli import app; app()", "run"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 180
            while b"Ctrl-C to stop" not in log.read_bytes():  # printed once started and seeded
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.5)
            membership = f"http://127.0.0.1:{ports['membership']}"
            status, body = _get(f"{membership}/health/ready")
            assert status == 200 and body["database"] == "ok" and body["broker"] == "ok", body
            from unionfed_chassis.auth import audience_of, issue_token

            secret = (tmp_path / "data" / "dev-jwt-secret").read_text().strip()
            token = issue_token(
                secret, role="federation_admin", subject="smoke", audience=audience_of("membership")
            )
            status, body = _get(f"{membership}/members?page_size=1", token)
            assert status == 200, body
            assert body["total"] >= 300, body  # the seed went through the service
        finally:
            proc.send_signal(signal.SIGINT)
            code = proc.wait(60)
    text = log.read_text()
    assert code == 0, text
    assert "stopped" in text
