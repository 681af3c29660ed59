"""`make bench` (`python -m bench.run --profile postgres|embedded`): issue #6's benchmark, one table.

1. Builds the data set (bench/dataset.py): a 300,000-pupil province and a 1,000,000-attempt contest.
2. Times `hoithi leaderboard rebuild` of the 1M contest and measures its Redis memory.
3. Starts the app as production runs it: `hoithi serve --workers <cores>` with DATABASE_URL (PostgreSQL
   `hoithi_bench`) and REDIS_URL (redis://127.0.0.1:6379/15, the only Redis database it flushes); the
   embedded profile uses the defaults instead (SQLite + the embedded redis-server) at a smaller scale.
4. Drives it from this process (bench/loadgen.py): /healthz, Redis reads, the 1M board fragment,
   the login lobby, a closed-loop capacity probe (profiled with py-spy), the sustained open-model
   answer run, and 1,000 live-board screens (SSE) timed from answer to event and to fragment.
5. Checks afterwards that every acknowledged answer exists exactly once in the database, that each
   attempt's score is the sum of its answers' points, and that the board agrees with the database.
6. Counts what one request costs in-process (SQL statements, commits, Redis calls) and prints ONE table.

Environment knobs (all optional): BENCH_SCALE (data and time; default 1 on PostgreSQL, 0.1 embedded),
BENCH_WINDOW (seconds of the sustained run, 60), BENCH_ANSWER_RATE (answers/s offered; default 70 %
of the probe's peak), BENCH_THINK (s per question, 1.5), BENCH_LOGIN_RATE (logins/s; default from
argon2's cost on this machine), BENCH_SSE_CLIENTS (1000), BENCH_SSE_FETCHERS (50), BENCH_PORT (8765),
BENCH_DATABASE_URL (PostgreSQL profile). Results also go to bench/out/<profile>/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
from redis.asyncio import Redis
from sqlalchemy import event, text

from bench import dataset as data_set
from bench.loadgen import (Game, Http, Pupil, Recorder, Screen, answer, answer_form, closed_loop, lobby, login, now,
                           open_model, percentile, play, sleep_until, start_round, watch)
from bench.profiling import CpuWatch, children_of, pids_named, summarise
from contest.db import create_engine
from contest.leaderboards.boards import RoundBoards

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/hoithi_bench"
PG_REDIS_URL = "redis://127.0.0.1:6379/15"
SECRET_KEY = "hoithi-bench-secret-key-not-for-production"
TARGETS = {"answers_per_s": 3000, "answer_p99_ms": 100, "fragment_p99_ms": 30, "screen_p99_ms": 1000,
           "rebuild_s": 30, "bytes_per_pupil_board": 150}


def env_number(name: str, default: float | None) -> float | None:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Config:
    def __init__(self, profile: str) -> None:
        self.profile = profile
        self.embedded = profile == "embedded"
        self.scale = env_number("BENCH_SCALE", 0.1 if self.embedded else 1.0)
        self.window = env_number("BENCH_WINDOW", 60.0 if self.scale >= 0.5 or self.embedded else 30.0)
        self.answer_rate = env_number("BENCH_ANSWER_RATE", None)
        self.login_rate = env_number("BENCH_LOGIN_RATE", None)
        self.think = env_number("BENCH_THINK", 1.5)
        self.sse_clients = int(env_number("BENCH_SSE_CLIENTS", 1000 if self.scale >= 0.05 else 200))
        self.sse_fetchers = int(env_number("BENCH_SSE_FETCHERS", 50))
        self.port = int(env_number("BENCH_PORT", 8765))
        self.workers = os.cpu_count() or 1
        self.out = ROOT / "bench" / "out" / profile
        self.data_dir = self.out / "data"
        if self.embedded:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / 'hoithi.sqlite3'}"
            self.redis_url = None
        else:
            self.database_url = os.environ.get("BENCH_DATABASE_URL") or PG_URL
            self.redis_url = PG_REDIS_URL
        self.base_url = f"http://127.0.0.1:{self.port}"

    def server_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
        env.update({"HOITHI_DATA_DIR": str(self.data_dir), "HOITHI_HOST": "127.0.0.1", "HOITHI_PORT": str(self.port),
                    "HOITHI_DEBUG": "0", "PYTHONDONTWRITEBYTECODE": "1"})
        if not self.embedded:  # production: a server database, a Redis server, a shared secret key
            env.update({"DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url, "SECRET_KEY": SECRET_KEY})
        return env


# Redis of the profile.


class BenchRedis:
    """PostgreSQL profile: Redis database 15 (the only one flushed). Embedded: the data directory's own server,
    held by this process for the whole run so it survives the CLI and the server restarting."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.url = config.redis_url

    def open(self) -> None:
        if self.config.embedded:
            from contest import embedded_redis

            self.url = embedded_redis.acquire(self.config.data_dir)

    def close(self) -> None:
        if self.config.embedded:
            from contest import embedded_redis

            embedded_redis.release(self.config.data_dir)

    def client(self) -> Redis:
        return Redis.from_url(self.url)


