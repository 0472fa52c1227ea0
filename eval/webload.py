"""Web load tests: many concurrent gradio_client users asking gold questions of a web app; and the abuse bench, the
same citizens while staff-only endpoints are flooded, against a server of its own."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from eval.gold import GoldSet
from eval.metrics import percentile

ASK = "/ask"


class WebLoadError(RuntimeError):
    """The web app could not be reached or driven at all."""


def _client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


def citizen_asks(url: str, questions: list[str], deadline: float) -> tuple[list[float], int]:
    """One citizen with its own gradio_client connection asking the chat's `ask` endpoint each question in turn:
    (latencies in ms of the answers, failed requests). A request fails when it raises, times out or returns no answer
    dict; requests not sent by the deadline (time.monotonic) count as failed."""
    try:
        client = _client(url)
    except Exception:  # a client that cannot even connect fails all its requests
        return [], len(questions)
    latencies, errors = [], 0
    try:
        for i, question in enumerate(questions):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return latencies, errors + len(questions) - i
            started = time.perf_counter()
            try:
                result = client.submit(question, api_name=ASK).result(timeout=remaining)
                ok = isinstance(result, dict) and "answer" in result
            except Exception:  # gradio_client raises many types; each is one failed request
                ok = False
            if ok:
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                errors += 1
    finally:
        client.close()
    return latencies, errors


User = Callable[[str, list[str], float], tuple[list[float], int]]


def drive(user: User, urls: list[str], questions: list[str], clients: int, each: int,
          time_limit_s: float) -> tuple[list[float], int, float]:
    """`clients` threads, client i on urls[i % len(urls)] (as a sticky proxy spreads users), each asking `each`
    questions (question i*each + j of the list, wrapping around): (latencies in ms, failed requests, wall seconds)."""
    deadline = time.monotonic() + time_limit_s
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0

    def run(number: int) -> None:
        nonlocal errors
        mine = [questions[(number * each + i) % len(questions)] for i in range(each)]
        found, failed = user(urls[number % len(urls)], mine, deadline)
        with lock:
            latencies.extend(found)
            errors += failed

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(run, range(clients)))
    return latencies, errors, time.perf_counter() - started


def run_web_load(url: str, gold: GoldSet, clients: int = 20, questions_each: int = 10,
                 time_limit_s: float = 600.0) -> dict[str, float]:
    """Drive the app at url from `clients` threads, each asking `questions_each` gold questions; time each answer
    (see citizen_asks). The whole run stops at `time_limit_s`."""
    questions = [q.question for q in gold.questions]
    if not questions:
        raise WebLoadError("the gold set has no questions")
    try:
        _client(url).close()
    except Exception as exc:  # connection refused, not a Gradio app...
        raise WebLoadError(f"no PlanQA web app answers at {url} ({exc}); start it with `make run`") from exc
    latencies, errors, wall = drive(citizen_asks, [url], questions, clients, questions_each, time_limit_s)
    return {
        "web clients": clients,
        "web requests": clients * questions_each,
        "web errors": errors,
        "web p50 ms": round(statistics.median(latencies), 1) if latencies else 0.0,
        "web p95 ms": round(percentile(latencies, 0.95), 1),
        "web throughput req/s": round(len(latencies) / wall, 2) if wall else 0.0,
    }


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) if folder.exists() else 0


class BenchServer:
    """`python -m ui` in its own process over a working copy of the data folder (the flood cannot touch the real one)."""

    def __init__(self, scratch: Path, workers: int = 1) -> None:
        """Copy the data folder, create a staff account, start the server (or `workers` of them) on free ports."""
        import os
        import subprocess
        import sys

        from corpus.files import clone_data_folder
        from corpus.paths import PROJECT_ROOT, data_root
        from ui.app import free_ports

        self.data, self.temp = scratch / "data", scratch / "gradio"
        self.temp.mkdir(parents=True)
        clone_data_folder(data_root(), self.data)
        # Every bench client comes from 127.0.0.1, so the per-address limit is lifted for this server only.
        env = {**os.environ, "PLANQA_DATA": str(self.data), "GRADIO_TEMP_DIR": str(self.temp),
               "PLANQA_ASK_PER_MINUTE": "1000000", "PLANQA_ASK_BURST": "1000000"}
        subprocess.run([sys.executable, "-m", "ui", "staff", "add", "bench", "--password-stdin"], input=BENCH_PASSWORD,
                       text=True, env=env, cwd=PROJECT_ROOT, check=True, capture_output=True)
        port = free_ports(workers)
        self.urls = [f"http://127.0.0.1:{port + i}/" for i in range(workers)]
        self.url = self.urls[0]
        self.log = (scratch / "server.log").open("w")
        self.process = subprocess.Popen([sys.executable, "-m", "ui", "--port", str(port), "--workers", str(workers)],
                                        env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.process.stdout.readline()  # "PlanQA 规划问答 ready at ..." once loaded, just before it binds
        if "ready at" not in line:
            self.process.kill()
            raise WebLoadError(f"the web app did not start: {line.strip()}")
        self._wait_until_serving()

    def _wait_until_serving(self, timeout: float = 60.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        waiting = list(self.urls)
        while time.monotonic() < deadline:
            try:
                while waiting and httpx.get(waiting[0], timeout=5).status_code == 200:
                    waiting.pop(0)
                if not waiting:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)  # polling a starting server: the loop ends as soon as it answers
        self.process.kill()
        raise WebLoadError(f"the web app at {self.url} did not answer within {timeout:.0f} s")

    def staff_cookie(self) -> str:
        """A logged-in staff session cookie."""
        import httpx

        response = httpx.post(f"{self.url}staff/login", data={"username": "bench", "password": BENCH_PASSWORD})
        return f"planqa_staff={response.cookies['planqa_staff']}"

    def disk(self) -> int:
        """Bytes the server has written: its data folder (models linked, not counted), Gradio's cache, temp downloads."""
        import tempfile

        downloads = sum(_folder_bytes(p) for p in Path(tempfile.gettempdir()).glob("planqa-ui-*"))
        return _folder_bytes(self.data) + _folder_bytes(self.temp) + downloads

    def stop(self) -> float:
        """SIGTERM; seconds until the process exited (in-flight requests drain first)."""
        import signal

        started = time.perf_counter()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except Exception:
            self.process.kill()
        self.log.close()
        return time.perf_counter() - started


