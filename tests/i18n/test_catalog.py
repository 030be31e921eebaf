"""The Nepali catalog is complete: every string the source marks for translation is in it,
translated (not fuzzy), with the same placeholders, and compiled.

These fail whenever someone adds a string: run `make translations` and translate the new
entries in casework/translations/ne/LC_MESSAGES/messages.po.
"""

from __future__ import annotations

from tests.i18n.catalog import (
    compiled_catalog,
    extracted,
    msgid_text,
    nepali_catalog,
)


def _listed(msgids) -> str:
    return "\n".join(sorted(repr(m) for m in msgids))


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return bool(strings) and all(s and s.strip() for s in strings)


def _key(value):
    """Plural ids and strings as tuples (the .mo reader gives lists, the .po reader tuples)."""
    return tuple(value) if isinstance(value, tuple | list) else value


def _entries():
    return [m for m in nepali_catalog() if m.id]


def test_every_marked_string_is_in_the_nepali_catalog():
    in_catalog = {msgid_text(m.id) for m in _entries()}
    missing = {msgid: places for msgid, places in extracted().items() if msgid not in in_catalog}
    assert not missing, "run `make translations`; not in the Nepali catalog:\n" + "\n".join(
        f"{msgid!r} ({places[0]})" for msgid, places in sorted(missing.items())
    )


def test_every_entry_has_a_nepali_translation():
    untranslated = [msgid_text(m.id) for m in _entries() if not _translated(m)]
    assert not untranslated, f"{len(untranslated)} untranslated:\n" + _listed(untranslated)


def test_no_entry_is_fuzzy():
    fuzzy = [msgid_text(m.id) for m in _entries() if m.fuzzy]
    assert not fuzzy, "fuzzy (a guess `pybabel update` made; check and unmark):\n" + _listed(fuzzy)


def test_translations_keep_the_placeholders():
    catalog = nepali_catalog()
    broken = {
        msgid_text(m.id): [str(e) for e in m.check(catalog)]
        for m in _entries()
        if _translated(m) and m.check(catalog)
    }
    assert not broken, "placeholders differ:\n" + "\n".join(
        f"{msgid!r}: {errors}" for msgid, errors in sorted(broken.items())
    )


def test_the_compiled_catalog_is_the_current_one():
    """The app reads messages.mo: a stale one shows English (or old Nepali) on the pages."""
    compiled = {_key(m.id): _key(m.string) for m in compiled_catalog() if m.id}
    expected = {_key(m.id): _key(m.string) for m in _entries() if _translated(m) and not m.fuzzy}
    stale = [msgid_text(i) for i, s in expected.items() if compiled.get(i) != s]
    assert not stale, (
        "messages.mo is older than messages.po: run "
        "`make casework/translations/ne/LC_MESSAGES/messages.mo`; differs:\n" + _listed(stale)
    )


def test_the_extraction_sees_python_templates_and_plurals():
    """A broken babel.cfg would extract nothing and let every test above pass."""
    places = [place for places in extracted().values() for place in places]
    assert any(p.startswith("casework/") and ".py:" in p for p in places)
    assert any(p.startswith("templates/") for p in places)
    assert "%(num)d case" in extracted()
    assert "Some fields are not valid." in extracted()  # an _l() at import time
