"""Start the web app: python -m ui [--host 127.0.0.1] [--port 7860] [--workers N]; staff accounts: python -m ui staff ...

With --workers N, N worker processes serve on ports PORT .. PORT+N-1, each a complete PlanQA (chat, staff tools, JSON
API). The chat keeps per-session state in its worker (Gradio's queue and session state live in one process), so a
reverse proxy in front must keep each client on one worker (sticky by client address); see README "Deploying at scale".
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

MAX_WORKERS = 8


def main(argv: list[str] | None = None) -> int:
    """Load the plan and index once, then serve the app until interrupted (or manage staff accounts)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["staff"]:
        from ui.staff_cli import main as staff_main

        return staff_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m ui", description="PlanQA 规划问答 web app "
                                     "(staff accounts: python -m ui staff add|remove|list).")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes, on ports PORT..PORT+N-1 behind a sticky reverse proxy (default 1, at most 8)")
    args = parser.parse_args(argv)
    if not 1 <= args.workers <= MAX_WORKERS:
        print(f"error: --workers must be 1 to {MAX_WORKERS}", file=sys.stderr)
        return 2
    if args.workers > 1:
        from ui.workers import run_workers

        return run_workers(args.host, args.port, args.workers)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    started = time.perf_counter()
    from corpus.records import CorpusError
    from index.store import IndexProblem
    from qa.service import PlanQA
    from ui.server import build_server, serve
    from ui.staff import StaffAccounts, StaffError

    try:
        service = PlanQA.open()
    except (CorpusError, IndexProblem) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    app = build_server(service)
    try:
        staff = StaffAccounts().names()
    except StaffError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from ui.workers import port_problem

    problem = port_problem(args.host, args.port)  # one line, before uvicorn logs a traceback, when the port is taken
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    url = f"http://{args.host}:{args.port}/"
    accounts = f"{len(staff)} staff account(s)" if staff else "no staff account yet: python -m ui staff add NAME"

    def announce() -> None:  # once the port accepts connections: the worker supervisor and tests rely on it
        print(f"PlanQA 规划问答 ready at {url} (staff: {url}staff/, {accounts}; started in "
              f"{time.perf_counter() - started:.1f} s); Ctrl+C to stop.", flush=True)

    serve(app, args.host, args.port, on_ready=announce, on_stopped=app.planqa_context.close)
    return 0


if __name__ == "__main__":
    sys.exit(main())
