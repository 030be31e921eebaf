"""The approvals queue draws its CSRF field once for all its forms: each form still
carries the session's token, and a decision sent with it is taken."""

from __future__ import annotations

import re

from casework.extensions import db
from casework.models import Approval
from tests.integration.test_case_pages import make_case, page


def test_every_decision_form_carries_the_token_and_a_decision_goes_through(app, login_as):
    worker = login_as("caseworker")
    boss = login_as("supervisor")
    for _ in range(2):
        make_case(worker.user, status="plan_pending")
    app.config["WTF_CSRF_ENABLED"] = True

    html = page(boss, "/approvals/")
    forms = re.findall(r'<form method="post" action="(/approvals/[^"]+)"(.*?)</form>', html, re.S)
    tokens = [re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body) for _, body in forms]
    assert len(forms) == 2 and all(tokens)
    assert len({t.group(1) for t in tokens}) == 1

    response = boss.post(
        forms[0][0],
        data={"csrf_token": tokens[0].group(1), "decision": "approve", "comment": "Fine."},
    )
    assert response.status_code == 302
    assert (
        db.session.scalar(
            db.select(db.func.count()).select_from(Approval).where(Approval.status == "approved")
        )
        == 1
    )
