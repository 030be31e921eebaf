"""The titles of the follow-ups Casework adds by itself.

They are stored in English: the services find them again by title (a referral's reminder
is closed when the provider answers, whoever answers and in whatever language), so a title
must not depend on the language of the person whose action created it. Pages show them in
the reader's language through `shown_title`.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

MONITORING_VISIT = "Monitoring visit"
_NOT_ANSWERED = "Referral %(id)s not answered: %(provider)s"
_NOT_ANSWERED_PATTERN = re.compile(r"Referral (?P<id>\d+) not answered: (?P<provider>.*)", re.S)
MAX_TITLE = 200


def not_answered_title(referral_id: int, provider: str) -> str:
    return (_NOT_ANSWERED % {"id": referral_id, "provider": provider})[:MAX_TITLE]


def shown_title(title: str) -> str:
    """A follow-up's title as the reader should see it: Casework's own in their language,
    one a person typed as they typed it."""
    if title == MONITORING_VISIT:
        return _("Monitoring visit")
    match = _NOT_ANSWERED_PATTERN.fullmatch(title)
    if match:
        return _("Referral %(id)s not answered: %(provider)s", **match.groupdict())
    return title
