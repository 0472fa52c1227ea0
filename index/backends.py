"""Which search backend an index lives in: embedded FAISS + bm25s (default) or Milvus, chosen by configuration.

PLANQA_BACKEND=faiss|milvus picks it (a `--backend` flag wins; with neither, the current index's backend is kept,
so `index build --backend milvus` is sticky). PLANQA_MILVUS_URI names the Milvus: a local `*.db` file is Milvus
Lite (embedded), an `http://host:19530` URI a Milvus server or cluster. A configured Milvus is never silently
replaced by FAISS: an unreachable one is an error naming the URI.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from corpus.paths import data_root

FAISS = "faiss"
MILVUS = "milvus"
BACKENDS = (FAISS, MILVUS)
DEFAULT_BACKEND = FAISS
SERVER_URI = re.compile(r"^(https?|tcp|grpc)://[^\s/]+(:\d+)?/?$")
COLLECTION_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,40}$")


class BackendError(ValueError):
    """The backend configuration is unusable; the message says what to set."""


@dataclass(frozen=True)
class MilvusSettings:
    """Where the Milvus collections live: a Lite file or a server URI, and the collections' name prefix."""

    uri: str
    prefix: str = "planqa"

    @property
    def is_lite(self) -> bool:
        """True for an embedded Milvus Lite file, False for a server."""
        return not SERVER_URI.match(self.uri)

    @property
    def clauses(self) -> str:
        """Collection of clause rows (BM25 sparse vectors)."""
        return f"{self.prefix}_clauses"

    @property
    def sentences(self) -> str:
        """Collection of sentence rows (dense vectors)."""
        return f"{self.prefix}_sentences"

    def to_dict(self) -> dict[str, str]:
        """JSON-ready dict for the index manifest."""
        return {"uri": self.uri, "prefix": self.prefix}


def backend_choice(flag: str | None = None, current: str | None = None) -> str:
    """The backend to build into: the flag, else PLANQA_BACKEND, else the current index's, else faiss."""
    choice = flag or os.environ.get("PLANQA_BACKEND", "").strip() or current or DEFAULT_BACKEND
    if choice not in BACKENDS:
        raise BackendError(f"unknown backend '{choice}'; choose one of {', '.join(BACKENDS)} (PLANQA_BACKEND)")
    return choice


def milvus_settings(recorded: dict[str, str] | None = None) -> MilvusSettings:
    """Milvus settings: PLANQA_MILVUS_URI / PLANQA_MILVUS_COLLECTION, else what the index recorded, else a Lite file
    in the data folder."""
    recorded = recorded or {}
    uri = os.environ.get("PLANQA_MILVUS_URI", "").strip() or recorded.get("uri") or str(data_root() / "milvus" / "planqa.db")
    prefix = os.environ.get("PLANQA_MILVUS_COLLECTION", "").strip() or recorded.get("prefix") or "planqa"
    if not COLLECTION_PREFIX.match(prefix):
        raise BackendError(f"PLANQA_MILVUS_COLLECTION '{prefix}' must be letters, digits and _ (at most 41)")
    if not SERVER_URI.match(uri):
        if "://" in uri:
            raise BackendError(f"PLANQA_MILVUS_URI '{uri}' is neither a Milvus server (http://host:19530) nor a *.db file")
        if not uri.endswith(".db"):
            raise BackendError(f"PLANQA_MILVUS_URI '{uri}': a Milvus Lite file name must end in .db")
        uri = str(Path(uri).expanduser().resolve())
    return MilvusSettings(uri, prefix)
