"""Start the web app: python -m ui [--host 127.0.0.1] [--port 7860]."""

from __future__ import annotations

import argparse
import logging
import sys
import time


def main(argv: list[str] | None = None) -> int:
    """Load the plan and index once, then serve the app until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m ui", description="PlanQA 规划问答 web app.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=7860)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    started = time.perf_counter()
    from corpus.records import CorpusError
    from index.store import IndexProblem
    from qa.service import PlanQA
    from ui.app import build_app, launch

    try:
        service = PlanQA.open()
    except (CorpusError, IndexProblem) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    demo = build_app(service)
    try:
        url = launch(demo, args.host, args.port, block=False)
    except OSError as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    print(f"PlanQA 规划问答 ready at {url} (started in {time.perf_counter() - started:.1f} s); Ctrl+C to stop.",
          flush=True)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        demo.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
