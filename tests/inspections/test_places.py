"""The key places register: adding, importing a file (good, a bad row), kinds as data, and
the privacy of 独居孤寡老人 rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.app import App
from bot.inspections.places import HIDDEN, PlaceError, Register, may_see, read_rows
from bot.inspections.reminders import announce
from bot.main import main
from tests.conftest import take_mail
from tests.inspections.helpers import texts, venue_campaign

GOOD = (
    "居委会,类型,名称,地址,备注\n"
    "三门,九小场所,三门小吃店,三门路 12号,有液化气\n"
    "\n"
    "高雄,居民楼/门栋,高雄路 5号楼,高雄路 5号,\n"
)


def run(db: Path, *args: str) -> int:
    return main([*args, "--db", str(db)])


def test_a_csv_register_is_imported_and_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, file = tmp_path / "j.db", tmp_path / "places.csv"
    file.write_bytes(GOOD.encode("utf-8-sig"))  # as WPS saves it, with a BOM
    assert run(db, "demo-data") == 0
    assert run(db, "places", "import", str(file)) == 0
    assert "已导入 2 处重点场所" in capsys.readouterr().out
    assert run(db, "places", "list", "--committee", "三门", "--json") == 0
    (place,) = json.loads(capsys.readouterr().out)
    assert (place["committee"], place["kind"], place["name"], place["notes"]) == (
        "三门", "九小场所", "三门小吃店", "有液化气",
    )  # fmt: skip
    assert run(db, "places", "list", "--kind", "居民楼/门栋") == 0
    assert "高雄路 5号楼" in capsys.readouterr().out


def test_an_xlsx_register_is_imported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, file = tmp_path / "j.db", tmp_path / "places.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["居委会", "类型", "名称", "地址", "备注"])
    sheet.append(["西二", "电动自行车集中停放充电点", "西二车棚", "西二小区 3号门", None])
    book.save(file)
    assert run(db, "demo-data") == 0
    assert run(db, "places", "import", str(file)) == 0
    assert run(db, "places", "list", "--json") == 0
    out = capsys.readouterr().out
    assert json.loads(out[out.index("[") :])[0]["name"] == "西二车棚"


def test_a_bad_row_is_named_by_line_and_nothing_is_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, file = tmp_path / "j.db", tmp_path / "places.csv"
    file.write_text(GOOD + "浦东,九小场所,某某店,某某路 1号,\n", encoding="utf-8")
    assert run(db, "demo-data") == 0
    assert run(db, "places", "import", str(file)) == 2
    err = capsys.readouterr().err
    assert "第 5 行" in err and "浦东" in err and "未导入任何场所" in err
    assert run(db, "places", "list", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_file_without_the_chinese_headers_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "places.csv"
    file.write_text("committee,kind,name,address\n三门,九小场所,店,三门路 1号\n", encoding="utf-8")
    with pytest.raises(PlaceError, match="缺少表头 居委会、类型、名称、地址"):
        read_rows(file)


async def test_an_unknown_kind_is_refused_until_staff_add_it(app: App) -> None:
    register = Register(app)
    with pytest.raises(PlaceError, match="没有类型"):
        await register.add("三门", "加油站", "三门加油站", "三门路 99号")
    await register.add_kind("加油站", personal=False)
    place = await register.add("三门", "加油站", "三门加油站", "三门路 99号")
    assert place.kind == "加油站"


async def test_elderly_rows_reach_staff_and_their_director_only(app: App, person) -> None:  # type: ignore[no-untyped-def]
    register = Register(app)
    await register.add("三门", "九小场所", "三门小吃店", "三门路 12号")
    elderly = await register.add("三门", "独居孤寡老人", "李阿婆", "三门路 8弄 3号 201室")
    users = app.users
    staff = await users.find("console", "staff")
    sanmen = await users.find("console", "sanmen-director")
    gaoxiong = await users.find("console", "gaoxiong-director")
    resident = await users.ensure("console", "resident")
    assert staff and sanmen and gaoxiong
    assert may_see(staff, elderly) and may_see(sanmen, elderly)
    assert not may_see(gaoxiong, elderly) and not may_see(resident, elderly)
    assert elderly.masked().name == HIDDEN and elderly.masked().address == HIDDEN

    from bot.inspections.campaigns import Campaigns

    campaign = await Campaigns(app).get((await venue_campaign(app)).id)
    assert campaign is not None
    every = await Campaigns(app).add(
        "冬季消防安全排摸", campaign.starts_on, campaign.ends_on, [], [], []
    )
    assert await announce(app, every) == 1
    posts = [p.reply.text for p in await take_mail(app, "directors-group")]
    assert posts and all("李阿婆" not in t and "8弄" not in t for t in posts)
    assert "个人信息 1 户" in posts[-1] and "三门小吃店" in posts[-1]

    # In the private chat the committee's own director picks the person by name.
    director = person("sanmen-director")
    await director.send("/inspect")
    picked = await director.send("2")  # the second campaign, covering every kind
    assert "李阿婆" in " ".join(o.label for o in picked[-1].options)
    other = person("gaoxiong-director")
    assert "李阿婆" not in texts(await other.send("/inspect"))


def test_exports_leave_elderly_rows_out_unless_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "j.db"
    assert run(db, "demo-data") == 0
    add = ("places", "add", "--committee", "三门", "--kind", "独居孤寡老人")
    assert run(db, *add, "--name", "李阿婆", "--address", "三门路 8弄 3号 201室") == 0
    capsys.readouterr()
    assert run(db, "places", "list", "--json") == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["name"] == HIDDEN and row["personal"] is True
    assert run(db, "places", "list", "--include-personal") == 0
    assert "李阿婆" in capsys.readouterr().out
