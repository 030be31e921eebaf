"""The main journeys, as the people doing them click through them in Chromium."""

from __future__ import annotations

import re

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
