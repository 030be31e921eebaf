"""Simulated caseworkers and supervisors for `make loadtest` (run by loadtest/run.py).

Why Locust: it is a maintained load-testing tool (headless mode, a time limit, per-request
percentiles and CSV statistics) whose users are plain Python, so each simulated user can
keep what the server told it and write it down. Its gevent users are cheap: 50 of them run
in one process beside the 2-core server without skewing it much (FastHttpUser).

Every write the server answers with 2xx is recorded as a *claim*, one JSON line in
LOADTEST_CLAIMS, with what the answer said (the new id, version, status). loadtest/verify.py
then finds each claim in the database. A claim is written only after the answer arrived:
a request cut off by the time limit is not claimed, and so is not checked.

Answers are sorted by what they mean, not only by status code (LOADTEST_OUTCOMES, written
when the test stops): 2xx, 409 from contention (two users editing one record, two
supervisors deciding one item), 422 from data made invalid on purpose, and 403 where the
four-eyes rule must refuse a supervisor's own request. A 5xx or no answer at all is a
failure; so is any other status, which would mean the test or the server misbehaves.

Configuration, from the environment (run.py sets it):
  LOADTEST_ACTORS    JSON file: [{"username", "role", "office", "token"}, …]
  LOADTEST_CLAIMS    JSON-lines file the claims are appended to
  LOADTEST_OUTCOMES  JSON file: status counts per request type, samples of unexpected ones
  LOADTEST_WAIT      think time between tasks in seconds, "min,max" (default "0.2,1.0")
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from urllib.parse import urlsplit

from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

ACTORS = json.loads(open(os.environ["LOADTEST_ACTORS"], encoding="utf-8").read())  # noqa: SIM115
_CLAIMS = open(os.environ["LOADTEST_CLAIMS"], "a", encoding="utf-8")  # noqa: SIM115
_OUTCOMES_PATH = os.environ["LOADTEST_OUTCOMES"]
_WAIT = tuple(float(x) for x in os.environ.get("LOADTEST_WAIT", "0.2,1.0").split(","))

FAMILY_NAMES = ["Thapa", "Shrestha", "Tamang", "Gurung", "Magar", "Rai", "Limbu", "Sherpa"]
GIVEN_NAMES = ["Sita", "Gita", "Laxmi", "Maya", "Ram", "Hari", "Krishna", "Bikash", "Dawa"]
SEXES = ["female", "male"]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SERVICE = "psychosocial"  # offered by several demo providers in both offices' districts

# State shared by the simulated users of one process (gevent: one thread, no locks needed).
# Users who act as the same person share that person's cases, so they contend for them.
_actor_cycles = {
    role: itertools.cycle([a for a in ACTORS if a["role"] == role])
    for role in ("caseworker", "supervisor")
}
_registered: dict[str, list[int]] = defaultdict(list)  # office -> beneficiaries we registered
_uncased: dict[str, list[int]] = defaultdict(list)  # office -> registered, no case yet
_found: dict[str, list[int]] = defaultdict(list)  # office -> ids seen in search results
_cases: dict[str, dict[int, str]] = defaultdict(dict)  # username -> {case id: last status}
_providers: list[int] = []

# Request type -> status code -> count, and a few samples of answers nobody expected.
OUTCOMES: dict[str, Counter] = defaultdict(Counter)
UNEXPECTED: list[dict] = []
FOUR_EYES_VIOLATIONS: list[dict] = []


def _remember(pool: list[int], item: int, limit: int = 400) -> None:
    if item not in pool:
        pool.append(item)
        if len(pool) > limit:
            del pool[0]


class ApiUser(FastHttpUser):
    """One person at a keyboard, calling the JSON API with their bearer token."""

    abstract = True
    role = ""
    wait_time = between(*_WAIT)
    # Generous: a request waits on SQLite's write lock (busy_timeout 10 s) at worst.
    network_timeout = 60.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        if urlsplit(self.host or "").hostname not in LOOPBACK:
            # Only ever this machine's own test server: refuse anything else outright.
            self.environment.runner.quit()
            raise StopUser(f"refusing to load {self.host}: 127.0.0.1 only")
        self.actor = next(_actor_cycles[self.role])
        self.username = self.actor["username"]
        self.office = self.actor["office"]
        self.headers = {"Authorization": f"Bearer {self.actor['token']}"}
        if not _providers:
            found = self.api(
                "GET", f"/api/v1/providers?service={SERVICE}&per_page=100", "providers"
            )
            if found:
                _providers.extend(p["id"] for p in found["items"])

    # --- plumbing ---------------------------------------------------------------------

    def api(self, method, path, name, *, json=None, ok=(200, 201), tolerate=(), expect_bad=()):
        """Call the API; the parsed body of a 2xx answer, else None.

        `tolerate`: statuses that contention makes normal (409). `expect_bad`: statuses this
        call is meant to get (a 422 for invalid data, a 403 from the four-eyes rule).
        """
        with self.client.request(
            method, path, name=name, json=json, headers=self.headers, catch_response=True
        ) as response:
            code = response.status_code or 0
            OUTCOMES[name][str(code)] += 1
            if code in ok:
                try:
                    body = response.json()
                except ValueError:
                    response.failure(f"{code} without a JSON body")
                    return None
                response.success()
                return body
            if code in tolerate or code in expect_bad:
                response.success()
                return None
            response.failure(f"{code}: {(response.text or '')[:300]}")
            if len(UNEXPECTED) < 50:
                UNEXPECTED.append(
                    {
                        "name": name,
                        "method": method,
                        "path": path,
                        "status": code,
                        "body": (response.text or "")[:500],
                        "actor": self.username,
                    }
                )
            return None

    def claim(self, kind: str, **facts) -> None:
        """Write down a write the server said it made (flushed at once)."""
        line = {"kind": kind, "actor": self.username, "at": round(time.time(), 3), **facts}
        _CLAIMS.write(json.dumps(line) + "\n")
        _CLAIMS.flush()

    def view(self, beneficiary_id: int):
        """Read a profile (the read is itself written to the audit log)."""
        body = self.api("GET", f"/api/v1/beneficiaries/{beneficiary_id}", "profile")
        if body:
            self.claim("beneficiary.view", id=beneficiary_id)
        return body

    def search(self) -> None:
        q = random.choice(FAMILY_NAMES + GIVEN_NAMES)
        body = self.api("GET", f"/api/v1/beneficiaries?q={q}&per_page=25", "search")
        for item in (body or {}).get("items", []):
            _remember(_found[self.office], item["id"])

    def draft_and_submit(self, case_id: int) -> None:
        """Draft a referral for the case and submit it for a supervisor's approval."""
        if not _providers:
            return
        body = self.api(
            "POST",
            "/api/v1/referrals",
            "referral draft",
            json={
                "case_id": case_id,
                "provider_id": random.choice(_providers),
                "service": SERVICE,
                "urgency": random.choice(["normal", "normal", "urgent"]),
                "reason": "Load test: counselling after return.",
                "consent_obtained": True,
            },
            # 422: the case was closed a moment ago by another user acting on it.
            tolerate=(422,),
        )
        if not body:
            return
        self.claim(
            "referral.create",
            id=body["id"],
            case_id=case_id,
            status=body["status"],
            version=body["version"],
        )
        body = self.api(
            "POST",
            f"/api/v1/referrals/{body['id']}/submit",
            "referral submit",
            json={"version": body["version"]},
            tolerate=(409,),
        )
        if body:
            self.claim(
                "referral.submit", id=body["id"], status=body["status"], version=body["version"]
            )


