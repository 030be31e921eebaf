"""Name normalisation and duplicate scoring for Nepali names written in Latin script.

The same person is written many ways on paper forms and in spreadsheets: "Ram Bdr. Thapa",
"Ram Bahadur Thapa", "Thapa Ram Bahadur"; "Laxmi"/"Lakshmi", "Bishnu"/"Vishnu",
"Shrestha"/"Shreshtha", "Seeta"/"Sita". We fold each name to a phonetic key that erases
those transliteration differences (used to find candidates cheaply with an index), then
score candidates with RapidFuzz on the folded tokens, whatever their order.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz

# Abbreviations and spelling variants of common name parts, after lower-casing and
# stripping punctuation ("Bdr." -> "bdr").
ABBREVIATIONS = {
    "bdr": "bahadur",
    "bd": "bahadur",
    "bahdur": "bahadur",
    "kr": "kumar",
    "kmr": "kumar",
    "pd": "prasad",
    "prd": "prasad",
    "psd": "prasad",
    "prasd": "prasad",
    "md": "mohammad",
    "mohd": "mohammad",
    "mohammed": "mohammad",
    "muhammad": "mohammad",
    "mohamad": "mohammad",
    "kc": "kc",
    "bk": "bk",
    "dev": "dev",
}

# Applied in order to each token. Aspirated consonants and long vowels are written with or
# without the "h" / doubled vowel; v and w are one sound in Nepali; x stands for "ks".
_FOLDS = [
    ("x", "ks"),
    ("ksh", "ks"),
    ("chh", "c"),
    ("ch", "c"),
    ("sh", "s"),
    ("th", "t"),
    ("dh", "d"),
    ("bh", "b"),
    ("kh", "k"),
    ("gh", "g"),
    ("ph", "p"),
    ("jh", "j"),
    ("f", "p"),
    ("v", "b"),
    ("w", "b"),
    ("z", "j"),
    ("q", "k"),
    ("aa", "a"),
    ("ee", "i"),
    ("ii", "i"),
    ("oo", "u"),
    ("uu", "u"),
    ("ou", "au"),
]
_DOUBLE = re.compile(r"(.)\1+")
# Anything but letters, digits and Devanagari (whose vowel signs and virama are combining
# marks that \w does not match, yet belong inside the word).
_NON_WORD = re.compile(r"[^\w\u0900-\u0963\u0966-\u097F]+", re.UNICODE)
# Initials written with dots ("K.C.", "B. K.") are one word: "kc", "bk".
_DOTTED_INITIALS = re.compile(r"\b([a-z])\.\s*(?=[a-z]\b)")
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
# Zero-width joiner and non-joiner: Nepali keyboards put them inside some half letters
# (श्‍याम) to choose how they are drawn. They are not letters, but dropping them rather than
# splitting there keeps "श्‍याम" and "श्याम" one and the same word.
_JOINERS = str.maketrans("", "", "\u200c\u200d")


def has_devanagari(text: str) -> bool:
    return bool(_DEVANAGARI.search(text or ""))


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    """Lower-case words with punctuation removed and abbreviations expanded.

    Devanagari keeps its vowel signs (they are combining marks, but part of the letter).
    """
    return list(_tokens(text)) if text else []


# Names repeat: a file of 20,000 people has a few thousand distinct ones, and a duplicate
# check scores each name against dozens of candidates (casework.imports.duplicates).
@functools.lru_cache(maxsize=65_536)
def _tokens(text: str) -> tuple[str, ...]:
    text = text.translate(_JOINERS)
    text = unicodedata.normalize("NFC", text) if has_devanagari(text) else _strip_accents(text)
    text = _DOTTED_INITIALS.sub(r"\1", text.lower())
    words = _NON_WORD.sub(" ", text.replace("_", " ")).split()
    return tuple(ABBREVIATIONS.get(w, w) for w in words)


@functools.lru_cache(maxsize=65_536)
def fold(token: str) -> str:
    """The phonetic key of one Latin token; Devanagari tokens are returned unchanged."""
    if has_devanagari(token):
        return token
    for old, new in _FOLDS:
        token = token.replace(old, new)
    token = _DOUBLE.sub(r"\1", token)
    if len(token) > 3 and token.endswith("o"):
        token = token[:-1] + "a"  # Bishwo / Bishwa
    return token


def name_key(name: str) -> str:
    """One key for a whole name part: "Ram Bdr." and "Ram Bahadur" give "rambahadur"."""
    return "".join(fold(t) for t in tokens(name))


def folded_words(*parts: str) -> list[str]:
    return [fold(t) for part in parts for t in tokens(part)]


def search_text(given_name: str, family_name: str, name_ne: str = "") -> str:
    """What name search looks in: the folded words, space-separated, then the Devanagari."""
    return " ".join(folded_words(given_name, family_name, name_ne))


def devanagari_words(name_ne: str) -> list[str]:
    """The Devanagari words of a name, normalised as search_text stores them."""
    return [t for t in tokens(name_ne) if has_devanagari(t)]


def search_terms(query: str) -> list[str]:
    """Fold a search query the same way, so "Vishnu Shreshtha" finds "Bishnu Shrestha"."""
    return folded_words(query)


def document_key(number: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", _strip_accents(number or "").upper())


@dataclass(frozen=True)
class Person:
    given_name: str
    family_name: str
    date_of_birth: date | None = None
    dob_estimated: bool = False
    sex: str = "unknown"
    name_ne: str = ""


def name_similarity(a: Person, b: Person) -> float:
    """0..1; order of the names does not matter, a missing middle name costs little."""
    left = " ".join(folded_words(a.given_name, a.family_name))
    right = " ".join(folded_words(b.given_name, b.family_name))
    if not left or not right:
        return 0.0
    latin = max(fuzz.token_sort_ratio(left, right), 0.9 * fuzz.token_set_ratio(left, right))
    score = latin / 100
    if a.name_ne and b.name_ne:
        score = max(score, fuzz.token_sort_ratio(a.name_ne, b.name_ne) / 100)
    return score


def dob_similarity(a: Person, b: Person) -> float | None:
    """None when either date is unknown; estimated dates match loosely."""
    if a.date_of_birth is None or b.date_of_birth is None:
        return None
    x, y = a.date_of_birth, b.date_of_birth
    if x == y:
        return 1.0
    years_apart = abs((x - y).days) / 365.25
    if x.year == y.year and (x.month, x.day) == (y.day, y.month):
        return 0.8  # day and month swapped on entry
    if (a.dob_estimated or b.dob_estimated) and years_apart <= 2:
        return 0.7
    if x.year == y.year:
        return 0.5
    if years_apart <= 1:
        return 0.3
    return 0.0


def match_score(a: Person, b: Person, same_document: bool = False) -> float:
    """How likely a and b are the same person, 0..1, rounded to two places."""
    name = name_similarity(a, b)
    dob = dob_similarity(a, b)
    score = name * 0.9 if dob is None else 0.7 * name + 0.3 * dob
    if {a.sex, b.sex} <= {"female", "male"} and a.sex != b.sex:
        score *= 0.8
    if same_document:
        score = max(score, 0.95)
    return round(min(score, 1.0), 2)
