"""One sentence scorer for answers and search highlights: dense similarity plus shared words, less clause rank."""

from __future__ import annotations

from dataclasses import dataclass

from index.textnorm import normalise
from qa.tuning import SentenceConfig


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved clause that may lead an answer or be highlighted."""

    sentence_id: str
    clause_id: str
    doc_id: str
    citation: str
    text: str
    start: int
    end: int
    clause_rank: int  # 0 for the best clause
    dense: float  # similarity of the sentence (in context) to the query
    score: float  # dense + word bonus - rank penalty


class SentenceScorer:
    """Scores sentences with the tuned word bonus and rank penalty; picks a lead and supporting sentences."""

    def __init__(self, config: SentenceConfig) -> None:
        """Use the tuned sentence settings."""
        self.config = config

    def score(self, match_words: list[str], text: str, dense: float, clause_rank: int) -> float:
        """Score of one sentence for a query's match words."""
        norm = normalise(text)
        overlap = sum(1 for w in match_words if w in norm)
        return dense + self.config.word_bonus * overlap - self.config.rank_penalty * clause_rank

    def choose(self, ranked: list[Candidate], limit: int, margin: float | None = None) -> list[Candidate]:
        """The lead sentence and up to limit-1 others within the support margin of it (margin: another scale's, such
        as the sentence model's log-odds)."""
        if not ranked:
            return []
        margin = self.config.support_margin if margin is None else margin
        lead = ranked[0]
        chosen = [lead]
        for candidate in ranked[1:]:
            if len(chosen) >= limit:
                break
            if candidate.score >= lead.score - margin and candidate not in chosen:
                chosen.append(candidate)
        return chosen
