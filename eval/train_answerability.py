"""Train the wording and answerability models on the question bank and choose the operating point on development data.

`python -m eval train-answerability` writes qa/wording.json and qa/answerability.json (the models) and the
"answerability" section of qa/tuning.json (the threshold, with what it was chosen on). The sealed test sets are never
read here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold, cross_val_predict, cross_val_score

from corpus.bank.records import BankSet, InScopeQuestion
from corpus.bank.store import load_training_questions
from corpus.files import atomic_write_text
from corpus.store import CorpusStore
from eval.followup import load_conversations
from eval.gold import DEV_EVERYDAY, DEV_JUDGEMENT, GOLD_DIR, GoldSet, load_gold
from eval.robustness import REWORDINGS
from qa.answerability import FEATURES, MODEL_FILE, AnswerabilityModel, FeatureReader, sha256_of
from qa.pipeline import AskState
from qa.service import PlanQA
from qa.tuning import TUNING_FILE, AnswerCheckConfig, JudgementConfig
from qa.wording import JUDGEMENT_CATEGORIES, WORDING_FILE, WordingModel, masker_for, ngrams

MAX_WRONG_REFUSALS = 0.03
FOLDS = 5


class TrainingError(ValueError):
    """Training cannot choose an operating point; the message says why (nothing is written)."""


# Residents' in-plan development questions the operating point must not refuse more than MAX_WRONG_REFUSALS of:
# the rewordings of dev questions, the blind everyday set and the first turns of the follow-up development conversations. The dev set's own
# in-plan questions are mostly in the plan's words; these are in residents'.
FOLLOWUP_DEV_SETS = ("followup_dev.jsonl", "followup_dev2.jsonl", "followup_dev3.jsonl", "followup_dev4.jsonl",
                     "followup_dev5.jsonl")


@dataclass(frozen=True)
class DevQuestions:
    """Development questions the operating point is chosen on: whose refusals count, and whose must stay rare."""

    out_of_plan: list[str]  # refusing these is right (dev and the judgement set)
    in_plan: dict[str, list[str]]  # per set: refusing these is wrong
    out_of_plan_from: tuple[str, ...] = ()  # the files the out-of-plan questions come from

    @classmethod
    def load(cls, dev: GoldSet) -> DevQuestions:
        """The dev set, the judgement set, the rewordings and the follow-up development sets' first turns."""
        texts = [d.clean_text for d in CorpusStore.default().load_all()]
        judgement = load_gold(DEV_JUDGEMENT, texts)
        rewordings = load_gold(REWORDINGS, texts)
        everyday = load_gold(DEV_EVERYDAY, texts)
        first_turns = [c.turns[0].question for name in FOLLOWUP_DEV_SETS
                       for c in load_conversations(GOLD_DIR / name, texts) if not c.turns[0].refuse]
        return cls(
            out_of_plan=[q.question for g in (dev, judgement) for q in g.questions if not q.in_plan],
            in_plan={dev.path.name: [q.question for q in dev.questions if q.in_plan],
                     judgement.path.name: [q.question for q in judgement.questions if q.in_plan],
                     rewordings.path.name: [q.question for q in rewordings.questions if q.in_plan],
                     everyday.path.name: [q.question for q in everyday.questions if q.in_plan],
                     "follow-up first turns": first_turns},
            out_of_plan_from=(dev.path.name, judgement.path.name),
        )


@dataclass
class TrainingReport:
    """What training and threshold selection found."""

    n_in_scope: int
    n_out_of_scope: int
    cv_auc: float
    wording_auc: float
    threshold: float
    correct_refusals: float  # on the out-of-plan development questions
    wrong_refusals: dict[str, float]  # per in-plan development set
    bank_wrong_refusals: float  # out-of-fold, on the residents' in-scope bank questions
    bank_correct_refusals: float  # out-of-fold, on the out-of-scope bank questions
    n_answerability_only: int = 0
    answerability_only_wrong_refusals: float = 0.0  # out-of-fold, on the answerability-only in-scope questions


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


