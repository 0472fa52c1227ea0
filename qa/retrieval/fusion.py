"""Reciprocal rank fusion of rankers' top-k lists, with a weight per ranker."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

Ranking = list[tuple[str, float]]


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[tuple[str, float]]],
    weights: Mapping[str, float],
    rrf_k: float,
    order: Mapping[str, int],
) -> Ranking:
    """Fused (unit id, score) list, best first: each list adds weight / (rrf_k + rank); ties keep document order."""
    fused: dict[str, float] = {}
    for name, ranking in rankings.items():
        weight = weights.get(name, 0.0)
        if not weight:
            continue
        for rank, (unit_id, _) in enumerate(ranking, start=1):
            fused[unit_id] = fused.get(unit_id, 0.0) + weight / (rrf_k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], order.get(item[0], 0)))
