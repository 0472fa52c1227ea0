"""Train the learned fusion model on development questions: `python -m eval train-fusion` writes qa/fusion_model.json.

Development questions are where it learns, the way every tuned number here is chosen on them: the dev set's in-plan
questions, its rewordings (grouped with the question they reword), the judgement set's in-plan half and the first
turns of the follow-up development conversations. Its out-of-fold R@1 (folds by question group) is reported beside
the reciprocal-rank-fused list's, and written into the model's provenance. The sealed test sets are never read here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from corpus.files import atomic_write_text
from eval.followup import load_conversations
from eval.gold import DEV_JUDGEMENT, GOLD_DIR, GoldSet, load_gold, squash
from eval.robustness import REWORDINGS
from qa.retrieval.learned_fusion import HEAD, MODEL_FILE, FusionModel
from qa.service import PlanQA

FOLDS = 5
FOLLOWUP_DEV_SETS = ("followup_dev.jsonl", "followup_dev2.jsonl", "followup_dev3.jsonl", "followup_dev4.jsonl")


class FusionTrainingError(ValueError):
    """The learned fusion model cannot be trained; the message says why (nothing is written)."""


@dataclass(frozen=True)
class TrainingQuestion:
    """A development question with its evidence and the group it is held out with."""

    question: str
    evidence: tuple[str, ...]
    group: str


@dataclass
class FusionReport:
    """What training found."""

    n_questions: int
    rankers: tuple[str, ...]
    fused_r1: float  # the reciprocal-rank-fused list's R@1 on the training questions
    learned_r1: float  # the learned order's out-of-fold R@1 (folds by question group)
    by_set: dict[str, tuple[float, float]]  # per set: (fused, learned out of fold)


def training_questions(service: PlanQA, dev: GoldSet) -> dict[str, list[TrainingQuestion]]:
    """The in-plan development questions per set; a rewording is grouped with the dev question it rewords."""
    texts = [d.clean_text for d in service.documents()]
    sets: dict[str, list[TrainingQuestion]] = {
        dev.path.name: [TrainingQuestion(q.question, tuple(q.evidence), q.id) for q in dev.questions if q.in_plan]}
    rewordings = [json.loads(line) for line in REWORDINGS.read_text(encoding="utf-8").splitlines() if line.strip()]
    load_gold(REWORDINGS, texts)  # validates the evidence
    sets[REWORDINGS.name] = [TrainingQuestion(r["question"], tuple(r["evidence"]), r.get("source") or r["id"])
                             for r in rewordings if r.get("evidence")]
    judgement = load_gold(DEV_JUDGEMENT, texts)
    sets[judgement.path.name] = [TrainingQuestion(q.question, tuple(q.evidence), q.id)
                                 for q in judgement.questions if q.in_plan]
    first_turns = []
    for name in FOLLOWUP_DEV_SETS:
        for conversation in load_conversations(GOLD_DIR / name, texts):
            turn = conversation.turns[0]
            if not turn.refuse and turn.evidence:
                first_turns.append(TrainingQuestion(turn.question, tuple(turn.evidence), f"{name}:{conversation.id}"))
    sets["follow-up first turns"] = first_turns
    return sets


def _relevant(service: PlanQA, evidence: tuple[str, ...]) -> set[str]:
    """The clauses holding any of the evidence strings."""
    wanted = [squash(e) for e in evidence]
    return {u.clause_id for u in service.retriever.units() if any(e in squash(u.text) for e in wanted)}


def train_fusion(service: PlanQA, dev: GoldSet) -> FusionReport:
    """Train on the development questions, report out-of-fold R@1 against the fused list, and write the model."""
    retriever = service.retriever
    rankers = tuple(name for name, weight in retriever.config.weights.items() if weight and name in retriever.rankers)
    sets = training_questions(service, dev)
    rows, labels, groups, question_of, set_of = [], [], [], [], []
    for set_name, questions in sets.items():
        for q in questions:
            relevant = _relevant(service, q.evidence)
            head, features = retriever.fusion_rows(retriever.prepare(q.question), rankers, head=HEAD)
            for (clause_id, _), row in zip(head, features, strict=True):
                rows.append(row)
                labels.append(int(clause_id in relevant))
                groups.append(q.group)
                question_of.append(len(set_of))
            set_of.append(set_name)
    x, y = np.array(rows), np.array(labels)
    if not y.any() or y.all():
        raise FusionTrainingError("the development questions give no relevant and irrelevant clauses to learn from")
    question = np.array(question_of)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    out_of_fold = np.zeros(len(y))
    for train_rows, held_rows in GroupKFold(n_splits=FOLDS).split(z, y, np.array(groups)):
        classifier = LogisticRegression(C=1.0, max_iter=3000).fit(z[train_rows], y[train_rows])
        out_of_fold[held_rows] = classifier.predict_proba(z[held_rows])[:, 1]
    fused_order = -np.concatenate([np.arange(np.sum(question == i)) for i in range(len(set_of))]).astype(float)

    def r1(scores: np.ndarray, members: list[int]) -> float:
        hits = [y[question == i][int(np.argmax(scores[question == i]))] for i in members]
        return float(np.mean(hits)) if hits else 0.0

    everyone = list(range(len(set_of)))
    by_set = {name: (r1(fused_order, [i for i in everyone if set_of[i] == name]),
                     r1(out_of_fold, [i for i in everyone if set_of[i] == name])) for name in sets}
    fused_r1, learned_r1 = r1(fused_order, everyone), r1(out_of_fold, everyone)
    classifier = LogisticRegression(C=1.0, max_iter=3000).fit(z, y)
    per_set = "; ".join(f"{name} {f:.3f} -> {learned:.3f}" for name, (f, learned) in by_set.items())
    trained_on = (f"{len(set_of)} in-plan development questions ({', '.join(f'{n} {len(q)}' for n, q in sets.items())}),"
                  f" each clause of the fused top {HEAD} a row; out-of-fold R@1 ({FOLDS} folds by question group, a"
                  f" rewording with the question it rewords) {fused_r1:.3f} fused -> {learned_r1:.3f} learned ({per_set});"
                  " trained by `python -m eval train-fusion`")
    model = FusionModel(rankers, classifier.coef_[0], float(classifier.intercept_[0]), mean, scale, HEAD, trained_on)
    atomic_write_text(MODEL_FILE, json.dumps(model.to_dict(), ensure_ascii=False, indent=1) + "\n")
    retriever.fusion_model = model
    return FusionReport(len(set_of), rankers, fused_r1, learned_r1, by_set)
