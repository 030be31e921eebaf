"""The beneficiary JSON API as a client sees it (DESIGN.md, Access and Contracts).

Each test checks what comes back (status, body) and, for writes, what is stored.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.models import AuditEvent, Beneficiary
from tests.factories import BeneficiaryFactory
from tests.queries import queries_of

URL = "/api/v1/beneficiaries"
MATCHES = "/api/v1/beneficiaries/matches"
KATHMANDU, JHAPA, BHOJPUR = 27, 4, 1
KIRTIPUR = 309  # a local level of Kathmandu district with 10 wards
MECHINAGAR = 27  # a local level of Jhapa district
CONTRACT_FIELDS = {
    "id",
    "registration_number",
    "given_name",
    "family_name",
    "name_ne",
    "sex",
    "date_of_birth",
    "dob_estimated",
    "nationality",
    "phone",
    "district_id",
    "office",
    "consent",
    "version",
    "created_at",
}


def beneficiary(**fields) -> Beneficiary:
    """A stored beneficiary (committed, so the API sees it)."""
    record = BeneficiaryFactory(**fields)
    db.session.commit()
    return record


def stored_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Beneficiary))


def stored(beneficiary_id: int) -> Beneficiary:
    """The row as it is in the database now, not as this session remembers it."""
    db.session.expire_all()
    return db.session.get(Beneficiary, beneficiary_id)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.get_json()["items"]]


def view_events(beneficiary_id: int) -> list[AuditEvent]:
    db.session.expire_all()
    stmt = select(AuditEvent).where(
        AuditEvent.action == "beneficiary.view", AuditEvent.object_id == str(beneficiary_id)
    )
    return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


def assert_error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    assert error["message"]
    if field is not None:
        assert field in error["fields"], error
        assert error["fields"][field] and all(isinstance(m, str) for m in error["fields"][field])
    return error


# --- Search and filters -------------------------------------------------------------------


def test_q_finds_a_name_fragment_and_names_in_any_order(api_as):
    api = api_as("caseworker", "KTM")
    sita = beneficiary(given_name="Sita", family_name="Shrestha")
    gita = beneficiary(given_name="Gita", family_name="Thapa")

    assert ids(api.get(URL, query_string={"q": "shre"})) == [sita.id]
    assert ids(api.get(URL, query_string={"q": "Shrestha Sita"})) == [sita.id]
    assert ids(api.get(URL, query_string={"q": "thapa GITA"})) == [gita.id]
    assert ids(api.get(URL, query_string={"q": "Sita Thapa"})) == []


def test_q_tolerates_spelling_variants(api_as):
    api = api_as("caseworker", "KTM")
    bishnu = beneficiary(given_name="Bishnu", family_name="Adhikari")
    lakshmi = beneficiary(given_name="Lakshmi", family_name="Gurung")

    assert ids(api.get(URL, query_string={"q": "Vishnu"})) == [bishnu.id]
    assert ids(api.get(URL, query_string={"q": "Laxmi gurung"})) == [lakshmi.id]
    assert ids(api.get(URL, query_string={"q": "Krishna"})) == []


def test_q_finds_a_registration_number_in_any_case(api_as):
    api = api_as("caseworker", "KTM")
    wanted = beneficiary(registration_number="KTM-2026-000123")
    beneficiary(registration_number="KTM-2026-000124")

    assert ids(api.get(URL, query_string={"q": "KTM-2026-000123"})) == [wanted.id]
    assert ids(api.get(URL, query_string={"q": "ktm-2026-000123"})) == [wanted.id]
    assert ids(api.get(URL, query_string={"q": "KTM-2026-000999"})) == []


def test_q_finds_a_phone_number_however_it_is_written(api_as):
    api = api_as("caseworker", "KTM")
    wanted = beneficiary(phone="+9779812345678")
    beneficiary(phone="+9779800000000")

    for written in ("9812345678", "+977 981-234 5678", "009779812345678"):
        assert ids(api.get(URL, query_string={"q": written})) == [wanted.id], written
    assert ids(api.get(URL, query_string={"q": "9812345679"})) == []


def test_district_and_sex_filters(api_as):
    api = api_as("caseworker", "KTM")
    woman_ktm = beneficiary(sex="female", district_id=KATHMANDU)
    man_ktm = beneficiary(given_name="Hari", sex="male", district_id=KATHMANDU)
    woman_jhapa = beneficiary(sex="female", district_id=JHAPA)

    assert set(ids(api.get(URL, query_string={"district_id": KATHMANDU}))) == {
        woman_ktm.id,
        man_ktm.id,
    }
    assert ids(api.get(URL, query_string={"district_id": JHAPA})) == [woman_jhapa.id]
    assert set(ids(api.get(URL, query_string={"sex": "female"}))) == {
        woman_ktm.id,
        woman_jhapa.id,
    }
    assert ids(api.get(URL, query_string={"sex": "male", "district_id": KATHMANDU})) == [man_ktm.id]
    assert ids(api.get(URL, query_string={"sex": "other"})) == []


def test_an_unknown_sex_filter_is_422_naming_sex(api_as):
    api = api_as("caseworker", "KTM")
    assert_error(api.get(URL, query_string={"sex": "woman"}), 422, "invalid", "sex")


def test_list_is_a_page_envelope(api_as):
    api = api_as("caseworker", "KTM")
    created = {beneficiary(given_name=name).id for name in ("Asha", "Bina", "Chandra")}

    first = api.get(URL, query_string={"per_page": 2, "page": 1}).get_json()
    second = api.get(URL, query_string={"per_page": 2, "page": 2}).get_json()
    beyond = api.get(URL, query_string={"per_page": 2, "page": 3}).get_json()

    assert set(first) == {"items", "total", "page", "per_page"}
    assert (first["total"], first["page"], first["per_page"], len(first["items"])) == (3, 1, 2, 2)
    assert (second["total"], second["page"], second["per_page"], len(second["items"])) == (
        3,
        2,
        2,
        1,
    )
    assert (beyond["total"], beyond["items"]) == (3, [])
    assert {i["id"] for i in first["items"] + second["items"]} == created
    default = api.get(URL).get_json()
    assert (default["page"], default["per_page"], default["total"]) == (1, 25, 3)


def test_a_name_search_pages_and_counts_only_what_matches_in_the_callers_office(api_as):
    """A name search takes its page and total from one reading of the matches."""
    api = api_as("caseworker", "KTM")
    found = {beneficiary(given_name=n, family_name="Tamang").id for n in ("Asha", "Bina", "Chet")}
    beneficiary(given_name="Dipa", family_name="Gurung")
    beneficiary(given_name="Esha", family_name="Tamang", office_code="DMK")

    pages = [
        api.get(URL, query_string={"q": "tama", "per_page": 2, "page": page}).get_json()
        for page in (1, 2, 3)
    ]

    assert [(p["total"], len(p["items"])) for p in pages] == [(3, 2), (3, 1), (3, 0)]
    listed = [i["id"] for p in pages for i in p["items"]]
    assert listed == sorted(found, reverse=True)  # newest first, each once
    nobody = api.get(URL, query_string={"q": "tamangx"}).get_json()
    assert (nobody["total"], nobody["items"]) == (0, [])


@pytest.mark.parametrize("q", ["tamang", "nobodyx"])
def test_a_name_search_reads_the_people_once_whether_it_finds_them_or_not(api_as, q):
    """The page, its total and who may know each person's story: one query, not three."""
    api = api_as("caseworker", "KTM")
    for given in ("Asha", "Bina"):
        beneficiary(given_name=given, family_name="Tamang")
    api.get(URL, query_string={"q": q})  # the token's last use is recorded by the first call

    seen, response = queries_of(api, URL, query_string={"q": q})

    assert response.status_code == 200
    assert response.get_json()["total"] == (2 if q == "tamang" else 0)
    assert len([s for s in seen if "FROM beneficiaries" in s]) == 1, seen


