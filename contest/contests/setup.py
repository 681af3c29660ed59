"""Setting up contests and their rounds: who owns a contest, what it may be narrowed to, and the forms.

Routes stay thin (contest/contests/routes.py): they find what the user manages (404 for anything
else), read the submitted form with `read_contest` or `read_round` (plus `bank_problems` for what only
the database can tell), and change the row only when no problem was found, so a refused form saves
nothing. A problem is a (field, message) pair; the field is the input's name and id, so the page can
point at it. docs/contests.md says the same rules in words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import datetime, timezone

from litestar.exceptions import NotFoundException
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.identity import CurrentUser
from contest.contests.eligibility import staff_contests_clause
from contest.contests.models import Contest, Counting, Explanations, Round, Selection, UnitRanking, Visibility
from contest.i18n import TIMEZONE, gettext as _, lazy
from contest.org.models import District, Province, School
from contest.play.scoring import RULES
from questions.authoring import FormValues
from questions.content import COMPETENCIES, DIFFICULTIES, LANGUAGES
from questions.labels import DIFFICULTIES as DIFFICULTY_NAMES, LANGUAGES as LANGUAGE_NAMES, STATUSES
from questions.models import Question, Status
from questions.review import visible_questions
from questions.store import Owner

Problems = list[tuple[str, str]]

GRADES = tuple(range(1, 13))
DOMAINS = tuple(str(domain) for domain in COMPETENCIES)  # "1" … "6"
QUALIFY_PER = ("school", "district", "contest")
TITLE_LENGTH = 200
LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows

# Names for the choices, translated where they are shown.
VISIBILITY_NAMES = {
    Visibility.LIVE: lazy("Live: boards update as pupils play"),
    Visibility.AFTER_CLOSE: lazy("After close: boards appear when the contest closes"),
    Visibility.CEREMONY: lazy("Ceremony: hidden until you reveal them"),
}
UNIT_RANKING_NAMES = {
    UnitRanking.MEAN_TOP_N: lazy("Mean of the best N pupils"),
    UnitRanking.TOTAL: lazy("Total points"),
    UnitRanking.PARTICIPATION: lazy("Participation (played ÷ enrolled)"),
}
EXPLANATION_NAMES = {
    Explanations.AFTER_EACH: lazy("After each question"),
    Explanations.AFTER_ROUND: lazy("After the round"),
    Explanations.AFTER_CLOSE: lazy("After the contest closes"),
}
COUNTING_NAMES = {Counting.BEST: lazy("The best attempt counts"), Counting.LAST: lazy("The last attempt counts")}
SCORING_NAMES = {"accuracy": lazy("Accuracy: points for right answers"),
                 "speed": lazy("Speed: faster right answers earn more")}
QUALIFY_PER_NAMES = {"school": lazy("per school"), "district": lazy("per district"), "contest": lazy("in the whole contest")}
SELECTION_NAMES = {Selection.RANDOM: lazy("Random draw for each pupil"), Selection.FIXED: lazy("Fixed list of questions")}

# How generic messages name a field; the same English text as the form's labels.
FIELD_NAMES = {
    "unit_top_n": lazy("Best N pupils per unit"),
    "question_count": lazy("Number of questions"),
    "seconds_per_question": lazy("Seconds per question"),
    "seconds_per_round": lazy("Seconds for the whole round"),
    "attempts_allowed": lazy("Attempts allowed"),
    "speed_floor": lazy("Share of points kept at the time limit"),
    "streak_bonus": lazy("Bonus points per answer in a streak"),
    "streak_cap": lazy("Streak bonus stops growing after"),
    "qualify_top_n": lazy("How many qualify"),
}


# Who manages what ----------------------------------------------------------------------------------


def managed_contests(user: CurrentUser) -> Select[tuple[Contest]]:
    """The contests this member of staff manages, newest first."""
    return select(Contest).where(staff_contests_clause(user)).order_by(Contest.created_at.desc(), Contest.id.desc())


async def managed_contest(db: AsyncSession, user: CurrentUser, contest_id: int) -> Contest:
    contest = await db.scalar(managed_contests(user).where(Contest.id == contest_id))
    if contest is None:
        raise NotFoundException()  # someone else's contest answers as if it did not exist
    return contest


async def managed_round(db: AsyncSession, user: CurrentUser, round_id: int) -> tuple[Round, Contest]:
    round_ = await db.get(Round, round_id)
    if round_ is None:
        raise NotFoundException()
    return round_, await managed_contest(db, user, round_.contest_id)


async def rounds_of(db: AsyncSession, contest: Contest) -> list[Round]:
    return list(await db.scalars(select(Round).where(Round.contest_id == contest.id).order_by(Round.position)))


def new_contest(user: CurrentUser) -> Contest:
    """A contest belongs to its creator's unit: an organiser's district or province, a teacher's school."""
    owner = Owner.of(user)
    return Contest(province_id=owner.province_id, district_id=owner.district_id, school_id=owner.school_id,
                   created_by_id=user.id)


