"""Which board a viewer sees: the live one, the frozen one, or none yet. The same rule serves the
pages, the JSON API and the live updates, so a freeze or a ceremony cannot leak through any of them.

- Staff who manage the contest always see the live boards (that is how they run a freeze).
- Everyone else sees a published contest's boards when its visibility allows: at once (live), after
  it closes (after close), or once the organiser reveals them (ceremony).
- While a board is frozen, everyone else sees it as it stood at the freeze.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.identity import CurrentUser
from contest.contests.eligibility import staff_contests_clause
from contest.contests.models import Contest, Visibility


class View(str, enum.Enum):
    LIVE = "live"
    FROZEN = "frozen"
    HIDDEN = "hidden"


async def manages(db: AsyncSession, user: CurrentUser | None, contest: Contest) -> bool:
    if user is None or not user.is_staff:
        return False
    return bool(await db.scalar(select(Contest.id).where(Contest.id == contest.id, staff_contests_clause(user))))


def public_view(contest: Contest, now: datetime) -> View:
    if not contest.published:
        return View.HIDDEN
    if contest.visibility is Visibility.CEREMONY and not contest.revealed:
        return View.HIDDEN
    if contest.visibility is Visibility.AFTER_CLOSE and now < contest.closes_at:
        return View.HIDDEN
    if contest.frozen_at is not None and now >= contest.frozen_at:
        return View.FROZEN  # until the organiser unfreezes it (the ceremony's last step does)
    return View.LIVE


async def view_for(db: AsyncSession, user: CurrentUser | None, contest: Contest, now: datetime) -> View:
    if await manages(db, user, contest):
        return View.LIVE
    return public_view(contest, now)
