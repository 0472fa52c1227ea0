"""Run the gold questions through retrieval (and answers), producing per-question and summary metrics."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from eval.gold import GoldQuestion, GoldSet, squash
from eval.metrics import contains_figure, mrr_at, ndcg_at, recall_at, relevant_flags
from qa.records import Answer, Hit

KS = (1, 3, 5, 10)


@dataclass
class RetrievalResult:
    """Metrics of one in-plan question for one retriever configuration."""

    id: str
    type: str
    question: str
    hits: list[str]
    recall: dict[int, float]
    mrr10: float
    ndcg10: float
    mean_hit_chars: float
    ms: float


@dataclass
class Summary:
    """Averages over a group of questions."""

    n: int
    recall: dict[int, float]
    mrr10: float
    ndcg10: float
    mean_hit_chars: float

    def row(self) -> dict[str, Any]:
        """Flat dict for tables."""
        out: dict[str, Any] = {"n": self.n}
        out.update({f"R@{k}": round(v, 4) for k, v in self.recall.items()})
        out.update(
            {
                "MRR@10": round(self.mrr10, 4),
                "nDCG@10": round(self.ndcg10, 4),
                "hit chars": round(self.mean_hit_chars, 1),
            }
        )
        return out


@dataclass
class RetrievalRun:
    """All results of one retriever configuration on a gold set."""

    name: str
    results: list[RetrievalResult]
    overall: Summary
    by_type: dict[str, Summary] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "name": self.name,
            "overall": self.overall.row(),
            "by_type": {t: s.row() for t, s in self.by_type.items()},
            "questions": [asdict(r) for r in self.results],
        }


def relevant_paragraph_count(question: GoldQuestion, paragraph_texts: list[str]) -> int:
    """How many distinct paragraphs hold at least one of the question's evidence strings."""
    evidence = [squash(e) for e in question.evidence]
    return sum(1 for text in paragraph_texts if any(e in squash(text) for e in evidence)) or len(evidence)


def evaluate_retrieval(
    name: str,
    search: Callable[[str, int], list[Hit]],
    gold: GoldSet,
    paragraph_texts: list[str],
    progress: Callable[[int, int], None] | None = None,
) -> RetrievalRun:
    """Run every in-plan gold question through search(question, k) and score the hits."""
    questions = [q for q in gold.questions if q.in_plan]
    results: list[RetrievalResult] = []
    for i, q in enumerate(questions, start=1):
        started = time.perf_counter()
        hits = search(q.question, 10)
        ms = (time.perf_counter() - started) * 1000
        flags = relevant_flags([h.text for h in hits], q.evidence)
        n_relevant = relevant_paragraph_count(q, paragraph_texts)
        results.append(
            RetrievalResult(
                id=q.id,
                type=q.type,
                question=q.question,
                hits=[h.clause_id for h in hits],
                recall={k: recall_at(flags, len(q.evidence), k) for k in KS},
                mrr10=mrr_at(flags, 10),
                ndcg10=ndcg_at(flags, n_relevant, 10),
                mean_hit_chars=statistics.fmean(len(h.text) for h in hits[:5]) if hits else 0.0,
                ms=ms,
            )
        )
        if progress:
            progress(i, len(questions))
    by_type: dict[str, Summary] = {}
    for qtype in dict.fromkeys(r.type for r in results):
        by_type[qtype] = summarise([r for r in results if r.type == qtype])
    return RetrievalRun(name, results, summarise(results), by_type)


def summarise(results: list[RetrievalResult]) -> Summary:
    """Average the metrics of some results."""
    if not results:
        return Summary(0, {k: 0.0 for k in KS}, 0.0, 0.0, 0.0)
    return Summary(
        n=len(results),
        recall={k: statistics.fmean(r.recall[k] for r in results) for k in KS},
        mrr10=statistics.fmean(r.mrr10 for r in results),
        ndcg10=statistics.fmean(r.ndcg10 for r in results),
        mean_hit_chars=statistics.fmean(r.mean_hit_chars for r in results),
    )


