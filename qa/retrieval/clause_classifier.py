"""Clause classifier ranker: a linear model over the question's embedding says which clause residents mean.

The bank rankers match the question against single residents' questions (nearest neighbours); the classifier learns
from all of them at once (a multinomial logistic model over the embedding, one class per clause), so a question worded
unlike any one bank question still finds the clause its words lean towards. One model per document, trained by
`python -m eval train-classifier` on the document's residents' questions (bank, sentence voters, answerability
training and the reranker's candidate waves) and kept with the document (corpus/docs/clause_classifiers/<doc>.json)
with the embedding model and the clause texts it was trained for: a revised document or another model switches it off.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.paths import SHIPPED_DOCS
from index.units import ParagraphUnit
from qa.retrieval.query import Filters, Query
from qa.retrieval.rankers import RankerContext, register_ranker

CLASSIFIER_DIR = SHIPPED_DOCS / "clause_classifiers"
log = logging.getLogger(__name__)


def units_signature(units: Iterable[ParagraphUnit]) -> str:
    """SHA-256 of a document's clause ids and texts: what a classifier was trained for."""
    digest = hashlib.sha256()
    for unit in units:
        digest.update(f"{unit.clause_id}\t{unit.text}\n".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class ClauseClassifier:
    """p(clause | question vector) = softmax(weights @ vector + bias) over one document's clauses."""

    doc_id: str
    model_key: str  # the embedding model the vectors came from (index.embedder.model_key)
    units_sha256: str  # units_signature of the document's clauses it was trained for
    clause_ids: tuple[str, ...]
    weights: np.ndarray  # (clauses, dimensions)
    bias: np.ndarray  # (clauses,)
    trained_on: str = ""

    def probabilities(self, vector: np.ndarray) -> np.ndarray:
        """The probability of each clause (in clause_ids order) for one question vector."""
        logits = self.weights @ np.asarray(vector, dtype=np.float32) + self.bias
        logits = np.exp(logits - logits.max())
        return logits / logits.sum()

    def to_dict(self) -> dict:
        """JSON-ready dict; the weights as float16 in base64 (a few hundred kilobytes, not megabytes of digits)."""
        return {"doc_id": self.doc_id, "model_key": self.model_key, "units_sha256": self.units_sha256,
                "clause_ids": list(self.clause_ids), "dimensions": int(self.weights.shape[1]),
                "weights_float16": base64.b64encode(self.weights.astype("<f2").tobytes()).decode("ascii"),
                "bias": [round(float(b), 5) for b in self.bias], "trained_on": self.trained_on}

    @classmethod
    def from_dict(cls, data: dict) -> ClauseClassifier:
        """Read a dict written by to_dict() (ValueError when its shapes disagree)."""
        clause_ids = tuple(data["clause_ids"])
        flat = np.frombuffer(base64.b64decode(data["weights_float16"]), dtype="<f2").astype(np.float32)
        bias = np.array(data["bias"], dtype=np.float32)
        dimensions = int(data["dimensions"])
        if flat.size != len(clause_ids) * dimensions or bias.shape != (len(clause_ids),):
            raise ValueError(f"{len(clause_ids)} clauses of {dimensions} dimensions, but {flat.size} weights and"
                             f" {bias.size} biases")
        return cls(str(data["doc_id"]), str(data["model_key"]), str(data["units_sha256"]), clause_ids,
                   flat.reshape(len(clause_ids), dimensions), bias, str(data.get("trained_on", "")))


def classifier_path(doc_id: str) -> Path:
    """Where a document's classifier is kept."""
    return CLASSIFIER_DIR / f"{doc_id}.json"


def load_classifier(doc_id: str, model_key: str, units: list[ParagraphUnit]) -> ClauseClassifier | None:
    """The document's classifier, or None when it has none, the file is unreadable, or it was trained for another
    embedding model or other clause texts (a warning says which: retrain with `python -m eval train-classifier`)."""
    path = classifier_path(doc_id)
    if not path.exists():
        return None
    try:
        model = ClauseClassifier.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring the clause classifier %s: %s", path, exc)
        return None
    if model.model_key != model_key:
        log.info("clause classifier %s was trained for the model %s, not %s: not used", path, model.model_key, model_key)
        return None
    if model.units_sha256 != units_signature(units):
        log.warning("clause classifier %s was trained for another text of %s: not used (retrain it)", path, doc_id)
        return None
    return model


class ClassifierRanker:
    """Clauses by the classifier's probability; each document's own model ranks its clauses."""

    name = "clause_clf"

    def __init__(self, context: RankerContext) -> None:
        """Load the classifier of every indexed document that has a current one."""
        self._catalog = context.catalog
        key = str(context.index.manifest.get("model_key", ""))
        by_doc: dict[str, list[ParagraphUnit]] = {}
        for unit in self._catalog.units:
            by_doc.setdefault(unit.doc_id, []).append(unit)
        self._models: list[tuple[ClauseClassifier, np.ndarray]] = []
        self.use([m for m in (load_classifier(d, key, units) for d, units in by_doc.items()) if m is not None])

    def use(self, models: list[ClauseClassifier]) -> None:
        """Rank with these classifiers (one per document) from now on: training swaps in ones that never saw the
        questions it ranks (eval/train_classifier.py)."""
        self._models = [(m, np.array([self._catalog.position[c] for c in m.clause_ids], dtype=np.int64)) for m in models]

    @property
    def models(self) -> list[ClauseClassifier]:
        """The classifiers in use."""
        return [model for model, _ in self._models]

    @property
    def active(self) -> bool:
        """Whether any document has a classifier in use."""
        return bool(self._models)

    def top_k(self, query: Query, k: int, filters: Filters) -> list[tuple[str, float]]:
        """Clauses by classifier probability; clauses of documents without a classifier are not ranked."""
        if query.vector is None or not self._models:
            return []
        scores = np.zeros(len(self._catalog), dtype=np.float32)
        for model, rows in self._models:
            scores[rows] = model.probabilities(query.vector)
        return self._catalog.top(scores, k, self._catalog.mask(filters), keep_zero=False)


register_ranker("clause_clf")(ClassifierRanker)
