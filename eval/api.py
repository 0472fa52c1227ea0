"""Evaluation entry points shared by the command line and the web page."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from eval.followup import FollowUpRun, evaluate_followups, load_conversations, no_harm
from eval.gold import DEV_SET, GoldSet, load_gold
from eval.report import RUN_JSON, render_chart, render_markdown, save_json
from eval.runner import AnswerRun, RetrievalRun, evaluate_answers, evaluate_retrieval
from qa.service import PlanQA
from qa.tuning import FusionConfig

ABLATION = ("bm25", "dense", "hybrid", "hybrid-no-lexicon", "hybrid-no-bank", "hybrid-no-rerank")
Progress = Callable[[str, int, int], None]


@dataclass
class EvaluationReport:
    """What an evaluation produced: the runs and the report files."""

    folder: Path
    retrieval: list[RetrievalRun]
    answers: AnswerRun | None
    followups: FollowUpRun | None
    data: dict[str, Any]
    markdown: Path
    chart: Path


def configuration(service: PlanQA, name: str) -> tuple[str, FusionConfig | None]:
    """Retriever mode and fusion settings for a configuration name."""
    if name == "hybrid-no-lexicon":
        return "hybrid", replace(service.retriever.config, use_lexicon=False)
    if name == "hybrid-no-rerank":
        return "hybrid", replace(service.retriever.config, rerank=False)
    if name == "hybrid-no-bank":
        return "hybrid", service.retriever.config.without("bank").without("bank_bm25")
    if name in ("bm25", "dense", "hybrid"):
        return name, None
    raise ValueError(f"unknown retriever configuration '{name}'; choose from {', '.join(ABLATION)}")


def load_gold_for(service: PlanQA, path: Path | None) -> GoldSet:
    """Load and validate a gold file (the shipped development set by default) against the corpus."""
    return load_gold(path or DEV_SET, [d.clean_text for d in service.documents()])


def run_evaluation(
    service: PlanQA,
    gold: GoldSet,
    out_dir: Path,
    configurations: tuple[str, ...] = ABLATION,
    answers: bool = True,
    progress: Progress | None = None,
    followups: Path | None = None,
) -> EvaluationReport:
    """Evaluate retrieval for each configuration (answers; follow-up conversations and the no-harm check when given a
    follow-up gold file), then write report.json/.md/.png into out_dir."""
    started = time.perf_counter()
    paragraph_texts = [u.text for u in service.retriever.units()]
    runs: list[RetrievalRun] = []
    for name in configurations:
        mode, config = configuration(service, name)

        def search(question: str, k: int, mode=mode, config=config):
            return service.retriever.search(question, k=k, mode=mode, config=config)

        tick = (lambda i, n, name=name: progress(f"retrieval: {name}", i, n)) if progress else None
        runs.append(evaluate_retrieval(name, search, gold, paragraph_texts, tick))
    answer_run = None
    if answers:
        tick = (lambda i, n: progress("answers", i, n)) if progress else None
        answer_run = evaluate_answers(service.ask, gold, tick)
    followup_run = None
    if followups is not None:
        conversations = load_conversations(followups, [d.clean_text for d in service.documents()])

        def ask(question: str, history: list[str]):
            return service.ask(question, history=history)

        tick = (lambda i, n: progress("follow-ups", i, n)) if progress else None
        followup_run = evaluate_followups(ask, conversations, str(followups), tick)
        tick = (lambda i, n: progress("no-harm", i, n)) if progress else None
        followup_run.no_harm, followup_run.changed = no_harm(ask, gold, tick)
        followup_run.no_harm_n = len(gold.questions)
    data = {
        "gold": str(gold.path),
        "n_questions": len(gold.questions),
        "n_in_plan": sum(1 for q in gold.questions if q.in_plan),
        "index": service.retriever.index_info(),
        "tuning": service.retriever.tuning.to_dict(),
        "seconds": round(time.perf_counter() - started, 1),
        "retrieval": [r.to_dict() for r in runs],
        "answers": answer_run.to_dict() if answer_run else None,
        "followups": followup_run.to_dict() if followup_run else None,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    save_json(out_dir, RUN_JSON, data)
    chart = render_chart(out_dir, data)
    markdown = render_markdown(out_dir)
    return EvaluationReport(out_dir, runs, answer_run, followup_run, data, markdown, chart)