@dataclass
class AnswerResult:
    """How one gold question was answered."""

    id: str
    type: str
    question: str
    answer: str
    abstained: bool
    citation_hit: bool | None
    figure_match: bool | None
    ms: float
    category: str = ""

    @property
    def group(self) -> str:
        """The row this question counts in when answers are broken down: its type, or its out-of-plan category."""
        return f"out_of_plan: {self.category}" if self.type == "out_of_plan" and self.category else self.type


@dataclass
class AnswerRun:
    """Answer-level metrics on a gold set."""

    results: list[AnswerResult]
    citation_hit_rate: float
    numeric_exact_match: float
    correct_refusal_rate: float
    wrong_refusal_rate: float
    n_in_plan: int
    n_out_of_plan: int
    n_numeric: int

    def row(self) -> dict[str, Any]:
        """Flat dict for tables."""
        return {
            "citation hit rate": round(self.citation_hit_rate, 4),
            "numeric exact match": round(self.numeric_exact_match, 4),
            "correct refusals": round(self.correct_refusal_rate, 4),
            "wrong refusals": round(self.wrong_refusal_rate, 4),
            "in-plan": self.n_in_plan,
            "out-of-plan": self.n_out_of_plan,
            "numeric": self.n_numeric,
        }

    def group_rows(self) -> list[dict[str, Any]]:
        """Per question type (and out-of-plan category): how many, citation hits, refusals."""
        groups: dict[str, list[AnswerResult]] = {}
        for r in self.results:
            groups.setdefault(r.group, []).append(r)
        rows = []
        for name, members in sorted(groups.items(), key=lambda kv: (kv[0].startswith("out_of_plan"), kv[0])):
            in_plan = members[0].type != "out_of_plan"
            rows.append({"group": name, "n": len(members),
                         "citation hit rate": round(_share(r.citation_hit for r in members), 4) if in_plan else None,
                         "refused": round(_share(r.abstained for r in members), 4)})
        return rows

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"summary": self.row(), "by_group": self.group_rows(), "questions": [asdict(r) for r in self.results]}


def evaluate_answers(
    ask: Callable[[str], Answer], gold: GoldSet, progress: Callable[[int, int], None] | None = None
) -> AnswerRun:
    """Ask every gold question; score citations, figures and refusals."""
    results: list[AnswerResult] = []
    for i, q in enumerate(gold.questions, start=1):
        started = time.perf_counter()
        answer = ask(q.question)
        ms = (time.perf_counter() - started) * 1000
        citation_hit = None
        figure_match = None
        if q.in_plan:
            evidence = [squash(e) for e in q.evidence]
            cited_texts = [squash(c.quote) for c in answer.citations]
            citation_hit = not answer.abstained and any(e in t for e in evidence for t in cited_texts)
            if q.figure and q.type in ("numeric", "status"):
                figure_match = not answer.abstained and contains_figure(answer.answer, q.figure)
        results.append(
            AnswerResult(q.id, q.type, q.question, answer.answer, answer.abstained, citation_hit, figure_match, ms,
                         q.category)
        )
        if progress:
            progress(i, len(gold.questions))
    in_plan = [r for r in results if r.type != "out_of_plan"]
    out_plan = [r for r in results if r.type == "out_of_plan"]
    numeric = [r for r in results if r.figure_match is not None]
    return AnswerRun(
        results=results,
        citation_hit_rate=_share(r.citation_hit for r in in_plan),
        numeric_exact_match=_share(r.figure_match for r in numeric),
        correct_refusal_rate=_share(r.abstained for r in out_plan),
        wrong_refusal_rate=_share(r.abstained for r in in_plan),
        n_in_plan=len(in_plan),
        n_out_of_plan=len(out_plan),
        n_numeric=len(numeric),
    )


def _share(values) -> float:
    values = list(values)
    return sum(1 for v in values if v) / len(values) if values else 0.0
