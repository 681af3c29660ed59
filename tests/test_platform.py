"""The platform a newcomer relies on: migrations, the embedded Redis, health checks, the CLI, the demo."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import redis as sync_redis
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from contest import embedded_redis
from contest.app import create_app
from contest.db import create_engine
from contest.migrate import upgrade
from contest.models import Base
from contest.settings import Settings
from tests.servers import start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "contest.cli", *args], capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"], **env}, timeout=timeout, cwd=ROOT)


def test_migrations_build_an_empty_database_that_matches_the_models(tmp_path: Path, database_url: str):
    """`upgrade head` on an empty database, then no difference between models and schema."""
    url = database_url if database_url.startswith("postgresql") else f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    if not url.startswith("postgresql"):
        upgrade(url)

    async def differences():
        engine = create_engine(url)
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata)
            )
        await engine.dispose()
        return diff

    assert asyncio.run(differences()) == []


def test_embedded_redis_is_shared_and_stopped_by_the_last_holder(tmp_path: Path):
    url = embedded_redis.acquire(tmp_path)
    client = sync_redis.Redis.from_url(url)
    client.set("kept", "yes")
    assert client.config_get("appendonly")["appendonly"] == "yes"
    assert client.config_get("zset-max-ziplist-entries")["zset-max-ziplist-entries"] == "512"  # compact boards
    # A second process on the same data directory reuses the same server.
    other = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; from contest import embedded_redis; "
         "url = embedded_redis.acquire(Path(sys.argv[1])); import redis; print(redis.Redis.from_url(url).get('kept').decode()); "
         "embedded_redis.release(Path(sys.argv[1]))", str(tmp_path)],
        capture_output=True, text=True, timeout=30, cwd=ROOT,
    )
    assert other.stdout.strip() == "yes", other.stderr
    assert client.ping()  # the other process's release left it running for us
    client.flushall()  # what the test suite does between tests: the holders are not kept in Redis
    client.set("kept", "yes")
    assert subprocess.run(other.args, capture_output=True, text=True, timeout=30, cwd=ROOT).returncode == 0
    assert client.ping()
    embedded_redis.release(tmp_path)
    with pytest.raises(sync_redis.ConnectionError):
        client.ping()
    # Append-only persistence: a new server on the same directory has the data back.
    url = embedded_redis.acquire(tmp_path)
    assert sync_redis.Redis.from_url(url).get("kept") == b"yes"
    embedded_redis.release(tmp_path)


async def test_healthz_reports_both_parts(client: AsyncTestClient):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok"}


async def test_healthz_says_which_part_failed(settings: Settings, db):
    broken = Settings(data_dir=settings.data_dir, database_url=settings.database_url,
                      redis_url="redis://127.0.0.1:1/0", secret_key="x")
    async with AsyncTestClient(app=create_app(broken)) as test_client:
        response = await test_client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok" and body["redis"].startswith("error")


def test_cli_help_is_complete_for_every_command():
    from contest.cli import main

    commands = {name: command for name, command in main.commands.items()}
    assert {"serve", "demo", "db", "import-org", "import-pupils"} <= set(commands)
    result = _cli("--help", env={})
    assert result.returncode == 0
    for name, command in commands.items():
        assert command.help, f"`hoithi {name}` has no help text"
        assert name in result.stdout
        sub = _cli(name, "--help", env={})
        assert sub.returncode == 0 and "Usage:" in sub.stdout
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"`hoithi {name} {param.opts[0]}` has no help text"


def test_demo_loads_the_promised_province_and_is_idempotent(tmp_path: Path, database_url: str, redis_url: str):
    if database_url.startswith("postgresql"):
        pytest.skip("the demo is checked on a fresh SQLite file; the PostgreSQL pass covers the rest")
    env = {"HOITHI_DATA_DIR": str(tmp_path), "REDIS_URL": redis_url}
    assert _cli("db", "upgrade", env=env).returncode == 0
    first = _cli("demo", env=env)
    assert first.returncode == 0, first.stderr
    assert "sogd" in first.stdout and "DEMO-2026" in first.stdout
    assert _cli("demo", env=env).returncode == 0

    async def counts():
        from contest.accounts.models import Role, User
        from contest.org.models import District, Province, School, SchoolClass

        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'hoithi.sqlite3'}")
        async with engine.connect() as connection:
            result = {model.__name__: await connection.scalar(select(func.count()).select_from(model))
                      for model in (Province, District, School, SchoolClass)}
            for role in Role:
                result[role.value] = await connection.scalar(select(func.count()).where(User.role == role))
        await engine.dispose()
        return result

    assert asyncio.run(counts()) == {"Province": 1, "District": 3, "School": 12, "SchoolClass": 36,
                                     "organiser": 4, "teacher": 12, "pupil": 600}


def test_vendored_static_files_match_their_recorded_checksums():
    import hashlib

    for line in (ROOT / "static/vendor/SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        assert hashlib.sha256((ROOT / "static/vendor" / name).read_bytes()).hexdigest() == digest


async def test_static_files_are_compressed_and_cached_for_a_year(client: AsyncTestClient):
    page = await client.get("/login")
    script = next(part.split('"')[1] for part in page.text.split("<script src=")[1:])
    assert "?v=" in script
    response = await client.get(script, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "max-age=31536000" in response.headers["cache-control"]


def test_every_worker_of_a_production_server_writes_json_request_logs(settings: Settings, db):
    process, base_url = start_server(settings, workers=2)
    try:
        with httpx.Client(base_url=base_url) as http:
            for _ in range(20):  # enough for both workers to take some
                assert http.get("/healthz").status_code == 200
    finally:
        stop_server(process)
    lines = [json.loads(line) for line in process.stdout.read().decode().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line["message"] == "request" and line["path"] == "/healthz"]
    assert len(requests) >= 20 and all(line["status"] == 200 for line in requests)
