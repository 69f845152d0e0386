"""A local HTTP receiver for SMS gateways' and branch systems' webhooks: it records every request
(method, path, headers, body) in memory and, given a file, as one JSON line each; it answers 200
unless told otherwise for a path.

Scripts per path, in process (`fail_next("/hooks/x", 2, status=500)`) or over HTTP
(`POST /_script {"path": "/hooks/x", "fail_next": 2, "status": 500}`); `GET /_received?path=…`
lists what came. It runs uvicorn in its own thread, so it serves any test and the synchronous
CLI alike.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ._util import free_port

CONTROL = ("/_received", "/_script")


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: str
    at: float
    status: int  # what the receiver answered

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    def __init__(
        self, host: str = "127.0.0.1", port: int | None = None, log_file: Path | None = None
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.log_file = log_file
        self._lock = threading.Lock()
        self._requests: list[ReceivedRequest] = []
        self._scripts: dict[str, deque[int]] = {}
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        if self.log_file is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
        app = Starlette(
            routes=[
                Route("/_received", self._list, methods=["GET"]),
                Route("/_script", self._script, methods=["POST"]),
                Route("/{path:path}", self._record, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            ]
        )
        config = uvicorn.Config(app, host=self.host, port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="unionfed-receiver", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"HTTP receiver did not start on {self.url}")
            time.sleep(0.02)

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(10)

    def __enter__(self) -> Receiver:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def fail_next(self, path: str, count: int, status: int = 500) -> None:
        """Answer the next `count` requests on `path` with `status` (then 200 again)."""
        with self._lock:
            self._scripts.setdefault(path, deque()).extend([status] * count)

    def requests(self, path: str | None = None) -> list[ReceivedRequest]:
        """Every request recorded so far (on `path` only, if given), oldest first."""
        with self._lock:
            seen = list(self._requests)
        return [r for r in seen if path is None or r.path == path]

    async def wait_for(self, path: str, count: int = 1, within: float = 15) -> list[ReceivedRequest]:
        """The first `count` requests on `path`, once they are here; TimeoutError after `within` seconds."""
        deadline = time.monotonic() + within
        while True:
            seen = self.requests(path)
            if len(seen) >= count:
                return seen
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(seen)} of {count} request(s) on {path} after {within}s")
            await asyncio.sleep(0.05)

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self._scripts.clear()

    async def _record(self, request: Request) -> Response:
        body = (await request.body()).decode("utf-8", errors="replace")
        path = request.url.path
        with self._lock:
            script = self._scripts.get(path)
            status = script.popleft() if script else 200
            received = ReceivedRequest(request.method, path, dict(request.headers), body, time.time(), status)
            self._requests.append(received)
        if self.log_file is not None:
            with self.log_file.open("a", encoding="utf-8") as out:
                out.write(json.dumps(asdict(received), ensure_ascii=False) + "\n")
        return JSONResponse({"ok": 200 <= status < 300}, status_code=status)

    async def _list(self, request: Request) -> Response:
        path = request.query_params.get("path")
        return JSONResponse([asdict(r) for r in self.requests(path)])

    async def _script(self, request: Request) -> Response:
        try:
            script = await request.json()
            path, count, status = (
                str(script["path"]),
                int(script["fail_next"]),
                int(script.get("status", 500)),
            )
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"detail": 'expected {"path": str, "fail_next": int, "status": int}'}, 422)
        if not path.startswith("/") or path in CONTROL or count < 0 or not 100 <= status <= 599:
            return JSONResponse(
                {"detail": "path must start with / (not a control path), 0 <= fail_next, status 100-599"}, 422
            )
        self.fail_next(path, count, status)
        return JSONResponse({"path": path, "fail_next": count, "status": status})
