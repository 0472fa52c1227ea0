"""Learned fusion: a logistic model reorders the head of the reciprocal-rank-fused list.

Reciprocal rank fusion weighs every ranker the same way for every question; which ranker to trust depends on the
question (a question in the plan's words: BM25; in residents' words: the question bank and the dense ranker). The
model reads, for each clause at the head of the fused list, its fused rank and score, each ranker's rank and relative
score for it, its best sentence's similarity, the share of the question's words it holds, and the question's lexical
gap, and says how likely the clause answers. Trained on development questions by `python -m eval train-fusion`
(eval/train_fusion.py); stored in qa/fusion_model.json with its provenance. Without the file, or when the weighted
rankers differ from those it was trained with (an ablation, another backend), the fused list stands as it is.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_FILE = Path(__file__).resolve().parent.parent / "fusion_model.json"
HEAD = 10  # fused clauses the model reorders (fused R@10 is 0.99-1.00 on every development set)

Ranking = list[tuple[str, float]]


@dataclass(frozen=True)
class ClauseEvidence:
    """What the retriever knows about one clause at the head of the fused list, beyond the rankers' lists."""

    best_sentence: float  # the highest similarity of one of its sentences to the query
    coverage: float  # share of the question's words (or their everyday expansions) in its heading path and text


def feature_names(rankers: Sequence[str]) -> tuple[str, ...]:
    """The model's features for these rankers, in order."""
    per_ranker = [f"{name}_{kind}" for name in rankers for kind in ("reciprocal_rank", "relative_score")]
    return ("fused_reciprocal_rank", "fused_score", *per_ranker, "best_sentence", "lexical_gap", "coverage")


def feature_rows(fused: Ranking, lists: Mapping[str, Sequence[tuple[str, float]]], rankers: Sequence[str],
                 evidence: Mapping[str, ClauseEvidence], lexical_gap: float) -> np.ndarray:
    """One feature row per clause of the fused head, in feature_names(rankers) order."""
    positions = {name: {clause: (rank, score) for rank, (clause, score) in enumerate(lists.get(name, ()))}
                 for name in rankers}
    tops = {name: (lists[name][0][1] if lists.get(name) else 0.0) for name in rankers}
    rows = []
    for rank, (clause_id, score) in enumerate(fused):
        row = [1.0 / (rank + 1), score]
        for name in rankers:
            found = positions[name].get(clause_id)
            row += [0.0, 0.0] if found is None else [1.0 / (found[0] + 1), found[1] / tops[name] if tops[name] else 0.0]
        clause = evidence[clause_id]
        row += [clause.best_sentence, lexical_gap, clause.coverage]
        rows.append(row)
    return np.array(rows, dtype=np.float64).reshape(len(fused), len(feature_names(rankers)))


@dataclass(frozen=True)
class FusionModel:
    """A standardised logistic model over feature_rows: p(clause answers) = sigmoid(w . (x - mean) / scale + b)."""

    rankers: tuple[str, ...]
    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray
    head: int = HEAD
    trained_on: str = ""

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """Probability for each row that its clause answers the question."""
        z = ((rows - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))

    def rerank(self, fused: Ranking, rows: np.ndarray) -> Ranking:
        """The fused list with its head (len(rows) clauses) reordered by probability, which becomes their score; the
        tail keeps its order, scaled below the head so the scores still fall along the list."""
        head = fused[: len(rows)]
        if not head:
            return list(fused)
        scores = self.probabilities(rows)
        order = sorted(range(len(head)), key=lambda i: (-scores[i], i))
        reranked = [(head[i][0], float(scores[i])) for i in order]
        tail = fused[len(rows):]
        if tail:
            floor = reranked[-1][1] * 0.99
            first = tail[0][1] or 1.0
            reranked += [(clause_id, floor * score / first) for clause_id, score in tail]
        return reranked

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"rankers": list(self.rankers), "features": list(feature_names(self.rankers)), "head": self.head,
                "weights": self.weights.round(6).tolist(), "bias": round(self.bias, 6),
                "mean": self.mean.round(6).tolist(), "scale": self.scale.round(6).tolist(),
                "trained_on": self.trained_on}

    @classmethod
    def from_dict(cls, data: dict) -> FusionModel:
        """Read a dict written by to_dict()."""
        return cls(tuple(data["rankers"]), np.array(data["weights"], dtype=np.float64), float(data["bias"]),
                   np.array(data["mean"], dtype=np.float64), np.array(data["scale"], dtype=np.float64),
                   int(data.get("head", HEAD)), data.get("trained_on", ""))


def load_fusion_model(path: Path = MODEL_FILE) -> FusionModel | None:
    """The trained model, or None when none is stored or it is not readable as one (the fused list then stands)."""
    if not path.exists():
        return None
    try:
        model = FusionModel.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError):
        return None
    expected = len(feature_names(model.rankers))
    if not (len(model.weights) == len(model.mean) == len(model.scale) == expected) or not math.isfinite(model.bias):
        return None
    return model
