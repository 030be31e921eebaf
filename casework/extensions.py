"""Flask extensions, created unbound and initialised in create_app()."""

from __future__ import annotations

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from casework.auth.rate_limits import API_LIMITS

# Named constraints so that migrations can drop and alter them on every backend
# (SQLite batch mode needs names to find them).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()
# Counts in RATELIMIT_STORAGE_URI (config.py). The API's limits are application-wide ones
# that exempt everything else (casework.auth.rate_limits); a view may add its own with
# @limiter.limit(...). Initialised by casework.auth.login, after the token is identified.
limiter = Limiter(key_func=get_remote_address, application_limits=API_LIMITS)


def hold_sqlite_write_lock() -> None:
    """On SQLite, take the database's write lock now, until the transaction ends.

    Python's sqlite3 driver (its default, "legacy" transaction control) sends BEGIN only
    before the first INSERT, UPDATE or DELETE, so the SELECTs before it run outside any
    transaction, and writers are serialised only from their first write. Two processes
    (gunicorn's workers) can then read the same row and both write on what they read: two
    audit events chained onto the same previous hash (a broken chain), two case numbers
    from the same counter value. Call this before such a read: BEGIN IMMEDIATE makes the
    read the first step of a transaction that holds the write lock, and other writers wait
    for it (busy_timeout) rather than fail. A transaction that has already written holds
    the lock already, so this does nothing there, nor on other databases (PostgreSQL locks
    with FOR UPDATE or an advisory lock). Plain reads stay outside transactions, so they
    never block writers and never fail on a stale snapshot.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
