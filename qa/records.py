"""Records returned by search and ask: Hit, Citation, Answer, Indicator (the fields other tools build on)."""

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
    kind: str = "text"  # text | indicator | refusal | procedure
    understood_as: str = ""  # the standalone question answered (the question itself unless a follow-up was rewritten)

    def quotes_the_plan(self) -> bool:
        """Whether the answer quotes plan sentences a follow-up can continue from: a text or figure answer, or a
        procedure answer (it abstains from the procedure, but cites the policy)."""
        return bool(self.citations) and self.kind != "refusal"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "related": [h.to_dict() for h in self.related],
            "kind": self.kind,
            "understood_as": self.understood_as,
        }


class QueryError(ValueError):
    """A query the user must change (empty, too long); the message is shown as is."""


MAX_QUERY_CHARS = 500
# Words that stand before a figure and qualify it ("不低于0.66", "突破900公里"); they read before the number.
QUALIFIERS = ("不低于", "不超过", "不足", "超过", "突破", "接近", "至少", "累计", "低于", "高于", "约")


def sanitised_text(value: object) -> str:
    """Text as it may travel on: '' for anything but a string; lone surrogates replaced and NUL characters dropped."""
    if not isinstance(value, str):
        return ""
    return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def check_query(query: str) -> str:
    """Return the stripped query, or raise QueryError when it is empty or over the length limit.

    Text that is not valid Unicode (lone surrogates from undecodable bytes) has those characters replaced."""
    if query is None:
        query = ""
    if not isinstance(query, str):
        raise QueryError("the question must be text")
    text = sanitised_text(query).strip()
    if not text:
        raise QueryError("the question is empty; type a few words about the plan")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the question is too long ({len(text)} characters; the limit is {MAX_QUERY_CHARS})")
    return text


@dataclass(frozen=True)
class Indicator:
    """A quantitative figure of a plan: a target ("到2025年…达到78%左右") or a status figure ("2020年…76.34%")."""

    name: str  # what is measured, in the plan's words: "常住人口城镇化率"
    value: str  # the figure as written: "78", "1007.17", "2.2"
    number: float  # the figure as a number (in `unit`)
    unit: str  # "%", "万人", "公里", "" for ratios
    qualifier: str  # 左右 / 以上 / 以内 / 不低于 / 超过 / 累计 / 突破 / 达到 ... ("" when none)
    year: int | None  # the year the figure is for (target year or status year); None when the plan gives none
    kind: str  # "target" | "status"
    clause_id: str
    citation: str
    quote: str  # exact text of the plan stating the figure (clean_text[start:end] == quote)
    start: int
    end: int
    doc_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)

    def figure(self) -> str:
        """The figure with unit and qualifier, as a reader expects it: "78%左右", "不低于0.66"."""
        prefix = self.qualifier if self.qualifier in QUALIFIERS else ""
        suffix = self.qualifier if not prefix else ""
        return f"{prefix}{self.value}{self.unit}{suffix}"