async def new_round(db: AsyncSession, contest: Contest) -> Round:
    """A round placed after the contest's last one."""
    last = await db.scalar(select(func.max(Round.position)).where(Round.contest_id == contest.id))
    return Round(contest_id=contest.id, position=(last or 0) + 1)


@dataclass
class Area:
    """Where a contest's owner sits, and the units its contest may be narrowed to."""

    owner_name: str
    districts: list[District]  # a province's contest may be narrowed to some of its districts ...
    schools: list[School]  # ... and a province's or a district's to some of its schools
    district_names: dict[int, str]


async def area_of(db: AsyncSession, contest: Contest) -> Area:
    if contest.school_id is not None:
        school = await db.get_one(School, contest.school_id)
        return Area(school.name, [], [], {})
    if contest.district_id is not None:
        district = await db.get_one(District, contest.district_id)
        schools = list(await db.scalars(select(School).where(School.district_id == district.id).order_by(School.name)))
        return Area(district.name, [], schools, {district.id: district.name})
    province = await db.get_one(Province, contest.province_id)
    districts = list(await db.scalars(select(District).where(District.province_id == province.id).order_by(District.name)))
    schools = list(await db.scalars(select(School).where(School.district_id.in_([d.id for d in districts]))
                                    .order_by(School.name)))
    return Area(province.name, districts, schools, {d.id: d.name for d in districts})


async def owner_names(db: AsyncSession, contests: list[Contest]) -> dict[int, str]:
    """contest id → the name of the unit that runs it, for lists."""
    wanted = {model: {getattr(c, attribute) for c in contests} - {None}
              for model, attribute in ((Province, "province_id"), (District, "district_id"), (School, "school_id"))}
    names = {(model, row.id): row.name for model, ids in wanted.items() if ids
             for row in await db.scalars(select(model).where(model.id.in_(ids)))}
    return {c.id: names.get((School, c.school_id)) or names.get((District, c.district_id))
            or names.get((Province, c.province_id), "") for c in contests}


async def round_counts(db: AsyncSession, contest_ids: list[int]) -> dict[int, int]:
    rows = await db.execute(select(Round.contest_id, func.count()).where(Round.contest_id.in_(contest_ids))
                            .group_by(Round.contest_id))
    return dict(rows.all())


# Reading values ------------------------------------------------------------------------------------


def local_input(value: datetime | None) -> str:
    """A stored UTC time as a datetime-local input shows it: Vietnam's wall clock."""
    return value.astimezone(TIMEZONE).strftime(LOCAL_INPUT) if value else ""


