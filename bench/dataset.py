"""The bench data set: a province-sized contest made in seconds with bulk inserts.

    python -m bench.dataset --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/hoithi_bench [--scale 1]

It drops and recreates the bench database (only a database whose name starts with `hoithi_bench`, or
a SQLite file), migrates it with the app's own migrations, then writes with COPY (PostgreSQL) or
executemany (SQLite):

- the province: 1 province, 30 districts, 1,000 schools of 10 classes, 300,000 pupils, one teacher
  per school and a province organiser (× scale). Every pupil has the same card code, CARD_CODE, and
  the same stored argon2 hash, computed ONCE (as contest/demo.py does): 300,000 hashes would take hours;
- the starter bank (`questions.starter.load_starter`, through the app's own code);
- the contest the load generator plays: published, open, one round of 10 random questions, 30 s per
  question, speed scoring, boards visible live, explanations after the close (so an answer's response
  is "Saved." and the next question, as in a real contest);
- the board contest (unless --no-board): 1,000,000 finished attempts (× scale) in one round, by the
  province's pupils plus synthetic pupils of a second province, for the leaderboard at 1M entries and
  the rebuild time. Its boards are NOT built here: run.py times that with `hoithi leaderboard rebuild`.

Ids are assigned here (a fresh database), and the sequences are moved past them afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from contest.accounts.cards import normalise_code
from contest.accounts.passwords import hash_secret
from contest.contests.models import Contest, Explanations, Round, Selection, Visibility
from contest.db import create_engine, create_sessionmaker
from contest.demo import FAMILY, GIVEN, MIDDLE
from contest.migrate import upgrade
from contest.org.importing import pupil_username

PUPILS = 300_000
SCHOOLS = 1_000
DISTRICTS = 30
CLASSES_PER_SCHOOL = 10
BOARD_PUPILS = 1_000_000

CARD_CODE = "BENCH-2026"
TEACHER_PASSWORD = "bench-teacher"
ORGANISER_PASSWORD = "bench-organiser"
CONTEST_TITLE = "Hội thi bench: Kỹ năng số"
BOARD_CONTEST_TITLE = "Hội thi bench: bảng 1 triệu"

LEVELS = {  # school level → its 10 classes (name, grade)
    "TH": [(f"{g}{c}", g) for g in range(1, 6) for c in "AB"],
    "THCS": [(f"{g}{c}", g) for g, cs in ((6, "ABC"), (7, "ABC"), (8, "AB"), (9, "AB")) for c in cs],
    "THPT": [(f"{g}A{c}", g) for g, n in ((10, 4), (11, 3), (12, 3)) for c in range(1, n + 1)],
}


def level_of(index: int) -> str:
    slot = index % 20
    return "TH" if slot < 8 else "THCS" if slot < 15 else "THPT"


@dataclass
class Ids:
    """The next free id of each table (the database is new, so ids are ours to give)."""

    next: dict[str, int] = field(default_factory=lambda: {})

    def take(self, table: str) -> int:
        value = self.next.get(table, 1)
        self.next[table] = value + 1
        return value


@dataclass
class Tree:
    provinces: list[tuple] = field(default_factory=list)
    districts: list[tuple] = field(default_factory=list)
    schools: list[tuple] = field(default_factory=list)
    classes: list[tuple] = field(default_factory=list)
    users: list[tuple] = field(default_factory=list)
    # (pupil id, class id, school id, district id) of every pupil, for the board attempts
    pupils: list[tuple[int, int, int, int]] = field(default_factory=list)


PROVINCE_COLUMNS = ["id", "code", "name"]
DISTRICT_COLUMNS = ["id", "province_id", "code", "name"]
SCHOOL_COLUMNS = ["id", "district_id", "code", "name", "enrolment"]
CLASS_COLUMNS = ["id", "school_id", "name", "grade", "enrolment"]
USER_COLUMNS = ["id", "username", "full_name", "role", "password_hash", "card_code_hash", "province_id",
                "district_id", "school_id", "class_id", "pupil_number", "can_review", "is_active", "created_at"]
ATTEMPT_COLUMNS = ["id", "token", "round_id", "contest_id", "pupil_id", "class_id", "school_id", "district_id",
                   "number", "started_at", "deadline", "finished_at", "position", "question_count", "score",
                   "correct_count", "answered_count", "time_ms", "streak", "draw"]
JSON_COLUMNS = {"draw"}


def make_tree(tree: Tree, ids: Ids, *, prefix: str, province_name: str, districts: int, schools: int, pupils: int,
              card_hash: str, teacher_hash: str | None, rng: random.Random, now: datetime) -> None:
    """One province: `districts` districts, `schools` schools of 10 classes, `pupils` pupils spread evenly."""
    province_id = ids.take("provinces")
    tree.provinces.append((province_id, prefix, province_name))
    district_ids = []
    for d in range(1, districts + 1):
        district_id = ids.take("districts")
        district_ids.append(district_id)
        tree.districts.append((district_id, province_id, f"{prefix}-D{d:02d}", f"Huyện {province_name[5:]} {d}"))
    per_school = [pupils // schools + (1 if s < pupils % schools else 0) for s in range(schools)]
    for s in range(schools):
        level = level_of(s)
        district_id = district_ids[s % districts]
        school_id = ids.take("schools")
        code = f"{prefix}{s % districts + 1:02d}-{level}{s + 1:04d}"
        classes = LEVELS[level]
        per_class = [per_school[s] // len(classes) + (1 if c < per_school[s] % len(classes) else 0) for c in range(len(classes))]
        tree.schools.append((school_id, district_id, code, f"Trường {level} Số {s + 1}",
                             sum(per_class) + 2 * len(classes)))  # two enrolled pupils per class never play
        if teacher_hash:
            tree.users.append((ids.take("users"), "gv-" + code.lower(), f"Giáo viên {code}", "teacher", teacher_hash,
                               None, None, None, school_id, None, None, True, True, now))
        number = 0
        for (class_name, grade), size in zip(classes, per_class):
            class_id = ids.take("classes")
            tree.classes.append((class_id, school_id, class_name, grade, size + 2))
            for _ in range(size):
                number += 1
                user_id = ids.take("users")
                pupil_number = f"{number:04d}"
                name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
                tree.users.append((user_id, pupil_username(code, pupil_number), name, "pupil", None, card_hash, None,
                                   None, school_id, class_id, pupil_number, False, True, now))
                tree.pupils.append((user_id, class_id, school_id, district_id))


class BulkWriter:
    """COPY on PostgreSQL, executemany on SQLite; both with explicit ids."""

    def __init__(self, database_url: str) -> None:
        self.url = make_url(database_url)
        self.postgres = self.url.get_backend_name() == "postgresql"
        self.tables: set[str] = set()

    async def open(self) -> None:
        if self.postgres:
            import asyncpg

            self.connection = await asyncpg.connect(**_asyncpg_params(self.url))
            # Our rows are consistent by construction: skip the per-row foreign-key triggers (superuser only)
            # and build the secondary indexes once after each COPY instead of row by row.
            await self.connection.execute("SET session_replication_role = replica")
            await self.connection.execute("SET maintenance_work_mem = '512MB'")
            await self.connection.execute("SET synchronous_commit = off")
        else:
            from sqlalchemy import create_engine as create_sync_engine

            from contest.models import Base

            self.engine = create_sync_engine(f"sqlite:///{self.url.database}")
            self.metadata = Base.metadata

    async def write(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        self.tables.add(table)
        if self.postgres:
            json_at = [i for i, c in enumerate(columns) if c in JSON_COLUMNS]
            if json_at:
                rows = [tuple(json.dumps(v) if i in json_at else v for i, v in enumerate(row)) for row in rows]
            indexes = await self.connection.fetch(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = $1 AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", table)
            for index in indexes:
                await self.connection.execute(f'DROP INDEX "{index["indexname"]}"')
            await self.connection.copy_records_to_table(table, records=rows, columns=columns)
            for index in indexes:
                await self.connection.execute(index["indexdef"])
            await self.connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            return
        statement = self.metadata.tables[table].insert()
        with self.engine.begin() as connection:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            for start in range(0, len(rows), 50_000):
                connection.execute(statement, [dict(zip(columns, row)) for row in rows[start:start + 50_000]])

    async def analyze(self) -> None:
        if self.postgres:
            for table in sorted(self.tables | {"questions", "question_versions", "contests", "rounds"}):
                await self.connection.execute(f"ANALYZE {table}")
        else:
            with self.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")

    async def close(self) -> None:
        if self.postgres:
            await self.connection.close()
        else:
            self.engine.dispose()


def _asyncpg_params(url) -> dict:
    return {"host": url.host or "127.0.0.1", "port": url.port or 5432, "user": url.username or "postgres",
            "password": url.password, "database": url.database}


async def recreate_database(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        import asyncpg

        if not (url.database or "").startswith("hoithi_bench"):
            raise SystemExit(f"refusing to drop {url.database!r}: the bench database's name starts with hoithi_bench")
        connection = await asyncpg.connect(**(_asyncpg_params(url) | {"database": "postgres"}))
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
            await connection.execute(f'CREATE DATABASE "{url.database}"')
        finally:
            await connection.close()
        return
    path = Path(url.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def board_attempts(pupils: list[tuple[int, int, int, int]], contest_id: int, round_id: int, first_id: int,
                   rng: random.Random, now: datetime) -> list[tuple]:
    """One finished attempt per pupil with a plausible score: 10 answers, right ones worth 500–1000 points each."""
    rows = []
    for n, (pupil_id, class_id, school_id, district_id) in enumerate(pupils):
        right = min(10, int(11 * rng.random() ** 0.7))
        score = right * 500 + rng.randint(0, right * 500)
        time_ms = rng.randint(20_000, 290_000)
        started = now - timedelta(seconds=rng.randint(600, 86_400))
        rows.append((first_id + n, f"bench{first_id + n:027d}", round_id, contest_id, pupil_id, class_id, school_id,
                     district_id, 1, started, started + timedelta(seconds=600), started + timedelta(milliseconds=time_ms),
                     10, 10, score, right, 10, time_ms, 0, {}))
    return rows


async def build(database_url: str, *, scale: float = 1.0, board: bool = True, log=print) -> dict:
    """Drop, recreate, migrate and fill the bench database; returns what the load generator needs."""
    started = time.perf_counter()
    steps: dict[str, float] = {}

    def step(name: str, since: float) -> float:
        now = time.perf_counter()
        steps[name] = round(now - since, 2)
        log(f"  dataset: {name} in {steps[name]:.1f} s")
        return now

    pupils = max(300, round(PUPILS * scale))
    schools = max(DISTRICTS, min(SCHOOLS, round(SCHOOLS * scale)))
    board_pupils = max(pupils, round(BOARD_PUPILS * scale)) if board else 0

    t = time.perf_counter()
    await recreate_database(database_url)
    await asyncio.to_thread(upgrade, database_url)
    t = step("drop, create and migrate the database", t)

    card_hash = hash_secret(normalise_code(CARD_CODE))  # one argon2 hash for every pupil
    teacher_hash = hash_secret(TEACHER_PASSWORD)
    organiser_hash = hash_secret(ORGANISER_PASSWORD)
    rng = random.Random(2026)
    now = datetime.now(timezone.utc)
    ids = Ids()
    tree = Tree()
    make_tree(tree, ids, prefix="B", province_name="Tỉnh Bench", districts=DISTRICTS, schools=schools, pupils=pupils,
              card_hash=card_hash, teacher_hash=teacher_hash, rng=rng, now=now)
    main_pupils = (tree.pupils[0][0], tree.pupils[-1][0])
    tree.users.append((ids.take("users"), "bench-sogd", "Sở GD&ĐT Bench", "organiser", organiser_hash, None,
                       tree.provinces[0][0], None, None, None, None, True, True, now))
    extra = board_pupils - pupils
    if extra > 0:  # the board contest's other pupils: a synthetic province of the same shape
        extra_schools = math.ceil(extra / (pupils / schools))
        make_tree(tree, ids, prefix="X", province_name="Tỉnh Tổng Hợp", districts=max(1, math.ceil(extra / 10_000)),
                  schools=extra_schools, pupils=extra, card_hash=card_hash, teacher_hash=None, rng=rng, now=now)
    t = step(f"generate {len(tree.users):,} users, {len(tree.classes):,} classes, {len(tree.schools):,} schools", t)

    writer = BulkWriter(database_url)
    await writer.open()
    try:
        await writer.write("provinces", PROVINCE_COLUMNS, tree.provinces)
        await writer.write("districts", DISTRICT_COLUMNS, tree.districts)
        await writer.write("schools", SCHOOL_COLUMNS, tree.schools)
        await writer.write("classes", CLASS_COLUMNS, tree.classes)
        await writer.write("users", USER_COLUMNS, tree.users)
        t = step("bulk insert the organisation tree and users", t)

        engine = create_engine(database_url)
        try:
            async with create_sessionmaker(engine)() as db:
                from questions.starter import load_starter

                await load_starter(db)
                t = step("load the starter bank", t)
                contest = await _contest(db, CONTEST_TITLE, tree.provinces[0][0], now)
                board_contest = await _contest(db, BOARD_CONTEST_TITLE, tree.provinces[0][0], now) if board else None
                round_id = await db.scalar(select(Round.id).where(Round.contest_id == contest.id))
                board_round_id = (await db.scalar(select(Round.id).where(Round.contest_id == board_contest.id))
                                  if board_contest else None)
        finally:
            await engine.dispose()

        if board_contest is not None:
            rows = board_attempts(tree.pupils[:board_pupils], board_contest.id, board_round_id, 1, rng, now)
            t = step(f"generate {len(rows):,} board attempts", t)
            await writer.write("attempts", ATTEMPT_COLUMNS, rows)
            del rows
            t = step("bulk insert the board attempts", t)
        await writer.analyze()
        t = step("analyze", t)
    finally:
        await writer.close()

    total = round(time.perf_counter() - started, 1)
    log(f"  dataset: ready in {total:.1f} s")
    return {
        "database_url": database_url, "seconds": total, "steps": steps, "pupils": pupils, "schools": schools,
        "districts": DISTRICTS, "classes": schools * CLASSES_PER_SCHOOL, "teachers": schools,
        "main_pupil_ids": main_pupils, "card_code": CARD_CODE, "contest_id": contest.id, "round_id": round_id,
        "board_contest_id": board_contest.id if board_contest else None, "board_round_id": board_round_id,
        "board_pupils": board_pupils,
    }


async def _contest(db, title: str, province_id: int, now: datetime) -> Contest:
    contest = Contest(
        title_vi=title, title_en=title, theme="Tuần lễ hưởng ứng học tập suốt đời", province_id=province_id,
        opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=7), visibility=Visibility.LIVE, published=True,
    )
    db.add(contest)
    db.add(Round(contest=contest, position=1, title="Vòng thi chính", language="vi", selection=Selection.RANDOM,
                 question_count=10, seconds_per_question=30, scoring="speed", explanations=Explanations.AFTER_CLOSE))
    await db.commit()
    return contest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/hoithi_bench")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies pupils, schools and board entries")
    parser.add_argument("--no-board", action="store_true", help="skip the 1M-attempt board contest")
    args = parser.parse_args()
    summary = asyncio.run(build(args.database_url, scale=args.scale, board=not args.no_board))
    print(json.dumps(summary, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