def reset_embedded(config: Config) -> None:
    """Stop a leftover embedded server of an earlier run (only if no live process holds it), then start clean."""
    from contest import embedded_redis

    if config.data_dir.exists():
        if embedded_redis._answers(config.data_dir):
            embedded_redis.acquire(config.data_dir)
            embedded_redis.release(config.data_dir)
        if embedded_redis._answers(config.data_dir):
            raise SystemExit(f"another process still uses the embedded Redis of {config.data_dir}; stop it first")
        shutil.rmtree(config.data_dir)
    config.data_dir.mkdir(parents=True)


# The server.


class Server:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log = open(self.config.out / "server.log", "ab")
        self.process = subprocess.Popen([str(BIN / "hoithi"), "serve", "--workers", str(self.config.workers)],
                                        env=self.config.server_env(), cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)

    async def wait_healthy(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise SystemExit(f"the server exited ({self.process.returncode}); see {self.config.out / 'server.log'}")
                try:
                    async with session.get(self.config.base_url + "/healthz") as response:
                        if response.status == 200 and len(self.workers()) >= self.config.workers:
                            await asyncio.sleep(2)  # every worker has run its start-up (board rebuild) by now
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.3)
        raise SystemExit("the server did not become healthy")

    def workers(self) -> list[int]:
        pids = []
        for pid in children_of(self.process.pid):
            try:
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    pids.append(pid)
            except FileNotFoundError:
                pass
        return pids

    def all_pids(self) -> list[int]:
        return [self.process.pid, *children_of(self.process.pid)] if self.process else []

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        workers = self.workers()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            for pid in workers:  # only the processes this run started, by id
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.process.kill()
            self.process.wait()
        self.log.close()


# Measurements.


def fmt_ms(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def fmt_us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} µs"


async def healthz(http: Http, recorder: Recorder, seconds: float = 10, concurrency: int = 32) -> dict:
    async def step() -> None:
        await http.call(recorder, "healthz", "GET", "/healthz", planned=now(),
                        check=lambda r: None if r.status == 200 and '"database":"ok"' in r.text and '"redis":"ok"' in r.text
                        else f"status {r.status}")

    elapsed = await closed_loop(concurrency, seconds, step)
    result = Recorder.summary(recorder.select("healthz"), seconds=elapsed)
    result["concurrency"] = concurrency
    return result


async def redis_reads(redis: Redis, boards: RoundBoards, count: int = 2000) -> dict:
    key = boards.key("pupils")
    before = await redis.info("commandstats")
    members = await redis.zrandmember(key, count)
    ranks, tops = [], []
    for member in members:
        started = time.perf_counter()
        await redis.zrevrank(key, member)
        ranks.append(time.perf_counter() - started)
    for _ in range(count):
        started = time.perf_counter()
        await redis.zrevrange(key, 0, 9, withscores=True)
        tops.append(time.perf_counter() - started)
    after = await redis.info("commandstats")

    def server_us(name: str) -> float:
        a, b = after.get(f"cmdstat_{name}", {}), before.get(f"cmdstat_{name}", {"calls": 0, "usec": 0})
        calls = a.get("calls", 0) - b.get("calls", 0)
        return (a.get("usec", 0) - b.get("usec", 0)) / calls if calls else math.nan

    ranks.sort()
    tops.sort()
    return {"entries": await redis.zcard(key), "zrevrank_p50": percentile(ranks, 50), "zrevrank_p99": percentile(ranks, 99),
            "zrevrange_p50": percentile(tops, 50), "zrevrange_p99": percentile(tops, 99),
            "zrevrank_server_us": server_us("zrevrank"), "zrevrange_server_us": server_us("zrevrange")}


async def redis_memory(redis: Redis, boards: RoundBoards, pupils: int) -> dict:
    """MEMORY USAGE (exact: SAMPLES 0) of every key of the round's boards, by kind of key."""
    by_kind: dict[str, list[int]] = {}
    keys = [key async for key in redis.scan_iter(match=f"{boards.prefix}:*", count=5000)] + [boards.enrolment.encode()]
    for start in range(0, len(keys), 1000):
        async with redis.pipeline(transaction=False) as pipe:
            for key in keys[start:start + 1000]:
                pipe.execute_command("MEMORY", "USAGE", key, "SAMPLES", "0")
            sizes = await pipe.execute()
        for key, size in zip(keys[start:start + 1000], sizes):
            kind = key.decode()[len(boards.prefix) + 1:].split(":")[0] if key.startswith(boards.prefix.encode()) else "enrolment"
            by_kind.setdefault(kind, [0, 0])
            by_kind[kind][0] += 1
            by_kind[kind][1] += size or 0
    total = sum(size for _, size in by_kind.values())
    pupil_boards = 4  # overall, district, school, class: every pupil is on each
    return {"keys": len(keys), "bytes": total, "pupils": pupils, "per_pupil": total / pupils if pupils else math.nan,
            "per_pupil_per_board": total / pupils / pupil_boards if pupils else math.nan,
            "overall_board_per_entry": by_kind.get("pupils", [0, 0])[1] / pupils if pupils else math.nan,
            "by_kind": {kind: {"keys": n, "bytes": size, "per_pupil": size / pupils} for kind, (n, size) in by_kind.items()}}


def rebuild_with_cli(config: Config, contest_id: int) -> dict:
    env = config.server_env()
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "hoithi"), "leaderboard", "rebuild", str(contest_id)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"hoithi leaderboard rebuild failed:\n{done.stdout}\n{done.stderr}")
    match = re.search(r": (\d+) standings in ([\d.]+) s", done.stdout)
    return {"output": done.stdout.strip(), "standings": int(match[1]), "seconds": float(match[2]), "wall_seconds": wall}


