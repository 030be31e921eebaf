"""Return and reintegration: the return, the plan and its approval, assistance delivered,
monitoring visits and closure (the steps of casework.services.cases and .reintegration)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from casework.demo_bulk.referrals import refer
from casework.demo_bulk.story import Story
from casework.domain import reintegration
from casework.models import AssistanceDelivery, MonitoringVisit, PlanItem, ReturnDetails
from casework.services.reintegration import DELIVERY_ALLOWED, MONITORING_TITLE, PLAN_EDITABLE

# Where Nepal's labour migrants return from, and why (weights, not shares of a real year).
HOSTS = {"QA": 24, "SA": 20, "MY": 18, "AE": 16, "KW": 7, "KR": 4, "BH": 3, "OM": 3, "JP": 3}
REASONS = {
    "end_of_contract": 45,
    "abuse_exploitation": 15,
    "stranded": 12,
    "deported": 10,
    "medical": 10,
    "other": 8,
}
# A plan's goals and its items: (type, description, budget range in NPR).
PLANS = [
    (
        "Start a small business and rebuild family income",
        [("business_grant", "Start-up grant for a grocery shop", 30_000, 100_000)],
    ),
    (
        "Find skilled work at home",
        [
            ("vocational_training", "Electrician course (CTEVT, 3 months)", 15_000, 40_000),
            ("job_placement", "Placement with a local contractor", 5_000, 15_000),
        ],
    ),
    (
        "Recover health and return to farming",
        [
            ("medical", "Treatment and medicines", 10_000, 60_000),
            ("in_kind", "Seeds, tools and two goats", 20_000, 50_000),
        ],
    ),
    (
        "Overcome the distress of exploitation abroad and settle with the family",
        [
            ("psychosocial", "Ten counselling sessions", 8_000, 20_000),
            ("cash", "Cash for the first three months", 15_000, 45_000),
        ],
    ),
    (
        "Send the children back to school while the household recovers",
        [("education_scholarship", "School fees and uniforms for a year", 10_000, 30_000)],
    ),
]
DELIVERED_BY = {"KTM": "IOM Kathmandu", "DMK": "IOM Damak"}
REFERRAL_SERVICES = ("livelihood", "psychosocial", "medical", "legal_aid")
EARLY_CLOSURES = ("withdrew", "lost_contact", "re_migrated", "transferred")


class ReturnStory(Story):
    details_model = ReturnDetails

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.plan_items: list[dict] = []
        self.deliveries: list[dict] = []
        self.monitoring: dict | None = None  # the open "Monitoring visit" follow-up

    def details_stand_in(self):
        return SimpleNamespace(
            **self.details,
            plan_items=self.plan_items,
            deliveries=[SimpleNamespace(**d) for d in self.deliveries],
        )

    def planned_budget(self) -> int:
        return sum(item["budget_npr"] for item in self.plan_items)

    def stalls(self, chance: float = 0.04) -> bool:
        """Some cases wait at a step for a long time (their follow-ups fall overdue)."""
        return self.rng.random() < chance

    def live(self) -> None:
        rng = self.rng
        returned = self.day - timedelta(days=rng.randint(1, 60))
        assert not reintegration.check_return_date(returned, self.ctx.today)
        fields = {
            "host_country": rng.choices(list(HOSTS), list(HOSTS.values()))[0],
            "return_date": returned,
            "return_reason": rng.choices(list(REASONS), list(REASONS.values()))[0],
            "arrival_help": sorted(rng.sample(list(reintegration.ARRIVAL_HELP), rng.randint(0, 3))),
        }
        self.open(fields, {**fields, "plan_goals": "", "approved_budget_npr": 0})
        if not self.later(1, 21) or self.stalls():
            return
        if rng.random() < 0.04:
            self.close_early()
            return
        self.move("assessment", "First interview done")
        visit = self.follow_up("Home visit", self.day + timedelta(days=rng.randint(5, 25)))
        if rng.random() < 0.25:
            refer(self, rng.choice(REFERRAL_SERVICES), "Needs support beyond the programme")
        if self.later(5, 35) and not self.stalls():
            self.done(visit)
            self._plan_to_closure()

    def _plan_to_closure(self) -> None:
        if self.rng.random() < 0.05:
            self.close_early()
            return
        if not self._plan_approved():
            return
        if not self._deliver() or not self.later(1, 10):
            return
        self.move("monitoring", "Assistance delivered; monitoring starts")
        sustainable = self._monitor()
        if sustainable is None or not self.later(2, 25):
            return
        if sustainable:
            self.close("completed", "Reintegration is sustainable", "Goals met")
        else:
            self.close("lost_contact", "No progress after three visits", "Agreed")

    def close_early(self) -> None:
        reason = self.rng.choice(EARLY_CLOSURES)
        self.close(reason, "The person no longer takes part", "Closure agreed")

    def _plan_approved(self) -> bool:
        self._save_plan()
        self.move("plan_pending", "Plan ready for approval")
        if not self.later(1, 12):
            return False  # waits in the supervisors' queue
        if self.rng.random() < 0.08:
            self.decide(False, "Revise the budget: one item is above the programme ceiling")
            if not self.later(2, 10):
                return False
            self._save_plan()
            self.move("plan_pending", "Revised plan")
            if not self.later(1, 8):
                return False
        self.decide(True, "Budget is reasonable")
        return True

    def _save_plan(self) -> None:
        """`reintegration.save_plan`: goals and items replaced while the case is assessed."""
        assert self.status in PLAN_EDITABLE
        goals, items = self.rng.choice(PLANS)
        before = {"goals": self.details["plan_goals"], "items": _logged(self.plan_items)}
        self.rows = [(model, row) for model, row in self.rows if model is not PlanItem]
        self.plan_items = [
            self.add(
                PlanItem,
                {
                    "case_id": self.case["id"],
                    "assistance_type": kind,
                    "description": description,
                    "budget_npr": self.rng.randrange(low, high + 1, 1_000),
                },
            )
            for kind, description, low, high in items
        ]
        assert all(kind in reintegration.ASSISTANCE_TYPES for kind, *_ in items)
        self.details["plan_goals"] = goals
        after = {"goals": goals, "items": _logged(self.plan_items)}
        self.event(self.worker, "plan", changes={"plan": [before, after]})

    def _deliver(self) -> bool:
        """Each planned item delivered in full (within the approved budget: no overrun)."""
        for index, item in enumerate(self.plan_items):
            gap = (7, 40) if index == 0 else (5, 30)
            if not self.later(*gap):
                return False
            self._delivery(item)
        return True

    def _delivery(self, item: dict) -> None:
        """`reintegration.record_delivery`, and the monitoring visit it schedules."""
        assert self.status in DELIVERY_ALLOWED and self.day >= self.details["return_date"]
        delivery = self.add(
            AssistanceDelivery,
            {
                "case_id": self.case["id"],
                "assistance_type": item["assistance_type"],
                "amount_npr": item["budget_npr"],
                "delivered_on": self.day,
                "delivered_by": DELIVERED_BY[self.case["office_code"]],
                "status": "recorded",
                "recorded_by_id": self.worker.id,
                "recorded_at": self.t,
            },
        )
        self.deliveries.append(delivery)
        if self.monitoring is None or self.monitoring.get("done_at"):
            due = reintegration.monitoring_due(self.day)
            self.monitoring = self.follow_up(MONITORING_TITLE, due, automatic=True)
        self.event(
            self.worker,
            "assistance",
            changes={
                "type": delivery["assistance_type"],
                "amount_npr": delivery["amount_npr"],
                "delivered_on": delivery["delivered_on"],
                "status": "recorded",
            },
        )

    def _monitor(self) -> bool | None:
        """Up to three visits, three months apart; None if the story reaches now first."""
        base = self.rng.uniform(0.2, 0.6)
        for visit in range(3):
            if not self.later(75, 110):
                return None
            if self._visit(base + 0.15 * visit):
                return True
        return False

    def _visit(self, level: float) -> bool:
        """`reintegration.record_visit`: scored with the programme's settings of the day."""
        settings = self.ctx.score_settings
        scores = {
            d: round(min(1.0, max(0.0, level + self.rng.uniform(-0.15, 0.15))), 2)
            for d in reintegration.DIMENSIONS
        }
        assert not reintegration.check_scores(scores)
        score = reintegration.composite(scores, settings)
        sustainable = reintegration.is_sustainable(score, settings)
        self.add(
            MonitoringVisit,
            {
                "case_id": self.case["id"],
                "visit_date": self.day,
                **scores,
                "composite": score,
                "sustainable": sustainable,
                "recorded_by_id": self.worker.id,
                "recorded_at": self.t,
            },
        )
        self.done(self.monitoring)
        if not sustainable:
            due = reintegration.monitoring_due(self.day)
            self.monitoring = self.follow_up(MONITORING_TITLE, due, automatic=True)
        changes = {**scores, "visit_date": self.day, "composite": score}
        self.event(self.worker, "monitoring", changes={**changes, "sustainable": sustainable})
        return sustainable


def _logged(items: list[dict]) -> list[dict]:
    """Plan items as the history logs them (`services.reintegration._items`)."""
    return [
        {
            "type": i["assistance_type"],
            "description": i["description"],
            "budget_npr": i["budget_npr"],
        }
        for i in items
    ]
