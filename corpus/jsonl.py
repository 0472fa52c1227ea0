"""JSON Lines files: one JSON object per line, UTF-8, Chinese kept readable."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """Write rows as JSON Lines (callers write into a temporary folder and rename it into place)."""
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read the non-blank lines of a JSON Lines file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def numbered_objects(text: str) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line number, object, "") per non-blank line of JSON Lines text, or (line number, None, problem)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"not valid JSON ({exc.msg})"
            continue
        if isinstance(row, dict):
            yield number, row, ""
        else:
            yield number, None, "expected a JSON object"
