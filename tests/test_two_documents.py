"""Two plans of two cities through one index: search, ask and the goals table keep each city's own facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.store import build_document
from index.embedder import Embedder
from index.store import build_index, load_index

SECOND = Path(__file__).resolve().parent / "data" / "weifang-test-plan.txt"


@pytest.fixture(scope="module")
def two_documents(plan):
    second = build_document("weifang-test", "", SECOND.name, SECOND.read_text(encoding="utf-8"))
    return [plan, second]


@pytest.fixture(scope="module")
def service(two_documents, tmp_path_factory):
    from qa.retrieval import Retriever
    from qa.service import PlanQA

    folder = tmp_path_factory.mktemp("two-docs") / "index"
    report = build_index(two_documents, progress=False, folder=folder)
    assert report.rebuilt and report.paragraphs == 193 + 4
    retriever = Retriever(load_index(two_documents, folder=folder), Embedder())
    return PlanQA(retriever, {d.doc_id: d for d in two_documents})


def test_the_second_plan_profile_is_read_from_its_title(two_documents):
    profile = two_documents[1].profile
    assert profile.place == "潍坊市" and profile.period == (2021, 2035) and profile.status_year == 2020
    assert two_documents[1].title == "潍坊市新型城镇化规划（2021-2035年）"
    assert "黄岛" in two_documents[0].profile.place_names


def test_search_is_scoped_by_document(service):
    hits = service.search("随迁子女上学", k=3, doc="weifang-test")
    assert hits and all(h.doc_id == "weifang-test" for h in hits)
    assert hits[0].clause_id == "weifang-test/3.1.2.p1"
    assert all(h.doc_id == "qingdao-2021" for h in service.search("随迁子女上学", k=3, doc="qingdao-2021"))


def test_a_question_about_the_second_city_is_answered_not_refused_as_another_city(service):
    answer = service.ask("潍坊到2025年城镇化率目标是多少", doc="weifang-test")
    assert not answer.abstained
    assert answer.answer == "到2025年，常住人口城镇化率目标为70%左右[1]。"
    assert answer.citations[0].doc_id == "weifang-test"
    answer = service.ask("奎文区落户有什么条件", doc="weifang-test")
    assert not answer.abstained and answer.citations[0].clause_id == "weifang-test/3.1.1.p1"


def test_the_first_plan_still_answers_its_own_figures(service):
    answer = service.ask("到2025年常住人口城镇化率目标是多少", doc="qingdao-2021")
    assert answer.answer == "到2025年，常住人口城镇化率目标为78%左右[1]。"


def test_a_city_neither_plan_covers_is_refused(service):
    answer = service.ask("成都的地铁票价是多少")
    assert answer.abstained and "青岛市、潍坊市" in answer.answer


def test_goals_table_lists_each_documents_figures(service):
    second = service.indicators(doc="weifang-test")
    assert [(i.name, i.figure(), i.year, i.kind) for i in second] == [
        ("常住人口城镇化率", "64.5%", 2020, "status"),
        ("常住人口城镇化率", "70%左右", 2025, "target"),
        ("建成区绿化覆盖率", "42%以上", 2025, "target"),
    ]
    assert len(service.indicators(doc="qingdao-2021")) == 102


@pytest.fixture(scope="module")
def two_plan_web(service, tmp_path_factory):
    """The web apps over the two-plan service, with a signed-in staff client."""
    import httpx
    from gradio_client import Client

    from tests.conftest import STAFF_NAME, STAFF_PASSWORD
    from ui.app import start
    from ui.staff import SESSION_COOKIE, StaffAccounts

    folder = tmp_path_factory.mktemp("two-plan-web")
    StaffAccounts(folder / "staff.json").add(STAFF_NAME, STAFF_PASSWORD)
    server, url = start(service, feedback_path=folder / "feedback.sqlite3", accounts_path=folder / "staff.json")
    login = httpx.post(f"{url}staff/login", data={"username": STAFF_NAME, "password": STAFF_PASSWORD})
    cookie = f"{SESSION_COOKIE}={login.cookies[SESSION_COOKIE]}"
    public = Client(url, verbose=False, analytics_enabled=False)
    staff = Client(f"{url}staff/", verbose=False, analytics_enabled=False, headers={"Cookie": cookie})
    yield url, public, staff
    public.close()
    staff.close()
    server.close()


def test_the_chat_offers_a_plan_selector_and_names_each_citations_plan(two_plan_web):
    import httpx

    url, public, _ = two_plan_web
    config = httpx.get(f"{url}config").json()
    scope = next(c for c in config["components"] if c.get("props", {}).get("elem_id") == "pq-scope")
    assert scope["props"]["visible"] is True
    assert [choice[1] for choice in scope["props"]["choices"]] == ["", "qingdao-2021", "weifang-test"]
    result = public.predict("到2025年城镇化率目标是多少", [], "weifang-test", api_name="/ask")
    assert result["answer"] == "到2025年，常住人口城镇化率目标为70%左右[1]。"
    assert [c["doc_id"] for c in result["citations"]] == ["weifang-test"]
    assert "《潍坊市新型城镇化规划（2021-2035年）》" in result["html"]
    result = public.predict("到2025年常住人口城镇化率目标是多少", [], "qingdao-2021", api_name="/ask")
    assert result["answer"] == "到2025年，常住人口城镇化率目标为78%左右[1]。"
    assert "《青岛市新型城镇化规划（2021-2035年）》" in result["html"]
    refused = public.predict("到2025年城镇化率目标是多少", [], "no-such-plan", api_name="/ask")
    assert refused["notice"] == "没有找到所选的规划，请在“规划范围”中重新选择。" and refused["citations"] == []


def test_the_goals_tab_lists_indicators_by_plan_and_lines_up_shared_ones(two_plan_web, service):
    from ui.tabs_goals import aligned

    _, _, staff = two_plan_web
    table, status, _ = staff.predict("2025", "target", "all", "weifang-test", api_name="/indicators")
    plan = table["headers"].index("规划")
    assert table["data"] and {row[plan] for row in table["data"]} == {"潍坊市新型城镇化规划（2021-2035年）"}
    names = {d.doc_id: d.title for d in service.documents()}
    lined_up = aligned(service.indicators(), names)
    row = lined_up[(lined_up["指标"] == "常住人口城镇化率") & (lined_up["年份"] == 2025)]
    assert row[list(names.values())].values.tolist() == [["78%左右", "70%左右"]]


def test_figures_from_two_plans_in_one_answer_each_name_their_place(service):
    answer = service.ask("到2025年城镇化率目标是多少")
    assert answer.answer == ("潍坊市：到2025年，常住人口城镇化率目标为70%左右[1]；"
                             "青岛市：到2025年，常住人口城镇化率目标为78%左右[2]。")
    assert [c.doc_id for c in answer.citations] == ["weifang-test", "qingdao-2021"]
    # Within one plan nothing is added.
    assert service.ask("到2025年城镇化率目标是多少", doc="qingdao-2021").answer == "到2025年，常住人口城镇化率目标为78%左右[1]。"
