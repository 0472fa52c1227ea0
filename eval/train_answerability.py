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
from sklearn.model_selection import cross_val_predict, cross_val_score

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
    bank_wrong_refusals: float  # out-of-fold, on the residents' in-scope bank questions
    bank_correct_refusals: float  # out-of-fold, on the out-of-scope bank questions


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


def fit(x: np.ndarray, y: np.ndarray, trained_on: str) -> tuple[AnswerabilityModel, float, np.ndarray]:
    """A standardised, class-balanced logistic model, its 5-fold cross-validated ROC AUC, and out-of-fold
    probabilities of every training question."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    classifier = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    auc = float(cross_val_score(classifier, z, y, cv=5, scoring="roc_auc").mean())
    out_of_fold = cross_val_predict(classifier, z, y, cv=5, method="predict_proba")[:, 1]
    classifier.fit(z, y)
    model = AnswerabilityModel(FEATURES, classifier.coef_[0], float(classifier.intercept_[0]), mean, scale, trained_on)
    return model, auc, out_of_fold


def choose_threshold(service: PlanQA, model: AnswerabilityModel, dev: GoldSet,
                     bank_in_scope: np.ndarray) -> tuple[float, float, float]:
    """The threshold with the most correct refusals on the dev set whose wrong refusals stay within
    MAX_WRONG_REFUSALS both on the dev set (all deciders included) and on the residents' in-scope bank questions
    (out-of-fold probabilities): the dev set's in-plan questions are mostly in the plan's own words, residents'
    are not. Returns (threshold, correct refusals, wrong refusals) on the dev set."""
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
        bank_wrong = float(np.mean(bank_in_scope < threshold)) if len(bank_in_scope) else 0.0
        if wrong <= MAX_WRONG_REFUSALS and bank_wrong <= MAX_WRONG_REFUSALS and correct >= best[1]:
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
    model, auc, out_of_fold = fit(x, y, trained_on)
    n_in, n_out = len(bank.in_scope), len(bank.out_of_scope)
    bank_in, bank_out = out_of_fold[:n_in], out_of_fold[n_in : n_in + n_out]
    threshold, correct, wrong = choose_threshold(service, model, dev, bank_in)
    bank_wrong, bank_correct = float(np.mean(bank_in < threshold)), float(np.mean(bank_out < threshold))
    atomic_write_text(MODEL_FILE, json.dumps(model.to_dict(), ensure_ascii=False, indent=1) + "\n")
    _write_threshold(TUNING_FILE, threshold, dev.path, correct, wrong, auc, bank_wrong, bank_correct)
    return TrainingReport(n_in, n_out, auc, threshold, correct, wrong, bank_wrong, bank_correct)


def _write_threshold(path: Path, threshold: float, dev_path: Path, correct: float, wrong: float, auc: float,
                     bank_wrong: float, bank_correct: float) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["answerability"] = {
        "threshold": threshold,
        "chosen_on": (f"{dev_path.name} and the bank's out-of-fold probabilities: the threshold with the most dev correct"
                      f" refusals whose wrong refusals stay <= {MAX_WRONG_REFUSALS} on dev and on residents' in-scope"
                      f" bank questions (dev correct refusals {correct:.3f}, wrong {wrong:.3f}; bank out-of-fold wrong"
                      f" {bank_wrong:.3f}, correct {bank_correct:.3f}); model trained on the question bank by"
                      f" `python -m eval train-answerability` (5-fold ROC AUC {auc:.3f})"),
    }
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
