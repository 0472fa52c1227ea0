"""Read and validate bank files: shipped ones (corpus/docs/banks/<doc>/) and staff additions (<data>/banks/<doc>/)."""

from __future__ import annotations

from pathlib import Path

from corpus.bank.records import CATEGORIES, BankError, BankSet, InScopeQuestion, OutOfScopeQuestion
from corpus.jsonl import numbered_objects
from corpus.paths import SHIPPED_DOCS, data_root
from corpus.records import Document

SHIPPED_BANKS = SHIPPED_DOCS / "banks"
# Residents' questions that only train the answerability decision: not matched at run time (as bank questions they
# moved answers to other clauses; see README), validated like the bank.
SHIPPED_TRAINING = SHIPPED_DOCS / "answerability"
# Residents' questions that only vote for answer sentences (see README: as matched bank questions they moved answers
# on one sealed set); validated like the bank, in-scope only.
SHIPPED_VOTERS = SHIPPED_DOCS / "bank_voters"
# Residents' questions written for the bank and kept aside (measured, not loaded at run time; see README); some of
# them train the reranker (eval/train_reranker.py).
SHIPPED_CANDIDATES = SHIPPED_DOCS / "bank_candidates"
MAX_QUESTION_CHARS = 500
OUT_OF_SCOPE_FILE = "out_of_scope.jsonl"


def bank_folders(doc_id: str) -> list[Path]:
    """Where a document's bank files live: shipped with PlanQA, then added by staff."""
    return [SHIPPED_BANKS / doc_id, data_root() / "banks" / doc_id]


def load_bank(documents: list[Document]) -> BankSet:
    """Every bank question of these documents and the sentence voters beside them, validated against their text;
    raise BankError listing the problems."""
    bank = _load({d.doc_id: bank_folders(d.doc_id) for d in documents}, documents, "the question bank")
    voters = _load({d.doc_id: [SHIPPED_VOTERS / d.doc_id] for d in documents}, documents, "the sentence voters")
    taken = {f"{q.doc_id}:{q.id}" for q in [*bank.in_scope, *bank.out_of_scope]}
    problems = [f"{q.source}: out-of-scope questions belong in the question bank, not among the voters"
                for q in voters.out_of_scope]
    problems += [f"{q.source}: id '{q.id}' is also a bank question's" for q in voters.in_scope if f"{q.doc_id}:{q.id}" in taken]
    if problems:
        raise BankError(_problem_text(problems, "the sentence voters"))
    bank.voters, bank.stale = voters.in_scope, [*bank.stale, *voters.stale]
    return bank


def load_training_questions(documents: list[Document]) -> BankSet:
    """The answerability-only training questions of these documents (corpus/docs/answerability/<doc>/: in-scope
    only), validated like bank files; raise BankError listing the problems, a stale question among them (training
    data for a revised document is rewritten, not silently thinned)."""
    bank = _load({d.doc_id: [SHIPPED_TRAINING / d.doc_id] for d in documents}, documents,
                 "the answerability training questions")
    problems = [f"{stale} (rewrite it for the revised document)" for stale in bank.stale]
    problems += [f"{q.source}: out-of-scope questions belong in the question bank, not here" for q in bank.out_of_scope]
    if problems:
        raise BankError(_problem_text(problems, "the answerability training questions"))
    return bank


def load_candidate_questions(documents: list[Document], pattern: str) -> BankSet:
    """The candidate questions of these documents in files named like pattern ("in_scope_wave5_part*.jsonl"),
    validated like bank files; raise BankError listing the problems, a stale question among them."""
    bank = _load({d.doc_id: [SHIPPED_CANDIDATES / d.doc_id] for d in documents}, documents,
                 f"the candidate questions {pattern}", pattern)
    if bank.stale:
        raise BankError(_problem_text([f"{stale} (rewrite it for the revised document)" for stale in bank.stale],
                                      f"the candidate questions {pattern}"))
    return bank


def _load(folders: dict[str, list[Path]], documents: list[Document], label: str, pattern: str = "*.jsonl") -> BankSet:
    """Every question in the folders' JSONL files (named like pattern), validated; raise BankError listing the
    problems."""
    bank = BankSet()
    problems: list[str] = []
    for document in documents:
        for folder in folders[document.doc_id]:
            for path in sorted(folder.glob(pattern)) if folder.is_dir() else []:
                _read_file(path, document, bank, problems)
    seen: set[str] = set()
    for q in [*bank.in_scope, *bank.out_of_scope]:
        key = f"{q.doc_id}:{q.id}"
        if key in seen:
            problems.append(f"{q.source}: duplicate id '{q.id}'")
        seen.add(key)
    if problems:
        raise BankError(_problem_text(problems, label))
    return bank


def _problem_text(problems: list[str], label: str) -> str:
    shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
    return f"{len(problems)} problem(s) in {label}:\n" + "\n".join(shown)


def _read_file(path: Path, document: Document, bank: BankSet, problems: list[str]) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot be read as UTF-8 ({exc.__class__.__name__})")
        return
    out_of_scope = path.name.startswith("out_of_scope")
    sentences = document.sentences_by_clause()
    for number, row, problem in numbered_objects(text):
        where = f"{path.name}, line {number}"
        if row is None:
            problems.append(f"{where}: {problem}")
            continue
        qid, question = row.get("id"), row.get("question")
        if not isinstance(qid, str | int) or isinstance(qid, bool) or not str(qid).strip():
            problems.append(f"{where}: id must be a non-empty string or integer")
            continue
        if not isinstance(question, str) or not question.strip() or len(question) > MAX_QUESTION_CHARS:
            problems.append(f"{where}: question must be a non-empty string of at most {MAX_QUESTION_CHARS} characters")
            continue
        if out_of_scope:
            category = row.get("category")
            if category not in CATEGORIES:
                problems.append(f"{where}: category must be one of {', '.join(CATEGORIES)}")
                continue
            bank.out_of_scope.append(OutOfScopeQuestion(str(qid), question.strip(), document.doc_id, category,
                                                        str(row.get("near_clause") or ""), path.name))
            continue
        clause_id, evidence = row.get("clause_id"), row.get("evidence")
        if not isinstance(clause_id, str) or not isinstance(evidence, str) or not evidence.strip():
            problems.append(f"{where}: clause_id and evidence must be non-empty strings")
            continue
        # A revised document may drop a clause or reword a sentence: its bank questions are left out, not fatal.
        if clause_id not in sentences:
            bank.stale.append(f"{where}: unknown clause_id '{clause_id}'")
            continue
        holder = next((s for s in sentences[clause_id] if evidence in s.text), None)
        if holder is None:
            bank.stale.append(f"{where}: evidence is not inside one sentence of {clause_id}")
            continue
        start = holder.start + holder.text.index(evidence)
        if document.clean_text[start : start + len(evidence)] != evidence:
            problems.append(f"{where}: evidence offsets do not match the text")
            continue
        bank.in_scope.append(InScopeQuestion(str(qid), question.strip(), document.doc_id, clause_id, evidence, start,
                                             start + len(evidence), holder.start, holder.end, path.name))
