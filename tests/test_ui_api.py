"""The web apps' APIs (the citizens' chat at /, the staff tools at /staff/), driven through gradio_client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

SPONGE = "第六章 第一节 三、推进海绵城市和综合管廊建设"


@pytest.fixture(scope="module")
def app(web):
    """The running server and its URL."""
    server, url, _ = web
    return server, url


@pytest.fixture(scope="module")
def client(web, tmp_path_factory):
    """A gradio_client Client for the citizens' chat."""
    c = Client(web[1], verbose=False, analytics_enabled=False, download_files=str(tmp_path_factory.mktemp("dl")))
    yield c
    c.close()


@pytest.fixture(scope="module")
def staff(web, tmp_path_factory):
    """A gradio_client Client for the staff app, logged in."""
    cookie = "; ".join(f"{k}={v}" for k, v in web[2].items())
    c = Client(f"{web[1]}staff/", verbose=False, analytics_enabled=False, headers={"Cookie": cookie},
               download_files=str(tmp_path_factory.mktemp("dl")))
    yield c
    c.close()


def test_ask_gives_cited_figure(client):
    result = client.predict("到2025年常住人口城镇化率目标是多少", api_name="/ask")
    assert not result["abstained"]
    assert "78%" in result["answer"]
    assert "[1]" in result["answer"]
    assert result["citations"], "an answer must carry citations"
    first = result["citations"][0]
    assert "78%" in first["quote"] and first["citation"].startswith("第")
    assert result["notice"] == ""
    # the rendered answer shows the marker and a numbered card with the quote highlighted
    assert 'class="pq-ref"' in result["html"] and 'class="pq-card"' in result["html"]
    assert f'<mark class="pq-quote">{first["quote"]}</mark>' in result["html"]


