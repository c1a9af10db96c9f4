"""The summer campaign: on by default, tips rotate without repeats, staff control it."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app import App
from bot.chats import Tag
from bot.notices import campaign
from bot.notices.delivery import fan_out
from bot.notices.repo import Kind, NoticeRepo, Status
from bot.notices.schedule import Recurring, occurrences
from bot.notices.tips import TIPS
from bot.outbox import reply_from_json
from bot.settings import Settings
from tests.notices.fakes import outbox_rows, texts

SH = ZoneInfo("Asia/Shanghai")


async def send_occurrences(app: App, count: int, first_year: int = 2027) -> list[str]:
    """Fan the campaign out for its next ``count`` occurrences; the tip titles, in order."""
    notice = await campaign.ensure(app)
    assert notice is not None
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    moments = occurrences(
        notice.schedule, start, start + timedelta(days=3 * 366), tz=SH, since=notice.since
    )[:count]
    titles = []
    for moment in moments:
        result = await fan_out(app, notice, moment)
        assert result is not None
        row = await app.db.fetchone(
            "SELECT t.title FROM notice_occurrences o JOIN campaign_tips t ON t.id = o.tip_id"
            " WHERE o.id = ?",
            (result.occurrence_id,),
        )
        titles.append(row["title"])
    return titles


def test_at_least_twelve_distinct_tips_on_the_required_topics() -> None:
    assert len(TIPS) >= 12
    assert len({tip.slug for tip in TIPS}) == len(TIPS)
    assert len({tip.body for tip in TIPS}) == len(TIPS)
    everything = "".join(tip.title + tip.body for tip in TIPS)
    for topic in ("电动自行车", "飞线充电", "空调", "插线板", "蚊香", "燃气", "疏散通道",
                  "烟感", "灭火器", "独居", "高温", "119"):  # fmt: skip
        assert topic in everything, topic
    assert all(tip.source for tip in TIPS)  # each names the facts it rests on


def test_the_fire_law_fine_is_stated_only_for_the_places_it_covers() -> None:
    """消防法 28/60 cover 疏散通道, 安全出口, 消防车通道; a 楼道 (共用部位) is another rule."""
    for tip in TIPS:
        sentences = tip.body.split("。")
        for before, sentence in zip(["", *sentences], sentences, strict=False):
            if "消防法" in sentence:
                rule = before + sentence if sentence.startswith("这是") else sentence
                assert "楼道" not in rule and "停车" not in rule, rule


def test_unconfirmed_figures_are_not_stated() -> None:
    everything = "".join(tip.body for tip in TIPS)
    for unconfirmed in ("96119", "80%", "900℃", "8小时", "上海市电动自行车安全管理条例"):
        assert unconfirmed not in everything


async def test_on_by_default_for_residents_groups_from_june_to_september(app) -> None:
    notice = await campaign.ensure(app)
    assert notice is not None and notice.kind is Kind.CAMPAIGN
    assert notice.status is Status.ACTIVE
    assert notice.targets.tags == (Tag.RESIDENTS,)
    schedule = notice.schedule
    assert isinstance(schedule, Recurring)
    assert (schedule.start, schedule.end, schedule.weekdays) == ("06-01", "09-30", ("mon", "thu"))
    again = await campaign.ensure(app)
    assert again is not None and again.id == notice.id
    assert len(await campaign.tips(app)) == len(TIPS)


async def test_switched_off_by_setting(tmp_path, clock) -> None:
    settings = Settings(db_path=tmp_path / "off.db", summer_campaign=False, _env_file=None)
    app = await App.open(settings, clock)
    try:
        assert await campaign.ensure(app) is None
    finally:
        await app.close()


async def test_every_tip_once_before_any_repeats(app) -> None:
    titles = await send_occurrences(app, 2 * len(TIPS) + 3)
    first_round, second_round = titles[: len(TIPS)], titles[len(TIPS) : 2 * len(TIPS)]
    assert len(set(first_round)) == len(TIPS)
    assert len(set(second_round)) == len(TIPS)
    for n in range(1, len(titles) + 1):  # at every moment, no tip is two uses ahead of another
        counts = Counter(titles[:n])
        uses = [counts.get(tip.title, 0) for tip in TIPS]
        assert max(uses) - min(uses) <= 1


async def test_the_message_carries_the_tip_and_119(app) -> None:
    await send_occurrences(app, 1)
    rows = await outbox_rows(app)
    assert {row["chat_id"] for row in rows} == {
        "sanmen-residents",
        "gaoxiong-residents",
        "xier-residents",
    }
    message = reply_from_json(str(rows[0]["payload"])).text
    assert message.startswith("【夏季消防安全提醒】" + TIPS[0].title)
    assert TIPS[0].body in message and "119" in message


async def test_a_tip_added_mid_season_goes_out_before_repeats(app) -> None:
    await send_occurrences(app, 5)
    await campaign.add_tip(app, "暑假看好孩子", "不要让孩子玩打火机、火柴。")
    titles = await send_occurrences(app, len(TIPS) + 1, first_year=2028)
    assert titles.count("暑假看好孩子") == 1
    assert len(set(titles)) == len(TIPS) + 1


async def test_staff_pause_edit_tips_and_change_days_in_chat(app, person) -> None:
    staff = person("staff")
    status = texts(await staff.send("/campaign"))
    assert "夏季消防安全提醒" in status and "周一、周四" in status and "1. 电动自行车" in status

    assert "已暂停" in texts(await staff.send("/campaign pause"))
    repo = NoticeRepo(app.db, app.clock)
    notice = await repo.by_system_key(campaign.KEY)
    assert notice is not None and notice.status is Status.PAUSED
    assert "已恢复" in texts(await staff.send("/campaign resume"))

    assert "周二、周五" in texts(await staff.send("/campaign days 周二 周五"))
    notice = await repo.by_system_key(campaign.KEY)
    assert notice is not None and notice.schedule.weekdays == ("tue", "fri")  # type: ignore[union-attr]
    assert "请写星期几" in texts(await staff.send("/campaign days 2 5"))

    assert "已更新" in texts(await staff.send("/campaign tip 3 电动自行车电池不要带进电梯。"))
    tips = await campaign.tips(app)
    assert tips[2].body == "电动自行车电池不要带进电梯。"
    assert "没有第 99 条" in texts(await staff.send("/campaign tip 99 无"))

    resident = person("lin")
    assert "权限" in texts(await resident.send("/campaign pause"))
    notice = await repo.by_system_key(campaign.KEY)
    assert notice is not None and notice.status is Status.ACTIVE
