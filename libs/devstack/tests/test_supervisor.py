"""The supervisor of `unionfed run` restarts a service process that dies, with a backoff that
doubles while it keeps dying, and counts the restarts."""

from __future__ import annotations

import time
from pathlib import Path

from unionfed_devstack._util import free_port
from unionfed_devstack.runner import ServiceProcess, Supervisor
from unionfed_devstack.services import ServiceSpec


def test_a_crashing_service_is_restarted_with_a_doubling_backoff(tmp_path: Path) -> None:
    # An import path that does not exist: uvicorn exits with an error right after it starts.
    spec = ServiceSpec("crasher", "unionfed_no_such_module:app", free_port(), "unused")
    proc = ServiceProcess(spec, tmp_path / "crasher.log")
    events: list[str] = []
    proc.start({"PATH": "/usr/bin:/bin"})
    supervisor = Supervisor(
        [proc], lambda _spec: {"PATH": "/usr/bin:/bin"}, log=events.append, first_backoff=0.1
    )
    deadline = time.monotonic() + 60
    try:
        while proc.restarts < 3 and time.monotonic() < deadline:
            supervisor.check()
            time.sleep(0.05)
    finally:
        proc.stop()
    assert proc.restarts == 3, events
    delays = [e.split("restarting in ")[1].split("s")[0] for e in events if "restarting in" in e]
    assert delays[:3] == ["0.1", "0.2", "0.4"], events
    assert any("restarted as pid" in e and "(restarts: 3)" in e for e in events), events
    # One error per crashed start: a restart appends to the log instead of truncating the crash away.
    assert (tmp_path / "crasher.log").read_text().count("unionfed_no_such_module") >= 3


def test_a_service_stopped_on_purpose_is_not_restarted(tmp_path: Path) -> None:
    spec = ServiceSpec("crasher", "unionfed_no_such_module:app", free_port(), "unused")
    proc = ServiceProcess(spec, tmp_path / "crasher.log")
    proc.start({"PATH": "/usr/bin:/bin"})
    proc.stop()
    events: list[str] = []
    supervisor = Supervisor([proc], lambda _spec: {}, log=events.append, first_backoff=0.0)
    supervisor.check()
    supervisor.check()
    assert proc.restarts == 0 and events == []
