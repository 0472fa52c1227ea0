"""Command line: python -m qa search | ask | indicators (see README)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from corpus.bank import BankError
from corpus.records import CorpusError
from index.store import IndexProblem
from qa import bank_cli
from qa.batch import BatchItem, read_batch, read_history
from qa.records import Hit, QueryError


def main(argv: list[str] | None = None) -> int:
    """Run the qa command line; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m qa", description="Search and question answering over the plan.")
    sub = parser.add_subparsers(dest="command", required=True)
    search = sub.add_parser("search", help="find the clauses that match a query")
    search.add_argument("query", nargs="?", default=None)
    search.add_argument("-k", type=int, default=5, help="number of clauses (default 5)")
    search.add_argument("--doc", help="only this document id")
    search.add_argument("--chapter", type=int, help="only this chapter number")
    search.add_argument("--topic", help="only clauses tagged with this topic (alone: list them in plan order)")
    search.add_argument("--retriever", choices=("hybrid", "bm25", "dense"), default="hybrid")
    search.add_argument("--batch", type=Path, help='JSONL file of {"id", "question"} lines')
    search.add_argument("--json", action="store_true", help="one JSON object per line")
    _add_answer_commands(sub)
    bank_cli.add_parser(sub)
    args = parser.parse_args(argv)
    try:
        if args.command == "bank":
            return bank_cli.run(args)
        if args.command == "search":
            return _search(args)
        if args.command == "ask":
            return _ask(args)
        return _indicators(args)
    except (QueryError, CorpusError, IndexProblem, BankError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader (e.g. `| head`) stopped early: not an error of ours.
        sys.stderr.close()
        return 0


def _search(args: argparse.Namespace) -> int:
    from qa.retrieval import Retriever

    if args.batch is None and args.query is None and not args.topic:
        raise QueryError("give a query, --topic, or --batch FILE")
    if args.k < 1 or args.k > 200:
        raise QueryError("-k must be between 1 and 200")
    batch = read_batch(args.batch) if args.batch else [BatchItem(None, args.query or "")]
    retriever = Retriever.open()
    for item in batch:
        hits = retriever.search(
            item.question, k=args.k, doc=args.doc, chapter=args.chapter, topic=args.topic, mode=args.retriever
        )
        if args.json:
            print(json.dumps({"id": item.id, "hits": [h.to_dict() for h in hits]}, ensure_ascii=False))
        else:
            _print_hits(hits)
    return 0


def _print_hits(hits: list[Hit]) -> None:
    if not hits:
        print("no matching clauses")
    for hit in hits:
        print(f"{hit.rank}. {hit.citation}   [{hit.clause_id}, score {hit.score:.4f}]")
        print("   " + _mark(hit))
        print()


def _mark(hit: Hit) -> str:
    """Clause text with its highlighted sentences in 【】."""
    text, out, pos = hit.text, [], 0
    for start, end in hit.highlights:
        s, e = start - hit.start, end - hit.start
        out.append(text[pos:s] + "【" + text[s:e] + "】")
        pos = e
    out.append(text[pos:])
    return "".join(out)


def _add_answer_commands(sub) -> None:
    ask = sub.add_parser("ask", help="answer a question from the plan, with citations")
    ask.add_argument("question", nargs="?", default=None)
    ask.add_argument("--batch", type=Path, help='JSONL file of {"id", "question"} lines')
    ask.add_argument("--doc", help="answer from this document id only")
    ask.add_argument("--chapter", type=int, help="answer from this chapter only")
    ask.add_argument("--history", action="append", default=[], metavar="EARLIER_QUESTION",
                     help="an earlier question of the conversation (repeat, oldest first): follow-ups like 那2035年呢")
    ask.add_argument("--json", action="store_true", help="one JSON object per line")
    indicators = sub.add_parser("indicators", help="list the plan's quantitative goals and status figures")
    indicators.add_argument("--year", type=int, help="only figures for this year (e.g. 2025)")
    indicators.add_argument("--kind", choices=("target", "status"))
    form = indicators.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="one JSON object per line")
    form.add_argument("--csv", action="store_true", help="CSV with a header row")


def _ask(args: argparse.Namespace) -> int:
    from qa.service import PlanQA

    if args.batch is None and args.question is None:
        raise QueryError("give a question or --batch FILE")
    if args.batch is not None and args.history:
        raise QueryError('--history is for one question; in a batch file give each line a "history" list')
    batch = read_batch(args.batch) if args.batch else [
        BatchItem(None, args.question, read_history(args.history, "--history"))]
    service = PlanQA.open()
    for item in batch:
        answer = service.ask(item.question, doc=args.doc, chapter=args.chapter, history=item.history)
        if args.json:
            print(json.dumps({"id": item.id, **answer.to_dict()}, ensure_ascii=False))
            continue
        if answer.understood_as and answer.understood_as != item.question:
            print(f"理解为：{answer.understood_as}")
        print(answer.answer)
        for c in answer.citations:
            print(f"  [{c.n}] {c.citation}  ({c.clause_id})\n      “{c.quote}”")
        if answer.related:
            print("  相关条款:")
            for hit in answer.related:
                print(f"    - {hit.citation}  ({hit.clause_id})")
        print()
    return 0


def _indicators(args: argparse.Namespace) -> int:
    from corpus.store import CorpusStore
    from qa.indicators import IndicatorTable, indicators_csv

    table = IndicatorTable(CorpusStore.default().load_all())
    rows = table.filter(year=args.year, kind=args.kind)
    if args.csv:
        sys.stdout.write(indicators_csv(rows))
    elif args.json:
        for row in rows:
            print(json.dumps(row.to_dict(), ensure_ascii=False))
    else:
        for row in rows:
            year = row.year or "—"
            print(f"{year}\t{row.kind}\t{row.name}\t{row.figure()}\t{row.citation}")
        print(f"{len(rows)} figures", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
