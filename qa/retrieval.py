"""Hybrid clause retrieval: BM25 over jieba tokens (with everyday-word expansion) fused with dense e5 search."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from corpus.store import CorpusStore
from index.embedder import Embedder
from index.lexicon import EverydayLexicon
from index.store import IndexProblem, SearchIndex, build_index, load_index
from index.textnorm import normalise
from qa.records import Hit, QueryError, check_query

MODES = ("hybrid", "bm25", "dense")
FUSION_FILE = Path(__file__).resolve().parent / "fusion.json"


@dataclass(frozen=True)
class FusionConfig:
    """How lexical and dense rankings are fused (reciprocal rank fusion with per-ranking weights)."""

    bm25: float = 1.0
    dense: float = 1.0
    rrf_k: float = 10.0
    expansion_weight: float = 0.5
    dense_expansion_terms: int = 3
    use_lexicon: bool = True

    @classmethod
    def tuned(cls) -> FusionConfig:
        """The configuration chosen on the development set (qa/fusion.json), or the defaults."""
        if FUSION_FILE.exists():
            data = json.loads(FUSION_FILE.read_text(encoding="utf-8"))
            return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        return cls()


@dataclass
class QueryScores:
    """Per-paragraph scores of one query from each ranker, before fusion."""

    bm25: np.ndarray
    dense: np.ndarray
    sentence_scores: np.ndarray
    expansion: list[str] = field(default_factory=list)


class Retriever:
    """Search the indexed clauses of all documents; returns clause-level hits with sentence highlights."""

    def __init__(self, index: SearchIndex, embedder: Embedder | None, config: FusionConfig | None = None) -> None:
        """Use a loaded index; embedder may be None for BM25-only search."""
        self.index = index
        self.embedder = embedder
        self.config = config or FusionConfig.tuned()
        self.lexicon = EverydayLexicon()
        self._query_vectors: dict[str, np.ndarray] = {}

    @classmethod
    def open(cls, model: str | None = None, auto_build: bool = True, progress: bool = False) -> Retriever:
        """Load the stored index (building it first when missing or stale) and the embedding model."""
        documents = CorpusStore.default().load_all()
        try:
            index = load_index(documents)
        except IndexProblem:
            if not auto_build:
                raise
            build_index(documents, model=model, progress=progress)
            index = load_index(documents)
        embedder = Embedder(model)
        if embedder.key != index.manifest.get("model_key"):
            raise IndexProblem(
                f"the index was built with model '{index.manifest.get('model')}', not '{Path(embedder.model_name).name}';"
                " run `python -m index build --force` (with the same --model / PLANQA_MODEL)"
            )
        return cls(index, embedder)

    @property
    def topics(self) -> list[str]:
        """Topic names present in the index, in a stable order."""
        seen: dict[str, None] = {}
        for paragraph in self.index.paragraphs:
            for topic in paragraph.topics:
                seen.setdefault(topic, None)
        return list(seen)

    def encode_query(self, query: str) -> np.ndarray:
        """Embedding of a query (memoised: repeated questions are not re-encoded)."""
        vector = self._query_vectors.get(query)
        if vector is None:
            if self.embedder is None:
                raise QueryError("dense search needs the embedding model")
            vector = self.embedder.encode_queries([query])[0]
            if len(self._query_vectors) > 2048:
                self._query_vectors.clear()
            self._query_vectors[query] = vector
        return vector

    def score(self, query: str, mode: str = "hybrid", config: FusionConfig | None = None) -> QueryScores:
        """Scores of every paragraph for the query from each ranker the mode uses."""
        config = config or self.config
        n = len(self.index.paragraphs)
        zeros = np.zeros(n, dtype=np.float32)
        bm25 = zeros
        expansion = self.lexicon.expand(query).terms if config.use_lexicon else []
        if mode in ("hybrid", "bm25"):
            tokens = self.index.tokenizer.tokens(query)
            bm25 = self.index.lexical.scores(tokens)
            if config.use_lexicon:
                if expansion:
                    extra = [t for term in expansion for t in self.index.tokenizer.tokens(term)]
                    bm25 = bm25 + config.expansion_weight * self.index.lexical.scores(extra)
        dense = zeros
        sentence_scores = np.zeros(len(self.index.sentences), dtype=np.float32)
        if mode in ("hybrid", "dense"):
            # The first few plan terms for its everyday words help the dense side too (外地 -> 非户籍常住人口).
            extra = expansion[: config.dense_expansion_terms]
            vector = self.encode_query(query + (" " + " ".join(extra) if extra else ""))
            sentence_scores = self.index.dense_sentences.scores(vector)
            dense = np.full(n, -1.0, dtype=np.float32)
            np.maximum.at(dense, self.index.sentence_paragraph, sentence_scores)
        return QueryScores(bm25, dense, sentence_scores, expansion)

    def fuse(self, scores: QueryScores, mode: str, config: FusionConfig | None = None) -> np.ndarray:
        """One fused score per paragraph (higher is better)."""
        config = config or self.config
        if mode == "bm25":
            return scores.bm25.astype(np.float64)
        if mode == "dense":
            return scores.dense.astype(np.float64)
        fused = np.zeros(len(scores.bm25), dtype=np.float64)
        for weight, values in ((config.bm25, scores.bm25), (config.dense, scores.dense)):
            if weight:
                fused += weight / (config.rrf_k + _ranks(values))
        return fused

    def search(
        self,
        query: str,
        k: int = 5,
        doc: str | None = None,
        chapter: int | None = None,
        topic: str | None = None,
        mode: str = "hybrid",
        config: FusionConfig | None = None,
    ) -> list[Hit]:
        """Top-k clauses for the query; an empty query with a topic lists that topic's clauses in plan order."""
        if mode not in MODES:
            raise QueryError(f"unknown retriever '{mode}'; choose one of {', '.join(MODES)}")
        if k < 1:
            raise QueryError("k must be at least 1")
        mask = self._filter_mask(doc, chapter, topic)
        if not (query or "").strip() and topic:
            order = [i for i in range(len(mask)) if mask[i]][:k]
            return [self._hit(rank, i, 0.0, []) for rank, i in enumerate(order, start=1)]
        query = check_query(query)
        scores = self.score(query, mode, config)
        fused = self.fuse(scores, mode, config)
        fused = np.where(mask, fused, -np.inf)
        order = [i for i in np.argsort(-fused, kind="stable")[:k] if np.isfinite(fused[i])]
        return [
            self._hit(rank, i, float(fused[i]), self._highlights(i, scores, query))
            for rank, i in enumerate(order, start=1)
        ]

    def _filter_mask(self, doc: str | None, chapter: int | None, topic: str | None) -> np.ndarray:
        paragraphs = self.index.paragraphs
        if doc and doc not in {p.doc_id for p in paragraphs}:
            raise QueryError(f"unknown document '{doc}'; see `python -m corpus list`")
        if topic and topic not in self.topics:
            raise QueryError(f"unknown topic '{topic}'; topics: {', '.join(self.topics)}")
        return np.array(
            [
                (not doc or p.doc_id == doc)
                and (chapter is None or p.chapter == chapter)
                and (not topic or topic in p.topics)
                for p in paragraphs
            ],
            dtype=bool,
        )

    def _highlights(self, paragraph: int, scores: QueryScores, query: str) -> list[tuple[int, int]]:
        """Offsets of the paragraph's best-matching sentences (dense similarity, then shared words)."""
        ids = np.flatnonzero(self.index.sentence_paragraph == paragraph)
        if len(ids) == 0:
            return []
        if len(ids) == 1:
            sentence = self.index.sentences[ids[0]]
            return [(sentence.start, sentence.end)]
        words = set(self.index.tokenizer.words(query)) | set(scores.expansion)
        ranked = sorted(
            ids,
            key=lambda i: -(scores.sentence_scores[i] + 0.02 * _overlap(words, self.index.sentences[i].text)),
        )
        best = ranked[0]
        chosen = [best]
        if len(ranked) > 1:
            second = ranked[1]
            if scores.sentence_scores[second] >= scores.sentence_scores[best] - 0.01:
                chosen.append(second)
        return sorted((self.index.sentences[i].start, self.index.sentences[i].end) for i in chosen)

    def _hit(self, rank: int, i: int, score: float, highlights: list[tuple[int, int]]) -> Hit:
        p = self.index.paragraphs[i]
        return Hit(
            rank,
            p.clause_id,
            p.citation,
            p.text,
            score,
            p.start,
            p.end,
            highlights,
            p.doc_id,
            p.chapter,
            list(p.topics),
        )



def _ranks(values: np.ndarray) -> np.ndarray:
    """1-based rank of each value (highest first)."""
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(1, len(values) + 1)
    return ranks


@lru_cache(maxsize=8192)
def _norm_cached(text: str) -> str:
    return normalise(text)


def _overlap(words: set[str], text: str) -> int:
    norm = _norm_cached(text)
    return sum(1 for w in words if len(w) > 1 and w in norm)
