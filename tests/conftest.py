"""Shared fixtures: a real database and a real Redis for every test.

By default the database is a SQLite file and Redis the embedded redis-server, both in a temporary
directory. TEST_DATABASE_URL (e.g. postgresql+asyncpg://postgres@127.0.0.1/test) and TEST_REDIS_URL
(e.g. redis://127.0.0.1:6379/9) switch to servers; the suite then empties that database and that
Redis database before each test.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from contest import embedded_redis, i18n
from contest.accounts.cards import normalise_code
from contest.accounts.models import Role, User
from contest.accounts.passwords import hash_secret
from contest.app import create_app
from contest.contests.models import Contest, Explanations, Round
from contest.db import create_engine, create_sessionmaker
from contest.migrate import upgrade
from contest.models import Base
from contest.org.models import District, Province, School, SchoolClass
from contest.settings import Settings
from questions.models import Question

PASSWORD = "correct horse battery"
CARD_CODE = "ABCD-2345"


@pytest.fixture(autouse=True)
def english_messages():
    """Services outside a request speak the site's default language; tests read them in English."""
    token = i18n.current_locale.set("en")
    yield
    i18n.current_locale.reset(token)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hoithi-data")


@pytest.fixture(scope="session")
def redis_url(data_dir: Path):
    if url := os.environ.get("TEST_REDIS_URL"):
        yield url
        return
    url = embedded_redis.acquire(data_dir)
    yield f"{url}?db=9"
    embedded_redis.release(data_dir)


@pytest.fixture(scope="session")
def database_url(data_dir: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'test.sqlite3'}"
    if url.startswith("postgresql"):
        _drop_everything(url)
    upgrade(url)
    return url


def _drop_everything(url: str) -> None:
    """Start the PostgreSQL pass from an empty schema, whatever an earlier run left."""
    import asyncio

    async def drop() -> None:
        engine = create_engine(url)
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    asyncio.run(drop())


@pytest.fixture
def settings(data_dir: Path, database_url: str, redis_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, redis_url=redis_url, secret_key="test-secret-key")


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def db(database_url: str, redis: Redis) -> AsyncIterator[AsyncSession]:
    """A session for the test's own setup and checks, on a database emptied before the test."""
    engine = create_engine(database_url)
    tables = list(reversed(Base.metadata.sorted_tables))
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text(f"TRUNCATE {', '.join(t.name for t in tables)} RESTART IDENTITY CASCADE"))
        else:
            await connection.execute(text("PRAGMA defer_foreign_keys = ON"))  # questions ↔ versions refer to each other
            for table in tables:
                await connection.execute(table.delete())
    await redis.flushdb()
    async with create_sessionmaker(engine)() as session:
        yield session
    await engine.dispose()


@pytest.fixture
async def client(settings: Settings, db: AsyncSession) -> AsyncIterator[AsyncTestClient]:
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        test_client.follow_redirects = False  # tests look at redirects themselves
        test_client.headers["accept-language"] = "en"  # tests read messages in English unless they ask otherwise
        yield test_client


# A small world: two districts of one province, two schools each, two classes a school.


@dataclass
class World:
    province: Province
    districts: list[District]
    schools: list[School]
    classes: list[SchoolClass]
    organiser: User  # the province
    district_organiser: User  # districts[0]
    teachers: list[User]  # one per school
    pupils: list[User]  # two per class


@pytest.fixture(scope="session")
def secret_hashes() -> tuple[str, str]:
    """Argon2 is slow on purpose; hash the test password and card code once per run."""
    return hash_secret(PASSWORD), hash_secret(normalise_code(CARD_CODE))


