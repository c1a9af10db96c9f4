"""Find the FAQ entry that answers a resident's free-text question.

Text is normalised (full-width -> half-width, traditional -> simplified, pinyin-keyboard typos ->
the word meant, synonyms -> one canonical word, punctuation dropped) and scored twice with BM25F
over each entry's question, alternatives, tags and answer: once on jieba words, once on
character bigrams, which survive typos and odd segmentations. A few dozen entries are too few
for IDF alone to tell 采光 from 以后, so word weights are also scaled by how specific a word is in
general Chinese (jieba's dictionary frequencies). Scores are divided by the best score the query
could reach, so 1.0 means every query term matched strongly and thresholds mean the same for short
and long questions. Entries carry a dozen phrasings each, so the alternatives count a word by the
share of phrasings that contain it, a fifth of the score comes from the single closest phrasing,
and an entry whose closest phrasing asks about more than the query mentions is held back slightly.
"""

from __future__ import annotations

import heapq
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
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from bot.faq.semantic import Closeness, Encoder

import_jieba()  # first, so that the plain import below finds it loaded

import jieba  # noqa: E402

# Calibrated with bench/faq.py's development and residents' sets plus 35 unrelated questions: at
# 0.30 unrelated ones stayed below it (天气, 护照: near 0); 0.33 since entries carry a dozen
# phrasings each, which lifts a bare 电费 or 坏了找谁 a little. The lead over the runner-up was
# 0.04; every confident wrong answer there led by less than 0.10 (two neighbouring entries, such
# as the vote threshold and its worked example), so a wrong pick costs a "did you mean" list, not
# a wrong answer: about 60% of residents' questions are still answered directly. A near-complete
# match (0.80: every query word found in one entry) needs only the old 0.04 lead.
CONFIDENT_SCORE = 0.33
CONFIDENT_MARGIN = 0.10
SURE_SCORE = 0.80
SURE_MARGIN = 0.04

_K1 = 1.2
# What a term found in every alternative counts as, in occurrences (see _Field.by_share).
_SHARE_COUNT = 3.0
# How much an entry is held back when its own phrasings ask about more than the query does
# (公房 in "公房租户能用公积金吗" when the query only says 公积金): 0 ignores it.
_COVERAGE_SHARE = 0.2
# Share of the closest single phrasing in the score; the rest is BM25F over the whole entry.
_PHRASING_SHARE = 0.2
# How many of the best entries by field score are compared phrasing by phrasing.
_CANDIDATES = 6
# Share of the bigram channel in the combined score: enough to rescue typos, small enough that
# shared characters do not outvote shared words.
_BIGRAM_SHARE = 0.25
# Specificity from general word frequency, -log(p): function words sit near 6-8, topical
# words above 12. Below _COMMON a word keeps only _FLOOR of its weight.
_COMMON, _SPECIFIC, _FLOOR = 6.5, 12.0, 0.2
# Answers kept per index, by the question's exact text (about 1 KB each).
_REMEMBERED = 2048
# With a sentence model (bot.faq.encoder), its share of the ranking score; the words keep the
# rest. Chosen on blind set 3 (0.3/0.5/0.7/0.85 tried), then run once on blind set 4.
_MODEL_SHARE = 0.7


@dataclass(frozen=True)
class _Field:
    weight: float
    b: float  # length normalisation
    # Count a term by the share of the field's texts that contain it (times _SHARE_COUNT), not by
    # its occurrences: with a dozen phrasings, a word in one of them is incidental, a word in most
    # of them is what the entry is about.
    by_share: bool = False


_FIELDS: Mapping[str, _Field] = {
    "question": _Field(weight=2.5, b=0.5),
    "alternatives": _Field(weight=1.5, b=0.0, by_share=True),
    "tags": _Field(weight=1.5, b=0.0),
    "answer": _Field(weight=0.7, b=0.75),
}


@dataclass(frozen=True, slots=True)
class Match:
    entry: Entry
    score: float


@dataclass(frozen=True, slots=True)
class Answer:
    """The best entry (if anything matched), how well the question's words matched the
    knowledge base (the best words' score, in [0, 1]: with a sentence model it may belong to
    another entry than ``best``), and whether to answer directly; ``alternatives`` are the
    runners-up to offer as "did you mean", with their ranking scores."""

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


# --- long questions: the story and the ask ----------------------------------------------------

