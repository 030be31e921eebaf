"""Realistic synthetic data for demonstrations, training and benchmarks.

Names, ages and places are drawn to look like the mission's caseload: returning labour
migrants from the Terai and hill districts, Bhutanese refugees around Damak. Nothing here
is a real person. Rows are written with bulk inserts (10,000 in seconds) through the same
derived keys as the registration service, and one audit event records each run.
"""

from __future__ import annotations

import itertools
import random
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from casework import audit, bulk
from casework.demo_names_ne import in_devanagari
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
DEMO_PASSWORD = "casework-demo"  # noqa: S105  # nosec B105  # printed for demo logins only
DEMO_USERS = [
    ("admin", "admin", "KTM", "Asha Admin"),
    ("supervisor.ktm", "supervisor", "KTM", "Sushila Shrestha"),
    ("caseworker.ktm", "caseworker", "KTM", "Bikash Thapa"),
    ("supervisor.dmk", "supervisor", "DMK", "Dawa Sherpa"),
    ("caseworker.dmk", "caseworker", "DMK", "Kabita Rai"),
    ("partner", "partner", "KTM", "Ministry of Labour (demo)"),
    ("mantralaya", "partner", "KTM", "श्रम मन्त्रालय (demo)"),
]
# Who works in Nepali, in Bikram Sambat, with Devanagari digits, as a district office and a
# ministry desk do: the demo shows both interfaces side by side.
WORKS_IN_NEPALI = {"caseworker.dmk", "mantralaya"}
NEPALI_PREFERENCES = accounts.PreferencesInput("ne", "bs", "devanagari")


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
            user = accounts.create_user(
                None,
                accounts.UserInput(username, role, office, full_name, DEMO_PASSWORD),
            )
            if username in WORKS_IN_NEPALI:
                accounts.save_own_preferences(user, NEPALI_PREFERENCES)
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


SPAN = timedelta(days=730)  # registrations spread over the past two years
WINDOW = 20_000  # people per window: one transaction, one write of rows and history
OFFICE_OPENS = time(4, 15)  # 10:00 in Nepal (UTC+5:45)
OFFICE_SECONDS = 7 * 3600  # open until 17:00
MEMBER_SECONDS = 40  # one member of a household registered after the other


@dataclass
class DemoHousehold:
    """A household as registered: its members' beneficiary rows, the head first."""

    id: int
    office: str
    registered_at: datetime
    registrar: bulk.Actor
    members: list[dict]

    @property
    def head(self) -> dict:
        return self.members[0]


def generate(
    count: int,
    seed: int | None = None,
    progress=None,
    *,
    now: datetime | None = None,
    window: int = WINDOW,
    on_window=None,
    set_aside: tuple = (),
) -> int:
    """Add `count` beneficiaries in households registered over the past two years.

    People are registered oldest first, in windows of `window` people, the next one made
    while the last is written, all in one transaction (casework.bulk.Loader);
    registration numbers come from the counter of the year each person was registered.
    One `demo.generate` audit event records the run: an event per registration, as the
    registration service writes, would cost more than a minute per million people to
    hash and as long again to verify.
    `on_window(loader, households, until)` lets the bulk demo (casework.demo_bulk) add the
    window's cases before its rows and history are written, and `set_aside` names the
    tables whose indexes PostgreSQL builds after the load (casework.bulk.Loader). Returns
    how many were added.
    """
    rng = random.Random(seed)  # nosec B311  # synthetic demo data, not secrets
    now = now or utcnow()
    loader = bulk.Loader(set_aside=set_aside)
    registration = _Registration(rng, loader, now)
    try:
        for start, end, size in _windows(count, now, window):
            households = registration.register(size, start, end)  # as the last is written
            if on_window is not None:
                on_window(loader, households, end)
            loader.flush(until=None if end >= now else end)
            if progress:
                progress(size)
        loader.close()
    except BaseException:
        loader.abandon()
        raise
    audit.record(
        "demo.generate", object_type="beneficiary", changes={"count": count}, username="cli"
    )
    return count


