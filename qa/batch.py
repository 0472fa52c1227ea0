"""Read batch question files ({"id", "question"} per line), validating every line before any work."""

from __future__ import annotations

from pathlib import Path

from corpus.jsonl import numbered_objects
from qa.records import QueryError, check_query


def read_batch(path: Path) -> list[tuple[str, str]]:
    """Return (id, question) pairs; raise QueryError naming the first bad line."""
    if not path.exists() or path.is_dir():
        raise QueryError(f"batch file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise QueryError(f"{path} is not UTF-8 text") from None
    pairs: list[tuple[str, str]] = []
    for number, row, problem in numbered_objects(text):
        if row is None:
            raise QueryError(f"{path}, line {number}: {problem}")
        if "question" not in row:
            raise QueryError(f'{path}, line {number}: expected an object with "id" and "question"')
        try:
            question = check_query(str(row["question"]))
        except QueryError as exc:
            raise QueryError(f"{path}, line {number}: {exc}") from None
        pairs.append((row.get("id", number), question))
    if not pairs:
        raise QueryError(f"{path} has no questions")
    return pairs
