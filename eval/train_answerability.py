"""Train the answerability model on the question bank and choose its operating point on the development set.

`python -m eval train-answerability` writes qa/answerability.json (the model) and the "answerability" section of
qa/tuning.json (the threshold, with what it was chosen on). The sealed test set is never read here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from corpus.files import atomic_write_text
from eval.gold import GoldSet
from qa.answerability import FEATURES, MODEL_FILE, AnswerabilityModel, FeatureReader
from qa.pipeline import AskState
from qa.service import PlanQA
from qa.tuning import TUNING_FILE

MAX_WRONG_REFUSALS = 0.03


@dataclass
class TrainingReport:
    """What training and threshold selection found."""

    n_in_scope: int
    n_out_of_scope: int
    cv_auc: float
    threshold: float
    dev_correct_refusals: float
    dev_wrong_refusals: float


def _state(service: PlanQA, question: str) -> AskState:
    """The pipeline state after understand and retrieve."""
    pipeline = service.answerer.pipeline
    state = AskState(question)
    pipeline.stage("understand").run(state)
    pipeline.stage("retrieve").run(state)
    return state


def plan_vocabulary_questions(service: PlanQA) -> list[str]:
    """In-scope questions in the plan's own words, made from the plans themselves: each clause's heading, each
    indicator's name and year, and the first content words of each sentence (what staff and careful readers type).
    The bank's questions are residents' words; without these the model learns that plan words mean "out of scope"."""
    analyzer = service.retriever.analyzer
    made: list[str] = []
    for document in service.documents():
        made += [c.path[-1] + "有什么安排" for c in document.paragraphs() if c.path]
    for ind in service.answerer.table.all:
        when = (f"到{ind.year}年" if ind.kind == "target" else f"{ind.year}年") if ind.year else ""
        made.append(f"{when}{ind.name}是多少")
    for document in service.documents():
        for sentence in document.sentences:
            words = [w for w in analyzer.content_words(sentence.text) if len(w) > 1][:4]
            if len(words) >= 2:
                made.append(" ".join(words))
    return list(dict.fromkeys(made))


def bank_features(service: PlanQA) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels (1 = the plan answers) of the bank questions (each left out of its own neighbours)
    and of the plan-vocabulary questions."""
    reader = FeatureReader(service.retriever, service.answerer.table)
    bank = service.retriever.bank
    rows, labels = [], []
    for q, label in [*((q, 1) for q in bank.in_scope), *((q, 0) for q in bank.out_of_scope)]:
        rows.append(reader.read(_state(service, q.question), exclude=f"{q.doc_id}:{q.id}"))
        labels.append(label)
    for question in plan_vocabulary_questions(service):
        rows.append(reader.read(_state(service, question)))
        labels.append(1)
    return np.array(rows), np.array(labels)


def fit(x: np.ndarray, y: np.ndarray, trained_on: str) -> tuple[AnswerabilityModel, float]:
    """A standardised, class-balanced logistic model and its 5-fold cross-validated ROC AUC."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    classifier = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    auc = float(cross_val_score(classifier, z, y, cv=5, scoring="roc_auc").mean())
    classifier.fit(z, y)
    model = AnswerabilityModel(FEATURES, classifier.coef_[0], float(classifier.intercept_[0]), mean, scale, trained_on)
    return model, auc


def choose_threshold(service: PlanQA, model: AnswerabilityModel, dev: GoldSet) -> tuple[float, float, float]:
    """The highest threshold whose wrong refusals on the dev set stay within MAX_WRONG_REFUSALS (all deciders
    included); returns (threshold, correct refusals, wrong refusals) on the dev set."""
    answerer = service.answerer
    answerer.use_answerability(model, threshold=0.0)  # the model never refuses: how the other deciders answer
    results = []
    for q in dev.questions:
        state = answerer.run(q.question)
        results.append((q.in_plan, state.answerability if state.answerability is not None else 1.0,
                        state.answer.abstained))
    best = (0.0, 0.0, 0.0)
    for threshold in np.arange(0.02, 0.96, 0.01):
        refused = [(in_plan, abstained or p < threshold) for in_plan, p, abstained in results]
        in_plan = [r for ip, r in refused if ip]
        out = [r for ip, r in refused if not ip]
        wrong, correct = sum(in_plan) / len(in_plan), sum(out) / len(out)
        if wrong <= MAX_WRONG_REFUSALS and correct >= best[1]:
            best = (round(float(threshold), 2), correct, wrong)
    return best


def train_and_tune(service: PlanQA, dev: GoldSet) -> TrainingReport:
    """Train on the bank, choose the operating point on dev, and write the model and the threshold."""
    service.answerer.use_answerability(None)  # features and dev decisions without an older model
    x, y = bank_features(service)
    bank = service.retriever.bank
    made = len(y) - len(bank.in_scope) - len(bank.out_of_scope)
    trained_on = (f"question bank: {len(bank.in_scope)} in-scope and {len(bank.out_of_scope)} out-of-scope questions,"
                  f" and {made} plan-vocabulary questions made from the plan (headings, indicators, sentence words)")
    model, auc = fit(x, y, trained_on)
    threshold, correct, wrong = choose_threshold(service, model, dev)
    atomic_write_text(MODEL_FILE, json.dumps(model.to_dict(), ensure_ascii=False, indent=1) + "\n")
    _write_threshold(TUNING_FILE, threshold, dev.path, correct, wrong, auc)
    return TrainingReport(len(bank.in_scope), len(bank.out_of_scope), auc, threshold, correct, wrong)


def _write_threshold(path: Path, threshold: float, dev_path: Path, correct: float, wrong: float, auc: float) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["answerability"] = {
        "threshold": threshold,
        "chosen_on": (f"{dev_path.name}: the highest probability threshold with wrong refusals <= {MAX_WRONG_REFUSALS}"
                      f" (dev correct refusals {correct:.3f}, wrong refusals {wrong:.3f}); model trained on the question"
                      f" bank by `python -m eval train-answerability` (5-fold ROC AUC {auc:.3f})"),
    }
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
