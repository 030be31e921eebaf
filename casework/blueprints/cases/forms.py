"""Forms of the case pages. They parse input; the services hold the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from casework.blueprints.form_base import FlaskForm, Form
from casework.blueprints.forms_common import (
    CalendarDateField,
    FiniteDecimalField,
    MultiCheckboxField,
    OptionalIntSelectField,
)
from casework.domain import codes, conflict, reintegration, resettlement


class ReturnFieldsForm(FlaskForm):
    host_country = SelectField(_l("Returned from"), choices=[], validate_choice=False)
    return_date = CalendarDateField(_l("Date of return"), validators=[Optional()])
    return_reason = SelectField(
        _l("Reason for return"),
        choices=[("", "—")] + codes.choices(reintegration.RETURN_REASONS),
        validate_choice=False,
    )
    arrival_help = MultiCheckboxField(
        _l("Help given on arrival"),
        choices=codes.choices(reintegration.ARRIVAL_HELP),
        validate_choice=False,
    )

    def prepare(self, countries, districts) -> None:
        self.host_country.choices = [("", "—")] + [c for c in countries if c[0] != "NP"]

    def kind_data(self) -> dict:
        return {
            "host_country": self.host_country.data or "",
            "return_date": self.return_date.data,
            "return_reason": self.return_reason.data or None,
            "arrival_help": self.arrival_help.data or [],
        }


class ConflictFieldsForm(FlaskForm):
    victim_categories = MultiCheckboxField(
        _l("Categories (all that apply)"),
        choices=codes.choices(conflict.VICTIM_CATEGORIES),
        validate_choice=False,
    )
    incident_date = CalendarDateField(_l("Date of the incident"), validators=[Optional()])
    incident_district_id = OptionalIntSelectField(
        _l("District of the incident"), choices=[], validate_choice=False
    )
    disability_percent = IntegerField(
        _l("Disability (%) for the injured or disabled"), validators=[Optional()]
    )
    taskforce_reference = StringField(_l("Taskforce list reference"))
    ward_recommendation = BooleanField(_l("The ward office recommended the person"))
    documents_seen = TextAreaField(_l("Documents seen"))
    relief_received = TextAreaField(_l("Relief already received"))

    def prepare(self, countries, districts) -> None:
        self.incident_district_id.choices = [("", "—")] + districts

    def kind_data(self) -> dict:
        return {
            "victim_categories": self.victim_categories.data or [],
            "incident_date": self.incident_date.data,
            "incident_district_id": self.incident_district_id.data,
            "disability_percent": self.disability_percent.data,
            "taskforce_reference": self.taskforce_reference.data or "",
            "ward_recommendation": bool(self.ward_recommendation.data),
            "documents_seen": self.documents_seen.data or "",
            "relief_received": self.relief_received.data or "",
        }


class ResettlementFieldsForm(FlaskForm):
    unhcr_case_number = StringField(_l("UNHCR case number"))
    camp = SelectField(
        _l("Camp"), choices=[("", "—")] + codes.choices(resettlement.CAMPS), validate_choice=False
    )
    hut_address = StringField(_l("Sector and hut"))
    destination_country = SelectField(_l("Destination country"), choices=[], validate_choice=False)
    programme = SelectField(
        _l("Resettlement programme"),
        choices=[("", "—")] + codes.choices(resettlement.PROGRAMMES),
        validate_choice=False,
    )
    special_needs = MultiCheckboxField(
        _l("Special needs"),
        choices=codes.choices(resettlement.SPECIAL_NEEDS),
        validate_choice=False,
    )
    member_ids = MultiCheckboxField(
        _l("Family members on the case"), choices=[], coerce=int, validate_choice=False
    )
    more_members = StringField(_l("Other members (registration numbers, separated by commas)"))

    def prepare(self, countries, districts) -> None:
        first = [c for c in countries if c[0] in resettlement.DESTINATIONS]
        rest = [c for c in countries if c[0] not in (*resettlement.DESTINATIONS, "NP", "BT")]
        self.destination_country.choices = [("", "—")] + first + rest

    def set_family(self, people) -> None:
        self.member_ids.choices = [
            (p.id, f"{p.full_name} ({p.registration_number})") for p in people
        ]

    def kind_data(self) -> dict:
        return {
            "unhcr_case_number": self.unhcr_case_number.data or "",
            "camp": self.camp.data or None,
            "hut_address": self.hut_address.data or "",
            "destination_country": self.destination_country.data or "",
            "programme": self.programme.data or "",
            "special_needs": self.special_needs.data or [],
            "member_ids": self.member_ids.data or [],
        }


class StageForm(FlaskForm):
    """What the current stage recorded; member results come as health-<id> / attended."""

    recorded_on = CalendarDateField(_l("Date"), validators=[Optional()])
    result = SelectField(
        _l("Interview result"),
        choices=[("", "—")] + codes.choices(resettlement.INTERVIEW_RESULTS),
        validate_choice=False,
    )
    outcome = SelectField(
        _l("Decision of the destination country"),
        choices=[("", "—")] + codes.choices(resettlement.DECISIONS),
        validate_choice=False,
    )
    permit_number = StringField(_l("Exit permit number"))
    permit_date = CalendarDateField(_l("Exit permit date"), validators=[Optional()])
    booking_reference = StringField(_l("Booking reference"))
    stage_notes = TextAreaField(_l("Notes"))


class BatchForm(FlaskForm):
    departure_date = CalendarDateField(_l("Departure date"), validators=[Optional()])
    flight = StringField(_l("Flight"))
    origin = StringField(_l("Departs from"), default="Kathmandu (KTM)")
    destination = StringField(_l("Destination"))
    case_ids = MultiCheckboxField(
        _l("Cases on this flight"), choices=[], coerce=int, validate_choice=False
    )


class PipelineFilterForm(Form):
    """The resettlement pipeline's period, read from the query string (`from`, `to`)."""

    start = CalendarDateField(_l("From"), validators=[Optional()], name="from")
    end = CalendarDateField(_l("To"), validators=[Optional()], name="to")

    def day(self, name: str):
        """The date given, or None when none or an unreadable one was (the board is
        then shown unfiltered on that side, with the message on the field)."""
        field = getattr(self, name)
        return None if field.errors else field.data


