"""`flask db upgrade` on an empty database yields exactly the models.

The session fixture builds the test database with the migrations, so comparing that
database with the models' metadata proves the migrations and models agree.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from casework.extensions import db
from casework.search_index import include_object


def test_migrations_match_the_models():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "render_as_batch": True, "include_object": include_object},
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_database_is_at_the_latest_revision(app):
    from alembic.script import ScriptDirectory

    config = app.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    assert current == head


def test_0014_mends_the_search_text_of_names_with_a_zero_width_joiner(tmp_path):
    """A name typed with a joiner (श्‍याम) was split in the search text before 0014."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, text

    from casework import create_app
    from casework.domain.matching import search_text
    from casework.models import Beneficiary

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    name = "श्\u200dयाम थापा"
    with app.app_context():
        upgrade(revision="0013")
        db.session.execute(text("INSERT INTO offices (code, name) VALUES ('KTM', 'Kathmandu')"))
        db.session.execute(text("INSERT INTO countries (code, name) VALUES ('NP', 'Nepal')"))
        db.session.execute(
            insert(Beneficiary).values(
                registration_number="KTM-2026-000001",
                office_code="KTM",
                given_name="Shyam",
                family_name="Thapa",
                name_ne=name,
                sex="male",
                nationality="NP",
                search_text="shyam thapa श् याम थापा",  # as matching wrote it before 0014
            )
        )
        db.session.commit()
        upgrade(revision="0014")
        stored = db.session.scalar(text("SELECT search_text FROM beneficiaries"))
        db.session.remove()
    assert stored == search_text("Shyam", "Thapa", name)
    assert "श्याम" in stored.split()
