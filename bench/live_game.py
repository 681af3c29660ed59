"""`python -m bench.live_game`: one live game with thousands of simulated phones (docs/performance.md,
"Live games").

It reuses the harness of bench/run.py (profiles, data set, server, embedded Redis) and the open-model
load generator of bench/loadgen.py (planned start times, latency from the planned start, every
response checked). The flow, as the browsers do it:

1. A small data set (the starter bank, one province) and `hoithi serve --workers <cores>`.
2. The host (the province organiser) logs in and makes a game of the bank's approved questions.
3. Players join at a fixed rate: GET /g/{pin} (CSRF), POST /g/{pin}/join (a guest nickname; a few
   pupils log in first and join under their names, so the school standings have something to rank).
4. For each question: the host presses Next; each phone fetches its fragment within the first second
   (as a server-sent event would make it, with its jitter) and answers at a random moment within the
   answer window, picking one of the answers shown. An answer counts as accepted on 200 and "Answer
   received"; its latency runs from its planned moment to that acknowledgement. The host then closes
   the question (scoring and the database write of every answer are timed), every phone fetches its
   result within a second, and the host shows the standings.
5. The host ends the game; the database must then hold every acknowledged answer exactly once, and
   each player's score must equal the sum of their answers' points.

Knobs: BENCH_GAME_PLAYERS (2000), BENCH_GAME_PUPILS (100 of them), BENCH_GAME_QUESTIONS (3),
BENCH_GAME_WINDOW (seconds to answer, 4), BENCH_GAME_JOIN_RATE (joins/s, 250), plus bench/run.py's
BENCH_PORT. `--profile embedded` (default: SQLite and the embedded Redis in bench/out/live-game/) or
`--profile postgres` (the hoithi_bench database and Redis database 15, as bench/run.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess

from sqlalchemy import text

from bench import dataset as data_set
from bench.loadgen import CSRF_FIELD, Game, Http, Pupil, Recorder, answer_form, expect, login, now, sleep_until
from bench.profiling import CpuWatch, pids_named, summarise
from bench.run import (BIN, ROOT, BenchRedis, Config, Server, env_number, fmt_ms, log, pick_pupils, reset_embedded,
                       run_and_report)
from contest.db import create_engine

CHOICE = re.compile(r'<button type="submit" name="choice" value="([^"]+)"')
PIN = re.compile(r'class="pin">(\d{6})<')
GAME_LOCATION = re.compile(r"^/manage/games/(\d+)$")


class LiveConfig(Config):
    def __init__(self, profile: str) -> None:
        super().__init__(profile)
        self.players = int(env_number("BENCH_GAME_PLAYERS", 2000))
        self.pupils = min(self.players, int(env_number("BENCH_GAME_PUPILS", 100)))
        self.questions = int(env_number("BENCH_GAME_QUESTIONS", 3))
        self.answer_window = env_number("BENCH_GAME_WINDOW", 4.0)
        self.join_rate = env_number("BENCH_GAME_JOIN_RATE", 250.0)
        self.out = ROOT / "bench" / "out" / "live-game"
        self.data_dir = self.out / "data"
        if self.embedded:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / 'hoithi.sqlite3'}"


class Phone:
    """One player's browser: its cookies (CSRF, session for pupils, the game's player cookie) and page."""

    def __init__(self, name: str, pupil: str | None = None) -> None:
        self.name = name
        self.pupil = Pupil(pupil) if pupil else None
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.page = ""


class Host:
    def __init__(self, http: Http, recorder: Recorder) -> None:
        self.http, self.recorder = http, recorder
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.game_id = 0

    async def log_in(self) -> None:
        """As the province organiser (loadgen's login sends the password in the card code's place)."""
        host = Pupil("bench-sogd")
        game = Game(self.http, self.recorder, 0, 0, data_set.ORGANISER_PASSWORD)
        assert await login(game, host, now()), "the host could not log in"
        self.cookies, self.csrf = host.cookies, host.csrf

    async def make_game(self, questions: int) -> str:
        form = [("_csrf_token", self.csrf), ("title", "Lễ khai mạc (bench)"), ("source", "bank"), ("language", "vi"),
                ("question_count", str(questions)), ("seconds_per_question", "30"), ("scoring", "speed"),
                ("speed_floor_percent", "50"), ("streak_bonus", "0")]
        reply = await self.http.call(self.recorder, "host", "POST", "/manage/games/new", planned=now(), cookies=self.cookies,
                                     data=form, check=expect(302, header=("location", GAME_LOCATION.pattern)))
        assert reply is not None, "the game could not be made"
        self.game_id = int(GAME_LOCATION.match(reply.headers["location"]).group(1))
        page = await self.http.call(self.recorder, "host", "GET", f"/manage/games/{self.game_id}", planned=now(),
                                    cookies=self.cookies, check=expect(200, 'class="pin"'))
        return PIN.search(page.text).group(1)

    async def next(self, marker: str) -> float:
        """Press Next (as htmx does); returns the seconds the server took."""
        started = now()
        reply = await self.http.call(self.recorder, "host", "POST", f"/manage/games/{self.game_id}/advance", planned=started,
                                     cookies=self.cookies, headers={"HX-Request": "true", "X-CSRFToken": self.csrf},
                                     data=[("_csrf_token", self.csrf)], check=expect(200, marker))
        assert reply is not None, f"Next did not reach {marker!r}"
        return now() - started


async def join(http: Http, recorder: Recorder, card_code: str, pin: str, phone: Phone, planned: float) -> bool:
    if phone.pupil is not None:
        if not await login(Game(http, recorder, 0, 0, card_code), phone.pupil, planned):
            return False
        phone.cookies.update(phone.pupil.cookies)
    page = await http.call(recorder, "join_page", "GET", f"/g/{pin}", planned=planned, cookies=phone.cookies,
                           check=expect(200, 'name="_csrf_token"'))
    if page is None:
        return False
    phone.cookies.update(page.cookies)
    phone.csrf = CSRF_FIELD.search(page.text).group(1)
    form = [("_csrf_token", phone.csrf)] + ([] if phone.pupil else [("nickname", phone.name)])
    reply = await http.call(recorder, "join", "POST", f"/g/{pin}/join", planned=planned, cookies=phone.cookies, data=form,
                            check=expect(303, header=("location", f"^/g/{pin}/play$")))
    if reply is None:
        return False
    phone.cookies.update(reply.cookies)
    return True


async def lobby(http: Http, recorder: Recorder, config: LiveConfig, card_code: str, pin: str, phones: list[Phone]) -> list[Phone]:
    start = now() + 0.2
    tasks = [asyncio.create_task(join(http, recorder, card_code, pin, phone, start + n / config.join_rate))
             for n, phone in enumerate(phones)]
    joined = await asyncio.gather(*tasks)
    return [phone for phone, ok in zip(phones, joined) if ok]


async def play_question(http: Http, recorder: Recorder, config: LiveConfig, pin: str, phones: list[Phone],
                        position: int, started: float, rng: random.Random) -> None:
    """Each phone: the question fragment within a second, then one answer within the window."""

    async def phone_turn(phone: Phone) -> None:
        page = await http.call(recorder, "fetch", "GET", f"/g/{pin}/play", planned=started + rng.random(),
                               cookies=phone.cookies, headers={"HX-Request": "true"},
                               check=expect(200, f'name="position" value="{position}"'))
        if page is None:
            return
        buttons = CHOICE.findall(page.text)  # answer buttons, or the form's own fields (ticks, a number, a text)
        picked = [("choice", rng.choice(buttons))] if buttons else answer_form(page.text, rng)
        form = [("_csrf_token", phone.csrf), ("position", str(position)), *picked]
        planned = max(now(), started + 1 + rng.random() * config.answer_window)
        await http.call(recorder, f"answer {position}", "POST", f"/g/{pin}/answer", planned=planned, cookies=phone.cookies,
                        headers={"HX-Request": "true", "X-CSRFToken": phone.csrf}, data=form,
                        check=expect(200, 'class="status-line answered"'))

    await asyncio.gather(*(phone_turn(phone) for phone in phones))


async def see_results(http: Http, recorder: Recorder, pin: str, phones: list[Phone], rng: random.Random) -> None:
    started = now()
    await asyncio.gather(*(http.call(recorder, "result", "GET", f"/g/{pin}/play", planned=started + rng.random(),
                                     cookies=phone.cookies, headers={"HX-Request": "true"},
                                     check=expect(200, 'class="result')) for phone in phones))


async def check_database(config: LiveConfig, game_id: int, acknowledged: int, players: int) -> dict:
    engine = create_engine(config.database_url)
    async with engine.connect() as connection:
        answers = await connection.scalar(text("SELECT count(*) FROM live_game_answers WHERE game_id = :g"), {"g": game_id})
        duplicates = await connection.scalar(text(
            "SELECT count(*) FROM (SELECT 1 FROM live_game_answers WHERE game_id = :g"
            " GROUP BY player_number, position HAVING count(*) > 1) AS twice"), {"g": game_id})
        stored_players = await connection.scalar(text("SELECT count(*) FROM live_game_players WHERE game_id = :g"), {"g": game_id})
        mismatched = await connection.scalar(text(
            "SELECT count(*) FROM live_game_players p WHERE p.game_id = :g AND p.score !="
            " (SELECT coalesce(sum(a.points), 0) FROM live_game_answers a"
            "  WHERE a.game_id = p.game_id AND a.player_number = p.number)"), {"g": game_id})
    await engine.dispose()
    return {"answers_stored": answers, "answers_acknowledged": acknowledged, "duplicates": duplicates,
            "players_stored": stored_players, "players_joined": players, "scores_not_matching_answers": mismatched,
            "ok": answers == acknowledged and not duplicates and stored_players == players and not mismatched}


def spy_on(config: LiveConfig, server: Server, seconds: float) -> list[subprocess.Popen]:
    """py-spy on each worker while the first question is answered (where the workers' time goes)."""
    for stale in config.out.glob("pyspy-*.txt"):
        stale.unlink()
    if not (BIN / "py-spy").exists():
        return []
    return [subprocess.Popen([str(BIN / "py-spy"), "record", "--pid", str(pid), "--duration", str(int(seconds)),
                              "--rate", "200", "--nonblocking", "--format", "raw", "--output",
                              str(config.out / f"pyspy-{pid}.txt")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for pid in server.workers()]


async def measure(config: LiveConfig, summary: dict, server: Server) -> dict:
    recorder = Recorder()
    rng = random.Random(7)
    results: dict = {"players_offered": config.players, "questions": config.questions,
                     "answer_window_s": config.answer_window}
    pupils = await pick_pupils(config, summary, config.pupils, set())
    phones = [Phone(f"Bench {n:04d}", pupils[n] if n < len(pupils) else None) for n in range(config.players)]
    async with Http(config.base_url, connections=1024) as http:
        host = Host(http, recorder)
        await host.log_in()
        pin = await host.make_game(config.questions)
        log(f"game {host.game_id}, PIN {pin}: {len(phones):,} players join at {config.join_rate:.0f}/s")
        joined = await lobby(http, recorder, config, summary["card_code"], pin, phones)
        results["players_joined"] = len(joined)
        results["join"] = Recorder.summary(recorder.select("join"))
        questions = []
        cpu = CpuWatch({"server": server.all_pids, "redis": lambda: pids_named("redis-server"),
                        "load generator": lambda: [os.getpid()]})
        cpu.start()
        for position in range(config.questions):
            start_s = await host.next('data-phase="question"')
            started = now()
            spies = spy_on(config, server, 2 + config.answer_window) if position == 0 else []
            await play_question(http, recorder, config, pin, joined, position, started, rng)
            for spy in spies:
                spy.wait(30)
            answers = recorder.select(f"answer {position}")
            span = max(s.done for s in answers) - min(s.planned for s in answers) if answers else float("nan")
            summary_ = Recorder.summary(answers, seconds=span)
            await sleep_until(started + 1 + config.answer_window + 0.5)
            close_s = await host.next('data-phase="reveal"')  # scores every answer and writes them to the database
            await see_results(http, recorder, pin, joined, rng)
            board_s = await host.next('data-phase="board"')
            questions.append({"position": position, "answers": summary_, "span_s": span, "start_s": start_s,
                              "close_s": close_s, "board_s": board_s})
            log(f"question {position + 1}: {summary_['ok']:,}/{summary_['count']:,} accepted in {span:.1f} s, "
                f"p50 {fmt_ms(summary_['p50_ms'])}, p99 {fmt_ms(summary_['p99_ms'])}; close {close_s:.2f} s")
        results["cpu"] = cpu.stop()
        results["pyspy"] = summarise(sorted(config.out.glob("pyspy-*.txt")), 2 + config.answer_window)
        results["end_s"] = await host.next('data-phase="podium"')
        results["questions_detail"] = questions
    all_answers = [s for s in recorder.samples if s.kind.startswith("answer ")]
    acknowledged = sum(1 for s in all_answers if s.ok)
    answering = sum(q["span_s"] for q in questions)
    results["answers"] = Recorder.summary(all_answers, seconds=answering)
    results["accepted_share"] = acknowledged / len(all_answers) if all_answers else 0.0
    results["fetch"] = Recorder.summary(recorder.select("fetch"))
    results["result"] = Recorder.summary(recorder.select("result"))
    results["check"] = await check_database(config, host.game_id, acknowledged, len(joined))
    return results


def table(config: LiveConfig, results: dict) -> str:
    answers, check = results["answers"], results["check"]
    closes = [q["close_s"] for q in results["questions_detail"]]
    lines = [
        f"| live game ({config.profile}, {config.workers} workers) | measured |",
        "|---|---|",
        f"| players joined | {results['players_joined']:,} of {results['players_offered']:,} "
        f"(join p50 {fmt_ms(results['join']['p50_ms'])}, p99 {fmt_ms(results['join']['p99_ms'])}) |",
        f"| answers | {answers['ok']:,} accepted of {answers['count']:,} sent over {results['questions']} questions, "
        f"each within {results['answer_window_s']:.0f} s |",
        f"| answers per second (while answering) | {answers['per_second']:,.0f} |",
        f"| share accepted | {results['accepted_share']:.2%} |",
        f"| answer → acknowledgement | p50 {fmt_ms(answers['p50_ms'])}, p99 {fmt_ms(answers['p99_ms'])}, "
        f"max {fmt_ms(answers['max_ms'])} |",
        f"| phone fetches the question (within 1 s) | p50 {fmt_ms(results['fetch']['p50_ms'])}, "
        f"p99 {fmt_ms(results['fetch']['p99_ms'])} |",
        f"| closing a question (score + database write) | {min(closes):.2f}–{max(closes):.2f} s |",
        f"| phone fetches its result (within 1 s) | p50 {fmt_ms(results['result']['p50_ms'])}, "
        f"p99 {fmt_ms(results['result']['p99_ms'])} |",
        f"| end of the game (final write) | {results['end_s']:.2f} s |",
        f"| database check | {'ok' if check['ok'] else 'FAILED'}: {check['answers_stored']:,} answers stored for "
        f"{check['answers_acknowledged']:,} acknowledged, {check['duplicates']} twice, "
        f"{check['scores_not_matching_answers']} scores off |",
    ]
    cpu = results["cpu"]
    seconds = cpu["machine_seconds"] / (os.cpu_count() or 1)
    lines.append("| CPU while the questions ran (cores busy) | " + ", ".join(
        f"{name} {used / seconds:.2f}" for name, used in cpu["cpu_seconds"].items())
        + f"; machine {cpu['machine_busy_seconds'] / cpu['machine_seconds']:.0%} busy |")
    phone_requests = answers["count"] + results["fetch"]["count"] + results["result"]["count"]
    lines.append(f"| server CPU per phone request (fetch, answer, result) | "
                 f"{1000 * cpu['cpu_seconds']['server'] / phone_requests:.2f} ms |")
    layers = results["pyspy"]["layers"][:5]
    if layers:
        lines.append("| where the workers' time goes (py-spy, first question) | "
                     + ", ".join(f"{name} {share:.0%}" for name, _n, share in layers) + " |")
    if answers["errors"]:
        lines.append(f"| refused or failed answers | {json.dumps(answers['errors'], ensure_ascii=False)} |")
    return "\n".join(lines)


async def main_async(config: LiveConfig) -> dict:
    config.out.mkdir(parents=True, exist_ok=True)
    if config.embedded:
        reset_embedded(config)
    bench_redis = BenchRedis(config)
    bench_redis.open()
    server = Server(config)
    try:
        if not config.embedded:
            redis = bench_redis.client()
            await redis.flushdb()  # database 15 only
            await redis.aclose()
        log(f"data set ({config.database_url})")
        summary = await data_set.build(config.database_url, scale=0.001, board=False, log=log)
        log(f"starting hoithi serve --workers {config.workers} on {config.base_url}")
        server.start()
        await server.wait_healthy()
        return await measure(config, summary, server)
    finally:
        server.stop()
        bench_redis.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="One live game with thousands of simulated phones.")
    parser.add_argument("--profile", choices=("postgres", "embedded"), default="embedded")
    run_and_report(LiveConfig(parser.parse_args().profile), main_async, table)


if __name__ == "__main__":
    main()
