"""Train the answer check (qa/answer_check.py): a logistic head over the embedding of (question, sentence) pairs.

`python -m eval train-answer-check` pairs every residents' in-scope question the clause classifier learns from (the
bank, the sentence voters, the answerability training questions, candidate waves 5 and 6; never the seventh wave,
the development or the sealed sets) with its evidence sentence (answered), and against it (not answered) every
out-of-scope question of the bank and of the kept out-of-scope candidate files with the two sentences most similar
to it, and a sample of in-scope questions with a retrieved sentence that is not their evidence. It writes
qa/answer_check.json; the operating point stays in qa/tuning.json (answer_check), chosen on the development sets.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from corpus.bank.store import SHIPPED_CANDIDATES
from corpus.files import atomic_write_text
from corpus.jsonl import numbered_objects
from eval.train_classifier import training_sources
from qa.answer_check import CHECK_FILE, AnswerCheckModel, pair_text
from qa.service import PlanQA

# Out-of-scope questions kept beside the bank (judgements about the plan's topics, real-time requests): not bank
# neighbours (as such they lowered the answerability operating point, README session 9), but what the check must tell
# from answered questions.
OUT_OF_SCOPE_CANDIDATES = "out_of_scope_*.jsonl"
WRONG_SENTENCE_QUESTIONS = 2500  # in-scope questions paired with a retrieved sentence that is not their evidence
SENTENCES_PER_OUT_OF_SCOPE = 2
REGULARISATION = 10.0  # C: chosen on the development pairs (seventh wave vs blind refusal set): 0.1 / 1 / 10
SEED = 0
BATCH = 256


class CheckTrainingError(ValueError):
    """The check cannot be trained; the message says why (nothing is written)."""


@dataclass(frozen=True)
class CheckReport:
    """What training did."""

    answered: int
    out_of_scope_pairs: int
    wrong_sentence_pairs: int
    training_auc: float
    path: Path


def out_of_scope_candidate_rows(service: PlanQA) -> list[tuple[str, str]]:
    """(question, category) of the kept out-of-scope candidate questions of every loaded document, validated
    (line-numbered problems)."""
    rows, problems = [], []
    for document in service.documents():
        for path in sorted((SHIPPED_CANDIDATES / document.doc_id).glob(OUT_OF_SCOPE_CANDIDATES)):
            for number, row, problem in numbered_objects(path.read_text(encoding="utf-8")):
                text = row.get("question") if row is not None else None
                category = row.get("category") if row is not None else None
                if problem or not isinstance(text, str) or not text.strip():
                    problems.append(f"{path.name}:{number}: {problem or 'needs a non-empty question'}")
                elif not isinstance(category, str) or not category.strip():
                    problems.append(f"{path.name}:{number}: needs a category")
                else:
                    rows.append((text.strip(), category.strip()))
    if problems:
        raise CheckTrainingError("out-of-scope candidates do not validate:\n" + "\n".join(problems[:20]))
    return rows


def out_of_scope_candidates(service: PlanQA) -> list[str]:
    """The kept out-of-scope candidate questions of every loaded document, validated (line-numbered problems)."""
    return [question for question, _ in out_of_scope_candidate_rows(service)]


def _nearest_sentences(service: PlanQA, question: str, n: int) -> list[str]:
    """The n distinct sentences of the question's top clauses most similar to it."""
    state = service.answerer.run(question)
    texts = list(dict.fromkeys(c.text for c in sorted(state.candidates, key=lambda c: -c.dense)))
    return texts[:n]


def check_pairs(service: PlanQA) -> tuple[list[tuple[str, str]], np.ndarray, tuple[int, int, int]]:
    """Training pairs, their labels (1: the sentence answers) and the counts (answered, out-of-scope, wrong sentence)."""
    texts = {d.doc_id: d.clean_text for d in service.documents()}
    in_scope = [q for questions in training_sources(service).values() for q in questions]
    if not in_scope:
        raise CheckTrainingError("no residents' in-scope questions to learn from")
    answered = [(q.question, texts[q.doc_id][q.sentence_start:q.sentence_end]) for q in in_scope]
    out_questions = [q.question for q in service.retriever.bank.out_of_scope] + out_of_scope_candidates(service)
    if not out_questions:
        raise CheckTrainingError("no out-of-scope questions to learn from")
    unanswered = [(q, s) for q in tqdm(out_questions, desc="out-of-scope sentences", leave=False)
                  for s in _nearest_sentences(service, q, SENTENCES_PER_OUT_OF_SCOPE)]
    wrong = []
    for q in tqdm(random.Random(SEED).sample(in_scope, min(WRONG_SENTENCE_QUESTIONS, len(in_scope))),
                  desc="wrong sentences", leave=False):
        evidence = texts[q.doc_id][q.sentence_start:q.sentence_end]
        other = next((s for s in _nearest_sentences(service, q.question, 3) if q.evidence not in s and s != evidence), None)
        if other is not None:
            wrong.append((q.question, other))
    pairs = answered + unanswered + wrong
    labels = np.array([1] * len(answered) + [0] * (len(unanswered) + len(wrong)))
    return pairs, labels, (len(answered), len(unanswered), len(wrong))


def train_check(service: PlanQA, path: Path = CHECK_FILE) -> CheckReport:
    """Fit the head on the pairs' vectors and write it (atomically) to path."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    if not service.retriever.has_embedder:
        raise CheckTrainingError("the answer check needs the embedding model")
    pairs, labels, (n_answered, n_out, n_wrong) = check_pairs(service)
    texts = [pair_text(q, s) for q, s in pairs]
    vectors = np.vstack([service.retriever.encode_query_batch(texts[i:i + BATCH])
                         for i in tqdm(range(0, len(texts), BATCH), desc="pair vectors", leave=False)])
    head = LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=5000).fit(vectors, labels)
    auc = float(roc_auc_score(labels, head.decision_function(vectors)))
    trained_on = (f"{n_answered} residents' in-scope questions with their evidence sentences against {n_out}"
                  f" (out-of-scope question, one of its {SENTENCES_PER_OUT_OF_SCOPE} most similar sentences) pairs and"
                  f" {n_wrong} in-scope questions with a retrieved sentence that is not their evidence; logistic"
                  f" C={REGULARISATION}, balanced classes; training ROC AUC {auc:.3f}")
    model = AnswerCheckModel(head.coef_[0].astype(np.float64), float(head.intercept_[0]),
                             service.retriever.model_key, trained_on)
    atomic_write_text(path, json.dumps(model.to_dict(), ensure_ascii=False) + "\n")
    return CheckReport(n_answered, n_out, n_wrong, auc, path)
