"""The boards of one contest round in Redis: writing a pupil's standing, and reading ranks and pages.

Keys share the hash tag `{c<contest id>}`, so one contest lives in one Redis Cluster slot and the
Lua scripts may touch all of its keys:

    lb:{c42}:r7:pupils            every pupil of the round          (sorted set, encoding.py)
    lb:{c42}:r7:district:<id>     pupils of one district
    lb:{c42}:r7:school:<id>       pupils of one school
    lb:{c42}:r7:class:<id>        pupils of one class
    lb:{c42}:r7:schools           schools, by the contest's unit rule (sorted set of school ids)
    lb:{c42}:r7:districts         districts, by the same rule
    lb:{c42}:r7:members           pupil id → their current member string (hash)
    lb:{c42}:r7:points            pupil id → their counted points (hash)
    lb:{c42}:r7:totals            "school:<id>" / "district:<id>" → sum of points (hash)
    lb:{c42}:enrolment            "school:<id>" / "district:<id>" → pupils enrolled (hash)

A standing is written as an absolute value (not an increment), so writing it twice changes nothing.
The unit rule is one Lua function used by both the live update and the rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from contest.leaderboards.encoding import Standing, decode_score, encode_member, encode_score, pupil_of

UNIT_VALUE = """
local SCALE = 68719476736  -- 2^36: points are the score's high bits
local function unit_value(rule, top_n, pupils_key, total, enrolled)
  local played = redis.call('ZCARD', pupils_key)
  if rule == 'mean_top_n' then
    local top = redis.call('ZREVRANGE', pupils_key, 0, top_n - 1, 'WITHSCORES')
    local sum = 0
    for i = 2, #top, 2 do sum = sum + math.floor(tonumber(top[i]) / SCALE) end
    local divisor = math.min(top_n, math.max(enrolled, played))
    if divisor == 0 then return 0 end
    return sum / divisor
  elseif rule == 'total' then
    return total
  end
  local denominator = math.max(enrolled, played)  -- participation: points per enrolled pupil
  if denominator == 0 then return 0 end
  return total / denominator
end
"""

# KEYS: pupils, district, school, class, schools, districts, members, points, totals, enrolment
# ARGV: pupil id, score, member, points, school id, district id, unit rule, top N
WRITE_STANDING = UNIT_VALUE + """
if redis.call('EXISTS', KEYS[10]) == 0 then return 'missing' end  -- never built (or Redis was emptied)
local pupil = ARGV[1]
local old_member = redis.call('HGET', KEYS[7], pupil)
if old_member and old_member ~= ARGV[3] then
  for i = 1, 4 do redis.call('ZREM', KEYS[i], old_member) end
end
for i = 1, 4 do redis.call('ZADD', KEYS[i], ARGV[2], ARGV[3]) end
redis.call('HSET', KEYS[7], pupil, ARGV[3])
local delta = tonumber(ARGV[4]) - tonumber(redis.call('HGET', KEYS[8], pupil) or '0')
redis.call('HSET', KEYS[8], pupil, ARGV[4])
local units = {{KEYS[3], KEYS[5], 'school:', ARGV[5]}, {KEYS[2], KEYS[6], 'district:', ARGV[6]}}
for _, unit in ipairs(units) do
  local total = redis.call('HINCRBY', KEYS[9], unit[3] .. unit[4], delta)
  local enrolled = tonumber(redis.call('HGET', KEYS[10], unit[3] .. unit[4]) or '0')
  redis.call('ZADD', unit[2], unit_value(ARGV[7], tonumber(ARGV[8]), unit[1], total, enrolled), unit[4])