def test_list_items_carry_the_contract_fields(api_as):
    api = api_as("caseworker", "KTM")
    beneficiary()
    [item] = api.get(URL).get_json()["items"]
    assert set(item) >= CONTRACT_FIELDS
    assert set(item["consent"]) == {"given", "date", "date_bs", "purposes"}


@pytest.mark.parametrize("per_page", [101, 1000, 0])
def test_per_page_out_of_range_is_422_naming_per_page(api_as, per_page):
    api = api_as("caseworker", "KTM")
    assert_error(api.get(URL, query_string={"per_page": per_page}), 422, "invalid", "per_page")


def test_per_page_of_100_is_allowed(api_as):
    api = api_as("caseworker", "KTM")
    response = api.get(URL, query_string={"per_page": 100})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["per_page"] == 100


# --- Office scoping -----------------------------------------------------------------------


def test_a_caseworker_never_sees_another_offices_records_in_lists(api_as):
    api = api_as("caseworker", "KTM")
    mine = beneficiary(office_code="KTM", given_name="Sita")
    beneficiary(office_code="DMK", given_name="Sita", registration_number="DMK-2026-000001")

    response = api.get(URL, query_string={"q": "Sita"})
    assert ids(response) == [mine.id]
    assert response.get_json()["total"] == 1
    assert ids(api.get(URL)) == [mine.id]
    assert ids(api.get(URL, query_string={"office": "DMK"})) == []


