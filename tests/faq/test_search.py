"""FAQ knowledge base loading and Chinese retrieval."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.faq.knowledge_base import (
    KnowledgeBase,
    KnowledgeError,
    format_answer,
    load_knowledge,
)
from bot.faq.search import FaqIndex, normalize
from tests.faq.conftest import first


def _entry(entry_id: str, **overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": entry_id,
        "question": "社区长者食堂在哪里吃饭？",
        "alternatives": ["老年人助餐点在什么地方", "长者食堂几点开门"],
        "answer": {"zh": "长者食堂在居委会一楼，午餐11点开始。", "en": "Lunch from 11:00."},
        "tags": ["长者食堂", "助餐"],
        "source": "居委会通知",
        "updated": "2026-11-01",
        "review_by": "2027-05-01",
    }
    entry.update(overrides)
    return entry


def _write(directory: Path, name: str, entries: list[dict[str, Any]], topic: str = "local") -> None:
    text = yaml.safe_dump({"topic": topic, "entries": entries}, allow_unicode=True)
    (directory / name).write_text(text, encoding="utf-8")


# --- the shipped knowledge base -----------------------------------------------------------------


def test_elevator_topic_has_at_least_forty_entries(kb: KnowledgeBase) -> None:
    elevator = [e for e in kb if e.topic == "elevator"]
    assert len(elevator) >= 40
    assert all(e.answer.zh and e.answer.en and e.source and e.alternatives for e in elevator)


def test_every_entry_question_ranks_itself_first(kb: KnowledgeBase, index: FaqIndex) -> None:
    wrong = [
        (e.id, index.search(e.question, k=1)[0].entry.id)
        for e in kb
        if index.search(e.question, k=1)[0].entry.id != e.id
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("加装电梯需要多少业主同意？", "vote-threshold"),
        ("装电梯政府能补贴多少", "subsidy-amount"),
        ("阿拉底楼的光线被电梯挡牢了，哪能办", "ground-light"),
        ("大修基金好拿来付加梯的钱伐", "maintenance-fund"),
        ("装电梯的钞票好从公积金里出伐", "provident-use"),
        ("儿子的公积金能不能帮爸妈付电梯钱", "provident-family"),
        ("电梯装好以后每个月的电费和维保谁出", "after-costs"),
        ("装电梯大概要多长时间才能用上", "process-duration"),
        ("楼上楼下为加梯吵架了谁来调解", "dispute-mediation"),
        ("電梯裝好後要去登記嗎", "process-acceptance"),
        ("加梯的流程有哪几步", "process-steps"),
        ("一楼的人家要不要出钱装电梯", "cost-ground-floor"),
        ("电瓶车推到楼梯间里充电可以伐", "fire-ebike-banned-places"),
        ("着火了打119要讲点啥", "fire-call-119"),
    ],
)
def test_paraphrased_and_colloquial_questions_find_their_entry(
    index: FaqIndex, query: str, expected: str
) -> None:
    assert first(index, query) == expected


@pytest.mark.parametrize(
    "query", ["天气怎么样", "今天吃什么", "怎么办理护照", "你好", "？？？", ""]
)
def test_off_topic_questions_are_not_confident(index: FaqIndex, query: str) -> None:
    assert not index.answer(query).confident


def test_exact_question_is_answered_confidently_with_runners_up(index: FaqIndex) -> None:
    answer = index.answer("一楼要不要出加装电梯的钱？")
    assert answer.confident
    assert answer.best is not None and answer.best.id == "cost-ground-floor"
    assert 0.0 < answer.score <= 1.0
    assert answer.alternatives
    assert all(m.entry.id != "cost-ground-floor" for m in answer.alternatives)
    assert all(m.score <= answer.score for m in answer.alternatives)


def test_nothing_to_match_gives_no_best(index: FaqIndex) -> None:
    answer = index.answer("？！……")
    assert answer.best is None and answer.score == 0.0 and answer.alternatives == []


def test_width_script_and_punctuation_do_not_change_the_result(index: FaqIndex) -> None:
    variants = [
        "加装电梯需要多少业主同意?",
        "加装电梯需要多少业主同意？",
        "「加裝電梯」需要多少業主同意？",
        "加装电梯 需要多少业主同意!!",
    ]
    tops = {index.search(v, k=1)[0].entry.id for v in variants}
    assert tops == {"vote-threshold"}
    assert normalize("ＡＢＣ１２３") == normalize("abc123")


def test_answer_is_fast_enough(index: FaqIndex) -> None:
    queries = ["加梯补贴多少", "一楼采光怎么办", "公积金能提多少", "天气怎么样"] * 25
    start = time.perf_counter()
    for query in queries:
        index.answer(query)
    mean_ms = (time.perf_counter() - start) / len(queries) * 1000
    assert mean_ms < 10


def test_a_question_asked_again_is_answered_from_memory_until_the_index_changes(
    kb: KnowledgeBase, index: FaqIndex
) -> None:
    first = index.answer("加梯补贴多少钱")
    assert index.answer("加梯补贴多少钱") is first  # not searched again
    rebuilt = FaqIndex.build(kb)  # the knowledge base changed: a new index remembers nothing
    again = rebuilt.answer("加梯补贴多少钱")
    assert again is not first
    assert again.best == first.best and again.score == first.score


def test_typo_repair_passes_over_characters_that_start_no_word_without_changing_results() -> None:
    from bot.faq.search import _homophones

    fixer = _homophones()
    assert fixer.fix("我家想加状电梯，公机金能用吗") == "我家想加装电梯，公积金能用吗"
    assert fixer.fix("今天天气不错") == "今天天气不错"


# --- loader ------------------------------------------------------------------------------------


def test_duplicate_id_is_rejected_with_both_places(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", [_entry("canteen")])
    _write(tmp_path, "b.yaml", [_entry("canteen")])
    with pytest.raises(KnowledgeError, match=r"duplicate entry id 'canteen'.*a\.yaml"):
        load_knowledge([tmp_path], include_package=False)


def test_local_entry_may_not_reuse_a_packaged_id(tmp_path: Path) -> None:
    _write(tmp_path, "local.yaml", [_entry("vote-threshold")])
    with pytest.raises(KnowledgeError, match="duplicate entry id 'vote-threshold'"):
        load_knowledge([tmp_path])


def test_missing_answer_is_rejected_naming_entry_and_field(tmp_path: Path) -> None:
    broken = _entry("canteen")
    del broken["answer"]
    _write(tmp_path, "local.yaml", [broken])
    with pytest.raises(KnowledgeError, match=r"local\.yaml: entry canteen: answer: Field required"):
        load_knowledge([tmp_path], include_package=False)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"question": "   "}, "question"),
        ({"answer": {"zh": "有答案", "en": ""}}, "answer.en"),
        ({"alternatives": []}, "alternatives"),
        ({"review_by": "2026-01-01"}, "before updated"),
        ({"id": "Bad Id"}, "id"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_entries_are_rejected(
    tmp_path: Path, overrides: dict[str, Any], message: str
) -> None:
    _write(tmp_path, "local.yaml", [_entry("canteen", **overrides)])
    with pytest.raises(KnowledgeError, match=message):
        load_knowledge([tmp_path], include_package=False)


def test_malformed_files_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("topic: x\nentries: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="not valid YAML"):
        load_knowledge([tmp_path], include_package=False)
    (tmp_path / "bad.yaml").write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="expected a mapping"):
        load_knowledge([tmp_path], include_package=False)


def test_missing_extra_directory_is_skipped(tmp_path: Path, kb: KnowledgeBase) -> None:
    assert len(load_knowledge([tmp_path / "not-there"])) == len(kb)


def test_year_month_dates_are_accepted(tmp_path: Path) -> None:
    _write(tmp_path, "local.yaml", [_entry("canteen", updated="2026-11", review_by="2027-05")])
    entry = load_knowledge([tmp_path], include_package=False).entries[0]
    assert (entry.updated, entry.review_by) == (date(2026, 11, 1), date(2027, 5, 1))
    assert entry.topic == "local"


def test_stale_lists_entries_past_their_review_date(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "local.yaml",
        [
            _entry("due-soon", review_by="2027-01-31"),
            _entry("due-later", review_by="2027-12-31"),
        ],
    )
    kb = load_knowledge([tmp_path], include_package=False)
    assert kb.stale(date(2027, 1, 31)) == []
    assert [e.id for e in kb.stale(date(2027, 2, 1))] == ["due-soon"]
    assert [e.id for e in kb.stale(date(2028, 1, 1))] == ["due-soon", "due-later"]


def test_shipped_entries_are_not_stale_today(kb: KnowledgeBase) -> None:
    assert kb.stale(date(2026, 11, 26)) == []


def test_format_answer_shows_source_and_month(kb: KnowledgeBase) -> None:
    entry = kb.get("subsidy-amount")
    assert entry is not None
    zh = format_answer(entry, "zh")
    assert zh.startswith(entry.answer.zh)
    assert zh.endswith(f"依据：{entry.source}；更新于 2026-11")
    en = format_answer(entry, "en-US")
    assert en.startswith(entry.answer.en)
    assert en.endswith(f"Source: {entry.source}; updated 2026-11")
    assert format_answer(entry, "fr") == zh


def test_extra_directory_entry_becomes_findable(tmp_path: Path, kb: KnowledgeBase) -> None:
    _write(tmp_path, "canteen.yaml", [_entry("elder-canteen")])
    reloaded = load_knowledge([tmp_path])
    assert len(reloaded) == len(kb) + 1
    answer = FaqIndex.build(reloaded).answer("长者食堂在什么地方")
    assert answer.best is not None and answer.best.id == "elder-canteen"
    assert answer.confident


def test_the_trimmed_dictionary_segments_the_knowledge_base_as_the_full_one() -> None:
    """Only words made of the knowledge base's characters are kept; its own text is cut alike."""
    import jieba

    from bot.faq.knowledge_base import load_knowledge
    from bot.faq.search import _trimmed_tokenizer

    full, trimmed = jieba.Tokenizer(), _trimmed_tokenizer()
    full.initialize()
    assert len(trimmed.FREQ) < len(full.FREQ) / 3 and trimmed.total == full.total
    for entry in load_knowledge().entries:
        for text in (entry.question, *entry.alternatives):
            assert list(trimmed.cut(text, HMM=False)) == list(full.cut(text, HMM=False)), text


