"""Staff and director tools that show residents' data answer only in private: in a group they
point to the private chat (a deep link where the platform has one) and show nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import App
from bot.events.model import NewEvent
from bot.events.service import Events
from bot.messages import Chat, ChatKind, Reply
from tests.hazards.test_flow import REF, file_report

RESIDENTS = Chat("console", "sanmen-residents", ChatKind.GROUP, "三门居民区居民群")
STAFF = Chat("console", "staff-group", ChatKind.GROUP, "工作群")
ADDRESS, DESCRIPTION = "三门小区 7号楼 601室", "独居的李阿婆这两天没有开门，敲门没有回应"


def shown(replies: list[Reply]) -> str:
    return "\n".join([r.text for r in replies] + [o.label for r in replies for o in r.options])


async def elderly_report(person) -> str:  # type: ignore[no-untyped-def]
    """A 独居孤寡老人安全 report; its reference."""
    done = await file_report(
        person("wang", "王秀英"), category="6", address=ADDRESS, description=DESCRIPTION
    )
    found = REF.search(shown(done))
    assert found is not None
    return found.group()


async def test_reports_in_a_residents_group_link_to_the_private_chat(app: App, person) -> None:  # type: ignore[no-untyped-def]
    ref = await elderly_report(person)
    app.deep_linkers["console"] = lambda payload: f"https://example.org/start?{payload}"
    director = person("sanmen-director", chat=RESIDENTS)
    for typed in ("/reports", f"/reports {ref}", "/reports 待受理"):
        replies = await director.send(typed)
        assert ADDRESS not in shown(replies) and DESCRIPTION not in shown(replies)
        assert "私聊" in shown(replies) and not any(r.options for r in replies)
        (link,) = replies[-1].links
        assert link.url.startswith("https://example.org/start?reports")
    assert (await director.send(f"/reports {ref}"))[-1].links[0].url.endswith(f"reports_{ref}")
    # The link's /start opens the card in the private chat.
    private = await person("sanmen-director").send(f"/start reports_{ref}")
    assert ADDRESS in shown(private) and DESCRIPTION in shown(private)


async def test_report_buttons_pressed_in_a_residents_group_show_nothing(app: App, person) -> None:  # type: ignore[no-untyped-def]
    await elderly_report(person)
    (report_id,) = [r[0] for r in await app.db.fetchall("SELECT id FROM hazard_reports")]
    staff = person("staff", chat=RESIDENTS)
    for value in (f"hz:card:{report_id}", "hz:list:-:-:-:0:1", f"hz:accepted:{report_id}"):
        replies = await staff.press(value)
        assert ADDRESS not in shown(replies) and DESCRIPTION not in shown(replies)
        assert "私聊" in shown(replies)
    # In the staff group, where reports are announced, the card still opens (without names).
    card = shown(await person("staff", chat=STAFF).press(f"hz:card:{report_id}"))
    assert ADDRESS in card and "王秀英" not in card


async def test_checkin_in_a_group_does_not_echo_the_name(app: App, person) -> None:  # type: ignore[no-untyped-def]
    starts = datetime(2026, 7, 18, 6, 0, tzinfo=UTC)
    event = await Events.of(app).create(
        NewEvent(title="消防演练", starts_at=starts, place="三门居委会活动室"), by="test"
    )
    mo = person("mo")
    for said in (f"/events {event.id}", "莫阿姨", "确认提交"):
        await mo.send(said)
    code = (await Events.of(app).roster(event.id)).confirmed[0].signup.code  # type: ignore[union-attr]
    at_the_door = person("staff", chat=RESIDENTS)
    done = shown(await at_the_door.send(f"/checkin {code}"))
    assert "签到成功" in done and "莫阿姨" not in done
    again = shown(await at_the_door.send(f"/checkin {code}"))
    assert "已经" in again and "莫阿姨" not in again
    assert "莫阿姨" in shown(await person("staff").send(f"/checkin {code}"))  # private: named


async def test_notices_report_in_a_group_links_to_the_private_chat(person) -> None:  # type: ignore[no-untyped-def]
    replies = await person("staff", chat=STAFF).send("/notices 1")
    assert "私聊" in shown(replies) and "/notices 1" in shown(replies)


async def test_a_director_cannot_move_or_see_another_committees_report(app: App, person) -> None:  # type: ignore[no-untyped-def]
    ref = await elderly_report(person)  # a 三门 report
    (report_id,) = [r[0] for r in await app.db.fetchall("SELECT id FROM hazard_reports")]
    other = person("gaoxiong-director")
    card = shown(await other.press(f"hz:card:{report_id}"))
    typed = shown(await other.send(f"/report_update {report_id} resolved"))
    pressed = shown(await other.press(f"hz:resolved:{report_id}"))
    assert typed == pressed == card == f"没有找到隐患报告 {report_id}。"
    assert ref not in typed + pressed
    by_ref = shown(await other.send(f"/reports {ref}"))  # as for a reference that does not exist
    assert by_ref == f"没有找到隐患报告 {ref}。" and ADDRESS not in by_ref
