"""Alembic environment for the leaderboard store.

``leaderboard.store.migrate`` runs it with a connection it has already locked; a developer writing a
new revision runs ``alembic -c <ini with script_location = leaderboard/migrations> revision
--autogenerate`` with ``sqlalchemy.url`` (or ``$HARNESS_LEADERBOARD_DB``) set.
"""

from alembic import context
from sqlalchemy import create_engine

from leaderboard.schema import VERSION_TABLE, Base
from leaderboard.store import resolve_url

# Absent when this file is imported outside Alembic (e.g. by doctest collection): do nothing then.
config = getattr(context, "config", None)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if config is not None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        url = config.get_main_option("sqlalchemy.url") or resolve_url()
        with create_engine(url).connect() as connection:
            _run(connection)
            connection.commit()
