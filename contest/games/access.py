"""Who may drive a game: its host, and staff whose scope covers the unit the host ran it for.

Scope comes from contest/org/scope.py, as everywhere: a teacher's school, a district organiser's
district and its schools, a province organiser's whole province. Anyone else gets 404.
"""

from __future__ import annotations

from litestar.exceptions import NotFoundException
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.identity import CurrentUser
from contest.accounts.models import Role
from contest.games.models import GameStatus, LiveGame
from contest.org.models import District, School
from contest.org.scope import districts_query, schools_query


def managed_games_clause(user: CurrentUser):
    schools = schools_query(user).with_only_columns(School.id)
    clauses = [LiveGame.host_id == user.id, LiveGame.school_id.in_(schools)]
    if user.role is Role.ORGANISER:
        clauses.append(LiveGame.district_id.in_(districts_query(user).with_only_columns(District.id)))
        if user.district_id is None:
            clauses.append(LiveGame.province_id == user.province_id)
    return or_(*clauses)


async def managed_games(db: AsyncSession, user: CurrentUser, *, ended_only: bool = False,
                        limit: int = 100) -> list[LiveGame]:
    """The games this user may drive or read, newest first (ended ones only: for the reports)."""
    query = select(LiveGame).where(managed_games_clause(user))
    if ended_only:
        query = query.where(LiveGame.status == GameStatus.ENDED)
    return list(await db.scalars(query.order_by(LiveGame.created_at.desc()).limit(limit)))


async def managed_game(db: AsyncSession, user: CurrentUser, game_id: int) -> LiveGame:
    game = await db.scalar(select(LiveGame).where(LiveGame.id == game_id, managed_games_clause(user)))
    if game is None:
        raise NotFoundException()
    return game
