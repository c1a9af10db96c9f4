"""Roles: only admins grant, /help shows only what a role may use, /bind respects committees."""

from __future__ import annotations

from bot.chats import Tag
from bot.messages import Chat, ChatKind, Incoming
from bot.roles import Role


async def test_a_resident_cannot_grant(app, person) -> None:
    resident = person("mallory")
    replies = await resident.send("/grant console:mallory admin")
    assert "管理员" in replies[0].text and "权限" in replies[0].text
    assert (await app.users.find("console", "mallory")).role is Role.RESIDENT


async def test_a_director_cannot_grant_either(app, person) -> None:
    director = person("sanmen-director")
    await director.send("/grant console:x staff")
    assert await app.users.find("console", "x") is None


async def test_an_admin_grants_and_the_person_is_told(app, person) -> None:
    admin = person("admin")
    replies = await admin.send("/grant console:lin director 高雄")
    assert "已将" in replies[0].text
    lin = await app.users.find("console", "lin")
    assert (lin.role, lin.committee_name) == (Role.DIRECTOR, "高雄")
    parcels = await app.outbox.claim("console", "t", chat_id="lin")
    assert "居委会主任" in parcels[0].reply.text


async def test_grant_refuses_bad_input_and_changes_nothing(app, person) -> None:
    admin = person("admin")
    assert "不是有效的角色" in (await admin.send("/grant console:lin boss"))[0].text
    assert "写明居委会" in (await admin.send("/grant console:lin 主任"))[0].text
    assert "没有找到" in (await admin.send("/grant console:lin 主任 火星"))[0].text
    assert await app.users.find("console", "lin") is None


async def test_help_lists_only_what_the_role_may_use(app, person) -> None:
    resident_help = "\n".join(r.text for r in await person("res").send("/help"))
    admin_help = "\n".join(r.text for r in await person("admin").send("/help"))
    assert (
        "/join" in resident_help and "/grant" not in resident_help and "/bind" not in resident_help
    )
    assert "/grant" in admin_help and "/bind" in admin_help


async def test_bind_a_group(app, person) -> None:
    group = Chat("console", "new-group", ChatKind.GROUP, "高雄3号楼群")
    director = person("gaoxiong-director", chat=group)
    refused = await director.send("/bind 三门 居民群")
    assert "自己所在的居委会" in refused[0].text
    done = await director.send("/bind 居民群")
    assert "高雄" in done[0].text
    [record] = [c for c in await app.chats.groups() if c.external_id == "new-group"]
    assert record.committee_name == "高雄" and {t.value for t in record.tags} == {"residents"}
    resident = person("someone", chat=group)
    assert "权限" in (await resident.send("/bind 居民群"))[0].text


async def test_a_director_binds_only_their_own_committees_groups(app, person) -> None:
    """Not another committee's group, and not a staff group that gets every committee's reports."""
    director = person("sanmen-director", chat=Chat("console", "gaoxiong-residents", ChatKind.GROUP))
    assert "自己所在的居委会" in (await director.send("/bind 居民群"))[0].text
    in_staff_group = person("sanmen-director", chat=Chat("console", "staff-group", ChatKind.GROUP))
    assert "工作人员" in (await in_staff_group.send("/bind 居民群"))[0].text
    new_group = person("sanmen-director", chat=Chat("console", "sanmen-7", ChatKind.GROUP))
    assert "工作人员" in (await new_group.send("/bind 工作群"))[0].text
    assert "工作人员" in (await new_group.send("/bind 主任群"))[0].text
    groups = {c.external_id: c for c in await app.chats.groups()}
    assert groups["gaoxiong-residents"].committee_name == "高雄"
    assert groups["staff-group"].tags == {Tag.STAFF}
    assert groups["sanmen-7"].tags == frozenset()
    assert "三门" in (await new_group.send("/bind 居民群 居委会群"))[0].text


async def test_unknown_commands_and_plain_text_get_help(app, person) -> None:
    someone = person("someone")
    assert "/help" in (await someone.send("/fly"))[0].text
    assert "/help" in (await someone.send("你好呀"))[0].text
    group = Chat("console", "sanmen-residents", ChatKind.GROUP)
    assert await person("someone", chat=group).send("大家好") == []  # silent in groups


async def test_in_groups_only_words_to_the_bot_count(app, person) -> None:
    """Neighbours chatting 报名, 帮助, 取消 or 1 in a group are not talking to the bot."""
    group = Chat("console", "sanmen-residents", ChatKind.GROUP)
    wu = person("wu", chat=group)
    asked = await wu.router.handle(
        Incoming(group, wu.sender, text="加装电梯需要多少业主同意？", mentions_bot=True)
    )
    assert asked[-1].options  # 有帮助 / 没帮助
    for said in ("报名", "帮助", "取消", "1", "有帮助"):
        assert await wu.send(said) == [], said
    assert await app.db.scalar("SELECT COUNT(*) FROM faq_feedback") == 0
    pressed = await wu.router.handle(Incoming(group, wu.sender, text="1", mentions_bot=True))
    assert "谢谢" in pressed[0].text
    helped = await wu.router.handle(Incoming(group, wu.sender, text="帮助", mentions_bot=True))
    assert "/events" in helped[0].text
