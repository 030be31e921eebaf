"""The base classes of every form: WTForms' own messages in the user's language.

WTForms ships catalogs for its built-in messages ("This field is required.", "Not a valid
date value.", …) and Flask-WTF can use them, but there is no Nepali one, and Flask-WTF reads
only WTForms' own directory. So these forms take the messages from our catalog instead,
where they are translated with the rest (WTFORMS_MESSAGES below puts them there). Forms
import `FlaskForm` and `Form` from here, never from flask_wtf or wtforms directly
(tests/i18n/test_form_messages.py checks it).
"""

from __future__ import annotations

import flask_wtf
import wtforms
from flask_babel import get_translations, lazy_ngettext
from flask_babel import lazy_gettext as _l


class CatalogTranslations:
    """WTForms' translations interface, answered from Casework's catalog in the request's
    language. WTForms formats the message itself (%(min)d, …), so this only looks it up
    (flask_babel.ngettext would format with `num` and break on those placeholders)."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


_TRANSLATIONS = CatalogTranslations()


class _TranslatedMeta:
    def get_translations(self, form):
        return _TRANSLATIONS


class FlaskForm(flask_wtf.FlaskForm):
    """Flask-WTF's form (CSRF, request data) with WTForms' messages in the user's language."""

    class Meta(_TranslatedMeta):
        pass


class Form(wtforms.Form):
    """A form without CSRF (a sub-form in a FormField, a GET filter), translated the same way."""

    class Meta(_TranslatedMeta):
        pass


# WTForms' built-in messages a user can see, marked for `make translations` (never called:
# WTForms asks CatalogTranslations for them by their English text).
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Invalid input."),
    _l("Invalid email address."),
    _l("Invalid URL."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    lazy_ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    ),
    _l("Not a valid datetime value."),
    _l("Not a valid date value."),
    _l("Not a valid time value."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
    _l("Field must be equal to %(other_name)s."),
    lazy_ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        1,
    ),
    lazy_ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        1,
    ),
    lazy_ngettext(
        "Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long.",
        1,
    ),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Date must be at least %(min)s."),
    _l("Date must be at most %(max)s."),
    _l("Date must be between %(min)s and %(max)s."),
    _l("Invalid value, must be one of: %(values)s."),
    _l("Invalid value, can't be any of: %(values)s."),
    _l("This field cannot be edited."),
    _l("This field is disabled and cannot have a value."),
)
