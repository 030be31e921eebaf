"""Rate limits of the JSON API, counted by Flask-Limiter (casework.extensions.limiter).

- A call with a valid token counts against that token: CASEWORK_API_RATE_LIMIT
  (default 300 a minute), so one script cannot starve the office's other users.
- A call without a valid token (none, malformed, expired, revoked, unknown) counts against
  the caller's address: CASEWORK_API_ANONYMOUS_RATE_LIMIT (default 60 a minute), which also
  slows anyone guessing tokens.
- Pages are not limited here (the sign-in form has its own throttling).

Over the limit the API answers 429 `rate_limited` with Retry-After (casework.errors). The
limits are read from the config on each request, so a test can lower them. Who is calling
is known before the limits are checked: casework.auth.login identifies the token first.
"""

from __future__ import annotations

import math
import time

from flask import current_app, g, request
from flask_limiter import ApplicationLimit
from flask_limiter.util import get_remote_address

CALLER_SCOPE = "api-caller"  # a valid token's calls
ADDRESS_SCOPE = "api-anonymous"


def _is_api_call() -> bool:
    return request.path.startswith("/api/")


def _token_limit() -> str:
    return current_app.config["CASEWORK_API_RATE_LIMIT"]


def _anonymous_limit() -> str:
    return current_app.config["CASEWORK_API_ANONYMOUS_RATE_LIMIT"]


def _token_key() -> str:
    return "token:" + g.api_token_key


def _address_key() -> str:
    return "address:" + (get_remote_address() or "unknown")


def _not_a_token_call() -> bool:
    return not (_is_api_call() and g.get("api_token_key"))


def _not_an_anonymous_call() -> bool:
    return not _is_api_call() or bool(g.get("api_token_key"))


API_LIMITS = [
    ApplicationLimit(
        _token_limit, key_function=_token_key, scope=CALLER_SCOPE, exempt_when=_not_a_token_call
    ),
    ApplicationLimit(
        _anonymous_limit,
        key_function=_address_key,
        scope=ADDRESS_SCOPE,
        exempt_when=_not_an_anonymous_call,
    ),
]


def retry_after_seconds() -> int:
    """Whole seconds until the limit this request broke lets a call through again."""
    from casework.extensions import limiter

    breached = limiter.current_limit
    if breached is None:
        return 60
    # Capped at the limit's period: the storage may round its window's end up a second.
    waiting = math.ceil(breached.reset_at - time.time())
    return max(1, min(waiting, breached.limit.get_expiry()))
