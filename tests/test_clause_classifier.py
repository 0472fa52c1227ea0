"""The clause classifier ranker: one document's model over question embeddings, on the real plan and both backends."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from qa.retrieval import Filters
from qa.retrieval.clause_classifier import ClauseClassifier, classifier_path, load_classifier, units_signature
from tests.conftest import PLAN_ID, on_both_backends


@pytest.fixture(scope="module", params=["faiss", "milvus"])
def retriever(request):
    """Every ranking test here runs on the embedded backend and on Milvus Lite (started by the suite)."""
    return on_both_backends(request)


@pytest.fixture(scope="module")
def shipped(embedded_retriever) -> ClauseClassifier:
    model = load_classifier(PLAN_ID, embedded_retriever.model_key, embedded_retriever.units(Filters(doc=PLAN_ID)))
    assert model is not None
    return model


def test_the_shipped_classifier_is_current_for_the_plan_and_trained_on_residents_questions_only(shipped, embedded_retriever):
    # One class per clause of the plan: every one of its 193 retrieval units has residents' questions.
    assert len(shipped.clause_ids) == 193 and set(shipped.clause_ids) == {u.clause_id for u in embedded_retriever.units()}
    assert shipped.weights.shape == (193, 384) and shipped.bias.shape == (193,)
    assert shipped.trained_on.startswith("8224 residents' questions of qingdao-2021")
    assert "candidates wave5, wave6" in shipped.trained_on and "sealed" not in shipped.trained_on
    # Its own check is the seventh wave, which nothing trains on.
    assert "seventh wave of residents' candidates (1464, never trained on): Recall@1 0.691, @5 0.919" in shipped.trained_on
    assert embedded_retriever.rankers["clause_clf"].active


@pytest.mark.parametrize(
    ("question", "clause"),
    [
        # Seventh-wave questions (never trained on) that the ranking without the classifier led with another clause:
        # 3.3.p1 on equal public services, 3.2.4.p1 on residence permits, 1.1.1.2.p1 on the economy's review. Fused
        # since session 23 (weight 3, scaled by the lexical gap), the ranking and the answer lead with the clause meant.
        ("同样干护工 外地的比本地拿的少 有人管这事不", "qingdao-2021/3.3.6.p1"),
        ("想把户口落黄岛 有门槛不", "qingdao-2021/3.2.1.p1"),
        ("造火车高铁那些设备 青岛还要攻技术难关不", "qingdao-2021/5.1.1.p1"),
    ],
)
def test_the_classifier_leads_residents_words_to_the_clause_they_mean(retriever, question, clause):
    query = retriever.prepare(question)
    assert retriever.rankers["clause_clf"].top_k(query, 1, Filters())[0][0] == clause
    assert retriever.config.weights["clause_clf"] == 3.0 and retriever.rank(query, 1)[0][0] == clause
    unfused = replace(retriever.config, weights={**retriever.config.weights, "clause_clf": 0.0})
    shipped, retriever.config = retriever.config, unfused
    try:
        assert retriever.rank(query, 1)[0][0] != clause
    finally:
        retriever.config = shipped


def test_fused_the_answer_cites_the_clause_a_resident_means():
    from qa.service import PlanQA

    answer = PlanQA.open().ask("想把户口落黄岛 有门槛不")
    assert answer.citations[0].clause_id == "qingdao-2021/3.2.1.p1" and "黄岛区、城阳区、即墨区全面取消落户限制" in answer.answer


def test_the_classifier_ranks_only_the_clauses_the_filters_allow(retriever):
    query = retriever.prepare("想把户口落黄岛 有门槛不")
    ranked = retriever.rankers["clause_clf"].top_k(query, 20, Filters(chapter=4))
    # Chapter 4 has 16 clauses: each has a probability, and nothing outside the chapter is ranked.
    assert len(ranked) == 16 and all(retriever.unit(c).chapter == 4 for c, _ in ranked)
    probabilities = [p for _, p in ranked]
    assert probabilities == sorted(probabilities, reverse=True) and 0.0 < probabilities[0] < 1.0


def test_the_stored_weights_read_back_as_written(shipped, tmp_path):
    again = ClauseClassifier.from_dict(json.loads(json.dumps(shipped.to_dict())))
    assert again.clause_ids == shipped.clause_ids and np.array_equal(again.weights, shipped.weights)
    broken = {**shipped.to_dict(), "dimensions": 383}
    with pytest.raises(ValueError, match="193 clauses of 383 dimensions"):
        ClauseClassifier.from_dict(broken)


def test_a_revised_text_another_model_or_a_broken_file_switches_the_classifier_off(shipped, embedded_retriever,
                                                                                  monkeypatch, tmp_path, caplog):
    units = embedded_retriever.units(Filters(doc=PLAN_ID))
    assert units_signature(units) == shipped.units_sha256
    revised = [replace(units[0], text=units[0].text + "（修订）"), *units[1:]]
    with caplog.at_level("WARNING"):
        assert load_classifier(PLAN_ID, shipped.model_key, revised) is None
    assert "trained for another text of qingdao-2021" in caplog.text
    assert load_classifier(PLAN_ID, "another-model", units) is None
    monkeypatch.setattr("qa.retrieval.clause_classifier.CLASSIFIER_DIR", tmp_path)
    assert load_classifier(PLAN_ID, shipped.model_key, units) is None  # none stored for it there
    classifier_path(PLAN_ID).write_text("{not json", encoding="utf-8")
    with caplog.at_level("WARNING"):
        assert load_classifier(PLAN_ID, shipped.model_key, units) is None
    assert "ignoring the clause classifier" in caplog.text


def test_training_ranks_a_candidate_question_with_a_classifier_that_never_saw_it(embedded_retriever):
    from eval.train_classifier import HeldOutClassifiers
    from eval.train_reranker import training_questions
    from qa.service import PlanQA

    service = PlanQA.open()
    fused = service.retriever.config
    # Not fused (this service's own settings): it changes no ranking, so nothing is fitted or swapped.
    service.retriever.config = replace(fused, weights={**fused.weights, "clause_clf": 0.0})
    held = HeldOutClassifiers(service)
    ranker = service.retriever.rankers["clause_clf"]
    shipped = ranker.models
    with held.serving("wave5"):
        assert all(now is before for now, before in zip(ranker.models, shipped, strict=True))
    assert held._fitted == {}
    # Fused as shipped, a candidate wave's question is ranked by a classifier that never saw it.
    service.retriever.config = fused
    assert fused.weights["clause_clf"] == 3.0
    assert {name: len(qs) for name, qs in held.sources.items() if name.startswith("wave")} == {"wave5": 1459, "wave6": 1466}
    # The reranker's (and the sentence model's) candidate questions say which classifier source they are in.
    learned = {q.learned_as for q in training_questions(service)}
    assert learned == {"", "wave5", "wave6"}
    # A stand-in for the classifier fitted without wave 5, leaning hard on one clause, shows which model ranks.
    leaning = np.zeros(len(shipped[0].clause_ids), dtype=np.float32)
    leaning[shipped[0].clause_ids.index("qingdao-2021/8.4.1.p1")] = 100.0
    held._fitted["wave5"] = [replace(shipped[0], bias=shipped[0].bias + leaning)]
    query = service.retriever.prepare("想把户口落黄岛 有门槛不")
    with held.serving("wave5"):
        assert ranker.top_k(query, 1, Filters())[0][0] == "qingdao-2021/8.4.1.p1"
    with held.serving(""):  # a development question: no classifier learned it, the shipped one ranks
        assert ranker.top_k(query, 1, Filters())[0][0] == "qingdao-2021/3.2.1.p1"
    assert all(now is before for now, before in zip(ranker.models, shipped, strict=True))

