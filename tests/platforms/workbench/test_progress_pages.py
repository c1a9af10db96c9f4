"""排摸 and 征询 on the workbench: progress per committee, and who still needs a visit, shown
only to those the chat shows it to."""

from __future__ import annotations

from bot.app import App
from tests.inspections.helpers import register_venues, venue_campaign
from tests.platforms.workbench.conftest import browser, sign_in
from tests.polls.conftest import make_building


async def test_campaign_progress_lists_the_places_still_to_check_per_viewer(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    await register_venues(app)
    await venue_campaign(app)
    await sign_in(person, client, "staff")
    staff_page = (await client.get("/inspections")).text
    assert "九小场所消防专项排摸" in staff_page and "0/3（0%）" in staff_page
    assert "三门小吃店" in staff_page and "高雄便利店" in staff_page
    async with browser(app) as d:
        await sign_in(person, d, "sanmen-director")
        director_page = (await d.get("/inspections")).text
    assert "三门小吃店" in director_page and "高雄便利店" not in director_page


async def test_consultation_rooms_to_visit_are_for_staff_and_its_own_director(
    app: App,
    person,
    client,  # type: ignore[no-untyped-def]
) -> None:
    await make_building(app)
    await sign_in(person, client, "sanmen-director")
    own = (await client.get("/polls")).text
    assert "加装电梯意向征询" in own and "张三" in own and "进行中" in own
    async with browser(app) as g:
        await sign_in(person, g, "gaoxiong-director")
        other = (await g.get("/polls")).text
    assert "加装电梯意向征询" not in other and "张三" not in other