# Where a resident pauses: punctuation, spaces, and the words that turn from a story to the ask.
_CLAUSE = re.compile(
    r"(.+?)(?:[\s,，。？?！!；;、：~～…]+|(?=所以|请问|想问|问一下|那么|但是|可是|不过|结果)|$)"
)
# What makes a clause a question: a question mark, a question particle or a question word.
_ASKING = re.compile(
    r"[?？]|吗|伐|呢|怎|哪|几|多少|多久|多长|谁|啥|什么|还是|要不要|能不能|是不是|可不可以|有没有|会不会"
)
# In a question of at least _LONG content words where some clauses ask and others only tell (the
# story: 窗帘烧起来了 吓死了 … 下趟哪能弄), the words of the telling clauses count _STORY_WEIGHT.
# Measured: the setting often names what is asked about (我们单元想加电梯，…要不要), so the story
# keeps most of its weight; dropping it, or scoring the ask alone, lost more than it won.
_LONG = 6
_STORY_WEIGHT = 0.7


def _clauses(query: str) -> list[tuple[str, bool]]:
    """The question's clauses, each with whether it asks something."""
    return [
        (match.group(1), bool(_ASKING.search(match.group(0))))
        for match in _CLAUSE.finditer(query.strip())
        if match.group(1).strip()
    ]


Clauses = Sequence[tuple[list[tuple[str, ...]], bool]]


def _tells_a_story(clauses: Clauses) -> bool:
    """Long, with some clauses that ask and some that only tell (judged on word groups)."""
    asking = [asks for groups, asks in clauses if groups]
    return any(asking) and not all(asking) and sum(len(g) for g, _ in clauses) >= _LONG


def _weighted(clauses: Clauses, story: bool) -> dict[tuple[str, ...], float]:
    """Each distinct group of the clauses (word or bigram groups) with its weight: 1, or
    _STORY_WEIGHT for a group found only in a telling clause of a story."""
    weights: dict[tuple[str, ...], float] = {}
    for groups, asks in clauses:
        weight = _STORY_WEIGHT if story and not asks else 1.0
        for group in groups:
            weights[group] = max(weight, weights.get(group, 0.0))
    return weights


# --- BM25F --------------------------------------------------------------------------------------

Tokenizer = Callable[[str], list[tuple[str, ...]]]


class _Bm25f:
    """Precomputed per-term impacts, so a query is a few dictionary look-ups and additions."""

    def __init__(
        self, docs: Sequence[Mapping[str, list[list[str]]]], weight: Callable[[str], float]
    ) -> None:
        n = len(docs)
        self._weight = weight
        avg_len = {
            name: max(1.0, sum(len(t) for d in docs for t in d[name]) / max(1, n))
            for name in _FIELDS
        }
        pseudo_tf: list[dict[str, float]] = []
        df: Counter[str] = Counter()
        for doc in docs:
            tf: dict[str, float] = defaultdict(float)
            for name, spec in _FIELDS.items():
                texts = doc[name]
                norm = 1 - spec.b + spec.b * sum(len(t) for t in texts) / avg_len[name]
                counts: Counter[str] = Counter(
                    term for t in texts for term in (set(t) if spec.by_share else t)
                )
                scale = _SHARE_COUNT / len(texts) if spec.by_share and texts else 1.0
                for term, count in counts.items():
                    tf[term] += spec.weight * count * scale / norm
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
        self, groups: Mapping[tuple[str, ...], float], into: dict[int, float], share: float
    ) -> float:
        """Add each entry's score into ``into``; return the query's best attainable score.

        A group (a word and its sub-words) adds its best-matching member per entry, times the
        group's weight (see :func:`_weighted`)."""
        bound = 0.0
        for group, weight in groups.items():
            bound += weight * max(self.idf_of(t) for t in group) * (_K1 + 1)
            best: dict[int, float] = {}
            for term in group:
                for index, impact in self._postings.get(term, {}).items():
                    if impact > best.get(index, 0.0):
                        best[index] = impact
            for index, impact in best.items():
                into[index] = into.get(index, 0.0) + share * weight * impact
        return share * bound


def _entry_fields(entry: Entry, tokenize: Tokenizer) -> dict[str, list[list[str]]]:
    """Each field as a list of its texts' terms."""

    def terms(text: str) -> list[str]:
        return [term for group in tokenize(normalize(text)) for term in group]

    return {
        "question": [terms(entry.question)],
        "alternatives": [terms(text) for text in entry.alternatives],
        "tags": [[term for tag in entry.tags for term in terms(tag)]],
        "answer": [terms(entry.answer.zh)],
    }


