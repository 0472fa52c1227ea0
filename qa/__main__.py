"""Command line: python -m qa search | ask | indicators (see README)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from corpus.records import CorpusError
from index.store import IndexProblem
from qa.batch import read_batch
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
    _add_extra_commands(sub)
    args = parser.parse_args(argv)
    try:
        if args.command == "search":
            return _search(args)
        return _run_extra(args)
    except (QueryError, CorpusError, IndexProblem) as exc:
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
    batch = read_batch(args.batch) if args.batch else [(None, args.query or "")]
    retriever = Retriever.open()
    for qid, query in batch:
        hits = retriever.search(
            query, k=args.k, doc=args.doc, chapter=args.chapter, topic=args.topic, mode=args.retriever
        )
        if args.json:
            print(json.dumps({"id": qid, "hits": [h.to_dict() for h in hits]}, ensure_ascii=False))
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


def _add_extra_commands(sub) -> None:
    """Commands added by the answering layer (ask, indicators) when present."""
    try:
        from qa.cli_answers import add_commands
    except ImportError:
        return
    add_commands(sub)


def _run_extra(args: argparse.Namespace) -> int:
    from qa.cli_answers import run_command

    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
