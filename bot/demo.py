"""Demo data from the subdistrict's 2019 newsletter: its committees, 专委会, groups and people."""

from __future__ import annotations

from typing import Protocol

from bot.chats import ChatRepo, Tag
from bot.committees import CommitteeRepo
from bot.messages import Chat, ChatKind
from bot.roles import Role
from bot.users import UserRepo


class Directory(Protocol):
    """What demo data is written into: the application's committees, chats and people."""

    @property
    def committees(self) -> CommitteeRepo: ...
    @property
    def chats(self) -> ChatRepo: ...
    @property
    def users(self) -> UserRepo: ...


RESIDENTS_COMMITTEES = ("三门", "高雄", "西二")

# The three committees of the 淞园治慧 property-governance alliance, as the newsletter has them.
TOPIC_COMMITTEES = (
    ("物业服务提升专委会", "物业服务的难点：物业企业的学习交流、服务提升和群众关注的物业管理问题"),
    ("优化宜居专委会", "业委会能力建设与规范运作、老房加装电梯等宜居难题"),
    ("零距离保障专委会", "法律法规宣传，业主自治与执法部门共治的衔接"),
)

# (chat id, title, committee or None, tags)
GROUPS = (
    ("staff-group", "半淞园路街道社区平安办工作群", None, (Tag.STAFF,)),
    ("directors-group", "半淞园路街道居委会主任群", None, (Tag.DIRECTORS,)),
    ("sanmen-residents", "三门居民区居民群", "三门", (Tag.RESIDENTS,)),
    ("gaoxiong-residents", "高雄居民区居民群", "高雄", (Tag.RESIDENTS,)),
    ("xier-residents", "西二居民区居民群", "西二", (Tag.RESIDENTS,)),
)

# (console user id, display name, role, committee)
PEOPLE = (
    ("staff", "王青平（社区平安办）", Role.STAFF, None),
    ("sanmen-director", "三门居委会主任", Role.DIRECTOR, "三门"),
    ("gaoxiong-director", "高雄居委会主任", Role.DIRECTOR, "高雄"),
    ("xier-director", "西二居委会主任", Role.DIRECTOR, "西二"),
)


async def load_demo_data(app: Directory, *, only_if_empty: bool = False) -> bool:
    """Load the demo data (idempotent); only_if_empty: only into a database with no committees."""
    if only_if_empty and await app.committees.residents(include_retired=True):
        return False
    committee_ids = {}
    for name in RESIDENTS_COMMITTEES:
        committee_ids[name] = (await app.committees.add_resident(name)).id
    for name, description in TOPIC_COMMITTEES:
        await app.committees.add_topic(name, description)
    for chat_id, title, committee, tags in GROUPS:
        chat = Chat("console", chat_id, ChatKind.GROUP, title)
        await app.chats.bind(chat, committee_ids.get(committee or ""), tags)
    for user_id, name, role, committee in PEOPLE:
        user = await app.users.ensure("console", user_id)
        if user.role is not role:
            await app.users.grant(
                "console", user_id, role, committee_ids.get(committee or ""), "demo"
            )
        if not user.display_name:
            await app.users.rename(user, name)
    return True
