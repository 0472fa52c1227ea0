"""Every tuned number of PlanQA, read from qa/tuning.json, each section with what it was chosen on."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

TUNING_FILE = Path(__file__).resolve().parent / "tuning.json"


@dataclass(frozen=True)
class FusionConfig:
    """How the rankers' top-k lists are fused (reciprocal rank fusion with per-ranker weights)."""

    rrf_k: float = 10.0
    weights: dict[str, float] = field(default_factory=lambda: {"bm25": 1.0, "dense": 1.0})
    candidates_per_ranker: int = 100
    expansion_weight: float = 0.5
    dense_expansion_terms: int = 3
    use_lexicon: bool = True
    # Rankers whose weight shrinks as the question's own words are found in the top BM25 clause: the question bank
    # matters for residents' words, and only gets in the way of a question in the plan's own words.
    lexical_gap_rankers: tuple[str, ...] = ()
    rerank: bool = True  # the fused top clauses reordered by the learned reranker (qa/rerank.json), when trained
    chosen_on: str = ""

    def only(self, ranker: str) -> FusionConfig:
        """The same settings with one ranker alone."""
        return replace(self, weights={ranker: 1.0})

    def without(self, ranker: str) -> FusionConfig:
        """The same settings with one ranker left out."""
        return replace(self, weights={k: v for k, v in self.weights.items() if k != ranker})


@dataclass(frozen=True)
class SentenceConfig:
    """How sentences of retrieved clauses are scored for answers and highlights."""

    word_bonus: float = 0.012
    rank_penalty: float = 0.004
    min_chars: int = 8
    support_margin: float = 0.035
    answer_clauses: int = 3
    multipart_clauses: int = 5
    bank_vote_weight: float = 0.0  # weight of the nearest bank questions' votes for answer sentences (0 = off)
    bank_vote_neighbours: int = 10  # how many nearest voters (in-scope bank questions and sentence voters) vote
    bank_vote_temperature: float = 0.02  # softmax temperature of their similarities
    bank_vote_by_gap: bool = True  # scale the weight by the question's lexical gap (as the bank rankers' weights)
    model: bool = False  # choose answer sentences with the learned sentence model (qa/sentences.json) when present
    model_margin: float = 0.0  # supporting sentences within this many log-odds of the lead's (the model's margin)
    chosen_on: str = ""


@dataclass(frozen=True)
class RefusalConfig:
    """When an answer is trustworthy enough to give."""

    min_dense: float = 0.845
    weak_dense: float = 0.865
    min_coverage: float = 0.25
    number_coverage: float = 0.5
    chosen_on: str = ""


@dataclass(frozen=True)
class IndicatorConfig:
    """How a figure question is matched to the indicator table."""

    min_name_score: float = 0.5
    min_recall: float = 0.6
    chosen_on: str = ""


@dataclass(frozen=True)
class AnswerabilityConfig:
    """The learned answerability model's operating point: refuse below this probability; and a question nearly the
    same as a bank question (similarity at least near_question, nearer than any bank question of the other side by
    near_margin) takes that question's side: answered if in scope, refused if not (near_question 0: off)."""

    threshold: float = 0.5
    near_question: float = 0.0
    near_margin: float = 0.0
    chosen_on: str = ""


@dataclass(frozen=True)
class AnswerCheckConfig:
    """When the answer check (qa/answer_check.py) is consulted and refuses: below the band of the answerability
    probability, when log-odds(p) + weight x the check's log-odds - wording_weight x the judgement wording model's
    log-odds < threshold (band 0: never consulted; weight 0: the pair is never encoded)."""

    weight: float = 0.0
    wording_weight: float = 0.0
    threshold: float = 0.0
    band: float = 0.0
    chosen_on: str = ""


