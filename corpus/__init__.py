"""Corpus: documents -> clean text -> clause tree (chapter > section > item > sub-item > paragraph > sentence)."""

from corpus.records import Clause, CorpusError, Document, Sentence
from corpus.store import CorpusStore

__all__ = ["Clause", "CorpusError", "CorpusStore", "Document", "Sentence"]
