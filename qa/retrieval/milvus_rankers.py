"""The BM25 and dense rankers on the Milvus backend: the same rankings as the embedded ones, computed in Milvus.

Filters become scalar filter expressions; ties are broken by document order like the embedded rankers, which is why
a few extra rows are fetched before cutting at k.
"""

from __future__ import annotations

from index.backends import MILVUS
from index.milvus_backend import quoted
from qa.retrieval.query import Filters, Query
from qa.retrieval.rankers import RankerContext, register_ranker

TIE_MARGIN = 8  # rows fetched beyond k, so ties at the cut are broken by document order, not by Milvus


def filter_expression(filters: Filters) -> str:
    """The Milvus filter expression of the query filters ("" for none)."""
    parts = []
    if filters.doc:
        parts.append(f"doc_id == {quoted(filters.doc)}")
    if filters.chapter is not None:
        parts.append(f"chapter == {int(filters.chapter)}")
    if filters.topic:
        parts.append(f"topics like {quoted('%|' + filters.topic + '|%')}")
    return " and ".join(parts)


class _MilvusRanker:
    def __init__(self, context: RankerContext) -> None:
        self._milvus = context.index.milvus
        self._catalog = context.catalog

    def _cut(self, found: list[tuple[str, float]], k: int) -> list[tuple[str, float]]:
        position = self._catalog.position
        known = [(c, s) for c, s in found if c in position]
        return sorted(known, key=lambda item: (-item[1], position[item[0]]))[:k]


class MilvusBM25Ranker(_MilvusRanker):
    """BM25 as a sparse inner product in Milvus: client-side weights from the same LexicalIndex."""

    name = "bm25"

    def __init__(self, context: RankerContext) -> None:
        """Use the index's Milvus clause collection and its lexical weights."""
        super().__init__(context)
        self._lexical = context.index.lexical
        self._expansion_weight = context.config.expansion_weight

    def top_k(self, query: Query, k: int, filters: Filters) -> list[tuple[str, float]]:
        """Clauses by BM25; clauses sharing no token with the query are not ranked."""
        weights = self._lexical.query_weights(query.tokens, query.expansion_tokens, self._expansion_weight)
        return self._cut(self._milvus.sparse_top(weights, k + TIE_MARGIN, filter_expression(filters)), k)


class MilvusDenseRanker(_MilvusRanker):
    """Sentence vectors in Milvus, grouped by clause: a clause scores as its best sentence."""

    name = "dense"

    def top_k(self, query: Query, k: int, filters: Filters) -> list[tuple[str, float]]:
        """Clauses by best sentence similarity."""
        if query.vector is None:
            return []
        return self._cut(self._milvus.dense_top(query.vector, k + TIE_MARGIN, filter_expression(filters)), k)


register_ranker("bm25", backend=MILVUS)(MilvusBM25Ranker)
register_ranker("dense", backend=MILVUS)(MilvusDenseRanker)
