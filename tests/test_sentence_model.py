"""The learned choice of an answer's sentences, on the real plan and both backends."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from eval.train_reranker import TrainingQuestion
from eval.train_sentences import SentenceTrainingError, figures, fit, model_choice, question_rows
from qa.retrieval.sentence_model import FEATURES, load_sentence_model
from tests.conftest import on_both_backends


@pytest.fixture(scope="module", params=["faiss", "milvus"])
def retriever(request):
    """Every test here runs on the embedded backend and on Milvus Lite (started by the suite)."""
    return on_both_backends(request)


@pytest.fixture(scope="module")
def service():
    from qa.service import PlanQA

    return PlanQA.open()


def answer_candidates(retriever, question):
    """The question's query, ranking and the sentences of its first answer clauses, as the answer sees them."""
    config = retriever.tuning.sentences
    query = retriever.prepare(question)
    ranking = retriever.rank(query, 10)
    candidates = [c for c in retriever.candidates(query, ranking[: config.multipart_clauses])
                  if c.clause_rank < config.answer_clauses]
    return query, ranking, candidates


def test_the_shipped_sentence_model_is_trained_on_development_and_candidate_questions_only(retriever):
    model = retriever.sentence_model
    assert model is not None and model.features == FEATURES
    assert model.trained_on.startswith("3867 questions with evidence") and "sealed" not in model.trained_on
    assert "residents' candidates (wave6) (1466)" in model.trained_on and "held out of training" in model.trained_on
    config = retriever.tuning.sentences
    assert config.model is True and config.model_margin == 4.0


@pytest.mark.parametrize(
    ("question", "hand_set_lead", "learned_lead"),
    [
        # The same clause: the hand-set score led with the care beds, the sentence with a centre in every 街道 answers.
        ("俺们街道会建个给老人服务的地方不", "重点发展护理型养老床位", "每个镇（街道）至少建成1处"),
        ("大公司欠俺们小老板的钱不给 咋办", "鼓励龙头民营企业主导建立商协会", "健全清理和防止拖欠民营企业"),
        # Another clause among the top three: 老城区 had led with the old town's world-heritage bid.
        ("一下大雨老城区就淹 这毛病能治好吗", "推进老城区申报世界文化遗产", "海绵城市"),
    ],
)
def test_the_model_leads_with_the_sentence_that_answers(retriever, question, hand_set_lead, learned_lead):
    query, ranking, candidates = answer_candidates(retriever, question)
    hand_set = retriever.voted_sentences(query, candidates)
    learned = retriever.rank_sentences(query, candidates, ranking)
    assert hand_set_lead in hand_set[0].text
    assert learned is not None and learned_lead in learned[0].text
    # Every candidate is scored (by its log-odds), best first; the same sentences, none lost or added.
    assert sorted(c.start for c in learned) == sorted(c.start for c in candidates)
    assert [c.score for c in learned] == sorted((c.score for c in learned), reverse=True)


def test_the_answer_cites_the_learned_lead_first_and_supporting_sentences_within_the_margin(service):
    answer = service.ask("一下大雨老城区就淹 这毛病能治好吗")
    assert not answer.abstained and "海绵城市" in answer.citations[0].quote
    retriever = service.retriever
    query, ranking, candidates = answer_candidates(retriever, "一下大雨老城区就淹 这毛病能治好吗")
    learned = retriever.rank_sentences(query, candidates, ranking)
    margin = retriever.tuning.sentences.model_margin
    within = [c for c in learned[:3] if c.score >= learned[0].score - margin]
    assert [c.quote for c in answer.citations] == [c.text for c in within]


def test_the_features_say_where_a_sentence_stands(retriever):
    query, ranking, candidates = answer_candidates(retriever, "俺们街道会建个给老人服务的地方不")
    rows = retriever.sentence_inputs(query, candidates, ranking)
    assert rows.shape == (len(candidates), len(FEATURES))
    column = {name: rows[:, i] for i, name in enumerate(FEATURES)}
    best = int(np.argmax([c.dense for c in candidates]))
    assert column["dense_rank"][best] == 1.0 and column["dense_gap"][best] == 0.0 and (column["dense_gap"] <= 0).all()
    # The top clause's own share of the top score is 1; a clause's first sentence is marked as such.
    assert all(column["clause_share"][i] == 1.0 for i, c in enumerate(candidates) if c.clause_rank == 0)
    firsts = [i for i, c in enumerate(candidates) if retriever.unit(c.clause_id).start == c.start]
    assert firsts and all(column["first"][i] == 1.0 and column["position"][i] == 1.0 for i in firsts)
    # The votes are softmax shares of ten neighbours: together at most 1, and some go to these sentences.
    assert 0.0 < column["vote"].sum() <= 1.0 + 1e-9


