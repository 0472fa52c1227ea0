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


def register_ranker(name: str) -> Callable[[RankerFactory], RankerFactory]:
    """Register a ranker factory under a name (the name used in fusion.weights)."""

    def decorate(factory: RankerFactory) -> RankerFactory:
        RANKERS[name] = factory
        return factory

    return decorate


class BM25Ranker:
    """BM25 over jieba tokens of each clause with its headings; everyday-word expansions add at a lower weight."""

    name = "bm25"

    def __init__(self, context: RankerContext) -> None:
        """Use the index's lexical index."""
        self._lexical = context.index.lexical
        self._catalog = context.catalog
        self._expansion_weight = context.config.expansion_weight

    def scores(self, query: Query) -> np.ndarray:
        """BM25 score of every unit (expansion tokens weighted)."""
        scores = self._lexical.scores(query.tokens)
        if query.expansion_tokens:
            scores = scores + self._expansion_weight * self._lexical.scores(query.expansion_tokens)
        return scores

    def top_k(self, query: Query, k: int, filters: Filters) -> list[tuple[str, float]]:
        """Units by BM25 score; units sharing no token with the query are not ranked."""
        return self._catalog.top(self.scores(query), k, self._catalog.mask(filters), keep_zero=False)


class DenseRanker:
    """Sentence vectors in the index's vector store; a clause scores as its best sentence."""

    name = "dense"

    def __init__(self, context: RankerContext) -> None:
        """Use the index's vector store."""
        self._vectors = context.index.vectors
        self._catalog = context.catalog

    def unit_scores(self, vector: np.ndarray) -> np.ndarray:
        """Each unit's best sentence similarity (-1 for a unit without sentences)."""
        sentence_scores = self._vectors.scores(vector)
        out = np.full(len(self._catalog), -1.0, dtype=np.float32)
        has = self._catalog.sentence_count > 0
        if len(sentence_scores):
            out[has] = np.maximum.reduceat(sentence_scores, self._catalog.first_sentence[has])
        return out

    def top_k(self, query: Query, k: int, filters: Filters) -> list[tuple[str, float]]:
        """Units by best sentence similarity."""
        if query.vector is None:
            return []
        return self._catalog.top(self.unit_scores(query.vector), k, self._catalog.mask(filters))


register_ranker("bm25")(BM25Ranker)
register_ranker("dense")(DenseRanker)
