"""The strings the source marks for translation, and the Nepali catalog they belong in.

Extraction runs here with Babel's own API and the project's babel.cfg, with the keywords
`make translations` uses, so the tests see what a translator would be given.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

PROJECT_DIR = Path(__file__).resolve().parents[2]
CATALOG_DIR = PROJECT_DIR / "casework" / "translations" / "ne" / "LC_MESSAGES"
PO_FILE = CATALOG_DIR / "messages.po"
MO_FILE = CATALOG_DIR / "messages.mo"
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
}


def msgid_text(msgid) -> str:
    """The singular of a message id (plural ids are (singular, plural) tuples)."""
    return msgid[0] if isinstance(msgid, tuple | list) else msgid


@cache
def extracted() -> dict[str, list[str]]:
    """{msgid (singular): [file:line, …]} of every string marked in casework/ and templates/."""
    with open(PROJECT_DIR / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PROJECT_DIR), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = msgid_text(message)
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


@cache
def nepali_catalog() -> Catalog:
    with open(PO_FILE, "rb") as po:
        return read_po(po, locale="ne")


def compiled_catalog() -> Catalog:
    with open(MO_FILE, "rb") as mo:
        return read_mo(mo)


def english_phrases() -> set[str]:
    """The catalog's English strings of two words or more, placeholders cut out: what must
    never be read on a Nepali page."""
    phrases = set()
    for msgid in extracted():
        for piece in _without_placeholders(msgid):
            if len(piece.split()) >= 2:
                phrases.add(" ".join(piece.split()))
    return phrases


def _without_placeholders(msgid: str) -> list[str]:
    return [p.strip(" .,:;·—-()") for p in re.split(r"%\(\w+\)[sd]|%[sd]|<[^>]+>", msgid)]
