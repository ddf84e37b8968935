"""Every migration goes up and down cleanly, and the models match the migrations."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from models import Base, database


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(database.alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    return set(names) - {"alembic_version"}


async def test_each_migration_upgrades_and_downgrades_step_by_step(bare_engine: AsyncEngine):
    revisions = _revisions()
    assert revisions, "no migrations found"
    seen: list[set[str]] = [await _tables(bare_engine)]
    for revision in revisions:
        await database.upgrade(bare_engine, revision)
        assert await database.current_revision(bare_engine) == revision
        seen.append(await _tables(bare_engine))
    for index in range(len(revisions) - 1, -1, -1):
        await database.downgrade(bare_engine, "-1")
        expected = revisions[index - 1] if index else None
        assert await database.current_revision(bare_engine) == expected
        assert await _tables(bare_engine) == seen[index]
    assert seen[0] == set()


async def test_models_match_migrations(engine: AsyncEngine):
    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []


async def test_upgrade_is_idempotent_at_head(engine: AsyncEngine):
    await database.upgrade(engine)
    assert await database.current_revision(engine) == database.head_revision()
