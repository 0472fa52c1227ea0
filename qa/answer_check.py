"""The answer check: does the sentence PlanQA would lead with answer what was asked?

The answerability model reads the question against the bank and the ranking, one side at a time; residents'
predictions, opinions and near misses about the plan's own topics find their topic and pass it. The check reads the
question and the lead sentence together: the embedding model encodes "question passage: sentence" as one text, so
its attention sees both, and a logistic head over that vector (trained by `python -m eval train-answer-check` on
residents' questions with their evidence sentences against out-of-scope questions and wrong sentences) scores
whether the sentence answers the question. It is consulted only when the answerability model is unsure (below the
band) and refuses when the two log-odds together fall below the operating point (qa/tuning.json answer_check).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.pipeline import AskState
from qa.retrieval import Retriever
from qa.tuning import AnswerCheckConfig

CHECK_FILE = Path(__file__).resolve().parent / "answer_check.json"
log = logging.getLogger(__name__)


def pair_text(question: str, sentence: str) -> str:
    """The one text the encoder reads for a (question, sentence) pair; encoded as a query, it gets the query prefix."""
    return f"{question} passage: {sentence}"


@dataclass(frozen=True, eq=False)  # compared by identity: its weights are an array
class AnswerCheckModel:
    """A logistic head over the embedding of a (question, sentence) pair: log-odds that the sentence answers it."""

    weights: np.ndarray
    bias: float
    model_key: str  # the embedding model whose pair vectors it was trained on (index.embedder.model_key)
    trained_on: str = ""

    def log_odds(self, vectors: np.ndarray) -> np.ndarray:
        """Log-odds for each row of pair vectors."""
        return np.asarray(vectors, dtype=np.float64) @ self.weights + self.bias

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"model_key": self.model_key, "bias": self.bias, "weights": [round(float(w), 6) for w in self.weights],
                "trained_on": self.trained_on}

    @classmethod
    def from_dict(cls, data: dict) -> AnswerCheckModel:
        """Read a dict written by to_dict()."""
        return cls(np.array(data["weights"], dtype=np.float64), float(data["bias"]), str(data["model_key"]),
                   str(data.get("trained_on", "")))


def load_check(model_key: str, path: Path = CHECK_FILE) -> AnswerCheckModel | None:
    """The trained check for this embedding model; None when none is stored or it was trained for another model."""
    if not path.exists():
        return None
    model = AnswerCheckModel.from_dict(json.loads(path.read_text(encoding="utf-8")))
    if model.model_key != model_key:
        log.info("answer check %s was trained for the model %s, not %s: not used", path, model.model_key, model_key)
        return None
    return model


class AnswerCheck:
    """Scores the lead sentence against the question and says whether, with the answerability model (and the judgement
    wording model, when given), to refuse."""

    def __init__(self, retriever: Retriever, model: AnswerCheckModel, config: AnswerCheckConfig,
                 wording: Callable[[str], float] | None = None) -> None:
        """Use the retriever's encoder, the trained head, its operating point, and the judgement wording model's
        probability that a question asks for a forecast, a comparison or a judgement (None: not read)."""
        self.retriever = retriever
        self.model = model
        self.config = config
        self.wording = wording

    def score(self, question: str, sentence: str) -> float:
        """Log-odds that the sentence answers the question."""
        return float(self.model.log_odds(self.retriever.encode_query(pair_text(question, sentence))))

    def refuses(self, state: AskState, probability: float) -> bool:
        """Whether a question the answerability model would answer with this probability is refused after all: only
        below the band (above it the check is not run), when the combined log-odds fall below the operating point.
        The wording term asks for more certainty the more a question reads as a judgement ("海鲜以后还涨价不")."""
        if probability >= self.config.band or not state.candidates:
            return False
        combined = _log_odds(probability)
        if self.config.weight:
            state.answer_check = self.score(state.question, state.candidates[0].text)
            combined += self.config.weight * state.answer_check
        if self.config.wording_weight and self.wording is not None:
            state.judgement_wording = self.wording(state.question)
            combined -= self.config.wording_weight * _log_odds(state.judgement_wording)
        return combined < self.config.threshold


def _log_odds(probability: float) -> float:
    p = min(max(probability, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))
