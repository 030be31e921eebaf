"""Individual exports in Nepali and with BS dates (issue 9; casework.reports.exports).

An English export stays the data contract (keys, codes); `lang=ne` writes the file for
people (Nepali headers, labels, Devanagari place names); `calendar=bs|both` puts a BS
companion after each date and moment. Expected words come from the catalog through
gettext in the test's app context; place names from the reference data.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import openpyxl
from flask_babel import force_locale, gettext

from casework.domain import calendar
from casework.extensions import db
from casework.models import Beneficiary, District
from casework.reports import exports
from tests.factories import BeneficiaryFactory, conflict_case, return_case
from tests.pages import filled, form_at

# 13 April 2024 is 1 Baishakh 2081; 19:00 UTC on the 12th is 00:45 on the 13th in Nepal.
NEW_YEAR = date(2024, 4, 13)
NEW_YEAR_EVE_UTC = datetime(2024, 4, 12, 19, 0, tzinfo=UTC)


def nepali(message: str, **values) -> str:
    with force_locale("ne"):
        return gettext(message, **values)


def label_ne(dataset: str, key: str) -> str:
    with force_locale("ne"):
        return str(exports.DATASETS[dataset].by_key[key].label)


def person(**kwargs) -> Beneficiary:
    b = BeneficiaryFactory(office_code="KTM", **kwargs)
    db.session.commit()
    return b


def csv_dicts(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    header, *rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_dates_get_a_bs_companion_beside_them(api_as):
    b = person(date_of_birth=NEW_YEAR, created_at=NEW_YEAR_EVE_UTC)
    boss = api_as("supervisor")
    response = boss.get(
        "/api/v1/exports/beneficiaries",
        query_string={"columns": "registration_number,date_of_birth,created_at", "calendar": "bs"},
    )
    (row,) = csv_dicts(response)
    assert list(row) == [
        "registration_number",
        "date_of_birth",
        "date_of_birth_bs",
        "created_at",
        "created_at_bs",
    ]
    assert row["registration_number"] == b.registration_number
    assert (row["date_of_birth"], row["date_of_birth_bs"]) == ("2024-04-13", "2081-01-01")
    # A moment's BS date is its day in Nepal (a UTC day would give 2080-12-31).
    assert (row["created_at"], row["created_at_bs"]) == ("2024-04-12 19:00:00", "2081-01-01")
    both = csv_dicts(
        boss.get(
            "/api/v1/exports/beneficiaries",
            query_string={"columns": "date_of_birth", "calendar": "both"},
        )
    )
    assert both == [{"date_of_birth": "2024-04-13", "date_of_birth_bs": "2081-01-01"}]


def test_without_bs_the_export_is_as_it_was(api_as):
    person(date_of_birth=NEW_YEAR)
    rows = csv_dicts(
        api_as("supervisor").get(
            "/api/v1/exports/beneficiaries", query_string={"columns": "date_of_birth,sex"}
        )
    )
    assert rows == [{"date_of_birth": "2024-04-13", "sex": "female"}]


def test_the_api_gives_the_data_contract_unless_asked_whatever_the_profile(api_as):
    """A script must not get Nepali headers or BS columns because the token's owner reads
    Nepali in BS on the pages: the API's files are English and AD unless asked."""
    person(date_of_birth=NEW_YEAR)
    boss = api_as("supervisor", language="ne", calendar="bs", digits="devanagari")
    plain = csv_dicts(
        boss.get("/api/v1/exports/beneficiaries", query_string={"columns": "date_of_birth"})
    )
    assert plain == [{"date_of_birth": "2024-04-13"}]
    asked = csv_dicts(
        boss.get(
            "/api/v1/exports/beneficiaries",
            query_string={"columns": "date_of_birth", "calendar": "bs"},
        )
    )
    assert asked == [{"date_of_birth": "2024-04-13", "date_of_birth_bs": "2081-01-01"}]


def test_a_date_outside_the_bs_calendar_has_an_empty_companion(api_as):
    person(date_of_birth=date(1910, 1, 1), dob_estimated=True)
    rows = csv_dicts(
        api_as("supervisor").get(
            "/api/v1/exports/beneficiaries",
            query_string={"columns": "date_of_birth", "calendar": "bs"},
        )
    )
    assert rows == [{"date_of_birth": "1910-01-01", "date_of_birth_bs": ""}]


