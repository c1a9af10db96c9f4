"""The closed loop: transitions and who may make them, notices, overdue, list, card, digests."""

from __future__ import annotations

import itertools
import struct
from datetime import timedelta
from typing import Any

import pytest

from bot.hazards import digest as digest_module
from bot.hazards.digest import overdue_digest, send_digests, weekly_summary
from bot.hazards.model import (
    TRANSITIONS,
    Category,
    Department,
    HazardError,
    Report,
    Status,
    address_similarity,
    may_move,
)
from bot.hazards.repo import NewReport
from bot.hazards.service import HazardService
from bot.messages import Chat, ChatKind, FileRef
from bot.roles import Role
from bot.users import User
from tests.conftest import take_mail

COMMITTEES = {"三门": 1, "高雄": 2, "西二": 3}


def texts(replies) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(r.text for r in replies)


async def new_report(
    app,
    reporter: str = "alice",
    committee: str = "三门",
    category: Category = Category.PASSAGE,
    address: str = "三门小区 3号楼 楼道",
) -> Report:
    user = await app.users.ensure("console", reporter)
    await app.users.rename(user, "王阿姨")
    new = NewReport(
        category,
        COMMITTEES[committee],
        address,
        None,
        None,
        "楼道堆满纸箱",
        False,
        user.id,
        user.ref,
        [],
    )
    return await HazardService.of(app).file(new, None)


def fake_user(role: Role, committee_id: int | None = None, user_id: int = 99) -> User:
    return User(user_id, "console", "x", "", None, None, role, committee_id, None)


def fake_report(status: Status, committee_id: int = 1) -> Report:
    from datetime import UTC, datetime

    now = datetime(2026, 7, 18, tzinfo=UTC)
    return Report(
        1, "YH-20260718-0001", Category.OTHER, committee_id, "三门", "a", None, None, "d",
        False, status, None, None, 5, now, now, None, None, None,
    )  # fmt: skip


# -- the transition table and who may use it ----------------------------------------------------


@pytest.mark.parametrize("source", list(Status))
@pytest.mark.parametrize("target", list(Status))
def test_every_pair_for_every_role(source: Status, target: Status) -> None:
    report = fake_report(source, committee_id=1)
    allowed = target in TRANSITIONS[source]
    assert may_move(None, report, target) is allowed  # staff at the command line
    assert may_move(fake_user(Role.STAFF), report, target) is allowed
    assert may_move(fake_user(Role.ADMIN), report, target) is allowed
    assert may_move(fake_user(Role.RESIDENT, 1), report, target) is False
    own_director = fake_user(Role.DIRECTOR, 1)
    assert may_move(own_director, report, target) is (allowed and target is Status.RESOLVED)
    assert may_move(fake_user(Role.DIRECTOR, 2), report, target) is False


def test_closed_loop_is_reachable() -> None:
    path = [Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED, Status.RESOLVED, Status.CLOSED]
    assert all(b in TRANSITIONS[a] for a, b in itertools.pairwise(path))
    assert not TRANSITIONS[Status.CLOSED] and not TRANSITIONS[Status.DUPLICATE]


def test_move_texts_exist_for_every_reachable_status_and_no_other() -> None:
    from bot.i18n import LANGUAGES

    reachable = {target.value for targets in TRANSITIONS.values() for target in targets}
    for catalogue in LANGUAGES.values():
        for prefix in ("hazard.action.", "hazard.told."):
            named = {k.removeprefix(prefix) for k in catalogue if k.startswith(prefix)}
            assert named - {"note"} == reachable, prefix


