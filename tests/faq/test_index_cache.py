"""The FAQ index on disk: reused by the next process, rebuilt when anything it is made of
changes, and never trusted when damaged."""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.faq import index_cache
from bot.faq.search import FaqIndex
from tests.conftest import PY, juwei, juwei_env

LOCAL_ENTRY = {
    "topic": "local",
    "entries": [
        {
            "id": "shared-bikes",
            "question": "小区里的共享单车乱停放找谁处理",
            "alternatives": ["共享单车堵门口"],
            "answer": {"zh": "请拨打 12345 市民热线。", "en": "Call the 12345 hotline."},
            "tags": ["共享单车"],
            "source": "居委会工作经验",
            "updated": "2026-11",
            "review_by": "2027-11",
        }
    ],
}


def _cache_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{index_cache.PREFIX}*.pickle"))


def _no_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> FaqIndex:
        raise AssertionError("the index was built although a cached one was there")

    monkeypatch.setattr(FaqIndex, "build", classmethod(refuse))


def test_second_load_reads_the_index_from_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    kb, index = index_cache.load_or_build(tmp_path / "faq", cache)
    assert len(_cache_files(cache)) == 1
    _no_builds(monkeypatch)
    kb2, index2 = index_cache.load_or_build(tmp_path / "faq", cache)
    assert [e.id for e in kb2] == [e.id for e in kb]
    question = "加梯能用公积金吗"
    assert index2.answer(question).best == index.answer(question).best
    assert not list(cache.glob("*.tmp")), "no temporary file is left behind"


def test_a_changed_knowledge_file_gives_a_new_index(tmp_path: Path) -> None:
    cache, local = tmp_path / "cache", tmp_path / "faq"
    index_cache.load_or_build(local, cache)
    before = _cache_files(cache)
    local.mkdir()
    (local / "local.yaml").write_text(yaml.safe_dump(LOCAL_ENTRY, allow_unicode=True), "utf-8")
    kb, index = index_cache.load_or_build(local, cache)
    assert kb.get("shared-bikes") is not None
    best = index.answer("共享单车乱停放找谁").best
    assert best is not None and best.id == "shared-bikes"
    after = _cache_files(cache)
    assert len(after) == 1 and after != before, "the old file is replaced, not kept beside"


def test_a_damaged_cache_file_is_rebuilt_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "cache"
    index_cache.load_or_build(tmp_path / "faq", cache)
    (path,) = _cache_files(cache)
    path.write_bytes(b"\x80\x05 not a pickle at all")
    with caplog.at_level(logging.WARNING, logger="bot.faq.index_cache"):
        kb, index = index_cache.load_or_build(tmp_path / "faq", cache)
    assert "unreadable" in caplog.text
    best = index.answer("加装电梯需要多少业主同意").best
    assert best is not None and best.id == "vote-threshold" and len(kb) > 50
    assert path.read_bytes()[:1] == b"\x80" and len(path.read_bytes()) > 1000, "written again"


def test_an_unwritable_cache_folder_still_answers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the folder should be", "utf-8")
    with caplog.at_level(logging.WARNING, logger="bot.faq.index_cache"):
        _, index = index_cache.load_or_build(tmp_path / "faq", blocked)
    assert index.answer("加梯能用公积金吗").best is not None
    assert "could not write" in caplog.text


def test_cli_ask_writes_the_cache_where_the_setting_says(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    first = juwei(db, "faq", "ask", "阿拉楼里装电梯要几户人家签字伐", "--json")
    assert first.returncode == 0, first.stderr
    assert len(_cache_files(tmp_path / "cache")) == 1, "default: beside the database"
    again = juwei(db, "faq", "ask", "阿拉楼里装电梯要几户人家签字伐", "--json")
    assert json.loads(again.stdout) == json.loads(first.stdout)
    elsewhere = tmp_path / "elsewhere"
    env = juwei_env(db) | {"JUWEI_CACHE_DIR": str(elsewhere)}
    done = subprocess.run(
        [PY, "-m", "bot", "faq", "ask", "加梯能用公积金吗"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(_cache_files(elsewhere)) == 1
