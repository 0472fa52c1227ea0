"""Train the model that chooses the answer's sentences on the questions the reranker learns from.

`python -m eval train-sentences` reads the same questions with evidence as `eval train-reranker` (the development sets
and the residents' candidate questions; never a sealed set), ranks each as an answer does (reranked clauses), takes
the sentences of its first answer clauses with their features, and fits a standardised logistic model of "this sentence
holds the evidence". Before writing qa/sentences.json it reports, per group held out of training, how often the
answer's lead sentence and any of its chosen sentences hold the evidence, the hand-set score against the model, and
how many sentences each cites on average.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.files import atomic_write_text
from eval.gold import squash
from eval.logistic_fit import fit_standardised_logistic
from eval.train_classifier import HeldOutClassifiers
from eval.train_reranker import TrainingQuestion, training_questions
from qa.retrieval import Candidate, Retriever
from qa.retrieval.sentence_model import FEATURES, SENTENCE_MODEL_FILE, SentenceModel
from qa.service import PlanQA

REGULARISATION = 0.1  # C of the logistic model (as the reranker's; gradient boosting did no better, session 16)
ANSWER_LIMIT = 3  # sentences an answer cites at most (as PlanSentences chooses them)


class SentenceTrainingError(ValueError):
    """The sentence model cannot be trained; the message says why (nothing is written)."""


@dataclass(frozen=True)
class SentenceRows:
    """One question's candidate sentences: their features, which hold its evidence, and the hand-set choice."""

    features: np.ndarray
    labels: np.ndarray
    hand_set: list[int]  # indices of the sentences the hand-set score chooses, lead first


@dataclass(frozen=True)
class GroupFigures:
    """A held-out group's sentence choice: questions with candidates, lead hits, any-cited hits, mean citations."""

    questions: int
    lead_before: int
    lead_after: int
    cited_before: int
    cited_after: int
    citations_before: float
    citations_after: float


@dataclass
class SentenceReport:
    """What training found: per group held out, the hand-set choice against the model's."""

    n_questions: int
    held_out: dict[str, GroupFigures]
    path: Path


def question_rows(retriever: Retriever, questions: list[TrainingQuestion],
                  held_out: HeldOutClassifiers | None = None) -> list[SentenceRows | None]:
    """Per question: its candidates' features, labels and the hand-set choice (None without answer candidates),
    ranked by clause classifiers that never saw the question (held_out; None: the shipped ones)."""
    config = retriever.tuning.sentences
    rows = []
    for q in questions:
        query = retriever.prepare(q.question)
        with held_out.serving(q.learned_as) if held_out is not None else nullcontext():
            ranking = retriever.rank(query, k=max(config.multipart_clauses, 10))
        candidates = [c for c in retriever.candidates(query, ranking[: config.multipart_clauses])
                      if c.clause_rank < config.answer_clauses]
        if not candidates:
            rows.append(None)
            continue
        evidence = [squash(e) for e in q.evidence]
        labels = np.array([any(e in squash(c.text) or squash(c.text) in e for e in evidence) for c in candidates])
        position = {_key(c): i for i, c in enumerate(candidates)}
        hand_set = [position[_key(c)] for c in retriever.scorer.choose(retriever.voted_sentences(query, candidates),
                                                                       limit=ANSWER_LIMIT)]
        rows.append(SentenceRows(retriever.sentence_inputs(query, candidates, ranking), labels.astype(int), hand_set))
    return rows


def _key(candidate: Candidate) -> tuple[str, int]:
    return candidate.doc_id, candidate.start


def fit(rows: list[SentenceRows], trained_on: str = "") -> SentenceModel:
    """A standardised logistic model over every (question, sentence) row."""
    x = np.vstack([r.features for r in rows]) if rows else np.zeros((0, len(FEATURES)))
    y = np.concatenate([r.labels for r in rows]) if rows else np.zeros(0)
    if not y.any() or y.all():
        raise SentenceTrainingError("the training questions give no candidate sentence that holds its evidence, or only"
                                    " such sentences: nothing to learn")
    return SentenceModel(FEATURES, *fit_standardised_logistic(x, y, REGULARISATION), trained_on)


def model_choice(model: SentenceModel, row: SentenceRows, margin: float) -> list[int]:
    """Indices of the sentences the model chooses: the lead, and up to two more within margin log-odds of it."""
    logits = model.logits(row.features)
    order = np.argsort(-logits, kind="stable")[:ANSWER_LIMIT]
    return [int(i) for i in order if logits[i] >= logits[order[0]] - margin]


def figures(model: SentenceModel, rows: list[SentenceRows], margin: float) -> GroupFigures:
    """The hand-set choice against the model's on these questions."""
    chosen = [model_choice(model, r, margin) for r in rows]
    n = max(len(rows), 1)
    return GroupFigures(
        len(rows),
        sum(int(r.labels[r.hand_set[0]]) for r in rows), sum(int(r.labels[c[0]]) for r, c in zip(rows, chosen, strict=True)),
        sum(int(r.labels[r.hand_set].any()) for r in rows),
        sum(int(r.labels[c].any()) for r, c in zip(rows, chosen, strict=True)),
        sum(len(r.hand_set) for r in rows) / n, sum(len(c) for c in chosen) / n,
    )


def train_sentences(service: PlanQA, path: Path = SENTENCE_MODEL_FILE) -> SentenceReport:
    """Train on the reranker's questions, report each group held out, and write the model trained on all of them."""
    margin = service.retriever.tuning.sentences.model_margin
    questions = training_questions(service)
    rows = question_rows(service.retriever, questions, HeldOutClassifiers(service))
    kept = [(q, r) for q, r in zip(questions, rows, strict=True) if r is not None]
    rows = [r for _, r in kept]
    groups = sorted({q.group for q, _ in kept})
    held_out = {}
    for group in groups if len(groups) > 1 else []:  # one group alone leaves nothing to train on without it
        train = [r for q, r in kept if q.group != group]
        held_out[group] = figures(fit(train), [r for q, r in kept if q.group == group], margin)
    summary = "; ".join(f"{g} ({f.questions}) lead {f.lead_before} -> {f.lead_after}, cited {f.cited_before} ->"
                        f" {f.cited_after} with {f.citations_before:.2f} -> {f.citations_after:.2f} sentences"
                        for g, f in held_out.items())
    trained_on = (f"{len(kept)} questions with evidence and answer candidates ({', '.join(groups)}), the sentences of"
                  f" their first answer clauses (reranked), logistic C={REGULARISATION} (`python -m eval"
                  f" train-sentences`). With each group held out of training, hand-set score -> model (support margin"
                  f" {margin} log-odds): {summary}")
    model = fit(rows, trained_on)
    atomic_write_text(path, json.dumps(model.to_dict(), ensure_ascii=False, indent=1) + "\n")
    return SentenceReport(len(kept), held_out, path)

