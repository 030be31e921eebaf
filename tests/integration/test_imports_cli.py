"""`flask casework import-beneficiaries FILE --user NAME [--apply] …`."""

from __future__ import annotations

from sqlalchemy import func, select

from casework.extensions import db
from casework.imports.cli import import_command
from casework.models import Beneficiary, ImportBatch

from .test_imports import GOOD, csv_file


def run(app, tmp_path, content: bytes, *args: str, name: str = "drive.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    return app.test_cli_runner().invoke(import_command, [str(path), *args])


def people() -> int:
    return db.session.scalar(select(func.count()).select_from(Beneficiary))


def test_a_dry_run_reports_and_stores_nothing(app, tmp_path, make_user):
    user = make_user("caseworker", "DMK")
    result = run(app, tmp_path, csv_file(*GOOD), "--user", user.username)
    assert result.exit_code == 0, result.output
    assert "3 rows: 3 to import, 0 with errors, 0 likely duplicates." in result.output
    assert people() == 0
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_apply_imports_for_the_user_and_their_office(app, tmp_path, make_user):
    user = make_user("caseworker", "DMK")
    result = run(app, tmp_path, csv_file(*GOOD), "--user", user.username, "--apply")
    assert result.exit_code == 0, result.output
    assert "Imported 3 beneficiaries into DMK" in result.output
    rows = db.session.execute(select(Beneficiary.office_code, Beneficiary.created_by_id)).all()
    assert set(rows) == {("DMK", user.id)}
    batch = db.session.scalar(select(ImportBatch))
    assert (batch.created_by_id, batch.status, batch.file_name) == (user.id, "applied", "drive.csv")


def test_errors_make_the_exit_status_non_zero_and_apply_imports_nothing(app, tmp_path, make_user):
    user = make_user("caseworker")
    content = csv_file(*GOOD, ",Nobody,F,,Kathmandu,,no,,")
    dry = run(app, tmp_path, content, "--user", user.username)
    assert dry.exit_code == 1
    assert "row 5, Given name: The given name is required." in dry.output
    applied = run(app, tmp_path, content, "--user", user.username, "--apply")
    assert applied.exit_code == 1
    assert "1 rows have errors" in applied.output
    assert people() == 0
    excluded = run(app, tmp_path, content, "--user", user.username, "--apply", "--exclude-errors")
    assert excluded.exit_code == 0, excluded.output
    assert people() == 3


def test_a_mapping_on_the_command_line_and_a_bad_file(app, tmp_path, make_user):
    user = make_user("caseworker")
    content = csv_file("Ram,Thapa,M", header="Naam,Thar,Sex\n")
    unmapped = run(app, tmp_path, content, "--user", user.username)
    assert unmapped.exit_code == 1
    assert "The file has no column for Given name or Full name" in unmapped.output
    mapped = run(
        app,
        tmp_path,
        content,
        "--user",
        user.username,
        "--mapping",
        "Naam=given_name",
        "--mapping",
        "Thar=family_name",
    )
    assert mapped.exit_code == 0, mapped.output
    bad = run(app, tmp_path, b"not a spreadsheet", "--user", user.username, name="x.xlsx")
    assert bad.exit_code == 1
    assert "not an Excel (.xlsx) file" in bad.output


def test_who_may_not_import_or_does_not_exist_gets_exit_status_one(app, tmp_path, make_user):
    partner = make_user("partner")
    assert run(app, tmp_path, csv_file(*GOOD), "--user", partner.username).exit_code == 1
    assert run(app, tmp_path, csv_file(*GOOD), "--user", "nobody").exit_code == 1
    assert people() == 0
