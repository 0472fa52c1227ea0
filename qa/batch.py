"""Read batch question files ({"id", "question"} per line), validating every line before any work."""

from __future__ import annotations

import re
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


def read_batch(path: Path) -> list[tuple[str, str]]:
    """Return (id, question) pairs; raise QueryError naming the first bad line."""
    if not path.exists() or path.is_dir():
        raise QueryError(f"batch file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise QueryError(f"{path} is not UTF-8 text") from None
    pairs: list[tuple[str, str]] = []
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
        pairs.append((qid, question))
    if not pairs:
        raise QueryError(f"{path} has no questions")
    return pairs
