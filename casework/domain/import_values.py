"""Normalising the values of an imported spreadsheet (issue 10), before the usual rules.

Field data collected on paper or with KoBoToolbox comes in many spellings: "F", "Female",
"महिला"; dates in the Gregorian (AD) or Bikram Sambat (BS) calendar, with Devanagari
digits; "Kavre" for Kavrepalanchok; "9812345678" or "977-9812345678". Each function here
turns one cell into the value the registration form would have sent, or raises
`ValueProblem` with a message for the row's report. They are pure: no database, no Flask
(the district and local-level lists are given to the matchers).

What the values must then satisfy is decided by `casework.domain.beneficiary_rules`, as
for the registration form; nothing here repeats those rules.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from flask_babel import gettext as _
from rapidfuzz import fuzz, process

from casework.domain.periods import bs_to_ad

_DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")


class ValueProblem(ValueError):
    """A cell that cannot be read as its column's kind of value."""


def text(value) -> str:
    """A cell as text: numbers without a spurious '.0', Devanagari digits as ASCII."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def digits(value) -> str:
    return text(value).translate(_DEVANAGARI_DIGITS)


def _key(value) -> str:
    return text(value).casefold().strip(" .")


_SEX = {
    "female": ("f", "female", "woman", "women", "girl", "महिला", "स्त्री", "केटी", "mahila"),
    "male": ("m", "male", "man", "men", "boy", "पुरुष", "केटा", "purush"),
    "other": ("o", "other", "third gender", "अन्य", "तेस्रो लिङ्गी", "तेस्रोलिङ्गी"),
    "unknown": ("u", "unknown", "not known", "थाहा छैन", "अज्ञात"),
}
_SEX_CODES = {spelling: code for code, spellings in _SEX.items() for spelling in spellings}


def sex(value) -> str:
    """A sex code from English or Nepali words or letters ('' when the cell is empty)."""
    key = _key(value)
    if not key:
        return ""
    if key not in _SEX_CODES:
        raise ValueProblem(
            _("%(value)s is not a sex we know; use female, male, other or unknown.", value=key)
        )
    return _SEX_CODES[key]


_YES = {"yes", "y", "true", "1", "agreed", "given", "हो", "छ", "ho", "cha", "x", "✓"}
_NO = {"no", "n", "false", "0", "not given", "होइन", "छैन", "hoina", "chaina"}


def yes_no(value) -> bool | None:
    """True or False from yes/no in English or Nepali; None for an empty cell."""
    if isinstance(value, bool):
        return value
    key = _key(value)
    if not key:
        return None
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise ValueProblem(_("Write yes or no (हो / होइन)."))


_YMD = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")


def a_date(value, today: date, calendar: str = "auto") -> date | None:
    """A date from a spreadsheet date, or text as year-month-day or day/month/year.

    `calendar` is "ad", "bs" or "auto". In "auto" a year after the current AD year can
    only be BS (BS runs 56–57 years ahead), so it is converted; earlier years are taken as
    AD. A column known to hold BS dates should be mapped as such, because BS 2040 and AD
    2040 cannot be told apart otherwise.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = digits(value)
    if not raw:
        return None
    raw = raw.split(" ")[0].split("T")[0]  # a time of day after the date is dropped
    match = _YMD.fullmatch(raw)
    if match:
        year, month, day = (int(g) for g in match.groups())
    elif match := _DMY.fullmatch(raw):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise ValueProblem(_("Not a date: write it as 2047-05-12 (BS) or 1990-08-28 (AD)."))
    if calendar == "bs" or (calendar == "auto" and year > today.year):
        try:
            return bs_to_ad(year, month, day)
        except (ValueError, OverflowError, IndexError) as error:
            raise ValueProblem(_("Not a date in the BS calendar.")) from error
    try:
        return date(year, month, day)
    except ValueError as error:
        raise ValueProblem(_("Not a date.")) from error


def birth_from_age(value, today: date) -> date | None:
    """An estimated date of birth from an age in years (1 July of the year of birth)."""
    raw = digits(value)
    if not raw:
        return None
    if not raw.isdigit() or not 0 <= int(raw) <= 120:
        raise ValueProblem(_("An age is a whole number of years from 0 to 120."))
    return date(today.year - int(raw), 7, 1)


