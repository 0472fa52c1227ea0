"""IR metrics over clause hits with evidence strings: Recall@k, MRR@k, nDCG@k (whitespace ignored)."""

from __future__ import annotations

import math

from eval.gold import squash


def relevant_flags(hit_texts: list[str], evidence: list[str]) -> list[set[int]]:
    """For each hit, the indices of the evidence strings its text contains."""
    squashed = [squash(e) for e in evidence]
    return [{j for j, e in enumerate(squashed) if e in squash(text)} for text in hit_texts]


def recall_at(flags: list[set[int]], n_evidence: int, k: int) -> float:
    """Share of evidence strings found in the top k hits."""
    if n_evidence == 0:
        return 0.0
    found: set[int] = set()
    for covered in flags[:k]:
        found |= covered
    return len(found) / n_evidence


def mrr_at(flags: list[set[int]], k: int) -> float:
    """Reciprocal rank of the first relevant hit within the top k (0 when none)."""
    for rank, covered in enumerate(flags[:k], start=1):
        if covered:
            return 1.0 / rank
    return 0.0


def ndcg_at(flags: list[set[int]], n_relevant: int, k: int) -> float:
    """Binary-gain nDCG@k; a hit counts when it holds an evidence string no earlier hit held."""
    if n_relevant == 0:
        return 0.0
    seen: set[int] = set()
    dcg = 0.0
    for rank, covered in enumerate(flags[:k], start=1):
        if covered - seen:
            dcg += 1.0 / math.log2(rank + 1)
            seen |= covered
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(n_relevant, k) + 1))
    return dcg / ideal


def contains_figure(answer: str, figure: str) -> bool:
    """True when the answer states the figure exactly (whitespace ignored, full/half-width percent alike)."""
    norm = squash(answer).replace("％", "%")
    return squash(figure).replace("％", "%") in norm


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values by nearest rank (0.0 for no values)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]
