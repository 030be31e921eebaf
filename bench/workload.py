"""What `make bench` times: the pages and API calls a user waits for, with their targets.

Shared by bench/run.py (over HTTP against gunicorn) and bench/inprocess.py (in one
process, with the queries each request makes), so that both time the same requests.
"""

from __future__ import annotations

from urllib.parse import urlencode

DEMO_PASSWORD = "casework-demo"  # noqa: S105  (the demo accounts' published password)

# Targets of issue 7 (ms at p95, or ratios): checked and reported, never asserted in tests.
FAST_MS = 50
SLOW_MS = 500
THROUGHPUT_RATIO = 0.25
EXPORT_ROWS_PER_S = 50_000
EXPORT_PEAK_MB = 250


def search_fragment(someone: dict) -> str:
    """Fragments of a family and a given name, family name first: any order matches."""
    return f"{someone['family_name'][:4]} {someone['given_name'][:3]}"


def requests_to_time(someone: dict, tokens: dict[str, str]) -> list[tuple[str, dict, str, int]]:
    """(name, who, path with query, p95 target in ms) for each request.

    `someone` is a KTM beneficiary with a date of birth; `tokens` holds API tokens of
    caseworker.ktm, supervisor.ktm and partner. `who` is {"token": …} for the API or
    {"user": username} for a page, whose session comes from signing in."""
    caseworker_api = {"token": tokens["caseworker.ktm"]}
    matches = {
        "given_name": someone["given_name"],
        "family_name": someone["family_name"],
        "date_of_birth": someone["date_of_birth"],
    }
    report = {
        "group_by": "district,sex,age_band",
        "kind": "return_reintegration",
        "fiscal_year": "2082/83",
    }
    listed = {"district_id": someone["district_id"], "sex": "female"}
    return [
        (
            "name search (API)",
            caseworker_api,
            "/api/v1/beneficiaries?" + urlencode({"q": search_fragment(someone)}),
            FAST_MS,
        ),
        (
            "beneficiary list by district and sex",
            {"user": "caseworker.ktm"},
            "/beneficiaries/?" + urlencode(listed),
            FAST_MS,
        ),
        ("profile page", {"user": "caseworker.ktm"}, f"/beneficiaries/{someone['id']}", FAST_MS),
        (
            "duplicate match (API)",
            caseworker_api,
            "/api/v1/beneficiaries/matches?" + urlencode(matches),
            FAST_MS,
        ),
        ("caseworker's my work", {"user": "caseworker.ktm"}, "/work/", FAST_MS),
        ("approvals queue", {"user": "supervisor.ktm"}, "/approvals/", FAST_MS),
        ("supervisor dashboard", {"user": "supervisor.ktm"}, "/", SLOW_MS),
        ("partner dashboard", {"user": "partner"}, "/", SLOW_MS),
        (
            "partner summary report (API)",
            {"token": tokens["partner"]},
            "/api/v1/reports/summary?" + urlencode(report),
            SLOW_MS,
        ),
    ]


def diagnostic_requests(tokens: dict[str, str]) -> list[tuple[str, dict, str, None]]:
    """What every request pays, for comparison (no target): the health check, and the
    cheapest authenticated API call and page."""
    return [
        ("health check", {}, "/healthz", None),
        (
            "trivial API call (districts)",
            {"token": tokens["caseworker.ktm"]},
            "/api/v1/districts",
            None,
        ),
        ("trivial page (account)", {"user": "caseworker.ktm"}, "/auth/account", None),
    ]
