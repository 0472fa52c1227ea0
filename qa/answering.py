"""Answer a question from the plan: a cited figure, cited plan sentences, or an honest refusal."""

from __future__ import annotations

from corpus.records import Document
from qa.decide import ExplicitSignals, FigureTable, MissingYear, PlanSentences
from qa.indicators import IndicatorTable
from qa.intent import IntentReader
from qa.pipeline import AskState, Pipeline
from qa.records import Answer
from qa.retrieval import Filters, Retriever
from qa.stages import Compose, Decide, Retrieve, Understand, Verify


class Answerer:
    """Composes extractive answers with verified citations through the ask pipeline."""

    def __init__(self, retriever: Retriever, documents: list[Document]) -> None:
        """Prepare the indicator table, the question reader and the stages for these documents."""
        self.retriever = retriever
        self.documents = {d.doc_id: d for d in documents}
        refusal = retriever.tuning.refusal
        self.table = IndicatorTable(documents, retriever.tuning.indicators)
        profiles = [d.profile for d in documents if d.profile]
        reader = IntentReader([d.clean_text for d in documents], retriever.analyzer, profiles)
        place_label = "、".join(dict.fromkeys(p.place for p in profiles if p.place)) or "所收录地区"
        self.pipeline = Pipeline([
            Understand(retriever, reader),
            Retrieve(retriever),
            Decide([
                ExplicitSignals(place_label),
                FigureTable(self.table, retriever, refusal),
                MissingYear(),
                PlanSentences(retriever, refusal),
            ]),
            Compose(retriever),
            Verify(self.documents),
        ])

    def run(self, question: str, filters: Filters | None = None, history: list[str] | None = None) -> AskState:
        """The whole pipeline state for one question (the answer, and how it was reached)."""
        return self.pipeline.run(question, filters, history)

    def ask(self, question: str, filters: Filters | None = None, history: list[str] | None = None) -> Answer:
        """Answer one question (raises QueryError for an empty or over-long one, or an unknown filter)."""
        return self.run(question, filters, history).answer