class _OpenFields(FlaskForm):
    assigned_to = OptionalIntSelectField(_l("Assigned to"), choices=[], validate_choice=False)


class _EditFields(FlaskForm):
    version = HiddenField()


class OpenReturnCaseForm(_OpenFields, ReturnFieldsForm):
    pass


class OpenConflictCaseForm(_OpenFields, ConflictFieldsForm):
    pass


class OpenResettlementCaseForm(_OpenFields, ResettlementFieldsForm):
    pass


class EditResettlementCaseForm(_EditFields, ResettlementFieldsForm):
    pass


class EditReturnCaseForm(_EditFields, ReturnFieldsForm):
    pass


class EditConflictCaseForm(_EditFields, ConflictFieldsForm):
    pass


# The open and edit forms of each kind of case.
KIND_FORMS = {
    "return_reintegration": (OpenReturnCaseForm, EditReturnCaseForm),
    "conflict_victim": (OpenConflictCaseForm, EditConflictCaseForm),
    "resettlement": (OpenResettlementCaseForm, EditResettlementCaseForm),
}


class TransitionForm(FlaskForm):
    to = SelectField(_l("Move to"), choices=[], validate_choice=False)
    comment = TextAreaField(_l("Comment"))
    closure_reason = SelectField(
        _l("Reason for closing (when closing)"),
        choices=[("", "—")] + codes.choices(reintegration.CLOSURE_REASONS),
        validate_choice=False,
    )
    version = HiddenField()


class AssignForm(FlaskForm):
    # Field names differ from the transition form's: both forms are on the case page.
    assigned_to = OptionalIntSelectField(_l("Assign to"), choices=[], validate_choice=False)
    assign_comment = StringField(_l("Why (optional)"))
    assign_version = HiddenField()


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Note"))
    confidential = BooleanField(
        _l("Confidential: only the assigned caseworker and supervisors can read it")
    )


class FollowUpForm(FlaskForm):
    title = StringField(_l("What needs doing"))
    due_date = CalendarDateField(_l("Due"), validators=[Optional()])