def test_switched_off_or_without_a_model_the_hand_set_score_chooses(service):
    retriever = service.retriever
    question = "一下大雨老城区就淹 这毛病能治好吗"
    shipped = retriever.tuning
    try:
        retriever.tuning = replace(shipped, sentences=replace(shipped.sentences, model=False))
        query, ranking, candidates = answer_candidates(retriever, question)
        assert retriever.rank_sentences(query, candidates, ranking) is None
        answer = service.ask(question)
        assert answer.citations[0].quote.startswith("推进老城区申报世界文化遗产")
    finally:
        retriever.tuning = shipped
    assert "海绵城市" in service.ask(question).citations[0].quote


def test_training_reads_the_answer_candidates_and_writes_a_model_that_loads(service, tmp_path, caplog):
    retriever = service.retriever
    sample = [TrainingQuestion("everyday", "俺们街道会建个给老人服务的地方不", ["每个镇（街道）至少建成1处"]),
              TrainingQuestion("everyday", "一下大雨老城区就淹 这毛病能治好吗", ["系统化、全域推进海绵城市建设"]),
              TrainingQuestion("everyday", "大公司欠俺们小老板的钱不给 咋办", ["健全清理和防止拖欠民营企业"])]
    rows = question_rows(retriever, sample)
    assert all(r is not None and r.features.shape == (len(r.labels), len(FEATURES)) for r in rows)
    # Each question's evidence is one of its candidate sentences, and the hand-set choice did not lead with it.
    assert [int(r.labels.sum()) for r in rows] == [1, 1, 1]
    assert [int(r.labels[r.hand_set[0]]) for r in rows] == [0, 0, 0]
    model = fit(rows, "test")
    result = figures(model, rows, margin=0.0)
    # Fitted on these three, it leads with the evidence where the hand-set score led with none of them.
    assert (result.questions, result.lead_before, result.lead_after, result.citations_after) == (3, 0, 3, 1.0)
    wide = figures(model, rows, margin=50.0)  # every sentence within the margin: three cited per answer
    assert wide.citations_after == 3.0 and wide.cited_after == 3
    assert [len(model_choice(model, r, margin=0.0)) for r in rows] == [1, 1, 1]
    path = tmp_path / "sentences.json"
    path.write_text(json.dumps(model.to_dict()), encoding="utf-8")
    loaded = load_sentence_model(path)
    assert loaded is not None and np.allclose(loaded.weights, model.weights, atol=1e-6)
    # A model trained on other features is not used; nor is a file that is not a model (with a warning, not a crash).
    path.write_text(json.dumps(model.to_dict() | {"features": list(FEATURES[:-1])}), encoding="utf-8")
    assert load_sentence_model(path) is None
    for broken in ("{not json", json.dumps({"features": list(FEATURES)}),
                   json.dumps(model.to_dict() | {"weights": [1.0, 2.0]})):
        path.write_text(broken, encoding="utf-8")
        with caplog.at_level("WARNING"):
            assert load_sentence_model(path) is None
        assert "ignoring the model file" in caplog.text
        caplog.clear()


def test_a_ranking_the_reranker_did_not_reorder_is_left_to_the_hand_set_score(service):
    from eval.api import configuration

    retriever = service.retriever
    _, fused_only = configuration(service, "hybrid-no-rerank")
    query = retriever.prepare("一下大雨老城区就淹 这毛病能治好吗")
    ranking = retriever.rank(query, 10, config=fused_only)
    candidates = [c for c in retriever.candidates(query, ranking[:5]) if c.clause_rank < 3]
    assert not query.reranked and retriever.rank_sentences(query, candidates, ranking) is None
    reranked = retriever.rank(query, 10)
    assert query.reranked and retriever.rank_sentences(query, retriever.candidates(query, reranked[:3]), reranked)


def test_training_on_questions_whose_evidence_no_candidate_holds_stops_with_a_clear_error(service):
    nowhere = [TrainingQuestion("x", "今天天气怎么样", ["这句话不在规划里"])]
    with pytest.raises(SentenceTrainingError, match="nothing to learn"):
        fit([r for r in question_rows(service.retriever, nowhere) if r is not None])
