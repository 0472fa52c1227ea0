"""Train the judgement check's wording model (qa/judgement.py): is a question put as a forecast, a comparison, an
opinion, a price or a personal amount?

`python -m eval train-judgement` fits the masked n-gram wording model of qa/wording.py on the bank's out-of-scope
questions of those kinds and the kept out-of-scope candidates beside the bank (predictions among them: the bank has
none) against every residents' in-scope question the clause classifier learns from (the bank, the sentence voters,
the answerability training questions, candidate waves 5 and 6), and writes
qa/judgement_wording.json. The answerability model's own wording feature (qa/wording.json) is left as it was trained:
the answerability model and its operating point were chosen with it. The judgement check's operating point stays in
qa/tuning.json (judgement), chosen on the development sets; the sealed sets are never read here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from corpus.files import atomic_write_text
from eval.train_answer_check import out_of_scope_candidate_rows
from eval.train_answerability import fit_wording
from eval.train_classifier import training_sources
from qa.judgement import JUDGEMENT_FILE
from qa.service import PlanQA
from qa.wording import JUDGEMENT_CATEGORIES

# The judgement wording model's kinds: the answerability wording model's, and forecasts ("以后房价会跌不").
CATEGORIES = (*JUDGEMENT_CATEGORIES, "prediction")


@dataclass(frozen=True)
class JudgementReport:
    """What training did."""

    judgements: int  # out-of-scope questions of the judgement kinds (bank and candidates)
    in_scope: int
    out_of_fold_auc: float
    path: Path


def train_judgement(service: PlanQA, path: Path = JUDGEMENT_FILE) -> JudgementReport:
    """Fit the judgement wording model and write it (atomically; nothing is written when training fails)."""
    # Every residents' in-scope question the clause classifier learns from, not the bank's alone: many writers ask
    # what the plan will do in the frames of a forecast ("以后能通到胶州不"), and these say such frames are answered.
    extra = [q for source, questions in training_sources(service).items() if source != "bank" for q in questions]
    candidates = out_of_scope_candidate_rows(service)
    model, _, auc = fit_wording(service, extra, CATEGORIES, candidates)
    atomic_write_text(path, json.dumps(model.to_dict(), ensure_ascii=False) + "\n")
    bank = service.retriever.bank
    judgements = sum(q.category in CATEGORIES for q in bank.out_of_scope) + sum(c in CATEGORIES for _, c in candidates)
    return JudgementReport(judgements, len(bank.in_scope) + len(extra), auc, path)
