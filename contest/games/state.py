"""A running game's state in Redis, shared by every app instance.

One clock: Redis's own (`TIME`), read inside the scripts, so instances with skewed clocks still agree
on every deadline. Every change of phase is a compare-and-set on (phase, position) in one script, so
two hosts pressing Next at once, or an instance closing a question while another skips it, move the
game once. An answer is one script too: it checks the phase, the question, the deadline plus GRACE_MS
and the player, then HSETNX keeps the first answer of each player per question.

Keys share the hash tag {g<id>}, so one game lives in one Redis Cluster slot and the scripts work
there. Layout (prefix `game:{g42}:`):

  meta           hash: title, pin, phase, position, count, seconds, started_ms, deadline_ms, paused,
                 remaining_ms, paused_at_ms, closing_ms, version, nonce, and the scoring rule
                 (scoring, speed_floor, streak_bonus, streak_cap)
  tokens         hash: player token (the phone's cookie) → player number
  players        hash: player number → {"n": nickname, "u": user id, "s": school id, "d": district id}
  nicks          hash: folded nickname → player number (uniqueness)
  users          hash: pupil's user id → player token (a pupil on a new phone resumes)
  kicked         set of player numbers
  scores         sorted set: player number → points;  before: the same just before the last question
  streaks, times, correct   hashes: player number → running streak, total ms, right answers
  q:<pos>        the question as the server scores it (content, option order and tokens): never sent
  answers:<pos>  hash: player number → "<ms since the question started>|<the form as JSON>"
  results:<pos>  hash: player number → "<points>|<credit>" (answerers only)
  dist:<pos>     the answer distribution, JSON
  skipped        set of skipped positions
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from redis.asyncio import Redis

from contest.play.scoring import Rule

GRACE_MS = 1500  # how late an answer may reach Redis after the deadline and count: a slow phone link
STALE_CLOSING_MS = 5000  # a close whose instance vanished is finished by whoever looks next
KEEP_SECONDS = 2 * 24 * 3600  # an ended game's Redis state (and its PIN) lingers this long
PIN_CACHE_SECONDS = 60  # a PIN names one game for days: each process remembers it this long

LOBBY, QUESTION, CLOSING, REVEAL, BOARD, PODIUM = "lobby", "question", "closing", "reveal", "board", "podium"


def key(game_id: int, name: str) -> str:
    return f"game:{{g{game_id}}}:{name}"


def pin_key(pin: str) -> str:
    return f"game-pin:{pin}"


def channel_of(game_id: int) -> str:
    return f"game:{game_id}"


@dataclass(frozen=True)
class Snapshot:
    """The game as Redis has it at `now_ms` (Redis time)."""

    game_id: int
    title: str
    pin: str
    phase: str
    position: int  # -1 in the lobby
    count: int
    seconds: int
    started_ms: int
    deadline_ms: int
    paused: bool
    remaining_ms: int  # while paused
    closing_ms: int
    now_ms: int
    version: int
    rule: Rule
    nonce: str  # random per game: names its cached questions in each process

    @classmethod
    def of(cls, game_id: int, meta: dict[bytes, bytes], now: tuple[int, int]) -> Snapshot | None:
        if not meta:
            return None
        text = {k.decode(): v.decode() for k, v in meta.items()}
        number = lambda name: int(text.get(name) or 0)  # noqa: E731
        return cls(game_id, text["title"], text["pin"], text["phase"], int(text.get("position", -1)), number("count"),
                   number("seconds"), number("started_ms"), number("deadline_ms"), text.get("paused") == "1",
                   number("remaining_ms"), number("closing_ms"), now[0] * 1000 + now[1] // 1000, number("version"),
                   Rule(text.get("scoring", "accuracy"), float(text.get("speed_floor") or 0.5), number("streak_bonus"),
                        number("streak_cap")), text.get("nonce", ""))

    @property
    def time_left_ms(self) -> int:
        if self.phase != QUESTION:
            return 0
        return self.remaining_ms if self.paused else max(0, self.deadline_ms - self.now_ms)

    @property
    def overdue(self) -> bool:
        """The question's time and its grace are over, but nobody has closed it yet."""
        return self.phase == QUESTION and not self.paused and self.now_ms > self.deadline_ms + GRACE_MS

    @property
    def stale_closing(self) -> bool:
        return self.phase == CLOSING and self.now_ms > self.closing_ms + STALE_CLOSING_MS

    @property
    def last_question(self) -> bool:
        return self.position + 1 >= self.count


ANSWER = """
local player = redis.call('HGET', KEYS[2], ARGV[1])
if not player then return 'unknown' end
if redis.call('SISMEMBER', KEYS[3], player) == 1 then return 'kicked' end
local m = redis.call('HMGET', KEYS[1], 'phase', 'position', 'started_ms', 'deadline_ms', 'paused')
if m[1] ~= 'question' or m[2] ~= ARGV[2] then return 'closed' end
if m[5] == '1' then return 'paused' end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now > tonumber(m[4]) + tonumber(ARGV[4]) then return 'late' end
local ms = math.max(0, now - tonumber(m[3]))
if redis.call('HSETNX', KEYS[4], player, ms .. '|' .. ARGV[3]) == 0 then return 'again' end
return 'ok'
"""

