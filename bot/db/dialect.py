"""PostgreSQL's reading of the repositories' SQLite-flavoured SQL.

The repositories write one SQL for both engines: ``?`` and ``:name`` placeholders, SQLite's
function names, ``INSERT OR IGNORE``. ``translate`` turns a statement into PostgreSQL's
(``$1``…, ``string_agg``, ``strpos``, ``ILIKE`` …), skipping quoted literals and comments, and
is cached per SQL string: a repository's statements are a fixed set. ``ddl`` does the same for
migrations' column types (``INTEGER PRIMARY KEY`` becomes an identity column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Tokens that are never rewritten: quoted literals, quoted names, comments.
_OPAQUE = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/", re.S)
_PLACEHOLDER = re.compile(r"\?|(?<![:\w]):([A-Za-z_]\w*)")
_IS_NULL_AFTER = re.compile(r"\s+IS\s+(?:NOT\s+)?NULL\b", re.I)
_INSERT_OR = re.compile(r"^\s*INSERT\s+OR\s+(IGNORE|REPLACE)\s+INTO\b", re.I)
_RETURNING = re.compile(r"\bRETURNING\b", re.I)
_LIKE = re.compile(r"(?<![\w])LIKE\b", re.I)
_INSTR = re.compile(r"\binstr\s*\(", re.I)
_JSON_EACH = re.compile(r"\bjson_each\s*\(", re.I)
_GROUP_CONCAT = re.compile(r"\bgroup_concat\s*\(", re.I)
_LIMIT = re.compile(r"\bLIMIT\s+\$(\d+)", re.I)
_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)", re.I)


class UnsupportedSql(Exception):
    """A statement only SQLite understands, with no PostgreSQL reading here."""


@dataclass(frozen=True)
class Translated:
    """A statement in PostgreSQL's words. ``names``: which parameter each ``$n`` takes (an
    index for ``?``, a key for ``:name``); ``untyped``: the ``$n`` whose type PostgreSQL cannot
    tell from the statement (used only in ``$1 IS NULL``); ``null_tested``: every ``$n`` met
    in ``$n IS [NOT] NULL`` (see ``typed``)."""

    sql: str
    names: tuple[int | str, ...]
    untyped: frozenset[int]
    table: str | None  # the table an INSERT writes to (for RETURNING id)
    returns: bool  # the statement already has RETURNING
    limits: frozenset[int] = frozenset()  # the $n of LIMIT $n
    null_tested: tuple[int, ...] = ()

    def arguments(self, params: Any) -> list[Any]:
        if isinstance(params, dict):
            values = [params[name] for name in self.names]
        else:
            given = list(params)
            values = [given[i] for i in self.names]  # type: ignore[index]
        for n in self.limits:
            # SQLite's LIMIT -1 is "no limit"; PostgreSQL's is LIMIT NULL.
            if isinstance(values[n - 1], int) and values[n - 1] < 0:
                values[n - 1] = None
        return values

    def typed(self, arguments: list[Any]) -> str:
        """The SQL for these values (cached per pattern): PostgreSQL cannot type a parameter
        first met in ``$1 IS NULL``, so such a test becomes TRUE or FALSE from the value, and a
        parameter used only there is cast from the value's Python type."""
        if not self.null_tested:
            return self.sql
        kinds = tuple(
            _cast_for(arguments[n - 1]) if n in self.untyped else arguments[n - 1] is None
            for n in self.null_tested
        )
        return _specialised(self.sql, self.null_tested, self.untyped, kinds)


def _cast_for(value: Any) -> str:
    if isinstance(value, bool | int):
        return "bigint"
    if isinstance(value, float):
        return "double precision"
    return "text"


@lru_cache(maxsize=4096)
def _specialised(
    sql: str, tested: tuple[int, ...], untyped: frozenset[int], kinds: tuple[str | bool, ...]
) -> str:
    for position, kind in zip(tested, kinds, strict=True):
        if position in untyped:
            sql = re.sub(rf"\${position}(?!\d)(?=\s+IS\b)", f"CAST(${position} AS {kind})", sql)
            continue

        def decide(match: re.Match[str], is_null: bool = bool(kind)) -> str:
            negated = match.group(1) is not None
            return "TRUE" if is_null != negated else "FALSE"

        sql = re.sub(rf"\${position}(?!\d)\s+IS\s+(NOT\s+)?NULL\b", decide, sql, flags=re.I)
    return sql


def _segments(sql: str) -> list[tuple[bool, str]]:
    """(is_code, text) pieces: code is what may be rewritten."""
    pieces: list[tuple[bool, str]] = []
    last = 0
    for match in _OPAQUE.finditer(sql):
        if match.start() > last:
            pieces.append((True, sql[last : match.start()]))
        pieces.append((False, match.group()))
        last = match.end()
    if last < len(sql):
        pieces.append((True, sql[last:]))
    return pieces