async def pick_pupils(config: Config, summary: dict, count: int, exclude: set[str]) -> list[str]:
    engine = create_engine(config.database_url)
    first, last = summary["main_pupil_ids"]
    async with engine.connect() as connection:
        names = list(await connection.scalars(text(
            "SELECT username FROM users WHERE role = 'pupil' AND id BETWEEN :a AND :b ORDER BY random() LIMIT :n"),
            {"a": first, "b": last, "n": count + len(exclude)}))
    await engine.dispose()
    return [n for n in names if n not in exclude][:count]


def login_rate_for_machine() -> float:
    """A third of what argon2 alone allows on these cores (the rest of a login, the generator and the database share them)."""
    from contest.accounts.passwords import hash_secret, verify_secret

    stored = hash_secret("BENCH2026")
    started = time.perf_counter()
    for _ in range(5):
        verify_secret(stored, "BENCH2026")
    per_verify = (time.perf_counter() - started) / 5
    return max(5.0, min(200.0, 0.35 * (os.cpu_count() or 1) / per_verify))


async def check_durability(config: Config, redis: Redis, summary: dict, acked: list) -> dict:
    """Every acknowledged answer exactly once; each attempt's score = the sum of its answers' points; the
    board's points = the database's. Checked on the database after the run."""
    engine = create_engine(config.database_url)
    contest_id = summary["contest_id"]
    async with engine.connect() as connection:
        stored = {(a, q): n for a, q, n in await connection.execute(text(
            "SELECT a.token, q.token, count(*) FROM answers x JOIN attempt_questions q ON q.id = x.attempt_question_id "
            "JOIN attempts a ON a.id = q.attempt_id WHERE a.contest_id = :c GROUP BY a.token, q.token"), {"c": contest_id})}
        attempts = (await connection.execute(text(
            "SELECT a.pupil_id, a.score, a.position, a.answered_count, a.correct_count, COALESCE(s.points, 0), "
            "COALESCE(s.n, 0), COALESCE(s.answered, 0), COALESCE(s.right_ones, 0) FROM attempts a LEFT JOIN "
            "(SELECT attempt_id, SUM(points) AS points, COUNT(*) AS n, "
            "SUM(CASE WHEN timed_out THEN 0 ELSE 1 END) AS answered, SUM(CASE WHEN credit >= 1 THEN 1 ELSE 0 END) AS right_ones "
            "FROM answers GROUP BY attempt_id) s ON s.attempt_id = a.id WHERE a.contest_id = :c"), {"c": contest_id})).all()
    await engine.dispose()
    lost = [a for a in acked if (a.attempt, a.question) not in stored]
    duplicated = sum(1 for n in stored.values() if n > 1)
    misscored = [row for row in attempts if row[1] != row[5] or row[2] != row[6] or row[3] != row[7] or row[4] != row[8]]
    boards = RoundBoards(redis, contest_id, summary["round_id"])
    board_points = await redis.hmget(boards.key("points"), [row[0] for row in attempts]) if attempts else []
    # a pupil who started but never answered is on no board yet: that is right, not a mismatch
    board_wrong = sum(1 for row, points in zip(attempts, board_points) if int(points or 0) != row[1])
    return {"acknowledged": len(acked), "stored_answers": sum(stored.values()), "lost": len(lost),
            "duplicated": duplicated, "attempts": len(attempts), "misscored_attempts": len(misscored),
            "board_mismatches": board_wrong}


