"""The judgement check: forecasts, comparisons and opinions about the plan's topics, whose lead sentence does not answer."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qa.judgement import FIGURE_MESSAGE, JUDGEMENT_FILE, MESSAGE, JudgementCheck, load_judgement_wording
from qa.tuning import JudgementConfig


@pytest.fixture(scope="module")
def service():
    from qa.service import PlanQA

    return PlanQA.open()


def _judgement_deciders(service) -> list:
    return [d for d in service.answerer.decide.deciders if isinstance(d, JudgementCheck)]


def test_the_shipped_model_knows_forecasts_and_its_operating_point_has_provenance(service):
    model = load_judgement_wording()
    assert model is not None
    assert "(opinion, comparison, price_market, personal_calc, prediction)" in model.trained_on
    assert "against 8224 in-scope questions" in model.trained_on
    config = service.retriever.tuning.judgement
    assert (config.wording_min, config.check_max, config.band) == (0.8, -0.5, 0.5)
    assert "dev_fresh" in config.chosen_on and "sealed" in config.chosen_on
    assert len(_judgement_deciders(service)) == 1


@pytest.mark.parametrize("question", ["新能源车往后会不会更便宜", "平度和莱西 哪个发展快", "合村并居 你说到底好不好"])
def test_a_judgement_about_a_plan_topic_is_refused_with_the_nearest_clauses(service, question):
    state = service.answerer.run(question)
    assert state.answer.abstained and state.decision.reason.startswith("judgement wording")
    assert state.answer.answer.startswith(MESSAGE)
    assert state.answer.related  # the nearest clauses are still shown
    assert state.answer_check is not None and state.answer_check < -0.5
    # The answerability model alone would answer it: this check is what refuses.
    answerer = service.answerer
    try:
        answerer.use_answerability(answerer.model, judgement=JudgementConfig())
        assert not answerer.ask(question).abstained
    finally:
        answerer.use_answerability(answerer.model)


@pytest.mark.parametrize("question", ["乡村特级教师 一个月多发多少", "田园综合体评上了 奖补多少钱"])
def test_a_personal_amount_is_refused_saying_the_figure_is_not_given(service, question):
    state = service.answerer.run(question)
    assert state.answer.abstained and state.decision.reason.startswith("judgement wording")
    assert state.answer.answer.startswith(FIGURE_MESSAGE) and state.answer.related


def test_a_count_or_size_the_plan_does_not_give_is_not_called_a_personal_amount(service):
    # Refused by the judgement check until session 27 (NUMBER_MESSAGE, not FIGURE_MESSAGE's "不替个人测算"); now the
    # figure table says which goal is missing, with the figures the plan gives.
    state = service.answerer.run("青岛以后人口多少")
    assert state.answer.abstained and state.decision.reason == "figure table"
    assert state.answer.answer.startswith("规划没有给出常住总人口的目标，只给出了2020年的数字：2020年，常住总人口为1007.17万人")
    assert "个人" not in state.answer.answer


@pytest.mark.parametrize(("question", "evidence"), [
    ("到2035年环境能搞多好", "到2035年，城镇化高质量发展迈上新的大台阶"),  # put as a judgement (p > 0.8), answered
    ("以后地铁能连成网不", "实现轨道交通主城区基本成网"),
    ("到2025年城镇化率能到多少", "78%"),
    # read as a judgement (0.87) with a lead sentence the check doubts (-0.86), but the model is sure (0.94): answered
    ("进城落户了 宅基地会不会被收回去", "宅基地使用权"),
])
def test_in_plan_questions_put_as_forecasts_are_answered(service, question, evidence):
    answer = service.ask(question)
    assert not answer.abstained
    assert any(evidence in c.quote for c in answer.citations)


def test_the_check_is_off_at_wording_min_1_or_without_its_model(service, tmp_path):
    assert load_judgement_wording(tmp_path / "missing.json") is None
    answerer = service.answerer
    model = answerer.judgement_wording
    try:
        answerer.use_answerability(answerer.model, judgement=JudgementConfig(wording_min=1.0, check_max=-0.5))
        assert _judgement_deciders(service) == []
        answerer.judgement_wording = None  # no qa/judgement_wording.json
        answerer.use_answerability(answerer.model)
        assert _judgement_deciders(service) == []
    finally:
        answerer.judgement_wording = model
        answerer.use_answerability(answerer.model)
    assert len(_judgement_deciders(service)) == 1


def test_training_reproduces_the_shipped_model(service, tmp_path):
    from eval.train_judgement import train_judgement

    report = train_judgement(service, tmp_path / "judgement_wording.json")
    assert (report.judgements, report.in_scope) == (492, 8224)
    assert 0.9 < report.out_of_fold_auc < 1.0
    trained = json.loads(report.path.read_text(encoding="utf-8"))
    shipped = json.loads(JUDGEMENT_FILE.read_text(encoding="utf-8"))
    assert trained["vocabulary"] == shipped["vocabulary"]
    assert np.allclose(trained["weights"], shipped["weights"], atol=1e-4)
