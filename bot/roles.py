"""Roles, ordered by what they may do; the one place that decides whether someone may act."""

from __future__ import annotations

from enum import IntEnum


class Role(IntEnum):
    RESIDENT = 1
    DIRECTOR = 2  # 居委会主任/书记, bound to one residents' committee
    STAFF = 3  # 街道 office staff
    ADMIN = 4

    @classmethod
    def parse(cls, text: str) -> Role:
        key = text.strip().lower()
        for role in cls:
            if key in (role.name.lower(), ROLE_ALIASES.get(role, "")):
                return role
        raise ValueError(text)


ROLE_ALIASES = {
    Role.RESIDENT: "居民",
    Role.DIRECTOR: "主任",
    Role.STAFF: "工作人员",
    Role.ADMIN: "管理员",
}


def allows(have: Role, need: Role) -> bool:
    """Whether a person with role ``have`` may use something that needs ``need``."""
    return have >= need
