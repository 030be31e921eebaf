"""Codes used in the API and stored in the database, with their display labels.

Labels are lazily translated so that pages show them in the user's language (issue 9)
while the API and the database keep the stable codes.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SEX = {
    "female": _l("Female"),
    "male": _l("Male"),
    "other": _l("Other"),
    "unknown": _l("Unknown"),
}

CONSENT_PURPOSES = {
    "registration": _l("Registration"),
    "assistance": _l("Assistance"),
    "referral": _l("Referral to third parties"),
    "data_sharing": _l("Data sharing with government (aggregate)"),
}

VULNERABILITIES = {
    "disability": _l("Disability"),
    "chronic_illness": _l("Chronic illness"),
    "serious_medical": _l("Serious medical condition"),
    "single_parent": _l("Single parent"),
    "unaccompanied_minor": _l("Unaccompanied or separated child"),
    "older_person": _l("Older person at risk"),
    "pregnant_lactating": _l("Pregnant or lactating"),
    "gbv_survivor": _l("Survivor of gender-based violence"),
    "trafficking_survivor": _l("Survivor of trafficking"),
    "torture_survivor": _l("Survivor of torture"),
    "psychosocial": _l("Psychosocial distress"),
}

DOCUMENT_TYPES = {
    "citizenship": _l("Citizenship certificate"),
    "passport": _l("Passport"),
    "national_id": _l("National identity card"),
    "refugee_id": _l("Refugee identity card"),
    "labour_permit": _l("Labour permit"),
    "birth_certificate": _l("Birth certificate"),
    "other": _l("Other"),
}

HOUSEHOLD_RELATIONSHIPS = {
    "head": _l("Head of household"),
    "spouse": _l("Spouse"),
    "child": _l("Son or daughter"),
    "parent": _l("Parent"),
    "sibling": _l("Brother or sister"),
    "grandchild": _l("Grandchild"),
    "other_relative": _l("Other relative"),
    "other": _l("Other"),
}

ROLES = {
    "admin": _l("Administrator"),
    "supervisor": _l("Supervisor"),
    "caseworker": _l("Caseworker"),
    "partner": _l("Government partner"),
}

SERVICES = {
    "medical": _l("Medical"),
    "psychosocial": _l("Psychosocial"),
    "legal_aid": _l("Legal aid"),
    "livelihood": _l("Livelihood"),
    "education": _l("Education"),
    "shelter": _l("Shelter"),
    "family_tracing": _l("Family tracing"),
    "cash": _l("Cash"),
}

PROVIDER_KINDS = {
    "government": _l("Government"),
    "ngo": _l("NGO"),
    "health_facility": _l("Health facility"),
    "legal_aid": _l("Legal aid"),
    "un_agency": _l("UN agency"),
    "other": _l("Other"),
}

URGENCY = {"normal": _l("Normal"), "urgent": _l("Urgent")}

CASE_EVENTS = {
    "open": _l("Case opened"),
    "transition": _l("Moved"),
    "update": _l("Details changed"),
    "assign": _l("Assigned"),
    "note": _l("Note added"),
    "follow_up": _l("Follow-up added"),
    "follow_up_done": _l("Follow-up done"),
    "plan": _l("Plan saved"),
    "assistance": _l("Assistance recorded"),
    "monitoring": _l("Monitoring visit"),
    "approve": _l("Approved"),
    "reject": _l("Rejected"),
    "stage": _l("Stage recorded"),
    "referral_create": _l("Referral drafted"),
    "referral_submit": _l("Referral submitted"),
    "referral_approve": _l("Referral approved"),
    "referral_reject": _l("Referral rejected"),
    "referral_send": _l("Referral sent"),
    "referral_accept": _l("Referral accepted"),
    "referral_decline": _l("Referral declined"),
    "referral_complete": _l("Referral completed"),
    "referral_cancel": _l("Referral cancelled"),
}

APPROVAL_TYPES = {
    "reintegration_plan": _l("Reintegration plan"),
    "case_closure": _l("Case closure"),
    "budget_overrun": _l("Budget overrun"),
    "referral": _l("Referral"),
}

OFFICES = {"KTM": "Kathmandu", "DMK": "Damak"}
OFFICE_DISTRICTS = {"KTM": 27, "DMK": 4}  # Kathmandu, Jhapa


# What a referral gives the provider (services.referrals.SLIP_FIELDS), named for the
# record of data transfers on the person's page.
SHARED_FIELDS = {
    "name": _l("Name"),
    "name_ne": _l("Name in Devanagari"),
    "sex": _l("Sex"),
    "age": _l("Age"),
    "phone": _l("Phone"),
    "district": _l("District"),
    "local_level": _l("Local level"),
    "service": _l("Service"),
    "urgency": _l("Urgency"),
    "reason": _l("Reason"),
    "referred_by": _l("Referred by"),
}


def labels(table: dict, codes: list[str]) -> str:
    """The codes' labels, one after the other (an unknown code as it is)."""
    return ", ".join(str(table.get(code, code)) for code in codes)


def choices(codes: dict) -> list[tuple[str, str]]:
    """A select's choices. The labels stay lazy: forms build their choices at import time,
    and each page shows them in its own language."""
    return list(codes.items())
