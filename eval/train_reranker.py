"""Train the reranker of the fused top clauses on the development sets and residents' candidate questions.

`python -m eval train-reranker` reads every development question with evidence (dev, its rewordings, the blind
everyday set, the judgement set's in-plan half, the follow-up development sets' first turns) and the residents'
questions kept as bank candidates (CANDIDATE_QUESTIONS), takes the first
clauses of the fused ranking (never reranked) with their features, and fits a standardised logistic model of "this
clause holds the evidence". Before writing qa/rerank.json it reports Recall@1 per group with the group held out of
training (a group is a writer's set: dev and its rewordings are one), fused against reranked. The sealed test sets
are never read here.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.bank.store import load_candidate_questions
from corpus.files import atomic_write_text
from eval.followup import load_conversations
from eval.gold import DEV_EVERYDAY, DEV_JUDGEMENT, DEV_SET, GOLD_DIR, load_gold, squash
from eval.logistic_fit import fit_standardised_logistic
from eval.robustness import REWORDINGS
from eval.train_answerability import FOLLOWUP_DEV_SETS
from eval.train_classifier import CANDIDATE_QUESTIONS, HeldOutClassifiers
from qa.retrieval.rerank import FEATURES, RERANK_FILE, RerankModel
from qa.service import PlanQA

DEPTH = 10  # fused clauses reranked: Recall@10 of fusion is 0.97-1.00 on the development sets
REGULARISATION = 0.1  # C of the logistic model; leave-group-out Recall@1 on dev was flat between 0.1 and 1


class RerankTrainingError(ValueError):
    """The reranker cannot be trained; the message says why (nothing is written)."""


@dataclass(frozen=True)
class TrainingQuestion:
    """A development question with evidence, and the group (writer's set) it is held out with."""

    group: str
    question: str
    evidence: list[str]
    learned_as: str = ""  # the clause classifier's training source it is in ("wave5"), ranked by one that never saw it


@dataclass
class RerankReport:
    """What training found: per group, Recall@1 of fusion and of the reranker trained without that group."""

    n_questions: int
    held_out: dict[str, tuple[int, float, float]]  # group -> (questions, fused R@1, reranked R@1)
    path: Path


def training_questions(service: PlanQA) -> list[TrainingQuestion]:
    """Every development question with evidence, in its group."""
    texts = [d.clean_text for d in service.documents()]
    questions: list[TrainingQuestion] = []
    for group, paths in (("dev and its rewordings", (DEV_SET, REWORDINGS)), ("everyday", (DEV_EVERYDAY,)),
                         ("judgement", (DEV_JUDGEMENT,))):
        for path in paths:
            questions += [TrainingQuestion(group, q.question, q.evidence) for q in load_gold(path, texts).questions
                          if q.in_plan and q.evidence]
    # Residents' questions written for the bank and kept as candidates (never voters or bank questions, so the
    # rankers' features know nothing of them): training data of the same kind as the bank, by other writers.
    # Each wave's writers are held out together.
    for wave, pattern in CANDIDATE_QUESTIONS.items():
        questions += [TrainingQuestion(f"residents' candidates ({wave})", q.question, [q.evidence], wave)
                      for q in load_candidate_questions(service.documents(), pattern).in_scope]
    for name in FOLLOWUP_DEV_SETS:
        for conversation in load_conversations(GOLD_DIR / name, texts):
            first = conversation.turns[0]
            if first.evidence and not first.refuse:
                questions.append(TrainingQuestion("follow-up first turns", first.question, first.evidence))
    return questions


def question_rows(service: PlanQA, questions: list[TrainingQuestion], depth: int,
                  held_out: HeldOutClassifiers | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per question: the features of its first depth fused clauses and which of them hold its evidence, ranked by
    clause classifiers that never saw the question (held_out; None: the shipped ones)."""
    retriever = service.retriever
    rows = []
    for q in questions:
        with held_out.serving(q.learned_as) if held_out is not None else nullcontext():
            clauses, features = retriever.rerank_inputs(retriever.prepare(q.question), depth)
        evidence = [squash(e) for e in q.evidence]
        labels = np.array([any(e in squash(retriever.unit(c.clause_id).text) for e in evidence) for c in clauses])
        rows.append((features, labels.astype(int)))
    return rows


def fit(rows: list[tuple[np.ndarray, np.ndarray]], depth: int, trained_on: str = "") -> RerankModel:
    """A standardised logistic model over every (question, clause) row."""
    x = np.vstack([f for f, _ in rows])
    y = np.concatenate([labels for _, labels in rows])
    if not y.any() or y.all():
        raise RerankTrainingError("the training questions give no clause that holds its evidence, or only such"
                                  " clauses: nothing to learn")
    return RerankModel(FEATURES, *fit_standardised_logistic(x, y, REGULARISATION), depth, trained_on)


def recall_at_1(model: RerankModel | None, rows: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Share of questions whose first clause (fused order without a model) holds the evidence."""
    if not rows:
        return 0.0
    firsts = [labels[int(np.argmax(model.probabilities(f)))] if model else labels[0] for f, labels in rows if len(labels)]
    return float(np.sum(firsts)) / len(rows)


def train_reranker(service: PlanQA, depth: int = DEPTH, path: Path = RERANK_FILE) -> RerankReport:
    """Train on the development sets, report each group held out, and write the model trained on all of them."""
    questions = training_questions(service)
    rows = question_rows(service, questions, depth, HeldOutClassifiers(service))
    groups = sorted({q.group for q in questions})
    held_out = {}
    for group in groups:
        train = [r for r, q in zip(rows, questions, strict=True) if q.group != group]
        test = [r for r, q in zip(rows, questions, strict=True) if q.group == group]
        held_out[group] = (len(test), recall_at_1(None, test), recall_at_1(fit(train, depth), test))
    summary = "; ".join(f"{g} ({n}) {before:.3f} -> {after:.3f}" for g, (n, before, after) in held_out.items())
    trained_on = (f"{len(questions)} questions with evidence ({', '.join(groups)}), the first {depth} fused"
                  f" clauses of each, logistic C={REGULARISATION} (`python -m eval train-reranker`). Recall@1 with each"
                  f" group held out of training, fused -> reranked: {summary}")
    model = fit(rows, depth, trained_on)
    atomic_write_text(path, json.dumps(model.to_dict(), ensure_ascii=False, indent=1) + "\n")
    return RerankReport(len(questions), held_out, path)
