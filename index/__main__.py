"""Command line: python -m index build [--model M] [--force] [--backend faiss|milvus] | prepare."""

from __future__ import annotations

import argparse
import sys

from corpus.records import CorpusError
from corpus.store import CorpusStore
from index.backends import BACKENDS
from index.store import IndexProblem, build_index


def main(argv: list[str] | None = None) -> int:
    """Run the index command line; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m index", description="Build PlanQA's search index.")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build the index (incremental: unchanged clauses are not re-embedded)")
    build.add_argument(
        "--model", help="sentence-transformers model name or folder (default: offline e5-small; env PLANQA_MODEL)"
    )
    build.add_argument("--force", action="store_true", help="rebuild even when the index is up to date")
    build.add_argument("--backend", choices=BACKENDS,
                       help="search backend to build into (default: PLANQA_BACKEND, else the current index's, else faiss);"
                            " Milvus is found at PLANQA_MILVUS_URI (a *.db file = Milvus Lite, http://host:19530 = server)")
    sub.add_parser("prepare", help="build the corpus, the offline model and the index when missing or stale")
    args = parser.parse_args(argv)
    try:
        documents = CorpusStore.default().load_all()
        if args.command == "prepare":
            report = build_index(documents, progress=False)
        else:
            report = build_index(documents, model=args.model, force=args.force, progress=True, backend=args.backend)
    except (CorpusError, IndexProblem) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot load model or write the index: {exc}", file=sys.stderr)
        return 2
    if report.rebuilt:
        print(
            f"index built in {report.seconds:.1f} s: {report.paragraphs} clauses, {report.sentences} sentences, "
            f"{report.embedded_new} texts newly embedded, model {report.model}, backend {_backend(report.folder)}"
            f" -> {report.folder}"
        )
    else:
        print(f"index is up to date ({report.paragraphs} clauses, model {report.model}, backend {_backend(report.folder)})")
    return 0


def _backend(folder) -> str:
    """The built index's backend, with the Milvus URI when it is Milvus."""
    import json

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    milvus = manifest.get("milvus")
    return f"{manifest.get('vector_store', 'faiss')} ({milvus['uri']})" if milvus else manifest.get("vector_store", "faiss")


if __name__ == "__main__":
    sys.exit(main())