def parse_local(text: str) -> datetime | None:
    """A datetime-local value, read as Vietnam time, as an aware UTC datetime; None if unreadable."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=TIMEZONE)
    return value.astimezone(timezone.utc)


def _name(field: str) -> str:
    if field.startswith("domain_"):
        return _("Quota of domain %(domain)s", domain=field.removeprefix("domain_"))
    if field.startswith("difficulty_"):
        return _("Quota of %(difficulty)s questions", difficulty=_(DIFFICULTY_NAMES[field.removeprefix("difficulty_")]).lower())
    return _(FIELD_NAMES[field])


def _whole(form: FormValues, field: str, problems: Problems, *, minimum: int, maximum: int | None = None,
           blank: int | None = None, optional: bool = False) -> int | None:
    """A whole number within bounds; a blank field gives `blank` (or is a problem unless `optional`)."""
    text = form.get(field)
    if not text:
        if blank is None and not optional:
            problems.append((field, _("%(field)s: enter a whole number.", field=_name(field))))
        return blank
    if not re.fullmatch(r"[+-]?\d+", text) or int(text) < minimum or (maximum is not None and int(text) > maximum):
        if maximum is None:
            message = _("%(field)s: enter a whole number of at least %(minimum)d.", field=_name(field), minimum=minimum)
        else:
            message = _("%(field)s: enter a whole number from %(minimum)d to %(maximum)d.", field=_name(field),
                        minimum=minimum, maximum=maximum)
        problems.append((field, message))
        return None
    return int(text)


def _choice(form: FormValues, field: str, choices, problems: Problems, message: str):
    """One of `choices` (an enum or a tuple of strings), or a problem."""
    text = form.get(field)
    values = {c.value if hasattr(c, "value") else c: c for c in choices}
    if text not in values:
        problems.append((field, message))
        return None
    return values[text]


def _ids(form: FormValues, field: str, offered: set[int]) -> tuple[list[int], bool]:
    """Ticked ids, and whether every one of them was offered."""
    chosen = sorted({int(v) for v in form.all(field) if v.isdigit()})
    return chosen, len(chosen) == len(form.all(field)) and set(chosen) <= offered


def _ticked(form: FormValues, field: str) -> bool:
    return form.get(field) == "true"


# Contests ------------------------------------------------------------------------------------------


@dataclass
class ContestSettings:
    """Everything the contest form sets; the owner is not among it (it never changes)."""

    title_vi: str
    title_en: str
    theme: str
    description_vi: str
    description_en: str
    opens_at: datetime | None
    closes_at: datetime | None
    district_ids: list[int]
    school_ids: list[int]
    grades: list[int]
    visibility: Visibility | None
    full_names_public: bool
    unit_ranking: UnitRanking | None
    unit_top_n: int | None
    published: bool

    def apply(self, contest: Contest) -> None:
        for field in fields(self):
            setattr(contest, field.name, getattr(self, field.name))


def read_contest(form: FormValues, area: Area, *, round_count: int) -> tuple[ContestSettings, Problems]:
    problems: Problems = []
    title_vi, title_en, theme = form.get("title_vi"), form.get("title_en"), form.get("theme")
    if not title_vi:
        problems.append(("title_vi", _("Enter the Vietnamese title.")))
    for field, text in (("title_vi", title_vi), ("title_en", title_en), ("theme", theme)):
        if len(text) > TITLE_LENGTH:
            problems.append((field, _("Keep it to %(count)d characters.", count=TITLE_LENGTH)))

    opens_at, closes_at = (parse_local(form.get(field)) for field in ("opens_at", "closes_at"))
    if opens_at is None:
        problems.append(("opens_at", _("Enter when the contest opens (date and time).")))
    if closes_at is None:
        problems.append(("closes_at", _("Enter when the contest closes (date and time).")))
    if opens_at and closes_at and closes_at <= opens_at:
        problems.append(("closes_at", _("The contest must close after it opens.")))

    district_ids, districts_ok = _ids(form, "district_ids", {d.id for d in area.districts})
    school_ids, schools_ok = _ids(form, "school_ids", {s.id for s in area.schools})
    if not districts_ok:
        problems.append(("district_ids", _("Choose only districts of the contest's own area.")))
    if not schools_ok:
        problems.append(("school_ids", _("Choose only schools of the contest's own area.")))
    district_of = {s.id: s.district_id for s in area.schools}
    if district_ids and schools_ok and any(district_of[s] not in district_ids for s in school_ids):
        problems.append(("school_ids", _("A chosen school lies outside the chosen districts, so none of its pupils "
                                         "could play: tick its district too, or untick the school.")))

    grades = sorted({int(g) for g in form.all("grades") if g.isdigit()})
    if len(grades) != len(form.all("grades")) or not set(grades) <= set(GRADES):
        problems.append(("grades", _("Grades go from 1 to 12.")))

    visibility = _choice(form, "visibility", Visibility, problems, _("Choose when the leaderboards are shown."))
    unit_ranking = _choice(form, "unit_ranking", UnitRanking, problems, _("Choose how schools and districts are ranked."))
    unit_top_n = _whole(form, "unit_top_n", problems, minimum=1)
    published = _ticked(form, "published")
    if published and round_count == 0:
        problems.append(("published", _("Add at least one round before publishing the contest.")))

    settings = ContestSettings(
        title_vi=title_vi, title_en=title_en, theme=theme, description_vi=form.get("description_vi"),
        description_en=form.get("description_en"), opens_at=opens_at, closes_at=closes_at,
        district_ids=district_ids, school_ids=school_ids, grades=grades, visibility=visibility,
        full_names_public=_ticked(form, "full_names_public"), unit_ranking=unit_ranking, unit_top_n=unit_top_n,
        published=published,
    )
    return settings, problems


NEW_CONTEST = FormValues({"visibility": [Visibility.LIVE.value], "unit_ranking": [UnitRanking.MEAN_TOP_N.value],
                          "unit_top_n": ["10"]})


def contest_values(contest: Contest) -> FormValues:
    """A saved contest as its form shows it."""
    return FormValues({
        "title_vi": [contest.title_vi], "title_en": [contest.title_en], "theme": [contest.theme],
        "description_vi": [contest.description_vi], "description_en": [contest.description_en],
        "opens_at": [local_input(contest.opens_at)], "closes_at": [local_input(contest.closes_at)],
        "district_ids": [str(i) for i in contest.district_ids], "school_ids": [str(i) for i in contest.school_ids],
        "grades": [str(g) for g in contest.grades], "visibility": [contest.visibility.value],
        "full_names_public": ["true"] if contest.full_names_public else [],
        "unit_ranking": [contest.unit_ranking.value], "unit_top_n": [str(contest.unit_top_n)],
        "published": ["true"] if contest.published else [],
    })


# Rounds --------------------------------------------------------------------------------------------


@dataclass
class RoundSettings:
    """Everything the round form sets; the contest and the position are the route's business."""

    title: str
    language: str
    selection: Selection | None
    question_ids: list[int]
    question_count: int | None
    domain_quotas: dict[str, int]
    difficulty_quotas: dict[str, int]
    seconds_per_question: int | None
    seconds_per_round: int | None
    attempts_allowed: int | None
    counting: Counting | None
    shuffle_questions: bool
    shuffle_options: bool
    explanations: Explanations | None
    scoring: str | None
    speed_floor: float | None
    streak_bonus: int | None
    streak_cap: int | None
    qualifier_round_id: int | None
    qualify_top_n: int | None
    qualify_per: str | None

    def apply(self, round_: Round) -> None:
        for field in fields(self):
            setattr(round_, field.name, getattr(self, field.name))


