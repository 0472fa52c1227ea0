"""What every tab shares: the loaded service, the feedback store and a folder for downloads."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from qa.service import PlanQA
from ui.feedback import AnswerLog, FeedbackStore, neutralise
from ui.limits import RateLimiter

DOWNLOAD_SECONDS = 3600  # generated downloads are removed after an hour: exports cannot fill the disk

ALL = "all"  # dropdown value meaning "no filter"


# Simultaneous answers per process (chat events and JSON API calls alike): answering is CPU-bound, so about one per
# core; more threads only thrash (50 API clients on 2 cores: 11.7 req/s unbounded). PLANQA_UI_CONCURRENCY overrides.
CONCURRENCY = int(os.environ.get("PLANQA_UI_CONCURRENCY") or max(2, min(8, os.cpu_count() or 2)))


def download_folder() -> Path:
    """A fresh folder for this process's downloads, removed when the process exits (a restarted server or a test run
    leaves no folder behind in the system's temp directory). A server stopped by a signal exits by that signal, which
    skips exit handlers: it removes the folder itself once drained (AppContext.close)."""
    folder = Path(tempfile.mkdtemp(prefix="planqa-ui-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@dataclass
class AppContext:
    """The service the tabs call, the feedback store, and where generated files go."""

    service: PlanQA
    feedback: FeedbackStore
    downloads: Path = field(default_factory=download_folder)
    answers: AnswerLog = field(default_factory=AnswerLog)
    limiter: RateLimiter = field(default_factory=RateLimiter)

    def close(self) -> None:
        """Remove this process's downloads folder (the server calls it once its last request has drained)."""
        shutil.rmtree(self.downloads, ignore_errors=True)

    def download_path(self, stem: str, suffix: str) -> Path:
        """A fresh file path for a download (unique per call, so concurrent users never collide)."""
        self.prune_downloads()
        folder = self.downloads / uuid.uuid4().hex[:12]
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{stem}{suffix}"

    def prune_downloads(self, older_than: float = DOWNLOAD_SECONDS) -> int:
        """Remove download folders older than `older_than` seconds; return how many were removed."""
        removed, cutoff = 0, time.time() - older_than
        for folder in self.downloads.iterdir() if self.downloads.exists() else []:
            try:
                if folder.stat().st_mtime < cutoff:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed += 1
            except OSError:
                continue
        return removed

    def write_csv(self, frame: pd.DataFrame, stem: str) -> Path:
        """Save a table as CSV (UTF-8 with BOM for spreadsheet programs; formula cells neutralised); return its path."""
        path = self.download_path(stem, ".csv")
        frame.map(neutralise).to_csv(path, index=False, encoding="utf-8-sig")
        return path

    def document_choices(self) -> list[tuple[str, str]]:
        """Dropdown choices: all documents, then each by title."""
        return [("全部文档", ALL)] + [(d.title, d.doc_id) for d in self.service.documents()]

    def chapter_choices(self, doc_id: str | None) -> list[tuple[str, str]]:
        """Dropdown choices: all chapters, then the chapters of one document (or of the first)."""
        docs = self.service.documents()
        if not doc_id or doc_id == ALL:
            doc_id = docs[0].doc_id if docs else ""
        chapters = self.service.chapters(doc_id)
        return [("全部章节", ALL)] + [(c.citation, c.id.rsplit("/", 1)[1]) for c in chapters]


def optional(value: str | None) -> str | None:
    """A dropdown value as a filter: None for 'all' or empty."""
    if value is None:
        return None
    value = str(value).strip()
    return None if not value or value == ALL else value
