"""One object the web app and the evaluation use: search, ask, indicators and the documents' structure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from corpus.records import Clause, Document
from corpus.store import CorpusStore
from qa.records import Answer, Hit, Indicator
from qa.retrieval import Filters, Retriever

if TYPE_CHECKING:
    from qa.answering import Answerer


@dataclass
class PlanQA:
    """The loaded corpus, index and answerer."""

    retriever: Retriever
    _documents: dict[str, Document] = field(default_factory=dict)
    _answerer: Answerer | None = None

    @classmethod
    def open(cls, model: str | None = None) -> PlanQA:
        """Load (building when missing) everything needed to answer questions."""
        retriever = Retriever.open(model=model)
        documents = {d.doc_id: d for d in CorpusStore.default().load_all()}
        return cls(retriever, documents)

    def documents(self) -> list[Document]:
        """The stored documents, shipped plan first."""
        return list(self._documents.values())

    def document(self, doc_id: str) -> Document | None:
        """One document by id."""
        return self._documents.get(doc_id)

    def clause(self, clause_id: str) -> Clause | None:
        """A clause of any document by its id."""
        document = self._documents.get(clause_id.split("/", 1)[0])
        return document.clause(clause_id) if document else None

    def chapters(self, doc_id: str) -> list[Clause]:
        """The chapter clauses of a document, in order."""
        document = self._documents.get(doc_id)
        return [c for c in document.clauses if c.level == "chapter"] if document else []

    @property
    def topics(self) -> list[str]:
        """Topic names used to tag clauses."""
        return self.retriever.topics

    def search(self, query: str, k: int = 10, doc: str | None = None, chapter: int | None = None,
               topic: str | None = None, mode: str = "hybrid") -> list[Hit]:
        """Clause search (see Retriever.search)."""
        return self.retriever.search(query, k=k, doc=doc, chapter=chapter, topic=topic, mode=mode)

    def indicators(
        self, year: int | None = None, kind: str | None = None, topic: str | None = None, doc: str | None = None
    ) -> list[Indicator]:
        """The plan's quantitative figures, filtered by year, kind (target/status), clause topic and document."""
        rows = self.answerer.table.filter(year=year, kind=kind, doc=doc)
        if topic:
            tagged = {u.clause_id for u in self.retriever.units(Filters(topic=topic))}
            rows = [r for r in rows if r.clause_id in tagged]
        return rows

    def query_terms(self, query: str) -> list[str]:
        """The query's content words plus the plan terms its everyday words stand for (for highlighting)."""
        if not (query or "").strip():
            return []
        analyzer = self.retriever.analyzer
        return analyzer.content_words(query) + analyzer.expansions(query)

    def ask(self, question: str, doc: str | None = None, chapter: int | None = None,
            history: list[str] | None = None) -> Answer:
        """A cited extractive answer, or a refusal with related clauses (optionally within one document or chapter)."""
        return self.answerer.ask(question, Filters(doc, chapter), history)

    @property
    def answerer(self) -> Answerer:
        """The answer pipeline (created on first use)."""
        if self._answerer is None:
            from qa.answering import Answerer

            self._answerer = Answerer(self.retriever, self.documents())
        return self._answerer