# --- typos, household counts and close calls ---------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("加状电梯要多久", "加装电梯"), ("公机金能用来装电梯伐", "住房公积金")],
)
def test_pinyin_keyboard_typos_are_read_as_the_word_meant(typed: str, meant: str) -> None:
    assert meant in normalize(typed)


def test_a_real_word_that_sounds_like_a_domain_word_is_left_alone() -> None:
    # 家装 (home decoration) sounds like 加装 but is a word of its own.
    assert "加装电梯" not in normalize("家装噪音扰民")


def test_a_typo_in_the_key_word_still_finds_the_entry(index: FaqIndex) -> None:
    best = index.answer("公机金能用来装电梯伐").best
    assert best is not None and best.id == "provident-use"


def test_a_household_count_asks_for_the_worked_example(index: FaqIndex) -> None:
    assert index.search("我们门洞十八户，要几户同意", k=1)[0].entry.id == "vote-example"
    assert index.search("要几户同意才好装电梯", k=1)[0].entry.id == "vote-threshold"


def test_a_question_between_two_close_entries_offers_choices(index: FaqIndex) -> None:
    # Approval and the whole procedure both fit; a lead of a few hundredths (enough before) is
    # too small to pick one outright.
    answer = index.answer("加梯要审批几个部门流程怎么走")
    assert not answer.confident
    offered = {answer.best.id if answer.best else "", *(m.entry.id for m in answer.alternatives)}
    assert {"process-approval", "process-steps"} <= offered
