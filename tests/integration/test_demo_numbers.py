"""Registration numbers of demo households registered across New Year's midnight."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from casework import bulk, demo


def _member(relationship: str) -> dict:
    return {
        "given_name": "Sita",
        "family_name": "Thapa",
        "sex": "female",
        "date_of_birth": date(1990, 1, 1),
        "district_id": 27,
        "local_level_id": None,
        "ward": None,
        "relationship": relationship,
    }


def test_members_registered_after_midnight_take_the_new_years_numbers(app):
    now = datetime(2026, 6, 1, tzinfo=UTC)
    loader = bulk.Loader()
    try:
        registration = demo._Registration(random.Random(1), loader, now)
        before = demo.DemoHousehold(
            1,
            "KTM",
            datetime(2025, 12, 31, 23, 59, 30, tzinfo=UTC),
            bulk.SYSTEM,
            [_member("head"), _member("spouse"), _member("child")],
        )
        after = demo.DemoHousehold(
            2, "KTM", datetime(2026, 1, 2, 5, 0, tzinfo=UTC), bulk.SYSTEM, [_member("head")]
        )
        registration._number([before, after])
    finally:
        loader.abandon()
    numbers = [m["registration_number"] for h in (before, after) for m in h.members]
    # The head in 2025; the spouse (40 s later) and the child in 2026, then the next household.
    assert numbers == ["KTM-2025-000001", "KTM-2026-000001", "KTM-2026-000002", "KTM-2026-000003"]
    assert len(set(numbers)) == len(numbers)
