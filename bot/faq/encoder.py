"""A sentence-embedding model (BERT family) run with NumPy: text in, a unit vector out.

Optional: ``JUWEI_FAQ_MODEL_DIR`` names a folder with a Chinese sentence model as published
(``config.json``, ``vocab.txt`` or ``tokenizer.json``, ``model.safetensors`` or
``pytorch_model.bin``, and sentence-transformers' ``1_Pooling/config.json`` when it has one).
Two questions that mean the same get vectors pointing the same way even when they share no
words, which word matching cannot see. Nothing is downloaded: the operator chooses the model and
its licence. Small models (4-12 layers) answer a question in milliseconds on a CPU.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.faq.checkpoint import CheckpointError, Weights, load_weights
from bot.faq.wordpiece import WordPiece

# Questions are short; their first 128 pieces say what they ask. Answers are cut there too
# (about a third of them are longer): their beginning says what they cover.
MAX_TOKENS = 128
_BATCH = 32

# Abramowitz & Stegun 7.1.26: erf within 1.5e-7, for BERT's exact (erf) GELU without SciPy.
_P = 0.3275911
_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def _erf(x: np.ndarray) -> np.ndarray:
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + _P * x)
    poly = t * (_A[0] + t * (_A[1] + t * (_A[2] + t * (_A[3] + t * _A[4]))))
    result: np.ndarray = sign * (1.0 - poly * np.exp(-x * x))
    return result


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    result: np.ndarray = (x - mean) / np.sqrt(var + eps) * weight + bias
    return result


@dataclass(frozen=True)
class _Layer:
    qkv: np.ndarray  # (hidden, 3 * hidden): query, key and value in one product
    qkv_bias: np.ndarray
    out: np.ndarray
    out_bias: np.ndarray
    norm1: tuple[np.ndarray, np.ndarray]
    up: np.ndarray
    up_bias: np.ndarray
    down: np.ndarray
    down_bias: np.ndarray
    norm2: tuple[np.ndarray, np.ndarray]


def _tidy(weights: Weights) -> Weights:
    """Names without the ``bert.``/``model.`` prefix, and old checkpoints' gamma/beta renamed."""
    tidy: Weights = {}
    for name, array in weights.items():
        for prefix in ("bert.", "model."):
            if name.startswith(prefix):
                name = name[len(prefix) :]
        if name.endswith("LayerNorm.gamma"):
            name = name[: -len("gamma")] + "weight"
        elif name.endswith("LayerNorm.beta"):
            name = name[: -len("beta")] + "bias"
        tidy[name] = array
    return tidy


