"""Several worker processes of the web app: one per port, started, watched and stopped together.

Each worker is a complete `python -m ui` process over the same data folder and backend: with the embedded backend
each loads its own copy of the index; with a Milvus server (PLANQA_MILVUS_URI=http://...) they share one. A Milvus
Lite file cannot be opened by several processes, so several workers on Milvus need `milvus-lite server` or Milvus.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

from corpus.paths import PROJECT_ROOT

READY = "ready at"


def port_problem(host: str, port: int) -> str | None:
    """Why the port cannot be served on (taken, not allowed), or None when it is free."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((host, port))
    except OSError as exc:
        return f"cannot serve on {host}:{port}: {exc}"
    return None


def shared_backend_problem() -> str | None:
    """Why the configured backend cannot be shared by several processes, or None."""
    from index.backends import MILVUS, backend_choice, milvus_settings
    from index.store import index_dir, read_manifest

    manifest = read_manifest(index_dir()) or {}
    backend = backend_choice(None, manifest.get("vector_store"))
    if backend == MILVUS and milvus_settings(manifest.get("milvus")).is_lite:
        return ("several workers cannot share a Milvus Lite file; start `milvus-lite server --data-dir DIR --port 19530`"
                " (or use a Milvus server), set PLANQA_MILVUS_URI=http://127.0.0.1:19530 and run"
                " `python -m index build --backend milvus`")
    return None


def run_workers(host: str, port: int, workers: int) -> int:
    """Start `workers` servers on consecutive ports, report when all are ready, stop them all on SIGTERM/Ctrl+C."""
    from corpus.records import CorpusError
    from index.backends import BackendError
    from index.store import IndexProblem, build_index

    ports = [port + i for i in range(workers)]
    for candidate in ports:
        if problem := port_problem(host, candidate):
            print(f"error: {problem}", file=sys.stderr)
            return 2
    try:
        if problem := shared_backend_problem():
            print(f"error: {problem}", file=sys.stderr)
            return 2
        build_index(progress=False)  # once, here: workers starting together must not each rebuild a stale index
    except (CorpusError, IndexProblem, BackendError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    processes = [subprocess.Popen([sys.executable, "-m", "ui", "--host", host, "--port", str(p)], cwd=PROJECT_ROOT,
                                  stdout=subprocess.PIPE, text=True) for p in ports]
    stopping = False

    def stop(*_) -> None:
        nonlocal stopping
        stopping = True
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for process, p in zip(processes, ports, strict=True):
        line = process.stdout.readline() if process.stdout else ""
        if READY not in line:
            stop()
            _wait_all(processes)
            print(f"error: worker on port {p} did not start: {line.strip() or 'it exited'}", file=sys.stderr)
            return 1
    urls = ", ".join(f"http://{host}:{p}/" for p in ports)
    print(f"PlanQA 规划问答 ready at {urls} ({workers} workers); put a reverse proxy with sticky sessions in front"
          " (README: Deploying at scale). Ctrl+C to stop.", flush=True)
    while not stopping:
        exited = [p for p in processes if p.poll() is not None]
        if exited:
            print(f"error: a worker exited with code {exited[0].returncode}; stopping the others", file=sys.stderr)
            stop()
            _wait_all(processes)
            return 1
        time.sleep(0.5)  # supervising: a worker's exit is noticed within half a second
    _wait_all(processes)
    return 0


def _wait_all(processes: list[subprocess.Popen], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
