"""Clause retrieval on the real plan: exact top hits, filters, highlights, and bad queries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.records import QueryError
from tests.conftest import on_both_backends


@pytest.fixture(scope="module", params=["faiss", "milvus"])
def retriever(request):
    """Every test here runs on the embedded backend and on Milvus Lite (started by the suite)."""
    return on_both_backends(request)


PROJECT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("query", "clause"),
    [
        ("海绵城市", "qingdao-2021/6.1.3.p1"),
        ("居住证", "qingdao-2021/3.2.2.p1"),
        ("宅基地三权分置", "qingdao-2021/3.4.2.p1"),
        ("农贷通平台", "qingdao-2021/8.1.6.p1"),
        ("无废城市建设", "qingdao-2021/7.4.5.p1"),
        ("公共交通机动化出行分担率", "qingdao-2021/6.2.5.p1"),
    ],
)
def test_top_hit(retriever, query, clause):
    assert retriever.search(query, k=1)[0].clause_id == clause


def test_every_mode_returns_clause_level_hits_with_exact_offsets(retriever, plan):
    for mode in ("bm25", "dense", "hybrid"):
        hits = retriever.search("城乡居民人均可支配收入比", k=5, mode=mode)
        assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
        for hit in hits:
            assert plan.clean_text[hit.start : hit.end] == hit.text
            assert plan.clause(hit.clause_id).level == "paragraph"
            for start, end in hit.highlights:
                assert hit.start <= start < end <= hit.end


def test_highlight_is_the_sentence_that_answers(retriever, plan):
    hit = retriever.search("养老机构护理型床位占比", k=1)[0]
    highlighted = [plan.clean_text[s:e] for s, e in hit.highlights]
    assert any("全市养老机构护理型床位占比达到60%" in text for text in highlighted)


def test_chapter_and_doc_filters(retriever):
    hits = retriever.search("绿色", k=10, chapter=7)
    assert hits and all(h.clause_id.startswith("qingdao-2021/7.") for h in hits)
    assert all(h.doc_id == "qingdao-2021" for h in retriever.search("绿色", k=3, doc="qingdao-2021"))
    with pytest.raises(QueryError, match="unknown document"):
        retriever.search("绿色", doc="nowhere")


def test_topic_alone_lists_its_clauses_in_plan_order(retriever):
    hits = retriever.search("", k=50, topic="住房")
    starts = [h.start for h in hits]
    assert starts == sorted(starts) and len(hits) >= 5
    assert all("住房" in h.topics for h in hits)
    with pytest.raises(QueryError, match="unknown topic"):
        retriever.search("", topic="天气")


@pytest.mark.parametrize("query", ["", "   \n\t ", "城" * 501])
def test_empty_or_overlong_queries_are_refused(retriever, query):
    with pytest.raises(QueryError):
        retriever.search(query)


@pytest.mark.parametrize("query", ["海绵城市🌧️怎么建", "sponge city 海绵城市 建设"])
def test_emoji_and_mixed_scripts_are_just_text(retriever, query):
    assert retriever.search(query, k=1)[0].clause_id == "qingdao-2021/6.1.3.p1"


def test_markup_is_searched_as_the_words_it_contains(retriever):
    marked = [h.clause_id for h in retriever.search("<script>alert(1)</script>海绵城市", k=3)]
    assert marked == [h.clause_id for h in retriever.search("script alert 1 script 海绵城市", k=3)]
    # Session 24's reranker puts the Shandong-peninsula clause first for these words (the English ones cost the sponge
    # city clause its word coverage); it stays second (README).
    assert marked[:2] == ["qingdao-2021/4.1.2.p1", "qingdao-2021/6.1.3.p1"]


def run_qa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qa", *args], cwd=PROJECT, capture_output=True, text=True, env=dict(os.environ)
    )


def test_cli_json_and_batch(tmp_path, retriever):
    single = run_qa("search", "海绵城市", "-k", "2", "--json")
    row = json.loads(single.stdout.strip())
    assert row["id"] is None and [h["clause_id"] for h in row["hits"]][0] == "qingdao-2021/6.1.3.p1"
    assert set(row["hits"][0]) >= {"rank", "clause_id", "citation", "text", "score", "start", "end", "highlights"}
    batch = tmp_path / "in.jsonl"
    batch.write_text('{"id": "a", "question": "居住证"}\n{"id": "b", "question": "海绵城市"}\n', encoding="utf-8")
    out = run_qa("search", "--batch", str(batch), "-k", "3", "--json")
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"] and all(len(r["hits"]) == 3 for r in rows)


def test_cli_bad_input_is_one_clear_line(tmp_path):
    empty = run_qa("search", "  ")
    assert empty.returncode == 2 and "empty" in empty.stderr and "Traceback" not in empty.stderr
    long = run_qa("search", "城" * 600)
    assert long.returncode == 2 and "too long" in long.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "居住证"}\nnot json\n', encoding="utf-8")
    result = run_qa("search", "--batch", str(bad), "--json")
    assert result.returncode == 2 and "line 2" in result.stderr and result.stdout == ""
