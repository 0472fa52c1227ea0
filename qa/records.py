"""Records returned by search and ask: Hit, Citation, Answer (fields as in DESIGN.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Hit:
    """One retrieved clause: its citation, text, offsets and the offsets of its best-matching sentences."""

    rank: int
    clause_id: str
    citation: str
    text: str
    score: float
    start: int
    end: int
    highlights: list[tuple[int, int]] = field(default_factory=list)
    doc_id: str = ""
    chapter: int | None = None
    topics: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (highlights as [start, end] pairs)."""
        data = asdict(self)
        data["highlights"] = [list(pair) for pair in self.highlights]
        data["score"] = round(float(self.score), 6)
        return data


@dataclass(frozen=True)
class Citation:
    """A numbered citation: the exact quote and where it sits in the document's clean text."""

    n: int
    clause_id: str
    citation: str
    quote: str
    start: int
    end: int
    doc_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """An extractive answer with [n] markers, or an honest refusal with related clauses."""

    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    related: list[Hit] = field(default_factory=list)
    kind: str = "text"  # text | indicator | refusal

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "related": [h.to_dict() for h in self.related],
            "kind": self.kind,
        }


class QueryError(ValueError):
    """A query the user must change (empty, too long); the message is shown as is."""


MAX_QUERY_CHARS = 500


def check_query(query: str) -> str:
    """Return the stripped query, or raise QueryError when it is empty or over the length limit."""
    text = (query or "").strip()
    if not text:
        raise QueryError("the question is empty; type a few words about the plan")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the question is too long ({len(text)} characters; the limit is {MAX_QUERY_CHARS})")
    return text