class SentenceEncoder:
    def __init__(self, folder: Path) -> None:
        config = json.loads((folder / "config.json").read_text("utf-8"))
        shape = (
            config.get("model_type", "bert"),
            config.get("hidden_act", "gelu"),
            config.get("position_embedding_type", "absolute"),
        )
        if shape != ("bert", "gelu", "absolute"):
            raise CheckpointError(
                f"{folder}: only BERT models with GELU and absolute positions are supported"
                f" (this one: {', '.join(map(str, shape))})"
            )
        self.tokenizer = WordPiece.load(folder)
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.max_tokens = min(MAX_TOKENS, int(config.get("max_position_embeddings", 512)))
        self.cls_pooling = _uses_cls_pooling(folder)
        w = _tidy(load_weights(folder))
        try:
            self.words = w["embeddings.word_embeddings.weight"]
            self.positions = w["embeddings.position_embeddings.weight"]
            self.segment = w["embeddings.token_type_embeddings.weight"][0]
            self.norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
            self.layers = [
                self._layer(w, f"encoder.layer.{n}.")
                for n in range(int(config["num_hidden_layers"]))
            ]
        except KeyError as missing:
            raise CheckpointError(f"{folder}: the weights lack {missing}") from None
        self.name = folder.name

    @staticmethod
    def _layer(w: Weights, p: str) -> _Layer:
        attention = p + "attention."
        return _Layer(
            qkv=np.concatenate(
                [w[f"{attention}self.{part}.weight"].T for part in ("query", "key", "value")],
                axis=1,
            ),
            qkv_bias=np.concatenate(
                [w[f"{attention}self.{part}.bias"] for part in ("query", "key", "value")]
            ),
            out=w[attention + "output.dense.weight"].T,
            out_bias=w[attention + "output.dense.bias"],
            norm1=(
                w[attention + "output.LayerNorm.weight"],
                w[attention + "output.LayerNorm.bias"],
            ),
            up=w[p + "intermediate.dense.weight"].T,
            up_bias=w[p + "intermediate.dense.bias"],
            down=w[p + "output.dense.weight"].T,
            down_bias=w[p + "output.dense.bias"],
            norm2=(w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length float32 row per text."""
        ids = [self.tokenizer.ids(text, self.max_tokens) for text in texts]
        out = np.zeros((len(ids), self.words.shape[1]), np.float32)
        # Texts of like length batched together: little padding to compute for nothing.
        order = sorted(range(len(ids)), key=lambda n: len(ids[n]))
        for start in range(0, len(order), _BATCH):
            chosen = order[start : start + _BATCH]
            out[chosen] = self._batch([ids[n] for n in chosen])
        return out

    def _batch(self, ids: Sequence[list[int]]) -> np.ndarray:
        length = max(len(row) for row in ids)
        padded = np.zeros((len(ids), length), np.int64)
        mask = np.zeros((len(ids), length), np.float32)
        for n, row in enumerate(ids):
            padded[n, : len(row)] = row
            mask[n, : len(row)] = 1.0
        x = self.words[padded] + self.positions[:length] + self.segment
        x = _layer_norm(x, *self.norm, self.eps)
        # Padding is never attended to: a large negative score before the softmax.
        blocked = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in self.layers:
            x = self._run_layer(layer, x, blocked)
        if self.cls_pooling:
            pooled = x[:, 0]
        else:
            pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: np.ndarray = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit

    def _run_layer(self, layer: _Layer, x: np.ndarray, blocked: np.ndarray) -> np.ndarray:
        batch, length, hidden = x.shape
        size = hidden // self.heads
        flat = x.reshape(batch * length, hidden)  # dense layers as one 2-D product: BLAS's best
        qkv = (flat @ layer.qkv + layer.qkv_bias).reshape(batch, length, 3, self.heads, size)
        q, k, v = (qkv[:, :, n].transpose(0, 2, 1, 3) for n in range(3))
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(math.sqrt(size)) + blocked
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, hidden)
        flat = _layer_norm(context @ layer.out + layer.out_bias + flat, *layer.norm1, self.eps)
        inner = _gelu(flat @ layer.up + layer.up_bias)
        flat = _layer_norm(inner @ layer.down + layer.down_bias + flat, *layer.norm2, self.eps)
        result: np.ndarray = flat.reshape(batch, length, hidden)
        return result


def _uses_cls_pooling(folder: Path) -> bool:
    """sentence-transformers' pooling: the first token's vector or the mean (the default when
    the folder says nothing). Anything else would give other vectors than the model's authors
    meant, so it is refused rather than guessed."""
    modules = folder / "modules.json"
    if modules.exists():
        kinds = {str(m.get("type", "")).rsplit(".", 1)[-1] for m in json.loads(modules.read_text())}
        if not kinds <= {"Transformer", "Pooling", "Normalize"}:
            raise CheckpointError(f"{folder}: modules {sorted(kinds)} are not supported")
    pooling = folder / "1_Pooling" / "config.json"
    if not pooling.exists():
        return False
    spec = json.loads(pooling.read_text("utf-8"))
    modes = {k for k, v in spec.items() if k.startswith("pooling_mode_") and v}
    if modes not in ({"pooling_mode_cls_token"}, {"pooling_mode_mean_tokens"}, set()):
        raise CheckpointError(f"{folder}: pooling {sorted(modes)} is not supported")
    return modes == {"pooling_mode_cls_token"}
