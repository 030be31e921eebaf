"""Find every write the load test was told succeeded in the database.

    DATABASE_URL=… python -m loadtest.verify CLAIMS.jsonl [--json OUT]

Each claim (one JSON line written by loadtest/locustfile.py after a 2xx answer) names a
record and what the answer said about it. A claim is confirmed when the database holds it:

- `beneficiary.create`: the person exists with that registration number, names, sex and
  date of birth; if nobody edited them since (same version), with the phone given.
- `beneficiary.update`: the audit log holds that user's update of that person with the new
  phone; the row is at that version or later, and at that version it has those values.
  For people the test registered, versions and updates agree: version = 1 + updates.
- `beneficiary.view`: as many profile-view audit events of that user for that person.
- `case.open`: the case exists for that person, with that number, assigned to that user.
- `case.transition`: the case history has that user's move to that status (as many times
  as it was claimed); the case is at that version or later, and at it in that status.
- `referral.create` / `referral.submit`: the referral exists for that case, created
  (submitted) by that user, at that version and status or later; a submitted one has its
  approval item, requested by that user.
- `approval.decide`: the item is decided that way by that supervisor, who is not the one
  who asked (four eyes); a referral's decision is on the referral too.

Run against the database the server used, after the server has stopped.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

KINDS = (
    "beneficiary.create",
    "beneficiary.update",
    "case.open",
    "case.transition",
    "referral.create",
    "referral.submit",
    "approval.decide",
)
REFERRAL_ORDER = {
    "draft": 0,
    "pending_approval": 1,
    "approved": 2,
    "rejected": 2,
    "cancelled": 2,
    "sent": 3,
    "accepted": 4,
    "declined": 4,
    "completed": 5,
}


def load_claims(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def verify(claims: list[dict]) -> dict:
    """{"writes": {kind: {"claimed", "confirmed", "lost": [...]}}, "views": {...}, ...}"""
    from sqlalchemy import func, select

    from casework.extensions import db
    from casework.models import (
        Approval,
        AuditEvent,
        Beneficiary,
        Case,
        CaseEvent,
        Referral,
        User,
    )

    user_ids = dict(db.session.execute(select(User.username, User.id)).all())
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for claim in claims:
        by_kind[claim["kind"]].append(claim)
    results: dict[str, dict] = {}

    def check(kind: str, test) -> None:
        lost = []
        for claim in by_kind.get(kind, []):
            problem = test(claim)
            if problem:
                lost.append({**claim, "problem": problem})
        results[kind] = {
            "claimed": len(by_kind.get(kind, [])),
            "confirmed": len(by_kind.get(kind, [])) - len(lost),
            "lost": lost[:20],
            "lost_count": len(lost),
        }

    def at_version(row, claim, same: dict) -> str:
        """'' if the row is at the claimed version or later, and matches `same` at it."""
        if row.version < claim["version"]:
            return f"version {row.version} < claimed {claim['version']}"
        if row.version == claim["version"]:
            for name, value in same.items():
                if value != claim_value(claim, name):
                    return f"{name} is {value!r} at the claimed version"
        return ""

    def claim_value(claim, name):
        return claim.get("fields", {}).get(name, claim.get(name))

    def beneficiary_created(claim) -> str:
        person = db.session.get(Beneficiary, claim["id"])
        if person is None:
            return "no such beneficiary"
        stored = {
            "given_name": person.given_name,
            "family_name": person.family_name,
            "sex": person.sex,
            "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
        }
        for name, value in stored.items():
            if value != claim["fields"][name]:
                return f"{name} is {value!r}, not {claim['fields'][name]!r}"
        if person.registration_number != claim["registration_number"]:
            return f"registration number is {person.registration_number}"
        return at_version(person, claim, {"phone": person.phone})

    def update_events(beneficiary_id: int) -> list[AuditEvent]:
        return list(
            db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "beneficiary.update",
                    AuditEvent.object_type == "beneficiary",
                    AuditEvent.object_id == str(beneficiary_id),
                )
            )
        )

    def beneficiary_updated(claim) -> str:
        person = db.session.get(Beneficiary, claim["id"])
        if person is None:
            return "no such beneficiary"
        logged = [
            e
            for e in update_events(claim["id"])
            if e.username == claim["actor"]
            and (e.changes.get("phone") or [None, None])[1] == claim["fields"]["phone"]
        ]
        if not logged:
            return "no audit event of this update"
        return at_version(
            person, claim, {"phone": person.phone, "address_line": person.address_line}
        )

    def case_opened(claim) -> str:
        case = db.session.get(Case, claim["id"])
        if case is None:
            return "no such case"
        if case.beneficiary_id != claim["beneficiary_id"]:
            return f"case is for beneficiary {case.beneficiary_id}"
        if case.case_number != claim["case_number"]:
            return f"case number is {case.case_number}"
        if case.assigned_to_id != user_ids.get(claim["actor"]):
            return "assigned to someone else"
        return at_version(case, claim, {"status": case.status})

    moves = Counter((c["id"], c["status"], c["actor"]) for c in by_kind.get("case.transition", []))
    logged_moves: Counter = Counter()
    if moves:
        names = {v: k for k, v in user_ids.items()}
        case_ids = sorted({key[0] for key in moves})
        for chunk in range(0, len(case_ids), 500):
            rows = db.session.execute(
                select(CaseEvent.case_id, CaseEvent.to_status, CaseEvent.user_id).where(
                    CaseEvent.event == "transition",
                    CaseEvent.case_id.in_(case_ids[chunk : chunk + 500]),
                )
            )
            for case_id, to_status, user_id in rows:
                logged_moves[(case_id, to_status, names.get(user_id))] += 1

    def case_moved(claim) -> str:
        case = db.session.get(Case, claim["id"])
        if case is None:
            return "no such case"
        key = (claim["id"], claim["status"], claim["actor"])
        if logged_moves[key] < moves[key]:
            return f"history has {logged_moves[key]} such moves, {moves[key]} claimed"
        return at_version(case, claim, {"status": case.status})

    def referral_state(claim, who_field: str) -> str:
        referral = db.session.get(Referral, claim["id"])
        if referral is None:
            return "no such referral"
        if getattr(referral, who_field) != user_ids.get(claim["actor"]):
            return f"{who_field} is someone else"
        if "case_id" in claim and referral.case_id != claim["case_id"]:
            return f"referral is of case {referral.case_id}"
        if REFERRAL_ORDER[referral.status] < REFERRAL_ORDER[claim["status"]]:
            return f"status {referral.status} is before {claim['status']}"
        return at_version(referral, claim, {"status": referral.status})

    def referral_submitted(claim) -> str:
        problem = referral_state(claim, "submitted_by_id")
        if problem:
            return problem
        item = db.session.scalar(
            select(Approval).where(
                Approval.approval_type == "referral",
                Approval.subject_id == claim["id"],
                Approval.requested_by_id == user_ids.get(claim["actor"]),
            )
        )
        return "" if item else "no approval item requested by this user"

    def approval_decided(claim) -> str:
        item = db.session.get(Approval, claim["id"])
        if item is None:
            return "no such approval"
        if item.status != claim["decision"]:
            return f"approval is {item.status}"
        if item.decided_by_id != user_ids.get(claim["actor"]):
            return "decided by someone else"
        if item.decided_by_id == item.requested_by_id:
            return "decided by the one who asked (four eyes broken)"
        if item.approval_type == "referral":
            referral = db.session.get(Referral, item.subject_id)
            if referral.decided_by_id != item.decided_by_id:
                return "the referral does not carry this decision"
        return ""

    check("beneficiary.create", beneficiary_created)
    check("beneficiary.update", beneficiary_updated)
    check("case.open", case_opened)
    check("case.transition", case_moved)
    check("referral.create", lambda c: referral_state(c, "created_by_id"))
    check("referral.submit", referral_submitted)
    check("approval.decide", approval_decided)

    # Versions and updates agree for the people the test registered: a lost update (two
    # edits of one version both applied) would leave one more update than versions.
    mismatched = []
    for claim in by_kind.get("beneficiary.create", []):
        person = db.session.get(Beneficiary, claim["id"])
        if person is not None and person.version != 1 + len(update_events(claim["id"])):
            mismatched.append({"id": claim["id"], "version": person.version})

    # Profile views: each one the server answered is in the audit log.
    views = Counter((c["actor"], str(c["id"])) for c in by_kind.get("beneficiary.view", []))
    logged_views = Counter(
        {
            (username, object_id): n
            for username, object_id, n in db.session.execute(
                select(AuditEvent.username, AuditEvent.object_id, func.count())
                .where(AuditEvent.action == "beneficiary.view")
                .group_by(AuditEvent.username, AuditEvent.object_id)
            )
        }
    )
    missing_views = sum(max(0, n - logged_views[key]) for key, n in views.items())

    writes_claimed = sum(results[k]["claimed"] for k in KINDS)
    writes_confirmed = sum(results[k]["confirmed"] for k in KINDS)
    return {
        "writes": results,
        "writes_claimed": writes_claimed,
        "writes_confirmed": writes_confirmed,
        "version_mismatches": mismatched[:20],
        "version_mismatch_count": len(mismatched),
        "views_claimed": sum(views.values()),
        "views_missing": missing_views,
        "ok": writes_claimed == writes_confirmed and not mismatched and not missing_views,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("claims", type=Path)
    parser.add_argument("--json", type=Path, help="write the result here as JSON")
    args = parser.parse_args(argv)

    from casework import create_app

    app = create_app()
    with app.app_context():
        result = verify(load_claims(args.claims))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    for kind in KINDS:
        row = result["writes"][kind]
        print(f"{kind:<20} {row['confirmed']:>6} / {row['claimed']:<6} confirmed")
        for lost in row["lost"][:5]:
            print(f"    LOST: {lost}")
    print(
        f"views in the audit log: {result['views_claimed'] - result['views_missing']}"
        f" / {result['views_claimed']}"
    )
    if result["version_mismatch_count"]:
        print(f"versions and updates disagree for {result['version_mismatch_count']} people")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
