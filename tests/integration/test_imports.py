"""Bulk import of beneficiaries (issue 10): pages, rules, all-or-nothing, duplicates."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from casework import audit
from casework.extensions import db
from casework.models import AuditEvent, Beneficiary, ImportBatch, RegistrationCounter
from casework.services import beneficiaries as beneficiary_service
from casework.services import imports
from tests import factories

HEADER = "Given name,Family name,लिङ्ग,जन्म मिति (वि.सं.),District / जिल्ला,Mobile,Consent,Consent date,Consent purposes\n"
GOOD = [
    "Ram Bahadur,Thapa,पुरुष,2047-05-12,Kavre,9812345678,yes,2026-11-01,registration",
    "Sita,Gurung,महिला,२०५०-०१-१५,काठमाडौँ,+977 981-000 0001,हो,2026-11-01,registration assistance",
    "Hari,Rai,M,2041-11-21,Jhapa,,no,,",
]


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode("utf-8")


def upload(client, content: bytes, name: str = "drive.csv", source: str = ""):
    data = {"file": (io.BytesIO(content), name), "source": source}
    return client.post("/imports/", data=data, content_type="multipart/form-data")


def batch_of(response) -> ImportBatch:
    batch_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    return db.session.get(ImportBatch, batch_id)


def imported() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Beneficiary)
        .where(Beneficiary.import_batch_id.is_not(None))
    )


# --- the dry run -------------------------------------------------------------------------


def test_the_dry_run_shows_what_will_import_and_imports_nothing(login_as):
    client = login_as("caseworker")
    response = upload(client, csv_file(*GOOD))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Dry run: nothing has been imported yet." in page
    assert 'Will import</dt><dd class="col-sm-9">3' in page
    assert imported() == 0
    assert batch_of(response).status == "checked"


def test_rows_with_errors_are_listed_by_row_column_and_message(login_as):
    client = login_as("caseworker")
    rows = [
        *GOOD,
        ",Nobody,F,2047-01-01,Kathmandu,,no,,",
        "Maya,Tamang,F,2047-01-01,Atlantis,,no,,",
        "Gita,Lama,F,2099-01-01,Kathmandu,12,no,,",
    ]
    response = upload(client, csv_file(*rows))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<td>5</td><td>Given name</td><td>The given name is required.</td>" in page
    assert "<td>6</td><td>District / जिल्ला</td><td>No district called Atlantis.</td>" in page
    assert (
        "<td>7</td><td>जन्म मिति (वि.सं.)</td><td>The date of birth cannot be in the future.</td>"
        in page
    )
    assert "<td>7</td><td>Mobile</td>" in page  # "12" is not a phone number, by the same rule
    batch = batch_of(response)
    assert (batch.rows_total, batch.rows_error, batch.rows_valid) == (6, 3, 3)


def test_values_are_normalised_as_the_registration_form_stores_them(login_as):
    client = login_as("caseworker")
    response = upload(client, csv_file(*GOOD))
    client.post(f"/imports/{batch_of(response).id}/apply", data={"duplicates": "skip"})
    people = {b.given_name: b for b in db.session.scalars(select(Beneficiary))}
    ram, sita, hari = people["Ram Bahadur"], people["Sita"], people["Hari"]
    assert (ram.sex, ram.date_of_birth, ram.district_id, ram.phone) == (
        "male",
        date(1990, 8, 28),
        28,
        "+9779812345678",
    )
    assert (sita.sex, sita.district_id, sita.phone) == ("female", 27, "+9779810000001")
    assert sita.consent_purposes == ["registration", "assistance"]
    assert (hari.date_of_birth, hari.district_id, hari.consent_given) == (
        date(1985, 3, 4),
        4,
        False,
    )


def test_duplicates_of_existing_people_and_of_earlier_rows_are_shown_with_the_match(login_as):
    client = login_as("caseworker")
    existing = factories.BeneficiaryFactory(
        given_name="Ram Bahadur", family_name="Thapa", sex="male", date_of_birth=date(1990, 8, 28)
    )
    db.session.commit()
    rows = [*GOOD, "Ram Bdr.,Thapa,M,2047-05-12,Kavre,,no,,", "Hari,Rai,M,2041-11-21,Jhapa,,no,,"]
    response = upload(client, csv_file(*rows))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert existing.registration_number in page
    assert "row 4 of this file" in page  # Hari Rai twice
    assert batch_of(response).rows_duplicate == 3  # rows 2 and 5 match Ram, row 6 matches row 4


def test_another_offices_people_are_not_shown_as_matches(login_as):
    factories.BeneficiaryFactory(
        office_code="DMK",
        given_name="Hari",
        family_name="Rai",
        sex="male",
        date_of_birth=date(1985, 3, 4),
    )
    db.session.commit()
    response = upload(login_as("caseworker"), csv_file(*GOOD))
    assert batch_of(response).rows_duplicate == 0


# --- apply -------------------------------------------------------------------------------


def test_apply_imports_the_rows_in_the_users_office_with_numbers_and_audit(login_as):
    client = login_as("caseworker")
    response = upload(client, csv_file(*GOOD), source="Outreach Sindhuli")
    batch = batch_of(response)
    answer = client.post(f"/imports/{batch.id}/apply", data={"duplicates": "skip"})
    assert answer.status_code == 302
    db.session.expire_all()
    assert (batch.status, batch.rows_imported, batch.content) == ("applied", 3, None)
    people = list(db.session.scalars(select(Beneficiary).order_by(Beneficiary.id)))
    year = date.today().year
    assert [p.registration_number for p in people] == [f"KTM-{year}-{n:06d}" for n in (1, 2, 3)]
    assert {p.office_code for p in people} == {"KTM"}
    assert {p.created_by_id for p in people} == {client.user.id}
    assert len({p.household_id for p in people}) == 3  # each the head of their own household
    counter = db.session.get(RegistrationCounter, ("KTM", year))
    assert counter.last_number == 3
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import.apply"))
    assert event.changes["file_name"] == "drive.csv"
    assert len(event.changes["sha256"]) == 64 and event.changes["imported"] == 3
    assert event.username == client.user.username
    creates = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "beneficiary.create")
    )
    assert creates == 3
    assert audit.verify().ok
    # The next registration through the form takes the next number.
    nxt = beneficiary_service.register(client.user, {"given_name": "Nima", "sex": "female"})
    assert nxt.registration_number == f"KTM-{year}-000004"


def test_imported_people_are_found_by_name_search_and_listed_on_the_batch_page(login_as):
    client = login_as("caseworker")
    batch = batch_of(upload(client, csv_file(*GOOD)))
    client.post(f"/imports/{batch.id}/apply", data={"duplicates": "skip"})
    found, total = beneficiary_service.search(
        client.user, beneficiary_service.SearchFilters(q="Gurung Sita")
    )
    assert total == 1 and found[0].import_batch_id == batch.id
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert "3 people" in page and "Ram Bahadur Thapa" in page
    listing = client.get("/imports/").get_data(as_text=True)
    assert "drive.csv" in listing and "imported" in listing


def test_a_file_with_errors_imports_nothing_until_they_are_excluded(login_as):
    client = login_as("caseworker")
    batch = batch_of(upload(client, csv_file(*GOOD, ",Nobody,F,,Kathmandu,,no,,")))
    refused = client.post(f"/imports/{batch.id}/apply", data={"duplicates": "skip"})
    assert refused.status_code == 422
    assert "1 rows have errors" in refused.get_data(as_text=True)
    assert imported() == 0
    done = client.post(
        f"/imports/{batch.id}/apply", data={"duplicates": "skip", "exclude_errors": "yes"}
    )
    assert done.status_code == 302
    assert imported() == 3


def test_duplicates_are_skipped_or_linked_as_chosen(login_as):
    client = login_as("caseworker")
    existing = factories.BeneficiaryFactory(
        given_name="Hari", family_name="Rai", sex="male", date_of_birth=date(1985, 3, 4)
    )
    db.session.commit()
    skipped = batch_of(upload(client, csv_file(*GOOD)))
    client.post(f"/imports/{skipped.id}/apply", data={"duplicates": "skip"})
    assert imported() == 2
    linked = batch_of(upload(client, csv_file("Hari,Rai,M,2041-11-21,Jhapa,,no,,")))
    client.post(f"/imports/{linked.id}/apply", data={"duplicates": "link"})
    db.session.expire_all()
    assert linked.rows_imported == 1
    (link,) = linked.report["links"]
    assert link["match_id"] == existing.id and link["score"] >= 0.75
    new = db.session.get(Beneficiary, link["beneficiary_id"])
    assert (new.given_name, new.import_batch_id) == ("Hari", linked.id)


def test_a_failure_midway_leaves_nothing_imported(login_as, monkeypatch):
    client = login_as("caseworker")
    batch = batch_of(upload(client, csv_file(*GOOD)))
    real, calls = imports._add_person, []

    def fail_on_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(imports, "_add_person", fail_on_third)
    user = client.user
    with pytest.raises(RuntimeError):
        imports.apply(user, db.session.get(ImportBatch, batch.id), window=2)  # 2 land first
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Beneficiary)) == 0
    assert db.session.get(RegistrationCounter, ("KTM", date.today().year)) is None
    assert db.session.get(ImportBatch, batch.id).status == "checked"
    assert audit.verify().ok


def test_an_applied_or_discarded_batch_cannot_be_applied_again(login_as):
    client = login_as("caseworker")
    batch = batch_of(upload(client, csv_file(*GOOD)))
    assert client.post(f"/imports/{batch.id}/discard").status_code == 302
    again = client.post(f"/imports/{batch.id}/apply", data={"duplicates": "skip"})
    assert again.status_code == 409
    assert imported() == 0


# --- mapping -----------------------------------------------------------------------------


def test_unrecognised_columns_are_mapped_on_the_page_and_remembered_for_the_source(login_as):
    client = login_as("caseworker")
    header = "Pahilo naam,Thar,Sex\n"
    first = batch_of(upload(client, csv_file("Ram,Thapa,M", header=header), source="Camp survey"))
    page = client.get(f"/imports/{first.id}").get_data(as_text=True)
    assert "The file has no column for Given name or Full name" in page
    answer = client.post(
        f"/imports/{first.id}/mapping", data={"column-0": "given_name", "column-1": "family_name"}
    )
    assert answer.status_code == 302
    db.session.expire_all()
    assert first.rows_valid == 1 and first.report["problems"] == []
    second = batch_of(upload(client, csv_file("Sita,Rai,F", header=header), source="Camp survey"))
    assert second.report["problems"] == []
    assert [c["how"] for c in second.report["columns"]][:2] == ["remembered", "remembered"]


def test_a_missing_required_column_is_named_and_nothing_can_be_applied(login_as):
    client = login_as("caseworker")
    batch = batch_of(upload(client, csv_file("Ram,Thapa", header="Given name,Family name\n")))
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert "The file has no column for Sex." in page
    refused = client.post(f"/imports/{batch.id}/apply", data={"duplicates": "skip"})
    assert refused.status_code == 422
    assert imported() == 0


# --- who may ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["partner", "admin"])
def test_partners_and_admins_may_not_import(login_as, role):
    client = login_as(role)
    assert client.get("/imports/").status_code == 403
    assert upload(client, csv_file(*GOOD)).status_code == 403
    assert imported() == 0


def test_supervisors_import_and_see_only_their_offices_batches(login_as):
    supervisor = login_as("supervisor")
    batch = batch_of(upload(supervisor, csv_file(*GOOD)))
    assert supervisor.get(f"/imports/{batch.id}").status_code == 200
    other = login_as("caseworker", office="DMK")
    assert other.get(f"/imports/{batch.id}").status_code == 404
    assert other.post(f"/imports/{batch.id}/apply", data={"duplicates": "skip"}).status_code == 404
    assert "drive.csv" not in other.get("/imports/").get_data(as_text=True)


def test_anonymous_users_are_sent_to_sign_in(client):
    assert client.get("/imports/").status_code in (302, 401)


def test_the_audit_log_never_names_torture_or_gender_violence_of_imported_people(login_as):
    client = login_as("caseworker")
    header = "Given name,Family name,Sex,Vulnerabilities\n"
    content = csv_file("Maya,Tamang,female,torture_survivor disability", header=header)
    batch = batch_of(upload(client, content))
    assert client.post(f"/imports/{batch.id}/apply", data={"duplicates": "skip"}).status_code == 302
    person = db.session.scalar(select(Beneficiary).where(Beneficiary.given_name == "Maya"))
    assert "torture_survivor" in person.vulnerabilities  # the record keeps it
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "beneficiary.create"))
    assert event.changes["vulnerabilities"][1] == ["disability", "restricted"]
    assert audit.verify().ok
