"""Follow-up evaluation: conversations of two or three turns whose later turns are elliptical ("那2035年呢？").

Each later turn is asked with the conversation's earlier questions as history and scored like an answer: its
citations must contain one of its evidence strings, or it must be refused when the plan does not say. A no-harm
check asks every dev question after an unrelated earlier question and counts how often the answer is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from corpus.jsonl import numbered_objects
from eval.gold import GOLD_DIR, GoldError, GoldSet, raise_problems, read_gold_text, squash
from qa.records import Answer

FOLLOWUP_DEV = GOLD_DIR / "followup_dev.jsonl"
FOLLOWUP_DEV5 = GOLD_DIR / "followup_dev5.jsonl"  # written blind with dev_everyday.jsonl, weighted to slot and detail
# written blind, 39 of its 110 later turns asking what the plan does not say: offered beside dev_refusals.jsonl
FOLLOWUP_DEV6 = GOLD_DIR / "followup_dev6.jsonl"
FOLLOWUP_DEV7 = GOLD_DIR / "followup_dev7.jsonl"  # the newest development conversations, written blind
FOLLOWUP_SEALED = GOLD_DIR / "followup_sealed.jsonl"  # written before any follow-up code; never tuned on
# The sealed conversations beside each sealed set of eval.gold.SEALED_SETS, by the same names.
FOLLOWUP_SEALED_SETS = {"sealed": FOLLOWUP_SEALED, "sealed2": GOLD_DIR / "followup_sealed2.jsonl",
                        "sealed3": GOLD_DIR / "followup_sealed3.jsonl", "sealed4": GOLD_DIR / "followup_sealed4.jsonl",
                        "sealed5": GOLD_DIR / "followup_sealed5.jsonl",
                        "sealed6": GOLD_DIR / "followup_sealed6.jsonl",
                        "sealed7": GOLD_DIR / "followup_sealed7.jsonl",
                        "sealed8": GOLD_DIR / "followup_sealed8.jsonl",
                        "sealed9": GOLD_DIR / "followup_sealed9.jsonl",
                        "sealed10": GOLD_DIR / "followup_sealed10.jsonl",
                        "sealed11": GOLD_DIR / "followup_sealed11.jsonl",
                        "sealed12": GOLD_DIR / "followup_sealed12.jsonl",
                        "sealed13": GOLD_DIR / "followup_sealed13.jsonl",
                        "sealed14": GOLD_DIR / "followup_sealed14.jsonl",
                        "sealed15": GOLD_DIR / "followup_sealed15.jsonl",
                        "sealed16": GOLD_DIR / "followup_sealed16.jsonl",
                        "sealed17": GOLD_DIR / "followup_sealed17.jsonl"}
KINDS = ("year", "slot", "pronoun", "detail", "contrast", "standalone")
Ask = Callable[[str, list[str]], Answer]


@dataclass(frozen=True)
class Turn:
    """One turn: the question as typed, its evidence (empty when the plan does not say), what it means."""

    question: str
    evidence: list[str]
    refuse: bool = False
    understood_as: str = ""


@dataclass(frozen=True)
class Conversation:
    """A conversation of the follow-up gold set."""

    id: str
    kind: str
    turns: list[Turn]


def load_conversations(path: Path, documents_text: list[str]) -> list[Conversation]:
    """Read and validate a follow-up gold file; raise GoldError listing every problem with its line number."""
    text = read_gold_text(path, "follow-up gold")
    haystack = [squash(t) for t in documents_text]
    problems: list[str] = []
    conversations: list[Conversation] = []
    seen: set[str] = set()
    for number, row, problem in numbered_objects(text):
        if row is None:
            problems.append(f"line {number}: {problem}")
            continue
        cid, kind, turns = str(row.get("id", "")), row.get("kind"), row.get("turns")
        if not cid or cid in seen:
            problems.append(f"line {number}: missing or duplicate id '{cid}'")
        seen.add(cid)
        if kind not in KINDS:
            problems.append(f"line {number}: kind must be one of {', '.join(KINDS)}")
        if not isinstance(turns, list) or not 2 <= len(turns) <= 5:
            problems.append(f"line {number}: turns must be a list of 2 to 5 turns")
            continue
        parsed: list[Turn] = []
        for i, turn in enumerate(turns, start=1):
            question, evidence = turn.get("question") if isinstance(turn, dict) else None, \
                turn.get("evidence") if isinstance(turn, dict) else None
            if not isinstance(question, str) or not question.strip():
                problems.append(f"line {number}, turn {i}: question must be a non-empty string")
                continue
            if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
                problems.append(f"line {number}, turn {i}: evidence must be a list of strings")
                continue
            refuse = bool(turn.get("refuse"))
            if not evidence and not refuse:
                problems.append(f"line {number}, turn {i}: give evidence, or \"refuse\": true")
            for item in evidence:
                if not any(squash(item) in t for t in haystack):
                    problems.append(f"line {number}, turn {i}: evidence '{item}' is not found in the plan")
            parsed.append(Turn(question, list(evidence), refuse, str(turn.get("understood_as") or "")))
        conversations.append(Conversation(cid, str(kind), parsed))
    raise_problems(path, problems)
    if not conversations:
        raise GoldError(f"{path} has no conversations")
    return conversations


@dataclass
class TurnResult:
    """How one later turn was answered."""

    conversation: str
    kind: str
    question: str
    understood_as: str
    expected: str  # what it means, from the gold file
    refused: bool
    hit: bool
    expected_refusal: bool = False  # the gold file says the plan does not answer it


@dataclass
class FollowUpRun:
    """Follow-up figures: citation hit (or correct refusal) of the later turns, overall and by kind; no-harm share."""

    path: str
    results: list[TurnResult]
    no_harm: float | None = None
    no_harm_n: int = 0
    changed: list[str] = field(default_factory=list)
    # The opening questions, scored like later turns but apart from them: a later turn builds on its conversation's
    # opening answer, so an opening refused wrongly costs the turns after it too.
    first_turns: list[TurnResult] = field(default_factory=list)

    def by_kind(self) -> dict[str, tuple[float, int]]:
        """Hit rate and count per kind, in KINDS order."""
        out = {}
        for kind in KINDS:
            members = [r.hit for r in self.results if r.kind == kind]
            if members:
                out[kind] = (sum(members) / len(members), len(members))
        return out

    def overall(self) -> float:
        """Hit rate over every later turn."""
        return sum(r.hit for r in self.results) / len(self.results) if self.results else 0.0

    def rows(self) -> list[dict[str, Any]]:
        """One row per kind, then the whole set of later turns, then the opening turns (for tables)."""
        rows = [{"kind": k, "n": n, "follow-up hit": round(rate, 3)} for k, (rate, n) in self.by_kind().items()]
        rows.append({"kind": "all", "n": len(self.results), "follow-up hit": round(self.overall(), 3)})
        if self.first_turns:
            hits = sum(r.hit for r in self.first_turns)
            rows.append({"kind": "first turns", "n": len(self.first_turns),
                         "follow-up hit": round(hits / len(self.first_turns), 3)})
        return rows

    def openings_refused(self) -> tuple[int, int]:
        """(refused, count) of the opening questions the plan answers: each refusal leaves its later turns nothing
        to build on."""
        answerable = [r for r in self.first_turns if not r.expected_refusal]
        return sum(r.refused for r in answerable), len(answerable)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        refused, answerable = self.openings_refused()
        return {"gold": self.path, "rows": self.rows(), "no_harm": self.no_harm, "no_harm_n": self.no_harm_n,
                "changed_by_history": self.changed[:50], "turns": [asdict(r) for r in self.results],
                "first_turns": [asdict(r) for r in self.first_turns],
                "openings_refused": refused, "openings_answerable": answerable}


def evaluate_followups(ask: Ask, conversations: list[Conversation], path: str = "",
                       progress: Callable[[int, int], None] | None = None) -> FollowUpRun:
    """Ask every conversation turn by turn (the earlier questions as history); score the later turns, and the opening
    ones apart."""
    results: list[TurnResult] = []
    openings: list[TurnResult] = []
    for n, conversation in enumerate(conversations, start=1):
        history: list[str] = []
        for i, turn in enumerate(conversation.turns):
            answer = ask(turn.question, list(history))
            if turn.refuse:
                hit = answer.abstained
            else:
                evidence = [squash(e) for e in turn.evidence]
                hit = not answer.abstained and any(e in squash(c.quote) for e in evidence for c in answer.citations)
            (results if i else openings).append(
                TurnResult(conversation.id, conversation.kind, turn.question, answer.understood_as, turn.understood_as,
                           answer.abstained, hit, turn.refuse))
            history.append(turn.question)
        if progress:
            progress(n, len(conversations))
    return FollowUpRun(path, results, first_turns=openings)


def unrelated(gold: GoldSet, index: int) -> str:
    """An earlier question about something else: the dev question half the set away, of another type."""
    questions = gold.questions
    for step in range(len(questions) // 2, len(questions)):
        other = questions[(index + step) % len(questions)]
        if other.type != questions[index].type:
            return other.question
    return questions[(index + len(questions) // 2) % len(questions)].question


def no_harm(ask: Ask, gold: GoldSet, progress: Callable[[int, int], None] | None = None) -> tuple[float, list[str]]:
    """Share of dev questions answered exactly the same, and understood as typed, after an unrelated earlier
    question; the ones that changed. A rewrite the resident sees ("理解为：…") counts even when the answer survives it."""
    same, changed = 0, []
    for i, question in enumerate(gold.questions):
        alone = ask(question.question, [])
        after = ask(question.question, [unrelated(gold, i)])
        if (alone.answer, alone.abstained, [c.quote for c in alone.citations], alone.understood_as) == (
                after.answer, after.abstained, [c.quote for c in after.citations], after.understood_as):
            same += 1
        else:
            changed.append(f"{question.id}: {question.question} -> {after.understood_as}")
        if progress:
            progress(i + 1, len(gold.questions))
    return (same / len(gold.questions) if gold.questions else 0.0), changed