_NONE: dict[int, list[int]] = {}  # a term no phrasing holds


class _Phrasings:
    """Every phrasing of every entry (its question and each alternative) as a small set of word
    terms, so an entry can be scored by the phrasing closest to the query. Ten or more phrasings
    per entry would otherwise add up: a field made of all of them matches the incidental words of
    a long question somewhere, and the entry with the most phrasings wins."""

    def __init__(self, entries: Sequence[Entry], weight: Callable[[str], float]) -> None:
        # term -> entry -> the entry's phrasings (numbered within the entry) that hold the term
        self.postings: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        self.totals: list[list[float]] = []  # per entry, each phrasing's own weight
        for index, entry in enumerate(entries):
            totals: list[float] = []
            for number, text in enumerate((entry.question, *entry.alternatives)):
                groups = word_groups(normalize(text))
                totals.append(sum(weight(t) for t in {g[0] for g in groups}))
                for term in {t for g in groups for t in g}:
                    self.postings[term][index].append(number)
            self.totals.append(totals)
        self.postings = {t: dict(by_entry) for t, by_entry in self.postings.items()}

    def best(
        self,
        groups: Mapping[tuple[str, ...], float],
        weight: Callable[[str], float],
        entries: Iterable[int],
    ) -> dict[int, tuple[float, float]]:
        """Per entry of ``entries``: the largest share of the query's weight that one of its
        phrasings contains, and the largest share of a phrasing's own weight that the query
        contains (1.0 when the query asks everything some phrasing asks)."""
        weighted = [[(t, share * weight(t)) for t in group] for group, share in groups.items()]
        bound = sum(max(value for _, value in members) for members in weighted)
        per_entry: dict[int, tuple[float, float]] = {}
        if bound <= 0.0:
            return per_entry
        postings = self.postings
        for index in entries:
            matched: dict[int, float] = defaultdict(float)
            for members in weighted:
                best: dict[int, float] = {}
                for term, value in members:
                    for number in postings.get(term, _NONE).get(index, ()):
                        if value > best.get(number, 0.0):
                            best[number] = value
                for number, value in best.items():
                    matched[number] += value
            if matched:
                totals = self.totals[index]
                covered = (
                    min(1.0, v / totals[n]) if totals[n] > 0.0 else 0.0 for n, v in matched.items()
                )
                per_entry[index] = (max(matched.values()) / bound, max(covered))
        return per_entry


