"""Alembic environment: runs revisions on the connection :mod:`denialops.store.migrate` gives.

There is no ``alembic.ini``; :func:`denialops.store.migrate.upgrade` builds the config in
code and passes an open connection in ``config.attributes["connection"]``. Running the
``alembic`` command line against this folder also works when ``sqlalchemy.url`` is set.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from denialops.store.migrate import model_metadata

target_metadata = model_metadata()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection and no sqlalchemy.url given to the migrations")
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
