"""Find the FAQ entry that answers a resident's free-text question.

Text is normalised (full-width -> half-width, traditional -> simplified, pinyin-keyboard typos ->
the word meant, synonyms -> one canonical word, punctuation dropped) and scored twice with BM25F
over each entry's question, alternatives, tags and answer: once on jieba words, once on
character bigrams, which survive typos and odd segmentations. A few dozen entries are too few
for IDF alone to tell 采光 from 以后, so word weights are also scaled by how specific a word is in
general Chinese (jieba's dictionary frequencies). Scores are divided by the best score the query
could reach, so 1.0 means every query term matched strongly and thresholds mean the same for short
and long questions; an entry whose closest phrasing asks about more than the query mentions is
held back slightly.
"""

from __future__ import annotations

import io
import logging
import math
import re
import threading
import unicodedata
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.faq import synonyms
from bot.faq.knowledge_base import PACKAGE_KNOWLEDGE_DIR, Entry, KnowledgeBase
from bot.faq.quiet_import import import_jieba
from bot.faq.synonyms import (
    DOMAIN_WORDS,
    PHRASE_REWRITES,
    STOPWORDS,
    SYNONYM_GROUPS,
    TRADITIONAL_TO_SIMPLIFIED,
)
from bot.faq.typos import HomophoneFixer

import_jieba()  # first, so that the plain import below finds it loaded

import jieba  # noqa: E402

# Calibrated with bench/faq.py's development and residents' sets plus 35 unrelated questions: at
# 0.30 unrelated ones stay below it (天气, 护照: near 0). The lead over the runner-up was 0.04;
# every confident wrong answer there led by less than 0.10 (two neighbouring entries, such as the
# vote threshold and its worked example), so a wrong pick costs a "did you mean" list, not a wrong
# answer: about 60% of residents' questions are still answered directly. A near-complete match
# (0.80: every query word found in one entry) needs only the old 0.04 lead.
CONFIDENT_SCORE = 0.30
CONFIDENT_MARGIN = 0.10
SURE_SCORE = 0.80
SURE_MARGIN = 0.04

_K1 = 1.2
# How much an entry is held back when its own phrasings ask about more than the query does
# (公房 in "公房租户能用公积金吗" when the query only says 公积金): 0 ignores it.
_COVERAGE_SHARE = 0.15
# Share of the bigram channel in the combined score: enough to rescue typos, small enough that
# shared characters do not outvote shared words.
_BIGRAM_SHARE = 0.25
# Specificity from general word frequency, -log(p): function words sit near 6-8, topical
# words above 12. Below _COMMON a word keeps only _FLOOR of its weight.
_COMMON, _SPECIFIC, _FLOOR = 6.5, 12.0, 0.2
# Answers kept per index, by the question's exact text (about 1 KB each).
_REMEMBERED = 2048


@dataclass(frozen=True)
class _Field:
    weight: float
    b: float  # length normalisation; alternatives are a list of phrasings, so barely normalised


_FIELDS: Mapping[str, _Field] = {
    "question": _Field(weight=2.5, b=0.5),
    "alternatives": _Field(weight=1.5, b=0.3),
    "tags": _Field(weight=1.5, b=0.0),
    "answer": _Field(weight=0.7, b=0.75),
}


@dataclass(frozen=True, slots=True)
class Match:
    entry: Entry
    score: float


@dataclass(frozen=True, slots=True)
class Answer:
    """The best entry (if anything matched), its normalised score, and whether to answer
    directly; ``alternatives`` are the runners-up to offer as "did you mean"."""

    best: Entry | None
    score: float
    confident: bool
    alternatives: list[Match] = field(default_factory=list)


# --- text normalisation and tokenisation ------------------------------------------------------

_CANONICAL: dict[str, str] = {member: group[0] for group in SYNONYM_GROUPS for member in group}


