"""Every route, tried as every role and as nobody: who may, who is refused, who sees nothing.

ROUTES lists each route with the actors allowed on a unit of their own and on a foreign one. A test
fails when the app has a route this table does not list, so a new route cannot skip the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.identity import CurrentUser
from contest.contests.models import Contest, Round, Selection
from contest.play.service import start_attempt
from questions.content import QuestionData
from questions.images import store_image
from questions.models import Status
from questions.store import Owner, create_question

from tests.conftest import CARD_CODE, World, login, post_form

ACTORS = {
    "nobody": None,
    "pupil": ("pupil1", CARD_CODE),  # class 0 of school S1
    "teacher": ("teacher1", None),  # school S1 (district D1)
    "district": ("district1", None),  # district D1: schools S1 and S2
    "province": ("province", None),  # everything
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # {own} / {foreign}: a unit inside / outside the teacher's and district organiser's scope
    allowed: frozenset[str]  # actors who get the page for their own unit
    foreign_allowed: frozenset[str] = frozenset({"province"})
    form: tuple[tuple[str, str], ...] = ()
    upload: bytes | None = None  # sent as the form's "file"
    ok: int = 200  # what an allowed actor gets (302 for a form that redirects when done)

    def fill(self, world: World, things: dict[str, list], foreign: bool) -> tuple[str, dict[str, str]]:
        """The URL and form, with {placeholders} naming the own or the foreign object."""
        unit = {
            "district": world.districts[1 if foreign else 0].id,
            "school": world.schools[2 if foreign else 0].id,
            "class": world.classes[4 if foreign else 0].id,
            **{name: ids[1 if foreign else 0] for name, ids in things.items()},
        }
        return self.path.format(**unit), {key: value.format(**unit) for key, value in self.form}


STAFF = frozenset({"teacher", "district", "province"})
PUPIL = frozenset({"pupil"})
NOBODY: frozenset[str] = frozenset()
ANYONE = frozenset(ACTORS)
SIGNED_IN = ANYONE - {"nobody"}

QUESTION_FORM = (("type", "single_choice"), ("language", "vi"), ("stem", "Câu hỏi kiểm tra quyền?"), ("option_1", "Có"),
                 ("option_2", "Không"), ("correct", "1"), ("explanation", "Vì thế."), ("competences", "4.2"),
                 ("confirm_duplicate", "true"))
CONTEST_FORM = (("title_vi", "Hội thi"), ("opens_at", "2026-10-01T08:00"), ("closes_at", "2026-10-22T17:00"),
                ("visibility", "live"), ("unit_ranking", "mean_top_n"), ("unit_top_n", "10"))
ROUND_FORM = (("title", "Vòng"), ("language", "vi"), ("selection", "random"), ("question_count", "1"),
              ("seconds_per_question", "30"), ("attempts_allowed", "1"), ("counting", "best"),
              ("explanations", "after_each"), ("scoring", "accuracy"), ("speed_floor", "0.5"), ("streak_bonus", "0"),
              ("streak_cap", "5"), ("qualify_top_n", "3"), ("qualify_per", "school"))
ROUTES = [
    Route("GET", "/", SIGNED_IN),
    Route("GET", "/districts/{district}", frozenset({"district", "province"})),
    Route("GET", "/schools/{school}", STAFF),
    Route("GET", "/classes/{class}", STAFF),
    Route("POST", "/classes/{class}/cards", STAFF),
    Route("GET", "/import", STAFF),
    Route("POST", "/import", STAFF, form=(("kind", "pupils"), ("dry_run", "true")),
          upload=b"school_code,class,full_name,pupil_number\n"),
    Route("GET", "/questions", STAFF),
    Route("POST", "/questions/bulk", STAFF, form=(("action", "tag"), ("tag", "x"), ("ids", "{question}"))),
    Route("GET", "/questions/new", STAFF),
    Route("POST", "/questions/check", STAFF, form=QUESTION_FORM),
    Route("POST", "/questions/new", STAFF, form=QUESTION_FORM, ok=302),
    Route("GET", "/questions/{question}", STAFF),
    Route("GET", "/questions/{question}/edit", STAFF),
    Route("POST", "/questions/{question}/edit", STAFF, form=QUESTION_FORM, ok=302),
    Route("GET", "/questions/{question}/preview", STAFF),
    Route("POST", "/questions/{question}/review", STAFF, form=(("action", "comment"), ("comment", "ok")), ok=302),
    Route("GET", "/media/{image}", SIGNED_IN, foreign_allowed=SIGNED_IN),
    Route("GET", "/questions/import", STAFF),
    Route("POST", "/questions/import", STAFF, form=(("format", "json"),),
          upload=b'{"format": "hoithi-questions", "version": 1, "questions": []}'),
    Route("POST", "/questions/import/confirm", STAFF, form=(("token", "0123456789abcdefXYZ"), ("format", "json")),
          ok=400),  # no such pending upload: a clear refusal
    Route("GET", "/questions/export", STAFF),
    Route("GET", "/contests", PUPIL),
    Route("GET", "/contests/{contest}", PUPIL, foreign_allowed=NOBODY),
    Route("POST", "/contests/{contest}/rounds/{round}/start", PUPIL, foreign_allowed=NOBODY, ok=302),
    Route("GET", "/play/{attempt}", PUPIL, foreign_allowed=NOBODY),  # the foreign attempt is a classmate's
    Route("POST", "/play/{attempt}", PUPIL, foreign_allowed=NOBODY, form=(("q", "not-a-question"),), ok=409),
    Route("GET", "/play/{attempt}/result", PUPIL, foreign_allowed=NOBODY, ok=302),  # unfinished: back to play
    Route("GET", "/play/{attempt}/review", PUPIL, foreign_allowed=NOBODY, ok=302),
    Route("GET", "/practice", PUPIL),
    Route("POST", "/practice", PUPIL, form=(("q", "not-a-question"),), ok=409),
    Route("GET", "/me", PUPIL),
    Route("GET", "/manage/contests", STAFF),
    Route("GET", "/manage/contests/new", STAFF),
    Route("POST", "/manage/contests/new", STAFF, form=CONTEST_FORM, ok=302),
    Route("GET", "/manage/contests/{managed}", STAFF),
    Route("POST", "/manage/contests/{managed}", STAFF, form=CONTEST_FORM, ok=302),
    Route("GET", "/manage/contests/{managed}/rounds/new", STAFF),
    Route("POST", "/manage/contests/{managed}/rounds/new", STAFF, form=ROUND_FORM, ok=302),
    Route("GET", "/manage/rounds/{managed_round}", STAFF),
    Route("POST", "/manage/rounds/{managed_round}", STAFF, form=ROUND_FORM, ok=302),
    Route("GET", "/manage/contests/{managed}/participation", STAFF),
    Route("POST", "/manage/contests/{managed}/freeze", STAFF, ok=302),
    Route("GET", "/manage/contests/{managed}/reveal", STAFF),
    Route("POST", "/manage/contests/{managed}/reveal", STAFF),
    Route("POST", "/manage/contests/{managed}/unfreeze", STAFF, ok=302),
    # Issue 9: a pupil's data, exported and deleted by the staff over their class ({pupil} is not pupil1).
    Route("GET", "/pupils/{pupil}/data", STAFF),
    Route("GET", "/pupils/{pupil}/data.json", STAFF),
    Route("POST", "/pupils/{pupil}/delete", STAFF, form=(("confirm", "yes"),), ok=302),
]
PUBLIC_PATHS = {"/healthz", "/login", "/logout", "/language", "/static", "/privacy",
                # Boards follow each contest's visibility rule, for everyone alike: tests/test_leaderboards.py.
                "/boards", "/api/v1/contests"}


async def sign_in(client: AsyncTestClient, actor: str) -> None:
    credentials = ACTORS[actor]
    if credentials is not None:
        username, secret = credentials
        response = await (login(client, username, secret) if secret else login(client, username))
        assert response.status_code == 302, f"{actor} could not log in"


def _expected(route: Route, actor: str, foreign: bool) -> int:
    if actor == "nobody":
        return 302  # to the login page
    if actor in (route.foreign_allowed if foreign else route.allowed):
        return route.ok
    if actor in route.allowed:
        return 404  # the right role, but someone else's unit: as if it did not exist
    return 403


@pytest.fixture
async def things(db: AsyncSession, world: World, settings) -> dict[str, list[int]]:
    """Objects the routes act on: [one inside the teacher's and district organiser's scope, one outside]."""
    drafts = []
    for teacher in (world.teachers[0], world.teachers[2]):
        author = CurrentUser.of(teacher)
        data = QuestionData(type="true_false", stem=f"Câu của {teacher.username}", answer_true=True, competences=["4.1"],
                            explanation="Vì vậy.")
        drafts.append(await create_question(db, data, author=author, owner=Owner.of(author)))
    await db.commit()
    image = store_image(settings.upload_dir, b"GIF89a" + bytes(20))
    approved = await create_question(db, QuestionData(type="true_false", stem="Đúng hay sai?", answer_true=True,
                                                      competences=["4.1"], explanation="Vì vậy."),
                                     author=None, owner=Owner(), status=Status.APPROVED)
    now = datetime.now(timezone.utc)
    managed = [Contest(title_vi=f"Cuộc thi của trường {n}", school_id=world.schools[n].id, opens_at=now,
                       closes_at=now + timedelta(hours=1)) for n in (0, 2)]  # schools S1 (own) and S3 (foreign)
    managed_rounds = [Round(contest=c, title="Vòng", selection=Selection.FIXED, question_ids=[approved.id],
                            question_count=1, seconds_per_question=30) for c in managed]
    db.add_all(managed + managed_rounds)
    contests = [Contest(title_vi=f"Cuộc thi {n}", province_id=world.province.id, opens_at=now - timedelta(hours=1),
                        closes_at=now + timedelta(hours=1), published=True, district_ids=districts)
                for n, districts in ((1, []), (2, [world.districts[1].id]))]  # the second is not open to pupil1
    rounds = [Round(contest=c, title="Vòng 1", selection=Selection.FIXED, question_ids=[approved.id], question_count=1,
                    seconds_per_question=30) for c in contests]
    db.add_all(contests + rounds)
    await db.commit()
    attempts = [await start_attempt(db, contests[0], rounds[0], CurrentUser.of(pupil)) for pupil in world.pupils[:2]]
    return {"question": [q.id for q in drafts], "image": [image, image], "contest": [c.id for c in contests],
            "round": [r.id for r in rounds], "attempt": [a.token for a in attempts],
            "managed": [c.id for c in managed], "managed_round": [r.id for r in managed_rounds],
            **await live_games_of_two_schools(db, world, settings),  # issue 7, below
            "pupil": [world.pupils[2].id, world.pupils[8].id]}  # class 1 of S1, class 4 of S3


@pytest.mark.parametrize("actor", list(ACTORS))
async def test_every_route_answers_each_actor_by_role_and_scope(client: AsyncTestClient, world: World, things, actor: str):
    await sign_in(client, actor)
    failures = []
    for route in ROUTES:
        for foreign in (False, True) if "{" in route.path + str(route.form) else (False,):
            url, form = route.fill(world, things, foreign)
            if route.method == "GET":
                response = await client.get(url)
            else:
                files = {"file": ("upload.csv", route.upload, "text/csv")} if route.upload is not None else None
                response = await post_form(client, url, form, files=files)
            expected = _expected(route, actor, foreign)
            if response.status_code != expected:
                failures.append(f"{actor} {route.method} {url} ({'foreign' if foreign else 'own'}): "
                                f"{response.status_code}, expected {expected}")
            if actor == "nobody":
                assert response.headers.get("location", "").startswith("/login"), url
    assert not failures, "\n".join(failures)


async def test_a_teacher_never_sees_another_schools_pupils(client: AsyncTestClient, world: World):
    await login(client, "teacher1")
    own = await client.get(f"/classes/{world.classes[0].id}")
    assert world.pupils[0].full_name in own.text
    for school_class in world.classes[2:]:
        response = await client.get(f"/classes/{school_class.id}")
        assert response.status_code == 404
        assert not any(p.full_name in response.text for p in world.pupils if p.class_id == school_class.id)


async def test_every_route_of_the_app_is_in_the_table(client: AsyncTestClient):
    listed = {(route.method, route.path.split("{")[0].rstrip("/") or "/") for route in ROUTES}
    missing = []
    for app_route in client.app.routes:
        path = app_route.path
        if any(path.startswith(public) for public in PUBLIC_PATHS) or path.startswith("/api/schema"):
            continue
        for method in sorted(app_route.methods - {"HEAD", "OPTIONS"}):
            prefix = path.split("{")[0].rstrip("/") or "/"
            if (method, prefix) not in listed:
                missing.append(f"{method} {path}")
    assert not missing, f"routes missing from the scope table: {missing}"


# Issue 7: live games. Staff drive the games of their scope ({game}: hosted by teacher1 of S1, and by
# teacher3 of S3); players join by PIN under /g, as guests too (tests/test_games.py).
ROUTES += [
    Route("GET", "/manage/games", STAFF),
    Route("POST", "/manage/games/new", STAFF, form=(("title", "Trò chơi"), ("question_count", "1")), ok=302),
    Route("GET", "/manage/games/{game}", STAFF),
    Route("GET", "/manage/games/{game}/players", STAFF),
    Route("POST", "/manage/games/{game}/players/1/rename", STAFF, form=(("nickname", "Tên mới"),), ok=303),
    Route("POST", "/manage/games/{game}/players/1/kick", STAFF, ok=303),
    Route("POST", "/manage/games/{game}/advance", STAFF, ok=303),
    Route("POST", "/manage/games/{game}/pause", STAFF, ok=303),
    Route("POST", "/manage/games/{game}/resume", STAFF, ok=303),
    Route("POST", "/manage/games/{game}/skip", STAFF, ok=303),
    Route("POST", "/manage/games/{game}/end", STAFF, ok=303),
    Route("GET", "/manage/games/{game}/results", STAFF),
    Route("GET", "/manage/games/{game}/results.csv", STAFF),
    Route("GET", "/manage/games/{game}/results.xlsx", STAFF),
]
PUBLIC_PATHS |= {"/g"}


async def live_games_of_two_schools(db: AsyncSession, world: World, settings) -> dict[str, list[int]]:
    from redis.asyncio import Redis
    from sqlalchemy import select

    from contest.games.service import NewGame, create_game, join
    from contest.games.state import GameStore
    from contest.play.scoring import Rule
    from questions.models import Question

    question = await db.scalar(select(Question).where(Question.status == Status.APPROVED))
    redis = Redis.from_url(settings.redis_url)
    games = []
    for teacher in (world.teachers[0], world.teachers[2]):
        game = await create_game(db, redis, CurrentUser.of(teacher),
                                 NewGame("Trò chơi", [(question.id, question.current_version_id)], 20, Rule()))
        store = GameStore(redis)
        await join(store, await store.snapshot(game.id), "Khách", None, None)
        games.append(game.id)
    await redis.aclose()
    return {"game": games}


# Issue 8: reports. {managed} contests are owned by S1 (own) and S3 (foreign); {contest} is a province
# contest every member of staff may report on, narrowed to a school of their own or a foreign one.
# Certificates are checked in public under /verify (tests/test_certificates.py).
CERTIFICATE_TEMPLATE = (("organiser_title", "Sở Giáo dục"), ("signer_title", "Giám đốc"), ("signer_name", "Trần Văn Đức"))
ROUTES += [
    Route("GET", "/reports", STAFF),
    Route("GET", "/reports/contests/{managed}", STAFF),
    Route("GET", "/reports/contests/{managed}/results", STAFF),
    Route("GET", "/reports/contests/{managed}/items", STAFF),
    Route("GET", "/reports/contests/{managed}/certificates", STAFF),
    Route("POST", "/reports/contests/{managed}/certificates/template", STAFF, form=CERTIFICATE_TEMPLATE, ok=302),
    Route("GET", "/reports/contests/{contest}/export?format=csv&scope=school:{school}", STAFF),
    Route("POST", "/reports/contests/{contest}/certificates/batch", STAFF, form=(("school", "{school}"),),
          ok=409),  # the contest is still open: certificates come after it closes
    # A batch is its starter's only (tests/test_certificates.py); {{…}} is a literal token nobody started.
    Route("GET", "/reports/batches/{{no-such-batch}}", STAFF, ok=404),
    Route("GET", "/reports/batches/{{no-such-batch}}/pdf", STAFF, ok=404),
]
PUBLIC_PATHS |= {"/verify"}
