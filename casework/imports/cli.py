"""`flask casework import-beneficiaries FILE --user NAME [--apply] …` (issue 10).

A dry run by default: the report is printed and nothing is stored. `--apply` imports in
one transaction, attributed to the user and their office, and records the batch. The exit
status is 1 when the file has errors (a dry run with errors, or an apply refused because
of them) or cannot be read at all, and 0 otherwise; with `--apply --exclude-errors` the
rows without errors are imported and the exit status is 0, the errors having been
excluded on purpose (they are still printed).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select

from casework.errors import CaseworkError
from casework.extensions import db
from casework.imports.columns import FIELDS, IGNORE
from casework.models import User
from casework.services import imports

SHOWN = 50  # errors and duplicates printed; the counts are exact


def _mapping(pairs: tuple[str, ...]) -> dict:
    chosen = {}
    for pair in pairs:
        header, sep, name = pair.rpartition("=")
        if not sep or (name and name not in FIELDS):
            raise click.BadParameter(
                f"{pair!r}: give COLUMN=FIELD (FIELD one of {', '.join(FIELDS)}, "
                "or empty to leave the column out)",
                param_hint="--mapping",
            )
        chosen[header] = name or IGNORE
    return chosen


@click.command("import-beneficiaries")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "username", required=True, help="Who imports (their office gets them).")
@click.option("--apply", "do_apply", is_flag=True, help="Import; without it, a dry run.")
@click.option("--source", default="", help="The source's name, for its remembered mapping.")
@click.option("--mapping", "pairs", multiple=True, metavar="COLUMN=FIELD")
@click.option("--duplicates", type=click.Choice(imports.DUPLICATE_CHOICES), default="skip")
@click.option("--exclude-errors", is_flag=True, help="Import the other rows of a file with errors.")
def import_command(path, username, do_apply, source, pairs, duplicates, exclude_errors) -> None:
    """Check (and with --apply import) beneficiaries from a CSV or XLSX file."""
    user = db.session.scalar(select(User).where(User.username == username.lower()))
    if user is None or not user.active:
        click.echo(f"No active user {username!r}.", err=True)
        sys.exit(1)
    content, chosen = path.read_bytes(), _mapping(pairs)
    try:
        analysis = imports.analyse(user, path.name, content, source=source, chosen=chosen)
        _report(analysis.report())
        if do_apply:
            batch = imports.record_check(user, analysis, content)
            imports.apply(
                user,
                batch,
                duplicates_choice=duplicates,
                exclude_errors=exclude_errors,
                analysis=analysis,
            )
            db.session.commit()
            click.echo(
                f"Imported {batch.rows_imported} beneficiaries into {batch.office_code} "
                f"(batch {batch.id})."
            )
            return
        db.session.rollback()  # a dry run stores nothing
    except CaseworkError as error:
        db.session.rollback()
        for message in {m for ms in error.fields.values() for m in ms} or {error.message}:
            click.echo(f"error: {message}", err=True)
        sys.exit(1)
    if analysis.problems or analysis.error_rows:
        sys.exit(1)


def _report(report: dict) -> None:
    for column in report["columns"]:
        target = column["field"] or "(not imported)"
        click.echo(f"column {column['header']!r}: {target} [{column['how']}]")
    for problem in report["problems"]:
        click.echo(f"error: {problem}", err=True)
    counts = report["counts"]
    click.echo(
        f"{counts['total']} rows: {counts['valid']} to import, {counts['errors']} with errors, "
        f"{counts['duplicates']} likely duplicates."
    )
    for error in report["errors"][:SHOWN]:
        click.echo(f"row {error['row']}, {error['column']}: {error['message']}", err=True)
    for dup in report["duplicates"][:SHOWN]:
        match = dup["registration_number"] or f"row {dup['match_row']}"
        click.echo(
            f"row {dup['row']}: {dup['name']} looks like {dup['match_name']} ({match}, "
            f"score {dup['score']:.2f})"
        )
