"""Corpus: documents -> clean text -> clause tree (chapter > section > item > sub-item > paragraph > sentence)."""

from corpus.records import Clause, CorpusError, Document, Sentence
from corpus.store import CorpusStore


def load_documents() -> list[Document]:
    """Load every stored document (building the shipped plan first if needed)."""
    return CorpusStore.default().load_all()


__all__ = ["Clause", "CorpusError", "CorpusStore", "Document", "Sentence", "load_documents"]
