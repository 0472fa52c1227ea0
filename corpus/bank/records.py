"""Records of the question bank."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

CATEGORIES = (
    "realtime", "personal_calc", "procedure", "price_market", "opinion", "comparison", "creative", "other_city",
    "trivia", "instruction", "chitchat", "near_miss",
)


class BankError(ValueError):
    """A bank file that cannot be used; the message names the file and the lines."""


@dataclass(frozen=True)
class InScopeQuestion:
    """A resident's question the plan answers: the clause, and the exact evidence inside one of its sentences."""

    id: str
    question: str
    doc_id: str
    clause_id: str
    evidence: str
    start: int  # offsets of the evidence in the document's clean text
    end: int
    sentence_start: int  # offsets of the sentence holding the evidence
    sentence_end: int
    source: str = ""  # the file it came from

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class OutOfScopeQuestion:
    """A question the plan does not answer, with its category."""

    id: str
    question: str
    doc_id: str
    category: str
    near_clause: str = ""
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


@dataclass
class BankSet:
    """Every bank question of the loaded documents."""

    in_scope: list[InScopeQuestion] = field(default_factory=list)
    out_of_scope: list[OutOfScopeQuestion] = field(default_factory=list)
    # Questions whose clause or evidence is no longer in the (revised) document: left out, named here.
    stale: list[str] = field(default_factory=list)
    # Residents' questions that only vote for the sentence answering them (corpus/docs/bank_voters/): never matched to
    # a clause, never a neighbour of the answerability decision, never training data.
    voters: list[InScopeQuestion] = field(default_factory=list)

    def size(self, doc_id: str) -> tuple[int, int]:
        """(in-scope, out-of-scope) question counts of one document."""
        return (sum(q.doc_id == doc_id for q in self.in_scope), sum(q.doc_id == doc_id for q in self.out_of_scope))
