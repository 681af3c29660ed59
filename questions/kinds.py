"""Question types as classes with one small interface.

Each kind knows how to show itself to a pupil (`play_view`, which never carries the answer), how to
read what the pupil sent (`read_response`), how to score it (`credit`, from 0 to 1) and how to say
what was right (`describe_answer`). Adding a type means adding a class here and its play partial
in templates/play/, nothing else.

Choices are shown under opaque tokens in a shuffled order; the caller keeps the token → option map
(the attempt stores it), so nothing in the page reveals which option is which.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, ClassVar

from contest.i18n import gettext as _
from questions.content import QuestionData


_COMBINING_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str, *, diacritics: bool = False) -> str:
    """Lower case, single spaces, no surrounding punctuation; without diacritics unless kept."""
    text = " ".join(text.casefold().split()).strip(" .,;:!?\"'“”")
    if diacritics:
        return text
    return _COMBINING_MARKS.sub("", unicodedata.normalize("NFD", text.replace("đ", "d")))


@dataclass(frozen=True)
class Choice:
    token: str  # opaque, per attempt
    text: str
    match_choices: tuple[str, ...] = ()  # matching: the right-hand items to pick from


@dataclass(frozen=True)
class PlayView:
    """What the pupil's page gets: the question without any sign of its answer."""

    kind: str
    stem: str
    image: str
    choices: tuple[Choice, ...] = ()
    input: str = "choice"  # choice | multi | text | number | order | match


@dataclass
class Response:
    """A pupil's answer in the question's own terms (option indices, text or number)."""

    chosen: list[int] = field(default_factory=list)  # option indices; ordering: indices in the pupil's order
    text: str = ""
    number: float | None = None
    pairs: dict[int, str] = field(default_factory=dict)  # matching: option index → right-hand item

    def is_empty(self) -> bool:
        return not (self.chosen or self.text.strip() or self.number is not None or self.pairs)


class Kind:
    name: ClassVar[str]
    input: ClassVar[str]

    def play_view(self, data: QuestionData, order: list[int], tokens: list[str]) -> PlayView:
        """`order`: option indices in display order; `tokens[i]` is the token shown for order[i]."""
        choices = tuple(Choice(token, data.options[index].text) for index, token in zip(order, tokens))
        return PlayView(self.name, data.stem, data.image, choices, self.input)

    def read_response(self, form: dict[str, list[str]], token_to_index: dict[str, int]) -> Response:
        chosen = [token_to_index[t] for t in form.get("choice", []) if t in token_to_index]
        return Response(chosen=list(dict.fromkeys(chosen)))

    def credit(self, data: QuestionData, response: Response) -> float:
        raise NotImplementedError

    def describe_answer(self, data: QuestionData) -> str:
        return "; ".join(option.text for option in data.options if option.correct)


class SingleChoice(Kind):
    name, input = "single_choice", "choice"

    def credit(self, data: QuestionData, response: Response) -> float:
        return 1.0 if len(response.chosen) == 1 and data.options[response.chosen[0]].correct else 0.0


class MultipleResponse(Kind):
    """Partial credit: (right ticks − wrong ticks) ÷ number of right options, never below 0."""

    name, input = "multiple_response", "multi"

    def credit(self, data: QuestionData, response: Response) -> float:
        right = sum(1 for option in data.options if option.correct)
        ticked_right = sum(1 for i in response.chosen if data.options[i].correct)
        ticked_wrong = len(response.chosen) - ticked_right
        return max(0.0, (ticked_right - ticked_wrong) / right)


class TrueFalse(Kind):
    name, input = "true_false", "choice"
    # Shown as two choices; index 0 is "true", 1 is "false".

    def play_view(self, data: QuestionData, order: list[int], tokens: list[str]) -> PlayView:
        labels = [_("True"), _("False")]
        return PlayView(self.name, data.stem, data.image, tuple(Choice(t, labels[i]) for i, t in zip(order, tokens)), self.input)

    def credit(self, data: QuestionData, response: Response) -> float:
        return 1.0 if response.chosen == [0 if data.answer_true else 1] else 0.0

    def describe_answer(self, data: QuestionData) -> str:
        return _("True") if data.answer_true else _("False")


