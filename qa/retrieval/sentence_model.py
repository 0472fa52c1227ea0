"""Learned choice of the answer's sentences among the top clauses' sentences: a logistic model of "this sentence holds
what the resident asked" over its similarity, the question words it holds, its clause's reranked score, the nearest
residents' votes for it and its place in its clause.

The hand-set sentence score (similarity + a bonus per shared word - a penalty per clause rank, plus the bank's votes
scaled by the question's lexical gap) led residents' answers with the evidence sentence 0.60 of the time on a held-out
wave of their questions, though the clause holding it was among the top three far more often: the sentence is the
miss. Trained by `python -m eval train-sentences` (eval/train_sentences.py) on the questions the reranker learns from;
the model and its provenance are kept in qa/sentences.json.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.logistic import StandardisedLogistic, read_model_file
from qa.retrieval.sentences import Candidate

SENTENCE_MODEL_FILE = Path(__file__).resolve().parent.parent / "sentences.json"
FEATURES = (
    "dense",  # similarity of the sentence (in context) to the question
    "dense_gap",  # that similarity less the best candidate's
    "dense_rank",  # 1 / (1 + its rank by similarity among the candidates)
    "coverage",  # share of the question's words (or their plan terms) in the sentence
    "clause_share",  # its clause's ranking score / the top clause's
    "vote",  # the nearest residents' questions' softmax share for this sentence
    "vote_gap",  # that share x the question's lexical gap (residents' words lean on the votes, the plan's do not)
    "position",  # 1 / (1 + its place in its clause)
    "first",  # 1.0 for the clause's first sentence (often a heading-like lead-in)
)


@dataclass(frozen=True)
class SentenceEvidence:
    """What is known of one candidate sentence when the answer's sentences are chosen."""

    candidate: Candidate
    coverage: float
    clause_share: float
    vote: float
    position: int


@dataclass(frozen=True)
class SentenceModel(StandardisedLogistic):
    """The standardised logistic model of p(the sentence holds the answer)."""

    trained_on: str = ""

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {**self.coefficients(), "trained_on": self.trained_on}

    @classmethod
    def from_dict(cls, data: dict) -> SentenceModel:
        """Read a dict written by to_dict()."""
        return cls(*cls.read_coefficients(data), data.get("trained_on", ""))


def load_sentence_model(path: Path = SENTENCE_MODEL_FILE) -> SentenceModel | None:
    """The trained sentence model, or None when none is stored, it was trained on other features or the file is not a
    model (said in a warning; the hand-set score chooses, and `eval train-sentences` can write a new one)."""
    model = read_model_file(path, SentenceModel.from_dict)
    return model if model is not None and model.features == FEATURES else None


def feature_rows(sentences: Sequence[SentenceEvidence], gap: float) -> np.ndarray:
    """The feature matrix of the candidate sentences, in their given order (gap: the question's lexical gap)."""
    if not sentences:
        return np.zeros((0, len(FEATURES)))
    dense = np.array([s.candidate.dense for s in sentences])
    order = np.argsort(-dense, kind="stable")
    dense_rank = np.empty(len(order), dtype=np.int64)
    dense_rank[order] = np.arange(len(order))
    rows = []
    for i, s in enumerate(sentences):
        values: Mapping[str, float] = {
            "dense": s.candidate.dense, "dense_gap": s.candidate.dense - float(dense.max()),
            "dense_rank": 1.0 / (1 + int(dense_rank[i])), "coverage": s.coverage, "clause_share": s.clause_share,
            "vote": s.vote, "vote_gap": s.vote * gap, "position": 1.0 / (1 + s.position),
            "first": 1.0 if s.position == 0 else 0.0,
        }
        rows.append([values[name] for name in FEATURES])
    return np.array(rows, dtype=np.float64)
