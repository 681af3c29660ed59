"""Real server processes for tests that need one (a browser's, or a crash's), and a link to cut."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(settings, port: int | None = None, workers: int = 1) -> tuple[subprocess.Popen, str]:
    """The app on 127.0.0.1 with the test settings; returns when /healthz answers 200.

    One worker: uvicorn itself, stopped within 2 s. More: `hoithi serve --workers N`, as in production."""
    port = port or _free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOITHI_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "SECRET_KEY": settings.secret_key,
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "contest.app:app_from_env", "--host", "127.0.0.1",
               "--port", str(port), "--no-access-log", "--timeout-graceful-shutdown", "2"]
    if workers > 1:
        command = [sys.executable, "-c", "from contest.cli import main; main()", "serve", "--port", str(port),
                   "--workers", str(workers)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
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



class TcpProxy:
    """A TCP relay to a server, in a thread of its own, that a test can cut and restore.

    Cutting closes the listening socket and aborts every relayed connection, as a dead link or a
    restarted database server would; restoring listens again on the same port.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = _free_port()
        self._links: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._thread.start()
        self.restore()

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    def restore(self) -> None:
        async def listen() -> None:
            self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port, reuse_address=True)
        self._run(listen())

    def cut(self) -> None:
        async def close() -> None:
            self._server.close()
            for writer in list(self._links):
                writer.transport.abort()
            self._links.clear()
        self._run(close())

    def close(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self._links.update((client_writer, server_writer))

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                writer.transport.abort()
                self._links.discard(writer)

        await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer))