def _call_end(code: str, start: int) -> int:
    """Index of the parenthesis closing the call whose '(' is just before ``start``."""
    depth = 1
    for i in range(start, len(code)):
        if code[i] == "(":
            depth += 1
        elif code[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    raise UnsupportedSql(f"unbalanced parentheses: {code[:80]}")


def _top_level_comma(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            return True
    return False


def _functions(code: str) -> str:
    code = _INSTR.sub("strpos(", code)
    code = _LIKE.sub("ILIKE", code)  # SQLite's LIKE ignores ASCII case
    while match := _JSON_EACH.search(code):
        end = _call_end(code, match.end())
        inner = code[match.end() : end]
        code = (
            code[: match.start()]
            + f"json_array_elements_text(CAST({inner} AS json))"
            + code[end + 1 :]
        )
    while match := _GROUP_CONCAT.search(code):
        end = _call_end(code, match.end())
        inner = code[match.end() : end]
        if _top_level_comma(inner):
            value, _, separator = inner.rpartition(",")
        else:
            value, separator = inner, "','"
        code = (
            code[: match.start()]
            + f"string_agg(CAST({value} AS text), {separator.strip()})"
            + code[end + 1 :]
        )
    return code


def _masked(sql: str) -> tuple[str, list[str]]:
    """The SQL with each literal, quoted name and comment replaced by a marker (so rewrites
    never touch them), and the replaced texts in order."""
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        kept.append(match.group())
        return f"\x00{len(kept) - 1}\x00"

    return _OPAQUE.sub(keep, sql), kept


def _unmasked(sql: str, kept: list[str]) -> str:
    return re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], sql)


@lru_cache(maxsize=4096)
def translate(sql: str) -> Translated:
    """The PostgreSQL form of one statement (cached: the same string costs one lookup)."""
    ignore = False
    insert_or = _INSERT_OR.match(sql)
    if insert_or:
        if insert_or.group(1).upper() == "REPLACE":
            raise UnsupportedSql("INSERT OR REPLACE: write INSERT … ON CONFLICT (…) DO UPDATE")
        sql = sql[: insert_or.start()] + "INSERT INTO" + sql[insert_or.end() :]
        ignore = True
    code, kept = _masked(sql)
    code = _functions(code)
    names: list[int | str] = []
    positions: dict[str, int] = {}
    untyped: set[int] = set()
    built: list[str] = []
    anonymous = 0
    last = 0
    for match in _PLACEHOLDER.finditer(code):
        built.append(code[last : match.start()])
        if match.group() == "?":
            names.append(anonymous)
            anonymous += 1
            number = len(names)
        elif match.group(1) in positions:
            number = positions[match.group(1)]
        else:
            names.append(match.group(1))
            number = positions[match.group(1)] = len(names)
        if _IS_NULL_AFTER.match(code, match.end()):
            untyped.add(number)
        built.append(f"${number}")
        last = match.end()
    built.append(code[last:])
    code = "".join(built).rstrip().rstrip(";")
    returns = bool(_RETURNING.search(code))
    if ignore:
        head, sep, tail = _split_returning(code)
        code = f"{head} ON CONFLICT DO NOTHING{sep}{tail}"
    table = _INSERT_INTO.match(code)
    limits = frozenset(int(n) for n in _LIMIT.findall(code))
    result = _unmasked(code, kept)
    # A parameter whose every use is "IS NULL" has no type PostgreSQL can infer.
    return Translated(
        sql=result,
        names=tuple(names),
        untyped=frozenset(n for n in untyped if _only_null_tested(code, n)),
        table=table.group(1).lower() if table else None,
        returns=returns,
        limits=limits,
        null_tested=tuple(sorted(untyped)),
    )


def _only_null_tested(sql: str, number: int) -> bool:
    uses = re.findall(rf"\${number}(?!\d)(\s+IS\b)?", sql, flags=re.I)
    return all(uses)


def _split_returning(sql: str) -> tuple[str, str, str]:
    match = list(_RETURNING.finditer(sql))
    if not match:
        return sql, "", ""
    at = match[-1].start()
    return sql[:at].rstrip(), " ", sql[at:]


# -- migrations -------------------------------------------------------------------------------

_ID_KEY = re.compile(r"\bid(\s+)INTEGER\s+PRIMARY\s+KEY(\s+AUTOINCREMENT)?\b", re.I)
_TYPES = (
    (re.compile(r"\bINTEGER\b", re.I), "BIGINT"),
    (re.compile(r"\bREAL\b", re.I), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b", re.I), "BYTEA"),
)


def ddl(script: str) -> str:
    """A portable migration in PostgreSQL's column types: an ``id INTEGER PRIMARY KEY``
    becomes an identity column (SQLite's rowid alias), INTEGER is 64-bit as in SQLite."""
    out = []
    for code, text in _segments(script):
        if code:
            text = _ID_KEY.sub(r"id\1BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", text)
            for pattern, replacement in _TYPES:
                text = pattern.sub(replacement, text)
        out.append(text)
    return "".join(out)
