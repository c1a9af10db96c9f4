"""Hazard reports by the hundred: the list pages (--limit, --all), exports streamed in chunks,
and the weekly summary counting only its own weeks."""

from __future__ import annotations

import asyncio
import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.app import App
from bot.clock import FakeClock
from bot.hazards import repo
from bot.hazards.digest import weekly_summary
from bot.hazards.model import Category, Status
from bot.hazards.repo import Filters, NewReport
from bot.hazards.service import HazardService
from bot.main import main
from bot.settings import Settings
from tests.hazards.test_service import new_report

FIRST = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)


def seed(db: Path, count: int, *, same_time: int = 0) -> list[str]:
    """``count`` reports an hour apart (the last ``same_time`` of them filed in the same
    second); returns their references, oldest first."""

    async def work() -> list[str]:
        settings = Settings(db_path=db, _env_file=None)  # type: ignore[call-arg]
        clock = FakeClock(FIRST)
        app = await App.open(settings, clock, demo=True)
        try:
            service = HazardService.of(app)
            user = await app.users.ensure("console", "alice")
            await app.users.join(user, 1, "王阿姨", "13812345678")
            refs = []
            for n in range(count):
                if n < count - same_time:
                    clock.advance(timedelta(hours=1))
                new = NewReport(
                    Category.PASSAGE,
                    1,
                    f"三门小区 {n + 1}号楼",
                    None,
                    None,
                    "楼道堆满纸箱",
                    False,
                    user.id,
                    user.ref,
                    [],
                )
                refs.append((await service.file(new, None)).ref)
            return refs
        finally:
            await app.close()

    return asyncio.run(work())


def listed(out: str) -> list[str]:
    """The references a text list printed, in order."""
    return [line.split()[1] for line in out.splitlines() if line[:1].isdigit()]


