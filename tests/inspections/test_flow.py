"""/inspect (排摸) through the router: items passed and failed, the linked hazard report, only
one's own committee, inspecting again after the hazards close, and /inspection for staff."""

from __future__ import annotations

import json
from datetime import date

from bot.app import App
from bot.hazards.model import Category, Status
from bot.hazards.service import HazardService
from bot.inspections.campaigns import Campaigns
from bot.inspections.places import Register
from bot.inspections.progress import coverage
from bot.messages import FileRef
from tests.conftest import take_mail
from tests.inspections.helpers import register_venues, texts, venue_campaign


async def test_a_director_passes_one_place_and_reports_a_failed_item_of_another(
    app: App, person
) -> None:  # type: ignore[no-untyped-def]
    await register_venues(app)
    campaign = await venue_campaign(app)
    director = person("sanmen-director")

    first = await director.send("/inspect")  # one campaign running: straight to the places
    assert [o.label.split("｜")[1] for o in first[-1].options] == [
        "三门小吃店",
        "丰收美发",
        "老王五金",
    ]
    assert "高雄便利店" not in texts(first)
    assert "灭火器在有效期内" in texts(await director.send("小吃"))  # part of a name finds it
    for _ in range(4):
        await director.send("合格")
    saved = await director.send("确认提交")
    assert "合格 4 项，不合格 0 项" in texts(saved)
    assert not any(r.options for r in saved)  # nothing to report

    await director.send("/inspect")
    await director.send("丰收")
    asked_photo = await director.send("不合格")
    assert "请拍一张现场照片" in texts(asked_photo)
    await director.deliver({"photo": FileRef("console", "fire.jpg", "fire.jpg", "image/jpeg")})
    await director.send("灭火器已过期两个月")
    for answer in ("合格", "不适用", "合格"):
        await director.send(answer)
    summary = await director.send("确认提交")
    assert "合格 2 项，不合格 1 项，不适用 1 项" in texts(summary)
    (button,) = summary[-1].options
    assert button.label == "上报隐患：灭火器在有效期内"

    reported = await director.press(button.value)
    assert "已上报隐患，编号 YH-20260718-0001" in texts(reported)
    assert "丰收美发" in texts(reported)
    again = await director.press(button.value)  # pressed twice: the same report
    assert "YH-20260718-0001" in texts(again)

    service = HazardService.of(app)
    report = await service.by_ref("YH-20260718-0001")
    assert report is not None and await service.by_ref("YH-20260718-0002") is None
    assert report.category is Category.SMALL_VENUE
    assert report.committee_name == "三门" and report.address == "三门路 20号"
    assert (
        "九小场所消防专项排摸" in report.description and "灭火器已过期两个月" in report.description
    )
    (photo,) = await service.photos(report)
    assert photo.file_id == "fire.jpg"
    staff = [p.reply.text for p in await take_mail(app, "staff-group")]
    assert any("YH-20260718-0001" in t for t in staff)

    (sanmen, gaoxiong) = await coverage(app, campaign)
    assert (sanmen.committee, sanmen.places, sanmen.checked, sanmen.hazards) == ("三门", 3, 2, 1)
    assert (gaoxiong.committee, gaoxiong.places, gaoxiong.checked) == ("高雄", 1, 0)
    row = await app.db.fetchone("SELECT photos FROM inspection_items WHERE result = 'fail'")
    assert row is not None and json.loads(row["photos"])[0]["file_id"] == "fire.jpg"


async def test_a_director_cannot_inspect_another_committees_places(app: App, person) -> None:  # type: ignore[no-untyped-def]
    await register_venues(app)
    await venue_campaign(app)
    gaoxiong_place = (await Register(app).search(kinds=["九小场所"]))[-1]
    assert gaoxiong_place.committee == "高雄"
    director = person("sanmen-director")
    await director.send("/inspect")
    refused = await director.send("高雄便利店")  # not among the choices
    assert "请点选一个选项" in texts(refused)
    pressed = await director.press(str(gaoxiong_place.id))  # a forged button value
    assert "请点选一个选项" in texts(pressed)
    count = await app.db.scalar("SELECT COUNT(*) FROM inspections")
    assert count == 0


