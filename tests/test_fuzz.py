"""Bad input, generated: every form and query of the app, fuzzed with Hypothesis.

For each route of the scope table (tests/test_scopes.py), Hypothesis sends mangled versions of a valid
request as a user allowed to make it: fields emptied, dropped, too long, of the wrong kind, with
control characters, markup or SQL; extra fields; a missing or forged CSRF token; garbage uploads.
Whatever comes in, the app answers without a server error, and a request it refuses (4xx) leaves the
database exactly as it was. HOITHI_FUZZ_EXAMPLES raises the number of examples per route (default 12).
"""

from __future__ import annotations

import hashlib
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.app import MAX_REQUEST_BODY
from contest.models import Base
from tests.conftest import World, csrf_token, login
from tests.test_scopes import ROUTES, Route, sign_in, things  # noqa: F401  (things is a fixture used here)

FUZZ = settings(max_examples=int(os.environ.get("HOITHI_FUZZ_EXAMPLES", "12")), deadline=None, derandomize=True,
                database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

NASTY = ["", " ", "0", "-1", "1.5", "99999999999999999999999", "NaN", "inf", "1e309", "true", "null", "[]", "{}",
         "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "%00", "\x00", "\u202e", "１２", "Ⅻ",
         "２０２６-１０-０１", "2026-02-30T25:61", "9999-12-31T23:59", "x" * 5000, "ệ" * 300]
values = st.one_of(st.sampled_from(NASTY), st.text(max_size=60), st.integers().map(str))
field_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_[]", min_size=1, max_size=12)
uploads = st.one_of(st.binary(max_size=400), st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe\x00", b"a,b\n" * 200,
                                                            b'{"format": "hoithi-questions", "questions": [{}]}']))


def _actor(route: Route) -> str:
    return next(actor for actor in ("province", "pupil") if actor in route.allowed)


def _mangled(route: Route) -> st.SearchStrategy[dict[str, str]]:
    """The route's own form with each field kept, changed or dropped, plus maybe a few fields of our own."""
    def field(name: str) -> st.SearchStrategy:
        return st.one_of(st.just(None), values)  # None: the field is left out

    own = st.fixed_dictionaries({name: field(name) for name, _ in route.form})
    extra = st.dictionaries(field_names, values, max_size=3)
    return st.tuples(own, extra).map(lambda both: {**both[1], **{k: v for k, v in both[0].items() if v is not None}})


async def _database_state(db: AsyncSession) -> str:
    """A digest of every row of every table, to tell whether a request changed anything."""
    digest = hashlib.sha256()
    async with db.bind.connect() as connection:  # its own connection: the test's session and objects stay as they are
        for table in Base.metadata.sorted_tables:
            rows = (await connection.execute(select(table))).all()
            digest.update(f"{table.name}:{sorted(map(repr, rows))}".encode())
    return digest.hexdigest()


QUESTION_FIELD = re.compile(r'name="q" value="([^"]+)"')
POSTS = [route for route in ROUTES if route.method == "POST"]
GETS = [route for route in ROUTES if route.method == "GET"]


@pytest.mark.parametrize("route", POSTS, ids=lambda route: route.path)
@FUZZ
@given(form=st.data())
async def test_mangled_forms_never_break_the_app_and_refusals_change_nothing(
        client: AsyncTestClient, db: AsyncSession, world: World, things, route: Route, form):
    if not client.cookies.get("hoithi_session"):
        await sign_in(client, _actor(route))
    url, valid = route.fill(world, things, foreign=False)
    fields = form.draw(_mangled(Route(route.method, route.path, route.allowed, form=tuple(valid.items()))))
    token = form.draw(st.sampled_from(["valid", "valid", "valid", "missing", "forged"]))
    if token != "missing":
        fields["_csrf_token"] = await csrf_token(client, "/login") if token == "valid" else "forged-token"
    files = {"file": ("upload.csv", form.draw(uploads), "text/csv")} if route.upload is not None else None

    before = await _database_state(db)
    response = await client.post(url, data=fields, files=files)
    assert response.status_code < 500, f"{route.path} {fields!r}: {response.status_code}\n{response.text[:2000]}"
    if token != "valid":
        assert response.status_code == 403
    if response.status_code >= 400:
        assert await _database_state(db) == before, f"{route.path} refused {fields!r} but changed the database"


@pytest.mark.parametrize("actor", ["province", "pupil"])
@FUZZ
@given(query=st.dictionaries(st.sampled_from(["scope", "unit", "offset", "limit", "round", "page", "q", "status",
                                              "type", "language", "competence", "sort", "format", "u"]) | field_names,
                             values, max_size=4))
async def test_mangled_queries_never_break_a_page(client: AsyncTestClient, world: World, things, actor: str, query):
    if not client.cookies.get("hoithi_session"):
        await sign_in(client, actor)
    contest = things["contest"][0]
    urls = [route.fill(world, things, foreign=False)[0] for route in GETS if actor in route.allowed]
    urls += [f"/boards/{contest}", f"/boards/{contest}/projector", f"/api/v1/contests/{contest}/boards"]
    for url in urls:
        response = await client.get(url, params=query)
        assert response.status_code < 500, f"{url}?{query!r}: {response.status_code}\n{response.text[:2000]}"


@FUZZ
@given(answer=st.fixed_dictionaries({}, optional={name: values for name in
                                                 ("choice", "choices", "text", "number", "order", "pairs", "client_ms")}),
       real_question=st.booleans())
async def test_mangled_answers_are_refused_or_scored_never_a_server_error(
        client: AsyncTestClient, db: AsyncSession, world: World, things, answer: dict, real_question: bool):
    """The answer form of a real question in play, its fields mangled: refused cleanly, or saved as an answer."""
    if not client.cookies.get("hoithi_session"):
        await sign_in(client, "pupil")
    url = f"/play/{things['attempt'][0]}"
    page = await client.get(url)
    question = QUESTION_FIELD.search(page.text)
    fields = {**answer, "q": question.group(1) if question and real_question else "x" * 40}
    fields["_csrf_token"] = await csrf_token(client, "/login")
    before = await _database_state(db)
    response = await client.post(url, data=fields)
    assert response.status_code < 500, f"{fields!r}: {response.status_code}\n{response.text[:2000]}"
    if response.status_code >= 400:
        assert await _database_state(db) == before


# Oversized requests are refused from their headers, before the body is read.

@pytest.mark.parametrize("path", ["/import", "/questions/import"])
async def test_an_oversized_upload_is_refused_with_413_and_nothing_is_imported(
        client: AsyncTestClient, db: AsyncSession, world: World, path: str):
    await login(client, "province")
    token = await csrf_token(client, "/login")
    before = await _database_state(db)
    roster = b"school_code,class,full_name,pupil_number\n" + b"S1,6A,Nguyen Van An,001\n" * (MAX_REQUEST_BODY // 20)
    response = await client.post(path, data={"_csrf_token": token, "kind": "pupils", "format": "csv"},
                                 files={"file": ("big.csv", roster, "text/csv")})
    assert response.status_code == 413
    assert await _database_state(db) == before


async def test_a_body_that_claims_to_be_huge_is_refused_before_it_is_sent(client: AsyncTestClient, world: World):
    await login(client, "province")
    response = await client.post("/import", content=b"x", headers={"content-length": str(MAX_REQUEST_BODY + 1),
                                                                   "content-type": "multipart/form-data; boundary=x"})
    assert response.status_code == 413