def writer_groups(bank: BankSet, extra: list[InScopeQuestion] | None = None, more: int = 0) -> np.ndarray:
    """The fold group of every bank question (in-scope first, then out-of-scope, then the answerability-only in-scope
    questions, then `more` out-of-scope questions from beside the bank): an in-scope question's writer file, so no
    writer's style is scored by a model that saw it (an answerability-only file too: its questions reword the same
    figures several times each); the out-of-scope bank is one writer's file and holds every judgement example, so its
    questions (and those beside it) are dealt into FOLDS groups of their own."""
    return np.array([q.source for q in bank.in_scope]
                    + [f"out-of-scope {i % FOLDS}" for i, _ in enumerate(bank.out_of_scope)]
                    + [f"answerability-only {q.source}" for q in extra or []]
                    + [f"out-of-scope {i % FOLDS}" for i in range(more)])


def fit_wording(service: PlanQA, extra: list[InScopeQuestion], categories: tuple[str, ...] = JUDGEMENT_CATEGORIES,
                more: list[tuple[str, str]] | None = None) -> tuple[WordingModel, np.ndarray, float]:
    """The wording model on the bank (out-of-scope questions of the judgement categories against in-scope ones, the
    answerability-only in-scope questions among them; with `more` (question, category) out-of-scope questions from
    beside the bank), the out-of-fold probability of every such question (in-scope, out-of-scope, answerability-only,
    more; see writer_groups), and its out-of-fold ROC AUC."""
    bank = service.retriever.bank
    masker = masker_for(service.retriever)
    more = more or []
    questions = [*(q.question for q in bank.in_scope), *(q.question for q in bank.out_of_scope),
                 *(q.question for q in extra), *(q for q, _ in more)]
    masked = [masker.mask(q) for q in questions]
    out_categories = [q.category for q in bank.out_of_scope]
    labels = np.array([0] * len(bank.in_scope) + [int(c in categories) for c in out_categories]
                      + [0] * len(extra) + [int(c in categories) for _, c in more])
    # Other out-of-scope kinds (weather, poems, other cities) are not judgements; they train nothing here. The
    # answerability-only questions ask for figures: without them "多少" alone reads as a personal amount or a price.
    used = np.array([True] * len(bank.in_scope) + [c in categories for c in out_categories]
                    + [True] * len(extra) + [c in categories for _, c in more])
    if not labels.any() or labels[used].all():
        raise TrainingError(f"the wording model needs in-scope bank questions and out-of-scope ones of the kinds"
                            f" {', '.join(categories)}; the bank has {len(bank.in_scope)} in-scope and"
                            f" {int(labels.sum())} of those")
    groups = writer_groups(bank, extra, len(more))

    def train(rows: np.ndarray) -> WordingModel:
        vectorizer = TfidfVectorizer(analyzer=ngrams, min_df=2)
        x = vectorizer.fit_transform([masked[i] for i in rows])
        classifier = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(x, labels[rows])
        return WordingModel(dict(vectorizer.vocabulary_), vectorizer.idf_, classifier.coef_[0],
                            float(classifier.intercept_[0]))

    out_of_fold = np.zeros(len(questions))
    indices = np.arange(len(questions))
    for train_rows, held_rows in GroupKFold(n_splits=FOLDS).split(indices, labels, groups):
        model = train(train_rows[used[train_rows]])
        for i in held_rows:
            out_of_fold[i] = model.probability(masked[i])
    auc = float(roc_auc_score(labels[used], out_of_fold[used]))
    final = train(indices[used])
    n_pos = int(labels[used].sum())
    n_more = sum(c in categories for _, c in more)
    beside = f", {n_more} of them from beside the bank" if n_more else ""
    trained_on = (f"question bank: {n_pos} out-of-scope questions asking for a judgement"
                  f" ({', '.join(categories)}){beside} against {len(bank.in_scope) + len(extra)} in-scope questions,"
                  f" plan words masked; out-of-fold ROC AUC {auc:.3f} (in-scope questions held out by writer file,"
                  f" the one-writer out-of-scope file in {FOLDS} folds)")
    return replace(final, trained_on=trained_on), out_of_fold, auc


