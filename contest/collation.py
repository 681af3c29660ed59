"""Vietnamese alphabetical order, without a native collation library.

The Vietnamese alphabet orders a < ă < â < b < c < d < đ < e < ê < … < o < ô < ơ < … < u < ư < …;
tones (level, grave, hook, tilde, acute, dot below) only break ties between otherwise equal words.
So the key is (letters in alphabet order, then tones), compared word by word.
"""

from __future__ import annotations

import unicodedata

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(ALPHABET)}
# Tone marks in the order Vietnamese dictionaries use: level, grave, hook, tilde, acute, dot below.
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _letters_and_tones(word: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    letters: list[int] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFD", word.casefold()):
        if char in _TONE_RANK:
            if tones:
                tones[-1] = _TONE_RANK[char]
            continue
        if unicodedata.combining(char) and letters:
            # breve, circumflex, horn: recompose with the previous letter (a+˘ → ă).
            previous = ALPHABET[letters[-1]] if letters[-1] < len(ALPHABET) else ""
            combined = unicodedata.normalize("NFC", previous + char)
            if combined in _LETTER_RANK:
                letters[-1] = _LETTER_RANK[combined]
            continue
        letters.append(_LETTER_RANK.get(char, len(ALPHABET) + ord(char)))
        tones.append(0)
    return tuple(letters), tuple(tones)


def sort_key(text: str) -> tuple:
    words = [_letters_and_tones(word) for word in text.split()]
    return tuple(letters for letters, _ in words), tuple(tones for _, tones in words)


def name_key(full_name: str) -> tuple:
    """People in Vietnamese order: by given name (the last word), then by the whole name."""
    parts = full_name.split()
    return sort_key(parts[-1] if parts else ""), sort_key(full_name)