@pytest.fixture
async def world(db: AsyncSession, secret_hashes: tuple[str, str]) -> World:
    password_hash, card_hash = secret_hashes
    province = Province(code="P1", name="Tỉnh Thử Nghiệm")
    districts = [District(code=f"D{n}", name=f"Huyện Số {n}", province=province) for n in (1, 2)]
    schools = [School(code=f"S{n}", name=f"Trường Số {n}", enrolment=40, district=districts[(n - 1) // 2]) for n in (1, 2, 3, 4)]
    classes = [SchoolClass(name=f"{6 + n % 2}A", grade=6 + n % 2, enrolment=20, school=schools[n // 2]) for n in range(8)]
    db.add_all([province, *districts, *schools, *classes])
    await db.flush()
    organiser = User(username="province", full_name="Sở Giáo dục", role=Role.ORGANISER, province_id=province.id,
                     password_hash=password_hash, can_review=True)
    district_organiser = User(username="district1", full_name="Phòng Giáo dục 1", role=Role.ORGANISER,
                              district_id=districts[0].id, password_hash=password_hash, can_review=True)
    teachers = [User(username=f"teacher{n + 1}", full_name=f"Cô giáo {n + 1}", role=Role.TEACHER, school_id=school.id,
                     password_hash=password_hash) for n, school in enumerate(schools)]
    pupils = [
        User(username=f"pupil{n + 1}", full_name=f"Học Sinh {n + 1}", role=Role.PUPIL, school_id=school_class.school_id,
             class_id=school_class.id, pupil_number=f"{n + 1:03d}", card_code_hash=card_hash)
        for n, school_class in enumerate(c for c in classes for _ in range(2))
    ]
    db.add_all([organiser, district_organiser, *teachers, *pupils])
    await db.commit()
    return World(province, districts, schools, classes, organiser, district_organiser, teachers, pupils)


CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def csrf_token(client: AsyncTestClient, path: str = "/login") -> str:
    """The token a page's forms carry (the CSRF cookie comes with it)."""
    response = await client.get(path, follow_redirects=True)
    match = CSRF_FIELD.search(response.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


async def login(client: AsyncTestClient, username: str, secret: str = PASSWORD):
    token = await csrf_token(client)
    return await client.post("/login", data={"username": username, "secret": secret, "_csrf_token": token})


async def post_form(client: AsyncTestClient, path: str, data: dict | None = None, **kwargs):
    """POST a form the way a browser does: with the CSRF token from the page's cookie."""
    token = await csrf_token(client, "/login")
    return await client.post(path, data={**(data or {}), "_csrf_token": token}, **kwargs)


def pytest_terminal_summary(terminalreporter):
    """Say loudly when the browser tests did not run, so nobody mistakes a skip for a pass."""
    skipped = [report for report in terminalreporter.stats.get("skipped", []) if "tests/browser/" in report.nodeid]
    if skipped:
        terminalreporter.write_sep("!", f"BROWSER TESTS SKIPPED ({len(skipped)}): no Chromium found", red=True, bold=True)
        terminalreporter.write_line("Install Debian's `chromium` package (or set HOITHI_CHROMIUM) to run them; CI requires them.")


async def make_contest(db: AsyncSession, world: World, *, opens_in: timedelta = timedelta(minutes=-5),
                       lasts: timedelta = timedelta(hours=2), contest_options: dict | None = None,
                       **round_options) -> tuple[Contest, Round]:
    """A published province contest, open now, with one round (random draw of 5 from the starter bank by default)."""
    from questions.starter import load_starter

    if not await db.scalar(select(func.count()).select_from(Question)):
        await load_starter(db)
    now = datetime.now(timezone.utc)
    contest = Contest(title_vi="Tuần lễ học tập suốt đời", title_en="Lifelong Learning Week", province_id=world.province.id,
                      opens_at=now + opens_in, closes_at=now + opens_in + lasts, published=True,
                      **(contest_options or {}))
    defaults = {"question_count": 5, "seconds_per_question": 30, "explanations": Explanations.AFTER_EACH}
    round_ = Round(contest=contest, position=1, title="Vòng 1", **(defaults | round_options))
    db.add_all([contest, round_])
    await db.commit()
    return contest, round_
