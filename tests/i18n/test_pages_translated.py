"""Every page of every role reads in Nepali: nothing in English but the data.

An office with work of every kind is set up (a returnee through to monitoring with a plan,
a delivery, a visit, notes and follow-ups; a conflict victim; a refugee family on a flight;
a referral; an import batch; a saved report), then each role signs in with Nepali on their
profile and every page reachable by links from the start page is read. Three checks:

- every template in templates/ was used by some page (a page nobody reaches is a page
  nobody checked);
- no English sentence of the catalog (two words or more) is on a Nepali page: a string
  that is wrapped but not translated;
- no word in Latin script is on a Nepali page unless it is data the test created (names,
  usernames, numbers, codes) or a name that stays Latin (CSV, TOTP, …): a string that was
  never wrapped.

The same pages in English must answer 200.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from sqlalchemy import JSON, String, Text, select

from casework.extensions import db
from casework.models import Case, Office, User
from casework.services import cases, providers, referrals, reintegration, two_factor
from casework.services import resettlement as resettlement_service
from tests import crawling
from tests.i18n.catalog import english_phrases, nepali_catalog
from tests.integration.test_case_pages import make_case
from tests.integration.test_conflict_victims import new_case
from tests.integration.test_referral_pages import advance as advance_referral
from tests.integration.test_resettlement import booked

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
ROLES = ("caseworker", "supervisor", "admin", "partner")
MAX_PAGES = 150

# Latin on a Nepali page that is not a missing translation: the product's name, the name of
# the other language on the language switch, file formats and standards, the currency code.
STAYS_LATIN = {
    "Casework", "English", "CSV", "XLSX", "JSON", "API", "TOTP", "QR", "SHA", "NPR", "NPT",
    "ID", "UNHCR", "IOM", "URL", "OpenAPI", "Bearer", "otpauth", "UTF", "MB", "xlsx", "csv",
    "Ctrl", "Excel", "KoBo", "KoBoToolbox", "Google", "Authenticator", "Aegis", "FreeOTP",
}  # fmt: skip

# A caseworker's errors: no such page, an admin's page, a GET where only POST is allowed.
ERROR_PAGES = {"/no-such-page": 404, "/admin/users": 403, "/auth/two-factor/recovery-codes": 405}

# Templates no GET page renders, with the reason.
UNREACHABLE: dict[str, str] = {}


# --- reading a page as a reader sees it ------------------------------------------------------


class VisibleText(HTMLParser):
    """The text a reader sees (text nodes, placeholders, titles, labels for screen readers,
    button values) and the page's links. Machine text (<code>, <kbd>, <samp>, <pre>: codes
    as stored, in the audit log and the subject access report) is not language."""

    SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
    NOT_TEXT = ("script", "style", "code", "kbd", "samp", "pre")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in self.NOT_TEXT:
            self._hidden += 1
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        for name in self.SHOWN_ATTRIBUTES:
            if attributes.get(name):
                self.texts.append(attributes[name])
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.texts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in self.NOT_TEXT:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def read(html: str) -> VisibleText:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser


LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def latin_words(text: str) -> set[str]:
    return set(LATIN_WORD.findall(text))


# --- the office and its work -------------------------------------------------------------------


def stored_strings() -> set[str]:
    """Every string stored in the rows the test made (JSON documents included), and the
    offices' codes and names (as typed); not the places and countries, which pages show in
    the reader's language."""
    reference = {"provinces", "districts", "local_levels", "countries", "offices"}
    found: set[str] = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if table.name in reference or table.name == "alembic_version" or not columns:
            continue
        for row in db.session.execute(select(*columns)):
            found.update(_strings_in(list(row)))
    for user in db.session.scalars(select(User).where(User.totp_secret.is_not(None))):
        found.add(two_factor.unseal(user.totp_secret))  # shown while enrolling
    for office in db.session.scalars(select(Office)):
        found.update((office.code, office.name))
    return found


def allowed_words(stored: set[str]) -> set[str]:
    """The Latin words a Nepali page may show: those of the data, except bare codes such as
    `monitoring` or `female` (shown through a label, so a code on the page is a label that
    was never wrapped); those the translators kept in Latin (a programme's own name); and
    STAYS_LATIN."""
    words = set(STAYS_LATIN)
    for value in stored:
        if not re.fullmatch(r"[a-z_]+", value):
            words |= latin_words(value)
    for message in nepali_catalog():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            words |= latin_words(_without_placeholders(string or ""))
    return words


def _without_placeholders(text: str) -> str:
    return re.sub(r"%\(\w+\)[sd]", " ", text)


