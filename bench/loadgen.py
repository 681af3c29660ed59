"""An asyncio load generator that plays simulated pupils through Hoithi's real HTTP flow.

Open model, fixed arrival rate: every request has a PLANNED start time fixed in advance (pupils arrive
at `rate` per second; within a pupil, each step is planned at arrival + its think times). A late
response never moves a later plan: the next step is sent at its planned time, or, when the page it
needs came back late, the moment it did. Every latency is measured from the planned start, so a
stalled server shows as latency instead of as fewer requests (no coordinated omission).

Every response is checked: its status, and a marker in the HTML that only the right page has (the
question form, the "saved" feedback, the result list, the board table). Anything else, a timeout or
a connection error is a failure. Requests go to 127.0.0.1 only, and every phase is bounded in count
and in time.

The flow of one pupil, as the browser does it:
  lobby:  GET /login (CSRF cookie + form token) → POST /login with the card code → 302 + session cookie
  round:  POST /contests/{c}/rounds/{r}/start → 302 /play/{token} → GET /play/{token} (the question page)
          10 × [think] POST /play/{token} with HX-Request (the fragment: "saved" + the next question, or
          HX-Redirect to the result after the last one)
          GET /play/{token}/result, then GET /boards/{c}?scope=overall with HX-Request (the board fragment)
Board screens: GET /boards/{c}/events (server-sent events); on `event: changed`, fetch the fragment.

Used by bench/run.py; `python -m bench.loadgen --help` runs the pupil flow alone against a server.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import math
import random
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp

ALLOWED_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
REQUEST_TIMEOUT = 30.0

CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')
QUESTION_FIELD = re.compile(r'name="q" value="([^"]+)"')
RADIO = re.compile(r'type="radio" name="choice" value="([^"]+)"')
CHECKBOX = re.compile(r'type="checkbox" name="choice" value="([^"]+)"')
RANK = re.compile(r'name="(rank_[^"]+)"')
MATCH = re.compile(r'<select name="(match_[^"]+)"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r"<option>([^<]*)</option>")
PLAY_LOCATION = re.compile(r"^/play/([A-Za-z0-9_-]+)$")


def now() -> float:
    return asyncio.get_running_loop().time()


async def sleep_until(moment: float) -> None:
    delay = moment - now()
    if delay > 0:
        await asyncio.sleep(delay)


# Recording.


@dataclass(slots=True)
class Sample:
    kind: str
    planned: float  # loop time the request was planned for
    sent: float
    done: float
    status: int
    ok: bool
    error: str = ""

    @property
    def latency(self) -> float:
        return self.done - self.planned


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values (NaN when empty)."""
    if not values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(values)))
    return values[min(rank, len(values)) - 1]


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)

    def add(self, sample: Sample) -> None:
        self.samples.append(sample)

    def select(self, kind: str, *, planned_from: float | None = None, planned_to: float | None = None) -> list[Sample]:
        return [s for s in self.samples if s.kind == kind
                and (planned_from is None or s.planned >= planned_from)
                and (planned_to is None or s.planned < planned_to)]

    @staticmethod
    def summary(samples: list[Sample], *, seconds: float | None = None) -> dict:
        """Counts, failures and latency percentiles (ms, from the planned start) of some samples."""
        ok = sorted(s.latency for s in samples if s.ok)
        failed = [s for s in samples if not s.ok]
        errors: dict[str, int] = {}
        for s in failed:
            errors[s.error] = errors.get(s.error, 0) + 1
        result = {"count": len(samples), "ok": len(ok), "failed": len(failed),
                  "errors": dict(sorted(errors.items(), key=lambda kv: -kv[1])[:5]),
                  "p50_ms": percentile(ok, 50) * 1000, "p95_ms": percentile(ok, 95) * 1000,
                  "p99_ms": percentile(ok, 99) * 1000, "max_ms": (ok[-1] * 1000) if ok else math.nan}
        if seconds:
            result["per_second"] = len(ok) / seconds
        return result


# HTTP.


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str
    cookies: dict[str, str]


