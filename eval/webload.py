"""Web load test: many concurrent gradio_client users asking gold questions of the running web app."""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from eval.gold import GoldSet
from eval.metrics import percentile

ASK = "/ask"


class WebLoadError(RuntimeError):
    """The web app could not be reached or driven at all."""


def _client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


def run_web_load(url: str, gold: GoldSet, clients: int = 20, questions_each: int = 10,
                 time_limit_s: float = 600.0) -> dict[str, float]:
    """Drive the app at url from `clients` threads, each asking `questions_each` gold questions; time each answer.

    Every thread has its own gradio_client connection and asks through the app's public `ask` endpoint.
    A request counts as an error when it raises, times out, or returns no answer dict. The whole run stops
    at `time_limit_s`; requests not sent by then are counted as errors.
    """
    questions = [q.question for q in gold.questions]
    if not questions:
        raise WebLoadError("the gold set has no questions")
    try:
        _client(url).close()
    except Exception as exc:  # connection refused, not a Gradio app...
        raise WebLoadError(f"no PlanQA web app answers at {url} ({exc}); start it with `make run`") from exc
    deadline = time.monotonic() + time_limit_s
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0

    def user(number: int) -> None:
        nonlocal errors
        mine = [questions[(number * questions_each + i) % len(questions)] for i in range(questions_each)]
        try:
            client = _client(url)
        except Exception:
            with lock:
                errors += len(mine)
            return
        try:
            for i, question in enumerate(mine):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    with lock:
                        errors += len(mine) - i
                    return
                started = time.perf_counter()
                try:
                    result = client.submit(question, api_name=ASK).result(timeout=remaining)
                    ok = isinstance(result, dict) and "answer" in result
                except Exception:
                    ok = False
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    if ok:
                        latencies.append(elapsed)
                    else:
                        errors += 1
        finally:
            client.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(user, range(clients)))
    wall = time.perf_counter() - started
    requests = clients * questions_each
    return {
        "web clients": clients,
        "web requests": requests,
        "web errors": errors,
        "web p50 ms": round(statistics.median(latencies), 1) if latencies else 0.0,
        "web p95 ms": round(percentile(latencies, 0.95), 1),
        "web throughput req/s": round(len(latencies) / wall, 2) if wall else 0.0,
    }