async def test_service_refusals(app) -> None:
    service = HazardService.of(app)
    report = await new_report(app)
    resident = await app.users.ensure("console", "alice")
    with pytest.raises(HazardError) as refused:
        await service.move(resident, report.id, Status.ACCEPTED, "x")
    assert refused.value.key == "hazard.move.forbidden"
    await service.move(None, report.id, Status.ACCEPTED, "")
    other = await app.users.find("console", "gaoxiong-director")
    with pytest.raises(HazardError) as refused:
        await service.move(other, report.id, Status.RESOLVED, "done")
    assert refused.value.key == "hazard.move.own_committee_only"
    own = await app.users.find("console", "sanmen-director")
    with pytest.raises(HazardError):
        await service.move(own, report.id, Status.REJECTED, "no")
    with pytest.raises(HazardError) as refused:
        await service.move(None, report.id, Status.ASSIGNED, "")
    assert refused.value.key == "hazard.move.need_department"
    with pytest.raises(HazardError) as refused:
        await service.move(None, report.id, Status.REJECTED, "")
    assert refused.value.key == "hazard.move.need_reason"
    with pytest.raises(HazardError) as refused:
        await service.move(None, report.id, Status.DUPLICATE, "", duplicate_of=report.ref)
    assert refused.value.key == "hazard.move.need_original"
    with pytest.raises(HazardError) as refused:
        await service.move(None, report.id, Status.CLOSED, "")
    assert refused.value.key == "hazard.move.not_from"
    moved = await service.move(own, report.id, Status.RESOLVED, "已清理")
    assert moved.status is Status.RESOLVED


async def test_duplicate_points_at_the_original(app) -> None:
    service = HazardService.of(app)
    original = await new_report(app)
    copy = await new_report(app, reporter="bob")
    moved = await service.move(None, copy.id, Status.DUPLICATE, "", duplicate_of=original.ref)
    assert moved.status is Status.DUPLICATE and moved.duplicate_of == original.ref
    told = await take_mail(app, "bob")
    assert original.ref in told[0].reply.text


# -- in chat: buttons, flows and notifications ------------------------------------------------


async def test_a_resident_cannot_press_staff_buttons(app, person) -> None:
    report = await new_report(app)
    alice = person("alice")
    refused = await alice.press(f"hz:accepted:{report.id}")
    assert "权限" in texts(refused)
    assert "权限" in texts(await alice.send("/reports"))
    assert (await HazardService.of(app).get(report.id)).status is Status.SUBMITTED  # type: ignore[union-attr]


async def test_a_director_resolves_only_their_own_committees_reports(app, person) -> None:
    service = HazardService.of(app)
    report = await new_report(app)
    await service.move(None, report.id, Status.ACCEPTED, "")
    gaoxiong = person("gaoxiong-director")
    refused = await gaoxiong.press(f"hz:resolved:{report.id}")
    # Another committee's report is not found at all: its reference and status stay hidden.
    assert texts(refused) == texts(await gaoxiong.press(f"hz:card:{report.id}"))
    assert f"没有找到隐患报告 {report.id}" in texts(refused) and report.ref not in texts(refused)
    sanmen = person("sanmen-director")
    refused = await sanmen.press(f"hz:rejected:{report.id}")
    assert "不能把它改为「不予受理」" in texts(refused)
    card = await sanmen.press(f"hz:card:{report.id}")
    assert [o.value for o in card[0].options] == [f"hz:resolved:{report.id}"]
    await sanmen.press(f"hz:resolved:{report.id}")
    await sanmen.send("纸箱已清走")
    done = await sanmen.send("确认提交")
    assert "已改为「已整改」" in texts(done)


