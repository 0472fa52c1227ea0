"""The learned fusion model: what it was trained on, how it reorders the fused head, and when the fused list stands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa.retrieval.learned_fusion import HEAD, MODEL_FILE, feature_names, load_fusion_model

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def retriever():
    from qa.service import PlanQA

    return PlanQA.open().retriever


def test_the_shipped_model_names_its_rankers_features_and_provenance(retriever):
    model = load_fusion_model()
    assert model is not None and retriever.fusion_model is not None
    assert model.rankers == ("bm25", "dense", "bank", "bank_bm25") and model.head == HEAD == 10
    stored = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert tuple(stored["features"]) == feature_names(model.rankers) and len(model.weights) == 13
    # Trained and measured on development questions only, out of fold by question group.
    assert "out-of-fold R@1" in model.trained_on and "dev.jsonl" in model.trained_on
    assert "sealed" not in model.trained_on


@pytest.mark.parametrize(
    ("question", "learned", "fused"),
    [
        # A development question each (the model learned from them): where the fused list led with the wrong clause.
        ("俺们外地来青岛干活的 孩子能在这上学不", "qingdao-2021/3.3.3.p1", "qingdao-2021/3.1.1.p1"),
        ("青岛人才总量现在有多少人？", "qingdao-2021/1.1.1.4.p1", "qingdao-2021/1.2.2.1.p1"),
    ],
)
def test_the_model_reorders_the_fused_head(retriever, question, learned, fused):
    rrf = replace(retriever.config, learned=False)
    assert retriever.search(question, k=1)[0].clause_id == learned
    assert retriever.search(question, k=1, config=rrf)[0].clause_id == fused
    # Only the order of the head changes: the same clauses are found.
    top = {h.clause_id for h in retriever.search(question, k=HEAD)}
    assert top == {h.clause_id for h in retriever.search(question, k=HEAD, config=rrf)}


def test_scores_fall_along_the_whole_list(retriever):
    query = retriever.prepare("老了以后谁来照顾我们")
    ranking = retriever.rank(query, 30)
    scores = [score for _, score in ranking]
    assert len(ranking) == 30 and scores == sorted(scores, reverse=True)
    assert all(0.0 < s < 1.0 for s in scores[:HEAD])  # the head's scores are the model's probabilities


def test_the_fused_list_stands_when_the_rankers_differ_from_the_models(retriever):
    # hybrid-no-bank weighs two rankers: the model, trained over four, does not apply.
    without_bank = retriever.config.without("bank").without("bank_bm25")
    query = retriever.prepare("外地来打工的，孩子能在这读书吗")
    assert retriever.rank(query, 10, config=without_bank) == retriever.rank(
        query, 10, config=replace(without_bank, learned=False))


def test_a_missing_or_malformed_model_file_is_not_loaded(tmp_path):
    assert load_fusion_model(tmp_path / "none.json") is None
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert load_fusion_model(broken) is None
    short = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    short["weights"] = short["weights"][:-1]
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(short), encoding="utf-8")
    assert load_fusion_model(wrong) is None


def test_the_feature_rows_read_each_rankers_rank_and_score(retriever):
    query = retriever.prepare("青岛人才总量现在有多少人？")
    head, rows = retriever.fusion_rows(query, ("bm25", "dense", "bank", "bank_bm25"))
    names = feature_names(("bm25", "dense", "bank", "bank_bm25"))
    assert len(head) == HEAD and rows.shape == (HEAD, len(names))
    assert rows[0, names.index("fused_reciprocal_rank")] == 1.0 and rows[1, names.index("fused_reciprocal_rank")] == 0.5
    # Whatever the bm25 ranker put first reads reciprocal rank 1 and relative score 1.
    bm25_first = retriever.rankers["bm25"].top_k(query, 1, query.filters)[0][0]
    if bm25_first in [c for c, _ in head]:
        row = rows[[c for c, _ in head].index(bm25_first)]
        assert row[names.index("bm25_reciprocal_rank")] == 1.0 and row[names.index("bm25_relative_score")] == 1.0
    assert np.all((rows[:, names.index("coverage")] >= 0) & (rows[:, names.index("coverage")] <= 1))


def test_training_refuses_the_sealed_set():
    result = subprocess.run([sys.executable, "-m", "eval", "train-fusion", "--gold", "eval/gold/sealed_test2.jsonl"],
                            cwd=PROJECT, capture_output=True, text=True, env=dict(os.environ))
    assert result.returncode == 2 and "sealed test set is never used" in result.stderr
    assert "Traceback" not in result.stderr
