"""All models, imported here so Alembic and create_app see the whole schema."""

from casework.models._types import get_by_id, utcnow
from casework.models.audit import AuditEvent
from casework.models.beneficiary import (
    Beneficiary,
    Household,
    IdentityDocument,
    RegistrationCounter,
)
from casework.models.case import (
    Approval,
    AssistanceDelivery,
    Case,
    CaseCounter,
    CaseEvent,
    CaseNote,
    FollowUp,
    MonitoringVisit,
    PlanItem,
    ReturnDetails,
    Setting,
)
from casework.models.conflict import ConflictCategory, ConflictDetails
from casework.models.imports import ImportBatch, ImportMapping
from casework.models.reference import Country, District, LocalLevel, Office, Province
from casework.models.referral import (
    DataTransfer,
    Provider,
    ProviderDistrict,
    ProviderService,
    Referral,
)
from casework.models.report import SavedReport
from casework.models.resettlement import (
    BatchCase,
    CaseMember,
    DepartureBatch,
    ResettlementDetails,
    StageRecord,
)
from casework.models.user import ApiToken, RecoveryCode, SignInThrottle, User

__all__ = [
    "BatchCase",
    "CaseMember",
    "DepartureBatch",
    "ResettlementDetails",
    "StageRecord",
    "Approval",
    "AssistanceDelivery",
    "Case",
    "CaseCounter",
    "CaseEvent",
    "CaseNote",
    "ConflictCategory",
    "ConflictDetails",
    "DataTransfer",
    "Provider",
    "ProviderDistrict",
    "ProviderService",
    "Referral",
    "FollowUp",
    "MonitoringVisit",
    "PlanItem",
    "ReturnDetails",
    "SavedReport",
    "Setting",
    "ApiToken",
    "AuditEvent",
    "Beneficiary",
    "Country",
    "District",
    "Household",
    "IdentityDocument",
    "ImportBatch",
    "ImportMapping",
    "LocalLevel",
    "Office",
    "Province",
    "RecoveryCode",
    "RegistrationCounter",
    "SignInThrottle",
    "User",
    "get_by_id",
    "utcnow",
]
