"""Learned reranking of the fused top clauses: a logistic model over what each ranker said of a clause, how well its
best sentence matches, how the nearest bank questions vote and how many of the question's words it holds.

Reciprocal rank fusion sees only ranks. The fused list usually holds the clause that answers a resident (Recall@10
0.97-1.00 on the development sets) but often not first; the sentence-level similarity, the bank's sentence votes and
the shared words tell the answering clause from its neighbours. Trained on the development sets by
`python -m eval train-reranker` (eval/train_reranker.py); the model and its provenance are kept in qa/rerank.json.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.logistic import StandardisedLogistic, read_model_file

RERANK_FILE = Path(__file__).resolve().parent.parent / "rerank.json"
RANKERS = ("bm25", "dense", "bank", "bank_bm25", "clause_clf")
FEATURES = (
    "fused_share",  # fused score / the top fused score
    "fused_rank",  # 1 / (1 + fused rank)
    "lexical_gap",  # share of the question's words missing from the top BM25 clause (the same for every clause)
    *(f"{name}_{kind}" for name in RANKERS for kind in ("rank", "share")),  # 1 / (1 + rank); score / the ranker's top
    "gap_x_bank_rank",  # the bank counts for residents' words, BM25 for the plan's
    "gap_x_bm25_rank",
    "best_sentence",  # similarity of the clause's best sentence to the question
    "best_sentence_gap",  # that similarity less the best sentence of any clause in the list
    "bank_vote",  # the nearest bank questions' softmax share for the clause's sentences
    "word_coverage",  # share of the question's words (or their plan terms) in the clause with its headings
    "length",  # log(1 + characters)
    "depth",  # headings above the clause
)


@dataclass(frozen=True)
class ClauseEvidence:
    """What is known of one fused clause when it is reranked."""

    clause_id: str
    fused_score: float
    ranks: Mapping[str, int]  # ranker name -> 0-based rank in its list (absent: not in it)
    scores: Mapping[str, float]  # ranker name -> its score
    best_sentence: float
    bank_vote: float
    word_coverage: float
    length: int
    depth: int


@dataclass(frozen=True)
class RerankModel(StandardisedLogistic):
    """The standardised logistic model of p(the clause answers), with how many fused clauses it reorders."""

    depth: int = 0  # how many fused clauses are reranked
    trained_on: str = ""

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {**self.coefficients(), "depth": self.depth, "trained_on": self.trained_on}

    @classmethod
    def from_dict(cls, data: dict) -> RerankModel:
        """Read a dict written by to_dict()."""
        return cls(*cls.read_coefficients(data), int(data["depth"]), data.get("trained_on", ""))


def load_reranker(path: Path = RERANK_FILE) -> RerankModel | None:
    """The trained reranker, or None when none is stored, the file is not a model (a warning says so) or it was trained
    on other features (fusion alone ranks)."""
    model = read_model_file(path, RerankModel.from_dict)
    return model if model is not None and model.features == FEATURES and model.depth > 0 else None


def feature_rows(clauses: Sequence[ClauseEvidence], tops: Mapping[str, float], gap: float) -> np.ndarray:
    """The feature matrix of the fused clauses, best fused first (tops: each ranker's top score)."""
    if not clauses:
        return np.zeros((0, len(FEATURES)))
    top_fused = clauses[0].fused_score or 1.0
    best_of_all = max(c.best_sentence for c in clauses)
    rows = []
    for position, clause in enumerate(clauses):
        values = {"fused_share": clause.fused_score / top_fused, "fused_rank": 1.0 / (1 + position),
                  "lexical_gap": gap}
        for name in RANKERS:
            rank = clause.ranks.get(name)
            values[f"{name}_rank"] = 1.0 / (1 + rank) if rank is not None else 0.0
            top = tops.get(name) or 1.0
            values[f"{name}_share"] = clause.scores.get(name, 0.0) / top
        values["gap_x_bank_rank"] = gap * values["bank_rank"]
        values["gap_x_bm25_rank"] = gap * values["bm25_rank"]
        values["best_sentence"] = clause.best_sentence
        values["best_sentence_gap"] = clause.best_sentence - best_of_all
        values["bank_vote"] = clause.bank_vote
        values["word_coverage"] = clause.word_coverage
        values["length"] = math.log1p(clause.length)
        values["depth"] = float(clause.depth)
        rows.append([values[name] for name in FEATURES])
    return np.array(rows, dtype=np.float64)


def reorder(clauses: Sequence[ClauseEvidence], probabilities: np.ndarray) -> list[tuple[str, float]]:
    """The clauses by the model's probability, best first (ties keep the fused order), each with that probability."""
    order = sorted(range(len(clauses)), key=lambda i: (-probabilities[i], i))
    return [(clauses[i].clause_id, float(probabilities[i])) for i in order]