async def test_staff_walk_a_report_to_closure_and_the_reporter_hears_each_step(
    app, person, clock
) -> None:
    report = await new_report(app)
    await take_mail(app, "staff-group")
    hal = await app.users.find("console", "alice")
    await app.users.set_language(hal, "en")
    staff = person("staff")

    ask = await staff.press(f"hz:accepted:{report.id}")
    assert report.ref in texts(ask) and "已受理" in texts(ask)
    await staff.send("跳过")
    await staff.send("确认提交")
    told = await take_mail(app, "alice")
    assert "has been accepted" in told[0].reply.text  # in the reporter's own language

    await staff.press(f"hz:assigned:{report.id}")
    await staff.send("物业")
    await staff.send("请物业三天内清理")
    done = await staff.send("确认提交")
    assert "已派单" in texts(done)
    told = await take_mail(app, "alice")
    assert "Property management" in told[0].reply.text and "三天内清理" in told[0].reply.text

    await staff.press(f"hz:resolved:{report.id}")
    await staff.send("已清理")
    await staff.send("确认提交")
    told = await take_mail(app, "alice")
    assert "is it really fixed" in told[0].reply.text
    assert [o.value for o in told[0].reply.options] == [
        f"hzok:yes:{report.id}",
        f"hzok:no:{report.id}",
    ]
    card = await staff.press(f"hz:card:{report.id}")
    assert f"hz:closed:{report.id}" not in [o.value for o in card[0].options]
    with pytest.raises(HazardError) as waiting:
        await HazardService.of(app).move(None, report.id, Status.CLOSED, "")
    assert waiting.value.key == "hazard.move.wait_for_reporter"

    clock.advance(timedelta(days=3))
    card = await staff.press(f"hz:card:{report.id}")
    assert f"hz:closed:{report.id}" in [o.value for o in card[0].options]
    await staff.press(f"hz:closed:{report.id}")
    await staff.send("跳过")
    await staff.send("确认提交")
    final = await HazardService.of(app).get(report.id)
    assert final is not None and final.status is Status.CLOSED and final.closed_at == clock.now()
    history = await HazardService.of(app).history(final)
    assert [e.status for e in history] == [
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.ASSIGNED,
        Status.RESOLVED,
        Status.CLOSED,
    ]
    assert history[2].note == "请物业三天内清理" and history[2].actor == "console:staff"
    assert history[2].actor_name == "王青平（社区平安办）"


async def test_reporter_confirms_the_fix(app, person) -> None:
    service = HazardService.of(app)
    report = await new_report(app)
    await service.move(None, report.id, Status.ACCEPTED, "")
    await service.move(None, report.id, Status.RESOLVED, "")
    stranger = person("mallory")
    assert "只有上报人" in texts(await stranger.press(f"hzok:yes:{report.id}"))
    alice = person("alice")
    assert "已结案" in texts(await alice.press(f"hzok:yes:{report.id}"))
    closed = await service.get(report.id)
    assert closed is not None and closed.status is Status.CLOSED
    assert (await service.history(closed))[-1].kind == "verified"
    assert "不需要再确认" in texts(await alice.press(f"hzok:yes:{report.id}"))


async def test_only_the_yes_button_closes_a_report(app, person) -> None:
    service = HazardService.of(app)
    report = await new_report(app)
    await service.move(None, report.id, Status.ACCEPTED, "")
    await service.move(None, report.id, Status.RESOLVED, "")
    alice = person("alice")
    for stale in (f"hzok:maybe:{report.id}", f"hzok:{report.id}", "hzok:yes:x"):
        await alice.press(stale)
    still = await service.get(report.id)
    assert still is not None and still.status is Status.RESOLVED


async def test_reporter_says_not_fixed_and_staff_hear_why(app, person) -> None:
    service = HazardService.of(app)
    report = await new_report(app)
    await service.move(None, report.id, Status.ASSIGNED, "", department=Department.PROPERTY)
    await service.move(None, report.id, Status.RESOLVED, "")
    await take_mail(app, "staff-group")
    alice = person("alice")
    ask = await alice.press(f"hzok:no:{report.id}")
    assert "哪里还没有整改好" in texts(ask)
    await alice.send("纸箱又堆回来了")
    done = await alice.send("确认提交")
    assert "已重新打开" in texts(done)
    reopened = await service.get(report.id)
    assert reopened is not None and reopened.status is Status.ASSIGNED
    assert reopened.resolved_at is None
    told = await take_mail(app, "staff-group")
    assert "纸箱又堆回来了" in told[0].reply.text and "王阿姨" not in told[0].reply.text


