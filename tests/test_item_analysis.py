"""Item analysis (issue 8): statistics checked against worked examples computed by hand (docs/reports.md)."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from contest.reports.access import ReportScope
from contest.reports.items import analyse_round, discrimination, flags_of, option_shares
from questions.content import QuestionData
from questions.statistics import QuestionStatistics

from tests.conftest import World, login
from tests.test_reports import add_attempt, bank_question, closed_contest, single_choice

RIGHT, WRONG = 1.0, 0.0


def test_discrimination_of_the_worked_example():
    # Ten answers ranked by attempt score; groups of round(0.27 × 10) = 3.
    # Upper three (scores 10, 9, 8): right, right, wrong → 2/3. Lower three (3, 2, 1): wrong, right, wrong → 1/3.
    answers = [(10, True), (9, True), (8, False), (7, True), (6, False), (5, True), (4, False), (3, False), (2, True),
               (1, False)]
    assert discrimination(answers) == pytest.approx(1 / 3)
    assert discrimination(list(reversed(answers))) == pytest.approx(1 / 3)  # the order given does not matter


def test_discrimination_is_negative_when_the_weak_do_better_and_absent_below_two_answers():
    assert discrimination([(9, False), (8, False), (2, True), (1, True)]) == -1.0  # groups of one: 0 − 1
    assert discrimination([(5, True)]) is None


def test_option_shares_count_each_pick_once():
    data = single_choice("?")
    shares = option_shares(data, [[0], [1], [1], [0, 0]])
    assert [(s.text, s.correct, s.picks) for s in shares] == [("Đáp án A", True, 2), ("Đáp án B", False, 2),
                                                                ("Đáp án C", False, 0), ("Đáp án D", False, 0)]
    true_false = QuestionData(type="true_false", stem="?", answer_true=False)
    assert [(s.correct, s.picks) for s in option_shares(true_false, [[1], [1], [0]])] == [(False, 1), (True, 2)]


def test_no_flag_before_ten_answers():
    few = QuestionStatistics(shown=9, answered=9, correct_rate=0.0, mean_ms=1000)
    assert flags_of(few, -1.0, ()) == ()
    enough = QuestionStatistics(shown=10, answered=10, correct_rate=0.0, mean_ms=1000)
    assert flags_of(enough, -1.0, ()) == ("negative_discrimination", "too_hard")


async def test_a_round_analysed_from_the_database_matches_the_hand_computation(client: AsyncTestClient, db: AsyncSession,
                                                                                world: World):
    """Ten pupils, scores 10 down to 1; an eleventh timed out on every question.

    Q1 (single choice, A right): right for pupils 1, 2, 4, 6, 9 → facility 5/10; upper 2/3, lower 1/3 → D = 1/3;
       wrong answers B, B, C, B, C → A 5, B 3, C 2, D 0 (a distractor nobody picks); times 1..10 s → mean 5.5 s.
    Q2 (true or false, true right): right for pupils 4, 8, 9, 10 → facility 0.4; upper 0/3, lower 3/3 → D = −1.
    Q3 (single choice): right for pupil 1 only → facility 0.1 (almost nobody); upper 1/3, lower 0 → D = 1/3."""
    q1 = await bank_question(db, single_choice("Câu một: mật khẩu nào mạnh nhất?"))
    q2 = await bank_question(db, QuestionData(type="true_false", stem="Câu hai: đúng hay sai?", answer_true=True,
                                              competences=["1.2"], explanation="Vì vậy."))
    q3 = await bank_question(db, single_choice("Câu ba: khó nhất?", "2.1"))
    contest, round_ = await closed_contest(db, world, [q1, q2, q3])
    q1_right, q1_wrong_choice = {1, 2, 4, 6, 9}, {3: 1, 5: 1, 7: 2, 8: 1, 10: 2}
    q2_right = {4, 8, 9, 10}
    for n in range(1, 11):
        answers = [
            (q1, RIGHT if n in q1_right else WRONG, [0] if n in q1_right else [q1_wrong_choice[n]], 1000 * n),
            (q2, RIGHT if n in q2_right else WRONG, [0] if n in q2_right else [1], 4000),
            (q3, RIGHT if n == 1 else WRONG, [0] if n == 1 else [1 + n % 3], 3000),
        ]
        await add_attempt(db, contest, round_, world.pupils[n - 1], score=11 - n, answers=answers)
    await add_attempt(db, contest, round_, world.pupils[10], score=0, answers=[(q, None, None, None) for q in (q1, q2, q3)])

    items = {item.question_id: item for item in await analyse_round(db, contest, round_, ReportScope("contest", None, "all"))}
    first, second, third = items[q1.id], items[q2.id], items[q3.id]
    assert (first.statistics.shown, first.statistics.answered) == (11, 10)  # the timed-out answer is not an answer
    assert first.facility == pytest.approx(0.5)
    assert first.discrimination == pytest.approx(1 / 3)
    assert [option.picks for option in first.options] == [5, 3, 2, 0]
    assert first.statistics.mean_ms == pytest.approx(5500)
    assert first.flags == ("unused_distractor",)
    assert second.facility == pytest.approx(0.4) and second.discrimination == pytest.approx(-1.0)
    assert [(o.correct, o.picks) for o in second.options] == [(True, 4), (False, 6)]
    assert second.flags == ("negative_discrimination",)
    assert third.facility == pytest.approx(0.1) and third.discrimination == pytest.approx(1 / 3)
    assert "too_hard" in third.flags

    await login(client, "province")
    page = await client.get(f"/reports/contests/{contest.id}/items")
    assert page.status_code == 200
    assert f'href="/questions/{q2.id}"' in page.text
    assert "Stronger pupils miss it more often than weaker ones" in page.text
    # Flagged questions first, the hardest of them first.
    assert page.text.index("Câu ba") < page.text.index("Câu hai") < page.text.index("Câu một")
