"""The shipped question bank: sizes, validation with line numbers, and evidence verified like citations."""

from __future__ import annotations

import json
import shutil
from collections import Counter

import pytest

from corpus.bank import BankError, load_bank
from corpus.bank.records import CATEGORIES
from corpus.bank.store import SHIPPED_BANKS


@pytest.fixture(scope="module")
def bank(plan):
    return load_bank([plan])


def bank_problems(plan) -> str:
    """The message of the BankError that loading the bank must raise."""
    with pytest.raises(BankError) as caught:
        load_bank([plan])
    return str(caught.value)


def test_bank_sizes_and_coverage(bank, plan):
    assert len(bank.in_scope) >= 1200 and bank.stale == []
    per_clause = Counter(q.clause_id for q in bank.in_scope)
    assert len(per_clause) >= 180
    assert sum(n >= 6 for n in per_clause.values()) >= 180
    categories = Counter(q.category for q in bank.out_of_scope)
    assert len(bank.out_of_scope) >= 400 and set(categories) == set(CATEGORIES)
    assert min(categories.values()) >= 25


def test_every_evidence_is_verified_against_the_text(bank, plan):
    for q in bank.in_scope:
        assert plan.clean_text[q.start : q.end] == q.evidence
        assert q.sentence_start <= q.start < q.end <= q.sentence_end
        assert plan.clause(q.clause_id) is not None


def test_a_bad_bank_file_names_its_lines(plan, tmp_path, monkeypatch):
    folder = tmp_path / "banks" / plan.doc_id
    folder.mkdir(parents=True)
    shutil.copy(SHIPPED_BANKS / plan.doc_id / "out_of_scope.jsonl", folder / "out_of_scope.jsonl")
    rows = [
        {"id": "x1", "question": "孩子上学", "clause_id": "qingdao-2021/3.3.3.p1", "evidence": "纳入流入地义务教育"},
        {"id": "x2", "question": "", "clause_id": "qingdao-2021/3.3.3.p1", "evidence": "纳入流入地义务教育"},
        {"id": "x3", "question": "问", "clause_id": 5, "evidence": "纳入"},
    ]
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{not json\n"
    (folder / "in_scope_bad.jsonl").write_text(text, encoding="utf-8")
    monkeypatch.setattr("corpus.bank.store.bank_folders", lambda doc_id: [tmp_path / "banks" / doc_id])
    message = bank_problems(plan)
    assert "3 problem(s)" in message
    assert "in_scope_bad.jsonl, line 2: question must be" in message
    assert "in_scope_bad.jsonl, line 3: clause_id and evidence" in message
    assert "in_scope_bad.jsonl, line 4: not valid JSON" in message


def test_the_sentence_voters_are_validated_apart_and_may_not_hold_a_bank_id_or_an_out_of_scope_question(
        plan, tmp_path, monkeypatch):
    voters = tmp_path / "voters" / plan.doc_id
    voters.mkdir(parents=True)
    clash = {"id": "p1-0001", "question": "外地娃能在这念书不", "clause_id": "qingdao-2021/3.3.3.p1", "evidence": "纳入流入地义务教育"}
    (voters / "in_scope_v.jsonl").write_text(json.dumps(clash, ensure_ascii=False) + "\n", encoding="utf-8")
    (voters / "out_of_scope.jsonl").write_text(json.dumps({"id": "v2", "question": "今天下雨不", "category": "realtime"},
                                                          ensure_ascii=False) + "\n", encoding="utf-8")
    monkeypatch.setattr("corpus.bank.store.SHIPPED_VOTERS", tmp_path / "voters")
    message = bank_problems(plan)
    assert "2 problem(s) in the sentence voters" in message
    assert "out_of_scope.jsonl: out-of-scope questions belong in the question bank" in message
    assert "in_scope_v.jsonl: id 'p1-0001' is also a bank question's" in message
    (voters / "out_of_scope.jsonl").unlink()
    clash["id"] = "v1"
    (voters / "in_scope_v.jsonl").write_text(json.dumps(clash, ensure_ascii=False) + "\n", encoding="utf-8")
    loaded = load_bank([plan])
    assert [q.question for q in loaded.voters] == ["外地娃能在这念书不"] and len(loaded.in_scope) == 2205


def test_candidate_questions_are_validated_like_the_bank_and_a_stale_one_is_named(plan, tmp_path, monkeypatch):
    from corpus.bank.store import load_candidate_questions

    # The shipped waves the reranker learns from load whole (checked against the text, offsets verified).
    assert len(load_candidate_questions([plan], "in_scope_wave5_part*.jsonl").in_scope) == 1459
    folder = tmp_path / plan.doc_id
    folder.mkdir()
    rows = [{"id": "c1", "question": "孩子上学", "clause_id": "qingdao-2021/3.3.3.p1", "evidence": "纳入流入地义务教育"},
            {"id": "c2", "question": "老房子", "clause_id": "qingdao-2021/3.3.3.p1", "evidence": "不在这一条里的话"}]
    (folder / "in_scope_wave9_part1.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    (folder / "other.jsonl").write_text("{not json\n", encoding="utf-8")  # not named like the pattern: not read
    monkeypatch.setattr("corpus.bank.store.SHIPPED_CANDIDATES", tmp_path)
    with pytest.raises(BankError, match="in_scope_wave9_part1.jsonl, line 2: evidence is not inside one sentence"):
        load_candidate_questions([plan], "in_scope_wave9_part*.jsonl")
