"""Gold questions: load and validate a JSONL gold file, reporting problems with their line numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from corpus.jsonl import numbered_objects

GOLD_DIR = Path(__file__).resolve().parent / "gold"
DEV_SET = GOLD_DIR / "dev.jsonl"
DEV_JUDGEMENT = GOLD_DIR / "dev_judgement.jsonl"  # judgement-shaped questions on both sides of the line (dev)
# Residents' everyday questions written blind from the plan alone, the way the sealed sets are (dev: tune on it).
DEV_EVERYDAY = GOLD_DIR / "dev_everyday.jsonl"
# Residents' questions the plan does not answer, most about its own topics, written blind (dev: tune on it).
DEV_REFUSALS = GOLD_DIR / "dev_refusals.jsonl"
# Written for session 22 by three new writers from the plan text alone, the way the sealed sets are: everyday in-plan
# questions (many put as forecasts the plan does answer) and predictions, opinions, comparisons and near misses it does
# not answer (dev: the judgement check's operating point was chosen on it).
DEV_FRESH = GOLD_DIR / "dev_fresh.jsonl"
SEALED_SET = GOLD_DIR / "sealed_test.jsonl"  # written before tuning; run once per finished change, never tuned on
# Every sealed set in the order they were written (each blind at its first run; the newest has steered the fewest
# decisions), by the name the evaluation tab offers it under.
SEALED_SETS = {"sealed": SEALED_SET, "sealed2": GOLD_DIR / "sealed_test2.jsonl", "sealed3": GOLD_DIR / "sealed_test3.jsonl",
               "sealed4": GOLD_DIR / "sealed_test4.jsonl", "sealed5": GOLD_DIR / "sealed_test5.jsonl",
               "sealed6": GOLD_DIR / "sealed_test6.jsonl", "sealed7": GOLD_DIR / "sealed_test7.jsonl",
               "sealed8": GOLD_DIR / "sealed_test8.jsonl", "sealed9": GOLD_DIR / "sealed_test9.jsonl",
               "sealed10": GOLD_DIR / "sealed_test10.jsonl", "sealed11": GOLD_DIR / "sealed_test11.jsonl",
               "sealed12": GOLD_DIR / "sealed_test12.jsonl", "sealed13": GOLD_DIR / "sealed_test13.jsonl",
               "sealed14": GOLD_DIR / "sealed_test14.jsonl", "sealed15": GOLD_DIR / "sealed_test15.jsonl",
               "sealed16": GOLD_DIR / "sealed_test16.jsonl", "sealed17": GOLD_DIR / "sealed_test17.jsonl"}
TYPES = ("numeric", "status", "measure", "everyday", "topic", "multipart", "out_of_plan")
REQUIRED = ("id", "question", "type", "evidence")
MAX_GOLD_BYTES = 2_000_000
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class GoldQuestion:
    """One gold question with its evidence strings (empty for out-of-plan questions)."""

    id: str
    question: str
    type: str
    evidence: list[str]
    answer: str = ""
    figure: str | None = None
    chapter: int | None = None
    category: str = ""  # what kind of out-of-plan question (weather, procedure...) when the gold file says
    line: int = 0

    @property
    def in_plan(self) -> bool:
        """True when the plan answers the question."""
        return self.type != "out_of_plan"


class GoldError(ValueError):
    """A gold file that cannot be used; the message lists every problem with its line number."""


@dataclass
class GoldSet:
    """A validated list of gold questions."""

    path: Path
    questions: list[GoldQuestion] = field(default_factory=list)

    def by_type(self) -> dict[str, list[GoldQuestion]]:
        """Questions grouped by type, in TYPES order."""
        groups: dict[str, list[GoldQuestion]] = {}
        for t in TYPES:
            members = [q for q in self.questions if q.type == t]
            if members:
                groups[t] = members
        return groups


def squash(text: str) -> str:
    """Text with all whitespace removed (evidence matching ignores whitespace)."""
    return _WS.sub("", text)


def read_gold_text(path: Path, label: str = "gold") -> str:
    """The text of a gold file (any kind), or GoldError when it is missing, a folder, too large or not UTF-8."""
    if not path.exists():
        raise GoldError(f"{label} file not found: {path}")
    if path.is_dir():
        raise GoldError(f"{path} is a folder, not a {label} file")
    if path.stat().st_size > MAX_GOLD_BYTES:
        raise GoldError(f"{path} is larger than {MAX_GOLD_BYTES // 1_000_000} MB")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise GoldError(f"{path} is not UTF-8 text") from None


def raise_problems(path: Path, problems: list[str]) -> None:
    """Raise GoldError listing the first 20 problems of a gold file (nothing when there are none)."""
    if problems:
        shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
        raise GoldError(f"{path}: {len(problems)} problem(s):\n" + "\n".join(shown))


def load_gold(path: Path, documents_text: list[str]) -> GoldSet:
    """Read and validate a gold file against the documents' clean texts; raise GoldError listing all problems."""
    text = read_gold_text(path)
    haystack = [squash(t) for t in documents_text]
    problems: list[str] = []
    questions: list[GoldQuestion] = []
    seen: set[str] = set()
    for number, row, problem in numbered_objects(text):
        if row is None:
            problems.append(f"line {number}: {problem}")
            continue
        missing = [name for name in REQUIRED if name not in row]
        if missing:
            problems.append(f"line {number}: missing field(s) {', '.join(missing)}")
            continue
        qid, question, qtype, evidence = str(row["id"]), row["question"], row["type"], row["evidence"]
        if qid in seen:
            problems.append(f"line {number}: duplicate id '{qid}'")
        seen.add(qid)
        if not isinstance(question, str) or not question.strip():
            problems.append(f"line {number}: question must be a non-empty string")
        if qtype not in TYPES:
            problems.append(f"line {number}: unknown type '{qtype}' (one of {', '.join(TYPES)})")
        if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
            problems.append(f"line {number}: evidence must be a list of strings")
            continue
        if qtype != "out_of_plan" and not evidence:
            problems.append(f"line {number}: an in-plan question needs at least one evidence string")
        for item in evidence:
            if not any(squash(item) in text for text in haystack):
                problems.append(f"line {number}: evidence '{item}' is not found in the plan")
        chapter = row.get("chapter")
        questions.append(
            GoldQuestion(
                id=qid,
                question=str(question),
                type=str(qtype),
                evidence=list(evidence),
                answer=str(row.get("answer") or ""),
                figure=row.get("figure"),
                chapter=chapter if isinstance(chapter, int) else None,
                category=str(row.get("category") or ""),
                line=number,
            )
        )
    raise_problems(path, problems)
    if not questions:
        raise GoldError(f"{path} has no questions")
    return GoldSet(path, questions)
