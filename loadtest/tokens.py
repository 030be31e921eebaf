"""API tokens for the load test's simulated users: `python -m loadtest.tokens N USER…`.

Prints {username: [N tokens]} as JSON. The API's rate limit counts per token (300 calls a
minute), as it would for staff who each hold their own: one token shared by the several
simulated users acting as one person would measure the limiter's refusals, not the app.
One process makes them all, through the service `flask users token` uses (each audited);
a command per token would cost a second of start-up each.
"""

from __future__ import annotations

import json
import sys

from sqlalchemy import select

from casework import create_app
from casework.extensions import db
from casework.models import User
from casework.services.accounts import create_token


def main(count: int, usernames: list[str]) -> dict[str, list[str]]:
    app = create_app()
    with app.app_context():
        made = {}
        for username in usernames:
            user = db.session.scalar(select(User).where(User.username == username))
            made[username] = [create_token(None, user, "load test") for _ in range(count)]
        db.session.commit()
    return made


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), sys.argv[2:])))