def _question_numbers(text: str, problems: Problems) -> list[int]:
    ids: list[int] = []
    for token in filter(None, re.split(r"[\s,;]+", text)):
        number = token.removeprefix("#")
        if not number.isdigit():
            problems.append(("question_ids", _("“%(text)s” is not a question number.", text=token)))
        elif int(number) in ids:
            problems.append(("question_ids", _("Question #%(id)s is listed twice.", id=number)))
        else:
            ids.append(int(number))
    return ids


def read_round(form: FormValues, qualifiers: list[Round]) -> tuple[RoundSettings, Problems]:
    """Check the round form on its own; `qualifiers` are the rounds this one may follow as a final."""
    problems: Problems = []
    title = form.get("title")
    if not title:
        problems.append(("title", _("Enter the round's title.")))
    elif len(title) > TITLE_LENGTH:
        problems.append(("title", _("Keep it to %(count)d characters.", count=TITLE_LENGTH)))
    language = _choice(form, "language", LANGUAGES, problems, _("Choose the language of the questions."))
    selection = _choice(form, "selection", Selection, problems, _("Choose how the questions are chosen."))

    question_ids: list[int] = []
    question_count: int | None = None
    domain_quotas: dict[str, int] = {}
    difficulty_quotas: dict[str, int] = {}
    if selection is Selection.FIXED:
        question_ids = _question_numbers(form.get("question_ids"), problems)
        if not question_ids and not any(field == "question_ids" for field, _m in problems):
            problems.append(("question_ids", _("List the numbers of the round's questions, separated by commas.")))
        question_count = len(question_ids)
    elif selection is Selection.RANDOM:
        question_count = _whole(form, "question_count", problems, minimum=1, maximum=200)
        for domain in DOMAINS:
            if quota := _whole(form, f"domain_{domain}", problems, minimum=0, maximum=200, blank=0):
                domain_quotas[domain] = quota
        for difficulty in DIFFICULTIES:
            if quota := _whole(form, f"difficulty_{difficulty}", problems, minimum=0, maximum=200, blank=0):
                difficulty_quotas[difficulty] = quota
        if question_count:
            if sum(domain_quotas.values()) > question_count:
                problems.append(("domain_quotas", _(
                    "The domain quotas ask for %(quota)d questions, more than the %(count)d the round draws.",
                    quota=sum(domain_quotas.values()), count=question_count)))
            if sum(difficulty_quotas.values()) > question_count:
                problems.append(("difficulty_quotas", _(
                    "The difficulty quotas ask for %(quota)d questions, more than the %(count)d the round draws.",
                    quota=sum(difficulty_quotas.values()), count=question_count)))

    seconds_per_question = _whole(form, "seconds_per_question", problems, minimum=1, optional=True)
    seconds_per_round = _whole(form, "seconds_per_round", problems, minimum=1, optional=True)
    if not form.get("seconds_per_question") and not form.get("seconds_per_round"):
        problems.append(("seconds_per_question", _("Give a time limit: seconds per question, for the whole round, "
                                                   "or both.")))
    attempts_allowed = _whole(form, "attempts_allowed", problems, minimum=1)
    counting = _choice(form, "counting", Counting, problems, _("Choose which attempt counts."))
    explanations = _choice(form, "explanations", Explanations, problems, _("Choose when explanations are shown."))

    scoring = _choice(form, "scoring", RULES, problems, _("Choose a scoring rule."))
    speed_floor = _share(form, problems)
    if scoring == "speed" and not form.get("seconds_per_question"):
        problems.append(("scoring", _("Speed scoring needs a time limit per question to measure speed against.")))
    streak_bonus = _whole(form, "streak_bonus", problems, minimum=0)
    streak_cap = _whole(form, "streak_cap", problems, minimum=1)

    qualifier_round_id = None
    qualify_top_n, qualify_per = 3, "school"
    if chosen := form.get("qualifier_round_id"):
        offered = {str(r.id): r.id for r in qualifiers}
        if chosen not in offered:
            problems.append(("qualifier_round_id", _("A final can only follow an earlier round of the same contest.")))
        else:
            qualifier_round_id = offered[chosen]
        qualify_top_n = _whole(form, "qualify_top_n", problems, minimum=1)
        qualify_per = _choice(form, "qualify_per", QUALIFY_PER, problems,
                              _("Choose whether the best qualify per school, per district or in the whole contest."))

    settings = RoundSettings(
        title=title, language=language, selection=selection, question_ids=question_ids, question_count=question_count,
        domain_quotas=domain_quotas, difficulty_quotas=difficulty_quotas, seconds_per_question=seconds_per_question,
        seconds_per_round=seconds_per_round, attempts_allowed=attempts_allowed, counting=counting,
        shuffle_questions=_ticked(form, "shuffle_questions"), shuffle_options=_ticked(form, "shuffle_options"),
        explanations=explanations, scoring=scoring, speed_floor=speed_floor, streak_bonus=streak_bonus,
        streak_cap=streak_cap, qualifier_round_id=qualifier_round_id, qualify_top_n=qualify_top_n,
        qualify_per=qualify_per,
    )
    return settings, problems


