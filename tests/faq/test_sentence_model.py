"""The optional sentence model: juwei's NumPy encoder gives the reference implementation's vectors,
refuses a weights file that asks to run code, ranks the choices without ever answering on its own,
and is kept out of the index cache but named in its key.

The two models under tests/fakes/sentence_models are tiny random BERTs; their expected vectors
were computed with Hugging Face transformers on PyTorch (bench/make_test_models.py)."""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import subprocess
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.faq import index_cache
from bot.faq.checkpoint import CheckpointError, load_weights
from bot.faq.encoder import SentenceEncoder
from bot.faq.knowledge_base import KnowledgeBase
from bot.faq.search import FaqIndex
from bot.settings import SettingsError, load_settings
from handlers.faq import LOW_SCORE
from tests.conftest import PY, juwei_env

MODELS = Path(__file__).parent.parent / "fakes" / "sentence_models"
FOLDERS = sorted(p for p in MODELS.iterdir() if p.is_dir())


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_the_encoder_gives_the_reference_vectors(folder: Path) -> None:
    expected = json.loads((folder / "expected.json").read_text("utf-8"))
    encoder = SentenceEncoder(folder)
    for text, ids in zip(expected["texts"], expected["ids"], strict=True):
        assert encoder.tokenizer.ids(text, 64) == ids, text
    vectors = encoder.encode(expected["texts"])
    assert np.allclose(vectors, np.array(expected["vectors"]), atol=1e-5)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_batches_and_order_do_not_change_a_vector() -> None:
    encoder = SentenceEncoder(MODELS / "cls_safetensors")
    texts = ["阿拉6楼装电梯，要出多少钞票？", "加装电梯要多少钱", "火灾烟感报警器过期"] * 20
    together = encoder.encode(texts)
    alone = np.stack([encoder.encode([text])[0] for text in texts[:3]])
    assert np.allclose(together[:3], alone, atol=1e-5)


class _Evil:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch pwned",))


def test_a_weights_file_that_asks_to_run_code_is_refused(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "pytorch_model.bin", "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps({"x": _Evil()}))
    with pytest.raises(CheckpointError, match="refuses to load"):
        load_weights(tmp_path)
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


def test_a_model_folder_without_weights_stops_start_up_with_the_setting_named(
    tmp_path: Path,
) -> None:
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "vocab.txt").write_text("[UNK]\n")
    with pytest.raises(SettingsError, match="JUWEI_FAQ_MODEL_DIR"):
        load_settings(_env_file=None, faq_model_dir=str(tmp_path))
    settings = load_settings(_env_file=None, faq_model_dir=str(MODELS / "cls_safetensors"))
    assert settings.faq_model_dir == MODELS / "cls_safetensors"
    assert load_settings(_env_file=None, faq_model_dir="").faq_model_dir is None


class _Chooser:
    """A model that finds a question closest to one chosen entry: every phrasing of that entry
    gets one direction, every other text another, and a question the chosen direction."""

    name = "chooser"

    def __init__(self, kb: KnowledgeBase, entry_id: str) -> None:
        entry = kb.get(entry_id)
        assert entry is not None
        self.chosen = {entry.question, *entry.alternatives, entry.answer.zh}
        self.questions: set[str] = set()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        rows = []
        for text in texts:
            near = text in self.chosen or text in self.questions
            rows.append([1.0, 0.0] if near else [0.0, 1.0])
        return np.array(rows, np.float32)


def test_the_model_orders_the_choices_but_never_answers_outright_alone(kb: KnowledgeBase) -> None:
    question = "加梯能用公积金吗"
    words_only = FaqIndex.build(kb).answer(question)
    assert words_only.confident and words_only.best is not None
    assert words_only.best.id == "provident-use"

    model = _Chooser(kb, "fire-power-strip")
    model.questions.add(question)
    mixed = FaqIndex.build(kb, model).answer(question)
    # The model's favourite leads the choices, but words and model disagree: no outright answer.
    assert mixed.best is not None and mixed.best.id == "fire-power-strip"
    assert not mixed.confident
    assert "provident-use" in [m.entry.id for m in mixed.alternatives]

    agreeing = _Chooser(kb, "provident-use")
    agreeing.questions.add(question)
    both = FaqIndex.build(kb, agreeing).answer(question)
    assert both.confident and both.best is not None and both.best.id == "provident-use"

    # A question whose words match nothing is "not found" (the words' score decides), however
    # close the model finds it.
    model.questions.add("我的快递到了吗")
    nothing = FaqIndex.build(kb, model).answer("我的快递到了吗")
    assert nothing.score < LOW_SCORE and not nothing.confident


def test_the_cache_keeps_the_vectors_not_the_model_and_knows_the_model(tmp_path: Path) -> None:
    cache, local = tmp_path / "cache", tmp_path / "faq"
    model = tmp_path / "model"
    model.mkdir()
    for path in (MODELS / "cls_safetensors").iterdir():
        if path.is_file():
            (model / path.name).write_bytes(path.read_bytes())
    _, built = index_cache.load_or_build(local, cache, model)
    (written,) = cache.glob(f"{index_cache.PREFIX}*.pickle")
    saved = pickle.loads(written.read_bytes())
    assert saved.index._encoder is None, "the model's weights stay in its folder"
    assert saved.index.model == "model", "the vectors of the phrasings are kept"
    _, loaded = index_cache.load_or_build(local, cache, model)
    question = "阿拉6楼装电梯要出多少钞票"
    assert loaded.model == "model"
    assert [m.entry.id for m in loaded.search(question, k=5)] == [
        m.entry.id for m in built.search(question, k=5)
    ]
    # Another model (here: the same folder with its weights changed) is another index.
    weights = model / "model.safetensors"
    weights.write_bytes(weights.read_bytes())
    os.utime(weights, ns=(1, 1))
    index_cache.load_or_build(local, cache, model)
    (rewritten,) = cache.glob(f"{index_cache.PREFIX}*.pickle")
    assert rewritten != written
    # Without the model, the words-only index of the same knowledge base.
    _, plain = index_cache.load_or_build(local, cache)
    assert plain.model is None