class Caseworker(ApiUser):
    """Registers and edits people, opens and moves conflict-victim cases, refers them."""

    weight = 4
    role = "caseworker"

    @task(8)
    def search_beneficiaries(self) -> None:
        self.search()

    @task(5)
    def read_profile(self) -> None:
        pool = _found[self.office] or _registered[self.office]
        if pool:
            self.view(random.choice(pool))
        else:
            self.search()

    @task(3)
    def register(self) -> None:
        today = date.today()
        person = {
            "given_name": random.choice(GIVEN_NAMES),
            "family_name": random.choice(FAMILY_NAMES),
            "sex": random.choice(SEXES),
            "date_of_birth": (
                today - timedelta(days=random.randint(18 * 365, 70 * 365))
            ).isoformat(),
            "nationality": "NP",
            "phone": f"98{random.randint(0, 99_999_999):08d}",
            "district_id": random.randint(1, 77),
            "consent": {
                "given": True,
                "date": (today - timedelta(days=1)).isoformat(),
                "purposes": ["registration", "referral"],
            },
        }
        self.api(
            "GET",
            "/api/v1/beneficiaries/matches?given_name={given_name}&family_name={family_name}"
            "&date_of_birth={date_of_birth}".format(**person),
            "matches",
        )
        if random.random() < 0.05:  # now and then a date of birth in the future: 422
            bad = {**person, "date_of_birth": (today + timedelta(days=30)).isoformat()}
            self.api(
                "POST", "/api/v1/beneficiaries", "register (invalid)", json=bad, expect_bad=(422,)
            )
            return
        body = self.api("POST", "/api/v1/beneficiaries", "register", json=person)
        if not body:
            return
        self.claim(
            "beneficiary.create",
            id=body["id"],
            version=body["version"],
            registration_number=body["registration_number"],
            fields={k: body[k] for k in ("given_name", "family_name", "sex", "date_of_birth")},
            phone=body["phone"],
        )
        _remember(_registered[self.office], body["id"])
        _uncased[self.office].append(body["id"])

    @task(3)
    def edit(self) -> None:
        """Read then edit with the version read; contention on a few recent people."""
        recent = _registered[self.office][-15:]
        pool = recent if recent and random.random() < 0.7 else _found[self.office]
        if not pool:
            return
        beneficiary_id = random.choice(pool)
        body = self.view(beneficiary_id)
        if not body:
            return
        change = {
            "phone": f"98{random.randint(0, 99_999_999):08d}",
            "address_line": f"Ward office road {random.randint(1, 999)}",
        }
        body = self.api(
            "PATCH",
            f"/api/v1/beneficiaries/{beneficiary_id}",
            "edit",
            json={"version": body["version"], **change},
            tolerate=(409,),
        )
        if body:
            self.claim(
                "beneficiary.update",
                id=beneficiary_id,
                version=body["version"],
                fields={"phone": body["phone"], "address_line": body["address_line"]},
            )

    @task(2)
    def open_case(self) -> None:
        pool = _uncased[self.office]
        if not pool:
            return
        beneficiary_id = pool.pop(random.randrange(len(pool)))
        body = self.api(
            "POST",
            "/api/v1/cases",
            "open case",
            json={
                "kind": "conflict_victim",
                "beneficiary_id": beneficiary_id,
                "victim_categories": [random.choice(["displaced", "property_damaged"])],
                "incident_date": "2002-03-14",
                "incident_district_id": random.randint(1, 77),
                "ward_recommendation": True,
            },
        )
        if body:
            self.claim(
                "case.open",
                id=body["id"],
                beneficiary_id=beneficiary_id,
                status=body["status"],
                version=body["version"],
                case_number=body["case_number"],
            )
            _cases[self.username][body["id"]] = body["status"]

    @task(4)
    def transition(self) -> None:
        """Move one of this person's cases a step on (closure asks a supervisor)."""
        mine = _cases[self.username]
        if not mine:
            return
        case_id = random.choice(list(mine))
        case = self.api("GET", f"/api/v1/cases/{case_id}", "read case")
        if not case:
            return
        mine[case_id] = status = case["status"]
        target = {"registered": "verification", "verification": "active"}.get(status)
        if status == "active" and random.random() < 0.4:
            target = "closure_pending"
        if status == "closed":
            mine.pop(case_id, None)
        if target is None:
            return
        payload = {"to": target, "version": case["version"], "comment": "Load test step."}
        if target == "closure_pending":
            payload["closure_reason"] = "completed"
        body = self.api(
            "POST",
            f"/api/v1/cases/{case_id}/transitions",
            "transition",
            json=payload,
            # 409: another user acting as this person moved the case first.
            tolerate=(409,),
        )
        if body:
            self.claim(
                "case.transition", id=case_id, status=body["status"], version=body["version"]
            )
            mine[case_id] = body["status"]

    @task(3)
    def refer(self) -> None:
        mine = [c for c, s in _cases[self.username].items() if s in ("verification", "active")]
        if mine:
            self.draft_and_submit(random.choice(mine))

    @task(1)
    def list_cases(self) -> None:
        self.api("GET", "/api/v1/cases?kind=conflict_victim&per_page=25", "cases list")


