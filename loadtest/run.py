"""`make loadtest`: simulated staff against a real gunicorn server, then proof nothing was lost.

    python -m loadtest.run            # SQLite, in a fresh file under /tmp
    LOADTEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/loadtest python -m loadtest.run

Steps: a fresh database (`flask casework init`, `flask casework demo --beneficiaries 2000
--seed 1`), two more caseworkers and one more supervisor per office (so each office has two
supervisors to decide each other's requests), an API token per simulated user
(loadtest/tokens.py); gunicorn as `make serve` runs it (gunicorn.conf.py, through bench/server.py) with the production config
(CASEWORK_ENV=production, a random SECRET_KEY), bound to 127.0.0.1 only; Locust in headless
mode for LOADTEST_SECONDS with LOADTEST_USERS simulated users (loadtest/locustfile.py); the
server stopped; then the check (loadtest/verify.py) and `flask audit verify`.

The production config sets Secure session cookies, which plain HTTP on 127.0.0.1 would not
send back; the load test needs none: it drives the JSON API with bearer tokens only.

It prints requests, requests/s, answers by status, p50/p95 per request type and writes
confirmed/claimed, and exits 1 on any lost write, any 5xx (or request with no answer), a
supervisor deciding their own request, or a broken audit chain.

Environment: LOADTEST_USERS (50), LOADTEST_SECONDS (60), LOADTEST_BENEFICIARIES (2000),
LOADTEST_WAIT (think time "min,max" seconds, "0.2,1.0"), LOADTEST_DATABASE_URL (a
PostgreSQL database whose name starts with `loadtest`: it is dropped and created afresh),
LOADTEST_DIR (where the run's files go; default a new folder under /tmp).
"""

from __future__ import annotations

import json
import math
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.server import Gunicorn

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESERVED_DATABASES = {"test", "test_lead", "bench", "bulk_demo", "postgres"}

# Per office: the demo's caseworker and supervisor, plus these (username, role).
EXTRA_STAFF = [
    ("lt-cw-{o}-2", "caseworker"),
    ("lt-cw-{o}-3", "caseworker"),
    ("lt-sup-{o}-2", "supervisor"),
]
DEMO_STAFF = [("caseworker.{o}", "caseworker"), ("supervisor.{o}", "supervisor")]
OFFICES = ("KTM", "DMK")


def log(message: str) -> None:
    print(f"[loadtest {time.strftime('%H:%M:%S')}] {message}", flush=True)


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


