"""The rules of a live game: making it, joining, answering, and the host's moves.

A question is open from its start until its deadline plus GRACE_MS; it is then closed by whoever
looks first (the host screen, or any phone, on any instance: a compare-and-set lets one of them do
it). Closing scores every answer with the contests' rules (contest/play/scoring.py), applies the
points to Redis in one script, and writes the question's answers and the players' totals to the
database. The end of the game writes everything once more, so a crash between the two loses nothing.
Phones and screens hear of every change of phase on the game's channel, never of single answers.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass

from litestar.channels import ChannelsPlugin
from redis.asyncio import Redis
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.accounts.identity import CurrentUser
from contest.contests.eligibility import PupilPlace
from contest.db import utcnow
from contest.errors import Refused
from contest.games import state
from contest.games.models import GameAnswer, GamePlayer, GameStatus, LiveGame
from contest.games.nicknames import nickname_problem, tidy, unique_key
from contest.games.questions import contents_of, live_question, store_questions
from contest.games.state import (BOARD, CLOSING, LOBBY, PODIUM, QUESTION, REVEAL, GameStore, Snapshot, key,
                                 pin_key)
from contest.i18n import gettext as _
from contest.play.scoring import Rule, points
from questions.kinds import response_as_json
from questions.store import Owner, freeze_versions

logger = logging.getLogger("hoithi.games")
FORM_FIELDS = ("choice", "text", "number")


@dataclass(frozen=True)
class NewGame:
    title: str
    questions: list[tuple[int, int]]
    seconds_per_question: int
    rule: Rule
    source_round_id: int | None = None


async def create_game(db: AsyncSession, redis: Redis, host: CurrentUser, new: NewGame) -> LiveGame:
    owner = Owner.of(host)
    game = LiveGame(title=new.title, pin="", host_id=host.id, school_id=owner.school_id, district_id=owner.district_id,
                    province_id=owner.province_id, source_round_id=new.source_round_id,
                    questions=[list(pair) for pair in new.questions], seconds_per_question=new.seconds_per_question,
                    scoring=new.rule.name, speed_floor=new.rule.speed_floor, streak_bonus=new.rule.streak_bonus,
                    streak_cap=new.rule.streak_cap)
    db.add(game)
    await db.flush()
    while True:  # a PIN names one game until two days after it ends
        pin = f"{secrets.randbelow(900_000) + 100_000}"
        if await redis.set(pin_key(pin), game.id, nx=True):
            break
    game.pin = pin
    await freeze_versions(db, [version_id for _q, version_id in new.questions])
    await store_questions(redis, game.id, await contents_of(db, new.questions))
    await redis.hset(key(game.id, "meta"), mapping={
        "title": new.title, "pin": pin, "phase": LOBBY, "position": -1, "count": len(new.questions),
        "seconds": new.seconds_per_question, "scoring": new.rule.name, "speed_floor": new.rule.speed_floor,
        "streak_bonus": new.rule.streak_bonus, "streak_cap": new.rule.streak_cap, "version": 0,
        "nonce": secrets.token_hex(8)})
    await db.commit()
    return game


async def join(store: GameStore, snapshot: Snapshot, nickname: str, pupil: CurrentUser | None,
               place: PupilPlace | None) -> str:
    """The new player's token (their phone's cookie). A pupil who joined before gets their token back.

    A pupil's nickname is their public name (given name and class, as on the boards): the big screen is public."""
    game_id, redis = snapshot.game_id, store.redis
    if pupil is not None:
        earlier = await redis.hget(key(game_id, "users"), pupil.id)
        if earlier is not None:
            return earlier.decode()
    if snapshot.phase == PODIUM:
        raise Refused(detail=_("This game is over."))
    number = await redis.incr(key(game_id, "next"))
    if pupil is not None:  # told apart from a namesake by a number
        candidates = [nickname] + [f"{nickname} {n}" for n in range(2, 10)]
    else:
        nickname = tidy(nickname)
        if problem := nickname_problem(nickname):
            raise Refused(detail=problem)
        candidates = [nickname]
    for candidate in candidates:
        if await redis.hsetnx(key(game_id, "nicks"), unique_key(candidate), number):
            break
    else:
        raise Refused(detail=_("Someone in this game already has this nickname: choose another."))
    token = secrets.token_urlsafe(18)
    player = {"n": candidate, "u": pupil.id if pupil else None, "s": place.school_id if place else None,
              "d": place.district_id if place else None}
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(key(game_id, "players"), number, json.dumps(player))
        pipe.zadd(key(game_id, "scores"), {number: 0}, nx=True)
        pipe.hset(key(game_id, "tokens"), token, number)
        if pupil is not None:
            pipe.hset(key(game_id, "users"), pupil.id, token)
        await pipe.execute()
    return token