end
return delta
"""

# Recompute one unit from its pupils' set (after a rebuild wrote the sets in bulk).
# KEYS: unit's pupils, units board, totals, enrolment   ARGV: "school:"/"district:", unit id, rule, top N
RECOMPUTE_UNIT = UNIT_VALUE + """
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local total = 0
for i = 2, #entries, 2 do total = total + math.floor(tonumber(entries[i]) / SCALE) end
redis.call('HSET', KEYS[3], ARGV[1] .. ARGV[2], total)
local enrolled = tonumber(redis.call('HGET', KEYS[4], ARGV[1] .. ARGV[2]) or '0')
redis.call('ZADD', KEYS[2], unit_value(ARGV[3], tonumber(ARGV[4]), KEYS[1], total, enrolled), ARGV[2])
return total
"""


# KEYS: n staged keys, the n live keys they become, then the live keys to drop   ARGV: n
SWAP_IN = """
local n = tonumber(ARGV[1])
for i = 1 + 2 * n, #KEYS do redis.call('DEL', KEYS[i]) end
for i = 1, n do redis.call('RENAME', KEYS[i], KEYS[i + n]) end
return n
"""


@dataclass(frozen=True)
class Place:
    class_id: int
    school_id: int
    district_id: int


@dataclass(frozen=True)
class Entry:
    rank: int  # 1-based
    pupil_id: int  # or a school or district id on unit boards
    points: float
    time_ms: int


class RoundBoards:
    """The keys of one round's boards (optionally a frozen copy) and the operations on them."""

    def __init__(self, redis: Redis, contest_id: int, round_id: int, *, frozen: bool = False,
                 staging: bool = False) -> None:
        self.redis = redis
        self.contest_id = contest_id
        self.round_id = round_id
        tag = f"lb:{{c{contest_id}}}"
        # A rebuild writes into the staging copy, then swaps it in whole (see `swap_in`).
        self.prefix = f"{tag}:r{round_id}" + (":frozen" if frozen else "") + (":next" if staging else "")
        self.enrolment = f"{tag}:enrolment"
        self.rebuild_lock = f"{tag}:rebuilding"

    def key(self, scope: str, unit: int | None = None) -> str:
        """scope: pupils | district | school | class | schools | districts | members | points | totals."""
        return f"{self.prefix}:{scope}" if unit is None else f"{self.prefix}:{scope}:{unit}"

    async def write(self, standing: Standing, place: Place, rule: str, top_n: int) -> bool:
        """False when the contest's boards do not exist yet (or Redis lost them): rebuild instead."""
        keys = [self.key("pupils"), self.key("district", place.district_id), self.key("school", place.school_id),
                self.key("class", place.class_id), self.key("schools"), self.key("districts"), self.key("members"),
                self.key("points"), self.key("totals"), self.enrolment]
        args = [standing.pupil_id, encode_score(standing.points, standing.time_ms), encode_member(standing),
                standing.points, place.school_id, place.district_id, rule, top_n]
        return await self.redis.eval(WRITE_STANDING, len(keys), *keys, *args) != b"missing"

    async def keys(self) -> list[bytes]:
        """Every key of these boards (not those of the frozen or staging copies of live boards)."""
        keys = [key async for key in self.redis.scan_iter(match=f"{self.prefix}:*", count=1000)]
        return [key for key in keys if not key[len(self.prefix):].startswith((b":frozen:", b":next:"))]

    async def swap_in(self, staged: RoundBoards) -> None:
        """Replace these boards by the staged ones in one atomic step, so readers never see half a rebuild."""
        new = await staged.keys()
        live = [self.prefix.encode() + key[len(staged.prefix):] for key in new]
        renamed = set(live)
        old = [key for key in await self.keys() if key not in renamed]
        keys = [*new, *live, *old]
        await self.redis.eval(SWAP_IN, len(keys), *keys, len(new))

    async def recompute_units(self, school_ids: set[int], district_ids: set[int], rule: str, top_n: int) -> None:
        """Each unit's value from its pupils' set (after a rebuild wrote the sets in bulk), in one pipeline."""
        script = self.redis.register_script(RECOMPUTE_UNIT)
        async with self.redis.pipeline(transaction=False) as pipe:
            for kind, unit_ids in (("school", school_ids), ("district", district_ids)):
                for unit_id in sorted(unit_ids):
                    keys = [self.key(kind, unit_id), self.key(f"{kind}s"), self.key("totals"), self.enrolment]
                    await script(keys=keys, args=[f"{kind}:", unit_id, rule, top_n], client=pipe)
            await pipe.execute()

    async def page(self, scope: str, unit: int | None, offset: int, limit: int) -> list[Entry]:
        """Entries ranked offset+1 … offset+limit: O(log n + limit)."""
        rows = await self.redis.zrevrange(self.key(scope, unit), offset, offset + limit - 1, withscores=True)
        return [self._entry(offset + 1 + n, scope, member, score) for n, (member, score) in enumerate(rows)]

    async def size(self, scope: str, unit: int | None = None) -> int:
        return await self.redis.zcard(self.key(scope, unit))

    async def rank_of(self, pupil_id: int, scope: str = "pupils", unit: int | None = None) -> int | None:
        """A pupil's 1-based rank on a board, None when they are not on it."""
        member = await self.redis.hget(self.key("members"), pupil_id)
        if member is None:
            return None
        rank = await self.redis.zrevrank(self.key(scope, unit), member)
        return None if rank is None else rank + 1

    async def ranks_and_sizes(self, pupil_id: int, boards: list[tuple[str, int | None]]) -> list[tuple[int | None, int]]:
        """(1-based rank or None, board size) on each board, in two round trips whatever their number."""
        member = await self.redis.hget(self.key("members"), pupil_id)
        if member is None:
            return [(None, 0)] * len(boards)
        async with self.redis.pipeline(transaction=False) as pipe:
            for scope, unit in boards:
                pipe.zrevrank(self.key(scope, unit), member)
                pipe.zcard(self.key(scope, unit))
            replies = await pipe.execute()
        return [(None if rank is None else rank + 1, size) for rank, size in zip(replies[::2], replies[1::2])]

    async def around(self, pupil_id: int, scope: str = "pupils", unit: int | None = None, reach: int = 2) -> list[Entry]:
        """The pupil with up to `reach` neighbours above and below."""
        rank = await self.rank_of(pupil_id, scope, unit)
        if rank is None:
            return []
        start = max(0, rank - 1 - reach)
        return await self.page(scope, unit, start, rank - start + reach)

    @staticmethod
    def _entry(rank: int, scope: str, member: bytes, score: float) -> Entry:
        if scope in ("schools", "districts"):
            return Entry(rank, int(member), round(score, 3), 0)
        points, time_ms = decode_score(score)
        return Entry(rank, pupil_of(member), points, time_ms)
