"""Which column of a file holds which of Casework's fields.

Common headers are recognised in English and Nepali, as typed by hand or exported by
KoBoToolbox/ODK: a group path ("personal/given_name") and bilingual labels ("Sex / लिङ्ग")
are tried part by part. KoBo's own metadata (`_id`, `_uuid`, `_submission_time`, `start`,
`end`, `deviceid`, …) is ignored. The rest the user maps on the batch page, and the
mapping is remembered for the next file of the same source.
"""

from __future__ import annotations

import hashlib
import re

from flask_babel import lazy_gettext as _l

# The fields a column can fill. Some are not columns of the beneficiary table but feed
# one: the full name is split, an age gives an estimated date of birth, documents.
FIELDS = {
    "given_name": _l("Given name"),
    "family_name": _l("Family name"),
    "full_name": _l("Full name (given names, then family name)"),
    "name_ne": _l("Name in Devanagari"),
    "sex": _l("Sex"),
    "date_of_birth": _l("Date of birth (AD, or BS if the year is later than this year)"),
    "date_of_birth_bs": _l("Date of birth (BS)"),
    "age": _l("Age in years (gives an estimated date of birth)"),
    "dob_estimated": _l("Date of birth estimated (yes/no)"),
    "nationality": _l("Nationality"),
    "phone": _l("Phone"),
    "district": _l("District"),
    "local_level": _l("Local level (municipality or rural municipality)"),
    "ward": _l("Ward"),
    "address_line": _l("Address"),
    "consent_given": _l("Consent given (yes/no)"),
    "consent_date": _l("Consent date"),
    "consent_purposes": _l("Consent purposes"),
    "vulnerabilities": _l("Vulnerabilities"),
    "citizenship_number": _l("Citizenship certificate number"),
    "passport_number": _l("Passport number"),
    "national_id_number": _l("National identity card number"),
    "refugee_id_number": _l("Refugee identity card number"),
}
IGNORE = ""
# A file must say who the person is and their sex (the registration form requires both).
REQUIRED = (("given_name", "full_name"), ("sex",))

_SYNONYMS = {
    "given_name": [
        "given name",
        "given names",
        "first name",
        "firstname",
        "fname",
        "forename",
        "respondent first name",
        "पहिलो नाम",
        "नाम",
    ],
    "family_name": ["family name", "surname", "last name", "lastname", "थर"],
    "full_name": [
        "full name",
        "name",
        "respondent name",
        "name of respondent",
        "beneficiary name",
        "पूरा नाम",
        "नाम थर",
        "नामथर",
    ],
    "name_ne": [
        "name ne",
        "name in nepali",
        "nepali name",
        "name nepali",
        "name devanagari",
        "name in devanagari",
        "नेपालीमा नाम",
        "नाम नेपालीमा",
        "नाम देवनागरीमा",
    ],
    "sex": ["sex", "gender", "लिङ्ग", "लिंग"],
    "date_of_birth": [
        "date of birth",
        "dob",
        "birth date",
        "birthdate",
        "date of birth ad",
        "dob ad",
        "जन्म मिति ईसं",
        "जन्म मिति ad",
    ],
    "date_of_birth_bs": [
        "date of birth bs",
        "dob bs",
        "birth date bs",
        "जन्म मिति",
        "जन्म मिति विसं",
        "जन्म मिति bs",
    ],
    "age": ["age", "age years", "age in years", "उमेर", "उमेर वर्ष"],
    "dob_estimated": ["dob estimated", "date of birth estimated", "estimated dob", "अनुमानित"],
    "nationality": ["nationality", "country of nationality", "राष्ट्रियता"],
    "phone": [
        "phone",
        "phone number",
        "phone no",
        "mobile",
        "mobile number",
        "mobile no",
        "contact",
        "contact number",
        "contact no",
        "telephone",
        "फोन",
        "फोन नम्बर",
        "मोबाइल",
        "मोबाइल नम्बर",
        "मोबाइल नं",
        "सम्पर्क नम्बर",
        "सम्पर्क नं",
    ],
    "district": ["district", "district name", "permanent district", "जिल्ला"],
    "local_level": [
        "local level",
        "municipality",
        "palika",
        "rural municipality",
        "gaunpalika",
        "nagarpalika",
        "पालिका",
        "स्थानीय तह",
        "गाउँपालिका",
        "नगरपालिका",
        "गाउँपालिका नगरपालिका",
    ],
    "ward": ["ward", "ward no", "ward number", "वडा", "वडा नं", "वडा नम्बर"],
    "address_line": ["address", "address line", "tole", "village", "ठेगाना", "टोल"],
    "consent_given": ["consent", "consent given", "informed consent", "सहमति"],
    "consent_date": ["consent date", "date of consent", "सहमति मिति"],
    "consent_purposes": ["consent purposes", "purposes", "consent purpose", "सहमतिका उद्देश्य"],
    "vulnerabilities": ["vulnerabilities", "vulnerability", "जोखिम", "जोखिमहरू"],
    "citizenship_number": [
        "citizenship number",
        "citizenship no",
        "citizenship",
        "नागरिकता नम्बर",
        "नागरिकता नं",
        "नागरिकता",
    ],
    "passport_number": ["passport number", "passport no", "passport", "राहदानी नम्बर", "राहदानी"],
    "national_id_number": ["national id", "national id number", "nid", "राष्ट्रिय परिचयपत्र नम्बर"],
    "refugee_id_number": ["refugee id", "refugee id number", "शरणार्थी परिचयपत्र नम्बर"],
}
_KOBO_META = {
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "username",
    "instanceid",
    "instancename",
    "audit",
    "version",
    "formhub uuid",
    "meta",
}
_PUNCTUATION = re.compile(r"[.:?*()\[\]'\"_#\-।]+")