class Http:
    """aiohttp with explicit per-pupil cookies (one connection pool for thousands of pupils)."""

    def __init__(self, base_url: str, connections: int = 512) -> None:
        host = urlsplit(base_url).hostname
        if host not in ALLOWED_HOSTS:
            raise SystemExit(f"the load generator only targets this machine (127.0.0.1), not {host!r}")
        self.base_url = base_url.rstrip("/")
        self.connections = connections
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Http:
        connector = aiohttp.TCPConnector(limit=self.connections, limit_per_host=0, ttl_dns_cache=None,
                                         keepalive_timeout=60)
        self.session = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
            headers={"User-Agent": "hoithi-bench/1", "Accept-Language": "vi"})
        return self

    async def __aexit__(self, *exc) -> None:
        await self.session.close()

    async def call(self, recorder: Recorder, kind: str, method: str, path: str, *, planned: float,
                   cookies: dict[str, str] | None = None, headers: dict[str, str] | None = None,
                   data: Iterable[tuple[str, str]] | None = None,
                   check: Callable[[Reply], str | None]) -> Reply | None:
        """One request at (or as soon as possible after) its planned time; None when it failed its check."""
        await sleep_until(planned)
        all_headers = dict(headers or {})
        if cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        sent = now()
        reply = None
        try:
            async with self.session.request(method, self.base_url + path, headers=all_headers, data=data,
                                            allow_redirects=False) as response:
                text = await response.text()
                reply = Reply(response.status, {k.lower(): v for k, v in response.headers.items()}, text,
                              {name: morsel.value for name, morsel in response.cookies.items()})
            problem = check(reply)
        except asyncio.TimeoutError:
            problem = "timeout"
        except aiohttp.ClientError as error:
            problem = f"connection: {type(error).__name__}"
        except asyncio.CancelledError:  # the phase ended with this request still out: it failed
            recorder.add(Sample(kind, planned, sent, now(), 0, False, "unanswered when the phase ended"))
            raise
        done = now()
        recorder.add(Sample(kind, planned, sent, done, reply.status if reply else 0, problem is None, problem or ""))
        return reply if problem is None else None


def expect(status: int, *markers: str, header: tuple[str, str] | None = None) -> Callable[[Reply], str | None]:
    def check(reply: Reply) -> str | None:
        if reply.status != status:
            return f"status {reply.status}"
        for marker in markers:
            if marker not in reply.text:
                return f"no {marker!r} in the page"
        if header and not re.match(header[1], reply.headers.get(header[0], "")):
            return f"header {header[0]} is {reply.headers.get(header[0])!r}"
        return None

    return check


# Pupils.


@dataclass
class Pupil:
    username: str
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""
    attempt: str = ""
    page: str = ""  # the question page or fragment being answered
    answered: int = 0


@dataclass
class Acked:
    """An answer the server acknowledged: it must exist exactly once in the database."""

    attempt: str
    question: str


@dataclass
class Game:
    """What the flows need to know about the server and the contest."""

    http: Http
    recorder: Recorder
    contest_id: int
    round_id: int
    card_code: str
    acked: list[Acked] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(6))


async def login(game: Game, pupil: Pupil, planned: float) -> bool:
    """GET /login, then POST the card code: recorded as `login`, from the planned arrival to the session."""
    page = await game.http.call(game.recorder, "login_page", "GET", "/login", planned=planned,
                                check=expect(200, 'name="_csrf_token"', 'name="secret"'))
    if page is None:
        return False
    pupil.cookies.update(page.cookies)
    pupil.csrf = CSRF_FIELD.search(page.text).group(1)
    reply = await game.http.call(
        game.recorder, "login", "POST", "/login", planned=planned, cookies=pupil.cookies,
        data=[("_csrf_token", pupil.csrf), ("next", "/"), ("username", pupil.username), ("secret", game.card_code)],
        check=lambda r: expect(302, header=("location", r"^/$"))(r) or (None if r.cookies.get("hoithi_session")
                                                                        else "no session cookie"))
    if reply is None:
        return False
    pupil.cookies.update(reply.cookies)
    return True


async def lobby(game: Game, pupils: list[Pupil], rate: float, *, deadline: float) -> list[Pupil]:
    """Log pupils in at a fixed arrival rate (logins are argon2-slow on purpose); returns those who got in."""
    start = now() + 0.2
    tasks = []
    for n, pupil in enumerate(pupils):
        planned = start + n / rate
        if planned > deadline:
            break
        await sleep_until(planned)
        tasks.append(asyncio.create_task(login(game, pupil, planned)))
    results = await asyncio.gather(*tasks)
    return [pupil for pupil, ok in zip(pupils, results) if ok]


def answer_form(page: str, rng: random.Random) -> list[tuple[str, str]]:
    """What a pupil who reads the question sends: one of the shown options (right or not), or a typed answer."""
    if radios := RADIO.findall(page):
        return [("choice", rng.choice(radios))]
    if boxes := CHECKBOX.findall(page):
        return [("choice", token) for token in rng.sample(boxes, rng.randint(1, len(boxes)))]
    if ranks := RANK.findall(page):
        order = list(range(1, len(ranks) + 1))
        rng.shuffle(order)
        return [(name, str(n)) for name, n in zip(ranks, order)]
    if matches := MATCH.findall(page):
        return [(name, html.unescape(rng.choice(OPTION.findall(options) or [""]))) for name, options in matches]
    if 'name="number"' in page:
        return [("number", str(rng.randint(0, 100)))]
    if 'name="text"' in page:
        return [("text", rng.choice(["mật khẩu", "OTP", "phishing", "2"]))]
    return []