class FaqIndex:
    def __init__(self, entries: Sequence[Entry], encoder: Encoder | None = None) -> None:
        self._entries = tuple(entries)
        self._answers: OrderedDict[str, Answer] = OrderedDict()
        self._remembering = threading.Lock()
        self._words = _Bm25f([_entry_fields(e, word_groups) for e in self._entries], _specificity)
        self._bigrams = _Bm25f([_entry_fields(e, bigram_groups) for e in self._entries], _uniform)
        self._phrasings = _Phrasings(self._entries, self._words.idf_of)
        self._encoder = encoder
        self._closeness: Closeness | None = None
        if encoder is not None:
            from bot.faq.semantic import Closeness  # NumPy, only when a model is used

            self._closeness = Closeness(self._entries, encoder)

    @classmethod
    def build(cls, kb: KnowledgeBase, encoder: Encoder | None = None) -> FaqIndex:
        return cls(kb.entries, encoder)

    def __len__(self) -> int:
        return len(self._entries)

    def __getstate__(self) -> dict[str, object]:
        # Pickled for the disk cache without the model (a hundred megabytes, loaded apart) and
        # without the remembered answers.
        return self.__dict__ | {"_encoder": None, "_answers": OrderedDict(), "_remembering": None}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._remembering = threading.Lock()

    @property
    def model(self) -> str | None:
        """The sentence model's name when one ranks the entries too."""
        return self._closeness.model if self._closeness is not None else None

    def use_encoder(self, encoder: Encoder) -> None:
        """Give back the model an index loaded from the disk cache was built with."""
        if self._closeness is None or self._closeness.model != encoder.name:
            raise ValueError("this index was built without that model")
        self._encoder = encoder

    def search(self, query: str, k: int = 3) -> list[Match]:
        """The ``k`` best entries, best first, with their ranking scores (the words' score in
        [0, 1]; mixed with the sentence model's closeness, in [-1, 1], when there is one)."""
        if k <= 0:
            return []
        ranked = self._ranked(query, self._lexical(query))
        return [Match(self._entries[i], score) for score, i in ranked[:k]]

    def _lexical(self, query: str) -> dict[int, float]:
        """Each entry's score by the words the question shares with it, in [0, 1]."""
        clauses = [(normalize(clause), asks) for clause, asks in _clauses(query)]
        cut = [(text, _tokens(text), asks) for text, asks in clauses]  # each clause cut once
        words = [(word_groups(text, tokens), asks) for text, tokens, asks in cut]
        bigrams = [(bigram_groups(text, tokens), asks) for text, tokens, asks in cut]
        story = _tells_a_story(words)
        scores = self._scores(_weighted(words, story), _weighted(bigrams, story))
        return {i: s for i, s in scores.items() if s > 0.0}

    def _ranked(self, query: str, lexical: Mapping[int, float]) -> list[tuple[float, int]]:
        """(score, entry) best first: the words' score, mixed with the sentence model's
        closeness when there is a model (then every entry is ranked)."""
        if self._closeness is None or self._encoder is None:
            scores = dict(lexical)
        else:
            close = self._closeness.of(self._encoder.encode([query])[0])
            scores = {
                i: (1 - _MODEL_SHARE) * lexical.get(i, 0.0) + _MODEL_SHARE * float(close[i])
                for i in range(len(self._entries))
            }
        return sorted(((s, i) for i, s in scores.items()), key=lambda p: (-p[0], p[1]))

    def _scores(
        self, groups: Mapping[tuple[str, ...], float], bigrams: Mapping[tuple[str, ...], float]
    ) -> dict[int, float]:
        """Every matching entry's score in [0, 1] for these word and bigram groups."""
        scores: dict[int, float] = {}
        bound = self._words.score(groups, scores, 1.0 - _BIGRAM_SHARE)
        bound += self._bigrams.score(bigrams, scores, _BIGRAM_SHARE)
        if bound <= 0.0:
            return {}
        fields = {i: min(1.0, s / bound) for i, s in scores.items() if s > 0.0}
        # Phrasing by phrasing only for the entries the closest phrasing could still lift to the
        # top: the others keep their field score, held back as if no phrasing matched.
        top = heapq.nlargest(_CANDIDATES, fields, key=fields.__getitem__)
        closest = self._phrasings.best(groups, self._words.idf_of, top)
        final: dict[int, float] = {}
        for i, field_score in fields.items():
            query_share, phrasing_share = closest.get(i, (0.0, 0.0))
            score = (1 - _PHRASING_SHARE) * field_score + _PHRASING_SHARE * query_share
            final[i] = score * (1 - _COVERAGE_SHARE + _COVERAGE_SHARE * phrasing_share)
        return final

    def answer(self, query: str) -> Answer:
        """The best entry with a confidence verdict; runners-up are kept for "did you mean".

        Residents ask the same few questions again and again, and an answer depends only on
        the text and this index: the last ``_REMEMBERED`` answers are kept (a new index, after
        the knowledge base changed, starts with none)."""
        with self._remembering:
            found = self._answers.get(query)
            if found is not None:
                self._answers.move_to_end(query)
                return found
        found = self._answer(query)
        with self._remembering:  # a model's answers are found in threads (bot.faq.desk)
            self._answers[query] = found
            if len(self._answers) > _REMEMBERED:
                self._answers.popitem(last=False)
        return found

    def _answer(self, query: str) -> Answer:
        lexical = self._lexical(query)
        if not lexical:
            return Answer(best=None, score=0.0, confident=False, alternatives=[])
        # Whether to answer outright is decided on the words alone, as calibrated: a model
        # finds every question close to something. With a model, its order leads the choices,
        # and an answer is outright only when both agree on the best entry.
        by_words = sorted(lexical.values(), reverse=True)
        top = by_words[0]
        lead = top - (by_words[1] if len(by_words) > 1 else 0.0)
        confident = (top >= CONFIDENT_SCORE and lead >= CONFIDENT_MARGIN) or (
            top >= SURE_SCORE and lead >= SURE_MARGIN
        )
        ranked = self._ranked(query, lexical)
        best = ranked[0][1]
        if self._closeness is not None and lexical.get(best, 0.0) < top:
            confident = False
        rest = [Match(self._entries[i], score) for score, i in ranked[1:4]]
        return Answer(best=self._entries[best], score=top, confident=confident, alternatives=rest)