def test_another_offices_record_is_404_like_a_missing_one(api_as):
    api = api_as("caseworker", "KTM")
    theirs = beneficiary(office_code="DMK", registration_number="DMK-2026-000001")

    outside = api.get(f"{URL}/{theirs.id}")
    missing = api.get(f"{URL}/{theirs.id + 1000}")

    assert_error(outside, 404, "not_found")
    assert outside.get_json() == missing.get_json()
    assert "DMK" not in outside.get_data(as_text=True)
    assert api_as("caseworker", "DMK").get(f"{URL}/{theirs.id}").status_code == 200


def test_another_offices_record_cannot_be_patched(api_as):
    api = api_as("caseworker", "KTM")
    theirs = beneficiary(office_code="DMK", registration_number="DMK-2026-000001")

    response = api.patch(f"{URL}/{theirs.id}", json={"version": 1, "given_name": "Changed"})

    assert_error(response, 404, "not_found")
    after = stored(theirs.id)
    assert (after.given_name, after.version) == ("Sita", 1)


def test_an_admin_sees_every_office(api_as):
    api = api_as("admin", "KTM")
    ktm = beneficiary(office_code="KTM")
    dmk = beneficiary(office_code="DMK", registration_number="DMK-2026-000001")

    response = api.get(URL)
    assert set(ids(response)) == {ktm.id, dmk.id}
    assert response.get_json()["total"] == 2
    assert ids(api.get(URL, query_string={"office": "DMK"})) == [dmk.id]
    got = api.get(f"{URL}/{dmk.id}")
    assert got.status_code == 200
    assert got.get_json()["office"] == "DMK"


# --- Partners -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", URL, None),
        ("get", URL + "?q=Sita", None),
        ("get", "{record}", None),
        ("get", MATCHES + "?given_name=Sita&family_name=Shrestha", None),
        ("post", URL, {"given_name": "Maya", "sex": "female"}),
        ("patch", "{record}", {"version": 1, "given_name": "Maya"}),
    ],
    ids=["list", "search", "get", "matches", "post", "patch"],
)
def test_a_partner_is_refused_every_beneficiary_endpoint(api_as, method, path, body):
    api = api_as("partner", "KTM")
    record = beneficiary()
    url = path.format(record=f"{URL}/{record.id}")

    response = getattr(api, method)(url, json=body) if body else getattr(api, method)(url)

    assert_error(response, 403, "forbidden")
    assert "Sita" not in response.get_data(as_text=True)
    assert stored_count() == 1
    assert (stored(record.id).given_name, stored(record.id).version) == ("Sita", 1)
    assert view_events(record.id) == []