class ShortText(Kind):
    name, input = "short_text", "text"

    def play_view(self, data: QuestionData, order: list[int], tokens: list[str]) -> PlayView:
        return PlayView(self.name, data.stem, data.image, (), self.input)

    def read_response(self, form: dict[str, list[str]], token_to_index: dict[str, int]) -> Response:
        return Response(text=(form.get("text") or [""])[0][:500])

    def credit(self, data: QuestionData, response: Response) -> float:
        keep = not data.ignore_diacritics
        given = fold(response.text, diacritics=keep)
        return 1.0 if given and any(fold(answer, diacritics=keep) == given for answer in data.answers) else 0.0

    def describe_answer(self, data: QuestionData) -> str:
        return " / ".join(data.answers)


NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def _format_number(value: float) -> str:
    return f"{value:g}"


class Numeric(Kind):
    name, input = "numeric", "number"

    def play_view(self, data: QuestionData, order: list[int], tokens: list[str]) -> PlayView:
        return PlayView(self.name, data.stem, data.image, (), self.input)

    def read_response(self, form: dict[str, list[str]], token_to_index: dict[str, int]) -> Response:
        typed = (form.get("number") or [""])[0].strip().replace(" ", "")
        if not NUMBER.match(typed):
            return Response(text=typed[:50])
        return Response(number=float(typed.replace(",", ".")))  # Vietnamese writes 3,5 for 3.5

    def credit(self, data: QuestionData, response: Response) -> float:
        if response.number is None or data.numeric_answer is None or not math.isfinite(response.number):
            return 0.0
        return 1.0 if abs(response.number - data.numeric_answer) <= data.tolerance + 1e-9 else 0.0

    def describe_answer(self, data: QuestionData) -> str:
        answer = _format_number(data.numeric_answer or 0)
        return f"{answer} ± {_format_number(data.tolerance)}" if data.tolerance else answer


class Ordering(Kind):
    """Credit: the share of items the pupil put in their right place."""

    name, input = "ordering", "order"

    def read_response(self, form: dict[str, list[str]], token_to_index: dict[str, int]) -> Response:
        # One field per shown item, "rank_<token>" = the position the pupil gave it (1-based).
        ranked = []
        for token, index in token_to_index.items():
            value = (form.get(f"rank_{token}") or [""])[0]
            if value.isdigit():
                ranked.append((int(value), index))
        return Response(chosen=[index for _, index in sorted(ranked)])

    def credit(self, data: QuestionData, response: Response) -> float:
        if len(response.chosen) != len(data.options):
            return 0.0
        return sum(1 for position, index in enumerate(response.chosen) if position == index) / len(data.options)

    def describe_answer(self, data: QuestionData) -> str:
        return " → ".join(option.text for option in data.options)


class Matching(Kind):
    """Credit: the share of left-hand items paired with their right-hand item."""

    name, input = "matching", "match"

    def play_view(self, data: QuestionData, order: list[int], tokens: list[str]) -> PlayView:
        right_side = tuple(sorted({option.match for option in data.options}, key=fold))
        choices = tuple(Choice(t, data.options[i].text, right_side) for i, t in zip(order, tokens))
        return PlayView(self.name, data.stem, data.image, choices, self.input)

    def read_response(self, form: dict[str, list[str]], token_to_index: dict[str, int]) -> Response:
        pairs = {index: (form.get(f"match_{token}") or [""])[0] for token, index in token_to_index.items()}
        return Response(pairs={index: value for index, value in pairs.items() if value})

    def credit(self, data: QuestionData, response: Response) -> float:
        right = sum(1 for index, option in enumerate(data.options) if response.pairs.get(index) == option.match)
        return right / len(data.options)

    def describe_answer(self, data: QuestionData) -> str:
        return "; ".join(f"{option.text} → {option.match}" for option in data.options)


KINDS: dict[str, Kind] = {kind.name: kind for kind in
                          (SingleChoice(), MultipleResponse(), TrueFalse(), ShortText(), Numeric(), Ordering(), Matching())}


def kind_of(data: QuestionData) -> Kind:
    return KINDS[data.type]


def option_count(data: QuestionData) -> int:
    """How many things the pupil picks among: options, or the two of true/false."""
    return 2 if data.type == "true_false" else len(data.options)


def response_as_json(response: Response) -> dict[str, Any]:
    return {"chosen": response.chosen, "text": response.text, "number": response.number,
            "pairs": {str(k): v for k, v in response.pairs.items()}}