def phone(value) -> str:
    """Digits as text (a number cell loses no '.0'); 977… gets its '+'. The rules then
    bring it to one format (+977…) or refuse it."""
    raw = digits(value)
    compact = re.sub(r"[\s\-().]", "", raw)
    if compact.startswith("977") and len(compact) == 13:
        return "+" + compact
    return raw


def code_list(value) -> list[str]:
    """Codes separated by commas, semicolons or spaces (KoBo's select_multiple)."""
    return [part for part in re.split(r"[\s,;]+", text(value).casefold()) if part]


_NATIONALITY = {
    "NP": ("nepal", "nepali", "nepalese", "नेपाल", "नेपाली"),
    "BT": ("bhutan", "bhutanese", "भुटान", "भुटानी"),
    "IN": ("india", "indian", "भारत", "भारतीय"),
}
_NATIONALITY_CODES = {name: code for code, names in _NATIONALITY.items() for name in names}


def nationality(value, country_codes: dict[str, str]) -> str:
    """An ISO alpha-2 code from a code, a country name or a demonym ('' when empty).

    `country_codes` maps lower-case country names to codes. An unknown value goes on
    as written, for the rules to refuse with their own message."""
    key = _key(value)
    if not key:
        return ""
    if len(key) == 2:
        return key.upper()
    return _NATIONALITY_CODES.get(key) or country_codes.get(key) or text(value)


# --- places ------------------------------------------------------------------------------

# Old names and common spellings of districts (after lower-casing), as field forms write
# them; RapidFuzz catches the rest of the misspellings.
DISTRICT_ALIASES = {
    "kavre": "kavrepalanchok",
    "kabhre": "kavrepalanchok",
    "kabhrepalanchok": "kavrepalanchok",
    "sindhupalchowk": "sindhupalchok",
    "chitawan": "chitwan",
    "dhanusa": "dhanusha",
    "kapilbastu": "kapilvastu",
    "tanahu": "tanahun",
    "makawanpur": "makwanpur",
    "terathum": "terhathum",
    "tehrathum": "terhathum",
    "nawalparasi east": "nawalpur",
    "nawalparasi (east)": "nawalpur",
    "nawalparasi west": "parasi",
    "nawalparasi (west)": "parasi",
    "rukum east": "eastern rukum",
    "rukum west": "western rukum",
    "rukum (east)": "eastern rukum",
    "rukum (west)": "western rukum",
    "kanchanpur": "kanchanpur",
    "bardia": "bardiya",
    "dhankutta": "dhankuta",
}
FUZZY_CUTOFF = 85
_PLACE_WORDS = re.compile(
    r"\b(district|jilla|metropolitan city|sub-metropolitan city|rural municipality|"
    r"municipality|gaunpalika|nagarpalika|gapa|napa)\b|जिल्ला|उपमहानगरपालिका|महानगरपालिका|"
    r"गाउँपालिका|नगरपालिका"
)


def _place_key(value) -> str:
    return " ".join(_PLACE_WORDS.sub(" ", _key(value)).split())


class PlaceMatcher:
    """Finds a place's id by its English or Nepali name, allowing misspellings.

    `places` are (id, name_en, name_ne). Exact names and `aliases` first; then the
    closest name by RapidFuzz's ratio, if it scores at least FUZZY_CUTOFF. Answers are
    remembered: a file repeats the same few spellings thousands of times.
    """

    def __init__(self, places, aliases: dict[str, str] | None = None):
        self._exact: dict[str, int] = {}
        for place_id, name_en, name_ne in places:
            self._exact[_place_key(name_en)] = place_id
            self._exact[_place_key(name_ne)] = place_id
        for alias, name in (aliases or {}).items():
            if name in self._exact:
                self._exact.setdefault(alias, self._exact[name])
        self._names = list(self._exact)
        self._seen: dict[str, int | None] = {}

    def find(self, value) -> int | None:
        key = _place_key(value)
        if key not in self._seen:
            self._seen[key] = self._lookup(key)
        return self._seen[key]

    def _lookup(self, key: str) -> int | None:
        if key in self._exact:
            return self._exact[key]
        best = process.extractOne(key, self._names, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        return self._exact[best[0]] if best else None