@dataclass(frozen=True)
class JudgementConfig:
    """When the judgement check (qa/judgement.py) refuses a question the answerability model passed: with the model's
    probability below band, its judgement wording probability above wording_min and the answer check's log-odds below
    check_max (wording_min 1: never)."""

    wording_min: float = 1.0
    check_max: float = 0.0
    band: float = 1.0
    chosen_on: str = ""


@dataclass(frozen=True)
class FollowUpConfig:
    """When a conversation turn names too little to stand alone and is asked beside the earlier question; how far a
    year turn looks for the year asked when the earlier answer was about other years."""

    light_chars: int = 2  # characters of its own content words, at most ("钱上有啥要求": 要求)
    short_turn: int = 6  # Chinese characters of the whole turn, at most ("地铁开了几条了" is a question of its own)
    # A turn naming no thing at all (no noun: "谁能先排上", "后面还修哪几条") of at most this many Chinese characters asks
    # about the earlier topic (0: never read so)
    nounless_turn: int = 0
    # A year turn whose earlier answer was about other years, with no clause about the year asked in its section,
    # looks this deep in the topic's ranking before saying the plan does not give that year (0: never refuses)
    year_depth: int = 0
    # A turn of at most this many Chinese characters naming a year to come, whose things are all in the sentence the
    # earlier answer led with, asks the earlier question for that year ("25年能搞到多少面积"; 0: never read so)
    year_turn: int = 0
    # Sentences a follow-up answer gives that the earlier answer did not: a page of a detail request ("具体咋弄"), of
    # the review of today ("现在咋样"), of what an earlier year or a wider area says ("以前呢", "跟全省比呢")
    page: int = 3
    chosen_on: str = ""


@dataclass(frozen=True)
class TermConfig:
    """When "X是什么" is answered with the plan's sentences naming X."""

    max_mentions: int = 0  # the plans name X at least once and at most this often (0: never answered this way)
    chosen_on: str = ""


@dataclass(frozen=True)
class CacheConfig:
    """Sizes of in-process caches."""

    query_vectors: int = 2048
    chosen_on: str = ""


@dataclass(frozen=True)
class Tuning:
    """All tuned numbers, one section per concern."""

    fusion: FusionConfig = field(default_factory=FusionConfig)
    sentences: SentenceConfig = field(default_factory=SentenceConfig)
    refusal: RefusalConfig = field(default_factory=RefusalConfig)
    indicators: IndicatorConfig = field(default_factory=IndicatorConfig)
    answerability: AnswerabilityConfig = field(default_factory=AnswerabilityConfig)
    answer_check: AnswerCheckConfig = field(default_factory=AnswerCheckConfig)
    judgement: JudgementConfig = field(default_factory=JudgementConfig)
    cache: CacheConfig = field(default_factory=CacheConfig)
    followups: FollowUpConfig = field(default_factory=FollowUpConfig)
    terms: TermConfig = field(default_factory=TermConfig)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (as stored in qa/tuning.json)."""
        out = {f.name: getattr(self, f.name).__dict__ for f in fields(self) if f.name != "extra"}
        return {**out, **self.extra}


def _section(cls, data: dict[str, Any]):
    known = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in known})


@lru_cache(maxsize=4)
def load_tuning(path: Path = TUNING_FILE) -> Tuning:
    """The tuned numbers in path (qa/tuning.json by default); sections not in the file keep their defaults."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    sections = {f.name: f.type for f in fields(Tuning) if f.name != "extra"}
    classes = {"fusion": FusionConfig, "sentences": SentenceConfig, "refusal": RefusalConfig,
               "indicators": IndicatorConfig, "answerability": AnswerabilityConfig,
               "answer_check": AnswerCheckConfig, "judgement": JudgementConfig, "cache": CacheConfig,
               "followups": FollowUpConfig, "terms": TermConfig}
    parsed = {name: _section(classes[name], data.get(name, {})) for name in sections}
    extra = {k: v for k, v in data.items() if k not in sections}
    return Tuning(**parsed, extra=extra)