def normalise(header: str) -> str:
    """'Date of Birth (BS)*' -> 'date of birth bs'; 'जन्म मिति (वि.सं.)' -> 'जन्म मिति विसं'."""
    words = _PUNCTUATION.sub(lambda m: "" if m.group(0) == "." else " ", header.casefold())
    return " ".join(words.split())


_KNOWN = {normalise(s): name for name, spellings in _SYNONYMS.items() for s in spellings}


def _parts(header: str) -> list[str]:
    """The header, then its parts: a KoBo group path or a bilingual label ('A / B')."""
    parts = [p for p in re.split(r"[/|]", header) if p.strip()]
    return [header, *reversed(parts)] if len(parts) > 1 else [header]


def is_metadata(header: str) -> bool:
    stripped = header.strip()
    last = normalise(re.split(r"[/]", stripped)[-1]) if stripped else ""
    return stripped.startswith("_") or last in _KOBO_META


def recognise(header: str) -> str | None:
    """The field a header names, or None."""
    for part in _parts(header):
        name = _KNOWN.get(normalise(part))
        if name:
            return name
    return None


def source_key(source: str, headers: list[str]) -> str:
    """The key a remembered mapping is found by: the source's name as the user gave it,
    else the file's headers (the same survey form exports the same headers)."""
    if source.strip():
        return "source:" + " ".join(source.casefold().split())[:120]
    signature = "\x1f".join(normalise(h) for h in headers)
    return "headers:" + hashlib.sha256(signature.encode()).hexdigest()[:40]


def resolve(headers: list[str], remembered: dict, chosen: dict) -> list[dict]:
    """For each column: its header, the field it fills ('' = not imported) and how that
    was decided (chosen now, remembered, recognised, metadata or unknown).

    `remembered` and `chosen` map a header to a field (or '' to ignore it)."""
    columns = []
    for index, header in enumerate(headers):
        label = header or f"#{index + 1}"
        if header in chosen:
            field, how = chosen[header], "chosen"
        elif header in remembered:
            field, how = remembered[header], "remembered"
        elif is_metadata(header):
            field, how = IGNORE, "metadata"
        elif (found := recognise(header)) is not None:
            field, how = found, "recognised"
        else:
            field, how = IGNORE, "unknown"
        if field not in FIELDS:
            field = IGNORE
        columns.append({"index": index, "header": label, "field": field, "how": how})
    return columns


def problems(columns: list[dict]) -> list[str]:
    """What is wrong with a mapping as a whole: two columns for one field, a required
    field without a column. Messages for the user."""
    found: dict[str, list[str]] = {}
    for column in columns:
        if column["field"]:
            found.setdefault(column["field"], []).append(column["header"])
    messages = [
        str(
            _l(
                "Columns %(columns)s are all mapped to %(field)s; keep one.",
                columns=", ".join(headers),
                field=FIELDS[name],
            )
        )
        for name, headers in found.items()
        if len(headers) > 1
    ]
    for alternatives in REQUIRED:
        if not any(name in found for name in alternatives):
            names = str(_l(" or ")).join(str(FIELDS[name]) for name in alternatives)
            messages.append(str(_l("The file has no column for %(field)s.", field=names)))
    return messages