def test_a_partner_is_refused_matches_even_for_an_empty_name_key(api_as):
    api = api_as("partner", "KTM")
    assert_error(api.get(MATCHES, query_string={"given_name": "."}), 403, "forbidden")


def test_a_partner_is_refused_even_with_an_invalid_body(api_as):
    api = api_as("partner", "KTM")
    assert_error(api.post(URL, json={"sex": "alien"}), 403, "forbidden")


# --- Registering --------------------------------------------------------------------------


def registration(**overrides) -> dict:
    body = {
        "given_name": "Bishnu",
        "family_name": "Adhikari",
        "name_ne": "विष्णु अधिकारी",
        "sex": "male",
        "date_of_birth": "1988-04-02",
        "dob_estimated": True,
        "nationality": "NP",
        "phone": "9812345678",
        "district_id": KATHMANDU,
        "local_level_id": KIRTIPUR,
        "ward": 10,  # Kirtipur's last ward
        "consent": {
            "given": True,
            "date": (date.today() - timedelta(days=2)).isoformat(),
            "purposes": ["registration", "assistance"],
        },
    }
    body.update(overrides)
    return body


def test_post_registers_a_beneficiary_in_the_callers_office(api_as):
    api = api_as("caseworker", "KTM")
    body = registration()

    response = api.post(URL, json=body)

    assert response.status_code == 201, response.get_data(as_text=True)
    data = response.get_json()
    assert set(data) >= CONTRACT_FIELDS
    assert re.fullmatch(r"KTM-\d{4}-\d{6}", data["registration_number"])
    assert data["registration_number"].startswith(f"KTM-{date.today().year}-")
    assert data["office"] == "KTM"
    assert data["version"] == 1
    assert data["created_at"]
    for field in ("given_name", "family_name", "name_ne", "sex", "date_of_birth"):
        assert data[field] == body[field], field
    assert data["dob_estimated"] is True
    assert (data["nationality"], data["district_id"]) == ("NP", KATHMANDU)
    assert data["phone"] == "+9779812345678"
    assert {k: v for k, v in data["consent"].items() if k != "date_bs"} == body["consent"]

    assert stored_count() == 1
    row = stored(data["id"])
    assert row.registration_number == data["registration_number"]
    assert (row.office_code, row.created_by_id) == ("KTM", api.user.id)
    assert (row.given_name, row.family_name, row.sex) == ("Bishnu", "Adhikari", "male")
    assert row.date_of_birth == date(1988, 4, 2)
    assert (row.district_id, row.local_level_id, row.ward) == (KATHMANDU, KIRTIPUR, 10)
    assert row.consent_given is True
    assert row.consent_date == date.today() - timedelta(days=2)
    assert row.consent_purposes == ["registration", "assistance"]
    assert api.get(f"{URL}/{data['id']}").get_json()["given_name"] == "Bishnu"


def test_registration_numbers_count_up_per_office(api_as):
    ktm = api_as("caseworker", "KTM")
    dmk = api_as("caseworker", "DMK")
    year = date.today().year

    first = ktm.post(URL, json=registration()).get_json()["registration_number"]
    second = ktm.post(URL, json=registration(given_name="Hari")).get_json()["registration_number"]
    damak = dmk.post(URL, json=registration(district_id=JHAPA, local_level_id=MECHINAGAR))

    assert first == f"KTM-{year}-000001"
    assert second == f"KTM-{year}-000002"
    assert damak.status_code == 201, damak.get_data(as_text=True)
    assert damak.get_json()["registration_number"] == f"DMK-{year}-000001"
    assert damak.get_json()["office"] == "DMK"