async def test_card_shows_reporter_privately_to_staff_only(app, person) -> None:
    report = await new_report(app)
    alice = await app.users.find("console", "alice")
    await app.users.join(alice, 1, "王阿姨", "13812345678")
    await app.db.execute(
        "INSERT INTO hazard_photos (report_id, platform, file_id, added_at) VALUES (?, ?, ?, ?)",
        (report.id, "console", "p1.jpg", "2026-07-18T02:00:00+00:00"),
    )
    staff = person("staff")
    card = await staff.press(f"hz:card:{report.id}")
    assert "13812345678" in card[0].text and "处理记录" in card[0].text
    assert card[1].photo is not None and card[1].photo.ref == FileRef(
        "console", "p1.jpg", "p1.jpg", "image/jpeg"
    )
    group = Chat("console", "staff-group", ChatKind.GROUP, "工作群")
    in_group = await person("staff", chat=group).press(f"hz:card:{report.id}")
    assert "13812345678" not in in_group[0].text
    director = await person("sanmen-director").press(f"hz:card:{report.id}")
    assert "13812345678" in director[0].text
    refused = await person("xier-director").press(f"hz:card:{report.id}")
    assert "没有找到" in texts(refused)
    by_ref = await staff.send(f"/reports {report.ref}")
    assert report.ref in by_ref[0].text


async def test_card_in_a_group_names_no_resident_even_in_its_history(app, person) -> None:
    report = await new_report(app)  # filed by 王阿姨
    bob = await app.users.ensure("console", "bob")
    await app.users.rename(bob, "李伯伯")
    service = HazardService.of(app)
    await service.supplement(bob, report, "又看到纸箱了", [], "same-1")
    group = Chat("console", "staff-group", ChatKind.GROUP, "工作群")
    in_group = (await person("staff", chat=group).press(f"hz:card:{report.id}"))[0].text
    assert "王阿姨" not in in_group and "李伯伯" not in in_group
    assert "上报（上报人）" in in_group and "补充情况（居民）" in in_group
    private = (await person("staff").press(f"hz:card:{report.id}"))[0].text
    assert "上报（王阿姨）" in private and "补充情况（李伯伯）" in private


# -- overdue, the list, digests -------------------------------------------------------------


async def test_overdue_in_calendar_days_with_the_injected_clock(app, clock) -> None:
    app.settings.hazard_deadline_days = "calendar"  # the clock starts on a Saturday
    service = HazardService.of(app)
    late = await new_report(app)
    clock.advance(timedelta(hours=23, minutes=59))
    assert service.rules.overdue(late, clock.now()) is None
    assert await service.overdue() == []
    clock.advance(timedelta(minutes=1))
    assert service.rules.overdue(late, clock.now()) == "accept"
    assert [r.ref for r in await service.overdue()] == [late.ref]
    accepted = await service.move(None, late.id, Status.ACCEPTED, "")
    assert service.rules.overdue(accepted, clock.now()) is None
    clock.advance(timedelta(days=6))
    assert service.rules.overdue(accepted, clock.now()) == "resolve"
    resolved = await service.move(None, late.id, Status.RESOLVED, "")
    assert service.rules.overdue(resolved, clock.now()) is None
    assert await service.overdue() == []


async def test_overdue_limits_are_settings(app, settings, clock) -> None:
    app.settings.hazard_deadline_days = "calendar"  # the clock starts on a Saturday
    settings.hazard_accept_hours = 2
    report = await new_report(app)
    clock.advance(timedelta(hours=2))
    assert HazardService.of(app).rules.overdue(report, clock.now()) == "accept"