def bank_features(service: PlanQA, wording: WordingModel, wording_out_of_fold: np.ndarray,
                  extra: list[InScopeQuestion]) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels (1 = the plan answers) of the bank questions (each left out of its own neighbours), of the
    answerability-only in-scope questions (not in the bank: nothing to leave out), both read by the wording model out
    of fold, and of the plan-vocabulary questions."""
    # A bank question's wording score is its out-of-fold one, set below: its reader does not score it again.
    bank_reader = FeatureReader(service.retriever, service.answerer.table, None)
    reader = FeatureReader(service.retriever, service.answerer.table, wording)
    bank = service.retriever.bank
    rows, labels = [], []
    for q, label in [*((q, 1) for q in bank.in_scope), *((q, 0) for q in bank.out_of_scope)]:
        rows.append(bank_reader.read(_state(service, q.question), exclude=f"{q.doc_id}:{q.id}"))
        labels.append(label)
    for q in extra:
        rows.append(bank_reader.read(_state(service, q.question)))
        labels.append(1)
    column = FEATURES.index("judgement_wording")
    for i, p in enumerate(wording_out_of_fold):
        rows[i][column] = p
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
    auc = float(cross_val_score(classifier, z, y, cv=FOLDS, scoring="roc_auc").mean())
    out_of_fold = cross_val_predict(classifier, z, y, cv=FOLDS, method="predict_proba")[:, 1]
    classifier.fit(z, y)
    model = AnswerabilityModel(FEATURES, classifier.coef_[0], float(classifier.intercept_[0]), mean, scale, trained_on)
    return model, auc, out_of_fold


def choose_threshold(service: PlanQA, model: AnswerabilityModel, questions: DevQuestions,
                     bank_in_scope: np.ndarray) -> tuple[float, float, dict[str, float]]:
    """The threshold with the most correct refusals on the development questions out of the plan whose wrong
    refusals stay within MAX_WRONG_REFUSALS on every in-plan development set (all deciders included) and on the
    residents' in-scope bank questions (out-of-fold probabilities). Returns (threshold, correct refusals, wrong
    refusals per in-plan set)."""
    answerer = service.answerer
    # The model never refuses, nor the answer check or the judgement check (their operating points are chosen after
    # this one's): how the other deciders answer.
    answerer.use_answerability(model, threshold=0.0, check=AnswerCheckConfig(), judgement=JudgementConfig())

    def read(question: str) -> tuple[float, bool]:
        state = answerer.run(question)
        return (state.answerability if state.answerability is not None else 1.0), state.answer.abstained

    out = [read(q) for q in questions.out_of_plan]
    sets = {name: [read(q) for q in qs] for name, qs in questions.in_plan.items()}

    def refused_share(results: list[tuple[float, bool]], threshold: float) -> float:
        return sum(abstained or p < threshold for p, abstained in results) / len(results) if results else 0.0

    best: tuple[float, float, dict[str, float]] | None = None
    for threshold in np.arange(0.01, 0.96, 0.005):
        wrong = {name: refused_share(results, threshold) for name, results in sets.items()}
        bank_wrong = float(np.mean(bank_in_scope < threshold)) if len(bank_in_scope) else 0.0
        correct = refused_share(out, threshold)
        # Ties go to the lower threshold: the same refusals with fewer close calls.
        if max(wrong.values(), default=0.0) <= MAX_WRONG_REFUSALS and bank_wrong <= MAX_WRONG_REFUSALS \
                and (best is None or correct > best[1]):
            best = (round(float(threshold), 3), correct, wrong)
    if best is None:
        raise TrainingError(f"no threshold keeps wrong refusals within {MAX_WRONG_REFUSALS:.0%} on every in-plan"
                            " development set: the other deciders already refuse too many; nothing was written")
    return best


def train_and_tune(service: PlanQA, dev: GoldSet) -> TrainingReport:
    """Train on the bank, choose the operating point on development data, and write the models and the threshold."""
    service.answerer.use_answerability(None)  # features and dev decisions without an older model
    extra = load_training_questions(service.documents()).in_scope
    wording, wording_out_of_fold, wording_auc = fit_wording(service, extra)
    wording_text = json.dumps(wording.to_dict(), ensure_ascii=False) + "\n"
    x, y = bank_features(service, wording, wording_out_of_fold, extra)
    bank = service.retriever.bank
    made = len(y) - len(bank.in_scope) - len(bank.out_of_scope) - len(extra)
    trained_on = (f"question bank: {len(bank.in_scope)} in-scope and {len(bank.out_of_scope)} out-of-scope questions,"
                  f" {len(extra)} answerability-only in-scope questions (corpus/docs/answerability/), and {made}"
                  f" plan-vocabulary questions made from the plan (headings, indicators, sentence words)")
    model, auc, out_of_fold = fit(x, y, trained_on)
    model = replace(model, wording=wording, wording_sha256=sha256_of(wording_text))
    n_in, n_out = len(bank.in_scope), len(bank.out_of_scope)
    bank_in, bank_out = out_of_fold[:n_in], out_of_fold[n_in : n_in + n_out]
    questions = DevQuestions.load(dev)
    threshold, correct, wrong = choose_threshold(service, model, questions, bank_in)
    bank_wrong, bank_correct = float(np.mean(bank_in < threshold)), float(np.mean(bank_out < threshold))
    extra_out_of_fold = out_of_fold[n_in + n_out : n_in + n_out + len(extra)]
    extra_wrong = float(np.mean(extra_out_of_fold < threshold)) if len(extra) else 0.0
    # The pair is written together, once everything is chosen: a failure above leaves the shipped pair as it was.
    atomic_write_text(WORDING_FILE, wording_text)
    atomic_write_text(MODEL_FILE, json.dumps(model.to_dict(), ensure_ascii=False, indent=1) + "\n")
    report = TrainingReport(n_in, n_out, auc, wording_auc, threshold, correct, wrong, bank_wrong, bank_correct,
                            len(extra), extra_wrong)
    _write_threshold(TUNING_FILE, report, questions)
    return report


def _write_threshold(path: Path, report: TrainingReport, questions: DevQuestions) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    wrong_text = ", ".join(f"{name} {share:.3f}" for name, share in report.wrong_refusals.items())
    # The section's other tuned numbers (near_question, near_margin) were chosen with their own provenance: kept.
    data["answerability"] = {
        **data.get("answerability", {}),
        "threshold": report.threshold,
        "chosen_on": (f"the threshold with the most correct refusals on {len(questions.out_of_plan)} out-of-plan"
                      f" development questions ({', '.join(questions.out_of_plan_from)}) whose wrong refusals stay"
                      f" <= {MAX_WRONG_REFUSALS} on every in-plan development set and on residents' in-scope bank"
                      f" questions out of fold (correct refusals {report.correct_refusals:.3f}; wrong: {wrong_text};"
                      f" bank out-of-fold wrong {report.bank_wrong_refusals:.3f}, correct"
                      f" {report.bank_correct_refusals:.3f}; answerability-only figure questions out of fold, reported,"
                      f" not bounded: wrong {report.answerability_only_wrong_refusals:.3f}); model trained on the"
                      f" question bank by `python -m eval train-answerability` (5-fold ROC AUC {report.cv_auc:.3f};"
                      f" wording model out-of-fold ROC AUC {report.wording_auc:.3f})"),
    }
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
