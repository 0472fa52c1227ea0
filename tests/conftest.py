"""Shared fixtures: the real plan, parsed once per test session."""

from __future__ import annotations

import pytest

from corpus.records import Document
from corpus.store import CorpusStore

PLAN_ID = "qingdao-2021"


@pytest.fixture(scope="session")
def plan() -> Document:
    """The Qingdao plan as stored in the project's data folder (built if missing or stale)."""
    return CorpusStore.default().load(PLAN_ID)


@pytest.fixture(scope="session")
def retriever():
    """The real retriever over the real index (built once if missing)."""
    from qa.retrieval import Retriever

    return Retriever.open()
