"""Real server processes for tests that need one: a browser's, or a crash's."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(settings, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """uvicorn on 127.0.0.1 with the test settings; returns when /healthz answers 200."""
    port = port or _free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOITHI_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "SECRET_KEY": settings.secret_key,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "contest.app:app_from_env", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--timeout-graceful-shutdown", "2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return process, base_url
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"server did not start:\n{process.stdout.read().decode(errors='replace')}")
        time.sleep(0.1)


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()