BENCH_PASSWORD = "bench password for the abuse run"


FLOOD_LIMITS = {"evaluate": 60, "export": 300, "anonymous": 600}  # at most this many of each, while citizens ask


def _flood(url: str, cookie: str, stop: threading.Event, counts: dict[str, int], lock: threading.Lock) -> None:
    """Staff-only requests as fast as they go, bounded in count: evaluations and feedback exports (logged in, sent
    without waiting for each other), and anonymous requests to the staff app."""
    import httpx
    from gradio_client import Client

    def count(key: str) -> None:
        with lock:
            counts[key] = counts.get(key, 0) + 1

    staff = Client(f"{url}staff/", verbose=False, analytics_enabled=False, headers={"Cookie": cookie},
                   download_files=False)
    evaluations = []

    def evaluate() -> None:
        while not stop.is_set() and len(evaluations) < FLOOD_LIMITS["evaluate"]:
            evaluations.append(staff.submit(None, ["hybrid"], True, "dev", api_name="/evaluate"))
            stop.wait(0.5)  # pacing the sender: a request every half second

    def export() -> None:
        for _ in range(FLOOD_LIMITS["export"]):
            if stop.is_set():
                return
            try:
                staff.submit(api_name="/feedback_csv").result(timeout=60)
                count("exports served")
            except Exception:
                count("exports failed")

    def anonymous() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            for i in range(FLOOD_LIMITS["anonymous"]):
                if stop.is_set():
                    return
                path = ("staff/gradio_api/queue/join", "staff/gradio_api/upload", "staff/config")[i % 3]
                count(f"anonymous HTTP {client.post(path, json={}).status_code}")

    workers = [threading.Thread(target=f) for f in (evaluate, export, anonymous)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for job in evaluations:
        try:
            result = job.result(timeout=600)
            count("evaluations turned away" if "正在运行" in str(result[0]) else "evaluations run")
        except Exception:
            count("evaluations failed")
    staff.close()


def run_web_abuse(gold: GoldSet, scratch: Path, clients: int = 20, questions_each: int = 10) -> dict[str, float]:
    """Citizens' latency quiet and under a flood of staff-only requests, disk use before and after, SIGTERM drain time."""
    server = BenchServer(scratch)
    try:
        run_web_load(server.url, gold, 4, 3)  # warm-up: first answers load caches
        quiet = run_web_load(server.url, gold, clients, questions_each)
        disk_before = server.disk()
        stop, lock, counts = threading.Event(), threading.Lock(), {}
        flood = threading.Thread(target=_flood, args=(server.url, server.staff_cookie(), stop, counts, lock))
        flood.start()
        loaded = run_web_load(server.url, gold, clients, questions_each)
        stop.set()
        flood.join(timeout=600)
        disk_after = server.disk()
    finally:
        drain = server.stop()
    figures = {f"quiet {k}": v for k, v in quiet.items() if k != "web clients"}
    figures |= {f"flooded {k}": v for k, v in loaded.items() if k not in ("web clients", "web requests")}
    figures["flooded p95 / quiet p95"] = round(loaded["web p95 ms"] / quiet["web p95 ms"], 2) if quiet["web p95 ms"] else 0.0
    figures |= {f"flood: {k}": v for k, v in sorted(counts.items())}
    figures["disk written during the flood (MB)"] = round((disk_after - disk_before) / 1e6, 2)
    figures["SIGTERM to exit (s)"] = round(drain, 1)
    return figures
