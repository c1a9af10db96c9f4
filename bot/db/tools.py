"""PostgreSQL's own programs, run for ``juwei backup``: found on PATH or in Debian's folders."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit


class PgDumpFailed(Exception):
    """pg_dump is missing or refused."""


def server_program(name: str) -> str | None:
    """``pg_dump``, ``initdb`` …: on PATH, else the newest /usr/lib/postgresql/N/bin/."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return candidates[-1] if candidates else None


def without_password(url: str) -> tuple[str, str | None]:
    """The URL with its password taken out (a command line is visible to every user)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return (
        urlunsplit((parts.scheme, f"{user}@{netloc}", parts.path, parts.query, "")),
        unquote(parts.password),
    )


def pg_dump(url: str, target: Path) -> None:
    """A consistent copy of the whole database (``pg_dump -Fc``), even while workers write."""
    program = server_program("pg_dump")
    if program is None:
        raise PgDumpFailed("pg_dump 未安装 (not installed: apt-get install postgresql-client)")
    target.parent.mkdir(parents=True, exist_ok=True)
    dsn, password = without_password(url)
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = password
    done = subprocess.run(
        [program, "--format=custom", "--file", str(target), "--dbname", dsn],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise PgDumpFailed(done.stderr.strip() or f"pg_dump exited {done.returncode}")