def test_a_nepali_export_has_nepali_headers_labels_and_place_names(api_as):
    person(date_of_birth=NEW_YEAR, sex="male", consent_given=True, district_id=4)
    boss = api_as("supervisor")
    response = boss.get(
        "/api/v1/exports/beneficiaries",
        query_string={
            "columns": "sex,date_of_birth,district,consent_given,office",
            "lang": "ne",
            "calendar": "bs",
        },
    )
    assert response.headers["Content-Disposition"].endswith("-ne.csv")
    (row,) = csv_dicts(response)
    dob = label_ne("beneficiaries", "date_of_birth")
    assert list(row) == [
        label_ne("beneficiaries", "sex"),
        dob,
        nepali("%(column)s (BS)", column=dob),
        label_ne("beneficiaries", "district"),
        label_ne("beneficiaries", "consent_given"),
        label_ne("beneficiaries", "office"),
    ]
    assert list(row.values()) == [
        nepali("Male"),
        "2024-04-13",
        "2081-01-01",
        db.session.get(District, 4).name_ne,
        nepali("Yes"),
        "KTM",  # a code that is an office's identifier stays as it is
    ]


def test_a_nepali_xlsx_keeps_dates_as_dates_and_the_companion_as_text(api_as):
    person(date_of_birth=NEW_YEAR)
    response = api_as("supervisor").get(
        "/api/v1/exports/beneficiaries",
        query_string={
            "columns": "date_of_birth",
            "lang": "ne",
            "calendar": "both",
            "format": "xlsx",
        },
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    header, row = list(sheet.iter_rows(values_only=True))
    assert header[1] == nepali("%(column)s (BS)", column=header[0])
    assert row[0] == datetime(2024, 4, 13) and row[1] == "2081-01-01"


def test_case_codes_and_restricted_categories_read_in_nepali(api_as):
    sensitive = conflict_case(person(), ["torture"])
    return_case(person(), opened_at=NEW_YEAR_EVE_UTC)
    db.session.commit()
    boss = api_as("admin")  # admins may not know torture and sexual violence
    rows = csv_dicts(
        boss.get(
            "/api/v1/exports/cases",
            query_string={
                "columns": "case_number,kind,victim_categories,opened_at",
                "lang": "ne",
                "calendar": "bs",
            },
        )
    )
    by_number = {row[label_ne("cases", "case_number")]: row for row in rows}
    conflict_row = by_number[sensitive.case_number]
    assert conflict_row[label_ne("cases", "kind")] == nepali("Conflict victim")
    assert conflict_row[label_ne("cases", "victim_categories")] == nepali("restricted")
    assert "torture" not in str(rows)
    returned = next(row for number, row in by_number.items() if number != sensitive.case_number)
    opened = label_ne("cases", "opened_at")
    assert returned[nepali("%(column)s (BS)", column=opened)] == "2081-01-01"


def test_bad_language_or_calendar_is_refused_naming_the_field(api_as):
    boss = api_as("supervisor")
    for name in ("lang", "calendar"):
        response = boss.get("/api/v1/exports/cases", query_string={name: "martian"})
        assert response.status_code == 422, name
        assert name in response.get_json()["error"]["fields"], response.get_json()


def test_the_page_downloads_a_nepali_export_with_bs_dates(login_as):
    b = person(date_of_birth=NEW_YEAR)
    page = login_as("supervisor")
    form = form_at(
        page.get("/exports/beneficiaries").get_data(as_text=True), "/exports/beneficiaries"
    )
    assert form["language"] == "en" and form["calendar"] == "ad"  # the user's own
    response = page.post(
        "/exports/beneficiaries",
        data=filled(
            form,
            columns=["registration_number", "date_of_birth"],
            language="ne",
            calendar="both",
        ),
    )
    (row,) = csv_dicts(response)
    dob = label_ne("beneficiaries", "date_of_birth")
    assert row == {
        label_ne("beneficiaries", "registration_number"): b.registration_number,
        dob: "2024-04-13",
        nepali("%(column)s (BS)", column=dob): "2081-01-01",
    }
    wrong = page.post("/exports/beneficiaries", data=filled(form, language="martian"))
    assert wrong.status_code == 422


def test_a_nepali_supervisor_gets_a_nepali_form_default(login_as):
    page = login_as("supervisor", language="ne", calendar="bs")
    form = form_at(page.get("/exports/cases").get_data(as_text=True), "/exports/cases")
    assert form["language"] == "ne" and form["calendar"] == "both"


def test_the_audit_records_the_language_and_calendar(api_as):
    from tests.integration.test_exports import export_events

    person()
    boss = api_as("supervisor")
    assert boss.get("/api/v1/exports/beneficiaries?lang=ne&calendar=bs").status_code == 200
    (event,) = export_events()
    assert (event.changes["language"], event.changes["calendar"]) == ("ne", "bs")


def test_bs_dates_are_converted_once_per_day(make_user):
    """A million rows hold a few thousand days: the conversion is cached per day."""
    calendar.bs_iso.cache_clear()
    for _ in range(3):
        person(date_of_birth=NEW_YEAR)
    boss = make_user("supervisor")
    result = exports.export(
        boss, "beneficiaries", columns=["date_of_birth"], calendar="bs", fmt="csv"
    )
    assert result.rows == 3
    info = calendar.bs_iso.cache_info()
    assert info.misses == 1 and info.hits == 2
