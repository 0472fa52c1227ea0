"""Rankers: each answers top_k(query, k, filters) -> [(clause id, score)] behind one Protocol; registered by name.

A new ranker is one class with a factory registered under its name here (or in its own module with
@register_ranker) plus a weight under "fusion.weights" in qa/tuning.json.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from index.store import SearchIndex
from qa.retrieval.catalog import UnitCatalog
from qa.retrieval.query import Filters, Query
from qa.tuning import FusionConfig


class Ranker(Protocol):
    """Ranks retrieval units for a query, applying the filters itself."""

    name: str

    def top_k(self, query: Query, k: int, filters: Filters) -> list[tuple[str, float]]:
        """The k best (clause id, score) pairs, best first."""
        ...


@dataclass
class RankerContext:
    """What a ranker factory may use: the loaded index, the unit catalog, the query encoder and the fusion settings."""

    index: SearchIndex
    catalog: UnitCatalog
    encode: Callable[[str], np.ndarray] | None
    config: FusionConfig


RankerFactory = Callable[[RankerContext], Ranker]
RANKERS: dict[str, RankerFactory] = {}
# backend -> ranker name -> factory: a backend's own implementation of a ranker replaces the embedded one.
BACKEND_RANKERS: dict[str, dict[str, RankerFactory]] = {}


def register_ranker(name: str, backend: str | None = None) -> Callable[[RankerFactory], RankerFactory]:
    """Register a ranker factory under a name (the name used in fusion.weights), optionally for one backend only."""

    def decorate(factory: RankerFactory) -> RankerFactory:
        if backend is None:
            RANKERS[name] = factory
        else:
            BACKEND_RANKERS.setdefault(backend, {})[name] = factory
        return factory

    return decorate


def rankers_for(backend: str) -> dict[str, RankerFactory]:
    """The ranker factories of a backend: the embedded ones, with the backend's own in their place."""
    return {**RANKERS, **BACKEND_RANKERS.get(backend, {})}


class BM25Ranker:
    """BM25 over jieba tokens of each clause with its headings; everyday-word expansions add at a lower weight."""

    name = "bm25"

    def __init__(self, context: RankerContext) -> None:
        """Use the index's lexical index."""
        self._lexical = context.index.lexical
        self._catalog = context.catalog
        self._expansion_weight = context.config.expansion_weight

    def scores(self, query: Query, rows: tuple[int, int] | None = None) -> np.ndarray:
        """BM25 score of every unit, or of the units in rows [start, end) (expansion tokens weighted)."""
        weights = self._lexical.query_weights(query.tokens, query.expansion_tokens, self._expansion_weight)
        return self._lexical.scores_for(weights, rows)

    def top_k(self, query: Query, k: int, filters: Filters) -> list[tuple[str, float]]:
        """Units by BM25 score; units sharing no token with the query are not ranked."""
        start, end, mask = self._catalog.scope(filters)
        rows = (start, end) if (start, end) != (0, len(self._catalog)) else None
        return self._catalog.top(self.scores(query, rows), k, mask, keep_zero=False, offset=start)


class DenseRanker:
    """Sentence vectors in the index's vector store; a clause scores as its best sentence.

    One document is always scanned exactly (its sentences are one contiguous slice). The whole corpus is scanned
    exactly on a flat store; on an HNSW store the nearest sentences are fetched until k clauses are found."""

    name = "dense"

    def __init__(self, context: RankerContext) -> None:
        """Use the index's vector store."""
        self._vectors = context.index.vectors
        self._catalog = context.catalog

    def unit_scores(self, vector: np.ndarray, units: tuple[int, int] | None = None) -> np.ndarray:
        """Each unit's best sentence similarity (-1 for a unit without sentences), for all units or a range."""
        start, end = units or (0, len(self._catalog))
        first, last = self._catalog.sentence_range((start, end))
        if units is None:
            sentence_scores = self._vectors.scores(vector)
        else:
            sentence_scores = self._vectors.similarity_range(vector, first, last)
        counts = self._catalog.sentence_count[start:end]
        out = np.full(end - start, -1.0, dtype=np.float32)
        has = counts > 0
        if len(sentence_scores):
            out[has] = np.maximum.reduceat(sentence_scores, self._catalog.first_sentence[start:end][has] - first)
        return out

    def top_k(self, query: Query, k: int, filters: Filters) -> list[tuple[str, float]]:
        """Units by best sentence similarity."""
        if query.vector is None:
            return []
        start, end, mask = self._catalog.scope(filters)
        whole = (start, end) == (0, len(self._catalog))
        if whole and not getattr(self._vectors, "exact", True):
            found = self._nearest(query.vector, k, mask)
            if found is not None:
                return found
        scores = self.unit_scores(query.vector, None if whole else (start, end))
        return self._catalog.top(scores, k, mask, offset=start)

    def _nearest(self, vector: np.ndarray, k: int, mask: np.ndarray | None) -> list[tuple[str, float]] | None:
        """The first k distinct allowed clauses among the nearest sentences (approximate), or None if too few."""
        depth = max(4 * k, 64)
        while depth <= MAX_ANN_DEPTH:
            best: dict[int, float] = {}
            for row, score in self._vectors.search_rows(vector, depth):
                unit = int(self._catalog.sentence_unit[row])
                if (mask is None or mask[unit]) and unit not in best:
                    best[unit] = score
            if len(best) >= k or depth >= len(self._vectors.ids):
                ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:k]
                return [(self._catalog.units[u].clause_id, s) for u, s in ranked]
            depth *= 4
        return None  # a very selective filter: the exact scan finds its clauses


MAX_ANN_DEPTH = 4_096


register_ranker("bm25")(BM25Ranker)
register_ranker("dense")(DenseRanker)