class Run:
    def __init__(self) -> None:
        self.users = env_int("LOADTEST_USERS", 50)
        self.seconds = env_int("LOADTEST_SECONDS", 60)
        self.beneficiaries = env_int("LOADTEST_BENEFICIARIES", 2000)
        # Bounded: a typo must not start an hour-long flood.
        if not (1 <= self.users <= 500 and 1 <= self.seconds <= 1800):
            sys.exit("LOADTEST_USERS must be 1-500 and LOADTEST_SECONDS 1-1800.")
        given_dir = os.environ.get("LOADTEST_DIR")
        self.dir = Path(given_dir or tempfile.mkdtemp(prefix="casework-loadtest-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        pg_url = os.environ.get("LOADTEST_DATABASE_URL", "").strip()
        self.database_url = pg_url or f"sqlite:///{self.dir / 'casework.db'}"
        self.engine = "postgresql" if pg_url else "sqlite"
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "CASEWORK_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "FLASK_APP": "wsgi",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("TEST_DATABASE_URL", None)
        self.server: Gunicorn | None = None

    # --- setup ------------------------------------------------------------------------

    def fresh_database(self) -> None:
        if self.engine == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.dir / 'casework.db'}{suffix}").unlink(missing_ok=True)
            return
        import psycopg

        parts = urlsplit(self.database_url)
        name = parts.path.lstrip("/")
        if name in RESERVED_DATABASES or not name.startswith("loadtest"):
            sys.exit(
                f"LOADTEST_DATABASE_URL names database {name!r}: it is dropped and created "
                "afresh, so its name must start with 'loadtest'."
            )
        admin_url = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')

    def flask(self, *args: str, stdin: str | None = None) -> str:
        return self._run("flask", *args, stdin=stdin)

    def python(self, *args: str) -> str:
        return self._run("python", *args)

    def _run(self, program: str, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(  # noqa: S603  (our own venv's programs, fixed arguments)
            [str(BIN / program), *args],
            cwd=PROJECT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            sys.exit(f"{program} {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def prepare(self) -> None:
        log(f"{self.engine}: fresh database {self._shown_url()}")
        self.fresh_database()
        self.flask("casework", "init")
        self.flask("casework", "demo", "--beneficiaries", str(self.beneficiaries), "--seed", "1")
        staff = [
            (pattern.format(o=office.lower()), role, office)
            for office in OFFICES
            for pattern, role in DEMO_STAFF + EXTRA_STAFF
        ]
        password = secrets.token_urlsafe(18)  # nobody signs in with it: tokens only
        extra = {pattern.format(o=o.lower()) for o in OFFICES for pattern, _ in EXTRA_STAFF}
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(
                pool.map(
                    lambda s: self.flask(
                        "users",
                        "create",
                        s[0],
                        "--role",
                        s[1],
                        "--office",
                        s[2],
                        "--full-name",
                        f"Load test {s[0]}",
                        "--password-stdin",
                        stdin=password + "\n",
                    ),
                    [s for s in staff if s[0] in extra],
                )
            )
        # A token for each simulated user (loadtest/tokens.py), in turns: the users of a
        # role take the next one, so each person's tokens are spread over their users.
        people_per_role = Counter(role for _, role, _ in staff)
        each = max(math.ceil(self.users / n) for n in people_per_role.values())
        tokens = json.loads(self.python("-m", "loadtest.tokens", str(each), *(s[0] for s in staff)))
        actors = [
            {"username": name, "role": role, "office": office, "token": tokens[name][turn]}
            for turn in range(each)
            for name, role, office in staff
        ]
        self.actors_file = self.dir / "actors.json"
        self.actors_file.touch(mode=0o600)
        self.actors_file.write_text(json.dumps(actors), encoding="utf-8")
        names = ", ".join(s[0] for s in staff)
        log(f"{len(staff)} staff, {each} API tokens each: {names}")

    def _shown_url(self) -> str:
        if self.engine == "sqlite":
            return str(self.dir / "casework.db")
        parts = urlsplit(self.database_url)
        if parts.password:
            parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
        return urlunsplit(parts)

    # --- server -----------------------------------------------------------------------

    def start_server(self) -> None:
        self.server_log = (self.dir / "gunicorn.log").open("w", encoding="utf-8")
        self.server = Gunicorn(self.env, log=self.server_log, gunicorn=BIN / "gunicorn")
        try:
            self.server.__enter__()
        except RuntimeError as error:
            sys.exit(f"{error}; see {self.dir / 'gunicorn.log'}")
        self.host = self.server.url
        log(f"gunicorn (as make serve runs it) answers on {self.host}")

    def stop_server(self) -> None:
        if self.server is not None:
            self.server.stop()  # graceful: workers finish their requests
            self.server_log.close()

    # --- load -------------------------------------------------------------------------

    def load(self) -> None:
        self.claims = self.dir / "claims.jsonl"
        self.outcomes = self.dir / "outcomes.json"
        self.claims.write_text("", encoding="utf-8")
        spawn_rate = min(self.users, 10)
        log(f"Locust: {self.users} users (ramp {spawn_rate}/s) for {self.seconds} s")
        started = time.monotonic()
        with (self.dir / "locust.log").open("w", encoding="utf-8") as locust_log:
            subprocess.run(  # noqa: S603
                [
                    str(BIN / "locust"),
                    "-f",
                    str(PROJECT / "loadtest" / "locustfile.py"),
                    "--headless",
                    "--only-summary",
                    "--users",
                    str(self.users),
                    "--spawn-rate",
                    str(spawn_rate),
                    "--run-time",
                    f"{self.seconds}s",
                    # In-flight requests finish (and are claimed) before Locust stops.
                    "--stop-timeout",
                    "30",
                    "--host",
                    self.host,
                    "--exit-code-on-error",
                    "0",
                ],
                cwd=PROJECT,
                env={
                    **os.environ,
                    "LOADTEST_ACTORS": str(self.actors_file),
                    "LOADTEST_CLAIMS": str(self.claims),
                    "LOADTEST_OUTCOMES": str(self.outcomes),
                },
                stdout=locust_log,
                stderr=subprocess.STDOUT,
                check=False,
                timeout=self.seconds + 120,
            )
        self.load_seconds = time.monotonic() - started
        if not self.outcomes.exists():
            sys.exit(f"Locust did not finish; see {self.dir / 'locust.log'}")

    # --- check and report -------------------------------------------------------------

    def check(self) -> dict:
        subprocess.run(  # noqa: S603
            [
                str(BIN / "python"),
                "-m",
                "loadtest.verify",
                str(self.claims),
                "--json",
                str(self.dir / "verify.json"),
            ],
            cwd=PROJECT,
            env=self.env,
            check=False,
            stdout=subprocess.DEVNULL,
        )
        verified = json.loads((self.dir / "verify.json").read_text(encoding="utf-8"))
        audit = self.flask_status("audit", "verify")
        return {"verify": verified, "audit": audit}

    def flask_status(self, *args: str) -> tuple[int, str]:
        result = subprocess.run(  # noqa: S603
            [str(BIN / "flask"), *args],
            cwd=PROJECT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        lines = (result.stdout + result.stderr).strip().splitlines()
        return result.returncode, lines[-1] if lines else ""

    def report(self, checked: dict) -> int:
        outcomes = json.loads(self.outcomes.read_text(encoding="utf-8"))
        by_status: dict[str, int] = {}
        for codes in outcomes["outcomes"].values():
            for code, n in codes.items():
                by_status[code] = by_status.get(code, 0) + n
        server_errors = sum(
            n for code, n in by_status.items() if int(code) in (0, *range(500, 600))
        )
        server_log = (self.dir / "gunicorn.log").read_text(encoding="utf-8", errors="replace")
        tracebacks = server_log.count("Traceback (most recent call last)")
        locked = server_log.count("database is locked")
        verified, (audit_rc, audit_line) = checked["verify"], checked["audit"]
        violations = outcomes["four_eyes_violations"]

        print()
        print(f"== Load test: {self.engine}, {self.users} users, {self.seconds} s ==")
        print(f"requests        {outcomes['requests']} in {outcomes['seconds']} s")
        print(f"requests/s      {outcomes['requests_per_second']}")
        print("answers         " + ", ".join(f"{c}: {n}" for c, n in sorted(by_status.items())))
        print()
        print(f"{'request type':<20} {'count':>6} {'p50 ms':>7} {'p95 ms':>7}  answers")
        timings = sorted(outcomes["timings"].items(), key=lambda item: -item[1]["count"])
        for name, row in timings:
            codes = outcomes["outcomes"].get(name, {})
            shown = ", ".join(f"{c}: {n}" for c, n in sorted(codes.items()))
            print(f"{name:<20} {row['count']:>6} {row['p50']:>7.0f} {row['p95']:>7.0f}  {shown}")
        print()
        for kind, row in verified["writes"].items():
            print(f"{kind:<20} {row['confirmed']:>6} / {row['claimed']:<6} confirmed")
            for lost in row["lost"][:5]:
                print(f"    LOST: {lost}")
        print(
            f"writes          {verified['writes_confirmed']} confirmed / "
            f"{verified['writes_claimed']} claimed"
        )
        print(
            f"profile views   {verified['views_claimed'] - verified['views_missing']} in the "
            f"audit log / {verified['views_claimed']} answered"
        )
        if verified["version_mismatch_count"]:
            print(
                f"versions and updates disagree for {verified['version_mismatch_count']}"
                f" people: {verified['version_mismatches'][:5]}"
            )
        print(f"audit verify    {audit_line}")
        print(
            f"5xx / no answer {server_errors}; tracebacks in the server log {tracebacks}"
            f" ('database is locked': {locked})"
        )
        if outcomes["unexpected"]:
            print(f"unexpected answers (first of {len(outcomes['unexpected'])} samples):")
            for sample in outcomes["unexpected"][:5]:
                print(f"    {sample}")
        print(f"files           {self.dir}")

        failures = []
        if not verified["ok"]:
            failures.append("writes were lost")
        if server_errors or tracebacks:
            failures.append("the server failed requests (5xx, no answer or a traceback)")
        if violations:
            failures.append(f"a supervisor decided their own request ({len(violations)} times)")
        if audit_rc != 0 or not audit_line.startswith("ok:"):
            failures.append("the audit chain does not verify")
        if failures:
            print("FAILED: " + "; ".join(failures))
            return 1
        print("PASSED: every claimed write found, no 5xx, audit chain intact")
        return 0

    def main(self) -> int:
        started = time.monotonic()
        self.prepare()
        try:
            self.start_server()
            self.load()
        finally:
            self.stop_server()
        status = self.report(self.check())
        log(f"done in {time.monotonic() - started:.0f} s")
        return status


def main() -> int:
    if not shutil.which(str(BIN / "locust")):
        sys.exit("Locust is not installed: make loadtest installs requirements-dev.lock first.")
    return Run().main()


if __name__ == "__main__":
    sys.exit(main())
