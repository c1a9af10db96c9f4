"""The application: settings, clock, database and the services built on them, wired in one place."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.chats import ChatRepo
from bot.clock import Clock, SystemClock
from bot.committees import CommitteeRepo
from bot.conversation_store import ConversationStore
from bot.db import Database
from bot.demo import load_demo_data
from bot.inbox import Inbox
from bot.media import MediaStore
from bot.notify import Notifier
from bot.outbox import Outbox
from bot.roles import Role
from bot.settings import Settings
from bot.users import UserRepo

DeepLinker = Callable[[str], str | None]


@dataclass
class App:
    settings: Settings
    clock: Clock
    db: Database
    users: UserRepo
    chats: ChatRepo
    committees: CommitteeRepo
    inbox: Inbox
    outbox: Outbox
    notifier: Notifier
    conversations: ConversationStore
    media: MediaStore
    deep_linkers: dict[str, DeepLinker] = field(default_factory=dict)
    # The platforms whose chats this process's deployment reaches: broadcasts count only these.
    platforms: frozenset[str] = frozenset()

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.tz

    def deep_link(self, platform: str, payload: str) -> str | None:
        """A link that opens the private chat with the bot at a flow, where the platform has one."""
        linker = self.deep_linkers.get(platform)
        return linker(payload) if linker else None

    @classmethod
    async def open(
        cls,
        settings: Settings,
        clock: Clock | None = None,
        *,
        demo: bool = False,
        console: bool = True,
    ) -> App:
        """Open the database, apply migrations, seed the first admins (and demo data if asked).

        ``console``: the console's chats are reached (a console or a CLI command, whose
        messages a console shows when it next runs); ``juwei run`` with a platform says no."""
        clock = clock or SystemClock()
        db = Database(settings.database)
        await db.open()
        try:
            await db.migrate()
        except Exception:
            await db.close()
            raise
        outbox = Outbox(db, clock)
        app = cls(
            settings=settings,
            clock=clock,
            db=db,
            users=UserRepo(db, clock),
            chats=ChatRepo(db, clock),
            committees=CommitteeRepo(db, clock),
            inbox=Inbox(db, clock, worker=f"{socket.gethostname()}:{settings.http_port}"),
            outbox=outbox,
            notifier=Notifier(outbox, settings.default_language),
            conversations=ConversationStore(db),
            media=MediaStore(settings.media_dir),
            platforms=settings.reachable_platforms(console=console),
        )
        await app.seed_admins()
        if demo:
            await load_demo_data(app, only_if_empty=True)
        return app

    async def seed_admins(self) -> None:
        for ref in self.settings.admins:
            platform, _, external_id = ref.partition(":")
            existing = await self.users.find(platform, external_id)
            if existing is None or existing.role is not Role.ADMIN:
                await self.users.grant(platform, external_id, Role.ADMIN, None, by="settings")

    async def close(self) -> None:
        await self.db.close()
