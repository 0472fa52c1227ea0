"""Hybrid clause retrieval: rankers behind one Protocol (BM25, dense, ...) fused over their top-k lists.

Outside this package, code uses `Retriever` (query records, rankings, candidate sentences, hits, units by id)
and never the index's arrays. A new ranker goes in `rankers.py` (or its own module registered with
`register_ranker`) with a weight in qa/tuning.json; a new vector store in `index/vector_store.py`.
"""

from qa.retrieval.query import Filters, Query, QueryAnalyzer
from qa.retrieval.rankers import RANKERS, Ranker, RankerContext, register_ranker
from qa.retrieval.retriever import HYBRID, Retriever
from qa.retrieval.sentences import Candidate, SentenceScorer
from qa.tuning import FusionConfig

__all__ = [
    "HYBRID", "RANKERS", "Candidate", "Filters", "FusionConfig", "Query", "QueryAnalyzer", "Ranker", "RankerContext",
    "Retriever", "SentenceScorer", "register_ranker",
]
