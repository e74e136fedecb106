"""The migrations build exactly the schema the models declare: a table or column added to a
model without its migration (or the other way round) fails here, not on a deployed database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from govai.platform import Platform
from govai.storage.schema import metadata


def test_migrations_match_the_models(platform: Platform) -> None:
    platform.db.migrate("head")
    with platform.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
