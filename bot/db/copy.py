"""``juwei db copy``: a whole database from one engine to another (SQLite ⇄ PostgreSQL).

The target is migrated to the same schema, its tables are filled in one transaction in the
order their foreign keys need (rows by id, so a row's older self-reference is there first),
identity counters are moved past the copied ids, and every table's row count is compared
before the commit: a copy that differs is rolled back. Stop the bot while copying: rows
written meanwhile would be missing from the copy.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.db.base import Database, Row, bundled_migrations, display_url, is_url

BATCH = 500
# Rows the migrations themselves write (the three 专委会, the FAQ generation, place kinds):
# a fresh target has them; the copy replaces them with the source's.
SEEDED = frozenset({"topic_committees", "faq_meta", "place_kinds"})


class CopyRefused(Exception):
    """The copy cannot be made; the message says why (the target is unchanged)."""


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int


_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def _naming(template: str, *names: str) -> str:
    """A statement naming tables and columns, which SQL cannot take as parameters: the names
    come from the database's own catalogue and must be plain identifiers."""
    for name in names:
        if not _IDENTIFIER.fullmatch(name):
            raise CopyRefused(f"unexpected table or column name {name!r}")
    return template.format(*names)


def _insert_template(width: int) -> str:
    """``INSERT INTO {} ({}, …) VALUES (?, …)``: ``_naming`` fills in the checked names."""
    names = ", ".join(["{}"] * width)
    marks = ", ".join(["?"] * width)
    # Built from "{}" and "?" alone: no value or name enters here.
    return "INSERT INTO {} (" + names + ") VALUES (" + marks + ")"  # noqa: S608


def target_of(text: str) -> Path | str:
    """``sqlite:PATH`` (or a plain path) → the file; ``postgresql://…`` as it is."""
    if is_url(text):
        return text
    return Path(text.removeprefix("sqlite:"))


def shown(target: Path | str) -> str:
    return display_url(target) if isinstance(target, str) else f"sqlite:{target}"


async def _tables(db: Database) -> list[str]:
    if db.engine == "sqlite":
        rows = await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' AND name <> 'schema_version'"
        )
    else:
        rows = await db.fetchall(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " AND tablename <> 'schema_version'"
        )
    return sorted(str(row[0]) for row in rows)


async def _references(db: Database, tables: Sequence[str]) -> dict[str, set[str]]:
    """Table → the other tables its foreign keys point at."""
    found: dict[str, set[str]] = {table: set() for table in tables}
    if db.engine == "sqlite":
        for table in tables:
            for row in await db.fetchall(_naming("PRAGMA foreign_key_list({})", table)):
                found[table].add(str(row["table"]))
    else:
        rows = await db.fetchall(
            "SELECT c.conrelid::regclass::text AS source, c.confrelid::regclass::text AS target"
            " FROM pg_constraint c WHERE c.contype = 'f'"
        )
        for row in rows:
            if row["source"] in found:
                found[row["source"]].add(row["target"])
    for table, targets in found.items():
        targets.discard(table)
    return found


def _in_order(references: dict[str, set[str]]) -> list[str]:
    order: list[str] = []
    placed: set[str] = set()
    while len(order) < len(references):
        ready = sorted(t for t, deps in references.items() if t not in placed and deps <= placed)
        if not ready:
            raise CopyRefused(f"foreign keys form a circle: {sorted(set(references) - placed)}")
        order += ready
        placed.update(ready)
    return order


async def _column_types(db: Database, table: str) -> dict[str, type]:
    """PostgreSQL is strict about types SQLite lets slide (an int in a TEXT column)."""
    if db.engine == "sqlite":
        return {}
    rows = await db.fetchall(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ?",
        (table,),
    )
    kinds: dict[str, type] = {}
    for row in rows:
        kind = str(row["data_type"])
        if kind in ("text", "character varying"):
            kinds[row["column_name"]] = str
        elif kind in ("bigint", "integer", "smallint"):
            kinds[row["column_name"]] = int
        elif kind in ("double precision", "real", "numeric"):
            kinds[row["column_name"]] = float
    return kinds


def _converted(row: Row, columns: Sequence[str], kinds: dict[str, type]) -> list[Any]:
    values = []
    for index, column in enumerate(columns):
        value = row[index]
        convert = kinds.get(column)
        if value is not None and convert is not None and not isinstance(value, convert):
            value = convert(value)
        values.append(value)
    return values


async def copy_database(source_target: Path | str, target_target: Path | str) -> list[Copied]:
    """Copy every table; returns the row counts (equal on both sides)."""
    if shown(source_target) == shown(target_target):
        raise CopyRefused("来源和目标是同一个数据库 (source and target are the same)")
    if isinstance(source_target, Path) and not await asyncio.to_thread(source_target.exists):
        raise CopyRefused(f"{source_target} 不存在 (not found)")
    latest = bundled_migrations()[-1].version
    async with Database(source_target) as source, Database(target_target) as target:
        version = await source.schema_version()
        if version != latest:
            raise CopyRefused(
                f"来源数据库结构版本 {version}，先运行 juwei migrate (source schema {version},"
                f" expected {latest}: run juwei migrate on it first)"
            )
        await target.migrate()
        tables = await _tables(source)
        order = _in_order(await _references(source, tables))
        for table in order:
            count = _naming("SELECT COUNT(*) FROM {}", table)
            if table not in SEEDED and await target.scalar(count):
                raise CopyRefused(
                    f"目标数据库的 {table} 表已有数据，只能复制到新的空数据库"
                    f" (the target's {table} has rows: copy into a new, empty database)"
                )
        copied: list[Copied] = []
        async with target.transaction() as tx:
            for table in reversed(order):
                await tx.execute(_naming("DELETE FROM {}", table))
            for table in order:
                rows = await source.fetchall(_naming("SELECT * FROM {} ORDER BY 1", table))
                if rows:
                    columns = list(rows[0].keys())
                    kinds = await _column_types(target, table)
                    insert = _naming(_insert_template(len(columns)), table, *columns)
                    for start in range(0, len(rows), BATCH):
                        batch = [_converted(r, columns, kinds) for r in rows[start : start + BATCH]]
                        await tx.executemany(insert, batch)
                there = int(await tx.scalar(_naming("SELECT COUNT(*) FROM {}", table)))
                if there != len(rows):
                    raise CopyRefused(
                        f"{table}: 复制了 {there} 行，来源有 {len(rows)} 行 (copied {there} of"
                        f" {len(rows)} rows): nothing was kept"
                    )
                copied.append(Copied(table, len(rows)))
            if target.engine == "postgresql":
                await _move_identities(tx, order)
        return copied


async def _move_identities(tx: Any, tables: Sequence[str]) -> None:
    """The next id PostgreSQL hands out follows the copied ones."""
    for table in tables:
        has_id = await tx.scalar(
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema ="
            " current_schema() AND table_name = ? AND column_name = 'id'",
            (table,),
        )
        if not has_id:
            continue
        sequence = await tx.scalar("SELECT pg_get_serial_sequence(?, 'id')", (table,))
        if sequence:
            await tx.scalar(
                _naming(
                    "SELECT setval(CAST(? AS regclass), COALESCE(MAX(id), 0) + 1, false) FROM {}",
                    table,
                ),
                (sequence,),
            )