def _strings_in(value) -> list[str]:
    """The strings in a row, JSON documents included (an import's rows, a stage's record)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _strings_in(list(value.keys())) + _strings_in(list(value.values()))
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings_in(item)]
    return []


def _return_case_with_everything(worker, boss) -> int:
    case_id = make_case(worker, boss, status="monitoring")
    case = db.session.get(Case, case_id)
    reintegration.record_visit(
        worker,
        case,
        {"visit_date": date.today(), "economic": 0.6, "social": 0.8, "psychosocial": 0.5},
    )
    cases.add_note(worker, case, "Visited the shop with the ward chair.")
    cases.add_note(worker, case, "Family situation discussed.", confidential=True)
    cases.add_follow_up(worker, case, "Call about the sewing machine", date.today())
    cases.add_follow_up(worker, case, "Overdue phone call", date.today() - timedelta(days=3))
    db.session.commit()
    return case_id


def _referral(worker, boss, case_id: int) -> int:
    provider = providers.create(
        None, {"name": "TPO Nepal", "kind": "ngo", "services": ["medical"], "district_ids": [27]}
    )
    case = db.session.get(Case, case_id)
    case.beneficiary.consent_purposes = ["registration", "referral"]
    referral = referrals.create(
        worker,
        case,
        {
            "provider_id": provider.id,
            "service": "medical",
            "reason": "Check-up soon",
            "consent_obtained": True,
        },
    )
    db.session.commit()
    advance_referral(referral.id, "sent", worker, boss)  # the slip is for a sent referral
    return referral.id


def _flight(officer) -> tuple[int, int]:
    """A departure batch with one family on it, and another family's booked case."""
    first = booked(officer, "BHU-500001", office="KTM")
    second = booked(officer, "BHU-500002", office="KTM")
    batch = resettlement_service.create_batch(
        officer, {"departure_date": date.today(), "flight": "TK 727", "case_ids": [first.id]}
    )
    db.session.commit()
    return batch.id, second.id


IMPORT_FILE = (
    "Given name,Family name,Sex,Date of birth,District,Mobile,Consent,Consent date,"
    "Consent purposes\n"
    "Ram Bahadur,Thapa,male,1990-05-12,Kavre,9812345678,yes,2026-11-01,registration\n"
    "Hari,Rai,male,1985-01-21,Nowhere,,no,,\n"
)


