"""Command line: python -m corpus add PATH | list | show CLAUSE_ID."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from corpus.bank import BankError, load_bank
from corpus.records import CorpusError
from corpus.store import CorpusStore


def main(argv: list[str] | None = None) -> int:
    """Run the corpus command line; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m corpus", description="Manage PlanQA's documents.")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add a .txt, .md, .docx or text-layer .pdf document")
    add.add_argument("path", type=Path)
    add.add_argument("--id", dest="doc_id", help="document id (default: from the file name)")
    add.add_argument("--title", help="document title (default: from the cover or file name)")
    add.add_argument("--replace", action="store_true", help="overwrite a stored document with the same id")
    add.add_argument("--allow-large", action="store_true",
                     help="accept a document over 1,000,000 characters or 30 MB (embedding takes long)")
    listing = sub.add_parser("list", help="list stored documents with their clause counts")
    listing.add_argument("--json", action="store_true")
    show = sub.add_parser("show", help="print one clause: citation, path and text")
    show.add_argument("clause_id")
    show.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        store = CorpusStore.default()
        if args.command == "add":
            return _add(store, args)
        if args.command == "list":
            return _list(store, args.json)
        return _show(store, args.clause_id, args.json)
    except (CorpusError, BankError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _add(store: CorpusStore, args: argparse.Namespace) -> int:
    document = store.add(args.path, doc_id=args.doc_id, title=args.title, replace=args.replace,
                         allow_large=args.allow_large)
    levels = document.stats["levels"]
    counts = ", ".join(f"{n} {level}s" for level, n in levels.items())
    print(f"added {document.doc_id} ({document.title}): {counts}, {document.stats['sentences']} sentences")
    print("run `python -m index build` to make it searchable")
    return 0


def _list(store: CorpusStore, as_json: bool) -> int:
    documents = store.load_all()
    bank = load_bank(documents)
    for document in documents:
        in_scope, out_of_scope = bank.size(document.doc_id)
        voters = sum(q.doc_id == document.doc_id for q in bank.voters)
        row = {"doc_id": document.doc_id, "title": document.title, "source": document.source_name, **document.stats,
               "bank": {"in_scope": in_scope, "out_of_scope": out_of_scope, "voters": voters}}
        if as_json:
            print(json.dumps(row, ensure_ascii=False))
            continue
        levels = row["levels"]
        print(
            f"{document.doc_id}\t{document.title}\t"
            + " ".join(f"{k}={v}" for k, v in levels.items())
            + f" sentences={row['sentences']} page_break_joins={row['page_break_joins']}"
            + f" repeated_chars_removed={row['repeated_chars_removed']}"
            + f" bank={in_scope}+{out_of_scope} voters={voters}"
        )
    return 0


def _show(store: CorpusStore, clause_id: str, as_json: bool) -> int:
    doc_id = clause_id.split("/", 1)[0]
    document = store.load(doc_id)
    clause = document.clause(clause_id)
    if clause is None:
        raise CorpusError(f"no clause '{clause_id}' in {doc_id}")
    if as_json:
        print(json.dumps(clause.to_dict(), ensure_ascii=False))
        return 0
    print(clause.citation)
    print("path: " + " > ".join(clause.path))
    print(f"id: {clause.id}  level: {clause.level}  offsets: {clause.start}-{clause.end}")
    print()
    print(clause.text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
