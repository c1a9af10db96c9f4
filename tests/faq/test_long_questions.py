"""Entries with a dozen phrasings, and long questions that tell a story before they ask."""

from __future__ import annotations

from typing import Any

import pytest

from bot.faq import search
from bot.faq.knowledge_base import Entry, KnowledgeBase, load_knowledge
from bot.faq.search import FaqIndex


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return FaqIndex.build(load_knowledge())


def _entry(entry_id: str, question: str, alternatives: list[str], tag: str) -> Entry:
    data: dict[str, Any] = {
        "id": entry_id,
        "topic": "local",
        "question": question,
        "alternatives": alternatives,
        "answer": {"zh": "请问居委会。", "en": "Ask the residents' committee."},
        "tags": [tag],
        "source": "居委会",
        "updated": "2026-11-01",
        "review_by": "2027-05-01",
    }
    return Entry.model_validate(data)


def test_every_shipped_entry_has_ten_to_fourteen_phrasings() -> None:
    counts = {e.id: len(e.alternatives) for e in load_knowledge()}
    assert {i: n for i, n in counts.items() if not 10 <= n <= 14} == {}


def test_a_word_in_one_of_many_phrasings_does_not_outvote_the_entry_about_it() -> None:
    canteen = _entry(
        "canteen",
        "社区长者食堂在哪里？",
        [
            "长者食堂几点开门",
            "长者食堂怎么订餐",
            "长者食堂一顿饭多少钱",
            "长者食堂能送餐上门吗",
            "长者食堂周末开不开",
            "长者食堂要办卡吗",
            "长者食堂有没有素菜",
            "外地老人能去长者食堂吃饭吗",
            "长者食堂晚上几点关门",
            "长者食堂门口能停电瓶车吗",
        ],
        "长者食堂",
    )
    parking = _entry(
        "bike-parking", "电瓶车停在哪里？", ["电瓶车停放点在哪", "电瓶车能停楼下吗"], "停放"
    )
    index = FaqIndex(KnowledgeBase((canteen, parking)))
    # The canteen's phrasings hold 电瓶车 and 晚上 between them, each in one of eleven; counted
    # as one long field they outweighed the entry all of whose phrasings are about parking.
    assert index.search("电瓶车晚上停哪里", k=1)[0].entry.id == "bike-parking"


def test_clauses_that_ask_are_told_from_clauses_that_only_tell() -> None:
    assert search._clauses("前天油锅烧起来了，吓死了 下趟哪能灭？") == [
        ("前天油锅烧起来了", False),
        ("吓死了", False),
        ("下趟哪能灭", True),
    ]
    assert search._clauses("补贴是打到卡里还是给施工单位") == [
        ("补贴是打到卡里还是给施工单位", True)
    ]
    assert search._clauses("加装电梯需要多少业主同意？") == [("加装电梯需要多少业主同意", True)]


def test_the_story_before_a_question_counts_less_than_the_question(index: FaqIndex) -> None:
    # The story names the agreement and the documents; the question is about the subsidy.
    question = "我家加梯的协议大家都签好了 材料也备齐了 补贴哪能去申请"
    assert index.search(question, k=1)[0].entry.id == "subsidy-apply"


def test_a_short_question_in_two_clauses_keeps_both(index: FaqIndex) -> None:
    # Too short to be a story: the first clause names who asks and stays whole.
    assert index.search("我住一楼，要出钱伐", k=1)[0].entry.id == "cost-ground-floor"


def test_a_long_off_topic_story_is_not_answered_confidently(index: FaqIndex) -> None:
    story = "楼上人家天天半夜拖椅子 我讲过好几趟了 伊拉一点也不睬 这种事体我该寻啥人"
    assert not index.answer(story).confident
