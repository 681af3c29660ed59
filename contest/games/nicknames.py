"""Guest nicknames: short, printable, and free of rude words in Vietnamese or English.

Vietnamese words are matched as whole words with their diacritics, because without them many rude
words collide with everyday ones ("lồn" and "lớn" both fold to "lon"). English words, and the
Vietnamese slang that is written without diacritics ("dm", "vcl"), are matched after folding, with
the usual digit-for-letter disguises undone; English ones also inside longer words ("xxfuckxx").
"""

from __future__ import annotations

import re

from contest.i18n import gettext as _
from questions.kinds import fold

MIN_LENGTH, MAX_LENGTH = 2, 20

VIETNAMESE_WORDS = frozenset({
    "địt", "đụ", "đéo", "lồn", "cặc", "buồi", "đĩ", "điếm", "dái", "đụ má", "đù má", "chó đẻ", "óc chó", "mẹ mày",
    "con mẹ", "thằng chó", "đồ chó", "ngu như chó", "cứt", "đái", "nứng", "mặt lồn",
})
FOLDED_SLANG = frozenset({"dm", "dmm", "dcm", "vcl", "vkl", "vl", "cmm", "clgt", "dkm", "dml", "cc", "loz", "dit me", "du ma"})
ENGLISH_STEMS = ("fuck", "shit", "bitch", "cunt", "dick", "cock", "pussy", "asshole", "bastard", "slut", "whore",
                 "nigger", "nigga", "faggot", "retard", "porn", "rape", "nazi", "hitler", "penis", "vagina", "wank")
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
ALLOWED = re.compile(r"^[\w .'\-]+$")


def tidy(nickname: str) -> str:
    """The nickname as shown: single spaces, no surrounding space."""
    return " ".join(nickname.split())


def unique_key(nickname: str) -> str:
    """Two nicknames that look the same on the big screen are the same nickname."""
    return fold(nickname)


def _phrases(words: list[str]) -> set[str]:
    """Every run of one to three consecutive words."""
    return {" ".join(words[i:i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)}


def is_rude(nickname: str) -> bool:
    with_marks = fold(nickname, diacritics=True)
    if _phrases(re.findall(r"\w+", with_marks)) & VIETNAMESE_WORDS:
        return True
    plain = fold(nickname.translate(LEET))
    if _phrases(re.findall(r"\w+", plain)) & FOLDED_SLANG:
        return True
    squeezed = re.sub(r"[^a-z]", "", plain)
    return any(stem in squeezed for stem in ENGLISH_STEMS)


def nickname_problem(nickname: str) -> str | None:
    """Why this nickname cannot be used (already translated), or None when it can."""
    nickname = tidy(nickname)
    if not MIN_LENGTH <= len(nickname) <= MAX_LENGTH:
        return _("A nickname has 2 to 20 characters.")
    if not ALLOWED.match(nickname) or not any(c.isalnum() for c in nickname):
        return _("A nickname may hold letters, digits, spaces, dots, dashes and apostrophes only.")
    if is_rude(nickname):
        return _("Please choose a kinder nickname.")
    return None
