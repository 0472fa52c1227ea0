"""How a question is put, blind to what it is about: every word the loaded plans use is masked, and a character
n-gram model over what is left says whether the question asks for a judgement (an opinion, a forecast, a comparison,
a price, a personal amount) rather than for what the plan states.

The embedding sees the topic, and the plan discusses most topics residents raise; "这主意好不好", "以后会跌吗" and
"哪个更划算" are told apart by their frame, and masking the topic words keeps the model from learning which topics
its training questions happened to be about. Trained by `python -m eval train-answerability`; its probability is a
feature of the answerability model (qa/answerability.py).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.retrieval import Retriever

WORDING_FILE = Path(__file__).resolve().parent / "wording.json"
# Out-of-scope bank categories that ask for a judgement the plan does not make.
JUDGEMENT_CATEGORIES = ("opinion", "comparison", "price_market", "personal_calc")
NGRAMS = (1, 2, 3)
MASK = "N"
MAX_REMEMBERED_WORDS = 50_000
_DIGITS = re.compile(r"\d+(\.\d+)?")


class WordingMasker:
    """Replaces every word of two or more characters that the plans use by one mask letter, and numbers by 0."""

    def __init__(self, segment: Callable[[str], list[str]], plan_texts: Iterable[str]) -> None:
        """segment: the index tokenizer's plain jieba words; plan_texts: the loaded plans' clean texts."""
        self._segment = segment
        self._plan = "\n".join(plan_texts)
        self._known: dict[str, bool] = {}

    def _in_plan(self, word: str) -> bool:
        known = self._known.get(word)
        if known is None:
            if len(self._known) >= MAX_REMEMBERED_WORDS:  # a public chat sees endless new words: bound the memo
                self._known.clear()
            known = self._known[word] = word in self._plan
        return known

    def mask(self, question: str) -> str:
        """The question's frame: "在地铁边上盖公租房 这主意好不好啊" -> "在N边上盖公N这主意好不好啊"."""
        out = []
        for word in self._segment(question):
            if _DIGITS.fullmatch(word):
                out.append("0")
            elif len(word) >= 2 and self._in_plan(word):
                if not out or out[-1] != MASK:
                    out.append(MASK)
            else:
                out.append(word)
        return "".join(out)


def masker_for(retriever: Retriever) -> WordingMasker:
    """The masker of the retriever's loaded plans, with its tokenizer's words."""
    return WordingMasker(retriever.analyzer.segment, (u.text for u in retriever.units()))


def ngrams(text: str) -> list[str]:
    """Character n-grams of a masked question, with start and end marks so the frame's edges count."""
    marked = f"<{text}>"
    return [marked[i : i + n] for n in NGRAMS for i in range(len(marked) - n + 1)]


@dataclass(frozen=True)
class WordingModel:
    """TF-IDF over character n-grams of the masked question, then a logistic model: p(asks for a judgement)."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    weights: np.ndarray
    bias: float
    trained_on: str = ""

    def probability(self, masked: str) -> float:
        """Probability that a masked question asks for a judgement the plan does not make."""
        counts = Counter(g for g in ngrams(masked) if g in self.vocabulary)
        if not counts:
            z = self.bias
        else:
            columns = np.array([self.vocabulary[g] for g in counts], dtype=np.int64)
            values = np.array(list(counts.values()), dtype=np.float64) * self.idf[columns]
            values /= np.linalg.norm(values)
            z = float(np.dot(values, self.weights[columns]) + self.bias)
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"vocabulary": self.vocabulary, "idf": self.idf.round(5).tolist(), "weights": self.weights.round(5).tolist(),
                "bias": round(self.bias, 6), "trained_on": self.trained_on}

    @classmethod
    def from_dict(cls, data: dict) -> WordingModel:
        """Read a dict written by to_dict()."""
        return cls(dict(data["vocabulary"]), np.array(data["idf"]), np.array(data["weights"]), float(data["bias"]),
                   data.get("trained_on", ""))
