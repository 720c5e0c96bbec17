"""Real servers for live tests: uvicorn in a thread, `veche serve` processes, a private Redis,
and a small blocking SSE reader over the standard library's HTTP client."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvicorn

from veche.service.runtime import Runtime
from veche.web.app import create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class SSE:
    id: str | None
    event: str
    data: dict[str, Any]


class Stream:
    """One Server-Sent Events connection, read frame by frame with a deadline."""

    def __init__(
        self,
        base: str,
        path: str,
        headers: dict[str, str] | None = None,
        skip: tuple[str, ...] = ("presence",),
    ) -> None:
        """`skip`: event kinds passed over; presence comes and goes with every sign-in."""
        self.skip = skip
        parts = urlsplit(base)
        assert parts.hostname is not None
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        self.conn.request("GET", path, headers={"Accept": "text/event-stream", **(headers or {})})
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.last_id: str | None = None

    def next(self, timeout: float = 10.0) -> SSE:
        """The next event (heartbeat comments skipped); raises TimeoutError after `timeout`."""
        sock = self.conn.sock
        assert sock is not None
        deadline = time.monotonic() + timeout
        fields: dict[str, str] = {}
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no event arrived")
            sock.settimeout(left)
            try:
                raw = self.response.fp.readline()
            except TimeoutError as exc:
                raise TimeoutError("no event arrived") from exc
            if raw == b"":
                raise ConnectionError("the stream ended")
            line = raw.decode().rstrip("\r\n")
            if line == "":
                if "event" in fields or "data" in fields:
                    if "id" in fields:
                        self.last_id = fields["id"]
                    data = json.loads(fields.get("data", "null"))
                    kind = fields.get("event", "message")
                    if kind not in self.skip:
                        return SSE(fields.get("id"), kind, data)
                fields = {}
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            fields[name] = (
                fields[name] + "\n" + value if name == "data" and name in fields else value
            )

    def until(self, match: Callable[[SSE], bool], timeout: float = 10.0) -> list[SSE]:
        """Every event up to and including the first that matches."""
        seen: list[SSE] = []
        deadline = time.monotonic() + timeout
        while True:
            ev = self.next(max(0.01, deadline - time.monotonic()))
            seen.append(ev)
            if match(ev):
                return seen

    def close(self) -> None:
        self.conn.close()


def created(comment_id: int) -> Callable[[SSE], bool]:
    return lambda ev: ev.event == "comment.created" and ev.data["comment_id"] == comment_id


@contextmanager
def serve_in_thread(rt: Runtime) -> Iterator[str]:
    """The app on a real socket, as browsers and SSE clients need."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(rt.config, rt), host="127.0.0.1", port=port, log_level="warning",
            timeout_graceful_shutdown=2,
        )
    )  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "veche did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def post_json(base: str, path: str, body: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(base + path, json.dumps(body).encode(), headers, method="POST")
    with urllib.request.urlopen(req, timeout=15) as r:
        return json.loads(r.read())


def veche_bin() -> str:
    found = Path(sys.executable).with_name("veche")
    return str(found) if found.exists() else (shutil.which("veche") or "veche")


class Node:
    """A `veche serve` process, as a publisher runs one behind nginx."""

    def __init__(self, env: dict[str, str], log: Path, args: tuple[str, ...] = ()) -> None:
        # These nodes test live fan-out: the slow abuse model (tested on its own) stays off.
        self.env = {"VECHE_MODERATION_MODEL": "false", **env}
        self.args = args
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Node:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [veche_bin(), "serve", "--port", str(self.port), *self.args],
                env={**os.environ, **self.env}, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"veche serve exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.base + "/api/v1/openapi.json", timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"veche serve did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class PrivateRedis:
    """A Redis of the test's own, so stopping it disturbs nothing else on the machine."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateRedis:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
