"""Numbered SQL migrations (``NNNN_name.sql``), applied in order by ``bot.db.Database.migrate``,
each in one transaction, recorded in ``schema_version`` (the same table on both engines).

One file serves both engines: write the portable subset (SQLite's syntax that PostgreSQL also
reads: ``CREATE TABLE``/``INDEX`` with partial ``WHERE``, ``ALTER TABLE … ADD COLUMN``,
``INSERT … ON CONFLICT``, ``CHECK``). On PostgreSQL ``bot.db.dialect.ddl`` turns
``id INTEGER PRIMARY KEY`` into an identity column, ``INTEGER`` into ``BIGINT`` (64-bit, as in
SQLite) and ``REAL`` into ``DOUBLE PRECISION``. Where the engines must differ (a trigger, a
function, a type of its own), add ``postgres/NNNN_name.sql`` with the same name: PostgreSQL runs
that file instead of the portable one. Never change an applied file's meaning: add a new number.
"""