def test_list_shows_the_newest_50_and_says_how_many_more(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "juwei.db"
    refs = seed(db, 60)
    assert main(["hazards", "list", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert listed(out) == refs[::-1][:50]  # newest first
    assert out.splitlines()[0].startswith("1. ") and out.splitlines()[49].startswith("50. ")
    assert out.splitlines()[-1] == "还有 10 条，用 --limit 或 --all 查看"

    assert main(["reports", "list", "--limit", "3", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert listed(out) == refs[::-1][:3] and "还有 57 条" in out

    assert main(["hazards", "list", "--limit", "60", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert len(listed(out)) == 60 and "还有" not in out


def test_list_all_prints_every_report_numbered_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "juwei.db"
    refs = seed(db, 60)
    assert main(["hazards", "list", "--all", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert listed(out) == refs[::-1]
    assert out.splitlines()[-1].startswith("60. ") and "还有" not in out


def test_list_json_is_one_array_with_the_count_of_the_rest_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "juwei.db"
    refs = seed(db, 55)
    assert main(["hazards", "list", "--json", "--db", str(db)]) == 0
    captured = capsys.readouterr()
    page = json.loads(captured.out)
    assert [r["ref"] for r in page] == refs[::-1][:50]
    assert captured.err.strip() == "还有 5 条，用 --limit 或 --all 查看"

    assert main(["hazards", "list", "--json", "--all", "--db", str(db)]) == 0
    streamed = capsys.readouterr()
    every = json.loads(streamed.out)
    assert [r["ref"] for r in every] == refs[::-1] and streamed.err == ""
    # Written a report at a time, laid out exactly as one json.dumps of the whole list.
    assert streamed.out == json.dumps(every, ensure_ascii=False, indent=2) + "\n"
    assert every[:50] == page and every[0]["status"] == "待受理" and every[0]["photos"] == []


def test_list_of_nothing_says_so_and_json_is_an_empty_array(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "juwei.db"
    seed(db, 2)
    assert main(["hazards", "list", "--status", "已结案", "--all", "--db", str(db)]) == 0
    assert capsys.readouterr().out.strip() == "没有符合条件的隐患报告。"
    assert main(["hazards", "list", "--status", "已结案", "--json", "--all", "--db", str(db)]) == 0
    assert capsys.readouterr().out == "[]\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--limit", "5", "--all"], "--all 不能与 --limit 同时使用"),
        (["--limit", "五"], "--limit 应为整数"),
    ],
)
def test_a_bad_limit_is_a_usage_error_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    db = tmp_path / "juwei.db"
    with pytest.raises(SystemExit) as exited:
        main(["hazards", "list", *args, "--db", str(db)])
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_a_limit_below_one_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "juwei.db"
    seed(db, 1)
    assert main(["hazards", "list", "--limit", "0", "--db", str(db)]) == 2
    err = capsys.readouterr().err.strip()
    assert "--limit 至少为 1" in err and "\n" not in err


async def test_streaming_in_chunks_gives_every_report_once_in_order(app: App, clock) -> None:
    """Chunks follow on from the last report of the one before, also when many reports were
    filed in the same second (the id decides between them)."""
    for n in range(7):
        if n < 4:
            clock.advance(timedelta(minutes=1))
        await new_report(app, reporter=f"r{n}", address=f"三门小区 {n}号楼")
    everything = [r.ref for r in await repo.search(app.db, Filters())]
    newest = [r.ref async for chunk in repo.stream(app.db, Filters(), chunk=2) for r in chunk]
    assert newest == everything and len(set(newest)) == 7
    oldest = [
        r.ref
        async for chunk in repo.stream(app.db, Filters(), oldest_first=True, chunk=3)
        for r in chunk
    ]
    assert oldest == everything[::-1]


def test_export_streamed_in_chunks_keeps_headers_dates_and_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "juwei.db"
    refs = seed(db, 7, same_time=3)
    chunks: list[int] = []
    real = repo.stream

    def small_chunks(db: repo.Sql, filters: Filters, **kwargs: object):  # type: ignore[no-untyped-def]
        async def counted():  # type: ignore[no-untyped-def]
            async for chunk in real(db, filters, oldest_first=True, chunk=3):
                chunks.append(len(chunk))
                yield chunk

        return counted()

    monkeypatch.setattr(repo, "stream", small_chunks)
    out = tmp_path / "out.xlsx"
    assert main(["hazards", "export", "--output", str(out), "--db", str(db)]) == 0
    assert chunks == [3, 3, 1]
    ws = load_workbook(out).active
    assert ws is not None and ws.title == "隐患报告"
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "上报时间", "类别") and ws["A1"].font.b
    assert [r[0] for r in rows[1:]] == refs  # oldest first, none twice, none lost
    assert rows[1][1] == datetime(2026, 7, 1, 11, 0)  # a date cell in Shanghai time
    filed = [datetime(2026, 7, 1, 11 + min(n, 3), 0) for n in range(7)]  # the last 4 at once
    assert [r[1] for r in rows[1:]] == filed and all(r[12] is None for r in rows[1:])
    assert ws["B2"].is_date and ws["B2"].number_format == "yyyy-mm-dd hh:mm"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:Q8"
    assert ws.column_dimensions["H"].width == 48

    chunks.clear()
    out_csv = tmp_path / "out.csv"
    args = ["hazards", "export", "--format", "csv", "--with-reporter", "--output", str(out_csv)]
    assert main([*args, "--db", str(db)]) == 0
    raw = out_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
    read = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert read[0][-2:] == ["上报人", "上报人电话"]
    assert [r[0] for r in read[1:]] == refs and read[1][1] == "2026-07-01 11:00"
    assert all(r[-2:] == ["王阿姨", "13812345678"] for r in read[1:])


def test_a_failed_export_leaves_no_file_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "juwei.db"
    seed(db, 2)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    from bot.hazards import export

    monkeypatch.setattr(export, "rows", broken)
    out = tmp_path / "out.csv"
    with pytest.raises(RuntimeError):
        main(["hazards", "export", "--format", "csv", "--output", str(out), "--db", str(db)])
    assert list(tmp_path.glob("out.csv*")) == []


async def test_weekly_summary_counts_only_its_own_weeks(app: App, clock: FakeClock) -> None:
    service = HazardService.of(app)
    old = await new_report(app, reporter="a", category=Category.GROUP_RENTAL)  # a year ago
    await service.move(None, old.id, Status.REJECTED, "不在辖区")  # closed then, not this week
    await new_report(app, reporter="b", category=Category.GROUP_RENTAL, address="三门 9号楼")
    clock.advance(timedelta(days=365 - 10))
    await new_report(app, reporter="c", committee="高雄", category=Category.EBIKE)  # last week
    clock.advance(timedelta(days=7))
    late = await new_report(app, reporter="d", committee="西二", category=Category.EBIKE)
    await new_report(app, reporter="e", committee="西二", address="西二 1号楼")
    await service.move(None, late.id, Status.REJECTED, "非本辖区")  # closed this week
    clock.advance(timedelta(days=3))

    text = (await weekly_summary(app)).text
    assert "本周新上报 2 条（紧急 0 条），结案 1 条；目前未办结 3 条" in text
    assert "不予受理：2" in text and "待受理：3" in text  # by status: all reports
    week = text.split("本周按类别：")[1].split("本周按居委会：")[0]
    assert "群租房" not in week  # filed a year ago: in neither week
    assert "电动自行车违规停放/充电（楼道停放、飞线充电）：1（上周 1，持平）" in week
    assert "消防通道/楼道堆物：1（上周 0，增加 1）" in week
    committees = text.split("本周按居委会：")[1].split("附图")[0]  # the key without a CJK font
    assert "西二：2" in committees and "高雄" not in committees and "三门" not in committees
