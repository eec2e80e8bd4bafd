"""Alembic's environment for Kuril Brief: migrations run on a connection the bot hands over.

`bot.storage.migrations` opens the connection (holding the migration lock, inside one
transaction) and passes it as `config.attributes["connection"]`; nothing here reads a URL,
an ini file or the working directory. `target_metadata` is the current schema, for
autogenerate and for the test that the models and the migration head agree.
"""

from __future__ import annotations

from alembic import context

from bot.storage.schema import METADATA

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "Kuril Brief runs its migrations itself: use `kuril-brief db upgrade` "
        "(or bot.storage.migrations.alembic_config with a connection)"
    )
context.configure(
    connection=connection,
    target_metadata=METADATA,
    compare_type=True,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds the table
)
with context.begin_transaction():
    context.run_migrations()
