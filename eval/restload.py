"""REST throughput: concurrent clients asking through the JSON API and through the chat's Gradio endpoint, against
one and two worker processes of a server of the bench's own (loopback only, bounded in count and time)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from eval.metrics import percentile
from eval.report import markdown_table
from eval.webload import BenchServer, WebLoadError, citizen_asks, drive

LOADS = ((20, 10), (50, 6))  # (concurrent clients, questions each): 200 and 300 requests per run
WARM_UP = 16  # questions per server before timing, 8 per path
TIME_LIMIT_S = 300.0


def _rest_user(url: str, questions: list[str], deadline: float) -> tuple[list[float], int]:
    import httpx

    latencies, errors = [], 0
    with httpx.Client(base_url=url, timeout=60) as client:
        for i, question in enumerate(questions):
            if time.monotonic() > deadline:
                return latencies, errors + len(questions) - i
            started = time.perf_counter()
            try:
                response = client.post("/api/v1/ask", json={"question": question})
                ok = response.status_code == 200 and "answer" in response.json()
            except (httpx.HTTPError, ValueError):
                ok = False
            if ok:
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                errors += 1
    return latencies, errors


def run(urls: list[str], path: str, questions: list[str], clients: int, each: int) -> dict[str, Any]:
    """One timed run of `clients` concurrent clients on the JSON API ("rest") or the chat's Gradio queue."""
    user = _rest_user if path == "rest" else citizen_asks
    latencies, errors, wall = drive(user, urls, questions, clients, each, TIME_LIMIT_S)
    return {"requests": clients * each, "errors": errors, "throughput req/s": round(len(latencies) / wall, 1),
            "p50 ms": round(percentile(latencies, 0.5), 0), "p95 ms": round(percentile(latencies, 0.95), 0)}


def run_rest_bench(questions: list[str], progress) -> list[dict[str, Any]]:
    """Throughput of the JSON API and the Gradio path with 20 and 50 clients, against 1 and 2 workers.

    Every request of a server's run asks a question that server has not seen (its query-vector cache would make a
    repeat nearly free), so `questions` needs WARM_UP + 2 * sum(clients * each) distinct questions."""
    needed = WARM_UP + 2 * sum(c * e for c, e in LOADS)
    questions = list(dict.fromkeys(questions))
    if len(questions) < needed:
        raise WebLoadError(f"the REST bench needs {needed} distinct questions, got {len(questions)}")
    rows = []
    for workers in (1, 2):
        with tempfile.TemporaryDirectory(prefix="planqa-rest-") as scratch:
            progress(f"starting {workers} worker(s)")
            server = BenchServer(Path(scratch), workers=workers)
            used = 0
            try:
                for path in ("rest", "gradio"):
                    run(server.urls, path, questions[used:used + WARM_UP], 4, WARM_UP // 8)  # each worker answered
                    used += WARM_UP // 2
                    for clients, each in LOADS:
                        progress(f"{workers} worker(s), {path}, {clients} clients")
                        fresh = questions[used:used + clients * each]
                        used += clients * each
                        rows.append({"workers": workers, "path": path, "clients": clients,
                                     **run(server.urls, path, fresh, clients, each)})
                        progress(f"  {rows[-1]}")
            finally:
                server.stop()
    return rows


def rest_markdown(rows: list[dict[str, Any]]) -> str:
    """The throughput table as Markdown."""
    paths = {"rest": "JSON API POST /api/v1/ask", "gradio": "Gradio chat /ask (queue)"}
    table = markdown_table([{"workers": r["workers"], "path": paths[r["path"]], "clients": r["clients"],
                             "requests": r["requests"], "errors": r["errors"],
                             "throughput req/s": str(r["throughput req/s"]), "p50 ms": f"{r['p50 ms']:.0f}",
                             "p95 ms": f"{r['p95 ms']:.0f}"} for r in rows], "workers")
    return table + ("\n\nLoopback, on the same 2 cores as the clients. Two workers are two processes on two ports; "
                    "clients are spread across them as a sticky reverse proxy would spread users.")