def test_a_caseworker_cannot_register_into_another_office(api_as):
    api = api_as("caseworker", "KTM")

    refused = api.post(URL, json=registration(office="DMK"))

    assert_error(refused, 422, "invalid", "office")
    assert stored_count() == 0
    own = api.post(URL, json=registration(office="KTM"))
    assert own.status_code == 201, own.get_data(as_text=True)
    assert own.get_json()["office"] == "KTM"
    assert stored(own.get_json()["id"]).office_code == "KTM"


def test_an_admin_may_register_into_a_named_office(api_as):
    api = api_as("admin", "KTM")
    response = api.post(URL, json=registration(office="DMK"))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["office"] == "DMK"
    assert response.get_json()["registration_number"].startswith("DMK-")
    assert stored(response.get_json()["id"]).office_code == "DMK"


def test_an_admin_naming_an_unknown_office_gets_422(api_as):
    api = api_as("admin", "KTM")
    response = api.post(URL, json=registration(office="XXX"))
    assert_error(response, 422, "invalid", "office")
    assert stored_count() == 0


TOMORROW = (date.today() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"sex": "woman"}, "sex", id="unknown-sex"),
        pytest.param({"date_of_birth": "2023-02-30"}, "date_of_birth", id="impossible-date"),
        pytest.param({"date_of_birth": TOMORROW}, "date_of_birth", id="future-birth"),
        pytest.param({"given_name": "A" * 101}, "given_name", id="given-name-101"),
        pytest.param({"district_id": "27"}, "district_id", id="district-as-string"),
        pytest.param({"given_name": 42}, "given_name", id="given-name-number"),
        pytest.param({"ward": "3"}, "ward", id="ward-as-string"),
        pytest.param({"district_id": 9999}, "district_id", id="unknown-district"),
        pytest.param({"local_level_id": MECHINAGAR}, "local_level_id", id="level-not-in-district"),
        pytest.param({"ward": 11}, "ward", id="ward-above-count"),
        pytest.param({"nickname": "Bishu"}, "nickname", id="unknown-field"),
        pytest.param({"given_name": None}, "given_name", id="null-given-name"),
    ],
)
def test_post_refuses_invalid_input_and_stores_nothing(api_as, overrides, field):
    api = api_as("caseworker", "KTM")
    beneficiary()  # something already stored, which must stay as it is
    before = stored_count()

    response = api.post(URL, json=registration(**overrides))

    assert_error(response, 422, "invalid", field)
    assert stored_count() == before
    # The refusal leaves no gap: the next registration gets the office's first number.
    ok = api.post(URL, json=registration())
    assert ok.status_code == 201, ok.get_data(as_text=True)
    assert ok.get_json()["registration_number"].endswith("-000001")


@pytest.mark.parametrize("missing", ["given_name", "sex"])
def test_post_without_a_required_field_is_422_naming_it(api_as, missing):
    api = api_as("caseworker", "KTM")
    body = registration()
    del body[missing]
    assert_error(api.post(URL, json=body), 422, "invalid", missing)
    assert stored_count() == 0


def test_post_with_a_malformed_json_body_is_400(api_as):
    api = api_as("caseworker", "KTM")
    response = api.post(
        URL, data='{"given_name": "Bishnu", "sex": ', headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "malformed")
    assert stored_count() == 0


def test_a_malformed_body_is_explained_in_plain_words(api_as):
    api = api_as("caseworker", "KTM")
    response = api.post(URL, data="{bad", headers={"Content-Type": "application/json"})
    error = assert_error(response, 400, "malformed")
    assert "['" not in error["message"]
    assert all("['" not in m for messages in error["fields"].values() for m in messages)


BIG = 10**30  # beyond any integer column


@pytest.mark.parametrize("beneficiary_id", [BIG, 2**31])
def test_reading_an_id_no_database_can_hold_is_404(api_as, beneficiary_id):
    api = api_as("caseworker", "KTM")
    assert_error(api.get(f"{URL}/{beneficiary_id}"), 404, "not_found")


