"""The database: SQLite (one file, the default) or PostgreSQL (a server several processes share).

``Database(path)`` opens an SQLite file, ``Database("postgresql://…")`` a PostgreSQL database;
``open_database(settings)`` picks by ``JUWEI_DATABASE_URL``. Repositories write one plain SQL
with ``?`` placeholders for both; what PostgreSQL reads differently is translated in
``bot.db.dialect``. Rows are ``Row``: by column name or by position.

A transaction is ambient: while a task is inside ``transaction()``, every statement it runs
through the ``Database`` (and every nested ``transaction()``, as a savepoint) joins it. So one
handled message — its form step, the change it makes, the replies and notifications it queues
and its inbox row's "handled" mark — commits together or not at all, without each service
having to be handed the transaction. On both engines write transactions run one at a time
(SQLite's write lock; PostgreSQL's database-wide advisory lock), and ``wait_at_most`` turns a
longer wait into ``DatabaseBusy``.
"""

from __future__ import annotations

from bot.db.base import (
    BUSY_TIMEOUT_MS,
    Database,
    DatabaseBusy,
    DatabaseUnusable,
    Lead,
    Migration,
    Params,
    Row,
    SchemaTooNew,
    Tx,
    bundled_migrations,
    split_statements,
)
from bot.db.sqlite import SqliteDatabase, backup, probe

__all__ = [
    "BUSY_TIMEOUT_MS",
    "Database",
    "DatabaseBusy",
    "DatabaseUnusable",
    "Lead",
    "Migration",
    "Params",
    "Row",
    "SchemaTooNew",
    "SqliteDatabase",
    "Tx",
    "backup",
    "bundled_migrations",
    "probe",
    "split_statements",
]