class Supervisor(ApiUser):
    """Decides the office's queue (never their own requests), and asks for some."""

    weight = 1
    role = "supervisor"

    @task(6)
    def decide(self) -> None:
        queue = self.api("GET", "/api/v1/approvals?per_page=100", "approvals list")
        if not queue:
            return
        others = [i for i in queue["items"] if i["requested_by"] != self.username]
        own = [i for i in queue["items"] if i["requested_by"] == self.username]
        if own and random.random() < 0.2:
            self.four_eyes_probe(random.choice(own))
            return
        if not others:
            return
        item = random.choice(others[:20])
        approve = random.random() < 0.8
        action = "approve" if approve else "reject"
        body = self.api(
            "POST",
            f"/api/v1/approvals/{item['id']}/{action}",
            action,
            json={"comment": f"Load test: {action}d."},
            # 409: the office's other supervisor decided it first.
            tolerate=(409,),
        )
        if body:
            self.claim(
                "approval.decide",
                id=item["id"],
                type=item["type"],
                subject_id=item["subject_id"],
                decision="approved" if approve else "rejected",
            )

    def four_eyes_probe(self, item: dict) -> None:
        """Try to approve one's own request: the server must refuse it (403)."""
        with self.client.request(
            "POST",
            f"/api/v1/approvals/{item['id']}/approve",
            name="four-eyes probe",
            json={"comment": "Approving my own request must fail."},
            headers=self.headers,
            catch_response=True,
        ) as response:
            code = response.status_code or 0
            OUTCOMES["four-eyes probe"][str(code)] += 1
            if code == 403 or code == 409:
                response.success()
            else:
                response.failure(f"{code}: four-eyes rule not enforced")
                if 200 <= code < 300:
                    FOUR_EYES_VIOLATIONS.append({"actor": self.username, "approval": item})

    @task(2)
    def request_referral(self) -> None:
        """Supervisors refer too; another supervisor of the office must approve it."""
        body = self.api(
            "GET", "/api/v1/cases?kind=conflict_victim&status=active&per_page=25", "cases list"
        )
        if body and body["items"]:
            self.draft_and_submit(random.choice(body["items"])["id"])

    @task(2)
    def read(self) -> None:
        self.search()


def _timings(entry) -> dict:
    return {
        "count": entry.num_requests,
        "p50": entry.get_response_time_percentile(0.5),
        "p95": entry.get_response_time_percentile(0.95),
        "max": entry.max_response_time,
    }


@events.quitting.add_listener
def _write_outcomes(environment, **_kwargs) -> None:
    """Once every user has stopped: the statistics and the outcomes, together."""
    _CLAIMS.flush()
    stats = environment.stats
    total = stats.total
    elapsed = max(total.last_request_timestamp - total.start_time, 1e-9)
    with open(_OUTCOMES_PATH, "w", encoding="utf-8") as out:
        json.dump(
            {
                "requests": total.num_requests,
                "seconds": round(elapsed, 1),
                "requests_per_second": round(total.num_requests / elapsed, 1),
                "timings": {name: _timings(entry) for (name, _m), entry in stats.entries.items()},
                "outcomes": {name: dict(codes) for name, codes in OUTCOMES.items()},
                "unexpected": UNEXPECTED,
                "four_eyes_violations": FOUR_EYES_VIOLATIONS,
            },
            out,
            indent=1,
        )
