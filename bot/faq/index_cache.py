"""The FAQ index on disk, so a fresh process answers without rebuilding it.

Building costs about a second (the trimmed jieba dictionary, then BM25F over every entry), which
is most of the time ``juwei faq ask`` takes. The pickled index is keyed by a hash of everything
it is made from: the knowledge-base files (shipped and staff-added), the word lists, the search
code and its pinyin table, plus the jieba and Python versions, and, when a sentence model ranks
too, the model's files (names, sizes, times) and its code. Any change gives a new key and a
rebuild; the model's weights are not in the file (they are loaded from its folder). A file that
cannot be read is ignored and rebuilt. The cache folder is as trusted as the database next to it
(pickle runs code on load), so it must not be writable by anyone else.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from bot.faq import knowledge_base, search, synonyms, typos
from bot.faq.knowledge_base import PACKAGE_KNOWLEDGE_DIR, KnowledgeBase, load_knowledge
from bot.faq.search import FaqIndex

log = logging.getLogger(__name__)

PREFIX = "faq-index-"
# The sentence model's code, hashed only when a model is used (importing it loads NumPy).
_MODEL_CODE = [
    Path(__file__).with_name(name)
    for name in ("encoder.py", "checkpoint.py", "wordpiece.py", "semantic.py")
]
_FORMAT = 2  # bump when the pickled payload changes shape


@dataclass(frozen=True)
class _Payload:
    key: str
    kb: KnowledgeBase
    index: FaqIndex
    freq: dict[str, int]
    total: int


def _jieba_version() -> str:
    try:
        return metadata.version("jieba")
    except metadata.PackageNotFoundError:  # pragma: no cover - jieba is a dependency
        return "?"


def cache_key(local_dir: Path, model_dir: Path | None = None) -> str:
    """A hash of the knowledge files, the word lists, the search code and the library versions
    (and of the sentence model's files, when there is one)."""
    digest = hashlib.sha256()
    if model_dir is not None:
        for code in _MODEL_CODE:
            digest.update(code.read_bytes())
        for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
            stat = path.stat()
            digest.update(f"\0{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    digest.update(f"{_FORMAT}|{sys.version_info[:2]}|{_jieba_version()}".encode())
    for module in (search, synonyms, typos, knowledge_base):
        digest.update(Path(str(module.__file__)).read_bytes())
    digest.update(typos.PINYIN_TABLE.read_bytes())
    for folder in (PACKAGE_KNOWLEDGE_DIR, local_dir):
        files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
        for path in files:
            digest.update(f"\0{folder.resolve()}/{path.name}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _read(path: Path, key: str) -> _Payload | None:
    try:
        with path.open("rb") as handle:
            payload = pickle.load(handle)  # our own file, beside the database
    except FileNotFoundError:
        return None
    except Exception as exc:  # any damage means "rebuild", never a failure
        log.warning("FAQ index cache %s is unreadable (%s); rebuilding it", path, exc)
        return None
    if not isinstance(payload, _Payload) or payload.key != key:
        log.warning("FAQ index cache %s does not match; rebuilding it", path)
        return None
    return payload


def _write(folder: Path, path: Path, payload: _Payload) -> None:
    """Write to a temporary file and rename it into place, so no reader sees half a file."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".faq-index-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(payload, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        for old in folder.glob(f"{PREFIX}*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only or full disk only costs the next process a rebuild
        log.warning("could not write the FAQ index cache in %s: %s", folder, exc)


def load_or_build(
    local_dir: Path, cache_dir: Path | None, model_dir: Path | None = None
) -> tuple[KnowledgeBase, FaqIndex]:
    """The knowledge base and its index: from ``cache_dir`` when a matching file is there,
    otherwise built and saved for the next process. ``None`` turns the cache off.
    ``model_dir``: a sentence model that ranks the entries too (bot.faq.encoder)."""
    model = None
    if model_dir is not None:
        from bot.faq.encoder import SentenceEncoder  # NumPy, only when a model is used

        try:
            model = SentenceEncoder(model_dir)
        except Exception as exc:  # any fault in the model's files: answer by words, say why
            log.error(
                "JUWEI_FAQ_MODEL_DIR: the sentence model in %s cannot be used (%s);"
                " the FAQ ranks by words only",
                model_dir,
                exc,
            )
            model_dir = None
    if cache_dir is None:
        kb = load_knowledge([local_dir])
        return kb, FaqIndex.build(kb, model)
    key = cache_key(local_dir, model_dir)
    path = cache_dir / f"{PREFIX}{key[:24]}.pickle"
    payload = _read(path, key)
    if payload is not None:
        search.install_segmenter(payload.freq, payload.total)
        if model is not None:
            payload.index.use_encoder(model)
        return payload.kb, payload.index
    kb = load_knowledge([local_dir])
    index = FaqIndex.build(kb, model)
    freq, total = search.segmenter_state()
    _write(cache_dir, path, _Payload(key, kb, index, freq, total))
    return kb, index