def _import_batch(client) -> str:
    response = client.post(
        "/imports/",
        data={"file": (io.BytesIO(IMPORT_FILE.encode()), "drive.csv"), "source": ""},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return urlsplit(response.headers["Location"]).path


@pytest.fixture
def office(login_as):
    """An office with work of every kind, and a signed-in client per role in `language`."""

    def make(language: str):
        clients = {role: login_as(role, language=language) for role in ROLES}
        worker, boss = clients["caseworker"].user, clients["supervisor"].user
        return_id = _return_case_with_everything(worker, boss)
        conflict_id = new_case(worker)
        batch_id, booked_id = _flight(worker)
        referral_id = _referral(worker, boss, return_id)
        batch_url = _import_batch(clients["caseworker"])
        beneficiary_id = db.session.get(Case, return_id).beneficiary_id
        case_pages = [f"/cases/{i}" for i in (return_id, conflict_id, booked_id)]
        starts = {
            "caseworker": [
                *case_pages,
                f"/referrals/{referral_id}",
                f"/referrals/{referral_id}/slip",
                batch_url,
                f"/resettlement/batches/{batch_id}",
                "/beneficiaries/?q=Sita",
                "/auth/two-factor/enrol",
                *ERROR_PAGES,
            ],
            "supervisor": [*case_pages, "/cases/reassign", "/approvals/"],
            "admin": [
                f"/admin/subject-access/{beneficiary_id}",
                "/admin/subject-access?q=Sita",
                "/admin/providers/new",
            ],
            "partner": ["/reports/?dimension=district"],
        }
        return SimpleNamespace(clients=clients, starts=starts)

    return make


# --- crawling -------------------------------------------------------------------------------


def _read(response):
    if response.mimetype != "text/html":
        return None
    page = read(response.get_data(as_text=True))
    return SimpleNamespace(status=response.status_code, page=page), page.links


def crawl(client, starts: list[str]) -> dict[str, SimpleNamespace]:
    """{url: response} of every page reachable by links from "/" and `starts` (GET only);
    links that switch the language are not followed."""
    return crawling.crawl(client, ["/", *starts], _read, MAX_PAGES)


@pytest.fixture
def templates_used(app, monkeypatch):
    """The names of the templates loaded while the test runs, includes and macros too
    (Flask's template_rendered signal only sees the page's own template)."""
    used: set[str] = set()
    environment = app.jinja_env
    load = environment.get_template

    def recording(name, *args, **kwargs):
        template = load(name, *args, **kwargs)
        used.add(template.name)
        return template

    monkeypatch.setattr(environment, "get_template", recording)
    return used


def _sign_in_pages(app, office_clients, language: str) -> dict[str, SimpleNamespace]:
    """The pages of the sign-in steps, which a signed-in crawl never sees."""
    anonymous = app.test_client()
    pages = {}
    response = anonymous.get(f"/auth/login?lang={language}")
    pages["/auth/login"] = SimpleNamespace(status=response.status_code, page=read(response.text))
    supervisor = office_clients["supervisor"].user
    from tests.factories import PASSWORD

    anonymous.post("/auth/login", data={"username": supervisor.username, "password": PASSWORD})
    response = anonymous.get("/auth/two-factor")
    pages["/auth/two-factor"] = SimpleNamespace(
        status=response.status_code, page=read(response.text)
    )
    admin = office_clients["admin"]
    response = admin.post("/auth/two-factor/recovery-codes")
    pages["/auth/two-factor/recovery-codes"] = SimpleNamespace(
        status=response.status_code, page=read(response.text)
    )
    return pages


def every_page(app, made) -> dict[str, SimpleNamespace]:
    pages = {}
    for role in ROLES:
        for url, result in crawl(made.clients[role], made.starts[role]).items():
            pages[f"{role} {url}"] = result
    language = made.clients["caseworker"].user.language
    for url, result in _sign_in_pages(app, made.clients, language).items():
        pages[f"anonymous {url}"] = result
    return pages


# --- the checks -------------------------------------------------------------------------------


def all_templates() -> set[str]:
    return {p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")}


def english_on(pages, phrases: set[str], data: set[str] = frozenset()) -> dict[str, list[str]]:
    """{url: English sentences on the page}, less those that are in data the test stored
    (an imported file's column names, which are also our labels)."""
    phrases = {p for p in phrases if not any(p in value for value in data)}
    found = {}
    for url, result in pages.items():
        text = " ".join(result.page.texts)
        shown = sorted(p for p in phrases if p in text)
        if shown:
            found[url] = shown
    return found


def latin_on(pages, allowed: set[str]) -> dict[str, list[str]]:
    found = {}
    for url, result in pages.items():
        stray = sorted({w for t in result.page.texts for w in latin_words(t)} - allowed)
        if stray:
            found[url] = stray
    return found


def test_every_page_of_every_role_reads_in_nepali(app, office, templates_used):
    made = office("ne")
    pages = every_page(app, made)
    stored = stored_strings()
    problems = {
        "templates no page used (reach them, or list them in UNREACHABLE with why)": sorted(
            all_templates() - templates_used - set(UNREACHABLE)
        ),
        "pages that failed": sorted(url for url, r in pages.items() if r.status >= 500),
        "English sentences of the catalog (translate them in messages.po)": english_on(
            pages, english_phrases(), stored
        ),
        "words in Latin script that are not data (wrap them in _())": latin_on(
            pages, allowed_words(stored)
        ),
    }
    problems = {what: found for what, found in problems.items() if found}
    assert len(pages) > 60, sorted(pages)
    assert not problems, "\n\n".join(f"{what}:\n{found}" for what, found in problems.items())


def test_every_page_of_every_role_answers_in_english(app, office):
    made = office("en")
    pages = every_page(app, made)
    assert len(pages) > 60, sorted(pages)
    not_ok = {url: r.status for url, r in pages.items() if r.status != 200}
    assert not_ok == {f"caseworker {url}": status for url, status in ERROR_PAGES.items()}
    page = pages["caseworker /"].page
    assert "Casework" in " ".join(page.texts)


def test_the_checks_see_english_and_stray_latin():
    """The two text checks find what they are for (and leave data alone)."""
    page = SimpleNamespace(page=read('<p>नमस्ते Sita</p><p title="Save the case">x</p>'))
    assert english_on({"/": page}, {"Save the case"}) == {"/": ["Save the case"]}
    assert latin_on({"/": page}, {"Sita"}) == {"/": ["Save", "case", "the"]}
    machine = read("<script>var Latin = 1;</script><p>नमस्ते <code>business_grant</code></p>")
    assert latin_on({"/": SimpleNamespace(page=machine)}, set()) == {}


def test_the_template_recorder_sees_includes_and_macros(app, templates_used, login_as):
    login_as("caseworker").get("/beneficiaries/new")
    assert {"base.html", "beneficiaries/form.html", "macros.html"} <= templates_used
