"""The learned reranker of the fused top clauses, on the real plan and both backends."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from eval.api import configuration
from eval.train_reranker import DEPTH, TrainingQuestion, fit, question_rows, recall_at_1, training_questions
from qa.retrieval.rerank import FEATURES, load_reranker
from tests.conftest import on_both_backends


@pytest.fixture(scope="module", params=["faiss", "milvus"])
def retriever(request):
    """Every test here runs on the embedded backend and on Milvus Lite (started by the suite)."""
    return on_both_backends(request)


@pytest.fixture(scope="module")
def service():
    from qa.service import PlanQA

    return PlanQA.open()


def test_the_shipped_reranker_is_trained_on_development_and_candidate_questions_only(retriever):
    model = retriever.reranker
    assert model is not None and model.features == FEATURES and model.depth == DEPTH
    assert "3867 questions with evidence" in model.trained_on and "sealed" not in model.trained_on
    assert "residents' candidates (wave6) (1466)" in model.trained_on
    # Its provenance says what each development group gained with that group held out of training.
    assert "held out of training" in model.trained_on and "everyday (140)" in model.trained_on


@pytest.mark.parametrize(
    ("question", "fused_first", "reranked_first"),
    [
        # The plan's review states it (7条城市轨道交通线路投入运行) and the item on 莱西 says 支持莱西融入国家高铁网;
        # fusion puts the clause on the rail lines still to build first, and the reranker lifts the clause that answers.
        ("地铁开了几条了", "qingdao-2021/6.2.1.p1", "qingdao-2021/1.1.1.3.p1"),
        ("莱西能通高铁不", "qingdao-2021/6.2.1.p1", "qingdao-2021/4.3.1.p1"),
    ],
)
def test_reranking_leads_with_the_clause_that_states_what_was_asked(retriever, question, fused_first, reranked_first):
    query = retriever.prepare(question)
    fused = retriever.rank(query, 20, config=replace(retriever.config, rerank=False))
    reranked = retriever.rank(query, 20)
    assert fused[0][0] == fused_first and reranked[0][0] == reranked_first
    # Only the fused top ten are reordered, each scored by the model's probability, best first; the rest keep the
    # fused order below them.
    assert {c for c, _ in reranked[:DEPTH]} == {c for c, _ in fused[:DEPTH]}
    assert [c for c, _ in reranked[DEPTH:]] == [c for c, _ in fused[DEPTH:]]
    scores = [s for _, s in reranked]
    assert scores == sorted(scores, reverse=True) and 0.0 < scores[0] < 1.0
    assert retriever.search(question, k=1)[0].clause_id == reranked_first
    # Trained on the clause classifier's rank and share (session 24), it stays silent when the classifier is not fused:
    # those would be features it never saw.
    without_classifier = replace(retriever.config, weights={**retriever.config.weights, "clause_clf": 0.0})
    assert retriever.rank(query, 10, config=without_classifier) == \
        retriever.rank(query, 10, config=replace(without_classifier, rerank=False))


def test_the_ranking_does_not_depend_on_how_many_clauses_are_asked_for(retriever):
    # The reranked head is always fused from the tuned depth of each ranker's list: asking for 150 clauses once led
    # with another clause than asking for 3 or 10.
    firsts = {k: retriever.search("学径网络是什么意思", k=k) for k in (3, 10, 150)}
    assert len({hits[0].clause_id for hits in firsts.values()}) == 1
    assert [h.clause_id for h in firsts[150][:10]] == [h.clause_id for h in firsts[10]]
    scores = [h.score for h in firsts[150]]
    assert len(scores) == 150 and scores == sorted(scores, reverse=True)


def test_the_ablation_without_the_reranker_is_fusion_alone(service):
    mode, config = configuration(service, "hybrid-no-rerank")
    assert mode == "hybrid" and config.rerank is False
    query = service.retriever.prepare("一千个人里有几个大夫")
    without_classifier = replace(config, weights={**config.weights, "clause_clf": 0.0})
    # Fusion alone: with the other four rankers only, the clause on doctors' pay first; the reranker is not consulted.
    assert service.retriever.search("一千个人里有几个大夫", k=1, config=without_classifier)[0].clause_id == \
        "qingdao-2021/1.1.2.4.p1"
    assert service.retriever.search("一千个人里有几个大夫", k=1, config=config)[0].clause_id == \
        service.retriever.rank(query, 1, config=replace(service.retriever.config, rerank=False))[0][0]
    # Without a bank ranker to read there is nothing the model was trained on: fusion alone ranks.
    _, no_bank = configuration(service, "hybrid-no-bank")
    assert service.retriever.rank(query, 10, config=no_bank) == service.retriever.rank(
        query, 10, config=replace(no_bank, rerank=False))


def test_training_reads_the_fused_clauses_and_writes_a_model_that_loads(service, tmp_path):
    questions = training_questions(service)
    groups = {q.group for q in questions}
    waves = {"residents' candidates (wave5)", "residents' candidates (wave6)"}
    assert groups == {"dev and its rewordings", "everyday", "judgement", "follow-up first turns", *waves}
    assert sum(q.group == "everyday" for q in questions) == 140
    # The fifth and sixth waves of residents' questions, kept as candidates (neither bank questions nor voters), each
    # wave's writers a group held out together.
    assert [sum(q.group == wave for q in questions) for wave in sorted(waves)] == [1459, 1466]
    candidates = [q for q in questions if q.group in waves]
    assert all(len(q.evidence) == 1 for q in candidates)
    assert not {q.question for q in candidates} & {q.question for q in service.retriever.bank.voters}
    sample = [q for q in questions if q.group == "everyday"][:40]
    rows = question_rows(service, sample, DEPTH)
    assert all(f.shape == (DEPTH, len(FEATURES)) and len(labels) == DEPTH for f, labels in rows)
    # The features of the first fused clause: its own share of the top fused score is 1, its fused rank 1.
    first = rows[0][0][0]
    assert first[FEATURES.index("fused_share")] == 1.0 and first[FEATURES.index("fused_rank")] == 1.0
    model = fit(rows, DEPTH, "test")
    assert recall_at_1(model, rows) >= recall_at_1(None, rows)  # in-sample: it cannot do worse than fusion here
    path = tmp_path / "rerank.json"
    path.write_text(json.dumps(model.to_dict()), encoding="utf-8")
    loaded = load_reranker(path)
    assert loaded is not None and np.allclose(loaded.weights, model.weights, atol=1e-6)
    # A model trained on other features is not used.
    stale = model.to_dict() | {"features": list(FEATURES[:-1])}
    path.write_text(json.dumps(stale), encoding="utf-8")
    assert load_reranker(path) is None


def test_training_on_questions_without_any_evidence_clause_stops_with_a_clear_error(service):
    from eval.train_reranker import RerankTrainingError

    nowhere = [TrainingQuestion("x", "今天天气怎么样", ["这句话不在规划里"])]
    with pytest.raises(RerankTrainingError, match="nothing to learn"):
        fit(question_rows(service, nowhere, DEPTH), DEPTH)
