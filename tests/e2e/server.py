"""A real Casework server for the browser tests: gunicorn on a free port, fresh SQLite file.

The database is built the way an operator builds one (`flask casework init`), and the
users and the provider directory come from the command line (`flask users create`,
`flask casework demo --beneficiaries 0`), so the browser sees exactly what a new office
would see. Nothing here touches the test suite's database.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess  # nosec B404  # runs our own flask and gunicorn commands, never user input
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "correct horse battery staple e2e"  # passes the password rules (length, common list)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    """Owns the database file and the gunicorn process; `url` is where the app answers."""

    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="casework-e2e-")))
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    tokens: dict[str, str] = field(default_factory=dict)
    totp_secrets: dict[str, str] = field(default_factory=dict)
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "CASEWORK_"))}
        env.pop("TEST_DATABASE_URL", None)
        env.update(
            DATABASE_URL=f"sqlite:///{self.workdir / 'casework.db'}",
            CASEWORK_ENV="development",
            SECRET_KEY=self.secret_key,
            FLASK_APP="wsgi",
            PYTHONUNBUFFERED="1",
        )
        return env

    def python(self, *args: str) -> str:
        """Run `python ARGS` in the project with this server's environment."""
        return self._run([sys.executable, *args])

    def flask(self, *args: str, stdin: str | None = None) -> str:
        """Run `flask ARGS` against this server's database; return its standard output."""
        return self._run([str(BIN / "flask"), *args], stdin)

    def _run(self, command: list[str], stdin: str | None = None) -> str:
        result = subprocess.run(  # noqa: S603  # nosec B603  # our own interpreter and commands, no shell
            command,
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=180,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{command} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self, staff: dict[str, str]) -> None:
        """Build the database, add `staff` ({username: role}) with tokens, start gunicorn."""
        self.flask("casework", "init")
        seeded = self.python("-m", "tests.e2e.seed", *(f"{u}:{r}" for u, r in staff.items()))
        self.tokens = json.loads(seeded.strip().splitlines()[-1])
        # Supervisors and admins must sign in with a second factor; enrol them as an
        # operator would, and keep the secret their authenticator app would hold.
        for username, role in staff.items():
            if role in ("supervisor", "admin"):
                self.totp_secrets[username] = self.enrol_two_factor(username)
        log = (self.workdir / "gunicorn.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603  # nosec B603  # fixed executable and arguments
            [
                str(BIN / "gunicorn"), "--workers", "1", "--threads", "4",
                "--bind", f"127.0.0.1:{self.port}", "--timeout", "60", "wsgi:app",
            ],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._wait_until_healthy()

    def enrol_two_factor(self, username: str) -> str:
        """`flask users two-factor NAME`: the TOTP secret is the last line it prints."""
        return self.flask("users", "two-factor", username).strip().splitlines()[-1]

    def _wait_until_healthy(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log()}")
            try:
                health = f"{self.url}/healthz"  # always http://127.0.0.1
                with urllib.request.urlopen(health, timeout=2) as response:  # noqa: S310  # nosec B310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the server did not answer /healthz in {seconds} s:\n{self.log()}")

    def log(self) -> str:
        path = self.workdir / "gunicorn.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