@pytest.mark.parametrize("beneficiary_id", [BIG, 2**31])
def test_patching_an_id_no_database_can_hold_is_404(api_as, beneficiary_id):
    api = api_as("caseworker", "KTM")
    response = api.patch(f"{URL}/{beneficiary_id}", json={"version": 1, "given_name": "Maya"})
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("name", ["district_id", "page"])
def test_an_out_of_range_list_parameter_is_422_naming_it(api_as, name):
    api = api_as("caseworker", "KTM")
    assert_error(api.get(URL, query_string={name: BIG}), 422, "invalid", name)


@pytest.mark.parametrize("name", ["district_id", "local_level_id", "household_id", "ward"])
def test_an_out_of_range_integer_in_a_body_is_422_naming_it(api_as, name):
    api = api_as("caseworker", "KTM")
    assert_error(api.post(URL, json=registration(**{name: BIG})), 422, "invalid", name)
    assert stored_count() == 0


# --- Editing ------------------------------------------------------------------------------


def test_patch_with_the_current_version_applies_and_bumps_it(api_as):
    api = api_as("caseworker", "KTM")
    record = beneficiary()

    response = api.patch(f"{URL}/{record.id}", json={"version": 1, "given_name": "Seeta"})

    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    assert (data["given_name"], data["version"]) == ("Seeta", 2)
    row = stored(record.id)
    assert (row.given_name, row.version, row.family_name) == ("Seeta", 2, "Shrestha")
    again = api.patch(f"{URL}/{record.id}", json={"version": 2, "phone": "9812345678"})
    assert again.status_code == 200, again.get_data(as_text=True)
    assert again.get_json()["version"] == 3


def test_patch_with_a_stale_version_is_409_and_changes_nothing(api_as):
    first = api_as("caseworker", "KTM")
    second = api_as("caseworker", "KTM")
    record = beneficiary()
    assert (
        first.patch(f"{URL}/{record.id}", json={"version": 1, "given_name": "Seeta"}).status_code
        == 200
    )

    response = second.patch(f"{URL}/{record.id}", json={"version": 1, "family_name": "Thapa"})

    assert_error(response, 409, "stale_version")
    row = stored(record.id)
    assert (row.given_name, row.family_name, row.version) == ("Seeta", "Shrestha", 2)


def test_patch_without_a_version_is_422_and_changes_nothing(api_as):
    api = api_as("caseworker", "KTM")
    record = beneficiary()

    response = api.patch(f"{URL}/{record.id}", json={"given_name": "Seeta"})

    assert_error(response, 422, "invalid", "version")
    row = stored(record.id)
    assert (row.given_name, row.version) == ("Sita", 1)


def test_patch_with_invalid_input_is_422_and_changes_nothing(api_as):
    api = api_as("caseworker", "KTM")
    record = beneficiary()

    response = api.patch(
        f"{URL}/{record.id}",
        json={"version": 1, "given_name": "Seeta", "local_level_id": MECHINAGAR},
    )

    assert_error(response, 422, "invalid", "local_level_id")
    row = stored(record.id)
    assert (row.given_name, row.local_level_id, row.version) == ("Sita", None, 1)


# --- Duplicate matches --------------------------------------------------------------------