async def start_round(game: Game, pupil: Pupil, planned: float) -> bool:
    """Start (POST → 302 /play/{token}), then the full question page, as the browser follows the redirect."""
    reply = await game.http.call(
        game.recorder, "start", "POST", f"/contests/{game.contest_id}/rounds/{game.round_id}/start",
        planned=planned, cookies=pupil.cookies, data=[("_csrf_token", pupil.csrf)],
        check=expect(302, header=("location", PLAY_LOCATION.pattern)))
    if reply is None:
        return False
    pupil.attempt = PLAY_LOCATION.match(reply.headers["location"]).group(1)
    page = await game.http.call(game.recorder, "question", "GET", f"/play/{pupil.attempt}", planned=now(),
                                cookies=pupil.cookies, check=expect(200, 'id="play"', 'name="q"', 'name="_csrf_token"'))
    if page is None:
        return False
    pupil.page = page.text
    return True


async def answer(game: Game, pupil: Pupil, planned: float, client_ms: int) -> bool | None:
    """One answer: True with the next question, None at the end (HX-Redirect), False when it failed."""
    question = QUESTION_FIELD.search(pupil.page).group(1)
    form = [("_csrf_token", CSRF_FIELD.search(pupil.page).group(1)), ("q", question), ("client_ms", str(client_ms)),
            *answer_form(pupil.page, game.rng)]

    def check(reply: Reply) -> str | None:
        if reply.status in (200, 201) and reply.headers.get("hx-redirect") == f"/play/{pupil.attempt}/result":
            return None  # the last answer: saved, and htmx sends the browser to the result (Litestar says 201)
        if reply.status != 200:
            said = re.search(r'<p class="save-state">([^<]*)</p>', reply.text)
            return f"status {reply.status}" + (f": {html.unescape(said[1])}" if said else "")
        if 'class="feedback"' not in reply.text:
            return "no 'saved' feedback"
        following = QUESTION_FIELD.search(reply.text)
        if following is None or following.group(1) == question:
            return "no next question"
        return None

    reply = await game.http.call(game.recorder, "answer", "POST", f"/play/{pupil.attempt}", planned=planned,
                                 cookies=pupil.cookies, headers={"HX-Request": "true"}, data=form, check=check)
    if reply is None:
        return False
    game.acked.append(Acked(pupil.attempt, question))
    pupil.answered += 1
    if reply.headers.get("hx-redirect"):
        return None
    pupil.page = reply.text
    return True


async def finish(game: Game, pupil: Pupil, planned: float) -> None:
    page = await game.http.call(game.recorder, "result", "GET", f"/play/{pupil.attempt}/result", planned=planned,
                                cookies=pupil.cookies, check=expect(200, '<dl class="result">'))
    if page is not None:
        await game.http.call(game.recorder, "board", "GET", f"/boards/{game.contest_id}?scope=overall",
                             planned=planned + 1.0, cookies=pupil.cookies, headers={"HX-Request": "true"},
                             check=expect(200, '<table class="board">'))


async def play(game: Game, pupil: Pupil, arrival: float, think: float | None, *, stop_at: float) -> None:
    """A pupil's round. With `think` (seconds, ±50 % jitter) every step is planned from the arrival;
    without it (closed loop) every step goes as soon as the previous one is back. Nothing new after stop_at."""
    if not await start_round(game, pupil, arrival):
        return
    planned = arrival
    for _ in range(50):  # a round has question_count questions; 50 bounds a confused server
        delay = think * game.rng.uniform(0.5, 1.5) if think is not None else 0.0
        planned = planned + delay if think is not None else now()
        if planned > stop_at:
            return
        more = await answer(game, pupil, planned, int(delay * 1000))
        if more is False:
            return
        if more is None:
            break
    await finish(game, pupil, planned + 0.5 if think is not None else now())


async def open_model(rate: float, count: int, make: Callable[[int, float], Awaitable[None]], *,
                     start: float | None = None, stop_at: float | None = None) -> list[asyncio.Task]:
    """Create `count` tasks at `rate` per second, each told its planned start; never waits for them."""
    start = now() + 0.2 if start is None else start
    tasks = []
    for n in range(count):
        planned = start + n / rate
        if stop_at is not None and planned > stop_at:
            break
        await sleep_until(planned)
        tasks.append(asyncio.create_task(make(n, planned)))
    return tasks


async def closed_loop(concurrency: int, seconds: float, step: Callable[[], Awaitable[None]]) -> float:
    """`concurrency` loops calling `step` back to back for `seconds`; returns the elapsed time."""
    started = now()
    deadline = started + seconds

    async def loop() -> None:
        while now() < deadline:
            await step()

    await asyncio.gather(*(loop() for _ in range(concurrency)))
    return now() - started


