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