async def anatomy(config: Config, summary: dict, username: str, redis_url: str) -> dict:
    """In-process (no HTTP, nothing else running): SQL statements, commits and Redis calls of each request of
    one pupil, and the wall time of each of their 10 answers."""
    from litestar.testing import AsyncTestClient
    from redis.asyncio.client import Pipeline

    from contest.app import create_app
    from contest.settings import Settings

    settings = Settings(data_dir=config.data_dir, database_url=config.database_url,
                        redis_url=None if config.embedded else redis_url, secret_key=SECRET_KEY)
    counts = {"sql": 0, "commits": 0, "redis": 0}
    costs: dict[str, dict] = {}
    answer_ms: list[float] = []

    async with AsyncTestClient(app=create_app(settings), base_url="http://127.0.0.1") as client:
        client.follow_redirects = False
        state = client.app.state
        event.listen(state.engine.sync_engine, "before_cursor_execute", lambda *a: counts.__setitem__("sql", counts["sql"] + 1))
        event.listen(state.engine.sync_engine, "commit", lambda *a: counts.__setitem__("commits", counts["commits"] + 1))
        original, original_pipe = state.redis.execute_command, Pipeline.execute

        async def counted(*args, **kwargs):
            counts["redis"] += 1
            return await original(*args, **kwargs)

        async def counted_pipe(self, *args, **kwargs):
            counts["redis"] += 1
            return await original_pipe(self, *args, **kwargs)

        state.redis.execute_command = counted
        Pipeline.execute = counted_pipe
        try:
            async def measure(name: str, call):
                before = dict(counts)
                started = time.perf_counter()
                response = await call()
                elapsed = (time.perf_counter() - started) * 1000
                costs.setdefault(name, {"sql": counts["sql"] - before["sql"], "commits": counts["commits"] - before["commits"],
                                        "redis": counts["redis"] - before["redis"], "ms": elapsed})
                return response, elapsed

            page = await client.get("/login")
            token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)[1]
            await measure("POST /login", lambda: client.post("/login", data={
                "_csrf_token": token, "username": username, "secret": data_set.CARD_CODE, "next": "/"}))
            started, _ = await measure("POST start", lambda: client.post(
                f"/contests/{summary['contest_id']}/rounds/{summary['round_id']}/start", data={"_csrf_token": token}))
            attempt = started.headers["location"].rsplit("/", 1)[1]
            page, _ = await measure("GET /play (question page)", lambda: client.get(f"/play/{attempt}"))
            body = page.text
            for _ in range(10):
                q = re.search(r'name="q" value="([^"]+)"', body)[1]
                form: dict[str, list[str]] = {"_csrf_token": [token], "q": [q], "client_ms": ["900"]}
                for name, value in answer_form(body, random.Random(1)):
                    form.setdefault(name, []).append(value)
                reply, elapsed = await measure("POST /play (answer)", lambda form=form: client.post(
                    f"/play/{attempt}", data=form, headers={"HX-Request": "true"}))
                answer_ms.append(elapsed)
                if reply.headers.get("hx-redirect"):
                    break
                body = reply.text
            await measure("GET result", lambda: client.get(f"/play/{attempt}/result"))
            await measure("GET board fragment", lambda: client.get(f"/boards/{summary['contest_id']}?scope=overall",
                                                                   headers={"HX-Request": "true"}))
            if summary.get("board_contest_id"):
                for _ in range(2):  # the first one warms the statement cache
                    costs.pop("GET board fragment, 1M entries", None)
                    await measure("GET board fragment, 1M entries", lambda: client.get(
                        f"/boards/{summary['board_contest_id']}?scope=overall", headers={"HX-Request": "true"}))
            await measure("GET /healthz", lambda: client.get("/healthz"))
        finally:
            Pipeline.execute = original_pipe
    answer_ms.sort()
    return {"requests": costs, "answer_ms_median": percentile(answer_ms, 50), "answers_timed": len(answer_ms)}


# The run.