def test_faq_ask_from_the_shell_with_a_model_and_with_a_broken_one(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"

    def ask(model: Path) -> subprocess.CompletedProcess[str]:
        env = juwei_env(db) | {"JUWEI_FAQ_MODEL_DIR": str(model)}
        command = [PY, "-m", "bot", "faq", "ask", "加梯能用公积金吗", "--json"]
        return subprocess.run(
            command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60
        )

    done = ask(MODELS / "mean_torch_bin")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["id"]
    broken = tmp_path / "broken"
    broken.mkdir()
    refused = ask(broken)
    assert refused.returncode != 0
    assert "JUWEI_FAQ_MODEL_DIR" in refused.stderr and "model.safetensors" in refused.stderr


def test_a_tensor_claiming_more_than_its_storage_is_refused() -> None:
    from bot.faq import checkpoint

    storage = np.arange(6, dtype=np.float32)
    assert checkpoint._rebuild_tensor(storage, 0, (2, 3), (3, 1)).tolist() == [
        [0, 1, 2],
        [3, 4, 5],
    ]
    with pytest.raises(CheckpointError, match="past its storage"):
        checkpoint._rebuild_tensor(storage, 2, (2, 3), (3, 1))
    with pytest.raises(CheckpointError, match="not valid"):
        checkpoint._rebuild_tensor(storage, 0, (2, 3), (-3, 1))


def test_a_tensor_claiming_more_elements_than_its_storage_is_refused() -> None:
    from bot.faq import checkpoint

    storage = np.arange(4, dtype=np.float32)
    with pytest.raises(CheckpointError, match="more elements"):
        checkpoint._rebuild_tensor(storage, 0, (16000, 16000), (0, 0))


def test_a_compressed_storage_is_refused(tmp_path: Path) -> None:
    source = MODELS / "mean_torch_bin" / "pytorch_model.bin"
    with (
        zipfile.ZipFile(source) as old,
        zipfile.ZipFile(
            tmp_path / "pytorch_model.bin", "w", compression=zipfile.ZIP_DEFLATED
        ) as new,
    ):
        for item in old.infolist():
            new.writestr(item.filename, old.read(item))
    with pytest.raises(CheckpointError, match="compressed"):
        load_weights(tmp_path)


def test_lower_casing_and_accents_follow_the_tokenizer_settings(tmp_path: Path) -> None:
    from bot.faq.wordpiece import WordPiece

    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "cafe", "café", "Café"]
    (tmp_path / "vocab.txt").write_text("\n".join(tokens) + "\n", encoding="utf-8")
    by_default = WordPiece.load(tmp_path)  # BERT's defaults: lower-case, strip accents
    assert by_default.ids("Café", 16) == [2, tokens.index("cafe"), 3]
    (tmp_path / "tokenizer_config.json").write_text('{"strip_accents": false}')
    assert WordPiece.load(tmp_path).ids("Café", 16) == [2, tokens.index("café"), 3]
    (tmp_path / "tokenizer_config.json").write_text('{"do_lower_case": false}')
    assert WordPiece.load(tmp_path).ids("Café", 16) == [2, tokens.index("Café"), 3]


def _copy_model(source: Path, target: Path) -> Path:
    for path in source.rglob("*"):
        if path.is_file():
            (target / path.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
            (target / path.relative_to(source)).write_bytes(path.read_bytes())
    return target


def test_a_pooling_the_encoder_cannot_do_is_refused_not_guessed(tmp_path: Path) -> None:
    model = _copy_model(MODELS / "cls_safetensors", tmp_path / "model")
    (model / "1_Pooling" / "config.json").write_text('{"pooling_mode_max_tokens": true}')
    with pytest.raises(CheckpointError, match="pooling"):
        SentenceEncoder(model)


def test_a_model_that_cannot_be_used_leaves_the_faq_answering_by_words(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = _copy_model(MODELS / "cls_safetensors", tmp_path / "model")
    (model / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{broken}")
    with caplog.at_level("ERROR"):
        _, index = index_cache.load_or_build(tmp_path / "faq", tmp_path / "cache", model)
    assert index.model is None
    best = index.answer("加梯能用公积金吗").best
    assert best is not None and best.id == "provident-use"
    assert "JUWEI_FAQ_MODEL_DIR" in caplog.text and "words only" in caplog.text


async def test_questions_arriving_during_a_build_wait_for_it_instead_of_building_again(
    app, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from bot.faq import desk as desk_module
    from bot.faq.desk import FaqDesk

    builds: list[Path] = []
    real = index_cache.load_or_build

    def counted(*args: Any) -> Any:
        builds.append(args[0])
        return real(*args)

    monkeypatch.setattr(index_cache, "load_or_build", counted)
    monkeypatch.setattr(desk_module, "_CACHE", desk_module._Loaded())
    desk = FaqDesk.of(app)
    indexes = await asyncio.gather(*(desk.index() for _ in range(5)))
    assert len(builds) == 1
    assert all(found[1] is indexes[0][1] for found in indexes)
