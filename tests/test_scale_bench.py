"""The scale benchmark's synthetic corpora, the size-dependent FAISS index, and `eval bench --scale` end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from eval.scale import CITIES, synthetic_artefacts
from index.vector_store import FaissStore
from qa.retrieval import Filters, Retriever
from qa.retrieval.rankers import DenseRanker

ROOT = Path(__file__).resolve().parent.parent


def test_synthetic_documents_are_perturbed_copies_of_the_real_plan(embedded_retriever):
    base = embedded_retriever._index
    artefacts, _ = synthetic_artefacts(base, 3)
    assert (len(artefacts.paragraphs), len(artefacts.sentences)) == (3 * 193, 3 * 733)
    first = artefacts.paragraphs[:193]
    assert [u.clause_id for u in first] == [u.clause_id for u in base.paragraphs]  # document 0 is the real plan
    copy = [u for u in artefacts.paragraphs if u.doc_id == "synthetic-0001"]
    assert len(copy) == 193 and not any("青岛" in u.text for u in copy) and any(CITIES[0] in u.text for u in copy)
    assert [u.clause_id.split("/", 1)[1] for u in copy] != [u.clause_id.split("/", 1)[1] for u in first]  # shuffled
    assert len({u.clause_id for u in artefacts.paragraphs}) == 3 * 193
    vectors = artefacts.vectors.matrix
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors[:733], base.vectors.matrix)
    unit = artefacts.sentences[733].paragraph
    assert artefacts.paragraphs[unit].doc_id == "synthetic-0001"
    for s in artefacts.sentences[733:800]:  # offsets still address the (renamed, same-length) clause text
        u = artefacts.paragraphs[s.paragraph]
        base_unit = base.paragraphs[[b.clause_id.split("/", 1)[1] for b in base.paragraphs].index(
            u.clause_id.split("/", 1)[1])]
        assert base_unit.text.replace("青岛", CITIES[0]) == u.text and u.start == base_unit.start


def test_large_stores_use_hnsw_and_find_the_exact_top_clauses(embedded_retriever):
    base = embedded_retriever._index
    artefacts, _ = synthetic_artefacts(base, 2)
    exact = FaissStore.build(artefacts.vectors.matrix, [s.id for s in artefacts.sentences])
    approximate = FaissStore.build(artefacts.vectors.matrix, [s.id for s in artefacts.sentences], flat_max=100)
    assert exact.exact and not approximate.exact
    assert not approximate.matrix.flags["OWNDATA"] and not exact.matrix.flags["OWNDATA"]  # views of FAISS's memory
    index = base.__class__(**{**base.__dict__, "paragraphs": artefacts.paragraphs, "sentences": artefacts.sentences,
                              "lexical": artefacts.lexical, "vectors": approximate})
    retriever = Retriever(index, embedded_retriever._embedder)
    dense = retriever.rankers["dense"]
    assert isinstance(dense, DenseRanker)
    found = []
    for question in ("外地人怎么落户", "地铁以后修到哪", "老小区改造有什么安排", "看病能不能异地结算"):
        query = retriever.prepare(question)
        top = dense.top_k(query, 10, query.filters)
        truth = retriever.catalog.top(dense.unit_scores(query.vector), 10, None)
        found.append(len({c for c, _ in top} & {c for c, _ in truth}) / 10)
        scoped = dense.top_k(query, 5, Filters(doc="synthetic-0001"))
        assert scoped and all(c.startswith("synthetic-0001/") for c, _ in scoped)
    assert np.mean(found) >= 0.9


def test_eval_bench_scale_writes_the_table_and_the_growth_curve(tmp_path):
    out = tmp_path / "report"
    result = subprocess.run([sys.executable, "-m", "eval", "bench", "--scale", "--sizes", "1,2", "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = json.loads((out / "scale.json").read_text(encoding="utf-8"))["rows"]
    assert [(r["backend"], r["documents"], r["clauses"], r["sentences"]) for r in rows] == [
        ("faiss", 1, 193, 733), ("faiss", 2, 386, 1466), ("milvus", 1, 193, 733), ("milvus", 2, 386, 1466)]
    assert all(r["search_p50_ms"] > 0 and r["memory_mb"] > 0 for r in rows)
    assert (out / "scale.png").stat().st_size > 10_000 and "| milvus | 2 |" in (out / "scale.md").read_text()
    bad = subprocess.run([sys.executable, "-m", "eval", "bench", "--scale", "--sizes", "ten"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and bad.stderr.strip() == "error: --sizes must be whole numbers separated by commas, not 'ten'"
