"""Flask commands: `flask casework …`, `flask users …`, `flask audit …` (DESIGN.md contracts)."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy import select, text

from casework import audit, demo, demo_bulk, demo_cases
from casework.errors import ValidationError
from casework.extensions import db
from casework.models import User
from casework.services import accounts, retention, two_factor
from casework.services.reference import load_reference_data

casework_cli = AppGroup("casework", help="Set up and fill Casework.")
users_cli = AppGroup("users", help="Manage staff accounts.")
audit_cli = AppGroup("audit", help="Check the audit log.")


@casework_cli.command("init")
def init_command() -> None:
    """Migrate to the latest schema and load reference data; safe to run again."""
    upgrade()
    counts = load_reference_data()
    db.session.commit()
    refresh_statistics()
    written = ", ".join(f"{name} {n}" for name, n in counts.items() if n) or "nothing new"
    click.echo(f"Database ready; reference data written: {written}.")


@casework_cli.command("demo")
@click.option("--beneficiaries", "count", default=0, type=click.IntRange(0, 5_000_000))
@click.option("--if-empty", is_flag=True, help="Add beneficiaries only to an empty database.")
@click.option("--seed", type=int, default=None, help="Make the data reproducible.")
@click.option(
    "--bulk-threshold",
    default=demo_bulk.BULK_THRESHOLD,
    show_default=True,
    type=click.IntRange(0),
    help="Above this many people, cases are written in bulk rather than through the services.",
)
def demo_command(count: int, if_empty: bool, seed: int | None, bulk_threshold: int) -> None:
    """Create the demo users (if missing) and add N synthetic beneficiaries with cases.

    Up to the threshold, a few hundred cases are opened through the services; above it,
    cases of every kind for a national caseload are written in bulk (casework.demo_bulk).
    """
    demo_users = demo.ensure_demo_users()
    added_providers = demo.ensure_demo_providers()
    db.session.commit()
    if added_providers:
        click.echo(f"Added {added_providers} service providers to the directory.")
    click.echo(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for user in demo_users:
        state = "created" if user.created else "exists"
        click.echo(f"  {user.username:<16} {user.role:<11} {user.office}  ({state})")
    click.echo(
        "Admins and supervisors set up two-factor sign-in (an authenticator app) the first "
        "time they sign in; see the README, Sign-in security."
    )
    if if_empty and demo.beneficiary_count():
        click.echo("Beneficiaries already present; none added.")
        return
    if count > bulk_threshold:
        with click.progressbar(length=count, label="Beneficiaries and cases") as bar:
            made = demo_bulk.generate(count, seed=seed, progress=bar.update)
        db.session.commit()
        refresh_statistics()
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(made.cases.items()))
        click.echo(
            f"Added {made.beneficiaries} beneficiaries and {made.cases.total()} cases ({kinds})."
        )
    elif count:
        with click.progressbar(length=count, label="Beneficiaries") as bar:
            added = demo.generate(count, seed=seed, progress=bar.update)
        db.session.commit()
        opened = demo_cases.generate_cases(max(added // 10, 1), seed=seed)
        db.session.commit()
        refresh_statistics()
        click.echo(f"Added {added} beneficiaries and {opened} cases.")


def refresh_statistics() -> None:
    """ANALYZE, so the query planner knows the tables' sizes after a bulk load.

    SQLite never does this by itself, and without statistics it picks an office index that
    reads a million rows one by one. On PostgreSQL, VACUUM (ANALYZE): rows just loaded are
    not yet marked visible to all, so a count reads every heap page its index names
    instead of the index alone (at a million people, counting one district's women took
    667 ms, and 23 ms after VACUUM) until autovacuum comes by.
    """
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # VACUUM cannot run inside a transaction.
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.execute(text("VACUUM (ANALYZE)"))
            return
        connection.execute(text("ANALYZE"))
        connection.commit()


@casework_cli.command("retention")
@click.option("--apply", "apply_", is_flag=True, help="Anonymise them (one transaction).")
def retention_command(apply_: bool) -> None:
    """List the people past the retention period; with --apply, anonymise them.

    The list names registration numbers only: what a terminal or a cron log keeps must
    not name anyone.
    """
    due = retention.due(None)
    years = retention.settings.retention_years()
    click.echo(f"{len(due)} past the retention period ({years} years).")
    for item in due:
        when = item.last_closed_on or item.registered_on
        what = "last case closed" if item.last_closed_on else "registered, no case"
        click.echo(f"  {item.registration_number}  {item.office_code}  {what} {when}")
    if not apply_ or not due:
        return
    outcome = retention.apply(None, command="flask casework retention --apply")
    db.session.commit()
    click.echo(
        f"Anonymised {outcome.beneficiaries} people and {outcome.cases} cases; "
        f"{outcome.documents} identity documents deleted, "
        f"{outcome.audit_events} audit events redacted."
    )


def _fail(error: ValidationError) -> None:
    for field, messages in error.fields.items():
        for message in messages:
            click.echo(f"{field}: {message}", err=True)
    sys.exit(1)


@users_cli.command("create")
@click.argument("username")
@click.option(
    "--role", required=True, type=click.Choice(["admin", "supervisor", "caseworker", "partner"])
)
@click.option("--office", required=True)
@click.option("--full-name", default="")
@click.option(
    "--password-stdin", is_flag=True, required=True, help="Read the password from standard input."
)
def create_user_command(
    username: str, role: str, office: str, full_name: str, password_stdin: bool
) -> None:
    """Create a user; the password is read from standard input (first line)."""
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = accounts.create_user(
            None, accounts.UserInput(username, role, office.upper(), full_name, password)
        )
    except ValidationError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Created {user.username} ({user.role}, {user.office_code}).")


@users_cli.command("token")
@click.argument("username")
@click.option("--name", default="command line", help="A label to recognise the token by.")
def token_command(username: str, name: str) -> None:
    """Print a new API token for the user (the last line of output)."""
    user = db.session.scalar(select(User).where(User.username == username.lower()))
    if user is None or not user.active:
        click.echo(f"No active user {username!r}.", err=True)
        sys.exit(1)
    token = accounts.create_token(None, user, name)
    db.session.commit()
    click.echo(
        f"Token for {user.username} (shown once, expires in {accounts.token_lifetime_days()} days):"
    )
    click.echo(token)


@users_cli.command("two-factor")
@click.argument("username")
def two_factor_command(username: str) -> None:
    """Enrol the user in two-factor sign-in (again, if enrolled: the old app and recovery
    codes stop working); print the otpauth URI, then the secret as the last line."""
    user = db.session.scalar(select(User).where(User.username == username.lower()))
    if user is None or not user.active:
        click.echo(f"No active user {username!r}.", err=True)
        sys.exit(1)
    secret = two_factor.enrol_now(user)
    db.session.commit()
    click.echo(f"Two-factor sign-in for {user.username}: add this to an authenticator app.")
    click.echo(two_factor.provisioning_uri(user, secret))
    click.echo(secret)


@audit_cli.command("verify")
def verify_command() -> None:
    """Exit 0 and print `ok: N events` if the chain is intact, else 1 naming the bad event."""
    result = audit.verify()
    if result.ok:
        click.echo(f"ok: {result.count} events")
        return
    click.echo(
        f"bad: event {result.bad_event_id}: {result.reason} "
        f"({result.count} events before it are intact)"
    )
    sys.exit(1)


def register_cli(app: Flask) -> None:
    from casework.imports.cli import import_command  # issue 10: bulk import

    casework_cli.add_command(import_command)
    for group in (casework_cli, users_cli, audit_cli):
        app.cli.add_command(group)
