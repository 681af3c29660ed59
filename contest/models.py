"""Every model, imported in one place so Alembic and the drift test see the whole schema."""

from contest.accounts.models import User
from contest.contests.models import Contest, Round
from contest.db import Base
from contest.org.models import District, Province, School, SchoolClass
from contest.play.models import Answer, Attempt, AttemptQuestion
from contest.progress.models import PracticeAnswer  # noqa: F401  (practice answers, issue 4 part 6)
from questions.models import Question, QuestionVersion, ReviewEvent

__all__ = ["Answer", "Attempt", "AttemptQuestion", "Base", "Contest", "Round", "District", "Province", "Question", "QuestionVersion", "ReviewEvent", "School", "SchoolClass", "User"]
