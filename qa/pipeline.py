"""`ask` as a pipeline of stages over one typed record: understand -> retrieve -> decide -> compose -> verify.

Each stage reads and fills an AskState. A new behaviour is a new stage (e.g. a follow-up rewriter before
"understand") or a plug-in of one (a ranker inside "retrieve", a decider inside "decide"), not a branch here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from qa.followup import FollowUp
from qa.intent import Intent
from qa.records import Answer, Indicator
from qa.retrieval import Candidate, Filters, Query


@dataclass
class Decision:
    """What "decide" concluded: refuse (with a message), answer from the indicator table, or answer with sentences."""

    route: str  # "refuse" | "indicator" | "missing_year" | "text" | "procedure" | "unstated"
    message: str = ""
    note: str = ""  # said after an answer (the plan states the policy asked about, not how to apply)
    sentences: list[Candidate] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    asked_year: int | None = None
    name: str = ""
    available_years: list[int | None] = field(default_factory=list)
    asked_kind: str = ""  # a missing figure asked without a year: "target" (a goal) or "status" (today's figure)
    reason: str = ""  # which decider decided (for evaluation and logs)


@dataclass
class AskState:
    """One question on its way through the pipeline."""

    question: str  # the question answered: as typed, or the standalone question a follow-up was rewritten into
    filters: Filters = field(default_factory=Filters)
    history: list[str] = field(default_factory=list)  # the conversation's earlier questions, oldest first
    asked: str = ""  # the question as typed
    followup: FollowUp | None = None
    query: Query | None = None
    intent: Intent | None = None
    ranking: list[tuple[str, float]] = field(default_factory=list)  # fused clause ranking (clause id, score)
    candidates: list[Candidate] = field(default_factory=list)  # sentences of the top clauses, best first
    decision: Decision | None = None
    answer: Answer | None = None
    answerability: float | None = None  # the learned probability that the plan answers (when it was asked)
    answer_check: float | None = None  # the answer check's log-odds that the lead sentence answers (when consulted)
    judgement_wording: float | None = None  # the judgement wording model's probability (when the answer check read it)


class Stage(Protocol):
    """One step of answering."""

    name: str

    def run(self, state: AskState) -> None:
        """Read and fill the state."""
        ...


class Pipeline:
    """Runs its stages in order over a fresh state per question."""

    def __init__(self, stages: list[Stage]) -> None:
        """Keep the stages in the order they run."""
        self.stages = stages

    def stage(self, name: str) -> Stage:
        """The stage with this name."""
        return next(s for s in self.stages if s.name == name)

    def run(self, question: str, filters: Filters | None = None, history: list[str] | None = None,
            typed: str = "") -> AskState:
        """The state after every stage has run (state.answer is the answer); typed: the question as the resident typed
        it, when question is a conversation's reading of it (the earlier answer of a follow-up, asked again)."""
        state = AskState(question, filters or Filters(), list(history or []), asked=typed)
        for stage in self.stages:
            stage.run(state)
        return state
