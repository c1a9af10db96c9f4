"""The FAQ in chat and on the command line: answers with sources, hand-over, feedback, reload."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

from bot.messages import Chat, ChatKind, Incoming
from tests.conftest import PY, juwei_env


def joined(replies) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(r.text for r in replies)


async def test_questions_in_private_get_answers_with_their_source(app, person) -> None:
    wang = person("wang")
    for question in (
        "加装电梯需要多少业主同意？",
        "阿拉楼里装电梯要几户人家签字伐",
        "加梯政府补贴多少钱",
    ):
        replies = await wang.send(question)
        assert "依据：" in replies[0].text and "更新于" in replies[0].text, question
        assert "有帮助吗" in replies[-1].text
    rows = await app.db.fetchall("SELECT question, entry_id, confident FROM faq_questions")
    assert len(rows) == 3 and all(r["confident"] for r in rows)


async def test_off_topic_is_not_answered_and_can_go_to_staff(app, person) -> None:
    li = person("li")
    replies = await li.send("今天天气怎么样")
    assert "依据" not in joined(replies)
    human = [o for o in replies[-1].options if o.label == "转人工"]
    assert human
    handed = await li.press(human[0].value)
    assert "转给工作人员" in joined(handed)
    parcels = await app.outbox.claim("console", "t", chat_id="staff-group")
    assert len(parcels) == 1 and "今天天气怎么样" in parcels[0].reply.text
    assert "li" not in parcels[0].reply.text  # no name in the group
    again = await li.press(human[0].value)
    assert "已经转给" in joined(again)

    staff = person("staff", chat=Chat("console", "staff-group", ChatKind.GROUP))
    sent = await staff.send("/answer 1 今天多云，请关注街道公众号的天气提醒。")
    assert "已把答复" in joined(sent)
    to_li = await app.outbox.claim("console", "t", chat_id="li")
    assert "今天多云" in to_li[0].reply.text and "今天天气怎么样" in to_li[0].reply.text
    assert "答复过了" in joined(await staff.send("/answer 1 再说一遍"))
    assert "权限" in joined(await li.send("/answer 1 我自己答"))


async def test_staff_can_answer_by_replying_to_the_handover(app, router, person) -> None:
    zhao = person("zhao")
    replies = await zhao.send("小区里可以养鸡吗")
    await zhao.press(replies[-1].options[-1].value)
    staff = person("staff", chat=Chat("console", "staff-group", ChatKind.GROUP))
    handover = (await app.outbox.claim("console", "t", chat_id="staff-group"))[0].reply.text
    msg = Incoming(
        staff.chat, staff.sender, command="answer", args=("不可以。",), reply_to_text=handover
    )
    assert "已把答复" in joined(await router.handle(msg))


async def test_unsure_answers_offer_candidates_and_feedback_is_stored(app, person) -> None:
    sun = person("sun")
    replies = await sun.send("电梯")
    picks = [o for o in replies[-1].options if o.value.startswith("faq:pick:")]
    assert 1 <= len(picks) <= 3
    shown = await sun.press(picks[0].value)
    assert "依据：" in shown[0].text
    no = next(o for o in shown[-1].options if o.value.startswith("faq:no:"))
    await sun.press(no.value)
    row = await app.db.fetchone("SELECT helpful FROM faq_feedback")
    assert row["helpful"] == 0
    mallory = person("mallory")
    assert "失效" in joined(await mallory.press(no.value))  # someone else's question


async def test_faq_command_and_groups_only_when_mentioned(app, router, person) -> None:
    qian = person("qian")
    assert "依据" in (await qian.send("/faq 一楼业主不同意加装电梯怎么办"))[0].text
    group = Chat("console", "sanmen-residents", ChatKind.GROUP)
    member = person("qian", chat=group)
    assert await member.send("加装电梯要多少人同意") == []
    mention = Incoming(group, member.sender, text="加装电梯要多少人同意", mentions_bot=True)
    assert "依据" in (await router.handle(mention))[0].text


def _juwei(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=juwei_env(tmp_path / "juwei.db") | {"JUWEI_FAQ_DIR": str(tmp_path / "faq")},
        cwd=tmp_path,
        timeout=60,
    )


def test_cli_ask_json(tmp_path: Path) -> None:
    done = _juwei(tmp_path, "faq", "ask", "装电梯能用公积金吗", "--json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["confident"] is True and "公积金" in shown["answer"]
    assert set(shown) == {"id", "question", "answer", "score", "confident", "alternatives"}
    off = json.loads(_juwei(tmp_path, "faq", "ask", "天气怎么样", "--json").stdout)
    assert off["confident"] is False
    empty = _juwei(tmp_path, "faq", "ask", "  ", "--json")
    assert empty.returncode == 2 and empty.stdout == ""
    assert len([line for line in empty.stderr.splitlines() if "juwei:" in line]) == 1


async def test_added_entries_are_found_without_restart(app, person, tmp_path: Path) -> None:
    app.settings.faq_dir = tmp_path / "faq"
    question = "小区里的共享单车乱停放找谁处理"
    assert "依据" not in joined(await person("a").send(question))
    added = await asyncio.to_thread(
        subprocess.run,
        [PY, "-m", "bot", "faq", "add", "--id", "shared-bikes", "--question", question,
         "--answer", "请拨打 12345 市民热线，或告诉居委会。", "--source", "居委会工作经验"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env=juwei_env(app.settings.db_path) | {"JUWEI_FAQ_DIR": str(tmp_path / "faq")},
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    replies = await person("b").send(question)
    assert "12345" in replies[0].text and "居委会工作经验" in replies[0].text
    gaps = _juwei(tmp_path, "faq", "gaps", "--json")
    assert question in gaps.stdout


def test_bad_entries_are_refused_and_stale_ones_listed(tmp_path: Path) -> None:
    bad = _juwei(tmp_path, "faq", "add", "--id", "Bad Id", "--question", "问", "--answer", "答",
                 "--source", "x")  # fmt: skip
    assert bad.returncode == 2 and "条目无效" in bad.stderr
    assert not (tmp_path / "faq" / "local.yaml").exists()
    stale = _juwei(tmp_path, "faq", "list", "--stale", "--json")
    assert stale.returncode == 0 and isinstance(json.loads(stale.stdout), list)
