"""The Milvus backend: the same rankings and answers as the embedded one, incremental writes, a real server process.

Milvus Lite runs inside the test process (a *.db file); `milvus-lite server` runs as a separate process on a loopback
port, reached over gRPC exactly like a Milvus server.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus.store import build_document
from eval.agreement import compare
from eval.gold import DEV_SET
from index.backends import MilvusSettings
from index.embedder import Embedder
from index.milvus_backend import MilvusBackend
from index.store import IndexProblem, build_index, load_index
from qa.retrieval import Retriever
from qa.service import PlanQA
from ui.app import free_port, free_ports

ROOT = Path(__file__).resolve().parent.parent
SECOND = Path(__file__).resolve().parent / "data" / "weifang-test-plan.txt"
PLAN_CLAUSES, PLAN_SENTENCES = 193, 733


def dev_questions() -> list[str]:
    return [json.loads(line)["question"] for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def embedder():
    return Embedder()


@pytest.fixture(scope="module")
def lite(milvus_lite):
    """The plan in Milvus Lite (built once per session in conftest)."""
    return milvus_lite


def test_the_build_writes_every_row_to_milvus_and_keeps_no_local_vectors(lite):
    settings, retriever, report, folder = lite
    assert report.rebuilt and report.backend == "milvus"
    writes = report.milvus_writes
    assert (writes.upserted_clauses, writes.upserted_sentences) == (PLAN_CLAUSES, PLAN_SENTENCES)
    assert (writes.deleted_clauses, writes.deleted_sentences) == (0, 0)
    manifest = json.loads((folder / "index" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["vector_store"] == "milvus" and manifest["milvus"] == {"uri": settings.uri, "prefix": "planqa"}
    assert not (folder / "index" / "dense_sentences.faiss").exists()
    assert retriever.backend == "milvus" and retriever.backend_reachable()
    assert type(retriever.rankers["bm25"]).__name__ == "MilvusBM25Ranker"
    assert type(retriever.rankers["dense"]).__name__ == "MilvusDenseRanker"


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_both_backends_return_the_same_top10_on_the_whole_dev_set(lite, retriever, mode):
    questions = dev_questions()
    agreement = compare(retriever, lite[1], questions, k=10, mode=mode)
    assert agreement.questions == len(questions) == 253
    assert agreement.share_agreeing == 1.0, agreement.differing[:3]


def test_both_backends_give_the_same_answers_on_the_dev_set(lite, retriever, plan):
    embedded = PlanQA(retriever, {plan.doc_id: plan})
    milvus = PlanQA(lite[1], {plan.doc_id: plan})
    for question in dev_questions():
        a, b = embedded.ask(question), milvus.ask(question)
        assert (b.answer, b.abstained) == (a.answer, a.abstained), question
        assert [c.clause_id for c in b.citations] == [c.clause_id for c in a.citations], question
        assert [(c.start, c.end) for c in b.citations] == [(c.start, c.end) for c in a.citations], question


def test_filters_become_milvus_expressions_with_the_same_results(lite, retriever):
    milvus = lite[1]
    for filters in ({"chapter": 3}, {"topic": "住房"}, {"doc": "qingdao-2021", "chapter": 5}):
        a = retriever.search("租房子的补贴", k=10, **filters)
        b = milvus.search("租房子的补贴", k=10, **filters)
        assert [h.clause_id for h in b] == [h.clause_id for h in a] and b
        assert all(h.chapter == filters.get("chapter", h.chapter) for h in b)
        assert all(filters.get("topic", "住房") in h.topics for h in b) if "topic" in filters else True
    hit = milvus.search("城镇化率", k=1)[0]
    assert (hit.clause_id, hit.highlights) == (retriever.search("城镇化率", k=1)[0].clause_id,
                                               retriever.search("城镇化率", k=1)[0].highlights)


def test_builds_are_incremental_add_change_and_remove_a_document(plan, tmp_path, embedder):
    settings = MilvusSettings(str(tmp_path / "planqa.db"))
    folder = tmp_path / "index"
    second = build_document("weifang-test", "", SECOND.name, SECOND.read_text(encoding="utf-8"))
    first = build_index([plan], progress=False, folder=folder, backend="milvus", milvus=settings)
    assert first.milvus_writes.upserted_sentences == PLAN_SENTENCES
    # Unchanged: nothing is written.
    again = build_index([plan], progress=False, folder=folder, backend="milvus", milvus=settings)
    assert not again.rebuilt
    # A second document: only its sentence rows are new (clause rows change where corpus statistics moved).
    both = build_index([plan, second], progress=False, folder=folder, backend="milvus", milvus=settings)
    added = both.sentences - PLAN_SENTENCES
    assert both.paragraphs == PLAN_CLAUSES + 4 and added > 0
    assert both.milvus_writes.upserted_sentences == added
    assert both.milvus_writes.deleted_sentences == 0
    retriever = Retriever(load_index([plan, second], folder=folder), embedder)
    hits = retriever.search("随迁子女上学", k=3, doc="weifang-test")
    assert hits[0].clause_id == "weifang-test/3.1.2.p1" and all(h.doc_id == "weifang-test" for h in hits)
    retriever._index.milvus.close()
    # Removing it deletes exactly its rows (by a doc_id filter).
    back = build_index([plan], progress=False, folder=folder, backend="milvus", milvus=settings)
    assert (back.milvus_writes.deleted_clauses, back.milvus_writes.deleted_sentences) == (4, added)
    assert back.milvus_writes.upserted_sentences == 0
    milvus = MilvusBackend(settings)
    assert (milvus.count(settings.clauses), milvus.count(settings.sentences)) == (PLAN_CLAUSES, PLAN_SENTENCES)
    milvus.close()


def test_switching_backends_keeps_the_old_index_until_the_new_one_is_complete(plan, tmp_path, embedder):
    folder = tmp_path / "index"
    build_index([plan], progress=False, folder=folder, backend="faiss")
    assert (folder / "dense_sentences.faiss").exists()
    # An unreachable Milvus: the build fails with the URI named and the FAISS index is untouched and usable.
    dead = MilvusSettings(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(IndexProblem, match=f"cannot reach Milvus at {dead.uri}"):
        build_index([plan], progress=False, folder=folder, backend="milvus", milvus=dead)
    index = load_index([plan], folder=folder)
    assert index.backend == "faiss" and Retriever(index, embedder).search("城镇化率", k=1)
    # A reachable one: the folder swaps to Milvus in one step.
    settings = MilvusSettings(str(tmp_path / "planqa.db"))
    build_index([plan], progress=False, folder=folder, backend="milvus", milvus=settings)
    index = load_index([plan], folder=folder)
    assert index.backend == "milvus" and not (folder / "dense_sentences.faiss").exists()
    index.milvus.close()


def _wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else "milvus-lite server exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)  # polling a port the server is still opening
    raise AssertionError(f"milvus-lite server did not listen on {port} within {seconds} s")


@pytest.fixture(scope="module")
def milvus_server(tmp_path_factory):
    """`milvus-lite server` as its own process on a free loopback port; yields its URI."""
    executable = shutil.which("milvus-lite", path=str(Path(sys.executable).parent)) or shutil.which("milvus-lite")
    assert executable, "milvus-lite is installed from requirements.txt"
    port = free_port()
    folder = tmp_path_factory.mktemp("milvus-server")
    process = subprocess.Popen([executable, "server", "--data-dir", str(folder), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_milvus_server_process_serves_the_same_rankings_and_answers(plan, milvus_server, retriever, tmp_path,
                                                                       embedder):
    uri, _ = milvus_server
    folder = tmp_path / "index"
    report = build_index([plan], progress=False, folder=folder, backend="milvus", milvus=MilvusSettings(uri))
    assert report.milvus_writes.upserted_sentences == PLAN_SENTENCES
    served = Retriever(load_index([plan], folder=folder), embedder)
    questions = dev_questions()[::4]
    assert compare(retriever, served, questions, k=10).share_agreeing == 1.0
    answer = PlanQA(served, {plan.doc_id: plan}).ask("到2025年常住人口城镇化率目标是多少")
    assert answer.answer == "到2025年，常住人口城镇化率目标为78%左右[1]。"
    assert answer.citations[0].clause_id == "qingdao-2021/2.3.p3"
    served._index.milvus.close()


def milvus_env(tmp_path: Path, uri: str, collection: str) -> dict[str, str]:
    """Environment for PlanQA processes over a copy of the data folder, configured for the Milvus at uri."""
    from corpus.files import clone_data_folder
    from corpus.paths import data_root

    data = tmp_path / "data"
    clone_data_folder(data_root(), data)
    return {**os.environ, "PLANQA_DATA": str(data), "PLANQA_BACKEND": "milvus", "PLANQA_MILVUS_URI": uri,
            "PLANQA_MILVUS_COLLECTION": collection}


def test_the_cli_against_a_milvus_server_and_when_it_is_gone(plan, milvus_server, tmp_path):
    uri, _ = milvus_server
    env = milvus_env(tmp_path, uri, "cli")
    built = subprocess.run([sys.executable, "-m", "index", "build"], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=300)
    assert built.returncode == 0 and f"backend milvus ({uri})" in built.stdout, built.stderr
    found = subprocess.run([sys.executable, "-m", "qa", "search", "公租房怎么申请", "-k", "3", "--json"], cwd=ROOT,
                           env=env, capture_output=True, text=True, timeout=300)
    assert found.returncode == 0, found.stderr
    assert len(json.loads(found.stdout)["hits"]) == 3
    # A configured Milvus that cannot be reached is an error naming it: never a silent switch to FAISS.
    gone = {**env, "PLANQA_MILVUS_URI": f"http://127.0.0.1:{free_port()}"}
    failed = subprocess.run([sys.executable, "-m", "qa", "search", "公租房"], cwd=ROOT, env=gone,
                            capture_output=True, text=True, timeout=300)
    assert failed.returncode == 2 and "Traceback" not in failed.stderr
    assert gone["PLANQA_MILVUS_URI"] in failed.stderr and failed.stdout == ""
    wrong = subprocess.run([sys.executable, "-m", "index", "build"], cwd=ROOT, env={**env, "PLANQA_BACKEND": "elastic"},
                           capture_output=True, text=True, timeout=300)
    assert wrong.returncode == 2 and "unknown backend 'elastic'" in wrong.stderr


def test_two_workers_share_one_milvus_index_and_healthz_reports_it_gone(plan, milvus_server, tmp_path):
    import signal

    import httpx


    uri, server = milvus_server
    env = milvus_env(tmp_path, uri, "workers")
    port = free_ports(2)
    workers = subprocess.Popen([sys.executable, "-m", "ui", "--port", str(port), "--workers", "2"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "(2 workers)" in workers.stdout.readline(), workers.stderr.read()
        answers = []
        for worker in (port, port + 1):
            health = httpx.get(f"http://127.0.0.1:{worker}/healthz", timeout=30).json()
            assert (health["backend"], health["backend_reachable"], health["index"]["vector_store"]) == (
                "milvus", True, "milvus")
            answers.append(httpx.post(f"http://127.0.0.1:{worker}/api/v1/ask", timeout=60,
                                      json={"question": "到2025年常住人口城镇化率目标是多少"}).json()["answer"])
        assert answers == ["到2025年，常住人口城镇化率目标为78%左右[1]。"] * 2
        # The one Milvus both workers use goes away: each worker's health check says so (503), nothing crashes.
        server.terminate()
        server.wait(timeout=30)
        for worker in (port, port + 1):
            gone = httpx.get(f"http://127.0.0.1:{worker}/healthz", timeout=60)
            assert gone.status_code == 503 and gone.json()["backend_reachable"] is False
        workers.send_signal(signal.SIGTERM)
        assert workers.wait(timeout=60) == 0
    finally:
        if workers.poll() is None:
            workers.kill()
            workers.wait()