def _alternation(keys: Iterable[str]) -> re.Pattern[str]:
    # Longest first, so a phrase wins over a shorter member inside it.
    return re.compile("|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True)))


_PHRASE_RE = _alternation(PHRASE_REWRITES)
_CANONICAL_RE = _alternation(_CANONICAL)
# A count of households (12户, 十八户, 十二家) asks for the worked example of a vote, whatever
# the number: the count becomes one shared word. 一户 is left alone (一户人家不同意 is no count).
_HOUSEHOLDS = re.compile(r"(?:\d{1,3}|[两二三四五六七八九]?十[一二三四五六七八九]?)(?:户|家)")
# Shanghainese question particle at the end of a clause ("好装伐"); jieba glues it to the verb.
_TRAILING_FA = re.compile(r"伐(?=\s|$)")
_CJK = re.compile(r"[\u3400-\u9fff]")
# Canonical and domain terms stay whole: splitting 住房公积金 into 住房/公积/积金 would count one
# idea four times.
_ATOMIC = frozenset({*DOMAIN_WORDS, *(group[0] for group in SYNONYM_GROUPS)})

_segmenter_lock = threading.Lock()
_segmenter: jieba.Tokenizer | None = None


def _vocabulary_characters() -> frozenset[str]:
    """Every character the shipped knowledge base and the word lists (synonyms, dialect and
    filler words) use."""
    sources = [*PACKAGE_KNOWLEDGE_DIR.glob("*.yaml"), Path(synonyms.__file__)]
    return frozenset("".join(path.read_text("utf-8") for path in sources))


def _trimmed_tokenizer() -> jieba.Tokenizer:
    """jieba with only the dictionary words made of characters the knowledge base uses.

    The full dictionary costs about 60 MB of memory. A word with a character no entry uses
    can never match an entry, and the words kept segment text in those characters exactly
    as before (the frequency total is the full one). Unknown words still go to jieba's HMM.
    """
    keep = _vocabulary_characters()
    tokenizer = jieba.Tokenizer()
    kept: list[bytes] = []
    total = 0
    with tokenizer.get_dict_file() as full:
        for line in full:
            word, _, rest = line.decode("utf-8").partition(" ")
            total += int(rest.split(" ", 1)[0])
            if all(ch in keep for ch in word):
                kept.append(line)
    tokenizer.FREQ, _ = tokenizer.gen_pfdict(io.BytesIO(b"".join(kept)))
    tokenizer.total = total
    tokenizer.initialized = True
    return tokenizer


def _jieba() -> jieba.Tokenizer:
    """One private jieba tokenizer with the domain words, built on first use."""
    global _segmenter
    with _segmenter_lock:
        if _segmenter is None:
            jieba.setLogLevel(logging.WARNING)
            tokenizer = _trimmed_tokenizer()
            for word in _ATOMIC:
                tokenizer.add_word(word)
            _segmenter = tokenizer
        return _segmenter


_fixer_lock = threading.Lock()
_fixer: HomophoneFixer | None = None


def _homophones() -> HomophoneFixer:
    """The typo repair over the canonical and domain words, built on first use."""
    global _fixer
    segmenter = _jieba()
    with _fixer_lock:
        if _fixer is None:
            _fixer = HomophoneFixer(
                vocabulary=[*_CANONICAL, *DOMAIN_WORDS],
                known_chars=_vocabulary_characters(),
                is_word=lambda run: segmenter.FREQ.get(run, 0) > 0,
            )
        return _fixer


def segmenter_state() -> tuple[dict[str, int], int]:
    """The tokenizer's dictionary (word -> frequency) and frequency total, for the disk cache."""
    tokenizer = _jieba()
    return dict(tokenizer.FREQ), int(tokenizer.total)


def install_segmenter(freq: dict[str, int], total: int) -> None:
    """Use a dictionary saved by :func:`segmenter_state` instead of building it again."""
    global _segmenter
    with _segmenter_lock:
        if _segmenter is None:
            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.FREQ, tokenizer.total = freq, total
            tokenizer.initialized = True
            _segmenter = tokenizer


def normalize(text: str) -> str:
    """Fold width, case, script, homophone typos and synonyms; punctuation becomes spaces."""
    text = unicodedata.normalize("NFKC", text).lower().translate(TRADITIONAL_TO_SIMPLIFIED)
    text = _homophones().fix(text)
    text = _HOUSEHOLDS.sub(" 户数举例 ", text)
    # Twice: a dialect word rewritten in the first pass can complete a phrase for the second
    # (要多少钞票 -> 要多少钱 -> 造价).
    for _ in range(2):
        text = _PHRASE_RE.sub(lambda m: PHRASE_REWRITES[m.group(0)], text)
    text = _CANONICAL_RE.sub(lambda m: f" {_CANONICAL[m.group(0)]} ", text)
    text = "".join(" " if unicodedata.category(c)[0] in "PSZC" else c for c in text)
    return _TRAILING_FA.sub(" ", text)


def _tokens(normalized: str) -> list[str]:
    """jieba's words, stripped; empty ones (spaces) kept, since they break a bigram run."""
    return [raw.strip() for raw in _jieba().cut(normalized)]


def word_groups(normalized: str, tokens: list[str] | None = None) -> list[tuple[str, ...]]:
    """One group per content word: the word, then its dictionary sub-words (as jieba's search
    mode gives them), so 楼上楼下 can match 楼下 yet still counts as one piece of evidence.
    ``tokens``: the text already cut by :func:`_tokens` (a query is cut once, not twice)."""
    segmenter = _jieba()
    groups: list[tuple[str, ...]] = []
    for token in _tokens(normalized) if tokens is None else tokens:
        if not token or token in STOPWORDS:
            continue
        subwords: list[str] = []
        if len(token) > 2 and token not in _ATOMIC:
            subwords = [
                gram
                for n in (2, 3)
                if n < len(token)
                for i in range(len(token) - n + 1)
                if (gram := token[i : i + n]) not in STOPWORDS and segmenter.FREQ.get(gram)
            ]
        groups.append((token, *subwords))
    return groups


def bigram_groups(normalized: str, tokens: list[str] | None = None) -> list[tuple[str, ...]]:
    """Character bigrams inside runs of content words; stop words break a run, so particles
    such as 是不是 or 真的吗 never match."""
    runs: list[str] = []
    current = ""
    for token in _tokens(normalized) if tokens is None else tokens:
        if token and token not in STOPWORDS and _CJK.match(token):
            current += token
        else:
            runs.append(current)
            current = ""
    runs.append(current)
    grams: list[tuple[str, ...]] = []
    for run in filter(None, runs):
        if len(run) == 1:
            grams.append((run,))
        grams.extend((run[i : i + 2],) for i in range(len(run) - 1))
    return grams


def _specificity(term: str) -> float:
    if term in _ATOMIC:
        return 1.0
    segmenter = _jieba()
    freq = segmenter.FREQ.get(term, 0)
    if not freq:
        return 1.0
    info = math.log(segmenter.total / freq)
    return min(1.0, max(_FLOOR, (info - _COMMON) / (_SPECIFIC - _COMMON)))


def _uniform(term: str) -> float:
    return 1.0


# --- BM25F --------------------------------------------------------------------------------------

Tokenizer = Callable[[str], list[tuple[str, ...]]]


class _Bm25f:
    """Precomputed per-term impacts, so a query is a few dictionary look-ups and additions."""

    def __init__(
        self, docs: Sequence[Mapping[str, list[str]]], weight: Callable[[str], float]
    ) -> None:
        n = len(docs)
        self._weight = weight
        avg_len = {name: max(1.0, sum(len(d[name]) for d in docs) / max(1, n)) for name in _FIELDS}
        pseudo_tf: list[dict[str, float]] = []
        df: Counter[str] = Counter()
        for doc in docs:
            tf: dict[str, float] = defaultdict(float)
            for name, spec in _FIELDS.items():
                norm = 1 - spec.b + spec.b * len(doc[name]) / avg_len[name]
                for term, count in Counter(doc[name]).items():
                    tf[term] += spec.weight * count / norm
            pseudo_tf.append(tf)
            df.update(tf.keys())
        self._idf = {t: weight(t) * math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        # Terms no entry contains still count against the query, as much as a rare term.
        self._unseen_idf = math.log(1 + (n + 0.5) / 1.5)
        self._postings: dict[str, dict[int, float]] = defaultdict(dict)
        for index, tf in enumerate(pseudo_tf):
            for term, value in tf.items():
                impact = self._idf[term] * value * (_K1 + 1) / (value + _K1)
                self._postings[term][index] = impact

    def idf_of(self, term: str) -> float:
        idf = self._idf.get(term)
        return idf if idf is not None else self._weight(term) * self._unseen_idf

    def score(
        self, groups: Iterable[tuple[str, ...]], into: dict[int, float], share: float
    ) -> float:
        """Add each entry's score into ``into``; return the query's best attainable score.

        A group (a word and its sub-words) adds its best-matching member per entry."""
        bound = 0.0
        for group in set(groups):
            bound += max(self.idf_of(t) for t in group) * (_K1 + 1)
            best: dict[int, float] = {}
            for term in group:
                for index, impact in self._postings.get(term, {}).items():
                    if impact > best.get(index, 0.0):
                        best[index] = impact
            for index, impact in best.items():
                into[index] = into.get(index, 0.0) + share * impact
        return share * bound


def _entry_fields(entry: Entry, tokenize: Tokenizer) -> dict[str, list[str]]:
    def flat(texts: Iterable[str]) -> list[str]:
        return [term for text in texts for group in tokenize(normalize(text)) for term in group]

    return {
        "question": flat([entry.question]),
        "alternatives": flat(entry.alternatives),
        "tags": flat(entry.tags),
        "answer": flat([entry.answer.zh]),
    }


class FaqIndex:
    def __init__(self, entries: Sequence[Entry]) -> None:
        self._entries = tuple(entries)
        self._answers: OrderedDict[str, Answer] = OrderedDict()
        self._words = _Bm25f([_entry_fields(e, word_groups) for e in self._entries], _specificity)
        self._bigrams = _Bm25f([_entry_fields(e, bigram_groups) for e in self._entries], _uniform)
        # Each phrasing (question or alternative) as its set of word terms with their total weight.
        self._phrasings = [
            [self._weighted_terms(text) for text in (e.question, *e.alternatives)]
            for e in self._entries
        ]

    def _weighted_terms(self, text: str) -> tuple[dict[str, float], float]:
        terms = {t: self._words.idf_of(t) for g in word_groups(normalize(text)) for t in g[:1]}
        return terms, sum(terms.values())

    def _coverage_factor(self, index: int, query_terms: set[str]) -> float:
        """1.0 when the query covers one of the entry's phrasings entirely (by term weight),
        down to 1 - _COVERAGE_SHARE when it covers none of them."""
        best = 0.0
        for terms, total in self._phrasings[index]:
            if total > 0.0:
                best = max(best, sum(w for t, w in terms.items() if t in query_terms) / total)
        return 1 - _COVERAGE_SHARE + _COVERAGE_SHARE * best

    @classmethod
    def build(cls, kb: KnowledgeBase) -> FaqIndex:
        return cls(kb.entries)

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, query: str, k: int = 3) -> list[Match]:
        """The ``k`` best entries, best first, with scores in [0, 1]."""
        if k <= 0:
            return []
        text = normalize(query)
        tokens = _tokens(text)
        groups = word_groups(text, tokens)
        scores: dict[int, float] = {}
        bound = self._words.score(groups, scores, 1.0 - _BIGRAM_SHARE)
        bound += self._bigrams.score(bigram_groups(text, tokens), scores, _BIGRAM_SHARE)
        if bound <= 0.0:
            return []
        raw = sorted(((s, i) for i, s in scores.items() if s > 0.0), key=lambda p: (-p[0], p[1]))
        if not raw:
            return []
        # Coverage scales a score by at most (1 - _COVERAGE_SHARE), so only entries within that
        # factor of the k-th best can still reach the top k; the rest need no coverage check.
        floor = raw[min(k, len(raw)) - 1][0] * (1 - _COVERAGE_SHARE)
        query_terms = {t for g in groups for t in g}
        final = [
            (min(1.0, s / bound) * self._coverage_factor(i, query_terms), i)
            for s, i in raw
            if s >= floor
        ]
        final.sort(key=lambda p: (-p[0], p[1]))
        return [Match(self._entries[i], score) for score, i in final[:k]]

    def answer(self, query: str) -> Answer:
        """The best entry with a confidence verdict; runners-up are kept for "did you mean".

        Residents ask the same few questions again and again, and an answer depends only on
        the text and this index: the last ``_REMEMBERED`` answers are kept (a new index, after
        the knowledge base changed, starts with none)."""
        found = self._answers.get(query)
        if found is not None:
            self._answers.move_to_end(query)
            return found
        found = self._answer(query)
        self._answers[query] = found
        if len(self._answers) > _REMEMBERED:
            self._answers.popitem(last=False)
        return found

    def _answer(self, query: str) -> Answer:
        matches = self.search(query, k=4)
        if not matches:
            return Answer(best=None, score=0.0, confident=False, alternatives=[])
        top, rest = matches[0], matches[1:]
        runner_up = rest[0].score if rest else 0.0
        lead = top.score - runner_up
        confident = (top.score >= CONFIDENT_SCORE and lead >= CONFIDENT_MARGIN) or (
            top.score >= SURE_SCORE and lead >= SURE_MARGIN
        )
        return Answer(best=top.entry, score=top.score, confident=confident, alternatives=rest)
