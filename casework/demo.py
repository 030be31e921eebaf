"""Realistic synthetic data for demonstrations, training and benchmarks.

Names, ages and places are drawn to look like the mission's caseload: returning labour
migrants from the Terai and hill districts, Bhutanese refugees around Damak. Nothing here
is a real person. Rows are written with bulk inserts (10,000 in seconds) through the same
derived keys as the registration service, and one audit event records each run.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, insert, select

from casework import audit
from casework.domain import matching
from casework.extensions import db
from casework.models import (
    Beneficiary,
    Household,
    LocalLevel,
    Provider,
    RegistrationCounter,
    User,
    utcnow,
)
from casework.services import accounts, providers
from casework.services.numbering import take_numbers

FAMILY_NAMES = [
    "Thapa",
    "Shrestha",
    "Tamang",
    "Gurung",
    "Magar",
    "Rai",
    "Limbu",
    "Sherpa",
    "Karki",
    "Adhikari",
    "Bhattarai",
    "Poudel",
    "Khadka",
    "Basnet",
    "Bista",
    "Yadav",
    "Mahato",
    "Chaudhary",
    "Sah",
    "Jha",
    "Mandal",
    "Ansari",
    "BK",
    "Pariyar",
    "Nepali",
    "KC",
    "Dahal",
    "Ghimire",
    "Koirala",
    "Subedi",
    "Rana",
    "Oli",
    "Budha",
    "Tharu",
    "Lama",
    "Giri",
    "Pradhan",
    "Dhakal",
    "Sapkota",
    "Regmi",
]
MALE_GIVEN = [
    "Ram",
    "Shyam",
    "Hari",
    "Krishna",
    "Bishnu",
    "Gopal",
    "Suresh",
    "Ramesh",
    "Dinesh",
    "Rajesh",
    "Prakash",
    "Bikash",
    "Sagar",
    "Sunil",
    "Anil",
    "Santosh",
    "Deepak",
    "Nabin",
    "Kamal",
    "Mohan",
    "Tek",
    "Dil",
    "Man",
    "Chandra",
    "Arjun",
    "Bhim",
    "Pemba",
    "Dawa",
    "Mohammad",
    "Birendra",
    "Kiran",
    "Roshan",
]
FEMALE_GIVEN = [
    "Sita",
    "Gita",
    "Laxmi",
    "Saraswati",
    "Parbati",
    "Kamala",
    "Radha",
    "Maya",
    "Sunita",
    "Anita",
    "Sabina",
    "Manisha",
    "Puja",
    "Sarita",
    "Bimala",
    "Januka",
    "Pema",
    "Dolma",
    "Asha",
    "Kabita",
    "Mina",
    "Rekha",
    "Durga",
    "Nirmala",
    "Samjhana",
    "Sushila",
]
MALE_MIDDLE = ["Bahadur", "Prasad", "Kumar", "Raj", "", "", ""]
FEMALE_MIDDLE = ["Kumari", "Maya", "Devi", "", "", ""]
# District ids weighted like a returnee and refugee caseload (Terai corridors, the east).
DISTRICT_WEIGHTS = {
    4: 12,
    5: 8,
    6: 6,
    20: 7,
    19: 6,
    22: 6,
    21: 5,
    27: 6,
    24: 4,
    1: 2,
    3: 2,
    13: 2,
    28: 2,
    29: 2,
    30: 2,
    35: 3,
    38: 2,
    43: 3,
    44: 3,
    46: 3,
    50: 2,
    52: 2,
    63: 2,
    75: 3,
    76: 2,
}
EAST_DISTRICTS = set(range(1, 15))  # Koshi province: the Damak office's area
VULNERABILITY_POOL = [
    "disability",
    "chronic_illness",
    "single_parent",
    "older_person",
    "pregnant_lactating",
    "trafficking_survivor",
    "psychosocial",
]
DEMO_PASSWORD = "casework-demo"  # noqa: S105  (printed for demo logins only)
DEMO_USERS = [
    ("admin", "admin", "KTM", "Asha Admin"),
    ("supervisor.ktm", "supervisor", "KTM", "Sushila Shrestha"),
    ("caseworker.ktm", "caseworker", "KTM", "Bikash Thapa"),
    ("supervisor.dmk", "supervisor", "DMK", "Dawa Sherpa"),
    ("caseworker.dmk", "caseworker", "DMK", "Kabita Rai"),
    ("partner", "partner", "KTM", "Ministry of Labour (demo)"),
]


# Organisations of the kind a Nepal mission refers to, with the districts they serve.
# Names are illustrative of the sector; contacts are invented.
DEMO_PROVIDERS = [
    ("TPO Nepal", "ngo", ["psychosocial"], [27, 29, 23, 4, 5, 6, 75]),
    (
        "Centre for Victims of Torture (CVICT)",
        "ngo",
        ["psychosocial", "medical", "legal_aid"],
        [27, 29, 23, 50, 63],
    ),
    ("Legal Aid and Consultancy Centre", "legal_aid", ["legal_aid"], [27, 29, 23, 24, 44]),
    ("Nepal Bar Association legal aid desk, Jhapa", "legal_aid", ["legal_aid"], [4]),
    ("Pourakhi Nepal", "ngo", ["shelter", "psychosocial", "livelihood"], [27, 29, 23]),
    (
        "Maiti Nepal transit home",
        "ngo",
        ["shelter", "family_tracing", "legal_aid"],
        [27, 4, 44, 75],
    ),
    ("Shakti Samuha", "ngo", ["psychosocial", "livelihood", "legal_aid"], [27, 24, 30, 5]),
    (
        "Women for Human Rights, single women group",
        "ngo",
        ["livelihood", "psychosocial"],
        [27, 20, 22, 19],
    ),
    (
        "Nepal Red Cross Society, Restoring Family Links",
        "ngo",
        ["family_tracing", "cash"],
        list(range(1, 78)),
    ),
    ("UNHCR Damak field office", "un_agency", ["family_tracing", "legal_aid"], [4, 5]),
    ("Koshi Hospital", "health_facility", ["medical"], [5, 6, 4]),
    (
        "B.P. Koirala Institute of Health Sciences",
        "health_facility",
        ["medical", "psychosocial"],
        [6, 5, 4, 3],
    ),
    ("Damak Hospital", "health_facility", ["medical"], [4]),
    ("Bir Hospital", "health_facility", ["medical"], [27, 29, 23]),
    ("Bheri Hospital", "health_facility", ["medical"], [63, 66]),
    ("Janakpur Provincial Hospital", "health_facility", ["medical"], [20, 22, 19, 21]),
    (
        "CTEVT skills training centre",
        "government",
        ["education", "livelihood"],
        [27, 24, 44, 4, 20],
    ),
    ("District Administration Office, relief desk", "government", ["cash"], [27, 4, 5, 20, 75]),
    ("Foreign Employment Board, welfare fund", "government", ["cash", "legal_aid"], [27]),
    (
        "Safer Migration information centre",
        "ngo",
        ["livelihood", "legal_aid"],
        [20, 22, 19, 21, 4, 5, 6],
    ),
    ("Karnali Integrated Rural Development", "ngo", ["livelihood", "education"], [52, 50, 63]),
    ("Sudurpaschim community mental health", "ngo", ["psychosocial"], [75, 76]),
    ("Youth employment fund (local level)", "government", ["livelihood", "cash"], [24, 44, 46, 38]),
    ("Women's safe house, Kailali", "ngo", ["shelter", "psychosocial"], [75]),
]


def ensure_demo_providers() -> int:
    """Add the demo directory of providers if there are none; returns how many were added."""
    if db.session.scalar(select(func.count()).select_from(Provider)):
        return 0
    for name, kind, services, districts in DEMO_PROVIDERS:
        contact = f"{name}\nPhone: 01-44{zlib.crc32(name.encode()) % 100000:05d}"
        providers.create(
            None,
            {
                "name": name,
                "kind": kind,
                "services": services,
                "district_ids": districts,
                "contact": contact,
            },
        )
    return len(DEMO_PROVIDERS)


@dataclass
class DemoUser:
    username: str
    role: str
    office: str
    created: bool


def ensure_demo_users() -> list[DemoUser]:
    """Create each demo account that does not exist yet."""
    result = []
    for username, role, office, full_name in DEMO_USERS:
        exists = db.session.scalar(select(User.id).where(User.username == username))
        if not exists:
            accounts.create_user(
                None,
                accounts.UserInput(username, role, office, full_name, DEMO_PASSWORD),
            )
        result.append(DemoUser(username, role, office, not exists))
    return result


def _person(rng: random.Random, today: date, sex: str, age: int) -> dict:
    given_pool, middle_pool = (
        (FEMALE_GIVEN, FEMALE_MIDDLE) if sex == "female" else (MALE_GIVEN, MALE_MIDDLE)
    )
    given = " ".join(p for p in (rng.choice(given_pool), rng.choice(middle_pool)) if p)
    born = today - timedelta(days=age * 365 + rng.randint(0, 364))
    return {"given_name": given, "sex": sex, "date_of_birth": born}


def _household_people(rng: random.Random, today: date) -> list[dict]:
    """A principal (mostly men of working age: the returnee caseload) and their family."""
    head_sex = "male" if rng.random() < 0.78 else "female"
    people = [{**_person(rng, today, head_sex, rng.randint(19, 58)), "relationship": "head"}]
    if rng.random() < 0.45:
        spouse_sex = "female" if head_sex == "male" else "male"
        people.append(
            {**_person(rng, today, spouse_sex, rng.randint(18, 55)), "relationship": "spouse"}
        )
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
            sex = rng.choice(["female", "male"])
            people.append({**_person(rng, today, sex, rng.randint(0, 17)), "relationship": "child"})
    return people


def generate(count: int, seed: int | None = None, progress=None, batch_size: int = 2000) -> int:
    """Add `count` beneficiaries in households; returns how many were added."""
    rng = random.Random(seed)
    today = date.today()
    creator = db.session.scalar(select(User.id).where(User.role == "caseworker").limit(1))
    districts, weights = zip(*DISTRICT_WEIGHTS.items(), strict=True)
    levels = _local_levels_by_district()
    added = 0
    while added < count:
        batch = _build_batch(rng, today, min(batch_size, count - added), districts, weights)
        _place(rng, batch, levels)
        _insert_batch(rng, batch, today.year, creator)
        people = sum(len(members) for members in batch)
        added += people
        if progress:
            progress(people)
    audit.record(
        "demo.generate", object_type="beneficiary", changes={"count": added}, username="cli"
    )
    return added


def _local_levels_by_district() -> dict[int, list[tuple[int, int]]]:
    levels: dict[int, list[tuple[int, int]]] = {}
    for level_id, district_id, wards in db.session.execute(
        select(LocalLevel.id, LocalLevel.district_id, LocalLevel.wards)
    ):
        levels.setdefault(district_id, []).append((level_id, wards))
    return levels


def _place(rng, households: list[list[dict]], levels) -> None:
    """Give each household a local level and ward of its district."""
    for members in households:
        level_id, wards = rng.choice(levels[members[0]["district_id"]])
        ward = rng.randint(1, wards)
        for member in members:
            member.update(local_level_id=level_id, ward=ward)


def _build_batch(rng, today, size, districts, weights) -> list[list[dict]]:
    households, people = [], 0
    while people < size:
        members = _household_people(rng, today)[: size - people]
        family = rng.choice(FAMILY_NAMES)
        district = rng.choices(districts, weights)[0]
        for member in members:
            member.update(family_name=family, district_id=district)
        households.append(members)
        people += len(members)
    return households


def _insert_batch(rng, households: list[list[dict]], year: int, creator: int | None) -> None:
    now = utcnow()
    offices = ["DMK" if h[0]["district_id"] in EAST_DISTRICTS else "KTM" for h in households]
    household_ids = db.session.scalars(
        insert(Household).returning(Household.id, sort_by_parameter_order=True),
        [{"office_code": office, "created_at": now} for office in offices],
    ).all()
    next_number = {}
    for office in set(offices):
        size = sum(len(h) for h, o in zip(households, offices, strict=True) if o == office)
        next_number[office] = take_numbers(RegistrationCounter, size, office_code=office, year=year)
    rows = []
    for members, office, household_id in zip(households, offices, household_ids, strict=True):
        for member in members:
            rows.append(
                _row(rng, member, office, household_id, next_number[office], year, creator, now)
            )
            next_number[office] += 1
    db.session.execute(insert(Beneficiary), rows)


def _row(rng, member, office, household_id, number, year, creator, now) -> dict:
    consent = rng.random() < 0.93
    return {
        "registration_number": f"{office}-{year}-{number:06d}",
        "office_code": office,
        "given_name": member["given_name"],
        "family_name": member["family_name"],
        "name_ne": "",
        "sex": member["sex"],
        "date_of_birth": member["date_of_birth"],
        "dob_estimated": rng.random() < 0.15,
        "nationality": "BT" if office == "DMK" and rng.random() < 0.3 else "NP",
        "phone": f"+97798{rng.randint(0, 99_999_999):08d}"
        if member["relationship"] == "head"
        else "",
        "district_id": member["district_id"],
        "local_level_id": member["local_level_id"],
        "ward": member["ward"],
        "address_line": "",
        "household_id": household_id,
        "relationship_to_head": member["relationship"],
        "vulnerabilities": rng.sample(VULNERABILITY_POOL, k=1) if rng.random() < 0.2 else [],
        "consent_given": consent,
        "consent_date": now.date() if consent else None,
        "consent_purposes": (
            rng.choice([["registration", "assistance"], ["registration", "assistance", "referral"]])
            if consent
            else []
        ),
        "given_key": matching.name_key(member["given_name"]),
        "family_key": matching.name_key(member["family_name"]),
        "search_text": matching.search_text(member["given_name"], member["family_name"]),
        "created_by_id": creator,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


def beneficiary_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Beneficiary)) or 0
