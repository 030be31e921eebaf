"""Seed a fresh e2e database through the services: staff accounts, their API tokens and
the demo provider directory. Run by the e2e server fixture as `python -m tests.e2e.seed
USERNAME:ROLE …` with the server's DATABASE_URL; prints the tokens as JSON (last line).

One process instead of one `flask users create` per account: each Python start costs
seconds on a busy CI machine, and the services are what the command line calls anyway.
"""

from __future__ import annotations

import json
import sys

from casework import create_app, demo
from casework.extensions import db
from casework.services import accounts


def seed(specs: list[str], password: str) -> dict[str, str]:
    tokens = {}
    for spec in specs:
        username, role = spec.split(":")
        user = accounts.create_user(
            None, accounts.UserInput(username, role, "KTM", username.title(), password)
        )
        db.session.flush()
        tokens[username] = accounts.create_token(None, user, "e2e")
    demo.ensure_demo_providers()
    db.session.commit()
    return tokens


def main() -> None:
    from tests.e2e.server import PASSWORD

    with create_app().app_context():
        print(json.dumps(seed(sys.argv[1:], PASSWORD)))


if __name__ == "__main__":
    main()