class PlanItemForm(Form):
    assistance_type = SelectField(
        _l("Assistance"),
        choices=[("", "—")] + codes.choices(reintegration.ASSISTANCE_TYPES),
        validate_choice=False,
    )
    description = StringField(_l("Details"))
    budget_npr = IntegerField(_l("Budget (NPR)"), validators=[Optional()])


class PlanForm(FlaskForm):
    plan_goals = TextAreaField(_l("Goals of the reintegration plan"))
    items = FieldList(FormField(PlanItemForm), min_entries=3, max_entries=12)

    def items_data(self) -> list[dict]:
        return [
            {
                "assistance_type": entry.form.assistance_type.data,
                "description": entry.form.description.data or "",
                "budget_npr": entry.form.budget_npr.data,
            }
            for entry in self.items
            if entry.form.assistance_type.data or entry.form.budget_npr.data
        ]


class DeliveryForm(FlaskForm):
    assistance_type = SelectField(
        _l("Assistance"),
        choices=[("", "—")] + codes.choices(reintegration.ASSISTANCE_TYPES),
        validate_choice=False,
    )
    amount_npr = IntegerField(_l("Amount (NPR)"), validators=[Optional()])
    delivered_on = CalendarDateField(_l("Delivered on"), validators=[Optional()])
    delivered_by = StringField(_l("Delivered by"))
    delivery_notes = TextAreaField(_l("Notes"))


class VisitForm(FlaskForm):
    visit_date = CalendarDateField(_l("Visit date"), validators=[Optional()])
    economic = FiniteDecimalField(
        _l("Economic (0–1)"), places=2, validators=[Optional(), NumberRange(0, 1)]
    )
    social = FiniteDecimalField(
        _l("Social (0–1)"), places=2, validators=[Optional(), NumberRange(0, 1)]
    )
    psychosocial = FiniteDecimalField(
        _l("Psychosocial (0–1)"), places=2, validators=[Optional(), NumberRange(0, 1)]
    )
    visit_notes = TextAreaField(_l("Notes"))

    def visit_data(self) -> dict:
        def number(field):
            return float(field.data) if field.data is not None else None

        return {
            "visit_date": self.visit_date.data,
            "economic": number(self.economic),
            "social": number(self.social),
            "psychosocial": number(self.psychosocial),
            "notes": self.visit_notes.data or "",
        }


class DecisionForm(FlaskForm):
    comment = TextAreaField(_l("Comment (required)"))


class ReassignForm(FlaskForm):
    from_user = OptionalIntSelectField(_l("All open cases of"), choices=[], validate_choice=False)
    to_user = OptionalIntSelectField(_l("Go to"), choices=[], validate_choice=False)
    comment = StringField(_l("Why"))


class SettingsForm(FlaskForm):
    weight_economic = FiniteDecimalField(
        _l("Weight of the economic score"), places=2, validators=[InputRequired()]
    )
    weight_social = FiniteDecimalField(
        _l("Weight of the social score"), places=2, validators=[InputRequired()]
    )
    weight_psychosocial = FiniteDecimalField(
        _l("Weight of the psychosocial score"), places=2, validators=[InputRequired()]
    )
    threshold = FiniteDecimalField(
        _l("Sustainable at or above (0–1)"), places=2, validators=[InputRequired()]
    )
    referral_response_days = IntegerField(
        _l("Days a provider has to answer a referral"), validators=[InputRequired()]
    )
    suppression_threshold = IntegerField(
        _l("Hide report counts below"), validators=[InputRequired()]
    )
    # Left empty, the session timeouts keep their current values.
    session_idle_minutes = IntegerField(
        _l("Sign out after this many minutes without activity"), validators=[Optional()]
    )
    session_absolute_hours = IntegerField(
        _l("Sign out this many hours after signing in, however active"),
        validators=[Optional()],
    )
    # Left empty, the sign-in lockout keeps its current values.
    sign_in_max_failures = IntegerField(
        _l("Failed sign-ins that lock an account or address"), validators=[Optional()]
    )
    sign_in_lock_minutes = IntegerField(
        _l("Minutes a lock lasts (and failures are counted for)"), validators=[Optional()]
    )