# Board screens.


@dataclass
class Screen:
    """One SSE client: when `changed` arrived, and (if it fetches) when its board fragment came back."""

    events: list[float] = field(default_factory=list)
    fetched: list[tuple[float, float]] = field(default_factory=list)  # (event time, fragment loaded)
    connected: bool = False
    error: str = ""


async def watch(http: Http, session: aiohttp.ClientSession, recorder: Recorder, contest_id: int, screen: Screen,
                connected: asyncio.Queue, fetch: bool, stop: asyncio.Event) -> None:
    """Follow /boards/{c}/events like live.js: on `changed`, fetch the fragment (at most one fetch at a time)."""
    state = {"busy": False, "again": None}

    async def refresh(at: float) -> None:
        if state["busy"]:  # live.js: one fetch at a time, and one more after it if a change came meanwhile
            state["again"] = state["again"] or at
            return
        state["busy"] = True
        try:
            while at is not None and not stop.is_set():
                reply = await http.call(recorder, "screen_fragment", "GET", f"/boards/{contest_id}?scope=overall",
                                        planned=at, headers={"HX-Request": "true"}, check=expect(200, '<table class="board">'))
                if reply is not None:
                    screen.fetched.append((at, now()))
                at, state["again"] = state["again"], None
        finally:
            state["busy"] = False

    try:
        async with session.get(f"{http.base_url}/boards/{contest_id}/events",
                               headers={"Accept": "text/event-stream", "Cache-Control": "no-cache"}) as response:
            if response.status != 200 or not response.headers.get("content-type", "").startswith("text/event-stream"):
                screen.error = f"status {response.status}"
                connected.put_nowait(False)
                return
            stop_wait = asyncio.create_task(stop.wait())
            try:
                while not stop.is_set():
                    read = asyncio.create_task(response.content.readline())
                    finished, _ = await asyncio.wait({read, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
                    if read not in finished:
                        read.cancel()
                        break
                    line = read.result()
                    if not line:
                        screen.error = "stream closed"
                        break
                    line = line.strip()
                    if line.startswith(b":") and not screen.connected:
                        screen.connected = True
                        connected.put_nowait(True)
                    elif line == b"event: changed":
                        at = now()
                        screen.events.append(at)
                        if fetch:
                            asyncio.create_task(refresh(at))
            finally:
                stop_wait.cancel()
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        screen.error = type(error).__name__
        if not screen.connected:
            connected.put_nowait(False)


# Standalone use: the pupil flow against a running server.


async def _standalone(args: argparse.Namespace) -> None:
    from sqlalchemy import text

    from contest.db import create_engine

    engine = create_engine(args.database_url)
    async with engine.connect() as connection:
        names = list(await connection.scalars(text(
            "SELECT username FROM users WHERE role = 'pupil' AND username LIKE 'b%' AND id NOT IN (SELECT pupil_id FROM attempts "
            "WHERE round_id = :r) ORDER BY random() LIMIT :n"), {"r": args.round, "n": args.pupils}))
    await engine.dispose()
    recorder = Recorder()
    async with Http(args.base_url) as http:
        game = Game(http, recorder, args.contest, args.round, args.card_code)
        deadline = now() + args.max_seconds
        pupils = await lobby(game, [Pupil(n) for n in names], args.login_rate, deadline=deadline)
        print("logins:", Recorder.summary(recorder.select("login")))
        tasks = await open_model(args.rate / 10, len(pupils),
                                 lambda n, at: play(game, pupils[n], at, args.think, stop_at=deadline), stop_at=deadline)
        await asyncio.wait(tasks, timeout=max(1.0, deadline - now())) if tasks else None
        for task in tasks:
            task.cancel()
    for kind in ("start", "question", "answer", "result", "board"):
        print(f"{kind}:", Recorder.summary(recorder.select(kind)))


def main() -> None:
    parser = argparse.ArgumentParser(description="Play simulated pupils against a running Hoithi (127.0.0.1 only).")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--database-url", required=True, help="to pick pupils who have not played the round yet")
    parser.add_argument("--contest", type=int, required=True)
    parser.add_argument("--round", type=int, required=True)
    parser.add_argument("--card-code", default="BENCH-2026")
    parser.add_argument("--pupils", type=int, default=200)
    parser.add_argument("--login-rate", type=float, default=20.0, help="logins per second")
    parser.add_argument("--rate", type=float, default=50.0, help="answers per second (pupils arrive at rate/10)")
    parser.add_argument("--think", type=float, default=1.5, help="seconds per question (±50 %%)")
    parser.add_argument("--max-seconds", type=float, default=120.0)
    args = parser.parse_args()
    started = time.perf_counter()
    asyncio.run(_standalone(args))
    print(f"done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
