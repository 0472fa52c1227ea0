"""What gets indexed: every paragraph clause (with its heading path) and every sentence inside it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from corpus.records import Document, chapter_number


@dataclass(frozen=True)
class ParagraphUnit:
    """A paragraph clause as a retrieval unit: the text indexed is its heading path plus its own text."""

    clause_id: str
    doc_id: str
    chapter: int | None
    citation: str
    path: list[str]
    text: str
    start: int
    end: int
    topics: list[str]

    def context_text(self) -> str:
        """The text a clause means in context: heading path, then the clause."""
        heading = " ".join(self.path)
        return f"{heading}：{self.text}" if heading else self.text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class SentenceUnit:
    """A sentence of a paragraph unit: a stable id ("<clause id>#<n>"), its unit's position, text and offsets."""

    id: str
    paragraph: int
    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


def make_units(documents: list[Document], tag) -> tuple[list[ParagraphUnit], list[SentenceUnit]]:
    """Paragraph and sentence units of all documents, in document order; tag(path, text) gives topics."""
    paragraphs: list[ParagraphUnit] = []
    sentences: list[SentenceUnit] = []
    for document in documents:
        by_clause = document.sentences_by_clause()
        for clause in document.paragraphs():
            index = len(paragraphs)
            paragraphs.append(
                ParagraphUnit(
                    clause_id=clause.id,
                    doc_id=document.doc_id,
                    chapter=chapter_number(clause.id),
                    citation=clause.citation,
                    path=list(clause.path),
                    text=clause.text,
                    start=clause.start,
                    end=clause.end,
                    topics=tag(clause.path, clause.text),
                )
            )
            for n, sentence in enumerate(by_clause.get(clause.id, []), start=1):
                sentences.append(SentenceUnit(f"{clause.id}#{n}", index, sentence.text, sentence.start, sentence.end))
    return paragraphs, sentences