@pytest.mark.parametrize("attack", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"])
def test_ask_escapes_markup(client, attack):
    result = client.predict(attack, api_name="/ask")
    assert result["question"] == attack
    assert "&lt;" in result["question_html"] and "<" not in result["question_html"]
    assert "<script" not in result["html"] and "<img" not in result["html"]
    json.dumps(result)  # plain JSON for API clients


def test_refusal_shows_related_clauses(client):
    result = client.predict("青岛的出租车起步价是多少钱", api_name="/ask")
    assert result["abstained"] and result["kind"] == "refusal"
    assert result["related"], "a refusal lists the nearest clauses"
    assert "相关条款" in result["html"]


def test_overlong_question_gets_a_notice(client):
    result = client.predict("城镇化" * 200, api_name="/ask")
    assert result["notice"] and "500" in result["notice"]
    assert result["answer"] == "" and result["citations"] == []
    assert 'class="pq-notice"' in result["html"]
    # and the app still answers afterwards
    again = client.predict("老旧小区会怎么改造", api_name="/ask")
    assert again["citations"]


def test_empty_question_gets_a_notice(client):
    result = client.predict("   ", api_name="/ask")
    assert result["notice"]


def test_search_sponge_city(staff):
    table, csv_path, status = staff.predict("海绵城市", "all", "all", "all", 5, "hybrid", api_name="/search")
    rows = table["data"]
    assert rows and rows[0][1] == SPONGE
    assert "<mark>海绵城市</mark>" in rows[0][2]
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    text = Path(csv_path).read_text(encoding="utf-8-sig")
    assert SPONGE in text and "<mark>" not in text
    assert f"找到 {len(rows)} 条相关条款" in status and len(rows) == 5


def test_search_filters_by_chapter(staff):
    table, _, _ = staff.predict("建设", "qingdao-2021", "6", "all", 8, "bm25", api_name="/search")
    assert table["data"] and all(row[1].startswith("第六章") for row in table["data"])


def test_topic_without_query_lists_topic_in_plan_order(staff):
    table, _, status = staff.predict("", "all", "all", "住房", 50, "hybrid", api_name="/search")
    rows = table["data"]
    assert rows and "住房" in status
    starts = [int(r[4].split("/")[1].split(".")[0]) if r[4].split("/")[1][0].isdigit() else 0 for r in rows]
    assert starts == sorted(starts), "topic listing follows the plan's order"


def test_search_escapes_query(staff):
    table, _, status = staff.predict("<script>alert(1)</script>海绵城市", "all", "all", "all", 3, "hybrid",
                                      api_name="/search")
    assert "<script" not in status
    assert all("<script" not in row[2] for row in table["data"])


def test_indicators_for_2025(staff):
    table, status, csv_path = staff.predict("2025", "all", "all", api_name="/indicators")
    rows = table["data"]
    assert rows, status
    headers = table["headers"]
    year = headers.index("年份")
    assert all(str(row[year]) == "2025" for row in rows)
    assert any("城镇化率" in row[0] for row in rows)
    assert Path(csv_path).exists()


def _gold(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_evaluate_tiny_gold_file(staff, tmp_path):
    gold = _gold(tmp_path, [
        {"id": "t1", "question": "到2025年常住人口城镇化率目标是多少", "type": "numeric",
         "evidence": ["常住人口城镇化率达到78%左右"], "figure": "78%"},
        {"id": "t2", "question": "海绵城市要建到什么程度", "type": "topic",
         "evidence": ["城市建成区80%以上面积达到海绵城市建设要求"]},
        {"id": "t3", "question": "火星移民计划什么时候开始", "type": "out_of_plan", "evidence": []},
    ])
    status, retrieval, answers, by_type, by_group, follow, chart, files = staff.predict(
        handle_file(str(gold)), ["hybrid", "bm25"], True, "dev", api_name="/evaluate")
    assert "✅" in status and "3" in status
    assert "R@5" in retrieval["headers"]
    names = [row[0] for row in retrieval["data"]]
    assert names == ["hybrid", "bm25"]
    assert answers["data"], "answer metrics are reported"
    groups = {row[0]: row for row in by_group["data"]}
    assert set(groups) == {"numeric", "topic", "out_of_plan"} and by_group["headers"][:2] == ["group", "n"]
    assert follow["data"] == []  # follow-up conversations run with the shipped sets only
    assert chart and Path(chart).exists()
    assert sorted(Path(f).name for f in files) == ["report.json", "report.md", "report.png"]


def test_evaluate_reports_gold_errors_visibly(staff, tmp_path):
    gold = _gold(tmp_path, [{"id": "b1", "question": "问题", "type": "numeric", "evidence": ["这句话不在规划里"]}])
    status, *_ = staff.predict(handle_file(str(gold)), ["hybrid"], False, "dev", api_name="/evaluate")
    assert "❌" in status and "line 1" in status and "not found" in status


def test_every_shipped_gold_set_offered_by_the_evaluation_tab_exists_with_its_conversations():
    from ui.tabs_eval import FOLLOWUPS, SHIPPED, SHIPPED_LABELS

    assert [value for _, value in SHIPPED_LABELS] == list(SHIPPED) == ["dev", "dev-everyday", "dev-refusals", "dev-fresh", "sealed", "sealed2", "sealed3", "sealed4", "sealed5", "sealed6", "sealed7", "sealed8", "sealed9", "sealed10", "sealed11", "sealed12", "sealed13", "sealed14", "sealed15", "sealed16", "sealed17"]
    assert set(FOLLOWUPS) == set(SHIPPED)
    assert all(path.is_file() for path in [*SHIPPED.values(), *FOLLOWUPS.values()])
    assert SHIPPED["sealed3"].name == "sealed_test3.jsonl" and FOLLOWUPS["sealed3"].name == "followup_sealed3.jsonl"
    assert SHIPPED["sealed4"].name == "sealed_test4.jsonl" and FOLLOWUPS["sealed4"].name == "followup_sealed4.jsonl"
    assert SHIPPED["sealed5"].name == "sealed_test5.jsonl" and FOLLOWUPS["sealed5"].name == "followup_sealed5.jsonl"
    assert SHIPPED["sealed6"].name == "sealed_test6.jsonl" and FOLLOWUPS["sealed6"].name == "followup_sealed6.jsonl"
    assert SHIPPED["sealed7"].name == "sealed_test7.jsonl" and FOLLOWUPS["sealed7"].name == "followup_sealed7.jsonl"
    assert SHIPPED["sealed8"].name == "sealed_test8.jsonl" and FOLLOWUPS["sealed8"].name == "followup_sealed8.jsonl"
    assert SHIPPED["sealed9"].name == "sealed_test9.jsonl" and FOLLOWUPS["sealed9"].name == "followup_sealed9.jsonl"
    assert SHIPPED["sealed10"].name == "sealed_test10.jsonl" and FOLLOWUPS["sealed10"].name == "followup_sealed10.jsonl"
    assert SHIPPED["sealed11"].name == "sealed_test11.jsonl" and FOLLOWUPS["sealed11"].name == "followup_sealed11.jsonl"
    assert SHIPPED["sealed13"].name == "sealed_test13.jsonl" and FOLLOWUPS["sealed13"].name == "followup_sealed13.jsonl"
    assert SHIPPED["sealed14"].name == "sealed_test14.jsonl" and FOLLOWUPS["sealed14"].name == "followup_sealed14.jsonl"
    assert SHIPPED["sealed15"].name == "sealed_test15.jsonl" and FOLLOWUPS["sealed15"].name == "followup_sealed15.jsonl"
    assert SHIPPED["sealed16"].name == "sealed_test16.jsonl" and FOLLOWUPS["sealed16"].name == "followup_sealed16.jsonl"
    assert SHIPPED["sealed17"].name == "sealed_test17.jsonl" and FOLLOWUPS["sealed17"].name == "followup_sealed17.jsonl"
    assert SHIPPED["dev-refusals"].name == "dev_refusals.jsonl" and FOLLOWUPS["dev-refusals"].name == "followup_dev6.jsonl"
    assert SHIPPED["dev-fresh"].name == "dev_fresh.jsonl" and FOLLOWUPS["dev-fresh"].name == "followup_dev7.jsonl"


def test_evaluate_rejects_large_upload(staff, tmp_path):
    big = tmp_path / "big.jsonl"
    big.write_text("x" * 1_100_000, encoding="utf-8")
    status, *_ = staff.predict(handle_file(str(big)), ["hybrid"], False, "dev", api_name="/evaluate")
    assert "❌" in status and "1 MB" in status


def test_feedback_is_saved_and_exported(app, staff):
    server, _ = app
    store = server.planqa_context.feedback
    store.record("up", {"question": "问", "answer": "答[1]", "abstained": False, "kind": "text",
                        "citations": [{"n": 1, "citation": "第一章"}]})
    csv_path, stats = staff.predict(api_name="/feedback_csv")
    text = Path(csv_path).read_text(encoding="utf-8-sig")
    assert "答[1]" in text and "第一章" in text
    assert "👍 1" in stats


@pytest.mark.parametrize(("clause_id", "title"), [
    ("qingdao-2021/3", "推动非户籍常住人口全面融入城市"),
    ("qingdao-2021/3.2.1", "全面放宽城镇落户限制"),
    ("qingdao-2021/6.1.3.p1", "推进海绵城市和综合管廊建设"),
])
def test_outline_node_shows_any_clause(staff, clause_id, title):
    assert title in staff.predict(clause_id, api_name="/outline_node")


@pytest.mark.parametrize("clause_id", ["", "no/such", "../../etc/passwd", "<script>"])
def test_outline_node_hints_for_unknown_ids(staff, clause_id):
    html = staff.predict(clause_id, api_name="/outline_node")
    assert "pq-hint" in html and "<script" not in html


def test_review_queue_and_bank_add(app, staff, tmp_path, monkeypatch):
    server, _ = app
    monkeypatch.setenv("PLANQA_DATA", str(tmp_path))  # the staff bank file goes to a scratch data folder
    server.planqa_context.feedback.record("refused", {"question": "村里的老人谁来照顾", "answer": "规划中没有找到…",
                                                      "abstained": True, "kind": "refusal", "citations": []})
    queue = staff.predict(api_name="/review_queue")
    assert queue["data"][0][3] == "村里的老人谁来照顾" and queue["data"][0][2] == "未能回答"
    ok = staff.predict("村里的老人谁来照顾", "qingdao-2021/3.3.5.p1", "探索建立具有青岛特色的农村养老周转房和幸福院建设模式",
                       "in_scope", api_name="/bank_add")
    assert "✅" in ok and "staff-i00001" in ok
    assert "村里的老人谁来照顾" in (tmp_path / "banks/qingdao-2021/in_scope_staff.jsonl").read_text(encoding="utf-8")
    wrong = staff.predict("问", "qingdao-2021/3.3.5.p1", "这句话不在条款里", "in_scope", api_name="/bank_add")
    assert "❌" in wrong
    out = staff.predict("明天下雨吗", "", "", "realtime", api_name="/bank_add")
    assert "✅" in out


def test_ask_reads_a_follow_up_against_the_history(client):
    result = client.predict("那2035年呢", ["到2025年城镇化率目标是多少"], api_name="/ask")
    assert result["understood_as"] == "到2035年，常住人口城镇化率目标是多少？"
    assert '<div class="pq-understood">理解为：到2035年，常住人口城镇化率目标是多少？</div>' in result["html"]
    alone = client.predict("那2035年呢", api_name="/ask")  # no history: answered as typed, nothing "understood"
    assert alone["understood_as"] == "那2035年呢" and "pq-understood" not in alone["html"]
    junk = client.predict("那农村呢", {"not": "a list"}, api_name="/ask")  # a malformed history is ignored
    assert junk["understood_as"] == "那农村呢"


def test_download_folder_is_removed_when_the_process_exits():
    """A server's download folder lives as long as its process: a restart or a test run leaves none in /tmp."""
    import subprocess
    import sys

    from corpus.paths import PROJECT_ROOT

    made = subprocess.run([sys.executable, "-c", "from ui.common import download_folder\n"
                           "f = download_folder(); (f / 'x.csv').write_text('a'); print(f)"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=True)
    folder = Path(made.stdout.strip().splitlines()[-1])
    assert folder.name.startswith("planqa-ui-")
    assert not folder.exists()
