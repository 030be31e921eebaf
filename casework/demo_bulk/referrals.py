"""Referrals from a case to a demo provider, through the supervisor's approval to the outcome
(the steps of casework.services.referrals, each checked against the referral table)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from casework.demo_bulk.story import Story
from casework.domain import follow_ups, workflow
from casework.models import Approval, DataTransfer, Referral
from casework.services import referrals

NOTES = {
    "accept": "Appointment given",
    "decline": "No capacity this month",
    "complete": "Service delivered; the person is satisfied",
}


def consent_to_referral(person: dict) -> bool:
    """The services refuse to submit a referral without this consent on record."""
    stand_in = SimpleNamespace(case=SimpleNamespace(beneficiary=SimpleNamespace(**person)))
    return referrals.consent_on_record(stand_in)


def provider_for(story: Story, service: str) -> dict | None:
    """An active provider of the service, one serving the person's district if there is one."""
    offering = [p for p in story.ctx.providers if service in p["services"]]
    near = [p for p in offering if story.person["district_id"] in p["districts"]]
    return story.rng.choice(near or offering) if offering else None


class ReferralStory:
    """One referral, on its own clock from the moment the caseworker drafts it."""

    def __init__(self, story: Story, referral_id: int, provider: dict, service: str, reason: str):
        self.story, self.rng, self.id, self.provider = story, story.rng, referral_id, provider
        self.row = {
            "id": referral_id,
            "case_id": story.case["id"],
            "office_code": story.case["office_code"],
            "provider_id": provider["id"],
            "service": service,
            "urgency": "urgent" if self.rng.random() < 0.15 else "normal",
            "reason": reason,
            "consent_obtained": True,
            "status": "draft",
            "created_by_id": story.worker.id,
            "created_at": story.t,
            "updated_at": story.t,
            "version": 1,
        }

    def live(self) -> None:
        story = self.story
        self._event("create", "", provider=self.provider["name"], service=self.row["service"])
        self._act("submit", submitted_by_id=story.worker.id, submitted_at=story.t)
        approval = story.add(
            Approval,
            {
                "approval_type": "referral",
                "office_code": self.row["office_code"],
                "case_id": self.row["case_id"],
                "subject_id": self.id,
                "requested_by_id": story.worker.id,
                "requested_at": story.t,
                "request_comment": self.row["reason"][:500],
                "status": "pending",
                "decision_comment": "",
            },
        )
        self._event("submit", "draft")
        self._steps(approval)
        story.add(Referral, self.row)

    def _steps(self, approval: dict) -> None:
        story = self.story
        if not story.later(1, 7):
            return  # waits in the supervisors' queue
        approve = self.rng.random() < 0.9
        comment = "Appropriate service" if approve else "Refer to a provider nearer home"
        self._decide(approval, approve, comment)
        if not approve or not story.later(0, 3):
            return
        answer = self._send()
        if not story.later(2, 20):
            return
        accepted = self.rng.random() < 0.85
        self._respond(answer, accepted)
        if accepted and story.later(10, 60):
            self._act("complete", completed_at=story.t, outcome=NOTES["complete"])
            self._event("complete", "accepted", comment=NOTES["complete"])

    def _decide(self, approval: dict, approve: bool, comment: str) -> None:
        """`approvals.decide` then `referrals.decide`: the supervisor, four eyes."""
        story = self.story
        action = "approve" if approve else "reject"
        self._act(action, decided_by_id=story.boss.id, decided_at=story.t, decision_reason=comment)
        story.decided(approval, approve, comment)
        self._event(action, "pending_approval", comment=comment, actor=story.boss)

    def _send(self) -> dict:
        """Sent: the transfer of personal data is recorded and an answer expected in time."""
        story, person = self.story, self.story.person
        self._act("send", sent_at=story.t)
        story.add(
            DataTransfer,
            {
                "referral_id": self.id,
                "beneficiary_id": person["id"],
                "provider_id": self.provider["id"],
                "sent_by_id": story.worker.id,
                "sent_at": story.t,
                "fields": list(referrals.SLIP_FIELDS),
                "consent": {
                    "given": person["consent_given"],
                    "date": person["consent_date"].isoformat() if person["consent_date"] else None,
                    "purposes": list(person["consent_purposes"]),
                    "confirmed_for_referral": True,
                },
            },
        )
        title = follow_ups.not_answered_title(self.id, self.provider["name"])
        due = story.day + timedelta(days=story.ctx.response_days)
        answer = story.follow_up(title, due, automatic=True)
        self._event("send", "approved", provider=self.provider["name"])
        return answer

    def _respond(self, answer: dict, accepted: bool) -> None:
        story = self.story
        action = "accept" if accepted else "decline"
        self._act(action, responded_at=story.t, response_note=NOTES[action])
        story.done(answer)  # the "not answered" follow-up is done
        self._event(action, "sent", comment=NOTES[action])

    def _act(self, action: str, **changes) -> None:
        """The referral table's move, and the row as the service leaves it."""
        self.row["status"] = workflow.check_referral_action(self.row["status"], action)
        self.row.update(changes, updated_at=self.story.t, version=self.row["version"] + 1)

    def _event(self, action: str, from_status: str, *, comment: str = "", actor=None, **changes):
        """`referrals._event`: a history line of the case, with the referral's move."""
        story = self.story
        story.event(
            actor or story.worker,
            f"referral_{action}",
            comment=comment,
            changes={
                "referral_id": self.id,
                "status": [from_status, self.row["status"]],
                **changes,
            },
        )


def refer(story: Story, service: str, reason: str) -> bool:
    """Draft, submit and follow a referral from the case now, if the person consented."""
    provider = provider_for(story, service)
    if provider is None or not consent_to_referral(story.person):
        return False
    referral_id = story.loader.next_id(Referral)
    saved = story.t
    ReferralStory(story, referral_id, provider, service, reason).live()
    story.t = saved  # the case goes on from where it was; the referral kept its own time
    return True
