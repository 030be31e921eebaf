"""Validation rules for a beneficiary record, shared by the form, the API and imports.

`validate(record, today)` takes the whole record as it would be stored (after merging an
edit) and returns {field: [message, …]}; empty means valid. Checks against reference data
(does the district exist, is the local level in it) need the database and live in the
service, which adds their messages to the same map.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _

from casework.domain import codes
from casework.domain.ids import valid_id
from casework.domain.matching import has_devanagari

EARLIEST_BIRTH = date(1900, 1, 1)
MAX_LENGTHS = {
    "given_name": 100,
    "family_name": 100,
    "name_ne": 200,
    "address_line": 200,
}
_LATIN_NAME = re.compile(r"^[^\W\d_]+(?:[ .'\-]+[^\W\d_]*)*$", re.UNICODE)
_PHONE_CHARS = re.compile(r"[\s\-().]")


def normalise_phone(raw: str) -> str | None:
    """'+977 981-234 5678', '9812345678' and '009779812345678' give '+9779812345678'.

    Returns '' for no phone and None when the value cannot be a phone number.
    """
    value = _PHONE_CHARS.sub("", raw or "")
    if not value:
        return ""
    if value.startswith("00"):
        value = "+" + value[2:]
    if value.startswith("+"):
        digits = value[1:]
        return value if digits.isdigit() and 8 <= len(digits) <= 15 else None
    if not value.isdigit():
        return None
    if len(value) == 10 and value.startswith("9"):  # Nepali mobile
        return "+977" + value
    if 6 <= len(value) <= 11 and value.startswith("0"):  # Nepali landline with area code
        return value
    return None


def validate(record: dict, today: date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    _check_names(record, add)
    if record.get("sex") not in codes.SEX:
        add("sex", _("Choose one of: %(codes)s.", codes=", ".join(codes.SEX)))
    _check_birth(record, today, add)
    nationality = record.get("nationality") or ""
    if not re.fullmatch(r"[A-Z]{2}", nationality):
        add("nationality", _("Give a two-letter ISO country code, such as NP or BT."))
    if record.get("phone") and normalise_phone(record["phone"]) is None:
        add("phone", _("Not a phone number; give 10 digits (98…) or +country code and number."))
    _check_address(record, add)
    unknown = set(record.get("vulnerabilities") or []) - set(codes.VULNERABILITIES)
    if unknown:
        add("vulnerabilities", _("Unknown: %(codes)s.", codes=", ".join(sorted(unknown))))
    if record.get("relationship_to_head", "head") not in codes.HOUSEHOLD_RELATIONSHIPS:
        add("relationship_to_head", _("Choose a relationship from the list."))
    _check_consent(record, today, add)
    for index, document in enumerate(record.get("documents") or []):
        _check_document(index, document, add)
    return errors


def _check_names(record: dict, add) -> None:
    for field, limit in MAX_LENGTHS.items():
        value = record.get(field) or ""
        if len(value) > limit:
            add(field, _("At most %(n)d characters.", n=limit))
    given = (record.get("given_name") or "").strip()
    family = (record.get("family_name") or "").strip()
    if not given:
        add("given_name", _("The given name is required."))
    for field, value in (("given_name", given), ("family_name", family)):
        if value and (has_devanagari(value) or not _LATIN_NAME.match(value)):
            add(
                field,
                _("Write the name in Latin letters; the Devanagari name has its own field."),
            )
    name_ne = (record.get("name_ne") or "").strip()
    if name_ne and not has_devanagari(name_ne):
        add("name_ne", _("Write this name in Devanagari script, or leave it empty."))


def _check_birth(record: dict, today: date, add) -> None:
    born = record.get("date_of_birth")
    if born is None:
        if record.get("dob_estimated"):
            add("date_of_birth", _("Give the estimated date of birth."))
        return
    if not isinstance(born, date):
        add("date_of_birth", _("Not a date."))
    elif born > today:
        add("date_of_birth", _("The date of birth cannot be in the future."))
    elif born < EARLIEST_BIRTH:
        add("date_of_birth", _("The date of birth cannot be before 1900."))


def _check_address(record: dict, add) -> None:
    for field in ("district_id", "local_level_id"):
        value = record.get(field)
        if value is not None and not valid_id(value):
            add(field, _("Choose one from the list."))
    if record.get("local_level_id") and not record.get("district_id"):
        add("district_id", _("Choose the district of this local level."))
    ward = record.get("ward")
    if ward is not None:
        if not record.get("local_level_id"):
            add("local_level_id", _("Choose the local level of this ward."))
        if not isinstance(ward, int) or isinstance(ward, bool) or not 1 <= ward <= 99:
            add("ward", _("A ward is a number from 1 to 99."))


def _check_consent(record: dict, today: date, add) -> None:
    purposes = record.get("consent_purposes") or []
    unknown = set(purposes) - set(codes.CONSENT_PURPOSES)
    if unknown:
        add("consent_purposes", _("Unknown: %(codes)s.", codes=", ".join(sorted(unknown))))
    given_on = record.get("consent_date")
    if record.get("consent_given"):
        if given_on is None:
            add("consent_date", _("Give the date consent was given."))
        elif given_on > today:
            add("consent_date", _("The consent date cannot be in the future."))
        if not purposes:
            add("consent_purposes", _("Choose at least one purpose the person agreed to."))
    elif purposes:
        add("consent_purposes", _("Purposes can only be recorded when consent was given."))


def _check_document(index: int, document: dict, add) -> None:
    field = f"documents.{index}"
    if document.get("doc_type") not in codes.DOCUMENT_TYPES:
        add(f"{field}.doc_type", _("Choose a document type from the list."))
    number = (document.get("number") or "").strip()
    if not number:
        add(f"{field}.number", _("The document number is required."))
    elif len(number) > 40 or not re.search(r"[0-9A-Za-z]", number):
        add(f"{field}.number", _("Give the number as written on the document (at most 40)."))
    country = document.get("issuing_country")
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        add(f"{field}.issuing_country", _("Give a two-letter ISO country code."))
