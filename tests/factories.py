"""factory_boy factories for test data. Rows are flushed, never committed by a factory."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from casework.domain import matching
from casework.extensions import db
from casework.models import (
    Beneficiary,
    Case,
    ConflictDetails,
    Household,
    IdentityDocument,
    ReturnDetails,
    User,
    utcnow,
)

PASSWORD = "correct-horse-battery"


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name")
    role = "caseworker"
    office_code = "KTM"
    active = True
    password_hash = factory.LazyFunction(lambda: _password_hash())


def _password_hash() -> str:
    from casework.services import accounts

    return accounts.hash_password(PASSWORD)


class HouseholdFactory(BaseFactory):
    class Meta:
        model = Household

    office_code = "KTM"


class BeneficiaryFactory(BaseFactory):
    class Meta:
        model = Beneficiary

    registration_number = factory.Sequence(lambda n: f"KTM-2026-{n + 900000:06d}")
    office_code = "KTM"
    given_name = "Sita"
    family_name = "Shrestha"
    name_ne = ""
    sex = "female"
    date_of_birth = date(1990, 5, 17)
    dob_estimated = False
    nationality = "NP"
    phone = ""
    district_id = 27  # Kathmandu
    relationship_to_head = "head"
    vulnerabilities = factory.LazyFunction(list)
    consent_given = True
    consent_date = factory.LazyFunction(lambda: date.today() - timedelta(days=1))
    consent_purposes = factory.LazyFunction(lambda: ["registration"])
    household = factory.SubFactory(
        HouseholdFactory, office_code=factory.SelfAttribute("..office_code")
    )
    given_key = factory.LazyAttribute(lambda o: matching.name_key(o.given_name))
    family_key = factory.LazyAttribute(lambda o: matching.name_key(o.family_name))
    search_text = factory.LazyAttribute(
        lambda o: matching.search_text(o.given_name, o.family_name, o.name_ne)
    )
    created_at = factory.LazyFunction(utcnow)
    updated_at = factory.LazyFunction(utcnow)


class IdentityDocumentFactory(BaseFactory):
    class Meta:
        model = IdentityDocument

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    doc_type = "citizenship"
    number = factory.Sequence(lambda n: f"27-01-{n:05d}")
    number_key = factory.LazyAttribute(lambda o: matching.document_key(o.number))
    issuing_country = "NP"


_case_numbers = itertools.count(1)


def person(**kwargs):
    """A beneficiary whose names must never appear where a partner looks."""
    kwargs.setdefault("given_name", "Secretname")
    kwargs.setdefault("family_name", "Hiddenfamily")
    return BeneficiaryFactory(**kwargs)


def return_case(beneficiary, opened_at=None, host="QA", status="registered", office=None):
    """A return case row (no service: reports and dashboards only need what is stored)."""
    opened_at = opened_at or utcnow()
    worker = UserFactory(office_code=office or beneficiary.office_code)
    case = Case(
        case_number=f"KTM-RR-2026-{next(_case_numbers):05d}",
        kind="return_reintegration",
        status=status,
        beneficiary=beneficiary,
        office_code=office or beneficiary.office_code,
        assigned_to_id=worker.id,
        opened_at=opened_at,
        return_details=ReturnDetails(
            host_country=host, return_date=opened_at.date(), return_reason="end_of_contract"
        ),
    )
    db.session.add(case)
    db.session.flush()
    return case


def conflict_case(beneficiary, categories, opened_at=None):
    opened_at = opened_at or utcnow()
    worker = UserFactory(office_code=beneficiary.office_code)
    case = Case(
        case_number=f"KTM-CV-2026-{next(_case_numbers):05d}",
        kind="conflict_victim",
        status="registered",
        beneficiary=beneficiary,
        office_code=beneficiary.office_code,
        assigned_to_id=worker.id,
        opened_at=opened_at,
        conflict_details=ConflictDetails(
            victim_categories=categories,
            incident_date=date(2002, 5, 1),
            incident_district_id=27,
            sensitive="torture" in categories,
        ),
    )
    db.session.add(case)
    db.session.flush()
    return case


def returnees(count, **kwargs):
    opened_at = kwargs.pop("opened_at", None)
    host = kwargs.pop("host", "QA")
    for _ in range(count):
        return_case(person(**kwargs), opened_at=opened_at, host=host)
