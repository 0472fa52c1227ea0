"""Speed and memory benchmarks: index builds, warm search/ask latency, cold CLI start, peak memory."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from corpus.paths import PROJECT_ROOT
from eval.gold import GoldSet
from eval.metrics import percentile
from qa.service import PlanQA

Progress = Callable[[str], None]


def _subprocess_seconds(args: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(args, cwd=PROJECT_ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {result.stderr.strip()[-500:]}")
    return seconds, result.stdout


def bench_builds(progress: Progress) -> dict[str, Any]:
    """Full build with an empty embedding cache, and a rebuild after one clause changes (fresh processes)."""
    with tempfile.TemporaryDirectory() as tmp:
        progress("full index build (empty embedding cache)")
        full, _ = _subprocess_seconds([sys.executable, "-m", "eval.bench_tasks", "full", tmp])
        progress("incremental rebuild after changing one clause")
        incremental, out = _subprocess_seconds([sys.executable, "-m", "eval.bench_tasks", "incremental", tmp])
        detail = json.loads(out.strip().splitlines()[-1])
    return {
        "full build s (fresh process, model cached, no embedding cache)": round(full, 2),
        "incremental rebuild s (one clause changed, fresh process)": round(incremental, 2),
        "incremental rebuild texts embedded": detail["embedded_new"],
    }


def bench_queries(service: PlanQA, gold: GoldSet, progress: Progress, rounds: int = 1) -> dict[str, Any]:
    """Warm latency of search and ask over the gold questions, and the share spent encoding the query."""
    questions = [q.question for q in gold.questions]
    progress(f"warm search latency over {len(questions)} questions")
    service.retriever.search("热身", k=5)
    search_ms, encode_ms = [], []
    for _ in range(rounds):
        for question in questions:
            service.retriever.clear_cache()
            t0 = time.perf_counter()
            service.retriever.encode_query(question)
            t1 = time.perf_counter()
            service.retriever.clear_cache()
            service.retriever.search(question, k=5)
            t2 = time.perf_counter()
            encode_ms.append((t1 - t0) * 1000)
            search_ms.append((t2 - t1) * 1000)
    progress(f"warm ask latency over {len(questions)} questions")
    service.ask("热身问题")
    ask_ms = []
    for question in questions:
        service.retriever.clear_cache()
        t0 = time.perf_counter()
        service.ask(question)
        ask_ms.append((time.perf_counter() - t0) * 1000)
    return {
        "queries": len(search_ms),
        "search p50 ms": round(percentile(search_ms, 0.5), 1),
        "search p95 ms": round(percentile(search_ms, 0.95), 1),
        "query encoding share of search": round(statistics.fmean(encode_ms) / statistics.fmean(search_ms), 3),
        "query encoding p50 ms": round(percentile(encode_ms, 0.5), 1),
        "ask p50 ms": round(percentile(ask_ms, 0.5), 1),
        "ask p95 ms": round(percentile(ask_ms, 0.95), 1),
    }


def bench_cold_cli(progress: Progress, runs: int = 3) -> dict[str, Any]:
    """Wall time of one-shot `python -m qa search` and `qa ask` processes (index already built)."""
    progress("cold one-shot CLI")
    search = [_subprocess_seconds([sys.executable, "-m", "qa", "search", "海绵城市建设要求", "-k", "3"])[0] for _ in range(runs)]
    ask = [_subprocess_seconds([sys.executable, "-m", "qa", "ask", "到2025年常住人口城镇化率目标是多少"])[0] for _ in range(runs)]
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "cold qa search s (median of 3)": round(statistics.median(search), 2),
        "cold qa ask s (median of 3)": round(statistics.median(ask), 2),
        "peak memory of a one-shot CLI process MB": round(children, 0),
    }


def run_bench(service: PlanQA, gold: GoldSet, progress: Progress, builds: bool = True) -> dict[str, Any]:
    """All benchmarks; figures keyed by a human-readable name."""
    figures: dict[str, Any] = {}
    figures.update(bench_queries(service, gold, progress))
    figures["peak memory of the warm process MB"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)
    figures.update(bench_cold_cli(progress))
    if builds:
        figures.update(bench_builds(progress))
    return {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}, "figures": figures}
