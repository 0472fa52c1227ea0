"""Train each document's clause classifier (qa/retrieval/clause_classifier.py) on its residents' questions.

`python -m eval train-classifier` reads, per document, the bank's in-scope questions, the sentence voters, the
answerability training questions and the candidate waves the reranker learns from (never the seventh wave, the
development or the sealed sets), encodes each as a query is encoded at run time (with its everyday-word expansions),
fits a multinomial logistic model (one class per clause) and writes corpus/docs/clause_classifiers/<doc>.json. Before
writing it reports the classifier's Recall@1 and @5 on the seventh wave of residents' candidates, which it never sees.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from corpus.bank.records import InScopeQuestion
from corpus.bank.store import load_candidate_questions, load_training_questions
from corpus.files import atomic_write_text
from qa.retrieval import Filters
from qa.retrieval.clause_classifier import ClassifierRanker, ClauseClassifier, classifier_path, units_signature
from qa.service import PlanQA

# Bank candidates the reranker and the classifier also learn from. The seventh wave is kept out: trained on too, it left
# every held-out group of the reranker within a point and lowered the development sets' Recall@1 (session 15); it
# stays as data, and is the classifier's own check.
CANDIDATE_QUESTIONS = {"wave5": "in_scope_wave5_part*.jsonl", "wave6": "in_scope_wave6_part*.jsonl"}
REGULARISATION = 100.0  # C of the logistic model (chosen on the seventh wave: see qa/tuning.json fusion.chosen_on)
HELD_OUT = "in_scope_wave7_part*.jsonl"  # residents' candidates no model trains on: the classifier's own check
MIN_QUESTIONS = 50  # fewer residents' questions than this for a document: no classifier for it


class ClassifierTrainingError(ValueError):
    """A classifier cannot be trained; the message says why (nothing is written)."""


@dataclass(frozen=True)
class ClassifierReport:
    """What training did for one document."""

    doc_id: str
    n_questions: int
    n_clauses: int
    held_out: int  # seventh-wave questions of the document
    recall_at_1: float
    recall_at_5: float
    path: Path


def training_sources(service: PlanQA) -> dict[str, list[InScopeQuestion]]:
    """Every residents' question a classifier learns from (all documents), by where it comes from: the bank, the
    sentence voters, the answerability training questions and each candidate wave (the keys of CANDIDATE_QUESTIONS)."""
    documents = service.documents()
    bank = service.retriever.bank
    sources = {"bank": list(bank.in_scope), "voters": list(bank.voters),
               "training": list(load_training_questions(documents).in_scope)}
    for wave, pattern in CANDIDATE_QUESTIONS.items():
        sources[wave] = list(load_candidate_questions(documents, pattern).in_scope)
    return sources


def fit_classifier(service: PlanQA, doc_id: str, questions: list[InScopeQuestion], vectors: np.ndarray,
                   regularisation: float = REGULARISATION, trained_on: str = "") -> ClauseClassifier | None:
    """The document's classifier fitted on those of the questions (with their vectors) that are about its clauses;
    None when they are too few."""
    from sklearn.linear_model import LogisticRegression

    units = service.retriever.units(Filters(doc=doc_id))
    known = {u.clause_id for u in units}
    rows = [i for i, q in enumerate(questions) if q.clause_id in known]
    if len(rows) < MIN_QUESTIONS or len({questions[i].clause_id for i in rows}) < 2:
        return None
    fitted = LogisticRegression(C=regularisation, max_iter=5000).fit(vectors[rows], [questions[i].clause_id for i in rows])
    return ClauseClassifier(doc_id, service.retriever.model_key, units_signature(units),
                            tuple(str(c) for c in fitted.classes_), fitted.coef_.astype(np.float32),
                            fitted.intercept_.astype(np.float32), trained_on)


def train_classifiers(service: PlanQA, regularisation: float = REGULARISATION) -> list[ClassifierReport]:
    """Fit and write each document's classifier; reports per document (raise ClassifierTrainingError when none can
    be trained)."""
    questions = [q for source in training_sources(service).values() for q in source]
    vectors = question_vectors(service, [q.question for q in questions])
    held_out = load_candidate_questions(service.documents(), HELD_OUT).in_scope
    reports = []
    for doc_id in service.retriever.doc_ids:
        mine = sum(1 for q in questions if q.doc_id == doc_id)
        trained_on = (f"{mine} residents' questions of {doc_id} (bank, sentence voters, answerability training,"
                      f" candidates {', '.join(CANDIDATE_QUESTIONS)}), multinomial logistic C={regularisation}"
                      " (`python -m eval train-classifier`)")
        model = fit_classifier(service, doc_id, questions, vectors, regularisation, trained_on)
        if model is None:
            continue
        classes = set(model.clause_ids)
        check = [q for q in held_out if q.clause_id in classes]
        r1, r5 = _recall(model, question_vectors(service, [q.question for q in check]), [q.clause_id for q in check])
        if check:
            model = replace(model, trained_on=f"{trained_on}; seventh wave of residents' candidates ({len(check)},"
                                              f" never trained on): Recall@1 {r1:.3f}, @5 {r5:.3f}")
        path = classifier_path(doc_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(model.to_dict(), ensure_ascii=False, indent=1) + "\n")
        reports.append(ClassifierReport(doc_id, mine, len(model.clause_ids), len(check), r1, r5, path))
    if not reports:
        raise ClassifierTrainingError(f"no document has {MIN_QUESTIONS} residents' questions to train a classifier on")
    return reports


class HeldOutClassifiers:
    """Classifiers that never saw one source of their training questions: the rankings the reranker and the sentence
    model learn from must not come from a classifier that learned those very questions (a candidate wave trains
    both), or they learn to trust it more than a resident's new question deserves."""

    def __init__(self, service: PlanQA) -> None:
        """Training questions are read and encoded once, and classifiers fitted, only when first asked for (never
        while the classifier is not fused)."""
        self.service = service
        self._vectors: np.ndarray | None = None
        self._fitted: dict[str, list[ClauseClassifier]] = {}

    @cached_property
    def sources(self) -> dict[str, list[InScopeQuestion]]:
        """The training questions by source (training_sources)."""
        return training_sources(self.service)

    @cached_property
    def _questions(self) -> list[InScopeQuestion]:
        return [q for source in self.sources.values() for q in source]

    @cached_property
    def _source_of(self) -> list[str]:
        return [name for name, source in self.sources.items() for _ in source]

    def without(self, source: str) -> list[ClauseClassifier]:
        """Each document's classifier fitted on every training question but those of source."""
        if source not in self._fitted:
            if self._vectors is None:
                self._vectors = question_vectors(self.service, [q.question for q in self._questions])
            keep = [i for i, name in enumerate(self._source_of) if name != source]
            questions = [self._questions[i] for i in keep]
            models = [fit_classifier(self.service, doc_id, questions, self._vectors[keep])
                      for doc_id in self.service.retriever.doc_ids]
            self._fitted[source] = [m for m in models if m is not None]
        return self._fitted[source]

    @contextmanager
    def serving(self, source: str) -> Iterator[None]:
        """Rank with the classifiers that never saw source (no change for a source they do not learn from)."""
        ranker = self.service.retriever.rankers.get("clause_clf")
        fused = bool(self.service.retriever.config.weights.get("clause_clf"))  # unfused, it changes no ranking
        if not fused or not isinstance(ranker, ClassifierRanker) or source not in self.sources:
            yield
            return
        shipped = ranker.models
        ranker.use(self.without(source))
        try:
            yield
        finally:
            ranker.use(shipped)


def question_vectors(service: PlanQA, texts: list[str]) -> np.ndarray:
    """The question vectors the ranker sees at run time (everyday-word expansions included)."""
    retriever = service.retriever
    rows = [retriever.prepare(text).vector for text in texts]
    return np.array(rows, dtype=np.float32) if rows else np.zeros((0, 0), dtype=np.float32)


def _recall(model: ClauseClassifier, vectors: np.ndarray, gold: list[str]) -> tuple[float, float]:
    """Recall@1 and @5 of the classifier alone."""
    if not gold:
        return 0.0, 0.0
    hits1 = hits5 = 0
    for vector, clause_id in zip(vectors, gold, strict=True):
        order = np.argsort(-model.probabilities(vector))[:5]
        top = [model.clause_ids[i] for i in order]
        hits1 += top[0] == clause_id
        hits5 += clause_id in top
    return hits1 / len(gold), hits5 / len(gold)
