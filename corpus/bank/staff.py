"""Staff additions to a document's question bank (<data>/banks/<doc>/), validated before they are written."""

from __future__ import annotations

import json
from pathlib import Path

from corpus.bank.records import CATEGORIES, BankError
from corpus.bank.store import MAX_QUESTION_CHARS, bank_folders, load_bank
from corpus.files import atomic_write_text
from corpus.records import Document

STAFF_IN_SCOPE = "in_scope_staff.jsonl"
STAFF_OUT_OF_SCOPE = "out_of_scope_staff.jsonl"


def add_question(document: Document, question: str, clause_id: str | None = None, evidence: str | None = None,
                 category: str | None = None) -> str:
    """Add a question linked to a clause and evidence (or marked out of scope with a category); return its id."""
    question = (question or "").strip()
    if not question or len(question) > MAX_QUESTION_CHARS:
        raise BankError(f"the question must be 1 to {MAX_QUESTION_CHARS} characters")
    if category is not None:
        if category not in CATEGORIES:
            raise BankError(f"unknown category '{category}'; one of {', '.join(CATEGORIES)}")
        row: dict = {"question": question, "category": category}
        name = STAFF_OUT_OF_SCOPE
    else:
        clause = document.clause(clause_id or "")
        if clause is None or clause.level != "paragraph":
            raise BankError(f"unknown paragraph clause '{clause_id}'; see `python -m corpus show`")
        sentences = document.sentences_by_clause().get(clause.id, [])
        evidence = (evidence or "").strip()
        if not evidence or not any(evidence in s.text for s in sentences):
            raise BankError(f"the evidence must be an exact part of one sentence of {clause.id}")
        row = {"question": question, "clause_id": clause.id, "evidence": evidence}
        name = STAFF_IN_SCOPE
    folder = bank_folders(document.doc_id)[-1]
    path = folder / name
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    number = sum(1 for line in existing.splitlines() if line.strip()) + 1
    row = {"id": f"staff-{'o' if category else 'i'}{number:05d}", **row}
    atomic_write_text(path, existing + json.dumps(row, ensure_ascii=False) + "\n")
    try:
        load_bank([document])  # the whole bank must still load; otherwise the addition is taken back
    except BankError:
        atomic_write_text(path, existing) if existing else path.unlink()
        raise
    return row["id"]


def staff_files(doc_id: str) -> list[Path]:
    """The staff bank files of a document that exist."""
    folder = bank_folders(doc_id)[-1]
    return [p for p in (folder / STAFF_IN_SCOPE, folder / STAFF_OUT_OF_SCOPE) if p.exists()]
