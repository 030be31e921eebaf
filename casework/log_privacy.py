"""Application logs never hold personal data: names, phone numbers, search terms, free text.

Where personal data would reach a log, and what stops it:

- Request lines. A search is a query string (`/beneficiaries/?q=Sita`, the API's
  `matches?given_name=…`), and werkzeug's development server logs the whole request line.
  `StripQueryStrings` removes the query from every request line the `werkzeug` logger
  writes; gunicorn's access log (gunicorn.conf.py) logs the path without the query.
- SQL. SQLAlchemy's engine logs statements with their parameters at INFO and result rows
  at DEBUG, and puts the parameters in the text of database errors, which end in the log
  of a 500. `hide_parameters` (config.py) keeps them out of errors, and `DropBelowWarning`
  keeps the engine's statement and row records out of the log whatever its level is set to.
- Database error messages (a PostgreSQL DataError quotes the value it refused): the
  handler in casework.errors logs the error's class, not its message.

tests/integration/test_no_personal_data_in_logs.py runs the main journeys with every
logger at DEBUG and looks for the personal values in what was logged.
"""

from __future__ import annotations

import logging
import re

REQUEST_LINE = re.compile(r"\b((?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) [^\s?\"]*)\?[^\s\"]*")
SQL_LOGGERS = ("sqlalchemy.engine", "sqlalchemy.engine.Engine")


def strip_query(text: str) -> str:
    """A request line without its query string: `GET /beneficiaries/?q=Sita` → `GET /beneficiaries/`."""
    return REQUEST_LINE.sub(r"\1", text)


class StripQueryStrings(logging.Filter):
    """Take the query string out of any request line in the record (message and args)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = strip_query(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(strip_query(a) if isinstance(a, str) else a for a in record.args)
        return True


class DropBelowWarning(logging.Filter):
    """SQL echo (statements with parameters, result rows) never reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


def _add_once(logger: logging.Logger, kind: type[logging.Filter]) -> None:
    if not any(isinstance(f, kind) for f in logger.filters):
        logger.addFilter(kind())


def configure_logging() -> None:
    """Levels and filters for every app the process creates (safe to call again)."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("casework").setLevel(logging.INFO)
    _add_once(logging.getLogger("werkzeug"), StripQueryStrings)
    for name in SQL_LOGGERS:
        _add_once(logging.getLogger(name), DropBelowWarning)
