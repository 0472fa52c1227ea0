"""Typed records that cross package borders: documents, clauses and sentences."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from corpus.profile import DocumentProfile


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
    profile: DocumentProfile | None = None

    def clause(self, clause_id: str) -> Clause | None:
        """Return the clause with this id, or None."""
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        return None

    def paragraphs(self) -> list[Clause]:
        """Return the leaf (paragraph-level) clauses in document order."""
        return [c for c in self.clauses if c.level == "paragraph"]

    def sentences_by_clause(self) -> dict[str, list[Sentence]]:
        """The sentences of each paragraph clause, in reading order."""
        grouped: dict[str, list[Sentence]] = {}
        for sentence in self.sentences:
            grouped.setdefault(sentence.clause_id, []).append(sentence)
        return grouped


def clause_path_head(clause_id: str) -> str:
    """The first part of a clause id's numbering ('qingdao-2021/3.2.1.p1' -> '3'; preface -> 'preface')."""
    return clause_id.split("/", 1)[-1].split(".", 1)[0]


def chapter_number(clause_id: str) -> int | None:
    """The chapter number in a clause id ('qingdao-2021/3.2.1.p1' -> 3; preface -> None)."""
    head = clause_path_head(clause_id)
    return int(head) if head.isdigit() else None


class CorpusError(Exception):
    """A problem with input the user gave (bad file, unknown id...); its message is shown as is."""
