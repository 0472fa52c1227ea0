"""Read batch question files ({"id", "question"} per line), validating every line before any work."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from corpus.jsonl import numbered_objects
from qa.records import QueryError, check_query

MAX_ID_CHARS = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def batch_id(value: object) -> str | int | None:
    """A usable question id (a short string without control characters, or an integer), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if len(str(value)) <= MAX_ID_CHARS else None
    if isinstance(value, str) and value.strip() and len(value) <= MAX_ID_CHARS and not _CONTROL.search(value):
        return value
    return None


MAX_HISTORY = 10  # earlier questions a batch line may carry (only the last few are used)


@dataclass(frozen=True)
class BatchItem:
    """One batch line: its id, the question, and the conversation's earlier questions (oldest first)."""

    id: str | int
    question: str
    history: list[str] = field(default_factory=list)


def read_history(value: object, where: str) -> list[str]:
    """A validated "history": a list of at most MAX_HISTORY question strings (raise QueryError naming where)."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_HISTORY or not all(isinstance(h, str) for h in value):
        raise QueryError(f'{where}: "history" must be a list of at most {MAX_HISTORY} earlier questions (strings)')
    try:
        return [check_query(h) for h in value]
    except QueryError as exc:
        raise QueryError(f"{where}: history: {exc}") from None


def read_batch(path: Path) -> list[BatchItem]:
    """Return the batch's lines; raise QueryError naming the first bad line."""
    if not path.exists() or path.is_dir():
        raise QueryError(f"batch file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise QueryError(f"{path} is not UTF-8 text") from None
    pairs: list[BatchItem] = []
    seen: dict[str, int] = {}
    for number, row, problem in numbered_objects(text):
        if row is None:
            raise QueryError(f"{path}, line {number}: {problem}")
        if "question" not in row:
            raise QueryError(f'{path}, line {number}: expected an object with "id" and "question"')
        if not isinstance(row["question"], str):
            raise QueryError(f'{path}, line {number}: "question" must be a string, not {type(row["question"]).__name__}')
        qid = batch_id(row["id"]) if "id" in row else number
        if qid is None:
            raise QueryError(f'{path}, line {number}: "id" must be a string (1-{MAX_ID_CHARS} characters, no line'
                             " breaks or control characters) or an integer")
        if str(qid) in seen:
            raise QueryError(f"{path}, line {number}: duplicate id {qid!r} (first on line {seen[str(qid)]})")
        seen[str(qid)] = number
        try:
            question = check_query(row["question"])
        except QueryError as exc:
            raise QueryError(f"{path}, line {number}: {exc}") from None
        pairs.append(BatchItem(qid, question, read_history(row.get("history"), f"{path}, line {number}")))
    if not pairs:
        raise QueryError(f"{path} has no questions")
    return pairs