def _share(form: FormValues, problems: Problems) -> float | None:
    text = form.get("speed_floor").replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        problems.append(("speed_floor", _("%(field)s: enter a number from 0 to 1, such as 0.5.",
                                          field=_name("speed_floor"))))
        return None
    return value


async def bank_problems(db: AsyncSession, user: CurrentUser, settings: RoundSettings) -> Problems:
    """What only the bank can tell: enough approved questions for a draw, and a fixed list that is playable."""
    problems: Problems = []
    if settings.language is None:
        return problems
    language_name = _(LANGUAGE_NAMES[settings.language])
    approved = select(func.count(Question.id)).where(Question.status == Status.APPROVED,
                                                     Question.language == settings.language)
    if settings.selection is Selection.RANDOM and settings.question_count:
        available = await db.scalar(approved)
        if available < settings.question_count:
            problems.append(("question_count", _(
                "The bank has only %(available)d approved questions in %(language)s; the round draws %(count)d.",
                available=available, language=language_name, count=settings.question_count)))
        for domain, quota in settings.domain_quotas.items():
            available = await db.scalar(approved.where(Question.competences.like(f"%,{domain}.%")))
            if available < quota:
                problems.append((f"domain_{domain}", _(
                    "The bank has only %(available)d approved questions of domain %(domain)s in %(language)s.",
                    available=available, domain=domain, language=language_name)))
        for difficulty, quota in settings.difficulty_quotas.items():
            available = await db.scalar(approved.where(Question.difficulty == difficulty))
            if available < quota:
                problems.append((f"difficulty_{difficulty}", _(
                    "The bank has only %(available)d approved %(difficulty)s questions in %(language)s.",
                    available=available, difficulty=_(DIFFICULTY_NAMES[difficulty]).lower(), language=language_name)))
    if settings.selection is Selection.FIXED and settings.question_ids:
        rows = {row.id: row for row in await db.execute(
            visible_questions(user).with_only_columns(Question.id, Question.status, Question.language)
            .where(Question.id.in_(settings.question_ids)))}
        for question_id in settings.question_ids:
            row = rows.get(question_id)
            if row is None:
                problems.append(("question_ids", _("There is no question #%(id)d in your bank.", id=question_id)))
            elif row.status is not Status.APPROVED:
                problems.append(("question_ids", _("Question #%(id)d is not approved (it is: %(status)s).",
                                                   id=question_id, status=_(STATUSES[row.status]))))
            elif row.language != settings.language:
                problems.append(("question_ids", _("Question #%(id)d is in %(other)s, not in %(language)s.",
                                                   id=question_id, other=_(LANGUAGE_NAMES[row.language]),
                                                   language=language_name)))
    return problems


