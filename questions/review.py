"""Who may see, edit and review which questions, and the review workflow.

draft → in review → approved → retired. Only approved questions are drawn into contests.

- Approved (and retired) questions form the shared bank: every teacher and organiser sees them.
- Drafts and questions in review are seen and edited within the owner's scope: the school's
  teachers, the district's and the province's organisers above it. The starter bank (no owner)
  is edited by province organisers.
- Reviewers are staff with the review right, over questions in their scope; nobody approves their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.identity import CurrentUser
from contest.accounts.models import Role
from contest.errors import Refused
from contest.i18n import gettext as _
from contest.org.models import District, School
from questions.models import Question, Status
from questions.store import record


def _owned_in_scope(user: CurrentUser) -> ColumnElement[bool]:
    if user.role is Role.TEACHER:
        return Question.school_id == user.school_id
    if user.role is not Role.ORGANISER:
        return false()
    if user.district_id is not None:
        schools = select(School.id).where(School.district_id == user.district_id)
        return or_(Question.district_id == user.district_id, Question.school_id.in_(schools))
    districts = select(District.id).where(District.province_id == user.province_id)
    schools = select(School.id).where(School.district_id.in_(districts))
    unowned = and_(Question.school_id.is_(None), Question.district_id.is_(None), Question.province_id.is_(None))
    return or_(Question.province_id == user.province_id, Question.district_id.in_(districts),
               Question.school_id.in_(schools), unowned)


def visible_questions(user: CurrentUser) -> Select[tuple[Question]]:
    if not user.is_staff:
        raise PermissionDeniedException()
    shared = Question.status.in_([Status.APPROVED, Status.RETIRED])
    return select(Question).where(or_(shared, _owned_in_scope(user)))


def editable_clause(user: CurrentUser) -> ColumnElement[bool]:
    return _owned_in_scope(user)


async def visible_question(db: AsyncSession, user: CurrentUser, question_id: int) -> Question:
    question = await db.scalar(visible_questions(user).where(Question.id == question_id))
    if question is None:
        raise NotFoundException()
    return question


async def may_edit(db: AsyncSession, user: CurrentUser, question: Question) -> bool:
    return bool(await db.scalar(select(Question.id).where(Question.id == question.id, editable_clause(user))))


@dataclass(frozen=True)
class Transition:
    name: str
    source: Status
    target: Status
    needs_reviewer: bool
    needs_comment: bool = False


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("submit", Status.DRAFT, Status.IN_REVIEW, needs_reviewer=False),
        Transition("approve", Status.IN_REVIEW, Status.APPROVED, needs_reviewer=True),
        Transition("send_back", Status.IN_REVIEW, Status.DRAFT, needs_reviewer=True, needs_comment=True),
        Transition("retire", Status.APPROVED, Status.RETIRED, needs_reviewer=True),
        Transition("reopen", Status.RETIRED, Status.DRAFT, needs_reviewer=False),
    )
}


def refusal(user: CurrentUser, question: Question, transition: Transition, editable: bool, comment: str) -> str | None:
    """Why this user may not make this transition now; None when they may."""
    if not editable:
        return _("This question is outside your school or area.")
    if question.status is not transition.source:
        return _("This question is no longer at that step; reload the page.")
    if transition.needs_reviewer and not user.can_review:
        return _("Only reviewers can do this.")
    if transition.name == "approve" and question.author_id == user.id:
        return _("Another reviewer must approve your own question.")
    if transition.needs_comment and not comment.strip():
        return _("Say what should change: a comment is required to send a question back.")
    return None


async def apply_transition(db: AsyncSession, user: CurrentUser, question: Question, name: str, comment: str = "") -> None:
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise Refused(detail=_("Unknown action."))
    reason = refusal(user, question, transition, await may_edit(db, user, question), comment)
    if reason:
        raise Refused(detail=reason)
    record(db, question, user, transition.target, comment.strip())


async def add_comment(db: AsyncSession, user: CurrentUser, question: Question, comment: str) -> None:
    if not comment.strip():
        raise Refused(detail=_("The comment is empty."))
    if not (await may_edit(db, user, question) or user.can_review):
        raise Refused(detail=_("This question is outside your school or area."))
    record(db, question, user, None, comment.strip())