# ARGV: the phases it may move from (comma-separated, '' = any), the position it must be at ('' = any),
# then field/value pairs to set.
MOVE = """
local m = redis.call('HMGET', KEYS[1], 'phase', 'position')
if not m[1] then return 0 end
if ARGV[1] ~= '' and not string.find(',' .. ARGV[1] .. ',', ',' .. m[1] .. ',', 1, true) then return 0 end
if ARGV[2] ~= '' and m[2] ~= ARGV[2] then return 0 end
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HINCRBY', KEYS[1], 'version', 1)
return 1
"""

# KEYS: meta scores before streaks times correct results dist. ARGV: position, distribution JSON, then per
# player: number, points, streak after, ms ('' when unanswered), credit ('' when unanswered).
APPLY = """
local m = redis.call('HMGET', KEYS[1], 'phase', 'position')
if m[1] ~= 'closing' or m[2] ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[3])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('ZUNIONSTORE', KEYS[3], 1, KEYS[2]) end
for i = 3, #ARGV, 5 do
  local player, points = ARGV[i], tonumber(ARGV[i + 1])
  if points > 0 then redis.call('ZINCRBY', KEYS[2], points, player) end
  redis.call('HSET', KEYS[4], player, ARGV[i + 2])
  if ARGV[i + 4] ~= '' then
    redis.call('HINCRBY', KEYS[5], player, ARGV[i + 3])
    if tonumber(ARGV[i + 4]) >= 1 then redis.call('HINCRBY', KEYS[6], player, 1) end
    redis.call('HSET', KEYS[7], player, ARGV[i + 1] .. '|' .. ARGV[i + 4])
  end
end
redis.call('SET', KEYS[8], ARGV[2])
redis.call('HSET', KEYS[1], 'phase', 'reveal')
redis.call('HINCRBY', KEYS[1], 'version', 1)
return 1
"""


_pins: dict[str, tuple[int, float]] = {}  # PIN → (game id, until when this process trusts it)


class GameStore:
    """The scripts and reads of one Redis, for any game."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._answer = redis.register_script(ANSWER)
        self._move = redis.register_script(MOVE)
        self._apply = redis.register_script(APPLY)

    async def snapshot(self, game_id: int) -> Snapshot | None:
        return (await self.snapshot_for(game_id, None))[0]

    async def snapshot_for(self, game_id: int, token: str | None) -> tuple[Snapshot | None, int | None]:
        """The game, and the number of the player holding `token` (None if nobody does), in one round trip."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(key(game_id, "meta"))
            pipe.time()
            pipe.hget(key(game_id, "tokens"), token or "")
            meta, now, number = await pipe.execute()
        return Snapshot.of(game_id, meta, now), int(number) if number else None

    async def now_ms(self) -> int:
        seconds, micros = await self.redis.time()
        return seconds * 1000 + micros // 1000

    async def answer(self, game_id: int, token: str, position: int, payload: str) -> str:
        """ok, again (the first answer stands), late, closed, paused, kicked or unknown."""
        keys = [key(game_id, "meta"), key(game_id, "tokens"), key(game_id, "kicked"), key(game_id, f"answers:{position}")]
        outcome = await self._answer(keys=keys, args=[token, position, payload, GRACE_MS])
        return outcome.decode() if isinstance(outcome, bytes) else outcome

    async def move(self, game_id: int, from_phases: tuple[str, ...], at: int | None, **fields) -> bool:
        """Set `fields` if the game is in one of `from_phases` (any when empty) at position `at` (any when None)."""
        args = [",".join(from_phases), "" if at is None else str(at)]
        for name, value in fields.items():
            args += [name, str(value)]
        return bool(await self._move(keys=[key(game_id, "meta")], args=args))

    async def apply(self, game_id: int, position: int, distribution: str, rows: list[tuple]) -> bool:
        names = ("meta", "scores", "before", "streaks", "times", "correct", f"results:{position}", f"dist:{position}")
        args: list = [position, distribution]
        for row in rows:
            args += ["" if value is None else value for value in row]
        return bool(await self._apply(keys=[key(game_id, name) for name in names], args=args))

    async def game_of_pin(self, pin: str) -> int | None:
        if not (pin.isdigit() and len(pin) == 6):
            return None
        cached = _pins.get(pin)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        found = await self.redis.get(pin_key(pin))
        if found is None:
            return None
        if len(_pins) > 1024:
            _pins.clear()
        _pins[pin] = (int(found), time.monotonic() + PIN_CACHE_SECONDS)
        return int(found)

    async def player_of(self, game_id: int, token: str | None) -> int | None:
        found = await self.redis.hget(key(game_id, "tokens"), token) if token else None
        return int(found) if found else None
