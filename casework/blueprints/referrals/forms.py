"""Forms for referrals and the provider directory."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField

from casework.blueprints.form_base import FlaskForm
from casework.blueprints.forms_common import MultiCheckboxField, OptionalIntSelectField
from casework.domain import codes


class ReferralForm(FlaskForm):
    service = SelectField(
        _l("Service"), choices=[("", "—")] + codes.choices(codes.SERVICES), validate_choice=False
    )
    provider_id = OptionalIntSelectField(_l("Provider"), choices=[], validate_choice=False)
    urgency = SelectField(
        _l("Urgency"), choices=codes.choices(codes.URGENCY), validate_choice=False
    )
    reason = TextAreaField(_l("Why the person is referred (the provider reads this)"))
    consent_obtained = BooleanField(_l("The person agreed to this referral and to what is shared"))


class ActionForm(FlaskForm):
    """One form for every referral action; each uses the fields it needs."""

    version = HiddenField()
    note = TextAreaField(_l("The provider's answer (optional)"))
    outcome = TextAreaField(_l("Outcome"))
    reason = TextAreaField(_l("Reason"))


class ProviderForm(FlaskForm):
    name = StringField(_l("Organisation"))
    kind = SelectField(
        _l("Kind"), choices=[("", "—")] + codes.choices(codes.PROVIDER_KINDS), validate_choice=False
    )
    services = MultiCheckboxField(
        _l("Services offered"), choices=codes.choices(codes.SERVICES), validate_choice=False
    )
    district_ids = MultiCheckboxField(
        _l("Districts served"), choices=[], coerce=int, validate_choice=False
    )
    contact = TextAreaField(_l("Contact (address, phone, focal person)"))
    active = BooleanField(_l("Active: caseworkers can refer to it"), default=True)
    version = HiddenField()

    def provider_data(self) -> dict:
        return {
            "name": self.name.data or "",
            "kind": self.kind.data or None,
            "services": self.services.data or [],
            "district_ids": self.district_ids.data or [],
            "contact": self.contact.data or "",
            "active": bool(self.active.data),
        }


class ProviderSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name"))
    service = SelectField(
        _l("Service"), choices=[("", "—")] + codes.choices(codes.SERVICES), validate_choice=False
    )
    district_id = OptionalIntSelectField(_l("District served"), choices=[], validate_choice=False)
