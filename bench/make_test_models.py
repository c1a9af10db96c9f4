"""Regenerate ``tests/fakes/sentence_models/``: two tiny random BERT sentence models and what the
reference implementation (Hugging Face transformers on PyTorch) makes of a few texts with them.

The tests hold juwei's NumPy encoder against these vectors. Run by hand, in a virtualenv with
``torch`` and ``transformers`` (neither is a dependency of juwei):
``python bench/make_test_models.py``. Both models are random: they mean nothing, they only pin
the arithmetic (tokenizer, weights, layers, pooling) to the reference.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
from transformers import AutoTokenizer, BertConfig, BertModel, BertTokenizerFast

OUT = Path(__file__).resolve().parent.parent / "tests" / "fakes" / "sentence_models"
TEXTS = [
    "加装电梯要多少钱",
    "阿拉6楼装电梯，要出多少钞票？",
    "Hello, WORLD! Café 123abc",
    "电瓶车冲电可以伐？？",
    "",
]
CHARS = "加装电梯要多少钱阿拉楼出钞票瓶车冲可以伐火灾烟感报警器灭过期"
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ["hello", "world", "cafe", "café", "Hello", "123", "##abc", "6", ",", "!", "?", "？", "，"]


def build(folder: Path, *, lowercase: bool, cls_pooling: bool, safetensors: bool) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    vocab = SPECIAL + list(dict.fromkeys(CHARS)) + WORDS
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(
        vocab_file=str(folder / "vocab.txt"), do_lower_case=lowercase, tokenize_chinese_chars=True
    )
    torch.manual_seed(7 if cls_pooling else 11)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
    )
    model = BertModel(config).eval()
    with torch.no_grad():  # random weights far from the initial LayerNorm's ones and zeros
        for parameter in model.parameters():
            parameter.normal_(0.0, 0.5)
    model.save_pretrained(folder, safe_serialization=safetensors)
    tokenizer.save_pretrained(folder)
    if safetensors:  # the vocabulary from vocab.txt, lower-casing by tokenizer_config.json
        (folder / "tokenizer.json").unlink()
    else:  # the vocabulary from tokenizer.json, no lower-casing (as m3e's folders say)
        (folder / "vocab.txt").unlink()
    for extra in ("special_tokens_map.json", "generation_config.json"):
        (folder / extra).unlink(missing_ok=True)
    if cls_pooling:
        (folder / "1_Pooling").mkdir()
        (folder / "1_Pooling" / "config.json").write_text(
            json.dumps({"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False})
        )
    # As a reader of the folder gets it, not as built in memory above.
    tokenizer = AutoTokenizer.from_pretrained(folder)
    batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    pooled = hidden[:, 0] if cls_pooling else (hidden * mask).sum(1) / mask.sum(1)
    vectors = torch.nn.functional.normalize(pooled, dim=-1)
    ids = [[i for i in row if i != 0] for row in batch["input_ids"].tolist()]
    expected = {"texts": TEXTS, "ids": ids, "vectors": vectors.tolist()}
    (folder / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1))


def main() -> None:
    build(OUT / "cls_safetensors", lowercase=True, cls_pooling=True, safetensors=True)
    build(OUT / "mean_torch_bin", lowercase=False, cls_pooling=False, safetensors=False)
    for folder in sorted(OUT.iterdir()):
        print(folder.name, sorted(p.name for p in folder.rglob("*") if p.is_file()))


if __name__ == "__main__":
    main()