NEW_ROUND = FormValues({
    "language": ["vi"], "selection": [Selection.RANDOM.value], "question_count": ["10"],
    "seconds_per_question": ["30"], "attempts_allowed": ["1"], "counting": [Counting.BEST.value],
    "shuffle_questions": ["true"], "shuffle_options": ["true"], "explanations": [Explanations.AFTER_EACH.value],
    "scoring": ["accuracy"], "speed_floor": ["0.5"], "streak_bonus": ["0"], "streak_cap": ["5"],
    "qualify_top_n": ["3"], "qualify_per": ["school"],
})


def round_values(round_: Round) -> FormValues:
    """A saved round as its form shows it."""
    values = {
        "title": [round_.title], "language": [round_.language], "selection": [round_.selection.value],
        "question_ids": [", ".join(str(i) for i in round_.question_ids)],
        "question_count": [str(round_.question_count)],
        "seconds_per_question": [str(round_.seconds_per_question or "")],
        "seconds_per_round": [str(round_.seconds_per_round or "")],
        "attempts_allowed": [str(round_.attempts_allowed)], "counting": [round_.counting.value],
        "shuffle_questions": ["true"] if round_.shuffle_questions else [],
        "shuffle_options": ["true"] if round_.shuffle_options else [],
        "explanations": [round_.explanations.value], "scoring": [round_.scoring],
        "speed_floor": [f"{round_.speed_floor:g}"], "streak_bonus": [str(round_.streak_bonus)],
        "streak_cap": [str(round_.streak_cap)], "qualifier_round_id": [str(round_.qualifier_round_id or "")],
        "qualify_top_n": [str(round_.qualify_top_n)], "qualify_per": [round_.qualify_per],
    }
    values |= {f"domain_{d}": [str(n)] for d, n in round_.domain_quotas.items()}
    values |= {f"difficulty_{d}": [str(n)] for d, n in round_.difficulty_quotas.items()}
    return FormValues(values)


def earlier_rounds(rounds: list[Round], round_: Round | None) -> list[Round]:
    """The rounds a round may take its finalists from: those before it (every one, for a new round)."""
    return [r for r in rounds if round_ is None or r.position < round_.position]
