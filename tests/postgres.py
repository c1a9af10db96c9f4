"""A throw-away PostgreSQL server for the tests, and a fresh database for each test.

The server: ``JUWEI_TEST_DATABASE_URL`` (an admin URL of a server we may create databases
on), else the machine's ``initdb``/``pg_ctl`` in a temporary folder on a free port (as the
``postgres`` account when we are root: initdb refuses root). One database is migrated once as
a template; each test gets ``CREATE DATABASE … TEMPLATE`` of it (a file copy, ~0.1 s —
quicker than truncating ~45 tables and resetting their identities).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bot.db import Database
from bot.db.tools import server_program

# One per test process: under `make test` several workers may share JUWEI_TEST_DATABASE_URL.
TEMPLATE = f"juwei_template_{os.getpid()}"
# Read at import: the tests' fixtures clear JUWEI_* from the environment.
GIVEN_URL = os.environ.get("JUWEI_TEST_DATABASE_URL")
_names = itertools.count(1)


class NoServer(Exception):
    """No PostgreSQL for the tests: the reason is the skip message."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


class Server:
    """A PostgreSQL server the tests may create and drop databases on."""

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.url = ""

    def start(self) -> None:
        if GIVEN_URL:
            self.url = GIVEN_URL
            return
        initdb, pg_ctl = server_program("initdb"), server_program("pg_ctl")
        if initdb is None or pg_ctl is None:
            raise NoServer(
                "PostgreSQL tests skipped: no initdb/pg_ctl (install Debian's postgresql) and "
                "no JUWEI_TEST_DATABASE_URL"
            )
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise NoServer(
                    "PostgreSQL tests skipped: running as root, no postgres account"
                ) from None
        self.folder = Path(tempfile.mkdtemp(prefix="juwei-pg-"))
        if os.geteuid() == 0:
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        data, port = self.folder / "data", _free_port()
        subprocess.run(
            _as_server_user(
                [
                    initdb,
                    "-D",
                    str(data),
                    "--auth=trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--locale=C",
                ]
            ),
            check=True,
            capture_output=True,
        )
        options = (
            f"-p {port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        subprocess.run(
            _as_server_user(
                [
                    pg_ctl,
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-l",
                    str(self.folder / "log"),
                    "start",
                    "-w",
                ]
            ),
            check=True,
            capture_output=True,
        )
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def stop(self) -> None:
        if self.folder is None:
            return
        pg_ctl = server_program("pg_ctl")
        assert pg_ctl is not None
        subprocess.run(
            _as_server_user([pg_ctl, "-D", str(self.folder / "data"), "-m", "immediate", "stop"]),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)

    async def _admin(self, *statements: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(self.url)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    async def prepare_template(self) -> None:
        await self._admin(f"DROP DATABASE IF EXISTS {TEMPLATE}", f"CREATE DATABASE {TEMPLATE}")
        async with Database(with_database(self.url, TEMPLATE)) as db:
            await db.migrate()

    async def fresh(self, *, empty: bool = False) -> str:
        """A new database with every migration applied (``empty``: none); its URL."""
        name = f"juwei_test_{os.getpid()}_{next(_names)}"
        template = "template0" if empty else TEMPLATE
        await self._admin(
            f"DROP DATABASE IF EXISTS {name}",
            f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY",
        )
        return with_database(self.url, name)

    async def drop(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        await self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    async def drop_all(self) -> None:
        """The session's test databases: dropped once at the end (quicker than one by one)."""
        import asyncpg

        conn = await asyncpg.connect(self.url)
        try:
            names = await conn.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE $1",
                f"juwei_test_{os.getpid()}_%",
            )
            for row in names:
                await conn.execute(f'DROP DATABASE IF EXISTS "{row[0]}" WITH (FORCE)')
            await conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
        finally:
            await conn.close()


def running_server() -> Iterator[Server]:
    server = Server()
    server.start()
    try:
        # On a thread of its own: the first test to ask may be inside an event loop.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, server.prepare_template()).result()
        yield server
        if server.folder is None:  # a server we were given: leave it as we found it
            with ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, server.drop_all()).result()
    finally:
        server.stop()
