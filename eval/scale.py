"""Scale benchmark on synthetic corpora: N documents made from the shipped plan's real text, tokens and vectors.

Real embeddings for a thousand plans would take hours on two cores, so document 0 is the real plan and documents
1..N-1 are perturbed copies of it: clauses in shuffled order, 青岛 renamed to another city (same length, so offsets
stay valid), sentence vectors with Gaussian noise (renormalised), BM25 tokens re-weighted (some doubled, some dropped).
Every figure from these corpora is labelled synthetic. Each size is built in one process and served in a fresh one,
so memory is what a serving process holds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from corpus.paths import PROJECT_ROOT
from eval.metrics import percentile
from eval.report import markdown_table

CITIES = ("潍坊", "烟台", "威海", "日照", "临沂", "淄博", "济宁", "泰安", "德州", "聊城", "滨州", "菏泽", "枣庄", "东营",
          "济南", "大连", "天津", "宁波", "厦门", "深圳", "苏州", "无锡", "常州", "南通", "扬州", "徐州", "温州", "嘉兴")
PLACE = "青岛"
VECTOR_NOISE = 0.03
TOKEN_DOUBLE, TOKEN_DROP = 0.10, 0.05
SCALE_JSON = "scale.json"


@dataclass
class ScaleRow:
    """One backend at one corpus size."""

    backend: str
    documents: int
    clauses: int
    sentences: int
    dense_index: str  # flat, hnsw or milvus-flat
    build_s: float
    load_s: float
    memory_mb: float  # resident memory of the serving process (and its Milvus Lite child) after the queries
    search_p50_ms: float  # retrieval of the 5 best clauses, hybrid, query vector already computed
    search_p95_ms: float
    doc_p50_ms: float  # the same, filtered to one document
    doc_p95_ms: float
    encode_p50_ms: float  # query encoding, the same at every size
    dense_recall_at_10: float | None  # HNSW clause top-10 against the exact scan (None when the scan is exact)


def synthetic_artefacts(base, n: int, seed: int = 7):
    """Artefacts of n documents: the real plan, then n-1 perturbed copies (see the module docstring)."""
    from index.lexical import LexicalIndex
    from index.store import Artefacts
    from index.units import SentenceUnit
    from index.vector_store import FaissStore

    rng = np.random.default_rng(seed)
    base_units, base_sentences = base.paragraphs, base.sentences
    base_vectors = base.vectors.matrix
    base_tokens = [base.tokenizer.tokens(p.context_text()) for p in base_units]
    by_unit: list[list[int]] = [[] for _ in base_units]
    for i, s in enumerate(base_sentences):
        by_unit[s.paragraph].append(i)
    units, sentences, token_lists, vector_rows = [], [], [], []
    for d in range(n):
        order = np.arange(len(base_units)) if d == 0 else rng.permutation(len(base_units))
        doc_id = base_units[0].doc_id if d == 0 else f"synthetic-{d:04d}"
        city = CITIES[(d - 1) % len(CITIES)]
        for u in order:
            unit = base_units[int(u)]
            if d:
                suffix = unit.clause_id.split("/", 1)[1]
                unit = replace(unit, clause_id=f"{doc_id}/{suffix}", doc_id=doc_id, text=unit.text.replace(PLACE, city),
                               path=[p.replace(PLACE, city) for p in unit.path])
            position = len(units)
            units.append(unit)
            tokens = base_tokens[int(u)]
            if d:
                tokens = [city if t == PLACE else t for t in tokens]
                draw = rng.random(len(tokens))
                tokens = [t for t, r in zip(tokens, draw, strict=True) if r >= TOKEN_DROP] + \
                    [t for t, r in zip(tokens, draw, strict=True) if r >= 1 - TOKEN_DOUBLE]
            token_lists.append(tokens)
            for i in by_unit[int(u)]:
                s = base_sentences[i]
                sid = s.id if d == 0 else f"{unit.clause_id}#{s.id.rsplit('#', 1)[1]}"
                sentences.append(SentenceUnit(sid, position, s.text.replace(PLACE, city) if d else s.text, s.start, s.end))
                vector_rows.append(i)
    vectors = base_vectors[np.array(vector_rows)]
    noisy = np.arange(len(vector_rows)) >= len(base_sentences)
    vectors[noisy] += rng.normal(0, VECTOR_NOISE, size=(int(noisy.sum()), vectors.shape[1])).astype(np.float32)
    vectors[noisy] /= np.linalg.norm(vectors[noisy], axis=1, keepdims=True)  # document 0 keeps its exact vectors
    started = time.perf_counter()
    lexical = LexicalIndex.build(token_lists)
    store = FaissStore.build(vectors, [s.id for s in sentences])
    seconds = time.perf_counter() - started
    return Artefacts(units, sentences, base.tokenizer, lexical, store, base.bank, base.bank_vectors, 0), seconds


def build_synthetic(n: int, backend: str, folder: Path, milvus_uri: str | None) -> dict[str, Any]:
    """Build and persist an n-document synthetic index (in Milvus too when asked); return timings."""
    from index.backends import MilvusSettings
    from index.store import INDEX_FORMAT, builder_version, load_index, persist, sync_milvus

    base = load_index()
    artefacts, in_memory = synthetic_artefacts(base, n)
    started = time.perf_counter()
    manifest = {key: base.manifest[key] for key in ("model", "model_key", "dimensions", "query_prefix",
                                                      "passage_prefix", "bank", "bank_counts")}
    manifest.update({"format": INDEX_FORMAT, "builder": builder_version(), "corpus": f"synthetic-{n}",
                     "documents": list(dict.fromkeys(u.doc_id for u in artefacts.paragraphs)), "vector_store": backend,
                     "counts": {"paragraphs": len(artefacts.paragraphs), "sentences": len(artefacts.sentences)},
                     "synthetic": True})
    if backend == "milvus":
        settings = MilvusSettings(milvus_uri or str(folder.parent / "milvus.db"))
        sync_milvus(artefacts, settings, base.manifest["model_key"])
        manifest["milvus"] = settings.to_dict()
    persist(artefacts, folder, manifest)
    return {"build_s": round(in_memory + time.perf_counter() - started, 1), "clauses": len(artefacts.paragraphs),
            "sentences": len(artefacts.sentences),
            "dense_index": "milvus-flat" if backend == "milvus" else ("flat" if artefacts.vectors.exact else "hnsw")}


def serve_synthetic(folder: Path, questions: list[str]) -> dict[str, Any]:
    """Load a synthetic index in this (fresh) process and time hybrid retrieval, unfiltered and for one document."""
    from index.embedder import Embedder
    from index.store import load_index
    from qa.retrieval import Retriever
    from qa.retrieval.rankers import DenseRanker

    started = time.perf_counter()
    index = load_index(folder=folder)
    load_s = time.perf_counter() - started
    retriever = Retriever(index, Embedder())
    encode_ms = []
    for question in questions:  # warm: every query vector computed (and memoised) once
        t0 = time.perf_counter()
        retriever.prepare(question)
        encode_ms.append((time.perf_counter() - t0) * 1000)
    one_doc = index.paragraphs[-1].doc_id
    unfiltered, filtered = [], []
    for question in questions:
        t0 = time.perf_counter()
        retriever.search(question, k=5)
        t1 = time.perf_counter()
        retriever.search(question, k=5, doc=one_doc)
        filtered.append((time.perf_counter() - t1) * 1000)
        unfiltered.append((t1 - t0) * 1000)
    recall = None
    dense = retriever.rankers["dense"]
    if isinstance(dense, DenseRanker) and not getattr(index.vectors, "exact", True):
        found = []
        for question in questions:
            query = retriever.prepare(question)
            approximate = {c for c, _ in dense.top_k(query, 10, query.filters)}
            exact = {c for c, _ in retriever.catalog.top(dense.unit_scores(query.vector), 10, None)}
            found.append(len(approximate & exact) / len(exact))
        recall = round(float(np.mean(found)), 4)
    return {"load_s": round(load_s, 1), "memory_mb": round(_tree_rss_mb(os.getpid()), 0),
            "search_p50_ms": round(percentile(unfiltered, 0.5), 1), "search_p95_ms": round(percentile(unfiltered, 0.95), 1),
            "doc_p50_ms": round(percentile(filtered, 0.5), 1), "doc_p95_ms": round(percentile(filtered, 0.95), 1),
            "encode_p50_ms": round(percentile(encode_ms, 0.5), 1), "dense_recall_at_10": recall}


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants (Milvus Lite may run as a child), in MB."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")) / 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, StopIteration, ValueError):
            continue
    return total


def run_scale(sizes: list[int], backends: list[str], questions: list[str], progress) -> list[ScaleRow]:
    """Build and serve every (backend, size) in its own processes; return the table rows."""
    rows = []
    for backend in backends:
        for n in sizes:
            with tempfile.TemporaryDirectory(prefix=f"planqa-scale-{backend}-{n}-") as scratch:
                folder = Path(scratch) / "index"
                progress(f"{backend}, {n} documents: building")
                built = _child(["build", str(n), backend, str(folder)])
                progress(f"{backend}, {n} documents: serving {len(questions)} questions")
                questions_file = Path(scratch) / "questions.json"
                questions_file.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
                served = _child(["serve", str(folder), str(questions_file)])
                rows.append(ScaleRow(backend=backend, documents=n, **built, **served))
                progress(f"  {rows[-1]}")
    return rows


def _child(args: list[str]) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-m", "eval.scale", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    if result.returncode != 0:
        raise RuntimeError(f"scale step {' '.join(args[:2])} failed: {result.stderr.strip()[-800:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def scale_markdown(rows: list[ScaleRow]) -> str:
    """The scale table (synthetic corpora) as Markdown."""
    table = markdown_table([{
        "backend": r.backend, "documents": str(r.documents), "clauses": f"{r.clauses:,}", "sentences": f"{r.sentences:,}",
        "dense index": r.dense_index, "build s": str(r.build_s), "load s": str(r.load_s), "memory MB": f"{r.memory_mb:,.0f}",
        "search p50 / p95 ms": f"{r.search_p50_ms} / {r.search_p95_ms}",
        "one document p50 / p95 ms": f"{r.doc_p50_ms} / {r.doc_p95_ms}",
        "HNSW recall@10": f"{r.dense_recall_at_10:.3f}" if r.dense_recall_at_10 is not None else "exact",
    } for r in rows], "backend")
    encode = sorted(r.encode_p50_ms for r in rows)
    if encode:
        table += (f"\n\nSynthetic corpora (document 0 is the real plan; the rest are perturbed copies). Retrieval times "
                  f"exclude query encoding (p50 {encode[len(encode) // 2]} ms, the same at every size).")
    return table


def plot_growth(rows: list[ScaleRow], path: Path) -> Path:
    """The growth curve: search p50 (unfiltered and one document) and memory against sentences, per backend."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, (speed, memory) = plt.subplots(1, 2, figsize=(11, 4.2))
    for backend in dict.fromkeys(r.backend for r in rows):
        mine = [r for r in rows if r.backend == backend]
        x = [r.sentences for r in mine]
        speed.plot(x, [r.search_p50_ms for r in mine], marker="o", label=f"{backend}: all documents")
        speed.plot(x, [r.doc_p50_ms for r in mine], marker="s", linestyle="--", label=f"{backend}: one document")
        memory.plot(x, [r.memory_mb for r in mine], marker="o", label=backend)
    for axis, title, unit in ((speed, "hybrid search p50 (synthetic corpora)", "ms"),
                              (memory, "serving process memory", "MB")):
        axis.set_xscale("log")
        axis.set_xlabel("sentences indexed")
        axis.set_ylabel(unit)
        axis.set_title(title)
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def rows_to_json(rows: list[ScaleRow]) -> list[dict[str, Any]]:
    """JSON-ready rows."""
    return [asdict(r) for r in rows]


def main(argv: list[str]) -> int:
    """Child process entry: `build N BACKEND FOLDER` or `serve FOLDER QUESTIONS_JSON`; prints one JSON line."""
    if argv[0] == "build":
        result = build_synthetic(int(argv[1]), argv[2], Path(argv[3]), os.environ.get("PLANQA_SCALE_MILVUS_URI"))
    else:
        result = serve_synthetic(Path(argv[1]), json.loads(Path(argv[2]).read_text(encoding="utf-8")))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
