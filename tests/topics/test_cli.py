"""``juwei committees`` and ``juwei topics`` from a shell, and the console story end to end."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.main import main
from bot.messages import Sender
from bot.settings import Settings
from bot.topics.reviews import TopicReviews
from bot.topics.service import Status, TopicService
from tests.conftest import juwei

STORY = "\n".join(
    [
        "/topic",
        "1",
        "电梯噪音扰民",
        "三门小区5号楼电梯运行噪音很大，晚上影响休息。",
        "跳过",
        "公开署名",
        "确认提交",
        "",
    ]
)


def test_a_topic_from_the_console_is_listed_and_its_review_reaches_the_submitter(
    tmp_path: Path,
) -> None:
    db = tmp_path / "juwei.db"
    submitted = juwei(db, "console", "--json", "--user", "alice", "--name", "王阿姨", stdin=STORY)
    assert submitted.returncode == 0, submitted.stderr
    lines = [json.loads(line) for line in submitted.stdout.splitlines()]
    ref = re.search(r"YT-\d{8}-\d{4}", lines[-1]["text"]).group()  # type: ignore[union-attr]
    assert any(m["chat"] == "staff-group" and ref in m["text"] for m in lines)

    listed = juwei(db, "topics", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    [topic] = json.loads(listed.stdout)
    assert (topic["ref"], topic["committee"], topic["title"], topic["status"]) == (
        ref,
        "物业服务提升专委会",
        "电梯噪音扰民",
        "待审",
    )

    moved = juwei(db, "topics", "set", ref, "已采纳", "--note", "下次会议讨论")
    assert moved.returncode == 0, moved.stderr
    assert "「待审」→「已采纳」" in moved.stdout

    later = juwei(db, "console", "--json", "--user", "alice")
    told = [json.loads(line) for line in later.stdout.splitlines()]
    assert told[0]["chat"] == "alice"
    assert (
        ref in told[0]["text"] and "采纳" in told[0]["text"] and "下次会议讨论" in told[0]["text"]
    )
    again = juwei(db, "console", "--json", "--user", "alice")
    assert again.stdout == ""  # delivered once

    refused = juwei(db, "topics", "set", ref, "已采纳")
    assert refused.returncode == 2 and "不能改为「已采纳」" in refused.stderr


async def _seed(db: Path) -> None:
    """Three topics (one anonymous) accepted for a meeting far ahead of the real clock the
    in-process CLI reads, and one declined."""
    settings = Settings(db_path=db, _env_file=None)
    app = await App.open(settings, FakeClock(datetime(2026, 7, 18, 2, tzinfo=UTC)), demo=True)
    try:
        service, reviews = TopicService.of(app), TopicReviews.of(app)
        staff = await app.users.find("console", "staff")
        made = []
        for n, (title, fans, anonymous) in enumerate(
            [("楼道堆物清理", 1, False), ("电梯噪音扰民", 3, True), ("垃圾分类点太远", 2, False)]
        ):
            user = await app.users.seen(Sender("console", f"p{n}", f"居民{n}"))
            topic = await service.submit(
                user, 1, title, "具体情况写在这里，十个字以上。", anonymous=anonymous
            )
            made.append(topic)
            for fan in range(fans):
                await service.support(topic.id, await app.users.ensure("console", f"fan{fan}"))
        for topic in made:
            await reviews.move(
                topic.ref, Status.ACCEPTED, staff, meeting=datetime(2099, 7, 25).date()
            )
        extra = await service.submit(
            staff, 2, "小区门口摆摊", "具体情况写在这里，十个字以上。", anonymous=False
        )
        await reviews.move(extra.ref, Status.DECLINED, staff, note="不属于专委会职责")
    finally:
        await app.close()


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Runs ``juwei …`` in this process on a seeded database: (exit code, stdout, stderr)."""
    db = tmp_path / "juwei.db"
    asyncio.run(_seed(db))
    monkeypatch.setenv("JUWEI_DB_PATH", str(db))

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_topics_list_filters_and_shows_staff_the_anonymous_name(shell) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = shell("topics", "list", "--committee", "物业服务提升专委会", "--json")
    topics = json.loads(out)
    assert code == 0 and [t["title"] for t in topics] == [
        "楼道堆物清理",
        "电梯噪音扰民",
        "垃圾分类点太远",
    ]
    assert topics[1]["anonymous"] is True and topics[1]["submitter"] == "居民1"
    code, out, _ = shell("topics", "list", "--status", "暂不采纳")
    assert "小区门口摆摊" in out and "楼道堆物清理" not in out
    code, out, _ = shell("topics", "list", "--status", "declined", "--json")
    assert [t["status"] for t in json.loads(out)] == ["暂不采纳"]
    assert shell("topics", "list", "--status", "whatever")[0] == 2
    assert shell("topics", "list", "--committee", "没有这个")[0] == 2


