"""Start and stop the servers under test; every wait is bounded, every process is ours."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The veche of the venv running the harness (normally .venv), so seeding and serving match.
VECHE = Path(sys.executable).with_name("veche")
ISSO_VENV = ROOT / "bench" / ".venv-isso"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        """SIGTERM our own process group (started with start_new_session), then SIGKILL."""
        if self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass


def _spawn(
    name: str, argv: list[str], env: dict[str, str], cwd: Path, log: Path
) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    try:
        return subprocess.Popen(  # noqa: S603 - fixed argv built by the harness
            argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    finally:
        out.close()


def wait_http(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Until the port answers HTTP (any status) or the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=1) as s:
                s.sendall(f"GET / HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
                s.settimeout(5)
                if s.recv(12).startswith(b"HTTP/1."):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"server on port {port} did not answer within {timeout:.0f} s")


def veche_env(db_url: str, port: int, redis_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VECHE_")}
    env.update(
        VECHE_DATABASE_URL=db_url,
        VECHE_BASE_URL=f"http://{HOST}:{port}",
        VECHE_SECRET_KEY="bench-secret-key-not-for-production",  # noqa: S106 - local only
        VECHE_COOKIE_SECURE="false",
        VECHE_RATE_LIMIT_WRITES="1000000/minute",
        VECHE_RATE_LIMIT_AUTH="1000000/minute",
    )
    if redis_url:
        env["VECHE_REDIS_URL"] = redis_url
    return env


def start_veche(
    db_url: str,
    workdir: Path,
    name: str = "veche",
    redis_url: str | None = None,
    workers: int = 1,
) -> Server:
    """`veche serve` exactly as a publisher runs it: one uvicorn process, or `workers`
    (which needs Redis)."""
    port = free_port()
    log = workdir / f"{name}-{port}.log"
    argv = [str(VECHE), "serve", "--host", HOST, "--port", str(port)]
    if workers > 1:
        argv += ["--workers", str(workers)]
    proc = _spawn(name, argv, veche_env(db_url, port, redis_url), workdir, log)
    wait_http(port, proc)
    return Server(name, proc, port, log)


def isso_config(workdir: Path, dbpath: Path, port: int) -> Path:
    """Guard (rate limit) and moderation off, no notifications, no admin."""
    cfg = workdir / f"isso-{port}.cfg"
    cfg.write_text(
        "[general]\n"
        f"dbpath = {dbpath}\n"
        f"host = http://{HOST}:{port}/\n"
        "notify = stdout\n"
        "gravatar = false\n"
        "[admin]\nenabled = false\n"
        "[moderation]\nenabled = false\n"
        f"[server]\nlisten = http://{HOST}:{port}/\n"
        "[guard]\nenabled = false\n",
        encoding="utf-8",
    )
    return cfg


def start_isso(cfg: Path, port: int, workdir: Path, workers: int = 2) -> Server:
    """Isso under gunicorn with sync workers, as its docs deploy it."""
    log = workdir / f"isso-{port}.log"
    env = dict(os.environ, ISSO_SETTINGS=str(cfg))
    argv = [
        str(ISSO_VENV / "bin" / "gunicorn"), "-w", str(workers), "-k", "sync",
        "-b", f"{HOST}:{port}", "--timeout", "300", "isso.run",
    ]  # fmt: skip
    proc = _spawn("isso", argv, env, workdir, log)
    wait_http(port, proc)
    return Server("isso", proc, port, log)


def start_nginx(www: Path, workdir: Path) -> Server:
    """Debian's nginx, one worker, config and pid in our temp dir; the system's is untouched."""
    port = free_port()
    prefix = workdir / f"nginx-{port}"
    for sub in ("tmp", "logs"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    temp = prefix / "tmp"
    conf.write_text(
        f"""worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    types {{ application/json json; text/html html; }}
    default_type application/octet-stream;
    sendfile on;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    server {{
        listen {HOST}:{port};
        root {www};
        location / {{ try_files $uri =404; }}
    }}
}}
""",
        encoding="utf-8",
    )
    # The worker drops to "nobody": it must be able to read the files.
    for p in [workdir, www, *www.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    log = prefix / "logs" / "stdout.log"
    proc = _spawn(
        "nginx",
        ["/usr/sbin/nginx", "-p", str(prefix), "-c", str(conf)],
        dict(os.environ),
        prefix,
        log,
    )
    wait_http(port, proc)
    return Server("nginx", proc, port, log)


def rss_kb(pid: int) -> int:
    """Resident memory of one process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
