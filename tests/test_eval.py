"""The evaluation harness: metric arithmetic on hand-made rankings, gold validation, and the run command."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from eval.followup import KINDS, load_conversations
from eval.gold import (
    DEV_EVERYDAY,
    DEV_FRESH,
    DEV_JUDGEMENT,
    DEV_REFUSALS,
    DEV_SET,
    GOLD_DIR,
    GoldError,
    load_gold,
    squash,
)
from eval.metrics import contains_figure, mrr_at, ndcg_at, recall_at, relevant_flags
from eval.runner import evaluate_retrieval
from qa.records import Hit

PROJECT = Path(__file__).resolve().parent.parent


def test_metrics_on_hand_made_flags():
    flags = [set(), {0}, set(), {1}, set()]
    assert recall_at(flags, 2, 1) == 0.0
    assert recall_at(flags, 2, 3) == 0.5
    assert recall_at(flags, 2, 5) == 1.0
    assert mrr_at(flags, 10) == 0.5
    assert mrr_at([set()] * 3, 10) == 0.0
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at(flags, 2, 10) == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / ideal)
    assert ndcg_at([{0, 1}], 2, 10) == pytest.approx(1 / ideal)


def test_evidence_matching_ignores_whitespace_and_figures_their_width():
    assert relevant_flags(["常住人口城镇化率达到 78% 左右"], ["城镇化率达到78%左右", "不存在"]) == [{0}]
    assert contains_figure("目标为78％左右", "78%")
    assert not contains_figure("目标为7.8%", "78%")


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


TINY = [
    '{"id": "t1", "question": "海绵城市", "type": "topic", "evidence": ["城市建成区80%以上面积达到海绵城市建设要求"]}',
    '{"id": "t2", "question": "居住证", "type": "topic", "evidence": ["拓展居住证功能"]}',
    '{"id": "t3", "question": "两件事", "type": "multipart", "evidence": ["拓展居住证功能", "优化“干线、支线、缆线”管廊供给结构"]}',
    '{"id": "t4", "question": "你好", "type": "out_of_plan", "evidence": []}',
]


def test_retrieval_metrics_on_a_tiny_gold_set_with_known_values(plan, tmp_path):
    gold = load_gold(write(tmp_path / "tiny.jsonl", TINY), [plan.clean_text])
    sponge, permit = plan.clause("qingdao-2021/6.1.3.p1"), plan.clause("qingdao-2021/3.2.2.p1")
    other = plan.clause("qingdao-2021/3.2.1.p1")

    def hit(rank, clause):
        return Hit(rank, clause.id, clause.citation, clause.text, 1.0 / rank, clause.start, clause.end)

    rankings = {"海绵城市": [sponge, other], "居住证": [other, permit], "两件事": [other, permit, sponge]}
    run = evaluate_retrieval("hand", lambda q, k: [hit(i + 1, c) for i, c in enumerate(rankings[q][:k])], gold,
                             [p.text for p in plan.paragraphs()])
    assert run.overall.n == 3  # the out-of-plan question is not a retrieval question
    by_id = {r.id: r for r in run.results}
    assert by_id["t1"].recall[1] == 1.0 and by_id["t1"].mrr10 == 1.0
    assert by_id["t2"].recall[1] == 0.0 and by_id["t2"].recall[3] == 1.0 and by_id["t2"].mrr10 == 0.5
    assert by_id["t3"].recall[1] == 0.0 and by_id["t3"].recall[3] == 1.0 and by_id["t3"].mrr10 == 0.5
    assert run.overall.recall[1] == pytest.approx(1 / 3)
    assert run.overall.mrr10 == pytest.approx((1 + 0.5 + 0.5) / 3)
    assert run.by_type["topic"].n == 2 and run.by_type["multipart"].recall[3] == 1.0


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "line 2: not valid JSON"),
        ('{"id": "x", "type": "topic", "evidence": ["拓展居住证功能"]}', "line 2: missing field(s) question"),
        ('{"id": "x", "question": "q", "type": "topic", "evidence": ["规划里没有的一句话呀呀"]}', "line 2: evidence '规划里没有的一句话呀呀' is not found"),
        ('{"id": "x", "question": "q", "type": "weird", "evidence": ["拓展居住证功能"]}', "line 2: unknown type 'weird'"),
        ('{"id": "t1", "question": "q", "type": "topic", "evidence": ["拓展居住证功能"]}', "line 2: duplicate id 't1'"),
    ],
)
def test_bad_gold_lines_are_reported_with_their_line_number(plan, tmp_path, line, message):
    with pytest.raises(GoldError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_gold(write(tmp_path / "bad.jsonl", [TINY[0], line]), [plan.clean_text])


def test_shipped_development_set_follows_its_rules(plan):
    gold = load_gold(DEV_SET, [plan.clean_text])
    in_plan = [q for q in gold.questions if q.in_plan]
    assert len(in_plan) >= 150 and len(gold.questions) - len(in_plan) >= 30
    assert {q.chapter for q in in_plan} == set(range(1, 11))
    for q in in_plan:
        for evidence in q.evidence:
            assert 8 <= len(evidence) <= 40 and not any(ch in evidence for ch in "。！？；")
            assert plan.clean_text.count(evidence) == 1, (q.id, evidence)


def test_judgement_development_set_tests_both_sides_of_the_line(plan):
    gold = load_gold(DEV_JUDGEMENT, [plan.clean_text])
    out = [q for q in gold.questions if not q.in_plan]
    assert len(gold.questions) == 100 and len(out) == 50
    assert {q.category for q in out} == {"opinion", "prediction", "comparison", "personal_calc", "procedure"}
    for q in gold.questions:
        if q.in_plan:
            assert q.type == "everyday" and all(plan.clean_text.count(e) == 1 for e in q.evidence), q.id


def test_refusal_development_set_is_residents_questions_the_plan_does_not_answer(plan):
    gold = load_gold(DEV_REFUSALS, [plan.clean_text])
    assert len(gold.questions) == 996 and not any(q.in_plan for q in gold.questions)
    counts = Counter(q.category for q in gold.questions)
    # mostly about the plan's own topics: what the plan does not give, forecasts, judgements, one's own case
    assert (counts["near_miss"], counts["prediction"], counts["opinion"], counts["personal_calc"]) == (219, 118, 118, 100)
    assert len(counts) == 13 and len({q.id for q in gold.questions}) == 996


def test_fresh_development_set_weighs_forecast_shaped_questions_on_both_sides(plan):
    """Session 22: three new writers, the plan text alone; 360 written, the 8 word for word in a bank, candidate, voter
    or gold file dropped unrun."""
    gold = load_gold(DEV_FRESH, [plan.clean_text])
    inside = [q for q in gold.questions if q.in_plan]
    counts = Counter(q.category for q in gold.questions if not q.in_plan)
    assert len(gold.questions) == 352 and len(inside) == 154 and all(q.type == "everyday" for q in inside)
    assert all(plan.clean_text.count(e) == 1 for q in inside for e in q.evidence)
    assert counts == {"near_miss": 58, "prediction": 55, "opinion": 45, "comparison": 20, "procedure": 11,
                      "personal_calc": 9}
    rows = [json.loads(line) for line in DEV_FRESH.read_text(encoding="utf-8").splitlines()]
    assert sum(r.get("frame") == "forward" for r in rows) == 84  # in-plan questions put as forecasts ("…能…不")


def test_everyday_development_set_covers_the_plan_in_residents_words(plan):
    gold = load_gold(DEV_EVERYDAY, [plan.clean_text])
    assert len(gold.questions) == 140 and all(q.type == "everyday" and q.in_plan for q in gold.questions)
    assert {q.chapter for q in gold.questions} == set(range(1, 11))
    assert all(plan.clean_text.count(e) == 1 for q in gold.questions for e in q.evidence)


def test_second_sealed_test_set_follows_its_rules(plan):
    gold = load_gold(GOLD_DIR / "sealed_test2.jsonl", [plan.clean_text])
    out = [q for q in gold.questions if not q.in_plan]
    assert len(gold.questions) == 210 and len(out) == 80 and len({q.category for q in out}) == 13
    assert all(q.type == "everyday" and all(plan.clean_text.count(e) == 1 for e in q.evidence)
               for q in gold.questions if q.in_plan)


@pytest.mark.parametrize("name", ["sealed_test3.jsonl", "sealed_test4.jsonl"])
def test_third_and_fourth_sealed_test_sets_follow_their_rules(plan, name):
    gold = load_gold(GOLD_DIR / name, [plan.clean_text])
    out = [q for q in gold.questions if not q.in_plan]
    assert len(gold.questions) == 220 and len(out) == 90 and len({q.category for q in out}) == 13
    assert sum(q.category in ("opinion", "prediction", "comparison") for q in out) == 33
    assert all(q.type == "everyday" and all(plan.clean_text.count(e) == 1 for e in q.evidence)
               for q in gold.questions if q.in_plan)


# Fifth: 220 written, the 3 word for word bank questions ("地铁几条了", "烟台公租房怎么申请", "在吗") dropped unrun;
# sixth: 220 written, the 2 word for word bank questions ("青岛的市花是啥", "你好") dropped unrun; seventh: 220
# written, the 13 word for word in a bank, candidate, voter or gold file dropped unrun; eighth: 210 written, the 16 word
# for word in a bank, candidate, voter or gold file dropped unrun; ninth: 204 written, the 9 word for word in a bank,
# candidate, voter or gold file dropped unrun; tenth: 204 written, the 15 word for word in a bank, candidate, voter or
# gold file dropped unrun; eleventh: 192 written, the 10 word for word in a bank, candidate, voter or gold file dropped
# unrun; thirteenth: 235 written, the 29 word for word in a bank, candidate, voter or gold file dropped unrun;
# fourteenth: 214 written, the 14 word for word in a bank, candidate, voter or gold file dropped unrun; fifteenth: 202
# written, the 16 word for word in a bank, candidate, voter or gold file dropped unrun (both real-time questions among
# them: twelve categories are left); sixteenth: 188 written, the 21 word for word in a bank, candidate, voter or gold
# file and one asked twice dropped unrun; seventeenth: 188 written, the 9 word for word in a bank, candidate, voter or
# gold file dropped unrun (both trivia questions among them: twelve categories are left).
@pytest.mark.parametrize(("name", "questions", "out_of_scope", "judgements", "judgement_count", "categories"), [
    ("sealed_test5.jsonl", 217, 88, ("opinion", "prediction", "comparison"), 33, 13),
    ("sealed_test6.jsonl", 218, 88, ("opinion", "prediction", "near_miss"), 36, 13),
    ("sealed_test7.jsonl", 207, 85, ("opinion", "prediction", "near_miss"), 37, 13),
    ("sealed_test8.jsonl", 194, 81, ("opinion", "prediction", "near_miss"), 36, 13),
    ("sealed_test9.jsonl", 195, 77, ("opinion", "prediction", "near_miss"), 36, 13),
    ("sealed_test10.jsonl", 189, 69, ("opinion", "prediction", "near_miss"), 36, 13),
    ("sealed_test11.jsonl", 182, 67, ("opinion", "prediction", "near_miss"), 36, 13),
    ("sealed_test12.jsonl", 214, 60, ("opinion", "prediction", "near_miss"), 30, 13),
    # both chit-chat questions of the thirteenth were bank questions word for word: twelve categories are left
    ("sealed_test13.jsonl", 206, 66, ("opinion", "prediction", "near_miss"), 35, 12),
    ("sealed_test14.jsonl", 200, 69, ("opinion", "prediction", "near_miss"), 36, 13),
    ("sealed_test15.jsonl", 186, 63, ("opinion", "prediction", "near_miss"), 35, 12),
    ("sealed_test16.jsonl", 166, 55, ("opinion", "prediction", "near_miss"), 26, 13),
    ("sealed_test17.jsonl", 179, 62, ("opinion", "prediction", "near_miss"), 32, 12)])
def test_fifth_to_seventeenth_sealed_test_sets_follow_their_rules(plan, name, questions, out_of_scope, judgements,
                                                                  judgement_count, categories):
    gold = load_gold(GOLD_DIR / name, [plan.clean_text])
    out = [q for q in gold.questions if not q.in_plan]
    assert len(gold.questions) == questions and len(out) == out_of_scope and len({q.category for q in out}) == categories
    assert sum(q.category in judgements for q in out) == judgement_count
    # evidence is matched with spacing ignored (the twelfth and thirteenth keep the page's "达到 86.3%")
    text = squash(plan.clean_text)
    assert all(q.type == "everyday" and all(text.count(squash(e)) == 1 for e in q.evidence)
               for q in gold.questions if q.in_plan)


def test_the_second_fresh_development_set_holds_residents_questions_on_both_sides(plan):
    # written blind in session 38 by two new helpers from the plan alone; 184 written, the 10 word for word in another
    # gold file dropped unrun
    gold = load_gold(GOLD_DIR / "dev_fresh2.jsonl", [plan.clean_text])
    out = [q for q in gold.questions if not q.in_plan]
    assert (len(gold.questions), len(out), len({q.category for q in out})) == (174, 78, 12)
    assert all(q.type == "everyday" and q.evidence for q in gold.questions if q.in_plan)


PARTIAL_SETS = {"followup_dev4.jsonl": {"slot"}, "followup_dev8.jsonl": {"slot", "detail", "standalone"},
                "followup_dev9.jsonl": {"year", "slot", "pronoun", "standalone"}}


@pytest.mark.parametrize(("name", "conversations", "later_turns"), [
    ("followup_dev.jsonl", 77, 85), ("followup_dev2.jsonl", 64, 71), ("followup_dev3.jsonl", 80, 103),
    ("followup_dev4.jsonl", 70, 77), ("followup_dev5.jsonl", 70, 90), ("followup_dev6.jsonl", 80, 110),
    ("followup_dev7.jsonl", 90, 99), ("followup_dev8.jsonl", 50, 54), ("followup_dev9.jsonl", 90, 95),
    # the tenth: written blind in session 38 by two new helpers, from the plan alone
    ("followup_dev10.jsonl", 90, 113),
    # the eleventh: written in session 44 by two new helpers, from the plan alone, to the seventeenth sealed set's brief
    ("followup_dev11.jsonl", 64, 82),
    ("followup_sealed.jsonl", 63, 77), ("followup_sealed2.jsonl", 80, 96),
    ("followup_sealed3.jsonl", 80, 111), ("followup_sealed4.jsonl", 80, 121), ("followup_sealed5.jsonl", 80, 108),
    ("followup_sealed6.jsonl", 80, 117), ("followup_sealed7.jsonl", 70, 97),
    ("followup_sealed8.jsonl", 70, 76), ("followup_sealed9.jsonl", 61, 76),
    ("followup_sealed10.jsonl", 59, 75), ("followup_sealed11.jsonl", 60, 71), ("followup_sealed12.jsonl", 62, 79),
    ("followup_sealed13.jsonl", 58, 80), ("followup_sealed14.jsonl", 56, 70),
    # the fifteenth: 60 written, the 9 with a turn of 7 or more characters word for word in another file dropped unrun
    ("followup_sealed15.jsonl", 51, 72),
    # the sixteenth: 64 written, the 8 with a turn of 7 or more characters word for word in another file dropped unrun
    ("followup_sealed16.jsonl", 56, 85),
    # the seventeenth: 64 written, the 8 with a turn of 7 or more characters word for word in another file dropped unrun
    ("followup_sealed17.jsonl", 56, 83)])
def test_shipped_follow_up_sets_validate(plan, name, conversations, later_turns):
    found = load_conversations(GOLD_DIR / name, [plan.clean_text])
    assert len(found) == conversations and sum(len(c.turns) - 1 for c in found) == later_turns
    # dev 4 is detail-heavy; dev 8 and 9 were written for the kinds the others found weakest
    assert {c.kind for c in found} == set(KINDS) - PARTIAL_SETS.get(name, set())
    for conversation in found:  # every turn has evidence or is a refusal, never both
        assert len(conversation.turns) in (2, 3), conversation.id
        assert all(bool(t.evidence) != t.refuse for t in conversation.turns), conversation.id


def run_eval(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "eval", *args], cwd=PROJECT, capture_output=True, text=True, env=dict(os.environ))


def test_eval_run_writes_markdown_json_and_chart(tmp_path, retriever):
    gold = write(tmp_path / "tiny.jsonl", TINY)
    out = tmp_path / "report"
    result = run_eval("run", "--gold", str(gold), "--retriever", "hybrid", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "| hybrid | 3 |" in result.stdout
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["n_questions"] == 4
    per_question = {q["id"]: q for q in data["retrieval"][0]["questions"]}
    assert per_question["t1"]["recall"]["5"] == 1.0 and per_question["t2"]["recall"]["5"] == 1.0
    assert data["answers"]["summary"]["correct refusals"] == 1.0
    assert (out / "report.png").read_bytes()[:4] == b"\x89PNG"
    assert "## Retrieval" in (out / "report.md").read_text(encoding="utf-8")


def test_eval_run_stops_before_work_on_a_bad_gold_file(tmp_path):
    bad = write(tmp_path / "bad.jsonl", [TINY[0], "{broken"])
    result = run_eval("run", "--gold", str(bad), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "line 2" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