def _windows(count: int, now: datetime, window: int):
    """(start, end, people) for each window, oldest first; the last one ends now."""
    windows = max(1, -(-count // window))
    first = now - SPAN
    for k in range(windows):
        end = now if k == windows - 1 else first + SPAN * (k + 1) / windows
        yield first + SPAN * k / windows, end, count * (k + 1) // windows - count * k // windows


def office_moment(rng: random.Random, start: datetime, end: datetime, now: datetime) -> datetime:
    """A moment between `start` and `end` in Nepal's office hours (never after `now`)."""
    instant = start + (end - start) * rng.random()
    moment = datetime.combine(instant.date(), OFFICE_OPENS, UTC) + timedelta(
        seconds=rng.randrange(OFFICE_SECONDS), microseconds=rng.randrange(1_000_000)
    )
    return moment if start <= moment < end and moment <= now else min(instant, now)


def _local_levels_by_district() -> dict[int, list[tuple[int, int]]]:
    levels: dict[int, list[tuple[int, int]]] = {}
    for level_id, district_id, wards in db.session.execute(
        select(LocalLevel.id, LocalLevel.district_id, LocalLevel.wards).order_by(LocalLevel.id)
    ):
        levels.setdefault(district_id, []).append((level_id, wards))
    return levels


def registrars() -> dict[str, list[bulk.Actor]]:
    """The caseworkers of each office, who register people (and open their cases)."""
    staff: dict[str, list[bulk.Actor]] = {}
    rows = db.session.execute(
        select(User.office_code, User.id, User.username)
        .where(User.role == "caseworker", User.active.is_(True))
        .order_by(User.username)
    )
    for office, user_id, username in rows:
        staff.setdefault(office, []).append(bulk.Actor(user_id, username))
    return staff


def _member_moment(household: DemoHousehold, index: int) -> datetime:
    """When the household's `index`th member was registered (one after the other)."""
    return household.registered_at + timedelta(seconds=MEMBER_SECONDS * index)


class _Registration:
    """Registers households window by window, as the registration service would."""

    def __init__(self, rng: random.Random, loader: bulk.Loader, now: datetime):
        self.rng, self.loader, self.now, self.today = rng, loader, now, now.date()
        self.districts = list(DISTRICT_WEIGHTS)
        self.cum_weights = list(itertools.accumulate(DISTRICT_WEIGHTS.values()))
        self.levels = _local_levels_by_district()
        self.registrars = registrars()
        self._keys: dict[tuple[str, str], tuple[str, str, str, str]] = {}

    def register(self, size: int, start: datetime, end: datetime) -> list[DemoHousehold]:
        rng = self.rng
        groups = _build_batch(rng, self.today, size, self.districts, self.cum_weights)
        _place(rng, groups, self.levels)
        moments = sorted(office_moment(rng, start, end, self.now) for _ in groups)
        households = [
            self._household(members, moment)
            for members, moment in zip(groups, moments, strict=True)
        ]
        for household, household_id in zip(
            households, self.loader.ids(Household, len(households)), strict=True
        ):
            household.id = household_id
        self._number(households)
        return households

    def _household(self, members: list[dict], moment: datetime) -> DemoHousehold:
        office = "DMK" if members[0]["district_id"] in EAST_DISTRICTS else "KTM"
        staff = self.registrars.get(office)
        registrar = self.rng.choice(staff) if staff else bulk.SYSTEM
        return DemoHousehold(0, office, moment, registrar, members)

    def _number(self, households: list[DemoHousehold]) -> None:
        """Registration numbers from each office's counter of the year, in time order."""
        sizes: dict[tuple[str, int], int] = {}
        for household in households:
            for index in range(len(household.members)):
                # A household registered just before midnight on 31 December has members
                # registered in the new year: each is numbered from their own year's counter.
                key = (household.office, _member_moment(household, index).year)
                sizes[key] = sizes.get(key, 0) + 1
        next_number = {
            (office, year): self.loader.keys.numbers(
                RegistrationCounter, n, office_code=office, year=year
            )
            for (office, year), n in sorted(sizes.items())
        }
        people = sum(sizes.values())
        ids = iter(self.loader.ids(Beneficiary, people))
        for household in households:
            self.loader.add(
                Household,
                {
                    "id": household.id,
                    "office_code": household.office,
                    "created_at": household.registered_at,
                },
            )
            nationality = "BT" if household.office == "DMK" and self.rng.random() < 0.3 else "NP"
            for index, member in enumerate(household.members):
                at = _member_moment(household, index)
                key = (household.office, at.year)
                number = f"{household.office}-{at.year}-{next_number[key]:06d}"
                next_number[key] += 1
                row = self._row(member, household, next(ids), number, nationality, at)
                household.members[index] = row
                self.loader.add(Beneficiary, row)

    def _row(self, member, household, person_id, number, nationality, at) -> dict:
        rng = self.rng
        consent = rng.random() < 0.93
        given, family = member["given_name"], member["family_name"]
        given_key, family_key, name_ne, text = self._name_keys(given, family)
        return {
            "id": person_id,
            "registration_number": number,
            "office_code": household.office,
            "given_name": given,
            "family_name": family,
            "name_ne": name_ne,
            "sex": member["sex"],
            "date_of_birth": member["date_of_birth"],
            "dob_estimated": rng.random() < 0.15,
            "nationality": nationality,
            "phone": f"+97798{rng.randint(0, 99_999_999):08d}"
            if member["relationship"] == "head"
            else "",
            "district_id": member["district_id"],
            "local_level_id": member["local_level_id"],
            "ward": member["ward"],
            "address_line": "",
            "household_id": household.id,
            "relationship_to_head": member["relationship"],
            "vulnerabilities": rng.sample(VULNERABILITY_POOL, k=1) if rng.random() < 0.2 else [],
            "consent_given": consent,
            "consent_date": at.date() if consent else None,
            "consent_purposes": (
                rng.choice(
                    [["registration", "assistance"], ["registration", "assistance", "referral"]]
                )
                if consent
                else []
            ),
            "given_key": given_key,
            "family_key": family_key,
            "search_text": text,
            "created_by_id": household.registrar.id,
            "created_at": at,
            "updated_at": at,
            "version": 1,
        }

    def _name_keys(self, given: str, family: str) -> tuple[str, str, str, str]:
        """The Devanagari name and derived keys, computed once per name (pools are small)."""
        keys = self._keys.get((given, family))
        if keys is None:
            name_ne = in_devanagari(given, family)
            keys = self._keys[(given, family)] = (
                matching.name_key(given),
                matching.name_key(family),
                name_ne,
                matching.search_text(given, family, name_ne)[:400],
            )
        return keys


def _place(rng, households: list[list[dict]], levels) -> None:
    """Give each household a local level and ward of its district."""
    for members in households:
        level_id, wards = rng.choice(levels[members[0]["district_id"]])
        ward = rng.randint(1, wards)
        for member in members:
            member.update(local_level_id=level_id, ward=ward)


def _build_batch(rng, today, size, districts, cum_weights) -> list[list[dict]]:
    households, people = [], 0
    while people < size:
        members = _household_people(rng, today)[: size - people]
        family = rng.choice(FAMILY_NAMES)
        district = rng.choices(districts, cum_weights=cum_weights)[0]
        for member in members:
            member.update(family_name=family, district_id=district)
        households.append(members)
        people += len(members)
    return households


def beneficiary_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Beneficiary)) or 0
