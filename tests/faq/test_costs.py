"""Cost questions: the whole elevator, one's own floor's share, and the colloquial and
Shanghainese words residents use for them."""

from __future__ import annotations

import re

import pytest

from bot.faq.knowledge_base import KnowledgeBase
from bot.faq.search import FaqIndex, normalize
from bot.faq.synonyms import SYNONYM_GROUPS
from tests.faq.conftest import outright


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("阿拉楼里装电梯要多少钞票", "cost-total"),
        ("我住6楼，装电梯我要出多少钱", "cost-by-floor"),
    ],
)
def test_cost_questions_are_answered_with_the_right_entry(
    index: FaqIndex, question: str, expected: str
) -> None:
    assert outright(index, question) == expected


def test_the_per_floor_answer_gives_the_principle_and_no_unsourced_figure(
    kb: KnowledgeBase,
) -> None:
    entry = kb.get("cost-by-floor")
    assert entry is not None
    assert "第二百八十三条" in entry.answer.zh and "沪房更新〔2021〕18号" in entry.answer.zh
    assert "协议" in entry.answer.zh and "公积金" in entry.answer.zh
    # the guideline's coefficients per floor are not confirmed: no percentage is stated
    assert not re.search(r"\d+\s*%|百分之|成(?!本)", entry.answer.zh)
    assert "A13 [A + C]" in entry.refs and entry.source


def test_a_wrapped_synonym_line_stays_in_its_group() -> None:
    groups = {member: group[0] for group in SYNONYM_GROUPS for member in group}
    assert groups["电梯加装"] == "加装电梯"
    assert groups["每户出多少"] == "分摊"
    assert groups["住宅维修资金"] == "专项维修资金"
    assert normalize("电梯加装").split() == normalize("加装电梯").split()


@pytest.mark.parametrize(
    ("colloquial", "plain"),
    [
        ("阿拉", "我们"),
        ("钞票", "钱"),
        ("铜钿", "钱"),
        ("老公房", "老旧住宅"),
        ("啥人", "谁"),
        ("关牢", "困住"),
    ],
)
def test_shanghainese_and_colloquial_words_fold_to_plain_ones(colloquial: str, plain: str) -> None:
    assert normalize(f"电梯{colloquial}").split() == normalize(f"电梯{plain}").split()


async def test_a_resident_asking_about_their_floor_sees_the_sourced_answer(person) -> None:
    replies = await person("wang").send("我住6楼，装电梯我要出多少钱")
    assert "费用分摊协议" in replies[0].text
    assert "依据：《民法典》第二百八十三条" in replies[0].text
    assert "有帮助吗" in replies[-1].text
