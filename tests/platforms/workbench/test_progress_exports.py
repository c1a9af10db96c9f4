"""排摸 and 征询 actions on the workbench: a campaign's progress spreadsheet, a consultation's
result figures and its household codes, each only for those the chat shows them to."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook

from bot.app import App
from bot.inspections.campaigns import Campaigns
from bot.inspections.places import Register
from tests.inspections.helpers import register_venues
from tests.platforms.workbench.conftest import browser, sign_in
from tests.polls.conftest import make_building


def names_in(xlsx: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:5] == ["居委会", "类型", "名称", "地址", "状态"]
    return [str(row[2]) for row in rows[1:]]


async def test_the_progress_spreadsheet_holds_what_each_viewer_may_see(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    await register_venues(app)
    register = Register(app)
    await register.add("三门", "独居孤寡老人", "李阿婆", "三门路 8弄 3号 201室")
    await register.add("高雄", "独居孤寡老人", "赵老伯", "高雄路 9弄 1号 102室")
    campaign = await Campaigns(app).add("夏季排摸", date(2026, 7, 1), date(2026, 8, 31), [], [], [])
    await sign_in(person, client, "staff")
    page = (await client.get("/inspections")).text
    assert f"/inspections/{campaign.id}/progress.xlsx" in page
    staff = await client.get(f"/inspections/{campaign.id}/progress.xlsx")
    assert staff.status_code == 200 and staff.headers["content-type"].startswith(
        "application/vnd.openxmlformats"
    )
    everything = names_in(staff.content)
    assert {"李阿婆", "赵老伯", "三门小吃店", "高雄便利店"} <= set(everything)
    async with browser(app) as d:
        await sign_in(person, d, "sanmen-director")
        own = names_in((await d.get(f"/inspections/{campaign.id}/progress.xlsx")).content)
    assert "李阿婆" in own and "三门小吃店" in own
    assert "赵老伯" not in own and "高雄便利店" not in own
    assert (await client.get("/inspections/999/progress.xlsx")).status_code == 404


async def test_consultation_result_figures_and_codes_for_staff_and_its_own_director(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    building = await make_building(app)
    poll_id = building.poll.id
    await sign_in(person, client, "sanmen-director")
    page = (await client.get("/polls")).text
    assert f'id="result-{poll_id}"' in page and "参与表决" in page and "2/3" in page
    assert f"/polls/{poll_id}/codes.xlsx" in page
    exported = await client.get(f"/polls/{poll_id}/codes.csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["室号", "专有部分面积", "业主姓名", "户号码"]
    assert {row[0]: row[3] for row in rows[1:]} == building.codes
    assert (await client.get(f"/polls/{poll_id}/codes.xlsx")).status_code == 200
    async with browser(app) as staff:
        await sign_in(person, staff, "staff")
        assert (await staff.get(f"/polls/{poll_id}/codes.csv")).status_code == 200
    async with browser(app) as other:
        await sign_in(person, other, "gaoxiong-director")
        refused = await other.get(f"/polls/{poll_id}/codes.csv")
        assert refused.status_code == 403 and not any(
            code in refused.text for code in building.codes.values()
        )
    assert (await client.get(f"/polls/{poll_id}/codes.pdf")).status_code == 404
