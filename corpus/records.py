"""Typed records that cross package borders: documents, clauses and sentences."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

LEVELS = ("chapter", "section", "item", "subitem", "paragraph")


@dataclass(frozen=True)
class Clause:
    """One node of a document's clause tree, with offsets into the document's clean text."""

    id: str
    doc_id: str
    level: str
    label: str
    title: str
    path: list[str]
    citation: str
    text: str
    start: int
    end: int
    parent_id: str | None = None
    order: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Return the clause as a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Clause:
        """Build a clause from its JSON dict."""
        return cls(**data)


@dataclass(frozen=True)
class Sentence:
    """One sentence of a paragraph clause, with offsets into the clean text."""

    clause_id: str
    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        """Return the sentence as a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Sentence:
        """Build a sentence from its JSON dict."""
        return cls(**data)


@dataclass(frozen=True)
class Artefact:
    """Something cleaning removed from the raw body, kept so that no loss is silent."""

    kind: str  # running_title | repeated_char
    text: str
    raw_start: int


@dataclass
class CleanResult:
    """Outcome of cleaning one document's raw text."""

    clean_text: str
    raw_body: str
    body_offset: int
    toc: list[tuple[str, str]] = field(default_factory=list)
    cover: list[str] = field(default_factory=list)
    artefacts: list[Artefact] = field(default_factory=list)
    page_break_joins: int = 0
    heading_repairs: list[str] = field(default_factory=list)


@dataclass
class Document:
    """A parsed document: its clean text, clause tree and sentences."""

    doc_id: str
    title: str
    source_name: str
    source_sha256: str
    clean_text: str
    clauses: list[Clause]
    sentences: list[Sentence]
    stats: dict[str, Any] = field(default_factory=dict)

    def clause(self, clause_id: str) -> Clause | None:
        """Return the clause with this id, or None."""
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        return None

    def paragraphs(self) -> list[Clause]:
        """Return the leaf (paragraph-level) clauses in document order."""
        return [c for c in self.clauses if c.level == "paragraph"]


class CorpusError(Exception):
    """A problem with input the user gave (bad file, unknown id...); its message is shown as is."""