async def measure_all(config: Config, summary: dict, server: Server, bench_redis: BenchRedis, results: dict) -> None:
    recorder = Recorder()
    redis = bench_redis.client()
    redis_pid = int((await redis.info("server"))["process_id"])
    async with Http(config.base_url, connections=512) as http:
        game = Game(http, recorder, summary["contest_id"], summary["round_id"], data_set.CARD_CODE)

        log("healthz: 32 concurrent clients for 10 s")
        results["healthz"] = await healthz(http, recorder)

        if summary.get("board_contest_id"):
            boards = RoundBoards(redis, summary["board_contest_id"], summary["board_round_id"])
            log("Redis reads on the 1M board")
            results["redis_reads"] = await redis_reads(redis, boards)
            log("board fragment of the 1M board: 40/s for 15 s")
            fragment_check = lambda r: (f"status {r.status}" if r.status != 200 else
                                        None if '<table class="board">' in r.text and r.text.count("<tr>") >= 51
                                        else "not a 50-row board")
            tasks = await open_model(40, 600, lambda n, at: http.call(
                recorder, "fragment_1m", "GET", f"/boards/{summary['board_contest_id']}?scope=overall", planned=at,
                headers={"HX-Request": "true"}, check=fragment_check))
            await asyncio.gather(*tasks)
            results["fragment_1m"] = Recorder.summary(recorder.select("fragment_1m"))

        login_rate = config.login_rate or login_rate_for_machine()
        results["login_rate_offered"] = login_rate
        used: set[str] = set()
        lobby_seconds: list[float] = []

        async def log_in(count: int) -> list[Pupil]:
            names = await pick_pupils(config, summary, count, used)
            used.update(names)
            log(f"lobby: {len(names)} pupils log in at {login_rate:.0f}/s")
            started = now()
            inside = await lobby(game, [Pupil(n) for n in names], login_rate, deadline=now() + 600)
            lobby_seconds.append(now() - started)
            return inside

        # The capacity probe: closed loop, no think time, profiled with py-spy.
        probe_pupils = await log_in(600)
        queue = list(probe_pupils)
        probe_seconds, probe_concurrency = 15.0, 32
        log(f"capacity probe: {probe_concurrency} pupils answering back to back for {probe_seconds:.0f} s (py-spy on)")
        probe_start = now()
        spies = [subprocess.Popen([str(BIN / "py-spy"), "record", "--pid", str(pid), "--duration", str(int(probe_seconds - 5)),
                                   "--rate", "100", "--format", "raw", "--nonblocking", "--output",
                                   str(config.out / f"pyspy-{pid}.txt")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for pid in server.workers()] if (BIN / "py-spy").exists() else []

        async def probe_step() -> None:
            if not queue:
                await asyncio.sleep(0.05)
                return
            await play(game, queue.pop(), now(), None, stop_at=probe_start + probe_seconds)

        await asyncio.sleep(0)
        await closed_loop(probe_concurrency, probe_seconds, probe_step)
        for spy in spies:
            spy.wait(30)
        measured_from, measured_to = probe_start + 3, probe_start + probe_seconds
        probe_answers = [s for s in recorder.select("answer", planned_from=probe_start)
                         if s.ok and measured_from <= s.done < measured_to]
        peak = len(probe_answers) / (measured_to - measured_from)
        results["probe"] = {"concurrency": probe_concurrency, "seconds": probe_seconds, "answers_per_s": peak,
                            **Recorder.summary([s for s in recorder.select("answer", planned_from=probe_start)
                                                if measured_from <= s.planned < measured_to])}
        results["pyspy"] = summarise(sorted(config.out.glob("pyspy-*.txt")), probe_seconds - 5)
        await asyncio.sleep(2)

        # The sustained run: open model at a fixed rate.
        rate = config.answer_rate or max(5.0, round(0.7 * peak))
        ramp = 10 * config.think + 2
        arrivals = rate / 10
        background_rate = 0.5 * rate  # answers/s while the screens are timed: a contest in full swing
        sse_span = ramp + 20 * 1.5 + 5
        needed = math.ceil((ramp + config.window) * arrivals * 1.03) + 3
        background_needed = math.ceil(sse_span * background_rate / 10 * 1.03) + 1
        pupils = await log_in(needed + background_needed + 3)
        sse_probers, background, pupils = pupils[:3], pupils[3:3 + background_needed], pupils[3 + background_needed:]
        results["logins"] = Recorder.summary(recorder.select("login"), seconds=sum(lobby_seconds))
        log("login capacity: 16 pupils logging in back to back for 8 s")
        names = [p.username for p in probe_pupils[:200]]
        burst_from = now()

        async def login_step() -> None:  # logging in again is allowed: each login is a new session
            await login(game, Pupil(random.choice(names)), now())

        burst = await closed_loop(16, 8.0, login_step)
        results["login_peak"] = Recorder.summary(recorder.select("login", planned_from=burst_from), seconds=burst)
        log(f"sustained: {rate:.0f} answers/s offered (pupils arrive at {arrivals:.1f}/s, think {config.think} s), "
            f"{ramp:.0f} s ramp + {config.window:.0f} s window")
        start = now() + 0.5
        window_from, window_to = start + ramp, start + ramp + config.window
        groups = {"server": server.all_pids, "postgres": lambda: pids_named("postgres"), "redis": lambda: [redis_pid],
                  "load generator (this process)": lambda: [os.getpid()]}
        if config.embedded:
            del groups["postgres"]  # SQLite runs inside the server's processes
        cpu = CpuWatch(groups)

        async def watch_cpu() -> None:
            await sleep_until(window_from)
            cpu.start()
            await sleep_until(window_to)
            results["cpu"] = cpu.stop()

        cpu_task = asyncio.create_task(watch_cpu())
        tasks = await open_model(arrivals, len(pupils), lambda n, at: play(game, pupils[n], at, config.think, stop_at=window_to),
                                 start=start, stop_at=window_to)
        await cpu_task
        pending = [t for t in tasks if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=15)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        window = [s for s in recorder.select("answer", planned_from=window_from, planned_to=window_to)]
        completed = [s for s in recorder.select("answer", planned_from=start) if s.ok and window_from <= s.done < window_to]
        results["sustained"] = {"offered_per_s": rate, "window_s": config.window, "think_s": config.think,
                                "answers_per_s": len(completed) / config.window, **Recorder.summary(window)}
        for kind in ("start", "question", "result", "board"):
            results[f"sustained_{kind}"] = Recorder.summary(recorder.select(kind, planned_from=start))
        await asyncio.sleep(3)  # the last "changed" events of the run are published before the screens connect

        # Live boards: N screens on SSE, a few answers, the time until each screen hears (and redraws).
        results["sse"] = await live_screens(config, game, sse_probers, background, background_rate, ramp)

    failures: dict[str, int] = {}
    for sample in recorder.samples:
        if not sample.ok:
            failures[f"{sample.kind}: {sample.error}"] = failures.get(f"{sample.kind}: {sample.error}", 0) + 1
    results["failures"] = failures
    log("checking the database against every acknowledged answer")
    results["durability"] = await check_durability(config, redis, summary, game.acked)
    await redis.aclose()


async def live_screens(config: Config, game: Game, probers: list[Pupil], background: list[Pupil], background_rate: float,
                       ramp: float, probes: int = 20, spacing: float = 1.5) -> dict:
    """N screens follow the live board while pupils answer at `background_rate`; `probes` more answers are
    timed from their sending to the first `changed` each screen receives after the answer was acknowledged
    (so the event certainly includes it), and to the fragment the fetching screens then load."""
    connector = aiohttp.TCPConnector(limit=config.sse_clients + 10, limit_per_host=0)
    screens = [Screen() for _ in range(config.sse_clients)]
    connected: asyncio.Queue = asyncio.Queue()
    stop = asyncio.Event()
    log(f"live boards: connecting {config.sse_clients} SSE screens ({config.sse_fetchers} also fetch the fragment)")
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                                     timeout=aiohttp.ClientTimeout(total=None, sock_connect=30)) as session:
        watchers = []
        for n, screen in enumerate(screens):
            watchers.append(asyncio.create_task(watch(game.http, session, game.recorder, game.contest_id, screen,
                                                      connected, n < config.sse_fetchers, stop)))
            if n % 50 == 49:
                await asyncio.sleep(0.1)  # 500 connections a second
        answered = 0
        deadline = now() + 60
        while answered < len(screens) and now() < deadline:
            try:
                await asyncio.wait_for(connected.get(), max(0.1, deadline - now()))
                answered += 1
            except asyncio.TimeoutError:
                break
        connected_ok = sum(1 for s in screens if s.connected)
        log(f"live boards: {connected_ok} screens connected; pupils answer at {background_rate:.0f}/s; "
            f"{probes} timed answers {spacing} s apart after a {ramp:.0f} s ramp")
        start = now() + 0.2
        stop_background = start + ramp + probes * spacing + 3
        dispatcher = asyncio.create_task(open_model(background_rate / 10, len(background), lambda n, at: play(
            game, background[n], at, config.think, stop_at=stop_background), start=start,
            stop_at=start + ramp + probes * spacing)) if background_rate > 0 and background else None
        await sleep_until(start + ramp - 2)
        ready = [p for p in probers if await start_round(game, p, now())]  # the probes' questions, 30 s each
        await sleep_until(start + ramp)
        timed: list[tuple[float, float]] = []  # (sent, acknowledged)
        for n in range(probes if ready else 0):
            pupil = ready[n % len(ready)]
            planned = now()
            if pupil.page and await answer(game, pupil, planned, 500) is not False:
                timed.append((planned, now()))
            await sleep_until(planned + spacing)
        await asyncio.sleep(3)
        stop.set()
        await asyncio.gather(*watchers, return_exceptions=True)
        load = await dispatcher if dispatcher else []
        if load:
            await asyncio.wait(load, timeout=10)
            for task in load:
                task.cancel()
            await asyncio.gather(*load, return_exceptions=True)

    event_latency, screen_latency, missed = [], [], 0
    for screen in screens:
        if not screen.connected:
            continue
        for sent, acked in timed:
            heard = [t for t in screen.events if acked < t <= acked + 3]
            if heard:
                event_latency.append(heard[0] - sent)
            else:
                missed += 1
            drawn = [done for at, done in screen.fetched if acked < at <= acked + 3]
            if drawn:
                screen_latency.append(drawn[0] - sent)
    event_latency.sort()
    screen_latency.sort()
    return {"clients": len(screens), "connected": connected_ok, "errors": sum(1 for s in screens if s.error and not s.connected),
            "probes": len(timed), "fetchers": config.sse_fetchers, "missed": missed, "background_rate": background_rate,
            "event_p50_ms": percentile(event_latency, 50) * 1000, "event_p99_ms": percentile(event_latency, 99) * 1000,
            "screen_p50_ms": percentile(screen_latency, 50) * 1000, "screen_p99_ms": percentile(screen_latency, 99) * 1000,
            "screen_samples": len(screen_latency), "event_samples": len(event_latency),
            "answer_ack_p50_ms": percentile(sorted(a - s for s, a in timed), 50) * 1000,
            "fragments_during": Recorder.summary(game.recorder.select("screen_fragment"))}


def machine_facts(config: Config, summary: dict, redis_info: dict) -> dict:
    facts = {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
             "redis": redis_info.get("redis_version"), "workers": config.workers}
    try:
        with open("/proc/meminfo") as f:
            facts["memory_gib"] = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
        with open("/proc/cpuinfo") as f:
            facts["cpu"] = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    if not config.embedded:
        done = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atc",
                               "SELECT version(); SHOW synchronous_commit; SHOW fsync; SHOW shared_buffers"],
                              capture_output=True, text=True)
        facts["postgresql"] = " | ".join(done.stdout.split("\n")[:4]).strip()
    else:
        import sqlite3
        facts["sqlite"] = sqlite3.sqlite_version
    return facts


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def table(config: Config, results: dict) -> str:
    r = results
    rows: list[tuple[str, str, str, str]] = []
    s = r.get("sustained", {})
    if s:
        rows.append((f"Answers/s sustained, {s['window_s']:.0f} s open model ({s['offered_per_s']:.0f}/s offered)",
                     f"{s['answers_per_s']:,.0f}/s; p50 {fmt_ms(s['p50_ms'])}, p95 {fmt_ms(s['p95_ms'])}, p99 {fmt_ms(s['p99_ms'])}; "
                     f"{s['failed']} failed of {s['count']}",
                     f"≥ {TARGETS['answers_per_s']:,}/s, p99 ≤ {TARGETS['answer_p99_ms']} ms",
                     verdict(s["answers_per_s"] >= TARGETS["answers_per_s"] and s["p99_ms"] <= TARGETS["answer_p99_ms"])))
    d = r.get("durability", {})
    if d:
        rows.append(("Answers acknowledged / lost / double-scored (checked in the DB)",
                     f"{d['acknowledged']:,} / {d['lost']} / {d['duplicated'] + d['misscored_attempts']} "
                     f"({d['attempts']:,} attempts; board ≠ DB: {d['board_mismatches']})",
                     "0 lost", verdict(d["lost"] == 0 and d["duplicated"] == 0 and d["misscored_attempts"] == 0
                                       and d["board_mismatches"] == 0)))
    p = r.get("probe", {})
    if p:
        rows.append((f"Peak answers/s (closed loop, {p['concurrency']} pupils, no think time)",
                     f"{p['answers_per_s']:,.0f}/s; p50 {fmt_ms(p['p50_ms'])}, p99 {fmt_ms(p['p99_ms'])}", "", ""))
    h = r.get("healthz", {})
    if h:
        ratio = s.get("answers_per_s", math.nan) / h["per_second"] if h.get("per_second") else math.nan
        peak_ratio = p.get("answers_per_s", math.nan) / h["per_second"] if h.get("per_second") else math.nan
        rows.append((f"GET /healthz, same server ({h['concurrency']} concurrent)",
                     f"{h['per_second']:,.0f} req/s; p50 {fmt_ms(h['p50_ms'])}, p99 {fmt_ms(h['p99_ms'])}", "", ""))
        rows.append(("answers/s ÷ healthz req/s", f"{ratio:.3f} sustained ({peak_ratio:.3f} at peak)", "", ""))
    f = r.get("fragment_1m")
    if f:
        entries = r.get("redis_reads", {}).get("entries", 0)
        rows.append((f"Board fragment at {entries:,} entries (40/s fixed rate)",
                     f"p50 {fmt_ms(f['p50_ms'])}, p99 {fmt_ms(f['p99_ms'])}; {f['failed']} failed of {f['count']}",
                     f"p99 ≤ {TARGETS['fragment_p99_ms']} ms", verdict(f["p99_ms"] <= TARGETS["fragment_p99_ms"] and not f["failed"])))
    rr = r.get("redis_reads")
    if rr:
        rows.append(("Redis ZREVRANK / top-10 ZREVRANGE on it (round trip; server time)",
                     f"ZREVRANK p50 {fmt_us(rr['zrevrank_p50'])}, p99 {fmt_us(rr['zrevrank_p99'])} "
                     f"({rr['zrevrank_server_us']:.1f} µs in Redis); "
                     f"ZREVRANGE p50 {fmt_us(rr['zrevrange_p50'])}, p99 {fmt_us(rr['zrevrange_p99'])} "
                     f"({rr['zrevrange_server_us']:.1f} µs)", "", ""))
    e = r.get("sse", {})
    if e and "event_p50_ms" in e:
        rows.append((f"Answer → SSE event, {e['connected']:,} of {e['clients']:,} screens connected ({e['probes']} answers "
                     f"timed while pupils answer at {e['background_rate']:.0f}/s)",
                     f"p50 {fmt_ms(e['event_p50_ms'])}, p99 {fmt_ms(e['event_p99_ms'])}; missed {e['missed']}",
                     f"p99 ≤ {TARGETS['screen_p99_ms']:,} ms",
                     verdict(e["event_p99_ms"] <= TARGETS["screen_p99_ms"] and e["missed"] == 0 and e["connected"] == e["clients"])))
        rows.append((f"Answer → board redrawn ({e['fetchers']} of the screens fetch the fragment)",
                     f"p50 {fmt_ms(e['screen_p50_ms'])}, p99 {fmt_ms(e['screen_p99_ms'])}",
                     f"p99 ≤ {TARGETS['screen_p99_ms']:,} ms", verdict(e["screen_p99_ms"] <= TARGETS["screen_p99_ms"])))
    m = r.get("memory")
    if m:
        rows.append((f"Redis per pupil per board ({m['pupils']:,} pupils × 4 boards, all keys)",
                     f"{m['per_pupil_per_board']:,.0f} B ({m['per_pupil']:,.0f} B a pupil; overall board alone "
                     f"{m['overall_board_per_entry']:,.0f} B an entry)",
                     f"≤ {TARGETS['bytes_per_pupil_board']} B", verdict(m["per_pupil_per_board"] <= TARGETS["bytes_per_pupil_board"])))
    b = r.get("rebuild")
    if b:
        rows.append((f"Leaderboard rebuild, {b['standings']:,} pupils (hoithi leaderboard rebuild)",
                     f"{b['seconds']:.1f} s ({b['wall_seconds']:.1f} s with the CLI's start)",
                     f"≤ {TARGETS['rebuild_s']} s", verdict(b["seconds"] <= TARGETS["rebuild_s"])))
    lg = r.get("logins")
    if lg:
        rows.append((f"Logins in the lobby (argon2 card codes), {r['login_rate_offered']:.0f}/s offered",
                     f"{lg.get('per_second', math.nan):,.1f}/s; p50 {fmt_ms(lg['p50_ms'])}, p99 {fmt_ms(lg['p99_ms'])}; "
                     f"{lg['failed']} failed of {lg['count']:,}", "", ""))
    lp = r.get("login_peak")
    if lp:
        rows.append(("Login capacity (closed loop, 16 concurrent)",
                     f"{lp.get('per_second', math.nan):,.1f}/s; p50 {fmt_ms(lp['p50_ms'])}, p99 {fmt_ms(lp['p99_ms'])}", "", ""))
    other = [(k, r[f"sustained_{k}"]) for k in ("start", "question", "result", "board") if f"sustained_{k}" in r]
    if other:
        rows.append(("Other steps during the sustained run (p50 / p99)",
                     "; ".join(f"{k} {fmt_ms(v['p50_ms'])} / {fmt_ms(v['p99_ms'])}" + (f" ({v['failed']} failed)" if v["failed"] else "")
                               for k, v in other), "", ""))
    c = r.get("cpu")
    if c and s:
        window = s["window_s"]
        answers = s["answers_per_s"] * window
        parts = [f"{name} {used / window:.2f}" for name, used in c["cpu_seconds"].items()]
        rows.append(("CPU during the window (cores busy; machine has %d)" % (os.cpu_count() or 1),
                     ", ".join(parts) + f"; machine {c['machine_busy_seconds'] / c['machine_seconds'] * 100:.0f} % busy; "
                     f"server {c['cpu_seconds'].get('server', 0) / answers * 1000:.1f} ms CPU per answer" if answers else "", "", ""))
    spy = r.get("pyspy")
    if spy and spy["samples"]:
        rows.append(("Where the workers' CPU goes at peak (py-spy, by layer)",
                     ", ".join(f"{layer} {share * 100:.0f} %" for layer, _n, share in spy["layers"][:6]), "", ""))
    a = r.get("anatomy")
    if a:
        answer_cost = a["requests"].get("POST /play (answer)", {})
        rows.append(("One answer in-process, idle machine (SQL statements / commits / Redis calls)",
                     f"{answer_cost.get('sql', '?')} / {answer_cost.get('commits', '?')} / {answer_cost.get('redis', '?')}; "
                     f"median {fmt_ms(a['answer_ms_median'])} wall", "", ""))
    ds = r.get("dataset")
    if ds:
        rows.append((f"Data set: {ds['pupils']:,} pupils, {ds['schools']:,} schools + {ds['board_pupils']:,}-attempt board contest",
                     f"built in {ds['seconds']:.0f} s", "", ""))
    widths = [max(len(row[i]) for row in rows + [("Measure", "Result", "Target", "")]) for i in range(4)]
    lines = [f"Hoithi bench — profile {config.profile}, scale {config.scale:g}, {config.workers} workers",
             "| " + " | ".join(h.ljust(w) for h, w in zip(("Measure", "Result", "Target", ""), widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths)) + " |" for row in rows]
    return "\n".join(lines)


