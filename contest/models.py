"""Every model, imported in one place so Alembic and the drift test see the whole schema."""

from contest.accounts.models import User
from contest.contests.models import Contest, Round
from contest.db import Base
from contest.org.models import District, Province, School, SchoolClass
from contest.play.models import Answer, Attempt, AttemptQuestion
from contest.progress.models import PracticeAnswer  # noqa: F401  (practice answers, issue 4 part 6)
from contest.privacy.models import ContestPurge, QuestionStatistic, SchoolStatistic  # noqa: F401  (retention, issue 9)
from contest.reports.models import Certificate  # noqa: F401  (certificates, issue 8)
from contest.games.models import GameAnswer, GamePlayer, LiveGame  # noqa: F401  (live games, issue 7)
from questions.models import Question, QuestionVersion, ReviewEvent

__all__ = ["Answer", "Attempt", "AttemptQuestion", "Base", "Contest", "Round", "District", "Province", "Question",
           "QuestionVersion", "ReviewEvent", "School", "SchoolClass", "User"]
