"""All models, imported here so Alembic and create_app see the whole schema."""

from casework.models._types import get_by_id, utcnow
from casework.models.audit import AuditEvent
from casework.models.beneficiary import (
    Beneficiary,
    Household,
    IdentityDocument,
    RegistrationCounter,
)
from casework.models.reference import Country, District, LocalLevel, Office, Province
from casework.models.user import ApiToken, User

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Beneficiary",
    "Country",
    "District",
    "Household",
    "IdentityDocument",
    "LocalLevel",
    "Office",
    "Province",
    "RegistrationCounter",
    "User",
    "get_by_id",
    "utcnow",
]