async def test_a_place_is_inspected_again_only_after_its_hazards_close(app: App, person) -> None:  # type: ignore[no-untyped-def]
    register = Register(app)
    await register.add("三门", "九小场所", "三门小吃店", "三门路 12号")
    await venue_campaign(app)
    director = person("sanmen-director")
    await director.send("/inspect")  # the only place: chosen by typing it
    await director.send("三门小吃店")
    await director.send("不合格")
    await director.send("跳过")
    await director.send("灭火器过期")
    for _ in range(3):
        await director.send("合格")
    summary = await director.send("确认提交")
    await director.press(summary[-1].options[0].value)

    assert "都已检查完毕" in texts(await director.send("/inspect"))
    service = HazardService.of(app)
    report = await service.by_ref("YH-20260718-0001")
    assert report is not None
    for status in (Status.ACCEPTED, Status.RESOLVED):
        report = await service.move(None, report.id, status)
    await app.db.execute(
        "UPDATE hazard_reports SET status = 'closed' WHERE id = ?", (report.id,)
    )  # the reporter's 已整改到位
    reopened = await director.send("/inspect")
    assert [o.label for o in reopened[-1].options] == ["九小场所｜三门小吃店｜三门路 12号"]
    await director.send("1")
    for _ in range(4):
        await director.send("合格")
    assert "合格 4 项" in texts(await director.send("确认提交"))
    (sanmen,) = await coverage(app, (await Campaigns(app).all())[0])
    # the first round's hazard still counts for the campaign, now closed
    assert (sanmen.checked, sanmen.failed_items, sanmen.hazards, sanmen.hazards_closed) == (
        1, 1, 1, 1,
    )  # fmt: skip


async def test_staff_start_a_campaign_in_chat_and_the_directors_group_hears_of_it(
    app: App, person
) -> None:  # type: ignore[no-untyped-def]
    await register_venues(app)
    staff = person("staff")
    await staff.send("/inspection")
    await staff.send("电动车充电专项排摸")
    assert "YYYY-MM-DD" in texts(await staff.send("8月1日"))  # bad input: asked again
    await staff.send("2026-07-20")
    await staff.send("2026-08-31")
    await staff.send("九小场所")
    await staff.send("2026-08-15 50%，2026-08-31 100%")
    done = await staff.send("确认提交")
    assert "已发起专项行动 #1" in texts(done)
    (campaign,) = await Campaigns(app).all()
    assert [(n.due_on.isoformat(), n.percent) for n in campaign.nodes] == [
        ("2026-08-15", 50),
        ("2026-08-31", 100),
    ]
    (post,) = await take_mail(app, "directors-group")
    assert "电动车充电专项排摸" in post.reply.text and "丰收美发" in post.reply.text
    assert "高雄便利店" in post.reply.text

    director = person("sanmen-director")
    refused = texts(await director.send("/inspection"))
    assert "请选择" not in refused and await Campaigns(app).get(2) is None


async def test_rounds_refuse_another_committees_place_even_when_asked_directly(app: App) -> None:
    from bot.inspections import rounds

    await register_venues(app)
    campaign = await venue_campaign(app)
    director = await app.users.find("console", "sanmen-director")
    assert director is not None
    gaoxiong = next(p for p in await Register(app).search() if p.committee == "高雄")
    results = [rounds.ItemResult("灭火器在有效期内", "pass")]
    try:
        await rounds.save(app, director, campaign, gaoxiong.id, results, "forged")
    except rounds.RoundError as exc:
        assert exc.key == "inspections.not_yours"
    else:
        raise AssertionError("saved another committee's place")
    assert await app.db.scalar("SELECT COUNT(*) FROM inspections") == 0


async def test_many_places_show_a_few_buttons_and_any_is_found_by_typing(app: App, person) -> None:  # type: ignore[no-untyped-def]
    register = Register(app)
    for n in range(1, 13):
        await register.add("三门", "居民楼/门栋", f"三门小区 {n}号楼", f"三门路 100弄 {n}号")
    await Campaigns(app).add(
        "楼道堆物排摸", date(2026, 7, 1), date(2026, 8, 31), ["居民楼/门栋"], [], []
    )
    director = person("sanmen-director")
    shown = (await director.send("/inspect"))[-1].options
    assert len(shown) == 8
    assert "楼道无堆物" in texts(await director.send("12号楼"))  # not among the buttons
    for _ in range(3):
        await director.send("合格")
    summary = texts(await director.send("合格"))
    assert "场所：居民楼/门栋｜三门小区 12号楼｜三门路 100弄 12号" in summary
    assert "已保存「三门小区 12号楼」" in texts(await director.send("确认提交"))


async def test_a_campaign_with_its_own_checklist_asks_those_items(app: App, person) -> None:  # type: ignore[no-untyped-def]
    from bot.inspections.checklists import ChecklistError, parse

    await register_venues(app)
    own = parse("九小场所:\n  - 灭火器在有效期内\n  - 液化气钢瓶不超过一瓶\n")
    await Campaigns(app).add(
        "液化气专项", date(2026, 7, 1), date(2026, 8, 31), ["九小场所"], [], [], own
    )
    director = person("sanmen-director")
    await director.send("/inspect")
    await director.send("1")
    assert "液化气钢瓶不超过一瓶" in texts(await director.send("合格"))
    summary = texts(await director.send("不适用"))
    assert "第 2 项：不适用" in summary and "第 3 项" not in summary
    try:
        parse("九小场所: 灭火器")
    except ChecklistError as exc:
        assert "1–8 条" in str(exc)
    else:
        raise AssertionError("a list that is not a list was taken")
