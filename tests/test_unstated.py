"""A question asking only how many, whose nearest plan sentences hold no figure, is told so plainly (on the real plan)."""

from __future__ import annotations

import pytest

from qa.compose import FIGURE_NOT_GIVEN
from qa.unstated import FIGURE_UNSTATED


@pytest.fixture(scope="module")
def service():
    from qa.service import PlanQA

    return PlanQA.open()


def test_a_how_many_question_the_sentences_give_no_figure_for_is_refused_with_those_sentences_quoted(service):
    answer = service.ask("卖地的钱有多少花在乡下")
    assert answer.abstained and answer.kind == "unstated"
    assert answer.answer.startswith(FIGURE_UNSTATED + "与此有关的条文是：")
    # the plan's nearest word on it is still quoted, verified against the text, and the nearest clauses are listed
    assert [c.quote for c in answer.citations] == ["调整土地出让收入使用范围，提高土地出让收入用于农业农村比例。"]
    assert answer.citations[0].quote in service.document("qingdao-2021").clean_text
    assert len(answer.related) == 3
    trained = service.ask("农民工培训 一年能培训多少人啊")
    assert trained.kind == "unstated" and trained.citations[0].quote.startswith("加大新生代农民工培训")


def test_a_how_many_question_answered_by_a_figure_or_asked_with_something_else_keeps_its_answer(service):
    roads = service.ask("农村的路一共要修多少公里")
    assert not roads.abstained and "7%以上" in roads.answer and FIGURE_NOT_GIVEN not in roads.answer
    # a yes-no question about a figure, and a how-many piece beside another question, are answered with the footnote
    for question in ("卖地的钱会拿一部分花在乡下吗 能有多少", "农民工能参加培训不 一年培训多少人"):
        answer = service.ask(question)
        assert not answer.abstained and answer.kind == "text", question
        assert answer.answer.endswith("\n\n" + FIGURE_NOT_GIVEN), question
    jobs = service.ask("咱这规划能让多少人找到工作吗")
    assert not jobs.abstained and jobs.kind == "text"
    # "好几百年" is a rough size said in passing, not a figure asked for
    villages = service.ask("青岛有好几百年的老村子 规划咋保护")
    assert not villages.abstained and "历史村镇" in villages.answer


def test_a_follow_up_turn_read_as_asking_only_how_many_is_told_so_too(service):
    answer = service.ask("那一年培训多少人", history=["农民工培训咋弄"])
    assert answer.understood_as != "那一年培训多少人"  # read against the earlier question
    assert answer.abstained and answer.kind == "unstated" and answer.answer.startswith(FIGURE_UNSTATED)
    assert answer.citations[0].quote.startswith("加大新生代农民工培训")
    # read beside an earlier question that asks something else, it keeps its answer and the footnote
    beside = service.ask("那一年培训多少人", history=["农民工欠薪的事咋管"])
    assert not beside.abstained and beside.answer.endswith("\n\n" + FIGURE_NOT_GIVEN)
    # the unstated answer still quotes the plan, so a turn after it continues from its sentences
    more = service.ask("具体呢", history=["卖地的钱有多少花在乡下"])
    assert not more.abstained and more.citations
