"""The BS date picker in Chromium: a caseworker who works in BS picks dates of a month
grid drawn from the server's table, and the person is stored with those dates."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from casework.domain.calendar import bs_iso
from casework.domain.periods import nepal_today


def works_in_bs(page) -> None:
    page.goto("/auth/account")
    page.get_by_label("Calendar for dates").select_option("bs")
    page.get_by_role("button", name="Save preferences").click()


def test_a_bs_caseworker_picks_the_date_of_birth_on_the_bs_calendar(sign_in):
    page = sign_in("sarita")
    works_in_bs(page)
    page.get_by_role("link", name="Register", exact=True).click()
    page.get_by_label("Given name (Latin letters)").fill("Sunita")
    page.get_by_label("Family name (Latin letters)").fill("Rai")
    page.get_by_label("Sex").select_option("female")
    birth = page.get_by_label("Date of birth", exact=True)
    expect(birth).to_have_attribute("placeholder", "YYYY-MM-DD (BS)")

    # The picker opens on the month typed, and moves by months with its buttons.
    birth.fill("2052-11-15")
    page.locator('button[data-for="date_of_birth"]').click()
    picker = page.get_by_role("dialog")
    expect(picker).to_contain_text("Falgun 2052")
    picker.get_by_role("button", name="Next month").click()
    expect(picker).to_contain_text("Chaitra 2052")
    # Chaitra 2052 has 30 days and began on a Thursday (four blank cells before day 1).
    expect(picker.locator(".bs-picker-day")).to_have_count(30)
    blanks = picker.locator(".bs-picker-grid > div:not(.bs-picker-weekday)")
    expect(blanks).to_have_count(4)
    picker.get_by_role("button", name="Chaitra 1, 2052", exact=True).click()
    expect(picker).to_have_count(0)  # closed on choosing
    expect(birth).to_have_value("2052-12-01")

    # From the keyboard: the button opens it, Escape closes it and leaves the value.
    page.locator('button[data-for="date_of_birth"]').press("Enter")
    expect(page.get_by_role("dialog")).to_contain_text("Chaitra 2052")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(birth).to_have_value("2052-12-01")

    page.get_by_label("District", exact=True).select_option(label="Jhapa")
    page.get_by_label("The person gave informed consent").check()
    page.get_by_label("Date consent was given").fill(bs_iso(nepal_today() - timedelta(days=1)))
    page.get_by_label("Registration", exact=True).check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Registered Sunita Rai")).to_be_visible()
    # 1 Chaitra 2052 is 14 March 1996: stored in AD, shown back in BS.
    expect(page.locator("dd", has_text="2052-12-01 BS")).to_be_visible()
