"""The beneficiary registration and edit forms.

The forms only parse what the browser sends into Python values; every rule (names in
Latin script, no future birth dates, wards within the local level, consent…) is the
service's, so the API and the forms agree.
"""

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
)
from wtforms.validators import NumberRange, Optional

from casework.blueprints.form_base import FlaskForm, Form
from casework.blueprints.forms_common import (
    CalendarDateField,
    MultiCheckboxField,
    OptionalIntSelectField,
)
from casework.domain import codes


class DocumentForm(Form):
    doc_type = SelectField(_l("Type"), choices=[("", "—")] + codes.choices(codes.DOCUMENT_TYPES))
    number = StringField(_l("Number"))
    issuing_country = SelectField(_l("Issued by"), choices=[], validate_choice=False)


class BeneficiaryForm(FlaskForm):
    given_name = StringField(_l("Given name (Latin letters)"))
    family_name = StringField(_l("Family name (Latin letters)"))
    name_ne = StringField(_l("Name in Devanagari"))
    sex = SelectField(_l("Sex"), choices=codes.choices(codes.SEX), validate_choice=False)
    date_of_birth = CalendarDateField(_l("Date of birth"), validators=[Optional()])
    dob_estimated = BooleanField(_l("Date of birth is estimated"))
    nationality = SelectField(_l("Nationality"), choices=[], default="NP", validate_choice=False)
    phone = StringField(_l("Phone"))
    district_id = OptionalIntSelectField(_l("District"), choices=[], validate_choice=False)
    local_level_id = OptionalIntSelectField(_l("Local level"), choices=[], validate_choice=False)
    ward = IntegerField(_l("Ward"), validators=[Optional(), NumberRange(min=1, max=99)])
    address_line = StringField(_l("Tole / street, house"))
    vulnerabilities = MultiCheckboxField(
        _l("Vulnerabilities"), choices=codes.choices(codes.VULNERABILITIES), validate_choice=False
    )
    consent_given = BooleanField(_l("The person gave informed consent"))
    consent_date = CalendarDateField(_l("Date consent was given"), validators=[Optional()])
    consent_purposes = MultiCheckboxField(
        _l("Consent covers"), choices=codes.choices(codes.CONSENT_PURPOSES), validate_choice=False
    )
    documents = FieldList(FormField(DocumentForm), min_entries=2, max_entries=6)

    def set_choices(self, districts, local_levels, countries) -> None:
        """Each a list of (value, shown name) pairs (casework.services.reference)."""
        self.district_id.choices = [("", "—")] + districts
        self.local_level_id.choices = [("", "—")] + local_levels
        self.nationality.choices = countries
        for entry in self.documents:
            entry.form.issuing_country.choices = [("", "—")] + countries

    def data_for_service(self) -> dict:
        data = {name: self[name].data for name in _SERVICE_FIELDS}
        data["documents"] = [
            {
                "doc_type": entry.form.doc_type.data,
                "number": entry.form.number.data or "",
                "issuing_country": entry.form.issuing_country.data or None,
            }
            for entry in self.documents
            if (entry.form.number.data or "").strip() or entry.form.doc_type.data
        ]
        return data


_SERVICE_FIELDS = (
    "given_name",
    "family_name",
    "name_ne",
    "sex",
    "date_of_birth",
    "dob_estimated",
    "nationality",
    "phone",
    "district_id",
    "local_level_id",
    "ward",
    "address_line",
    "vulnerabilities",
    "consent_given",
    "consent_date",
    "consent_purposes",
)


class RegisterForm(BeneficiaryForm):
    household_of = StringField(_l("Joins the household of (registration number)"))
    relationship_to_head = SelectField(
        _l("Relationship to the head of household"),
        choices=codes.choices(codes.HOUSEHOLD_RELATIONSHIPS),
        validate_choice=False,
    )
    confirm_not_duplicate = BooleanField(
        _l("I have checked the possible matches above: this is a different person")
    )


class EditForm(BeneficiaryForm):
    relationship_to_head = SelectField(
        _l("Relationship to the head of household"),
        choices=codes.choices(codes.HOUSEHOLD_RELATIONSHIPS),
        validate_choice=False,
    )
    version = HiddenField()


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(_l("Name, registration number or phone"))
    district_id = OptionalIntSelectField(_l("District"), choices=[], validate_choice=False)
    sex = SelectField(
        _l("Sex"), choices=[("", "—")] + codes.choices(codes.SEX), validate_choice=False
    )
    office = SelectField(_l("Office"), choices=[], validate_choice=False)
