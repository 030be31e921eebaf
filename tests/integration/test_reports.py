"""Aggregate reports: counting, periods, suppression, files, the API, saved reports."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.models import AuditEvent, Referral
from casework.reports.suppression import TOTAL, recoverable, with_totals
from tests import factories
from tests.factories import conflict_case, person, return_case
from tests.pages import field_errors, filled, form_with, table_rows

FY_START = datetime(2025, 7, 17, 6, 0, tzinfo=UTC)  # in 2082/83
BEFORE_FY = datetime(2025, 7, 16, 17, 0, tzinfo=UTC)  # 16 July 22:45 in Nepal: 2081/82
LATE_FY = datetime(2026, 7, 16, 18, 0, tzinfo=UTC)  # 16 July 23:45 in Nepal: still 2082/83


def returnees(count, **kwargs):
    """People with a return case opened in 2082/83 unless told otherwise."""
    kwargs.setdefault("opened_at", FY_START)
    factories.returnees(count, **kwargs)


def summary(api, **params):
    response = api.get("/api/v1/reports/summary", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def counts(body, *dims):
    return {tuple(row[d] for d in dims): row["count"] for row in body["rows"]}


def test_counts_people_grouped_by_district_and_sex(api_as):
    returnees(6, district_id=27, sex="female")
    returnees(7, district_id=27, sex="male")
    returnees(9, district_id=4, sex="female")
    person(district_id=4, sex="male")  # registered, no case: counted as a person
    db.session.commit()
    api = api_as("partner")
    body = summary(api, group_by="district,sex")
    # Jhapa/male is 1; its row, its column and then Kathmandu's row each need a second
    # hidden cell, so every cell is hidden, while every total is shown.
    assert counts(body, "district", "sex") == {
        (4, "female"): None,
        (4, "male"): None,
        (27, "female"): None,
        (27, "male"): None,
    }
    totals = {(t.get("district"), t.get("sex")): t["count"] for t in body["totals"]}
    assert totals == {(4, None): 10, (27, None): 13, (None, "female"): 15, (None, "male"): 8}
    assert body["threshold"] == 5
    with_kind = summary(api, group_by="district,sex", kind="return_reintegration")
    assert counts(with_kind, "district", "sex") == {
        (4, "female"): 9,
        (27, "female"): 6,
        (27, "male"): 7,
    }
    assert with_kind["total"] == {"count": 22, "suppressed": False}


def test_no_dimension_gives_the_total_alone(api_as, login_as):
    returnees(3)
    db.session.commit()
    body = summary(api_as("partner"), subject="cases")
    assert body["rows"] == [] and body["totals"] == []
    assert body["total"] == {"count": None, "suppressed": True}
    page = login_as("partner").get("/reports/", query_string={"subject": "cases"})
    assert [row for row in table_rows(page.get_data(as_text=True)) if row[0] == "Total"] == [
        ["Total", "<5"]
    ]


def test_the_fiscal_year_selects_by_nepal_days(api_as):
    returnees(5, opened_at=FY_START)
    returnees(6, opened_at=LATE_FY)  # the last evening of 2082/83 in Kathmandu
    returnees(7, opened_at=BEFORE_FY)  # the last evening of 2081/82 in Kathmandu
    db.session.commit()
    api = api_as("partner")
    body = summary(api, subject="cases", fiscal_year="2082/83")
    assert body["total"]["count"] == 11
    assert body["period"] == {
        "from": "2025-07-17",
        "from_bs": "2082-04-01",
        "to": "2026-07-16",
        "to_bs": "2083-03-32",
        "fiscal_year": "2082/83",
    }
    earlier = summary(api, subject="cases", fiscal_year="2081/82")
    assert earlier["total"]["count"] == 7
    ranged = summary(api, subject="cases", **{"from": "2025-07-16", "to": "2025-07-16"})
    assert ranged["total"]["count"] == 7


def test_ages_are_banded_at_the_end_of_the_period(api_as):
    # 18 on 16 July 2026 (the end of 2082/83), still 17 a day earlier.
    returnees(5, date_of_birth=date(2008, 7, 16))
    returnees(6, date_of_birth=date(2008, 7, 17))
    returnees(5, date_of_birth=None)
    db.session.commit()
    api = api_as("partner")
    body = summary(api, group_by="age_band", kind="return_reintegration", fiscal_year="2082/83")
    assert counts(body, "age_band") == {("18-59",): 5, ("12-17",): 6, ("unknown",): 5}
    earlier_end = summary(api, group_by="age_band", kind="return_reintegration", to="2026-07-15")
    assert counts(earlier_end, "age_band") == {("12-17",): 11, ("unknown",): 5}


def test_cases_by_kind_dimensions_count_each_category(api_as):
    for _ in range(5):
        conflict_case(person(), ["displaced", "torture"])
    for _ in range(6):
        conflict_case(person(), ["displaced"])
    returnees(5, host="SA")
    returnees(8, host="MY")
    db.session.commit()
    api = api_as("partner")
    by_category = summary(api, subject="cases", group_by="victim_category")
    assert counts(by_category, "victim_category") == {("displaced",): 11, ("torture",): 5}
    by_host = summary(api, subject="cases", group_by="host_country")
    assert counts(by_host, "host_country") == {("MY",): 8, ("SA",): 5}
    by_kind = summary(api, subject="cases", group_by="kind,status")
    assert counts(by_kind, "kind", "status") == {
        ("conflict_victim", "registered"): 11,
        ("return_reintegration", "registered"): 13,
    }


def test_referrals_are_counted_by_service_and_status(api_as, make_user):
    worker = make_user("caseworker")
    from casework.models import Provider

    provider = Provider(name="Clinic", kind="health_facility")
    db.session.add(provider)
    db.session.flush()
    for service, status, n in (("medical", "sent", 6), ("legal_aid", "completed", 5)):
        for _ in range(n):
            case = return_case(person())
            db.session.add(
                Referral(
                    case_id=case.id,
                    office_code="KTM",
                    provider_id=provider.id,
                    service=service,
                    reason="x",
                    status=status,
                    created_by_id=worker.id,
                    created_at=FY_START,
                )
            )
    db.session.commit()
    body = summary(api_as("partner"), subject="referrals", group_by="service,status")
    assert counts(body, "service", "status") == {
        ("legal_aid", "completed"): 5,
        ("medical", "sent"): 6,
    }


def test_small_cells_are_suppressed_with_their_complements(api_as):
    returnees(3, district_id=27, sex="female")
    returnees(10, district_id=27, sex="male")
    returnees(8, district_id=4, sex="female")
    returnees(20, district_id=4, sex="male")
    db.session.commit()
    body = summary(api_as("partner"), group_by="district,sex", kind="return_reintegration")
    rows = {(r["district"], r["sex"]): r for r in body["rows"]}
    # Kathmandu/female (3) is small; its row and column each need another hidden cell.
    assert all(rows[key]["suppressed"] for key in rows)
    assert all(rows[key]["count"] is None for key in rows)
    totals = {(t.get("district"), t.get("sex")): t["count"] for t in body["totals"]}
    assert totals[(27, None)] == 13 and totals[(None, "female")] == 11
    assert body["total"]["count"] == 41


def test_the_threshold_setting_changes_the_reports(api_as, login_as):
    returnees(6, sex="female")
    returnees(9, sex="male")
    db.session.commit()
    api = api_as("partner")
    assert counts(summary(api, group_by="sex"), "sex") == {("female",): 6, ("male",): 9}
    from casework.services import settings

    settings.update_suppression_threshold(login_as("admin").user, 7)
    db.session.commit()
    body = summary(api, group_by="sex")
    assert counts(body, "sex") == {("female",): None, ("male",): None}
    assert body["threshold"] == 7


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "district,name"}, "group_by"),
        ({"group_by": "district,sex,age_band,province"}, "group_by"),
        ({"group_by": "sex,sex"}, "group_by"),
        ({"group_by": "service"}, "group_by"),  # people have no service
        ({"from": "2026-02-01", "to": "2026-01-01"}, "to"),
        ({"fiscal_year": "2082-83"}, "fiscal_year"),
        ({"fiscal_year": "2082/84"}, "fiscal_year"),
        ({"fiscal_year": "2082/83", "from": "2026-01-01"}, "fiscal_year"),
        ({"from": "yesterday"}, "from"),
        ({"kind": "burglary"}, "kind"),
        ({"subject": "names"}, "subject"),
        ({"office": "XYZ"}, "office"),
        ({"format": "pdf"}, "format"),
    ],
)
def test_bad_report_requests_are_refused_naming_the_field(api_as, params, field):
    response = api_as("partner").get("/api/v1/reports/summary", query_string=params)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"], error


def test_partner_journey_returnees_by_district_sex_and_age_for_fy_2082_83(login_as):
    """The issue's "done when": the partner builds the report, downloads it as XLSX, finds no
    name, and no small cell can be worked out from what the file shows."""
    returnees(12, district_id=27, sex="male", date_of_birth=date(1990, 1, 1))
    returnees(7, district_id=27, sex="female", date_of_birth=date(1992, 1, 1))
    returnees(2, district_id=27, sex="female", date_of_birth=date(2010, 1, 1))
    returnees(9, district_id=4, sex="male", date_of_birth=date(1985, 1, 1))
    returnees(1, district_id=4, sex="female", date_of_birth=date(1950, 1, 1))
    db.session.commit()
    partner = login_as("partner")
    args = {
        "subject": "beneficiaries",
        "dim1": "district",
        "dim2": "sex",
        "dim3": "age_band",
        "kind": "return_reintegration",
        "fiscal_year": "2082/83",
    }
    page = partner.get("/reports/", query_string=args)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Kathmandu" in html and "Jhapa" in html and "&lt;5" in html
    assert "Secretname" not in html and "Hiddenfamily" not in html

    download = partner.get("/reports/download", query_string={**args, "format": "xlsx"})
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(download.data))
    assert book.sheetnames == ["Report", "About this report"]
    sheet_text = " ".join(
        str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
    )
    assert "Secretname" not in sheet_text and "Hiddenfamily" not in sheet_text
    about = dict(book["About this report"].iter_rows(values_only=True))
    assert about["Period"] == "Fiscal year 2082/83"
    assert about["Generated by"] == partner.user.username
    assert "<5" in about["Suppression"]

    rows = list(book["Report"].iter_rows(values_only=True))
    assert rows[0] == ("District", "Sex", "Age band", "Count")
    shown = {row[:3]: row[3] for row in rows[1:]}
    assert shown[("Kathmandu", "Female", "12–17 years")] == "<5"
    assert shown[("Jhapa", "Female", "60 years and over")] == "<5"
    assert shown[("All", "All", "All")] == 31
    # The true table, with every total: what the file shows must agree with it, hide
    # every small figure, and let a reader work none of them out.
    truth = with_totals(
        {
            (27, "male", "18-59"): 12,
            (27, "female", "18-59"): 7,
            (27, "female", "12-17"): 2,
            (4, "male", "18-59"): 9,
            (4, "female", "60+"): 1,
        }
    )
    names = {27: "Kathmandu", 4: "Jhapa", "male": "Male", "female": "Female"}
    names.update({"18-59": "18–59 years", "12-17": "12–17 years", "60+": "60 years and over"})
    as_shown = {key: shown[tuple("All" if v is TOTAL else names[v] for v in key)] for key in truth}
    assert len(as_shown) == len(shown)
    hidden = {key for key, value in as_shown.items() if not isinstance(value, int)}
    assert all(as_shown[key] == truth[key] for key in truth if key not in hidden)
    small = {key for key, n in truth.items() if 0 < n < 5}
    assert small <= hidden
    assert not {key for key, _ in recoverable(truth, hidden)} & small

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.download"))
    assert [e.changes["format"] for e in events] == ["xlsx"]


def test_csv_download_and_the_api_file_formats(login_as, api_as):
    returnees(6, sex="female")
    db.session.commit()
    partner = login_as("partner")
    response = partner.get("/reports/download", query_string={"dim1": "sex", "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows == [["Sex", "Count"], ["Female", "6"], ["All", "6"]]
    api = api_as("partner")
    xlsx = api.get("/api/v1/reports/summary", query_string={"group_by": "sex", "format": "xlsx"})
    assert xlsx.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(xlsx.data))["Report"]["B2"].value == 6


def test_the_page_reached_with_a_format_in_its_address_offers_both_files(login_as):
    # A download address with /download taken out: its `format` must not clash with the
    # format each download link sets (it was a 500).
    returnees(6, sex="female")
    db.session.commit()
    page = login_as("partner").get("/reports/", query_string={"dim1": "sex", "format": "csv"})
    assert page.status_code == 200
    links = re.findall(r'href="(/reports/download[^"]*)"', page.get_data(as_text=True))
    assert [parse_qs(urlsplit(html.unescape(link)).query)["format"] for link in links] == [
        ["csv"],
        ["xlsx"],
    ]


def test_bad_input_on_the_page_is_shown_on_its_field(login_as):
    partner = login_as("partner")
    response = partner.get(
        "/reports/", query_string={"dim1": "sex", "start": "2026-02-01", "end": "2026-01-01"}
    )
    assert response.status_code == 422
    assert "The end of the period is before its start." in response.get_data(as_text=True)
    unreadable = partner.get("/reports/", query_string={"dim1": "sex", "start": "soon"})
    assert unreadable.status_code == 422
    wrong = partner.get("/reports/download", query_string={"dim1": "bogus", "format": "csv"})
    assert wrong.status_code == 422
    assert "Unknown dimension" in wrong.get_data(as_text=True)


def test_a_partner_saves_a_report_and_runs_it_for_another_year(login_as):
    returnees(5, opened_at=FY_START)
    returnees(6, opened_at=BEFORE_FY)
    db.session.commit()
    partner = login_as("partner")
    args = {"subject": "cases", "dim1": "sex", "fiscal_year": "2082/83"}
    saved = partner.post("/reports/saved", query_string=args, data={"name": "Returns by sex"})
    assert saved.status_code == 302
    page = partner.get("/reports/").get_data(as_text=True)
    assert "Returns by sex" in page
    from casework.models import SavedReport

    report = db.session.scalar(select(SavedReport))
    rerun = partner.get(f"/reports/saved/{report.id}", query_string={"fiscal_year": "2081/82"})
    assert rerun.status_code == 302
    assert "fiscal_year=2081/82" in rerun.headers["Location"]
    shown = partner.get(rerun.headers["Location"]).get_data(as_text=True)
    assert "Fiscal year 2081/82" in shown and ">6<" in shown
    own = partner.get(f"/reports/saved/{report.id}")
    assert "fiscal_year=2082/83" in own.headers["Location"]
    # Nobody else sees it, and only its owner deletes it.
    other = login_as("partner")
    assert other.get(f"/reports/saved/{report.id}").status_code == 404
    assert other.post(f"/reports/saved/{report.id}/delete").status_code == 404
    assert "Returns by sex" not in other.get("/reports/").get_data(as_text=True)
    assert partner.post(f"/reports/saved/{report.id}/delete").status_code == 302
    assert db.session.scalar(select(SavedReport)) is None


def test_saving_needs_a_name(login_as):
    partner = login_as("partner")
    response = partner.post("/reports/saved", query_string={"dim1": "sex"}, data={"name": " "})
    assert response.status_code == 302
    assert "Give the report a name" in partner.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_a_partner_reaches_no_record_anywhere(login_as, api_as):
    someone = person()
    case = return_case(someone)
    db.session.commit()
    partner = login_as("partner")
    for url in (
        "/beneficiaries/",
        f"/beneficiaries/{someone.id}",
        "/cases/",
        f"/cases/{case.id}",
        "/work/",
        "/approvals/",
        "/exports/",
    ):
        response = partner.get(url)
        assert response.status_code in (403, 404), url
        assert "Secretname" not in response.get_data(as_text=True)
    api = api_as("partner")
    for url in (
        "/api/v1/beneficiaries",
        f"/api/v1/beneficiaries/{someone.id}",
        "/api/v1/cases",
        "/api/v1/exports/beneficiaries",
    ):
        assert api.get(url).status_code == 403, url
    for page in ("/", "/reports/"):
        assert "Secretname" not in partner.get(page).get_data(as_text=True)


def test_the_threshold_is_checked_and_its_change_audited(login_as):
    admin = login_as("admin")
    form = form_with(admin.get("/admin/settings").get_data(as_text=True), "suppression_threshold")
    assert form["suppression_threshold"] == "5"
    refused = admin.post("/admin/settings", data=filled(form, suppression_threshold="1"))
    assert refused.status_code == 422
    assert field_errors(refused.get_data(as_text=True), "suppression_threshold") == [
        "A whole number from 2 to 100."
    ]
    saved = admin.post("/admin/settings", data=filled(form, suppression_threshold="10"))
    assert saved.status_code == 302
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.object_id == "suppression_threshold")
    )
    assert event.changes == {"threshold": [5, 10]}
    assert login_as("supervisor").post("/admin/settings", data=form).status_code == 403


def test_no_personal_data_in_any_report_format_a_partner_downloads(api_as):
    for _ in range(6):
        return_case(person(phone="+9779800000001", name_ne="गोप्य"), opened_at=FY_START)
    db.session.commit()
    api = api_as("partner")
    bodies = []
    for file_format in ("json", "csv", "xlsx"):
        response = api.get(
            "/api/v1/reports/summary",
            query_string={"subject": "cases", "group_by": "district,sex", "format": file_format},
        )
        assert response.status_code == 200
        if file_format == "xlsx":
            book = openpyxl.load_workbook(io.BytesIO(response.data))
            bodies.append(
                " ".join(
                    str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row
                )
            )
        else:
            bodies.append(response.get_data(as_text=True))
    for body in bodies:
        for secret in ("Secretname", "Hiddenfamily", "9800000001", "गोप्य", "KTM-RR-", "KTM-20"):
            assert secret not in body
