"""`python -m qa bank review|add|export`: staff turn what citizens asked into question-bank entries."""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import sys

from corpus.bank import load_bank
from corpus.bank.records import CATEGORIES
from corpus.bank.staff import add_question
from corpus.paths import data_root
from corpus.store import CorpusStore

FEEDBACK_DB = "feedback.sqlite3"


def add_parser(sub) -> None:
    """The `bank` sub-command and its actions."""
    bank = sub.add_parser("bank", help="question bank: review citizens' unanswered questions, add, export")
    actions = bank.add_subparsers(dest="action", required=True)
    review = actions.add_parser("review", help="refused questions and 👎 answers from the web chat, newest first")
    review.add_argument("--limit", type=int, default=50)
    add = actions.add_parser("add", help="add a question to the bank (linked to a clause, or out of scope)")
    add.add_argument("question")
    add.add_argument("--doc", default=None, help="document id (default: the first stored document)")
    add.add_argument("--clause", help="the clause that answers it, e.g. qingdao-2021/3.3.5.p1")
    add.add_argument("--evidence", help="the exact words of the clause's sentence that answer it")
    add.add_argument("--out-of-scope", dest="category", choices=CATEGORIES, help="the plan does not answer it")
    export = actions.add_parser("export", help="every bank question as JSON lines or CSV")
    export.add_argument("--csv", action="store_true")


def run(args: argparse.Namespace) -> int:
    """Run a bank action; return the exit code."""
    store = CorpusStore.default()
    if args.action == "review":
        return _review(args.limit)
    if args.action == "add":
        doc_id = args.doc or store.doc_ids()[0]
        if (args.category is None) == (args.clause is None):
            print("error: give --clause and --evidence, or --out-of-scope CATEGORY", file=sys.stderr)
            return 2
        qid = add_question(store.load(doc_id), args.question, args.clause, args.evidence, args.category)
        print(f"added {qid} to the bank of {doc_id}; `python -m index build` embeds only the new question")
        return 0
    bank = load_bank(store.load_all())
    rows = [{"kind": "in_scope", **q.to_dict()} for q in bank.in_scope]
    rows += [{"kind": "out_of_scope", **q.to_dict()} for q in bank.out_of_scope]
    if args.csv:
        fields = sorted({k for row in rows for k in row})
        writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    return 0


def _review(limit: int) -> int:
    """Print refused questions and 👎 answers recorded by the web chat."""
    path = data_root() / FEEDBACK_DB
    if not path.exists():
        print("no questions recorded yet (the web chat records refusals and 👎 votes)")
        return 0
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT created, vote, question, answer FROM feedback WHERE vote IN ('down', 'refused')"
                          " ORDER BY id DESC LIMIT ?", (max(1, limit),)).fetchall()
    for created, vote, question, answer in rows:
        label = "👎" if vote == "down" else "未答"
        print(f"{created}  {label}  {question}\n    -> {answer[:80]}")
    print(f"{len(rows)} question(s); add one with `python -m qa bank add QUESTION --clause ID --evidence TEXT`"
          " or `--out-of-scope CATEGORY`", file=sys.stderr)
    return 0
