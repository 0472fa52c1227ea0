"""👍/👎 feedback on answers, kept in a local SQLite file and exported as CSV for staff."""

from __future__ import annotations

import csv
import json
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from corpus.paths import data_root

COLUMNS = ("id", "created", "vote", "question", "answer", "abstained", "kind", "citations")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    vote TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    abstained INTEGER NOT NULL,
    kind TEXT NOT NULL,
    citations TEXT NOT NULL
)
"""


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

    def record(self, vote: str, record: dict[str, Any]) -> int:
        """Save one vote ("up", "down", or "refused" for a question the chat could not answer); return its row id."""
        if vote not in ("up", "down", "refused"):
            raise ValueError(f"vote must be 'up', 'down' or 'refused', not {vote!r}")
        row = (
            datetime.now().isoformat(timespec="seconds"),
            vote,
            str(record.get("question", "")),
            str(record.get("answer", "")),
            int(bool(record.get("abstained"))),
            str(record.get("kind", "")),
            json.dumps(record.get("citations", []), ensure_ascii=False),
        )
        with self._lock, self._connect() as db:
            cursor = db.execute(
                "INSERT INTO feedback (created, vote, question, answer, abstained, kind, citations)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cursor.lastrowid or 0)

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
        """Write every vote to a CSV file (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(COLUMNS)
            writer.writerows(self.rows())
        return path
