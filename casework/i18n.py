"""Which language, calendar and digits a request is answered in.

Language, in order: `?lang=` on the request (remembered in the session by
main.remember_language), the session's choice (the switch on the sign-in page, or the
profile saved during this session), the signed-in user's profile, then English. The
session wins over the profile so that a switch lasts for the session it was made in; a new
session starts from the profile. Background work and commands speak English.

Calendar (`ad`, `bs`, `both`) and digits (`latin`, `devanagari`) are the signed-in user's
profile; anonymous pages (sign-in) use AD and Latin digits.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

# The languages Casework speaks, each named in its own script (not translated), so that a
# person who reads only that one finds it. config.LANGUAGES lists the same codes.
LANGUAGE_NAMES = {"en": "English", "ne": "नेपाली"}
LANGUAGES = tuple(LANGUAGE_NAMES)


@dataclass(frozen=True)
class Preferences:
    language: str = "en"
    calendar: str = "ad"
    digits: str = "latin"


def _user():
    user = current_user._get_current_object() if has_request_context() else None
    return user if user is not None and user.is_authenticated else None


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    for wanted in (request.args.get("lang"), session.get("lang")):
        if wanted in languages:
            return wanted
    user = _user()
    if user is not None and user.language in languages:
        return user.language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def preferences() -> Preferences:
    """The current request's language, calendar and digits.

    The language is the locale Flask-Babel chose for this request (select_locale, run once
    and kept for the request): a page asks for it at every date and number it shows."""
    user = _user()
    locale = get_locale()
    language = str(locale) if locale is not None else select_locale()
    if user is None:
        return Preferences(language=language)
    return Preferences(language=language, calendar=user.calendar, digits=user.digits)
