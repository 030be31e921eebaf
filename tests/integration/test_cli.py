"""The command-line contracts of DESIGN.md."""

from __future__ import annotations

from sqlalchemy import func, select

from casework import audit
from casework.cli import create_user_command, demo_command, init_command, token_command
from casework.extensions import db
from casework.models import ApiToken, AuditEvent, Beneficiary, Case, District, User
from casework.services import accounts


def test_users_create_reads_the_password_from_stdin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        create_user_command,
        ["maya", "--role", "supervisor", "--office", "dmk", "--password-stdin"],
        input="a-long-password-1\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "maya"))
    assert (user.role, user.office_code) == ("supervisor", "DMK")
    assert accounts.authenticate("maya", "a-long-password-1").user is not None


def test_users_create_refuses_bad_input_naming_the_field(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        create_user_command,
        ["maya", "--role", "caseworker", "--office", "XXX", "--password-stdin"],
        input="short\n",
    )
    assert result.exit_code == 1
    assert "office_code:" in result.output and "password:" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_users_token_prints_a_working_token_last(app, make_user):
    user = make_user("caseworker")
    result = app.test_cli_runner().invoke(token_command, [user.username])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("cw_")
    assert db.session.scalar(select(ApiToken.token_hash)) != token  # stored hashed
    response = app.test_client().get(
        "/api/v1/districts", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


def test_users_token_for_unknown_user_fails(app):
    result = app.test_cli_runner().invoke(token_command, ["nobody"])
    assert result.exit_code == 1


def test_init_is_safe_to_run_again(app):
    runner = app.test_cli_runner()
    first = runner.invoke(init_command)
    second = runner.invoke(init_command)
    assert first.exit_code == 0 and second.exit_code == 0
    assert "nothing new" in second.output
    assert db.session.scalar(select(func.count()).select_from(District)) == 77


def test_demo_creates_users_of_every_role_and_beneficiaries(app):
    result = app.test_cli_runner().invoke(demo_command, ["--beneficiaries", "300", "--seed", "3"])
    assert result.exit_code == 0, result.output
    roles = set(db.session.scalars(select(User.role)))
    assert roles == {"admin", "supervisor", "caseworker", "partner"}
    people = list(db.session.scalars(select(Beneficiary)))
    assert len(people) == 300
    assert {p.office_code for p in people} == {"KTM", "DMK"}
    assert all(p.given_key and p.search_text for p in people)
    numbers = [p.registration_number for p in people]
    assert len(set(numbers)) == len(numbers)
    # ...and cases made through the services, at several stages, with a valid audit chain.
    kinds = set(db.session.scalars(select(Case.kind)))
    assert kinds == {"return_reintegration", "conflict_victim"}
    statuses = set(db.session.scalars(select(Case.status)))
    assert {"registered", "assessment"} <= statuses
    assert audit.verify().ok
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "demo.generate")) == 1


def test_demo_if_empty_adds_nothing_the_second_time(app):
    runner = app.test_cli_runner()
    runner.invoke(demo_command, ["--beneficiaries", "50", "--if-empty"])
    runner.invoke(demo_command, ["--beneficiaries", "50", "--if-empty"])
    assert db.session.scalar(select(func.count()).select_from(Beneficiary)) == 50


def test_demo_numbers_continue_after_registered_people(app, login_as):
    """Bulk demo data and the registration service share the registration counter."""
    runner = app.test_cli_runner()
    runner.invoke(demo_command, ["--beneficiaries", "20", "--seed", "1"])
    runner.invoke(demo_command, ["--beneficiaries", "20", "--seed", "1"])
    numbers = list(db.session.scalars(select(Beneficiary.registration_number)))
    assert len(set(numbers)) == 40
