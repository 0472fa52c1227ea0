"""👍/👎 feedback on answers, kept in a local SQLite file and exported as CSV for staff.

A vote names an answer by the id the server gave it (AnswerLog); what is stored is the server's own record of that
answer, never text the browser sends back.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import threading
import uuid
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Any

from corpus.paths import data_root

COLUMNS = ("id", "created", "vote", "question", "answer", "abstained", "kind", "citations", "answer_id")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    vote TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    abstained INTEGER NOT NULL,
    kind TEXT NOT NULL,
    citations TEXT NOT NULL,
    answer_id TEXT NOT NULL DEFAULT ''
)
"""
# The store keeps the newest rows of each vote kind up to this many: a flood of questions cannot fill the disk.
MAX_ROWS_PER_VOTE = 100_000
MAX_FIELD_CHARS = 20_000
# Spreadsheet programs run a cell that starts with one of these as a formula ("=HYPERLINK(...)").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: object) -> object:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula (OWASP's CSV-injection advice)."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


class AnswerLog:
    """The answers this server gave, by id, so a vote can only refer to a real answer (the newest `size` are kept)."""

    def __init__(self, size: int = 20_000) -> None:
        """Keep at most `size` answers."""
        self.size = size
        self._answers: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, record: dict[str, Any]) -> str:
        """Remember an answer the server produced; return its id."""
        answer_id = uuid.uuid4().hex
        with self._lock:
            self._answers[answer_id] = record
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
        return answer_id

    def get(self, answer_id: object) -> dict[str, Any] | None:
        """The answer with this id, or None (unknown, forged or too old)."""
        if not isinstance(answer_id, str) or len(answer_id) != 32:
            return None
        with self._lock:
            return self._answers.get(answer_id)


def default_path() -> Path:
    """data/feedback.sqlite3 (under PLANQA_DATA when set)."""
    return data_root() / "feedback.sqlite3"


class FeedbackStore:
    """Append-only store of votes on answers; safe to use from the web server's worker threads."""

    def __init__(self, path: Path | None = None) -> None:
        """Open (creating when missing) the SQLite file."""
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def record(self, vote: str, record: dict[str, Any], answer_id: str = "") -> int:
        """Save one vote ("up", "down", or "refused" for a question the chat could not answer); return its row id.

        A later vote on the same answer replaces the earlier one (a visitor who clicks 👍 then 👎 counts once)."""
        if vote not in ("up", "down", "refused"):
            raise ValueError(f"vote must be 'up', 'down' or 'refused', not {vote!r}")
        row = (
            datetime.now().isoformat(timespec="seconds"),
            vote,
            str(record.get("question", ""))[:MAX_FIELD_CHARS],
            str(record.get("answer", ""))[:MAX_FIELD_CHARS],
            int(bool(record.get("abstained"))),
            str(record.get("kind", ""))[:40],
            json.dumps(record.get("citations", []), ensure_ascii=False)[:MAX_FIELD_CHARS],
            answer_id[:64],
        )
        with self._lock, self._connect() as db:
            if answer_id and vote in ("up", "down"):
                db.execute("DELETE FROM feedback WHERE answer_id = ? AND vote IN ('up', 'down')", (answer_id,))
            cursor = db.execute(
                "INSERT INTO feedback (created, vote, question, answer, abstained, kind, citations, answer_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            db.execute("DELETE FROM feedback WHERE vote = ? AND id <= (SELECT id FROM feedback WHERE vote = ?"
                       " ORDER BY id DESC LIMIT 1 OFFSET ?)", (vote, vote, MAX_ROWS_PER_VOTE))
            return int(cursor.lastrowid or 0)

    def review_queue(self, limit: int = 200) -> list[tuple]:
        """Refused questions and 👎 answers, newest first: (id, created, vote, question, answer)."""
        with self._lock, self._connect() as db:
            return db.execute("SELECT id, created, vote, question, answer FROM feedback WHERE vote IN ('down', 'refused')"
                              " ORDER BY id DESC LIMIT ?", (max(1, min(limit, 5_000)),)).fetchall()

    def rows(self) -> list[tuple]:
        """All votes, oldest first."""
        with self._lock, self._connect() as db:
            return db.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id").fetchall()

    def counts(self) -> dict[str, int]:
        """Number of 👍 and 👎 votes."""
        with self._lock, self._connect() as db:
            found = dict(db.execute("SELECT vote, COUNT(*) FROM feedback GROUP BY vote").fetchall())
        return {"up": int(found.get("up", 0)), "down": int(found.get("down", 0))}

    def export_csv(self, path: Path) -> Path:
        """Write every vote to a CSV file (UTF-8 with BOM for spreadsheet programs; formula cells neutralised)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(COLUMNS)
            writer.writerows([neutralise(cell) for cell in row] for row in self.rows())
        return path
