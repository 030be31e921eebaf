"""The main journeys, as the people doing them click through them in Chromium."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect


def register(page, given: str, family: str, date_of_birth: str):
    """Fill the registration form for a woman from Jhapa who consents to referrals."""
    page.get_by_role("link", name="Register", exact=True).click()
    page.get_by_label("Given name (Latin letters)").fill(given)
    page.get_by_label("Family name (Latin letters)").fill(family)
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Date of birth", exact=True).fill(date_of_birth)
    page.get_by_label("District", exact=True).select_option(label="Jhapa")
    page.get_by_label("The person gave informed consent").check()
    page.get_by_label("Date consent was given").fill("2026-01-15")
    for purpose in ("Registration", "Assistance", "Referral to third parties"):
        page.get_by_label(purpose, exact=True).check()
    page.get_by_role("button", name="Save").click()


def test_caseworker_registers_sees_duplicate_opens_case_and_submits_referral(sign_in):
    page = sign_in("asha")

    register(page, "Laxmi", "Tamang", "1990-04-12")
    expect(
        page.get_by_text(re.compile(r"Registered Laxmi Tamang as KTM-\d{4}-\d{6}"))
    ).to_be_visible()
    number = re.search(r"KTM-\d{4}-\d{6}", page.inner_text("body")).group(0)
    person_url = page.url

    # The same woman, spelt as another office would spell her: the form stops to warn.
    register(page, "Lakshmi", "Tamang", "1990-04-12")
    warning = page.locator("#possible-duplicates")
    expect(warning).to_contain_text("This person may already be registered")
    expect(warning).to_contain_text(number)
    expect(warning).to_contain_text("Laxmi Tamang")

    page.goto(person_url)
    page.get_by_role("link", name="Open a case").click()
    page.get_by_label("Returned from").select_option("QA")
    page.get_by_label("Date of return").fill("2026-01-10")
    page.get_by_label("Reason for return").select_option("abuse_exploitation")
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_text(re.compile(r"Opened case \S+"))).to_be_visible()

    page.get_by_role("link", name="Refer to a service").click()
    finder = page.get_by_role("form", name="Find a provider")
    finder.get_by_label("Service").select_option("psychosocial")
    finder.get_by_role("button", name="Find providers").click()
    finder.get_by_role("link", name="Any district").click()
    page.get_by_label("Provider", exact=True).select_option(label="TPO Nepal")
    page.get_by_label("Why the person is referred").fill("Counselling after abuse abroad.")
    page.get_by_label("The person agreed to this referral").check()
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Referral drafted.")).to_be_visible()

    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text("Waiting for a supervisor of KTM")).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("Awaiting approval")


def person(given: str, family: str, **extra) -> dict:
    """An API registration of someone in Jhapa who consents to referral."""
    return {
        "given_name": given,
        "family_name": family,
        "sex": "female",
        "date_of_birth": "1985-06-01",
        "nationality": "NP",
        "district_id": JHAPA,
        "consent": {
            "given": True,
            "date": "2026-01-15",
            "purposes": ["registration", "assistance", "referral"],
        },
        **extra,
    }


JHAPA = 4  # the district ids of shared/data/nepal (Koshi province)


def created(response) -> dict:
    assert response.status in (200, 201), response.text()
    return response.json()


def pending_referral(api, given: str, family: str) -> dict:
    """A caseworker's referral waiting for approval, made through the API.

    Returns the referral with its `case_id` and the case's `beneficiary_id`.
    """
    beneficiary = created(api.post("/api/v1/beneficiaries", data=person(given, family)))
    case = created(
        api.post(
            "/api/v1/cases",
            data={
                "kind": "return_reintegration",
                "beneficiary_id": beneficiary["id"],
                "host_country": "MY",
                "return_date": "2026-01-20",
                "return_reason": "stranded",
            },
        )
    )
    providers = created(api.get("/api/v1/providers", params={"per_page": 100}))["items"]
    provider = next(p for p in providers if "psychosocial" in p["services"] and p["active"])
    referral = created(
        api.post(
            "/api/v1/referrals",
            data={
                "case_id": case["id"],
                "provider_id": provider["id"],
                "service": "psychosocial",
                "urgency": "urgent",
                "reason": "Trauma after being stranded in Malaysia.",
                "consent_obtained": True,
            },
        )
    )
    submitted = created(api.post(f"/api/v1/referrals/{referral['id']}/submit"))
    return {**submitted, "case_id": case["id"], "beneficiary_id": beneficiary["id"]}


def test_supervisor_signs_in_with_two_factor_and_approves_the_referral(sign_in, api):
    referral = pending_referral(api("asha"), "Sita", "Rai")

    page = sign_in("bikash")  # a supervisor: password, then the code from the app (pyotp)
    page.get_by_role("navigation").get_by_role("link", name="Approvals").click()
    item = page.locator(".card").filter(has_text="Sita Rai")
    expect(item).to_be_visible()
    item.get_by_label("Comment").fill("Urgent: agreed, refer today.")
    item.get_by_role("button", name="Approve").click()

    page.goto(f"/referrals/{referral['id']}")
    expect(page.locator("h1 .badge").first).to_have_text("Approved")
    expect(page.get_by_text("Urgent: agreed, refer today.")).to_be_visible()


def test_partner_downloads_a_report_without_names_and_reaches_no_record(
    sign_in, api, browse_refusals
):
    names = ["Kamala", "Gurung", "Dilmaya", "Limbu"]
    referral = pending_referral(api("asha"), "Kamala", "Gurung")
    created(api("asha").post("/api/v1/beneficiaries", data=person("Dilmaya", "Limbu")))

    page = sign_in("ministry")
    assert_no_names(page.inner_text("body"), names)
    page.get_by_role("navigation").get_by_role("link", name="Reports").click()
    page.get_by_label("Group by", exact=True).first.select_option("district")
    page.get_by_role("button", name="Show report").click()
    expect(page.locator("#report-table")).to_contain_text("Jhapa")
    assert_no_names(page.inner_text("body"), names)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    csv_text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0] == "District,Count"
    assert "Jhapa" in csv_text
    assert_no_names(csv_text, names)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download XLSX").click()
    assert_no_names(xlsx_text(download.value.path()), names)

    records = [
        f"/beneficiaries/{referral['beneficiary_id']}",
        f"/cases/{referral['case_id']}",
        f"/referrals/{referral['id']}",
        f"/referrals/{referral['id']}/slip",
        "/beneficiaries/",
        "/cases/",
        "/approvals/",
        "/exports/",
    ]
    for path in records:
        browse_refusals.add(path)
        response = page.goto(path)
        assert response.status in (403, 404), (path, response.status)
        assert_no_names(page.inner_text("body"), names)

    partner_api = api("ministry")
    for path in (
        f"/api/v1/beneficiaries/{referral['beneficiary_id']}",
        f"/api/v1/cases/{referral['case_id']}",
        "/api/v1/beneficiaries",
        "/api/v1/beneficiaries/matches?given_name=Kamala&family_name=Gurung",
        "/api/v1/cases",
        "/api/v1/approvals",
        "/api/v1/exports/beneficiaries?format=csv",
    ):
        response = partner_api.get(path)
        assert response.status in (403, 404), (path, response.status)
        assert_no_names(response.text(), names)


def assert_no_names(text: str, names: list[str]) -> None:
    found = [name for name in names if name.lower() in text.lower()]
    assert not found, f"names visible to a partner: {found}"


def xlsx_text(path: str) -> str:
    # Playwright's download file has no extension, which openpyxl would refuse.
    workbook = load_workbook(BytesIO(Path(path).read_bytes()), read_only=True)
    cells = [
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    workbook.close()
    return "\n".join(cells)