async def main_async(config: Config) -> dict:
    results: dict = {"profile": config.profile, "scale": config.scale, "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    config.out.mkdir(parents=True, exist_ok=True)
    for stale in config.out.glob("pyspy-*.txt"):
        stale.unlink()
    if config.embedded:
        reset_embedded(config)
    else:
        config.data_dir.mkdir(parents=True, exist_ok=True)
    bench_redis = BenchRedis(config)
    bench_redis.open()
    server = Server(config)
    try:
        redis = bench_redis.client()
        if not config.embedded:
            await redis.flushdb()  # database 15 only
        # (embedded: the server is new, its directory was emptied; and FLUSHDB would also drop the server's
        # own registry of the processes holding it, hoithi:embedded:holders, which lives in database 0)
        log(f"data set ({config.database_url})")
        summary = await data_set.build(config.database_url, scale=config.scale, board=True, log=log)
        results["dataset"] = summary
        results["machine"] = machine_facts(config, summary, await redis.info("server"))
        if summary.get("board_contest_id"):
            log(f"hoithi leaderboard rebuild {summary['board_contest_id']} ({summary['board_pupils']:,} attempts)")
            before = (await redis.info("memory"))["used_memory"]
            results["rebuild"] = rebuild_with_cli(config, summary["board_contest_id"])
            boards = RoundBoards(redis, summary["board_contest_id"], summary["board_round_id"])
            results["memory"] = await redis_memory(redis, boards, summary["board_pupils"])
            results["memory"]["used_memory_delta"] = (await redis.info("memory"))["used_memory"] - before
            log(f"rebuilt in {results['rebuild']['seconds']:.1f} s; {results['memory']['per_pupil_per_board']:.0f} B a pupil a board")
        await redis.aclose()
        log(f"starting hoithi serve --workers {config.workers} on {config.base_url}")
        server.start()
        await server.wait_healthy()
        await measure_all(config, summary, server, bench_redis, results)
    finally:
        server.stop()
    log("in-process anatomy of one pupil's requests")
    spare = await pick_pupils(config, summary, 1, set())
    results["anatomy"] = await anatomy(config, summary, spare[0], bench_redis.url)
    bench_redis.close()
    return results


def run_and_report(config, measure, render) -> dict:
    """Run a benchmark (on uvloop when there is one), keep its results and table in config.out, print the table."""
    started = time.perf_counter()
    try:
        import uvloop

        results = uvloop.run(measure(config))
    except ImportError:
        results = asyncio.run(measure(config))
    results["seconds"] = round(time.perf_counter() - started, 1)
    (config.out / "results.json").write_text(json.dumps(results, indent=2, default=str, ensure_ascii=False))
    rendered = render(config, results)
    (config.out / "table.md").write_text(rendered + "\n")
    print()
    print(rendered)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="Hoithi's benchmark: prints one table (docs/performance.md).")
    parser.add_argument("--profile", choices=("postgres", "embedded"), default="postgres")
    config = Config(parser.parse_args().profile)
    results = run_and_report(config, main_async, table)
    print(f"\n(total {results['seconds']:.0f} s; details in {config.out.relative_to(ROOT)}/results.json, server log, py-spy samples)")


if __name__ == "__main__":
    main()
