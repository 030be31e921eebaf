"""The journeys in Nepali, in Chromium: a caseworker who reads only Nepali and works in
Bikram Sambat registers a person, opens a case and refers it; a partner downloads a report
in Nepali with the fiscal year and BS dates.

Buttons and links are found by their Nepali text, taken from the shipped catalog (so the
test follows the translation, and fails if a page shows a string untranslated); form
fields by their names, which do not change with the language.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from babel.support import Translations
from playwright.sync_api import expect

from casework.domain.calendar import bs_iso, devanagari_digits
from casework.domain.periods import fiscal_year_of, nepal_today
from tests.e2e.server import PASSWORD, ROOT

NEPALI = Translations.load(str(ROOT / "casework" / "translations"), ["ne"])


def t(message: str, **values) -> str:
    translated = NEPALI.gettext(message)
    assert translated != message, f"not translated: {message!r}"
    return translated % values if values else translated


def sign_in_in_nepali(browse, username: str):
    """The sign-in page's language switch, then the Nepali sign-in form."""
    page = browse()
    page.goto("/auth/login")
    page.locator("a[hreflang=ne]").click()  # the sign-in page's own switch
    expect(page.locator("html")).to_have_attribute("lang", "ne")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=t("Sign in")).click()
    expect(page.get_by_role("button", name=t("Sign out"))).to_be_visible()
    return page


def work_in_bs_with_devanagari_digits(page) -> None:
    page.goto("/auth/account")
    page.locator("select[name=language]").select_option("ne")
    page.locator("select[name=calendar]").select_option("bs")
    page.locator("select[name=digits]").select_option("devanagari")
    page.get_by_role("button", name=t("Save preferences")).click()
    expect(page.get_by_text(t("Your language and date preferences are saved."))).to_be_visible()


def test_a_nepali_caseworker_registers_opens_a_case_and_refers_in_bs(browse):
    page = sign_in_in_nepali(browse, "kamala")
    work_in_bs_with_devanagari_digits(page)

    page.get_by_role("link", name=t("Register"), exact=True).click()
    page.locator("input[name=given_name]").fill("Gita")
    page.locator("input[name=family_name]").fill("Magar")
    page.locator("input[name=name_ne]").fill("गीता मगर")
    page.locator("select[name=sex]").select_option("female")
    page.locator("input[name=date_of_birth]").fill("२०४७-०१-१५")  # typed in Devanagari
    page.locator("select[name=district_id]").select_option(label="झापा")
    page.locator("input[name=consent_given]").check()
    yesterday = bs_iso(nepal_today() - timedelta(days=1))
    page.locator("input[name=consent_date]").fill(yesterday)
    for purpose in ("registration", "assistance", "referral"):
        page.locator(f"input[name=consent_purposes][value={purpose}]").check()
    page.get_by_role("button", name=t("Save"), exact=True).click()

    expect(page.get_by_text(re.compile(r"KTM-\d{4}-\d{6}")).first).to_be_visible()
    # 15 Baishakh 2047 BS is 27 April 1990: stored in AD, shown back in BS, in Devanagari.
    shown = devanagari_digits(t("%(date)s BS", date="2047-01-15"))
    expect(page.locator("dd", has_text=shown)).to_be_visible()
    expect(page.get_by_text("गीता मगर").first).to_be_visible()

    page.get_by_role("link", name=t("Open a case")).click()
    page.locator("select[name=host_country]").select_option("QA")
    page.locator("input[name=return_date]").fill(yesterday)
    page.locator("select[name=return_reason]").select_option("abuse_exploitation")
    page.get_by_role("button", name=t("Open the case")).click()
    expect(page.get_by_text(re.compile(r"KTM-RR-\d{4}-\d{5}")).first).to_be_visible()

    page.get_by_role("link", name=t("Refer to a service")).click()
    finder = page.get_by_role("form", name=t("Find a provider"))
    finder.locator("select[name=service]").select_option("psychosocial")
    finder.get_by_role("button", name=t("Find providers")).click()
    finder.get_by_role("link", name=t("Any district")).click()
    page.locator("select[name=provider_id]").select_option(label="TPO Nepal")
    page.locator("textarea[name=reason]").fill("विदेशमा दुर्व्यवहारपछि परामर्श।")
    page.locator("input[name=consent_obtained]").check()
    page.get_by_role("button", name=t("Save the draft")).click()
    page.get_by_role("button", name=t("Submit for approval")).click()
    expect(page.locator("h1 .badge")).to_have_text(t("Awaiting approval"))


def test_a_nepali_partner_downloads_the_report_in_nepali_for_a_fiscal_year(browse, api):
    asha = api("asha")  # a person in Jhapa, registered in English through the API
    response = asha.post(
        "/api/v1/beneficiaries",
        data={
            "given_name": "Durga",
            "family_name": "Limbu",
            "sex": "female",
            "date_of_birth": "1988-03-02",
            "nationality": "NP",
            "district_id": 4,
            "consent": {
                "given": True,
                "date_bs": bs_iso(nepal_today() - timedelta(days=1)),
                "purposes": ["registration"],
            },
        },
    )
    assert response.status == 201, response.text()

    page = sign_in_in_nepali(browse, "mantralaya")
    page.get_by_role("navigation").get_by_role("link", name=t("Reports")).click()
    page.locator("select[name=dim1]").select_option("district")
    page.locator("select[name=fiscal_year]").first.select_option(fiscal_year_of(nepal_today()))
    page.locator("select[name=language]").select_option("ne")
    page.locator("select[name=calendar]").select_option("bs")
    page.get_by_role("button", name=t("Show report")).click()
    expect(page.locator("#report-table")).to_contain_text("झापा")

    with page.expect_download() as download:
        page.get_by_role("link", name=t("Download CSV")).click()
    assert download.value.suggested_filename.endswith("-ne.csv")
    csv_text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    header = csv_text.splitlines()[0]
    assert t("District") in header and "District" not in header, header
    assert "झापा" in csv_text and "Durga" not in csv_text and "Limbu" not in csv_text
