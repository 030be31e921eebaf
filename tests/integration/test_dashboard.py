"""The home page: each role's own picture of the work."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from casework.extensions import db
from casework.models import Approval, FollowUp
from tests.factories import BeneficiaryFactory, UserFactory, conflict_case, person, return_case
from tests.pages import table_rows
from tests.queries import queries_of


def chart(html: str, key: str) -> dict[str, str]:
    """{label: shown figure} of one chart of the page."""
    match = re.search(rf'<figure[^>]*id="chart-{re.escape(key)}".*?</figure>', html, re.S)
    assert match, f"no chart {key}"
    return {row[0]: row[-1] for row in table_rows(match.group(0))}


def tiles(html: str) -> dict[str, str]:
    """{label: figure} of the tiles at the top of the page."""
    found = re.findall(
        r'<div class="display-6[^"]*">(\d+)</div>\s*<div class="text-body">([^<]+)<', html
    )
    return {label: value for value, label in found}


def recent(days: int = 10) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def test_a_caseworker_sees_their_own_caseload_and_what_is_due(login_as):
    worker = login_as("caseworker")
    mine = return_case(person(), opened_at=recent())
    mine.assigned_to_id = worker.user.id
    other = return_case(person(), opened_at=recent())  # someone else's case
    today = date.today()
    db.session.add_all(
        [
            FollowUp(case_id=mine.id, title="Call back", due_date=today - timedelta(days=2)),
            FollowUp(case_id=mine.id, title="Home visit", due_date=today + timedelta(days=3)),
            FollowUp(case_id=other.id, title="Not mine", due_date=today - timedelta(days=1)),
        ]
    )
    db.session.commit()
    html = worker.get("/").get_data(as_text=True)
    assert tiles(html) == {
        "Open cases": "1",
        "Overdue follow-ups": "1",
        "Follow-ups due in 7 days": "1",
        "Waiting on a supervisor": "0",
    }
    assert chart(html, "open-return_reintegration") == {"Registered": "1"}
    assert "Call back" in html and "Home visit" in html and "Not mine" not in html
    assert "overdue-per-person" not in html


def test_the_follow_ups_listed_cost_no_query_each(login_as):
    """Each follow-up shows its case number: loaded with the list, not once per line."""
    worker = login_as("caseworker")
    today = date.today()

    def home_page_queries() -> int:
        worker.get("/")
        seen, response = queries_of(worker, "/")
        assert response.status_code == 200
        return len(seen)

    def add_due_case() -> None:
        case = return_case(person(), opened_at=recent())
        case.assigned_to_id = worker.user.id
        db.session.add(FollowUp(case_id=case.id, title="Call", due_date=today))
        db.session.commit()

    add_due_case()
    with_one = home_page_queries()
    for _ in range(5):
        add_due_case()
    html = worker.get("/").get_data(as_text=True)
    assert html.count("· Call</li>") == 6
    assert home_page_queries() == with_one


def test_a_supervisor_sees_the_office_approvals_and_overdue_per_caseworker(login_as):
    boss = login_as("supervisor")
    anna = UserFactory(username="anna", office_code="KTM")
    bimal = UserFactory(username="bimal", office_code="KTM")
    for status in ("registered", "registered", "assessment"):
        case = return_case(person(), opened_at=recent(), status=status)
        case.assigned_to_id = anna.id
    late = return_case(person(), opened_at=recent(), status="plan_pending")
    late.assigned_to_id = bimal.id
    conflict_case(person(), ["displaced"], opened_at=recent())
    elsewhere = return_case(person(office_code="DMK"), opened_at=recent())
    today = date.today()
    db.session.add_all(
        [
            FollowUp(case_id=late.id, title="Late", due_date=today - timedelta(days=5)),
            FollowUp(case_id=late.id, title="Later", due_date=today - timedelta(days=1)),
            FollowUp(case_id=elsewhere.id, title="Damak", due_date=today - timedelta(days=1)),
            Approval(
                approval_type="reintegration_plan",
                office_code="KTM",
                case_id=late.id,
                subject_id=late.id,
                requested_by_id=bimal.id,
            ),
        ]
    )
    db.session.commit()
    html = boss.get("/").get_data(as_text=True)
    assert tiles(html)["Open cases"] == "5"
    assert tiles(html)["Approvals waiting"] == "1"
    assert tiles(html)["Overdue follow-ups"] == "2"
    assert chart(html, "open-return_reintegration") == {
        "Registered": "2",
        "Assessment": "1",
        "Plan awaiting approval": "1",
    }
    assert chart(html, "open-conflict_victim") == {"Registered": "1"}
    per_person = chart(html, "overdue-per-person")
    assert per_person["bimal"] == "2" and per_person["anna"] == "0"
    assert "Damak" not in html


def test_a_partner_sees_suppressed_aggregates_and_no_names(login_as):
    for _ in range(6):
        return_case(person(), opened_at=recent(), host="QA")
    for _ in range(2):
        return_case(person(), opened_at=recent(), host="SA")
    for _ in range(7):
        conflict_case(person(), ["displaced"], opened_at=recent())
    db.session.commit()
    partner = login_as("partner")
    response = partner.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    hosts = chart(html, "returns-by-host-country")
    assert hosts == {"Qatar": "x", "Saudi Arabia": "<5"}  # 2 is small, so Qatar hides too
    month = recent().strftime("%Y-%m")
    assert chart(html, "returns-by-month") == {month: "8"}
    assert chart(html, "victims-by-category") == {"Displaced": "7"}
    assert chart(html, "victims-by-district") == {"Kathmandu": "7"}  # incident district 27
    assert "Secretname" not in html and "Hiddenfamily" not in html
    assert "open-return_reintegration" not in html


def test_an_admin_sees_people_and_cases_of_every_office(login_as):
    BeneficiaryFactory(office_code="DMK")
    return_case(person(office_code="KTM"), opened_at=recent())
    db.session.commit()
    html = login_as("admin").get("/").get_data(as_text=True)
    assert tiles(html)["People registered"] == "2"
    assert tiles(html)["Open cases"] == "1"
