"""Backend agreement: do two retrievers (e.g. FAISS and Milvus) return the same top-k clauses for the same questions?"""

from __future__ import annotations

from dataclasses import dataclass, field

from qa.retrieval import HYBRID, Retriever

SCORE_TIE = 1e-4  # scores this close are ties: their order may differ between engines without either being wrong


@dataclass
class Agreement:
    """How often two retrievers' top-k lists are identical, and why the others differ."""

    mode: str
    k: int
    questions: int = 0
    identical: int = 0
    tie_only: int = 0  # lists that differ only in the order (or cut) of tied scores
    differing: list[tuple[str, list[str], list[str]]] = field(default_factory=list)  # question, first ids, second ids

    @property
    def share_identical(self) -> float:
        """Share of questions with identical top-k lists."""
        return self.identical / self.questions if self.questions else 0.0

    @property
    def share_agreeing(self) -> float:
        """Share of questions whose lists are identical or differ only among ties."""
        return (self.identical + self.tie_only) / self.questions if self.questions else 0.0

    def summary(self) -> str:
        """One line for reports."""
        return (f"{self.mode} top-{self.k}: {self.identical}/{self.questions} identical, {self.tie_only} differ only "
                f"among tied scores, {len(self.differing)} differ")


def compare(first: Retriever, second: Retriever, questions: list[str], k: int = 10, mode: str = HYBRID) -> Agreement:
    """Compare two retrievers' top-k clause lists on the same questions (each prepares its own query record)."""
    result = Agreement(mode, k)
    for question in questions:
        a = first.rank(first.prepare(question, dense=mode != "bm25"), k, mode)
        b = second.rank(second.prepare(question, dense=mode != "bm25"), k, mode)
        result.questions += 1
        if [c for c, _ in a] == [c for c, _ in b]:
            result.identical += 1
        elif _ties_only(a, b):
            result.tie_only += 1
        else:
            result.differing.append((question, [c for c, _ in a], [c for c, _ in b]))
    return result


def _ties_only(a: list[tuple[str, float]], b: list[tuple[str, float]]) -> bool:
    """True when the lists have the same scores rank by rank and differ only where scores tie."""
    if len(a) != len(b):
        return False
    if any(abs(x[1] - y[1]) > SCORE_TIE * max(1.0, abs(x[1])) for x, y in zip(a, b, strict=True)):
        return False
    # Same score profile: any id that differs must sit in a run of tied scores.
    scores_a = {c: s for c, s in a}
    for (ca, sa), (cb, _) in zip(a, b, strict=True):
        if ca != cb and not any(abs(s - sa) <= SCORE_TIE * max(1.0, abs(sa)) for c, s in scores_a.items() if c != ca):
            return False
    return True
