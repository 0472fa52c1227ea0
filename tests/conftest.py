"""Shared fixtures: the real plan, parsed once per test session."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest

from corpus.records import Document
from corpus.store import CorpusStore

PLAN_ID = "qingdao-2021"

# The suite's temporary files, its servers' included, go to one folder removed when the run ends: Gradio keeps every
# file it serves under <temp>/gradio and never empties it, and gradio_client leaves an empty folder in the temp
# directory for every file it downloads. Set before any test module imports gradio (it reads the folder on import).
_TEMP = tempfile.mkdtemp(prefix="planqa-tests-")
os.environ["TMPDIR"] = _TEMP
tempfile.tempdir = _TEMP
atexit.register(shutil.rmtree, _TEMP, ignore_errors=True)


@pytest.fixture(scope="session")
def plan() -> Document:
    """The Qingdao plan as stored in the project's data folder (built if missing or stale)."""
    return CorpusStore.default().load(PLAN_ID)


@pytest.fixture(scope="session")
def embedded_retriever():
    """The real retriever over the real index (built once if missing), on the embedded backend."""
    from qa.retrieval import Retriever

    return Retriever.open()


@pytest.fixture(scope="session")
def retriever(embedded_retriever):
    """The real retriever (embedded backend); test_retrieval and test_answering run on Milvus Lite too."""
    return embedded_retriever


@pytest.fixture(scope="session")
def milvus_lite(plan, tmp_path_factory):
    """The plan indexed into a Milvus Lite file in a temporary folder: (settings, retriever, build report, folder)."""
    from index.backends import MilvusSettings
    from index.embedder import Embedder
    from index.store import build_index, load_index
    from qa.retrieval import Retriever

    folder = tmp_path_factory.mktemp("milvus-lite")
    settings = MilvusSettings(str(folder / "planqa.db"))
    report = build_index([plan], progress=False, folder=folder / "index", backend="milvus", milvus=settings)
    retriever = Retriever(load_index([plan], folder=folder / "index"), Embedder())
    yield settings, retriever, report, folder
    retriever._index.milvus.close()


def on_both_backends(request):
    """For a module fixture parametrized over "faiss" and "milvus": the retriever on that backend."""
    if request.param == "faiss":
        return request.getfixturevalue("embedded_retriever")
    return request.getfixturevalue("milvus_lite")[1]


STAFF_NAME = "staff-tester"
STAFF_PASSWORD = "a long test password"


@pytest.fixture(scope="session")
def web(tmp_path_factory):
    """Both web apps served on a free local port, with a temporary feedback store and one staff account.

    Yields (server, url, staff_cookie); the citizens' rate limit is lifted here (one test checks it on its own)."""
    import httpx

    from ui.app import start
    from ui.limits import RateLimiter
    from ui.staff import SESSION_COOKIE, StaffAccounts

    folder = tmp_path_factory.mktemp("web")
    accounts = folder / "staff.json"
    StaffAccounts(accounts).add(STAFF_NAME, STAFF_PASSWORD)
    server, url = start(feedback_path=folder / "feedback.sqlite3", accounts_path=accounts)
    server.planqa_context.limiter = RateLimiter(per_minute=1_000_000, burst=1_000_000)
    login = httpx.post(f"{url}staff/login", data={"username": STAFF_NAME, "password": STAFF_PASSWORD})
    assert login.status_code == 303, login.text
    yield server, url, {SESSION_COOKIE: login.cookies[SESSION_COOKIE]}
    server.close()