async def test_list_filters_and_pages(app, person, clock) -> None:
    app.settings.hazard_deadline_days = "calendar"  # the clock starts on a Saturday
    for n in range(7):
        await new_report(app, reporter=f"r{n}", address=f"三门小区 {n}号楼 楼道")
    await new_report(app, reporter="g", committee="高雄", category=Category.GROUP_RENTAL)
    staff = person("staff")
    first = await staff.send("/reports")
    assert "共 8 条" in first[0].text and "第 1/2 页" in first[0].text
    next_value = first[0].options[-1].value
    assert first[0].options[-1].label == "下一页"
    second = await staff.press(next_value)
    assert "第 2/2 页" in second[0].text and second[0].options[-1].label == "上一页"
    rentals = await staff.send("/reports 群租房")
    assert "共 1 条" in rentals[0].text and "高雄" in rentals[0].text
    assert "共 7 条" in (await staff.send("/reports 三门 待受理"))[0].text
    assert "没有符合" in texts(await staff.send("/reports 超时"))
    clock.advance(timedelta(days=1))
    assert "共 8 条" in (await staff.send("/reports overdue"))[0].text
    assert "没看懂" in texts(await staff.send("/reports 火星"))
    director = await person("gaoxiong-director").send("/reports")
    assert "共 1 条" in director[0].text  # a director lists their own committee's


async def test_daily_digest(app, clock) -> None:
    app.settings.hazard_deadline_days = "calendar"  # the clock starts on a Saturday
    assert await overdue_digest(app) is None
    assert await send_digests(app, "daily") == 0
    await new_report(app)
    await new_report(app, reporter="amy", category=Category.ELDERLY, address="西二 独居老人家")
    clock.advance(timedelta(days=2))
    digest = await overdue_digest(app)
    assert digest is not None and "2 条" in digest.text and "已 2 天" in digest.text
    without = await overdue_digest(app, include_sensitive=False)
    assert without is not None and "独居" not in without.text
    await take_mail(app, "staff-group")
    assert await send_digests(app, "daily") == 1
    await send_digests(app, "daily")  # once a day, however often it runs
    posted = await take_mail(app, "staff-group")
    assert len(posted) == 1 and "超时隐患提醒" in posted[0].reply.text
    clock.advance(timedelta(days=1))
    await send_digests(app, "daily")
    assert len(await take_mail(app, "staff-group")) == 1


async def test_weekly_summary_with_chart(app, clock) -> None:
    service = HazardService.of(app)
    one = await new_report(app)
    await new_report(app, reporter="b", committee="高雄", category=Category.EBIKE)
    await new_report(app, reporter="c", committee="高雄", category=Category.EBIKE, address="x楼")
    await service.move(None, one.id, Status.REJECTED, "不在辖区")
    summary = await weekly_summary(app)
    assert "本周新上报 3 条" in summary.text and "结案 1 条" in summary.text
    assert "高雄：2" in summary.text and "不予受理：1" in summary.text
    assert summary.photo is not None and summary.photo.data is not None
    png = summary.photo.data
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1080, 1440)  # a phone screen's width
    await take_mail(app, "staff-group")
    assert await send_digests(app, "weekly") == 1
    await send_digests(app, "weekly")
    posted = await take_mail(app, "staff-group")
    assert len(posted) == 1 and posted[0].reply.photo is not None


async def test_weekly_summary_draws_its_chart_only_for_a_group_still_to_be_sent_it(
    app, monkeypatch: pytest.MonkeyPatch
) -> None:
    await new_report(app)
    drawn: list[int] = []
    real = digest_module.weekly_chart

    def counting(*args: Any, **kwargs: Any) -> Any:
        drawn.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(digest_module, "weekly_chart", counting)
    assert await send_digests(app, "weekly") == 1
    assert len(drawn) == 1
    # This week's summary is in the staff group already: asked again, nothing is drawn.
    assert await send_digests(app, "weekly") == 0
    assert len(drawn) == 1
    plain = await weekly_summary(app, chart=False)
    assert "本周新上报 1 条" in plain.text and plain.photo is None
    assert len(drawn) == 1


def test_address_similarity() -> None:
    assert address_similarity("三门小区 5号楼 2单元", "三门小区五号楼二单元一楼") == 1.0
    assert address_similarity("高雄新村12号楼", "高雄新村 12 号楼 3 单元") == 1.0
    assert address_similarity("三门小区 5号楼", "西藏南路 1200 弄") < 0.5
    assert address_similarity("", "x") == 0.0
