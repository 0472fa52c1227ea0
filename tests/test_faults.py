"""Faults in the data folder: every damaged artefact either heals by itself or is named in one line, and
`python -m index build --force` repairs it. Real CLI runs on a copy of the real data folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from corpus.files import clone_data_folder
from corpus.paths import PROJECT_ROOT, data_root

TOP = "qingdao-2021/6.1.3.p1"  # 海绵城市 is answered by this clause


def _copy_data(target: Path, real_model: bool = False) -> None:
    clone_data_folder(data_root(), target, copy_encoder=real_model)


def _run(data: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PLANQA_DATA": str(data)}
    return subprocess.run([sys.executable, *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _truncate(path: Path, keep: int) -> None:
    data = path.read_bytes()[:keep]
    path.unlink()  # the index's copy may be a hard link or symlink: replace, never write through
    path.write_bytes(data)


def _cut_inside_a_character(path: Path) -> None:
    data = path.read_bytes()
    inside = next(i for i in range(2000, len(data)) if data[i] >= 0x80 and (data[i] & 0xC0) == 0x80)
    _truncate(path, inside)


def _first_file(folder: Path, pattern: str) -> Path:
    return next(iter(sorted(folder.glob(pattern))))


FAULTS = {
    "truncated manifest": lambda d: _truncate(d / "index/current/manifest.json", 40),
    "manifest is a list": lambda d: (d / "index/current/manifest.json").write_text("[]", encoding="utf-8"),
    "manifest is binary": lambda d: (d / "index/current/manifest.json").write_bytes(b"\xff\xfe\x00\x01"),
    "truncated embedding cache": lambda d: _truncate(_first_file(d / "cache", "*.npz"), 1000),
    "truncated faiss index": lambda d: _truncate(d / "index/current/dense_sentences.faiss", 1000),
    "truncated bank vectors": lambda d: _truncate(d / "index/current/bank_questions.faiss", 500),
    "truncated clauses.jsonl": lambda d: _truncate(d / "corpus/qingdao-2021/clauses.jsonl", 3000),
    "sentences.jsonl cut inside a character": lambda d: _cut_inside_a_character(d / "corpus/qingdao-2021/sentences.jsonl"),
    "missing clean.txt": lambda d: (d / "corpus/qingdao-2021/clean.txt").unlink(),
    "stale temporary build folder": lambda d: (d / "index/.tmp-build-stale").mkdir(),
    "truncated ONNX export": lambda d: _truncate(_first_file(d / "models", "*/encoder.onnx"), 5000),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_damaged_artefact_is_named_or_healed_and_build_force_repairs_it(tmp_path, fault):
    _copy_data(tmp_path, real_model=fault == "truncated ONNX export")
    FAULTS[fault](tmp_path)
    before = _run(tmp_path, "-m", "qa", "search", "海绵城市", "-k", "1", "--json")
    assert "Traceback" not in before.stderr, before.stderr[-2000:]
    if before.returncode != 0:  # not healed silently: one line naming the fix
        assert before.returncode == 2 and "index build --force" in before.stderr
    repaired = _run(tmp_path, "-m", "index", "build", "--force")
    assert repaired.returncode == 0 and "Traceback" not in repaired.stderr, repaired.stderr[-2000:]
    after = _run(tmp_path, "-m", "qa", "search", "海绵城市", "-k", "1", "--json")
    assert after.returncode == 0 and "Traceback" not in after.stderr
    assert f'"clause_id": "{TOP}"' in after.stdout


def test_kill_9_during_a_build_keeps_the_old_index(tmp_path):
    _copy_data(tmp_path)
    env = {**os.environ, "PLANQA_DATA": str(tmp_path)}
    # Drop the embedding cache so the build embeds for a while; kill it once it reports progress.
    for cache in (tmp_path / "cache").glob("*.npz"):
        cache.unlink()
    build = subprocess.Popen([sys.executable, "-m", "index", "build", "--force"], cwd=PROJECT_ROOT, env=env,
                             stderr=subprocess.PIPE, text=True)
    seen = ""
    while build.poll() is None and "embed" not in seen.lower():
        seen += build.stderr.read(1)
    build.send_signal(signal.SIGKILL)
    build.wait(timeout=30)
    after = _run(tmp_path, "-m", "qa", "search", "海绵城市", "-k", "1", "--json")
    assert after.returncode == 0 and f'"clause_id": "{TOP}"' in after.stdout, after.stderr[-2000:]


def test_sigterm_lets_an_answer_in_flight_finish_and_keeps_its_record(tmp_path):
    import sqlite3

    from gradio_client import Client
    from gradio_client.utils import Status

    from ui.app import free_port

    _copy_data(tmp_path)
    temp = tmp_path / "tmp"  # the server's temp directory, where its downloads folder goes
    temp.mkdir()
    env = {**os.environ, "PLANQA_DATA": str(tmp_path), "TMPDIR": str(temp)}
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "ui", "--port", str(port)], cwd=PROJECT_ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        assert "ready at" in server.stdout.readline()
        assert len(list(temp.glob("planqa-ui-*"))) == 1  # the goals tab's table is written there at start
        client = None
        while client is None:  # it prints "ready" just before it binds; connect once it accepts
            try:
                client = Client(f"http://127.0.0.1:{port}/", verbose=False, analytics_enabled=False)
            except Exception:
                assert server.poll() is None, (tmp_path / "server.log").read_text()
        job = client.submit("明天青岛会下雨吗" + "？" * 400, api_name="/ask")  # refused: its record is a write
        while job.status().code not in (Status.PROCESSING, Status.FINISHED):
            assert not job.done() or job.status().code == Status.FINISHED
        server.send_signal(signal.SIGTERM)
        result = job.result(timeout=60)
        assert result["abstained"] and result["answer_id"]
        # uvicorn drains, then re-raises the signal so the exit status still says "terminated by SIGTERM".
        assert server.wait(timeout=40) in (0, -signal.SIGTERM)
        assert list(temp.glob("planqa-ui-*")) == []  # removed once drained, though the signal skips exit handlers
    finally:
        if server.poll() is None:
            server.kill()
        log.close()
    with sqlite3.connect(tmp_path / "feedback.sqlite3") as db:
        assert db.execute("SELECT vote, answer_id FROM feedback").fetchall() == [("refused", result["answer_id"])]


def test_an_atomic_write_gives_a_new_file_the_mode_open_gives_and_keeps_a_replaced_files_mode(tmp_path):
    """Models, reports and tuning written by one account stay readable by the server's; an owner-only file stays so."""
    from corpus.files import atomic_write_text

    reference = tmp_path / "by-open.txt"
    reference.write_text("x", encoding="utf-8")
    made = tmp_path / "model.json"
    atomic_write_text(made, "{}")
    assert made.stat().st_mode & 0o777 == reference.stat().st_mode & 0o777
    made.chmod(0o600)
    atomic_write_text(made, "{\"a\": 1}")
    assert made.stat().st_mode & 0o777 == 0o600 and made.read_text(encoding="utf-8") == "{\"a\": 1}"


def test_staff_accounts_are_owner_only_from_the_first_write(tmp_path):
    from ui.staff import StaffAccounts

    accounts = StaffAccounts(tmp_path / "staff.json")
    accounts.add("first", "a long enough password")
    assert (tmp_path / "staff.json").stat().st_mode & 0o777 == 0o600
    accounts.add("second", "another long password")
    accounts.remove("first")
    assert (tmp_path / "staff.json").stat().st_mode & 0o777 == 0o600 and accounts.names() == ["second"]
