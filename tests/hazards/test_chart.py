"""The weekly summary's chart: a phone-sized PNG in a CJK font, numbered bars without one,
the trend against last week, and ``juwei hazards digest --weekly --out FILE.png``."""

from __future__ import annotations

import asyncio
import struct
import subprocess
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.hazards import chart
from bot.hazards.chart import CJK_FAMILIES, Bar, weekly_chart
from bot.hazards.digest import weekly_summary
from bot.hazards.model import Category
from bot.main import main
from tests.conftest import PY, juwei_env, take_mail
from tests.hazards.test_service import new_report


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


async def two_weeks_of_reports(app, clock) -> None:  # type: ignore[no-untyped-def]
    """Last week: one e-bike report in 三门. This week: two e-bike reports and one group
    rental in 高雄 and 西二."""
    await new_report(app, reporter="a", category=Category.EBIKE)
    clock.advance(timedelta(days=8))
    await new_report(app, reporter="b", committee="高雄", category=Category.EBIKE)
    await new_report(app, reporter="c", committee="西二", category=Category.EBIKE, address="西二1")
    await new_report(app, reporter="d", committee="高雄", category=Category.GROUP_RENTAL)


def missing_glyphs(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "missing from" in str(w.message)]


def draw_sample(**kwargs: object) -> chart.Picture:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        picture = weekly_chart(
            [Bar("电动自行车", 2, 1), Bar("群租房", 1, 0), Bar("其他", 0, 3)],
            [Bar("三门", 0), Bar("高雄", 2), Bar("西二", 1)],
            lang="zh",
            period=("2026-07-18", "2026-07-25"),
            totals={"new": 3, "urgent": 0, "closed": 0, "open": 4, "overdue": 1},
            **kwargs,  # type: ignore[arg-type]
        )
    assert missing_glyphs(caught) == [], "characters drawn as boxes"
    return picture


def test_the_chart_is_phone_sized_and_drawn_in_a_cjk_font() -> None:
    picture = draw_sample()
    assert png_size(picture.png) == (1080, 1440)
    if chart.cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk); numbered bars were drawn")
    assert picture.font in CJK_FAMILIES


def test_without_a_cjk_font_the_bars_are_numbered_and_the_text_says_which(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(chart, "cjk_font", lambda: None)
    picture = draw_sample()  # no Chinese glyph is asked of a font without them
    assert picture.font is None and png_size(picture.png) == (1080, 1440)


async def test_weekly_summary_gives_the_trend_and_the_committees(app, clock) -> None:
    await two_weeks_of_reports(app, clock)
    summary = await weekly_summary(app)
    assert "本周新上报 3 条" in summary.text
    assert "电动自行车违规停放/充电（楼道停放、飞线充电）：2（上周 1，增加 1）" in summary.text
    assert "群租房：1（上周 0，增加 1）" in summary.text
    assert "高雄：2" in summary.text and "西二：1" in summary.text
    assert summary.photo is not None and summary.photo.data is not None
    assert png_size(summary.photo.data) == (1080, 1440)
    if chart.cjk_font() is not None:
        assert "附图中的编号" not in summary.text  # the chart names them itself


async def test_numbered_chart_comes_with_the_key_in_the_text(app, clock) -> None:
    await two_weeks_of_reports(app, clock)
    summary = await weekly_summary(app, numbered=True)
    assert "附图中的编号：类别 1 电动自行车违规停放/充电" in summary.text
    assert "居委会 A 三门、B 高雄、C 西二" in summary.text


@pytest.mark.sqlite_only("the command is pointed at the database file with --db")
async def test_digest_weekly_out_saves_the_png_and_posts_it(
    app, clock, settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await two_weeks_of_reports(app, clock)
    out = tmp_path / "weekly.png"
    db = str(settings.db_path)
    args = ["hazards", "digest", "--weekly", "--out", str(out), "--db", db]
    assert await asyncio.to_thread(main, args) == 0  # its own event loop, as from a shell
    printed = capsys.readouterr().out
    assert f"图表已保存到 {out}" in printed and "已发送到 1 个工作群" in printed
    assert png_size(out.read_bytes()) == (1080, 1440)
    clock.set(datetime.now(UTC) + timedelta(hours=1))  # the CLI queued it on the real clock
    posted = [p for p in await take_mail(app, "staff-group") if "隐患周报" in p.reply.text]
    assert len(posted) == 1 and posted[0].reply.photo is not None


async def test_digest_out_with_no_post_only_saves(
    app, clock, settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await two_weeks_of_reports(app, clock)
    out = tmp_path / "only.png"
    db = str(settings.db_path)
    args = ["reports", "digest", "--weekly", "--out", str(out), "--no-post", "--db", db]
    assert await asyncio.to_thread(main, args) == 0
    assert out.exists() and "工作群" not in capsys.readouterr().out
    clock.set(datetime.now(UTC) + timedelta(hours=1))
    assert not [p for p in await take_mail(app, "staff-group") if "隐患周报" in p.reply.text]


def test_digest_out_is_for_the_weekly_summary_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "daily.png"
    code = main(["hazards", "digest", "--daily", "--out", str(out), "--db", str(tmp_path / "j.db")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "--weekly" in err and "\n" not in err and not out.exists()


def test_juwei_starts_without_importing_matplotlib(tmp_path: Path) -> None:
    done = subprocess.run(
        [PY, "-c", "import sys, bot.main; print('matplotlib' in sys.modules)"],
        capture_output=True,
        text=True,
        env=juwei_env(tmp_path / "j.db"),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
