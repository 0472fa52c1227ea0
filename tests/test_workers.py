"""`python -m ui --workers N`: N complete servers on consecutive ports, started and stopped together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from corpus.files import clone_data_folder
from corpus.paths import data_root
from ui.app import free_ports

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("workers") / "data"
    clone_data_folder(data_root(), folder)
    return folder


def test_two_workers_each_answer_and_stop_together_on_sigterm(data):
    port = free_ports(2)
    env = {**os.environ, "PLANQA_DATA": str(data)}
    process = subprocess.Popen([sys.executable, "-m", "ui", "--port", str(port), "--workers", "2"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/, http://127.0.0.1:{port + 1}/ (2 workers)" in line, process.stderr.read()
        for worker in (port, port + 1):
            health = httpx.get(f"http://127.0.0.1:{worker}/healthz", timeout=30).json()
            assert health["status"] == "ok" and health["backend"] == "faiss" and health["backend_reachable"]
            answer = httpx.post(f"http://127.0.0.1:{worker}/api/v1/ask",
                                json={"question": "到2025年常住人口城镇化率目标是多少"}, timeout=60).json()
            assert answer["answer"] == "到2025年，常住人口城镇化率目标为78%左右[1]。"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        for worker in (port, port + 1):
            with pytest.raises(httpx.TransportError):
                httpx.get(f"http://127.0.0.1:{worker}/healthz", timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("args, message", [
    (["--workers", "0"], "--workers must be 1 to 8"),
    (["--workers", "9"], "--workers must be 1 to 8"),
])
def test_a_bad_worker_count_is_one_line_and_exit_2(data, args, message):
    result = subprocess.run([sys.executable, "-m", "ui", *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PLANQA_DATA": str(data)})
    assert result.returncode == 2 and result.stderr.strip() == f"error: {message}"


def test_several_workers_refuse_a_milvus_lite_file_they_cannot_share(data, tmp_path):
    env = {**os.environ, "PLANQA_DATA": str(data), "PLANQA_BACKEND": "milvus",
           "PLANQA_MILVUS_URI": str(tmp_path / "planqa.db")}
    result = subprocess.run([sys.executable, "-m", "ui", "--port", str(free_ports(2)), "--workers", "2"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "several workers cannot share a Milvus Lite file" in result.stderr
    assert not (tmp_path / "planqa.db").exists()
