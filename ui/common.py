"""What every tab shares: the loaded service, the feedback store and a folder for downloads."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from qa.service import PlanQA
from ui.feedback import FeedbackStore

ALL = "all"  # dropdown value meaning "no filter"


@dataclass
class AppContext:
    """The service the tabs call, the feedback store, and where generated files go."""

    service: PlanQA
    feedback: FeedbackStore
    downloads: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="planqa-ui-")))

    def download_path(self, stem: str, suffix: str) -> Path:
        """A fresh file path for a download (unique per call, so concurrent users never collide)."""
        folder = self.downloads / uuid.uuid4().hex[:12]
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{stem}{suffix}"

    def write_csv(self, frame: pd.DataFrame, stem: str) -> Path:
        """Save a table as CSV (UTF-8 with BOM for spreadsheet programs) and return its path."""
        path = self.download_path(stem, ".csv")
        frame.to_csv(path, index=False, encoding="utf-8-sig")
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
