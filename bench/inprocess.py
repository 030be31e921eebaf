"""The benchmark's requests, timed inside one process, with the queries each one makes.

    DATABASE_URL=sqlite:///bench/bench.db .venv/bin/python bench/inprocess.py [--runs 30]
        [--only "profile page"] [--profile DIR]

Over HTTP on a shared machine the p95 is mostly other people's work; here a request is
served by Flask's test client in this process, so the median and the number of queries
say what the code costs. `--profile DIR` writes a cProfile file per request type (read it
with `python -m pstats`). A diagnostic, never a test: run it against a built database.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import re
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import event, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import two_factor  # noqa: E402
from bench.workload import DEMO_PASSWORD, diagnostic_requests, requests_to_time  # noqa: E402
from casework import create_app  # noqa: E402
from casework.auth.permissions import two_factor_required  # noqa: E402
from casework.extensions import db  # noqa: E402
from casework.models import Beneficiary, User  # noqa: E402
from casework.services import two_factor as two_factor_service  # noqa: E402
from casework.services.accounts import create_token  # noqa: E402


class QueryCounter:
    """Counts the statements sent to the database; keeps the text of the last few."""

    def __init__(self, engine):
        self.count = 0
        self.recent: list[str] = []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, *args) -> None:
        self.count += 1
        self.recent = [*self.recent[-49:], " ".join(statement.split())]


def sample_person() -> dict:
    b = db.session.scalar(
        select(Beneficiary)
        .where(Beneficiary.office_code == "KTM", Beneficiary.date_of_birth.is_not(None))
        .order_by(Beneficiary.id.desc())
        .limit(1)
    )
    return {
        "id": b.id,
        "given_name": b.given_name,
        "family_name": b.family_name,
        "date_of_birth": b.date_of_birth.isoformat(),
        "district_id": b.district_id or 27,
    }


def token_for(username: str) -> str:
    user = db.session.scalar(select(User).where(User.username == username))
    token = create_token(None, user, "bench-inprocess")
    db.session.commit()
    return token


def _post_form(client, path: str, fields: dict):
    page = client.get(path).get_data()
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    if match:
        fields = {**fields, "csrf_token": match.group(1).decode()}
    return client.post(path, data=fields)


def signed_in(app, username: str):
    """A client signed in through the form, and the second step for those who need it
    (enrolled afresh here, as `flask users two-factor` does)."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        secret = two_factor_service.enrol_now(user) if two_factor_required(user) else None
        db.session.commit()
    client = app.test_client()
    response = _post_form(client, "/auth/login", {"username": username, "password": DEMO_PASSWORD})
    if secret is not None and response.status_code == 302:
        code = two_factor.code(username, secret)
        response = _post_form(client, "/auth/two-factor", {"code": code})
    if response.status_code != 302 or "/auth/" in response.headers.get("Location", ""):
        raise RuntimeError(f"could not sign in as {username} ({response.status_code})")
    return client


def measure(app, counter, name, who, url, runs, profile_dir):
    if "token" in who:
        client, headers = app.test_client(), {"Authorization": f"Bearer {who['token']}"}
    else:
        client, headers = (signed_in(app, who["user"]) if who else app.test_client()), {}
    for _ in range(3):
        client.get(url, headers=headers)
    times, queries = [], []
    profiler = cProfile.Profile() if profile_dir else None
    for _ in range(runs):
        before = counter.count
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        response = client.get(url, headers=headers)
        if profiler:
            profiler.disable()
        times.append((time.perf_counter() - start) * 1000)
        queries.append(counter.count - before)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    if profiler:
        safe = re.sub(r"\W+", "_", name).strip("_")
        profiler.dump_stats(str(Path(profile_dir) / f"{safe}.prof"))
    return statistics.median(times), min(times), max(queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--profile", help="a folder for one cProfile file per request type")
    parser.add_argument("--sql", action="store_true", help="print the last request's statements")

    args = parser.parse_args()
    os.environ.setdefault("CASEWORK_ENV", "development")
    app = create_app()
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    with app.app_context():
        counter = QueryCounter(db.engine)
        someone = sample_person()
        tokens = {n: token_for(n) for n in ("caseworker.ktm", "supervisor.ktm", "partner")}
        db.session.remove()
    load = os.getloadavg()[0]
    print(
        f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}: load {load:.2f}, runs {args.runs}"
    )
    for name, who, url, _target in diagnostic_requests(tokens) + requests_to_time(someone, tokens):
        if args.only and name not in args.only:
            continue
        median, fastest, queries = measure(app, counter, name, who, url, args.runs, args.profile)
        print(f"  {name:<40} median {median:7.1f} ms  min {fastest:7.1f} ms  {queries:3d} queries")
        if args.sql:
            for statement in counter.recent[-queries:]:
                print(f"      {statement[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