async def answer(store: GameStore, game_id: int, token: str, position: int, form: dict[str, list[str]]) -> str:
    """One answer: ok, again, late, closed, paused, kicked or unknown (see state.ANSWER)."""
    kept = {name: [value[:200] for value in form[name][:10]] for name in FORM_FIELDS if form.get(name)}
    return await store.answer(game_id, token, position, json.dumps(kept, ensure_ascii=False))


class Games:
    """The host's moves and the closing of questions, for one request (any instance)."""

    def __init__(self, redis: Redis, sessionmaker: async_sessionmaker, channels: ChannelsPlugin) -> None:
        self.store = GameStore(redis)
        self.redis = redis
        self.sessionmaker = sessionmaker
        self.channels = channels

    async def publish(self, game_id: int) -> None:
        try:
            await self.channels.wait_published(b"changed", [state.channel_of(game_id)])
        except Exception:  # Redis away for a moment: phones and screens poll as well, they catch up
            logger.warning("could not publish a change of game %s", game_id, exc_info=True)

    async def current(self, game_id: int) -> Snapshot | None:
        """The game now, after closing its question if the time (and grace) ran out."""
        return await self.caught_up(await self.store.snapshot(game_id))

    async def caught_up(self, snapshot: Snapshot | None) -> Snapshot | None:
        if snapshot is not None and (snapshot.overdue or snapshot.stale_closing):
            await self.close(snapshot)
            snapshot = await self.store.snapshot(snapshot.game_id)
        return snapshot

    async def _start_question(self, snapshot: Snapshot, position: int) -> bool:
        now = await self.store.now_ms()
        return await self.store.move(snapshot.game_id, (snapshot.phase,), snapshot.position, phase=QUESTION,
                                     position=position, started_ms=now, deadline_ms=now + snapshot.seconds * 1000,
                                     paused=0)

    async def advance(self, game_id: int) -> None:
        """Next: start the game or the next question, close the question, show the board, or finish."""
        snapshot = await self.current(game_id)
        phase = snapshot.phase
        if phase == QUESTION:
            await self.close(snapshot)
        elif phase == BOARD and snapshot.last_question:
            await self.end(game_id)
        elif phase in (LOBBY, BOARD):
            if await self._start_question(snapshot, snapshot.position + 1) and phase == LOBBY:
                await self._set_status(game_id, GameStatus.RUNNING)
            await self.publish(game_id)
        elif phase == REVEAL:
            await self.store.move(game_id, (REVEAL,), snapshot.position, phase=BOARD)
            await self.publish(game_id)

    async def pause(self, game_id: int) -> None:
        snapshot = await self.current(game_id)
        if snapshot.phase == QUESTION and not snapshot.paused:
            await self.store.move(game_id, (QUESTION,), snapshot.position, paused=1, paused_at_ms=snapshot.now_ms,
                                  remaining_ms=max(0, snapshot.deadline_ms - snapshot.now_ms))
            await self.publish(game_id)

    async def resume(self, game_id: int) -> None:
        snapshot = await self.current(game_id)
        if snapshot.phase == QUESTION and snapshot.paused:
            paused_at = int(await self.redis.hget(key(game_id, "meta"), "paused_at_ms"))
            # The pause does not count against anyone's time: the start moves forward by its length.
            await self.store.move(game_id, (QUESTION,), snapshot.position, paused=0,
                                  deadline_ms=snapshot.now_ms + snapshot.remaining_ms,
                                  started_ms=snapshot.started_ms + snapshot.now_ms - paused_at)
            await self.publish(game_id)

    async def skip(self, game_id: int) -> None:
        """Drop the open question (a flawed one): nobody scores on it, and the next one starts."""
        snapshot = await self.current(game_id)
        if snapshot.phase != QUESTION:
            return
        if snapshot.last_question:
            await self.redis.sadd(key(game_id, "skipped"), snapshot.position)
            await self.end(game_id)
        elif await self._start_question(snapshot, snapshot.position + 1):
            await self.redis.sadd(key(game_id, "skipped"), snapshot.position)
            await self.publish(game_id)

    async def end(self, game_id: int) -> None:
        """The podium: an open question is dropped, everything is written to the database."""
        if not await self.store.move(game_id, (LOBBY, QUESTION, CLOSING, REVEAL, BOARD), None, phase=PODIUM):
            return
        snapshot = await self.store.snapshot(game_id)
        await self.persist(game_id, list(range(snapshot.count)))
        await self._set_status(game_id, GameStatus.ENDED)
        async with self.redis.pipeline(transaction=False) as pipe:
            async for name in self.redis.scan_iter(match=key(game_id, "*"), count=500):
                pipe.expire(name, state.KEEP_SECONDS)
            pipe.expire(pin_key(snapshot.pin), state.KEEP_SECONDS)
            await pipe.execute()
        await self.publish(game_id)

    async def kick(self, game_id: int, number: int) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(key(game_id, "kicked"), number)
            pipe.zrem(key(game_id, "scores"), number)
            pipe.zrem(key(game_id, "before"), number)
            await pipe.execute()
        await self.publish(game_id)

    async def rename(self, game_id: int, number: int, nickname: str) -> None:
        nickname = tidy(nickname)
        if problem := nickname_problem(nickname):
            raise Refused(detail=problem)
        raw = await self.redis.hget(key(game_id, "players"), number)
        if raw is None:
            raise Refused(detail=_("No such player in this game."))
        player = json.loads(raw)
        if not await self.redis.hsetnx(key(game_id, "nicks"), unique_key(nickname), number):
            raise Refused(detail=_("Someone in this game already has this nickname: choose another."))
        await self.redis.hdel(key(game_id, "nicks"), unique_key(player["n"]))
        await self.redis.hset(key(game_id, "players"), number, json.dumps(player | {"n": nickname}))
        await self.publish(game_id)

    async def close(self, snapshot: Snapshot) -> None:
        """Score the question once (whoever wins the compare-and-set), then save it and tell everyone."""
        game_id, position = snapshot.game_id, snapshot.position
        if snapshot.phase == QUESTION:
            if not await self.store.move(game_id, (QUESTION,), position, phase=CLOSING, closing_ms=snapshot.now_ms):
                return
        elif not snapshot.stale_closing:
            return
        distribution, rows = await self._score(snapshot)
        if await self.store.apply(game_id, position, json.dumps(distribution), rows):
            await self.persist(game_id, [position])
            await self.publish(game_id)

    async def _score(self, snapshot: Snapshot) -> tuple[dict, list[tuple]]:
        game_id, position = snapshot.game_id, snapshot.position
        question = await live_question(self.redis, game_id, position, snapshot.nonce)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(key(game_id, f"answers:{position}"))
            pipe.hkeys(key(game_id, "players"))
            pipe.smembers(key(game_id, "kicked"))
            pipe.hgetall(key(game_id, "streaks"))
            answers, players, kicked, streaks = await pipe.execute()
        limit_ms = snapshot.seconds * 1000
        choices = len(question.order) if question.view.input in ("choice", "multi") else 0
        counts, right = [0] * choices, 0
        rows = []
        for number in sorted(int(p) for p in set(players) - kicked):
            streak_before = int(streaks.get(str(number).encode(), 0))
            raw = answers.get(str(number).encode())
            if raw is None:
                rows.append((number, 0, 0, None, None))
                continue
            ms, form = raw.decode().split("|", 1)
            response = question.response(form)
            credit = question.credit(response)
            earned, streak = points(snapshot.rule, credit, int(ms), limit_ms, streak_before)
            rows.append((number, earned, streak, min(int(ms), limit_ms), round(credit, 4)))
            right += credit >= 1
            for index in response.chosen if choices else ():
                counts[question.order.index(index)] += 1
        distribution = {"counts": counts, "right": right, "answered": len(answers), "players": len(rows)}
        return distribution, rows

    async def _set_status(self, game_id: int, status: GameStatus) -> None:
        async with self.sessionmaker() as db:
            game = await db.get(LiveGame, game_id)
            game.status = status
            if status is GameStatus.ENDED:
                game.ended_at = utcnow()
            await db.commit()

    async def persist(self, game_id: int, positions: list[int]) -> None:
        """Write the players' totals and these questions' answers to the database (idempotent)."""
        redis = self.redis
        async with redis.pipeline(transaction=False) as pipe:
            for name in ("players", "times", "correct"):
                pipe.hgetall(key(game_id, name))
            pipe.zrange(key(game_id, "scores"), 0, -1, withscores=True)
            pipe.smembers(key(game_id, "kicked"))
            pipe.smembers(key(game_id, "skipped"))
            for position in positions:
                pipe.hgetall(key(game_id, f"answers:{position}"))
                pipe.hgetall(key(game_id, f"results:{position}"))
            players, times, correct, scores, kicked, skipped, *per_question = await pipe.execute()
        scores = {int(number): int(score) for number, score in scores}
        async with self.sessionmaker() as db:
            game = await db.get(LiveGame, game_id)
            known = dict((await db.execute(select(GamePlayer.number, GamePlayer.id)
                                           .where(GamePlayer.game_id == game_id))).all())
            rows = []
            for raw_number, raw in players.items():
                number, player = int(raw_number), json.loads(raw)
                row = {"nickname": player["n"], "kicked": raw_number in kicked,
                       "correct_count": int(correct.get(raw_number, 0)), "time_ms": int(times.get(raw_number, 0))}
                if number in scores:  # a kicked player keeps the score last saved
                    row["score"] = scores[number]
                rows.append((number, player, row))
            new = [{"game_id": game_id, "number": number, "user_id": player["u"], "school_id": player["s"],
                    "district_id": player["d"], "score": 0, **row} for number, player, row in rows if number not in known]
            if new:
                await db.execute(insert(GamePlayer), new)
            existing = [{"id": known[number], **row} for number, _p, row in rows if number in known]
            for same_fields in (True, False):  # one executemany per set of columns (kicked rows have no score)
                group = [row for row in existing if ("score" in row) is same_fields]
                if group:
                    await db.execute(update(GamePlayer), group)
            for position, (answers, results) in zip(positions, zip(per_question[::2], per_question[1::2])):
                if str(position).encode() in skipped or not results:
                    continue
                question = await live_question(redis, game_id, position)
                question_id, version_id = game.questions[position]
                await db.execute(delete(GameAnswer).where(GameAnswer.game_id == game_id, GameAnswer.position == position))
                answer_rows = []
                for raw_number, result in results.items():
                    earned, credit = result.decode().split("|")
                    ms, form = answers[raw_number].decode().split("|", 1)
                    answer_rows.append({"game_id": game_id, "player_number": int(raw_number), "position": position,
                                        "question_id": question_id, "version_id": version_id,
                                        "response": response_as_json(question.response(form)), "credit": float(credit),
                                        "points": int(earned), "response_ms": int(ms)})
                await db.execute(insert(GameAnswer), answer_rows)
            await db.commit()
