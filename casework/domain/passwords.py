"""Password rules: long enough, not one of the commonest, not the username.

The list of common passwords is Django's (BSD-3, casework/data/common_passwords/README.md
says where it comes from); it is compared case-insensitively, so "Password123456" is
refused as "password123456" is.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

MIN_LENGTH = 12
MAX_LENGTH = 256
COMMON_PASSWORDS_FILE = (
    Path(__file__).resolve().parent.parent / "data" / "common_passwords" / "common-passwords.txt.gz"
)

TOO_SHORT = "too_short"
TOO_LONG = "too_long"
TOO_COMMON = "too_common"
SAME_AS_USERNAME = "same_as_username"


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def problems(password: str, username: str = "") -> list[str]:
    """The rules `password` breaks, as codes (the caller words them for the user)."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return [TOO_SHORT]
    if len(password) > MAX_LENGTH:
        return [TOO_LONG]
    found = []
    if password.lower() in common_passwords():
        found.append(TOO_COMMON)
    if username and password.strip().lower() == username.strip().lower():
        found.append(SAME_AS_USERNAME)
    return found