def test_matches_find_an_abbreviated_name_best_first(api_as):
    api = api_as("caseworker", "KTM")
    ram = beneficiary(
        given_name="Ram Bdr.", family_name="Thapa", sex="male", date_of_birth=date(1985, 3, 12)
    )
    other_ram = beneficiary(
        given_name="Ram", family_name="Thapa", sex="male", date_of_birth=date(1961, 1, 1)
    )
    sita = beneficiary()

    response = api.get(
        MATCHES,
        query_string={
            "given_name": "Ram Bahadur",
            "family_name": "Thapa",
            "date_of_birth": "1985-03-12",
        },
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    items = response.get_json()["items"]
    # The same person first; a namesake born 24 years earlier after it; Sita not at all.
    assert [i["id"] for i in items] == [ram.id, other_ram.id]
    assert sita.id not in [i["id"] for i in items]
    assert all(0 <= i["score"] <= 1 for i in items)
    assert items[0]["score"] >= 0.9 > items[1]["score"]
    assert items[0]["registration_number"] == ram.registration_number


def test_matches_find_names_written_in_swapped_order(api_as):
    api = api_as("caseworker", "KTM")
    ram = beneficiary(
        given_name="Ram Bdr.", family_name="Thapa", sex="male", date_of_birth=date(1985, 3, 12)
    )

    response = api.get(
        MATCHES,
        query_string={
            "given_name": "Thapa",
            "family_name": "Ram Bahadur",
            "date_of_birth": "1985-03-12",
        },
    )

    assert ids(response)[:1] == [ram.id]
    assert 0 < response.get_json()["items"][0]["score"] <= 1


def test_matches_never_return_another_offices_record(api_as):
    query = {"given_name": "Ram Bahadur", "family_name": "Thapa", "date_of_birth": "1985-03-12"}
    theirs = beneficiary(
        office_code="DMK",
        registration_number="DMK-2026-000001",
        given_name="Ram Bahadur",
        family_name="Thapa",
        sex="male",
        date_of_birth=date(1985, 3, 12),
    )

    assert ids(api_as("caseworker", "KTM").get(MATCHES, query_string=query)) == []
    assert ids(api_as("caseworker", "DMK").get(MATCHES, query_string=query)) == [theirs.id]


def test_matches_need_a_given_name(api_as):
    api = api_as("caseworker", "KTM")
    assert_error(
        api.get(MATCHES, query_string={"family_name": "Thapa"}), 422, "invalid", "given_name"
    )
    assert_error(
        api.get(MATCHES, query_string={"given_name": "Ram", "date_of_birth": "1985-02-30"}),
        422,
        "invalid",
        "date_of_birth",
    )


# --- Audit of reads -----------------------------------------------------------------------


def test_every_read_of_one_beneficiary_is_audited(api_as):
    api = api_as("caseworker", "KTM")
    record = beneficiary()
    assert view_events(record.id) == []

    assert api.get(f"{URL}/{record.id}").status_code == 200
    assert api.get(f"{URL}/{record.id}").status_code == 200

    events = view_events(record.id)
    assert len(events) == 2
    assert all(e.user_id == api.user.id and e.object_type == "beneficiary" for e in events)


def test_a_refused_read_is_not_audited_as_a_view(api_as):
    record = beneficiary(office_code="DMK", registration_number="DMK-2026-000001")
    assert api_as("caseworker", "KTM").get(f"{URL}/{record.id}").status_code == 404
    assert view_events(record.id) == []


def test_name_search_finds_fragments_through_the_index_and_follows_edits(api_as):
    """Fragments of either name, in any order, short ones too; an edit is found at once
    (the SQLite index is kept in step by triggers, PostgreSQL's is a plain index)."""
    api = api_as("caseworker")
    sita = BeneficiaryFactory(given_name="Sita", family_name="Shrestha")
    gita = BeneficiaryFactory(given_name="Gita", family_name="Gurung")
    db.session.commit()

    def found(q):
        body = api.get("/api/v1/beneficiaries", query_string={"q": q}).get_json()
        return {item["id"] for item in body["items"]}

    assert found("shres sit") == {sita.id}
    assert found("sit shres") == {sita.id}
    assert found("shres si") == {sita.id}  # a two-letter word checked without the index
    assert found("gurung") == {gita.id}
    response = api.patch(
        f"/api/v1/beneficiaries/{sita.id}", json={"family_name": "Tamang", "version": 1}
    )
    assert response.status_code == 200, response.get_json()
    assert found("shres") == set()
    assert found("tama sit") == {sita.id}