def test_agenda_prints_most_supported_first_in_every_format(shell) -> None:  # type: ignore[no-untyped-def]
    code, md, _ = shell("topics", "agenda", "--committee", "物业服务提升专委会", "--format", "md")
    assert code == 0 and "会议日期：2099-07-25" in md
    assert md.index("电梯噪音扰民") < md.index("垃圾分类点太远") < md.index("楼道堆物清理")
    assert "居民1" not in md and "| 匿名 |" in md
    code, out, _ = shell(
        "topics",
        "agenda",
        "--committee",
        "物业服务提升",
        "--meeting",
        "2099-07-25",
        "--format",
        "json",
    )
    assert [t["supports"] for t in json.loads(out)["topics"]] == [3, 2, 1]
    code, out, _ = shell("topics", "agenda", "--committee", "物业服务提升专委会", "--format", "csv")
    assert out.splitlines()[0] == "序号,编号,议题,摘要,附议人数,提出人,提交时间"
    assert out.splitlines()[1].startswith("1,YT-20260718-0002,电梯噪音扰民,")
    code, out, _ = shell(
        "topics", "agenda", "--committee", "物业服务提升专委会", "--meeting", "2099-08-01"
    )
    assert "没有已采纳的议题" in out
    code, _, err = shell(
        "topics", "agenda", "--committee", "物业服务提升专委会", "--meeting", "某天"
    )
    assert code == 2 and "没看懂日期" in err


def test_set_moves_and_refuses_at_the_terminal(shell) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = shell("topics", "set", "YT-20260718-0001", "done", "--note", "已清理完毕")
    assert code == 0 and "「已采纳」→「已办结」" in out
    code, _, err = shell("topics", "set", "YT-20260718-0002", "已办结")
    assert code == 2 and "办理结果" in err
    code, _, err = shell("topics", "set", "YT-20260718-0009", "已采纳")
    assert code == 2 and "没有找到" in err
    code, _, err = shell(
        "topics", "set", "YT-20260718-0004", "已合并", "--into", "YT-20260718-0002"
    )
    assert code == 2 and "不能改为「已合并」" in err


def test_committees_are_listed_added_renamed_and_retired(shell) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = shell("committees", "list", "--json")
    names = [c["name"] for c in json.loads(out)]
    assert names == ["物业服务提升专委会", "优化宜居专委会", "零距离保障专委会"]
    assert "老房加装电梯" in json.loads(out)[1]["description"]
    code, out, _ = shell(
        "committees", "add", "平安建设专委会", "--description", "群防群治、消防安全"
    )
    assert code == 0 and "平安建设专委会" in out
    assert shell("committees", "add", "平安建设专委会", "--description", "重复")[0] == 2
    code, out, _ = shell("committees", "rename", "零距离保障专委会", "法治保障专委会")
    assert code == 0 and "法治保障专委会" in out
    assert shell("committees", "rename", "法治保障专委会", "优化宜居专委会")[0] == 2
    assert shell("committees", "retire", "优化宜居专委会")[0] == 0
    code, out, _ = shell("committees", "list")
    assert "优化宜居专委会" not in out and "法治保障专委会：法律法规宣传" in out
    code, out, _ = shell("committees", "list", "--all")
    assert "优化宜居专委会：业委会能力建设与规范运作、老房加装电梯等宜居难题（已停用）" in out
    # Its topics stay: the declined one is still listed under the retired committee.
    code, out, _ = shell("topics", "list", "--committee", "优化宜居专委会", "--json")
    assert [t["committee"] for t in json.loads(out)] == ["优化宜居专委会"]
    assert shell("committees", "retire", "没有这个")[0] == 2


def test_the_default_committees_exist_without_demo_data(tmp_path: Path) -> None:
    db = tmp_path / "plain.db"
    listed = juwei(db, "committees", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 3


def test_agenda_csv_keeps_a_typed_formula_as_text() -> None:
    from zoneinfo import ZoneInfo

    from bot.topics.agenda import Agenda, as_csv
    from bot.topics.service import Topic

    topic = Topic(
        1, "YT-20260718-0001", 1, "物业服务提升专委会", 1, "王阿姨", "=1+1 停车难",
        "@SUM(A1) 小区停车位不够", None, False, Status.ACCEPTED, None, None, None, 0,
        datetime(2026, 7, 18, 2, 0, tzinfo=UTC),
    )  # fmt: skip
    out = as_csv(Agenda("物业服务提升专委会", None, [topic], "zh", ZoneInfo("Asia/Shanghai")))
    assert out.splitlines()[1].startswith("1,YT-20260718-0001,'=1+1 停车难,'@SUM(A1)")
