"""Progress per committee, the per-place spreadsheet, time-node reminders under the fake clock,
and the weekly hazard summary's campaign line."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from openpyxl import load_workbook

from bot.app import App
from bot.chats import Tag
from bot.clock import FakeClock
from bot.hazards.digest import weekly_summary
from bot.inspections import rounds
from bot.inspections.campaigns import Campaign, Node
from bot.inspections.places import HIDDEN, Register
from bot.inspections.progress import coverage, place_sheet, statuses
from bot.inspections.reminders import remind_nodes
from bot.messages import Chat, ChatKind
from tests.conftest import take_mail
from tests.inspections.helpers import register_venues, texts, venue_campaign

ITEMS = ("灭火器在有效期内", "疏散通道畅通", '无"三合一"住人', "电气线路无私拉乱接")


async def inspect(app: App, campaign: Campaign, name: str, *, failed: bool = False) -> None:
    """The 三门 director inspects one place (the first item 不合格 when ``failed``)."""
    director = await app.users.find("console", "sanmen-director")
    assert director is not None
    place = next(p for p in await Register(app).search() if p.name == name)
    results = [
        rounds.ItemResult(item, "fail" if failed and n == 0 else "pass", "过期" if failed else "")
        for n, item in enumerate(ITEMS)
    ]
    saved = await rounds.save(app, director, campaign, place.id, results, f"run-{name}")
    for item in saved:
        if item.result == "fail":
            await rounds.file_hazard(app, director, item.id)


async def test_progress_counts_places_checked_hazards_and_the_node_behind(
    app: App, clock: FakeClock
) -> None:
    await register_venues(app)
    await Register(app).add("西二", "居民楼/门栋", "西二 1号楼", "西二小区 1号楼")  # not covered
    campaign = await venue_campaign(app, Node(date(2026, 7, 20), 50))
    await inspect(app, campaign, "三门小吃店")
    await inspect(app, campaign, "丰收美发", failed=True)
    await app.db.execute("UPDATE hazard_reports SET status = 'closed'")

    before = {c.committee: c for c in await coverage(app, campaign)}
    assert set(before) == {"三门", "高雄"}  # 西二 has no 九小场所
    sanmen, gaoxiong = before["三门"], before["高雄"]
    assert (sanmen.places, sanmen.checked, sanmen.percent) == (3, 2, 67)
    assert (sanmen.failed_items, sanmen.hazards, sanmen.hazards_closed) == (1, 1, 1)
    assert (gaoxiong.places, gaoxiong.checked, gaoxiong.percent) == (1, 0, 0)
    assert not gaoxiong.behind  # no node has passed yet

    clock.advance(timedelta(days=3))  # 2026-07-21: the 50% node is behind us
    after = {c.committee: c for c in await coverage(app, campaign)}
    assert not after["三门"].behind and after["高雄"].behind and after["高雄"].target == 50


async def test_the_place_sheet_shows_each_place_and_hides_personal_rows(
    app: App, tmp_path: Path
) -> None:
    await register_venues(app)
    await Register(app).add("三门", "独居孤寡老人", "李阿婆", "三门路 8弄 3号 201室")
    from bot.inspections.campaigns import Campaigns

    campaign = await Campaigns(app).add("冬季排摸", date(2026, 7, 1), date(2026, 8, 1), [], [], [])
    await inspect(app, campaign, "丰收美发", failed=True)
    rows = await statuses(app, campaign)
    path = tmp_path / "p.xlsx"
    path.write_bytes(place_sheet(app, campaign, rows, include_personal=False).xlsx())
    sheet = load_workbook(path).active
    assert sheet is not None
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    assert table[0][:5] == ["居委会", "类型", "名称", "地址", "状态"]
    checked = next(r for r in table if r[2] == "丰收美发")
    assert checked[4] == "已检查" and checked[6] == "三门居委会主任"
    assert "灭火器在有效期内（过期）" in checked[7] and checked[8] == "YH-20260718-0001"
    assert "李阿婆" not in str(table) and any(r[2] == HIDDEN for r in table)
    full = place_sheet(app, campaign, rows, include_personal=True)
    assert any(r[2] == "李阿婆" for r in full.rows)


async def test_node_reminders_go_to_committees_behind_once_and_missed_nodes_to_staff(
    app: App, clock: FakeClock
) -> None:
    # 三门 has a directors' group of its own; 高雄's reminder goes to the subdistrict's.
    own = Chat("console", "sanmen-directors", ChatKind.GROUP, "三门主任群")
    await app.chats.bind(own, 1, (Tag.DIRECTORS,))
    await register_venues(app)
    campaign = await venue_campaign(app, Node(date(2026, 7, 20), 50))
    await take_mail(app, "directors-group")  # the announcement is not what this is about
    await take_mail(app, "sanmen-directors")

    assert await remind_nodes(app) == 2  # 2026-07-18: two days before the node
    assert await remind_nodes(app) == 2  # run again (a restart): nothing new is queued
    (sanmen,) = await take_mail(app, "sanmen-directors")
    assert "三门居委会目前已检查 0/3（0%），还需检查 2 处" in sanmen.reply.text
    (gaoxiong,) = await take_mail(app, "directors-group")
    assert "高雄居委会" in gaoxiong.reply.text and "三门" not in gaoxiong.reply.text

    await inspect(app, campaign, "三门小吃店")
    await inspect(app, campaign, "丰收美发")
    clock.advance(timedelta(days=1))  # 07-19: no reminder, no missed list
    await remind_nodes(app)
    assert await take_mail(app, "staff-group") == []
    clock.advance(timedelta(days=2))  # 07-21: the day after the node
    await remind_nodes(app)
    await remind_nodes(app)
    (missed,) = await take_mail(app, "staff-group")
    assert "未完成的居委会" in missed.reply.text
    assert "高雄：已检查 0/1（0%）" in missed.reply.text and "三门：" not in missed.reply.text
    assert await take_mail(app, "directors-group") == []


async def test_the_weekly_summary_has_a_line_per_running_campaign(app: App) -> None:
    await register_venues(app)
    campaign = await venue_campaign(app)
    await inspect(app, campaign, "丰收美发", failed=True)
    summary = await weekly_summary(app, numbered=True)
    assert (
        "专项行动「九小场所消防专项排摸」：已检查 1/4（25%），发现隐患 1 起，已结案 0 起"
        in summary.text
    )


async def test_staff_see_progress_in_chat(app: App, person) -> None:  # type: ignore[no-untyped-def]
    await register_venues(app)
    campaign = await venue_campaign(app)
    await inspect(app, campaign, "丰收美发", failed=True)
    shown = texts(await person("staff").send("/progress"))
    assert "三门：已检查 1/3（33%），发现隐患 1 起，已结案 0 起" in shown
    assert "高雄：已检查 0/1（0%）" in shown


async def test_node_reminders_are_scheduled_every_morning(app: App) -> None:
    from bot.notices.scheduler import Scheduler
    from bot.platforms.runner import system_jobs

    scheduler = Scheduler(app, paused=True)
    system_jobs(scheduler)
    await scheduler.start()
    try:
        due = scheduler.jobs()["system:inspection-nodes"].astimezone(app.tz)
    finally:
        await scheduler.stop()
    assert (due.hour, due.minute) == (9, 30)


def test_the_chart_writes_each_committees_coverage_under_its_bar(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.hazards import chart

    drawn: list[list[str]] = []

    def draw(categories, committees, *args):  # type: ignore[no-untyped-def]
        drawn.append([b.label for b in committees])
        return b""

    monkeypatch.setattr(chart, "_draw", draw)
    bars = [chart.Bar("三门", 2), chart.Bar("高雄", 0), chart.Bar("西二", 1)]
    totals = {"new": 3, "urgent": 0, "closed": 0, "open": 3, "overdue": 0}
    period = ("2026-07-11", "2026-07-18")
    chart.weekly_chart([], bars, lang="zh", period=period, totals=totals, font="X",
                       coverage={"三门": 67, "高雄": 0})  # fmt: skip
    assert drawn[-1] == ["三门\n排摸 67%", "高雄\n排摸 0%", "西二"]
    chart.weekly_chart([], bars, lang="zh", period=period, totals=totals, numbered=True,
                       coverage={"三门": 67})  # fmt: skip
    assert drawn[-1] == ["A\nchecked 67%", "B", "C"]
