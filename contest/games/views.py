"""What the big screen and a phone show, read from Redis (no database on a phone's path).

Ranks are competition ranks: equal points share a rank, the next rank skips (1, 2, 2, 4), so a
player's rank is one more than the number of players above them (one ZCOUNT). Schools and districts
rank by their players' mean points, as a hall's schools bring very different numbers of pupils.
Rank changes compare with the standings just before the last question.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.games.questions import LiveQuestion, live_question
from contest.games.state import BOARD, PODIUM, QUESTION, REVEAL, Snapshot, key
from contest.org.models import District, School

TOP = 10


@dataclass(frozen=True)
class Standing:
    rank: int
    id: int  # player number, school id or district id
    name: str
    points: int
    change: int | None  # places moved up (negative: down); None before the first question
    players: int = 1


def competition_ranks(points: dict[int, float]) -> dict[int, int]:
    ordered = sorted(points.values(), reverse=True)
    first_at: dict[float, int] = {}
    for place, value in enumerate(ordered, start=1):
        first_at.setdefault(value, place)
    return {who: first_at[value] for who, value in points.items()}


def _standings(now: dict[int, float], before: dict[int, float] | None, names: dict[int, str],
               sizes: dict[int, int] | None = None) -> list[Standing]:
    ranks, earlier = competition_ranks(now), competition_ranks(before) if before else {}
    rows = [Standing(ranks[who], who, names.get(who, ""), round(value),
                     earlier[who] - ranks[who] if who in earlier else None, (sizes or {}).get(who, 1))
            for who, value in now.items()]
    return sorted(rows, key=lambda row: (row.rank, row.name))


def _means(scores: dict[int, float], unit_of: dict[int, int | None]) -> tuple[dict[int, float], dict[int, int]]:
    totals: dict[int, float] = defaultdict(float)
    sizes: dict[int, int] = defaultdict(int)
    for player, value in scores.items():
        if (unit := unit_of.get(player)) is not None:
            totals[unit] += value
            sizes[unit] += 1
    return {unit: totals[unit] / sizes[unit] for unit in totals}, dict(sizes)


@dataclass(frozen=True)
class Boards:
    players: list[Standing]
    schools: list[Standing]
    districts: list[Standing]


async def unit_names(db: AsyncSession, model, ids) -> dict[int, str]:
    return dict((await db.execute(select(model.id, model.name).where(model.id.in_(list(ids))))).all()) if ids else {}


async def boards(db: AsyncSession, redis: Redis, game_id: int) -> Boards:
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zrange(key(game_id, "scores"), 0, -1, withscores=True)
        pipe.zrange(key(game_id, "before"), 0, -1, withscores=True)
        pipe.hgetall(key(game_id, "players"))
        raw_now, raw_before, raw_players = await pipe.execute()
    now = {int(p): s for p, s in raw_now}
    before = {int(p): s for p, s in raw_before if int(p) in now} or None
    players = {int(p): json.loads(raw) for p, raw in raw_players.items()}
    boards_ = []
    for unit, model in (("s", School), ("d", District)):
        unit_of = {p: info[unit] for p, info in players.items()}
        means, sizes = _means(now, unit_of)
        earlier = _means(before, unit_of)[0] if before else None
        boards_.append(_standings(means, earlier, await unit_names(db, model, means), sizes))
    nicknames = {p: info["n"] for p, info in players.items()}
    return Boards(_standings(now, before, nicknames), *boards_)


@dataclass(frozen=True)
class PlayerView:
    snapshot: Snapshot
    number: int
    nickname: str
    kicked: bool
    answered: bool  # this question
    points: int | None  # earned on this question (None: no answer counted)
    credit: float | None
    score: int
    rank: int | None
    players: int
    question: LiveQuestion | None  # while it is open and unanswered


async def player_view(redis: Redis, snapshot: Snapshot, number: int) -> PlayerView:
    game_id, position = snapshot.game_id, snapshot.position
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hget(key(game_id, "players"), number)
        pipe.sismember(key(game_id, "kicked"), number)
        pipe.zscore(key(game_id, "scores"), number)
        pipe.hexists(key(game_id, f"answers:{position}"), number)
        pipe.hget(key(game_id, f"results:{position}"), number)
        pipe.zcard(key(game_id, "scores"))
        raw, kicked, score, answered, result, players = await pipe.execute()
    rank = None
    if score is not None and snapshot.phase in (REVEAL, BOARD, PODIUM):
        rank = await redis.zcount(key(game_id, "scores"), f"({score}", "+inf") + 1
    earned, credit = (int(result.split(b"|")[0]), float(result.split(b"|")[1])) if result else (None, None)
    question = None
    if snapshot.phase == QUESTION and not answered and not kicked:
        question = await live_question(redis, game_id, position, snapshot.nonce)
    return PlayerView(snapshot, number, json.loads(raw)["n"], bool(kicked), bool(answered), earned, credit,
                      int(score or 0), rank, players, question)


@dataclass(frozen=True)
class Lobby:
    players: list[tuple[int, str]]  # (number, nickname), newest first
    kicked: set[int]
    per_school: list[tuple[str, int]]  # (school name, players), most first; guests are not counted here
    answered: int  # on the open question


async def lobby(db: AsyncSession, redis: Redis, snapshot: Snapshot) -> Lobby:
    game_id = snapshot.game_id
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hgetall(key(game_id, "players"))
        pipe.smembers(key(game_id, "kicked"))
        pipe.hlen(key(game_id, f"answers:{snapshot.position}"))
        raw_players, raw_kicked, answered = await pipe.execute()
    kicked = {int(p) for p in raw_kicked}
    players = sorted(((int(p), json.loads(raw)) for p, raw in raw_players.items()), key=lambda pair: -pair[0])
    counts: dict[int, int] = defaultdict(int)
    for number, info in players:
        if info["s"] is not None and number not in kicked:
            counts[info["s"]] += 1
    names = await unit_names(db, School, counts)
    per_school = sorted(((names[s], n) for s, n in counts.items()), key=lambda pair: (-pair[1], pair[0]))
    return Lobby([(number, info["n"]) for number, info in players], kicked, per_school, answered)
