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


MAX_LINE_CHARS = 100_000  # one question or gold row is a few hundred characters; anything far larger is not one
MAX_DEPTH = 20  # no valid row nests deeper; Python's JSON parser would recurse until it fails on deep input


def _depth(line: str) -> int:
    """How deeply brackets nest in a JSON line (strings included: a safe overestimate, checked before parsing)."""
    depth = deepest = 0
    for ch in line:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def numbered_objects(text: str) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line number, object, "") per non-blank line of JSON Lines text, or (line number, None, problem)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE_CHARS:
            yield number, None, f"line longer than {MAX_LINE_CHARS:,} characters"
            continue
        if _depth(line) > MAX_DEPTH:
            yield number, None, f"nested more than {MAX_DEPTH} levels deep"
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"not valid JSON ({exc.msg})"
            continue
        except (ValueError, RecursionError) as exc:  # e.g. an integer of thousands of digits
            yield number, None, f"not usable JSON ({str(exc).split(';')[0]})"
            continue
        if isinstance(row, dict):
            yield number, row, ""
        else:
            yield number, None, "expected a JSON object"
