"""Where PlanQA keeps built data (corpus, index, models, reports): PLANQA_DATA or ./data."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_DOCS = Path(__file__).resolve().parent / "docs"


def data_root() -> Path:
    """Return the data folder (created on first use); PLANQA_DATA overrides the default ./data."""
    root = Path(os.environ.get("PLANQA_DATA", PROJECT_ROOT / "data"))
    root.mkdir(parents=True, exist_ok=True)
    return root
