"""A synthetic mobile-survey export, as KoBoToolbox writes it, for trying and timing imports.

    .venv/bin/python -m casework.imports.survey_sample 20000 /tmp/survey.xlsx [--seed 1]

Headers are KoBo's: its metadata (`start`, `end`, `deviceid`, `_id`, `_uuid`,
`_submission_time`, …), group paths and bilingual labels, some only in Nepali. Values are
as enumerators type them: sex as F/M, महिला/पुरुष or words; dates of birth in BS, some with
Devanagari digits, or only an age; districts in either script, some misspelt; phones in
several forms. About 2% of rows have a mistake (no name, a date in the future, an
unknown district) and about 1% repeat a person already in the file. Nobody is real.
"""

from __future__ import annotations

import argparse
import csv
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from casework import demo
from casework.domain.periods import ad_to_bs

HEADERS = [
    "start",
    "end",
    "deviceid",
    "respondent/given_name",
    "respondent/surname",
    "नाम (देवनागरीमा)",
    "Sex / लिङ्ग",
    "जन्म मिति (वि.सं.)",
    "उमेर",
    "District / जिल्ला",
    "मोबाइल नम्बर",
    "Nationality",
    "consent/consent_given",
    "consent/consent_purposes",
    "citizenship_number",
    "enumerator_note",
    "_id",
    "_uuid",
    "_submission_time",
    "_index",
]
_SEX = {"female": ["F", "Female", "महिला", "f"], "male": ["M", "Male", "पुरुष", "m"]}
_DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
_MISSPELT = {"Kathmandu": "Kathmadu", "Sindhupalchok": "Sindhupalchowk", "Jhapa": "Jhappa"}


def rows(count: int, seed: int | None = None):
    rng = random.Random(seed)  # noqa: S311  # nosec B311  # synthetic data, not secrets
    today = date.today()
    districts = _districts()
    made: list[list] = []
    for index in range(count):
        if made and rng.random() < 0.01:
            row = list(rng.choice(made))  # the same person entered twice
        else:
            row = _person(rng, today, districts)
        if rng.random() < 0.02:
            _spoil(rng, row, today)
        made.append(row)
        started = datetime.now(UTC) - timedelta(days=rng.randint(0, 30), minutes=index)
        yield [
            started.isoformat(timespec="seconds"),
            (started + timedelta(minutes=rng.randint(4, 15))).isoformat(timespec="seconds"),
            f"collect:{rng.getrandbits(40):x}",
            *row,
            "",
            100000 + index,
            str(uuid.UUID(int=rng.getrandbits(128))),
            started.isoformat(timespec="seconds"),
            index + 1,
        ]


def _districts() -> list[tuple[str, str]]:
    """(English, Nepali) names from the project's copy of the reference data."""
    path = Path(__file__).resolve().parent.parent / "data" / "nepal" / "districts.csv"
    with path.open(encoding="utf-8") as handle:
        return [(row["name_en"], row["name_ne"]) for row in csv.DictReader(handle)]


def _person(rng: random.Random, today: date, districts) -> list:
    sex = "female" if rng.random() < 0.4 else "male"
    given_pool = demo.FEMALE_GIVEN if sex == "female" else demo.MALE_GIVEN
    middle = rng.choice(demo.FEMALE_MIDDLE if sex == "female" else demo.MALE_MIDDLE)
    given = " ".join(p for p in (rng.choice(given_pool), middle) if p)
    family = rng.choice(demo.FAMILY_NAMES)
    born = today - timedelta(days=rng.randint(18 * 365, 60 * 365))
    bs = ad_to_bs(born)
    dob = f"{bs.year}-{bs.month:02d}-{bs.day:02d}"
    if rng.random() < 0.3:
        dob = dob.translate(_DEVANAGARI)
    age = ""
    if rng.random() < 0.1:
        dob, age = "", str((today - born).days // 365)
    name_en, name_ne = rng.choice(districts)
    district = name_ne if rng.random() < 0.3 else _MISSPELT.get(name_en, name_en)
    number = f"98{rng.randint(0, 99_999_999):08d}"
    phone = rng.choice([number, f"+977 {number}", f"977-{number}", f"{number[:3]}-{number[3:]}"])
    consent = rng.random() < 0.9
    return [
        given,
        family,
        "",
        rng.choice(_SEX[sex]),
        dob,
        age,
        district,
        phone if rng.random() < 0.85 else "",
        rng.choice(["Nepali", "NP", "नेपाली"]),
        rng.choice(["yes", "हो"]) if consent else "no",
        "registration assistance" if consent else "",
        f"{rng.randint(10, 77)}-{rng.randint(1, 99):02d}-{rng.randint(1000, 99999)}"
        if rng.random() < 0.5
        else "",
    ]


def _spoil(rng: random.Random, row: list, today: date) -> None:
    """One of the mistakes a dry run has to find."""
    mistake = rng.randrange(3)
    if mistake == 0:
        row[0] = ""  # no given name
    elif mistake == 1:
        bs = ad_to_bs(today + timedelta(days=400))
        row[4], row[5] = f"{bs.year}-{bs.month:02d}-{bs.day:02d}", ""  # born in the future
    else:
        row[6] = "Atlantis"  # no such district


def write(path: str, count: int, seed: int | None = None) -> None:
    if path.endswith(".csv"):
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(HEADERS)
            out.writerows(rows(count, seed))
        return
    import openpyxl

    # A normal workbook, not write-only: it records the sheet's dimension, as Excel and
    # KoBo's exports do (without it openpyxl reads the whole sheet once more to size it).
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    sheet.append(HEADERS)
    for row in rows(count, seed):
        sheet.append(row)
    workbook.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("path", help="a .xlsx or .csv file to write")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    write(args.path, args.rows, args.seed)


if __name__ == "__main__":
    main()
