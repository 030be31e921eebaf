"""`make bench`: Casework's speed at scale, measured over HTTP against gunicorn.

    .venv/bin/python bench/run.py [--people 1000000] [--runs 50] [--quick]

For SQLite (a file under bench/, built once and reused) and, when BENCH_DATABASE_URL
names a PostgreSQL database, for that too:

1. builds the database if it holds fewer people than asked (`flask casework init` and
   `flask casework demo --beneficiaries N`), so the data is what the demo makes;
2. starts the production server as `make serve` does (gunicorn, 2 workers) on a free
   port of 127.0.0.1, and waits for /healthz;
3. measures p50 and p95 of each page and API call a user waits for (one request at a
   time, after a warm-up), the API search's throughput under concurrency as a ratio to
   /healthz on the same server, and a CSV export of every beneficiary (rows per second,
   and the peak resident memory of the worker that served it);
4. prints a table, checks the targets of issue 7, and writes bench/results.json.

Nothing here is a unit test: figures depend on the machine, and results.json names it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import two_factor  # noqa: E402
from bench.server import Gunicorn  # noqa: E402
from bench.workload import (  # noqa: E402
    DEMO_PASSWORD,
    EXPORT_PEAK_MB,
    EXPORT_ROWS_PER_S,
    THROUGHPUT_RATIO,
    requests_to_time,
    search_fragment,
)

VENV_BIN = ROOT / ".venv" / "bin"
SECRET_KEY = "bench-only-secret"  # noqa: S105  (the bench's server, on loopback only)


@dataclass
class Result:
    name: str
    target: str
    value: float
    unit: str
    ok: bool
    extra: dict = field(default_factory=dict)


# --- the server -------------------------------------------------------------------------


def flask(env: dict, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(  # noqa: S603  (our own venv's flask, fixed arguments)
        [str(VENV_BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def people_in(env: dict) -> int:
    code = (
        "from casework import create_app; from casework.extensions import db;"
        "from casework.models import Beneficiary; from sqlalchemy import func, select;"
        "app = create_app()\n"
        "with app.app_context(): print(db.session.scalar(select(func.count())"
        ".select_from(Beneficiary)))"
    )
    done = subprocess.run(  # noqa: S603
        [str(VENV_BIN / "python"), "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return int(done.stdout.strip() or 0) if done.returncode == 0 else 0


def prepare(env: dict, people: int) -> int:
    flask(env, "casework", "init")
    have = people_in(env)
    if have < people:
        print(f"  building the database: {people - have} more people (once)…", flush=True)
        start = time.perf_counter()
        flask(env, "casework", "demo", "--beneficiaries", str(people - have), "--seed", "1")
        print(f"  built in {time.perf_counter() - start:.0f} s", flush=True)
    else:
        flask(env, "casework", "demo")  # demo users, if missing
    return people_in(env)


class Server(Gunicorn):
    """The production server as `make serve` runs it (bench/server.py)."""

    def __init__(self, env: dict):
        # The throughput test drives one token at full speed, far past the API's limit of
        # 300 calls a minute: measure the app, not the rate limiter's refusals.
        unlimited = {"CASEWORK_API_RATE_LIMIT": "1000000/minute"}
        env = {**env, **unlimited, "CASEWORK_ENV": "production", "SECRET_KEY": SECRET_KEY}
        super().__init__(env)


def rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0.0
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else 0.0


# --- a client as a browser or a script would be -----------------------------------------


class Client:
    """One keep-alive connection; a session cookie kept by hand (production marks it
    Secure, which a browser would not send over plain HTTP: the bench is on loopback)."""

    def __init__(self, port: int, token: str | None = None):
        self.port, self.token, self.cookies = port, token, {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def request(self, method: str, path: str, body: str | None = None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            if value:
                self.cookies[name] = value
            else:  # an expired (cleared) cookie
                self.cookies.pop(name, None)
        return response.status, data, response

    def get(self, path: str):
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict):
        """Post a page's form with the CSRF token the page gives."""
        _, page, _ = self.get(path)
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        form = urlencode({**fields, "csrf_token": token})
        return self.request(
            "POST", path, form, {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def login(self, username: str, totp_secret: str | None = None) -> Client:
        """Sign in through the form; with the user's TOTP secret, through the second step."""
        status, _, response = self.post_form(
            "/auth/login", {"username": username, "password": DEMO_PASSWORD}
        )
        if status == 302 and response.getheader("Location", "").endswith("/auth/two-factor"):
            code = two_factor.code(username, totp_secret or "")
            status, _, response = self.post_form("/auth/two-factor", {"code": code})
        if status != 302 or "/auth/" in response.getheader("Location", ""):
            raise RuntimeError(f"could not sign in as {username} ({status})")
        return self


def timed(client: Client, path: str, runs: int) -> list[float]:
    for _ in range(3):  # warm-up: connections, caches, compiled statements
        client.get(path)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        status, _, _ = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# --- what is measured -------------------------------------------------------------------


def sample_person(env: dict) -> dict:
    code = (
        "import json; from casework import create_app; from casework.extensions import db;"
        "from casework.models import Beneficiary; from sqlalchemy import select;"
        "app = create_app()\n"
        "with app.app_context():\n"
        " b = db.session.scalar(select(Beneficiary).where(Beneficiary.office_code == 'KTM',"
        " Beneficiary.date_of_birth.is_not(None)).order_by(Beneficiary.id.desc()).limit(1))\n"
        " print(json.dumps({'id': b.id, 'given_name': b.given_name,"
        " 'family_name': b.family_name, 'date_of_birth': b.date_of_birth.isoformat(),"
        " 'district_id': b.district_id or 27}))"
    )
    done = subprocess.run(  # noqa: S603
        [str(VENV_BIN / "python"), "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def totp_secret(env: dict, username: str) -> str:
    """Enrol the user in two-factor sign-in; the secret is the command's last line. It is
    stored sealed with SECRET_KEY, so the command must use the server's key."""
    env = {**env, "SECRET_KEY": SECRET_KEY}
    return flask(env, "users", "two-factor", username).strip().splitlines()[-1]


def latencies(server: Server, env: dict, runs: int, only: list[str]) -> list[Result]:
    someone = sample_person(env)
    tokens = {n: api_token(env, n) for n in ("caseworker.ktm", "supervisor.ktm", "partner")}
    totp_secrets = {n: totp_secret(env, n) for n in ("supervisor.ktm",)}  # they need one
    results = []
    for name, who, path, target in requests_to_time(someone, tokens):
        if only and name not in only:
            continue
        client = Client(server.port, token=who.get("token"))
        if "user" in who:
            client.login(who["user"], totp_secrets.get(who["user"]))
        times = timed(client, path, runs)
        value = p95(times)
        median = statistics.median(times)
        extra = {"p50_ms": round(median, 1), "runs": runs, "load": round(os.getloadavg()[0], 2)}
        results.append(
            Result(name, f"p95 ≤ {target} ms", round(value, 1), "ms", value <= target, extra)
        )
        print(f"  {name:<40} p50 {median:8.1f} ms   p95 {value:8.1f} ms", flush=True)
    return results


def api_token(env: dict, username: str) -> str:
    return flask(env, "users", "token", username, "--name", "bench").strip().splitlines()[-1]


def throughput(server: Server, env: dict, seconds: float, threads: int = 8) -> Result:
    """Requests per second of the API search from `threads` clients, against /healthz.

    The search is the latency test's: fragments of a family and a given name."""
    token = api_token(env, "caseworker.ktm")
    search = "/api/v1/beneficiaries?" + urlencode({"q": search_fragment(sample_person(env))})

    def rate(path: str, with_token: bool) -> float:
        counts = [0] * threads
        stop = time.perf_counter() + seconds

        def loop(i: int) -> None:
            client = Client(server.port, token=token if with_token else None)
            while time.perf_counter() < stop:
                client.get(path)
                counts[i] += 1

        workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return sum(counts) / seconds

    health = rate("/healthz", with_token=False)
    searches = rate(search, with_token=True)
    ratio = searches / health if health else 0.0
    print(f"  API search {searches:.0f} req/s, /healthz {health:.0f} req/s: {ratio:.0%}")
    return Result(
        "API search throughput vs /healthz",
        f"≥ {THROUGHPUT_RATIO:.0%}",
        round(ratio, 3),
        "ratio",
        ratio >= THROUGHPUT_RATIO,
        {
            "search_rps": round(searches, 1),
            "healthz_rps": round(health, 1),
            "threads": threads,
            "seconds": seconds,
            "load": round(os.getloadavg()[0], 2),
        },
    )


def export(server: Server, env: dict) -> list[Result]:
    """Every beneficiary as CSV, as an admin: rows per second and the worker's peak RSS."""
    client = Client(server.port, token=api_token(env, "admin"))
    peak = {"mb": 0.0}
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak["mb"] = max([peak["mb"], *(rss_mb(pid) for pid in server.worker_pids())])
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    start = time.perf_counter()
    status, body, response = client.get("/api/v1/exports/beneficiaries?format=csv")
    elapsed = time.perf_counter() - start
    done.set()
    watcher.join()
    if status != 200:
        raise RuntimeError(f"export answered {status}")
    rows = int(response.getheader("X-Export-Rows") or body.count(b"\n") - 1)
    per_second = rows / elapsed
    print(
        f"  export {rows} rows in {elapsed:.1f} s: {per_second:,.0f} rows/s, "
        f"worker peak {peak['mb']:.0f} MB"
    )
    return [
        Result(
            "CSV export",
            f"≥ {EXPORT_ROWS_PER_S:,} rows/s",
            round(per_second),
            "rows/s",
            per_second >= EXPORT_ROWS_PER_S,
            {
                "rows": rows,
                "seconds": round(elapsed, 1),
                "bytes": len(body),
                "load": round(os.getloadavg()[0], 2),
            },
        ),
        Result(
            "CSV export peak memory",
            f"< {EXPORT_PEAK_MB} MB",
            round(peak["mb"], 1),
            "MB",
            peak["mb"] < EXPORT_PEAK_MB,
        ),
    ]


def bench(label: str, database_url: str, args) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "wsgi"}
    env.pop("CASEWORK_ENV", None)
    print(f"== {label}: {database_url}", flush=True)
    people = prepare(env, args.people)
    with Server(env) as server:
        results = latencies(server, env, args.runs, args.only)
        if not args.only or "throughput" in args.only:
            results.append(throughput(server, env, seconds=3 if args.quick else 10))
        if not args.only or "export" in args.only:
            results += export(server, env)
    return {"database": label, "people": people, "results": [r.__dict__ for r in results]}


def machine() -> dict:
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    memory = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu.group(1) if cpu else platform.processor(),
        "memory_gb": round(int(memory.group(1)) / 1024 / 1024, 1) if memory else None,
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="Casework benchmarks over HTTP.")
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="short runs (CI: keeps it working)")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.json"))
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="measure only this request (a name of bench/workload.py, or throughput, or "
        "export); repeatable. For a diagnosis: results.json is written elsewhere.",
    )
    args = parser.parse_args()
    if args.only and args.output == str(ROOT / "bench" / "results.json"):
        args.output = str(ROOT / "bench" / "results-only.json")  # never a partial table
    suffix = "" if args.people == 1_000_000 else f"-{args.people}"
    runs = [("sqlite", f"sqlite:///{ROOT / 'bench' / f'bench{suffix}.db'}")]
    if os.environ.get("BENCH_DATABASE_URL"):
        runs.append(("postgresql", os.environ["BENCH_DATABASE_URL"]))
    report = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "machine": machine(),
        "runs": [bench(label, url, args) for label, url in runs],
    }
    Path(args.output).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\n{'':<42}" + "".join(f"{r['database']:>16}" for r in report["runs"]))
    names = [r["name"] for r in report["runs"][0]["results"]] if report["runs"] else []
    for index, name in enumerate(names):
        cells = []
        for run in report["runs"]:
            r = run["results"][index]
            cells.append(f"{r['value']:>11} {r['unit'][:4]:<3}{'' if r['ok'] else '!'}")
        print(f"{name:<42}" + "".join(f"{c:>16}" for c in cells))
    missed = [
        f"{run['database']}: {r['name']} {r['value']} {r['unit']} ({r['target']})"
        for run in report["runs"]
        for r in run["results"]
        if not r["ok"]
    ]
    print("\nTargets missed:" if missed else "\nEvery target met.")
    for line in missed:
        print(f"  {line}")
    print(f"Written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
