"""Hostile input at the command line: batch files, arguments and documents. Each gets a clear message and a
non-zero exit (or a normal answer), never a traceback and never a half-written file."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

import qa.__main__ as qa_cli
from corpus.__main__ import main as corpus_main

GOOD = '{"id": "ok", "question": "老旧小区会怎么改造"}\n'
BAD_BATCHES: dict[str, bytes] = {
    "null question": b'{"id": "1", "question": null}\n',
    "list question": b'{"id": "1", "question": ["a"]}\n',
    "number question": b'{"id": "1", "question": 42}\n',
    "object question": b'{"id": "1", "question": {"text": "a"}}\n',
    "boolean question": b'{"id": "1", "question": true}\n',
    "empty question": b'{"id": "1", "question": "   "}\n',
    "overlong question": json.dumps({"id": "1", "question": "城" * 501}).encode() + b"\n",
    "missing question": b'{"id": "1", "text": "a"}\n',
    "duplicate ids": (GOOD + GOOD).encode(),
    "duplicate ids as int and string": b'{"id": 1, "question": "a"}\n{"id": "1", "question": "b"}\n',
    "id ending in a newline": b'{"id": "1\\n", "question": "a"}\n',
    "id with a tab": b'{"id": "a\\tb", "question": "a"}\n',
    "empty id": b'{"id": "", "question": "a"}\n',
    "id of 5000 digits": b'{"id": ' + b"9" * 5000 + b', "question": "a"}\n',
    "float id": b'{"id": 1.5, "question": "a"}\n',
    "list id": b'{"id": [1], "question": "a"}\n',
    "null id": b'{"id": null, "question": "a"}\n',
    "boolean id": b'{"id": true, "question": "a"}\n',
    "very long id": json.dumps({"id": "x" * 300, "question": "a"}).encode() + b"\n",
    "nested 100000 deep": b'{"id": "1", "question": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
    "nested 30 deep": b'{"id": "1", "question": ' + b"[" * 30 + b"]" * 30 + b"}\n",
    "a 200k-character line": json.dumps({"id": "1", "question": "a" * 200_000}).encode() + b"\n",
    "invalid UTF-8": b'{"id": "1", "question": "\xed\xa0\x80"}\n',
    "Latin-1 bytes": '{"id": "1", "question": "café"}\n'.encode("latin-1"),
    "UTF-16": GOOD.encode("utf-16"),
    "empty file": b"",
    "blank lines only": b"\n\n   \n",
    "array line": b'[{"id": "1", "question": "a"}]\n',
    "string line": b'"just a string"\n',
    "truncated JSON": b'{"id": "1", "question": "a\n',
    "NaN literal": b'{"id": NaN, "question": "a"}\n',
    "NUL bytes": b'{"id": "1", "question": "a"}\x00\x00\n',
    "good line then bad line": (GOOD + '{"id": "2", "question": null}\n').encode(),
}


@pytest.fixture(scope="module")
def service():
    from qa.service import PlanQA

    return PlanQA.open()


@pytest.fixture()
def loaded(monkeypatch, service):
    """The CLI answering with the already loaded real service (loading it per call would take seconds each)."""
    from qa.retrieval import Retriever
    from qa.service import PlanQA

    monkeypatch.setattr(PlanQA, "open", classmethod(lambda cls, model=None: service))
    monkeypatch.setattr(Retriever, "open", classmethod(lambda cls, *args, **kwargs: service.retriever))
    return service


def _batch(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "batch.jsonl"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("command", ["ask", "search"])
@pytest.mark.parametrize("case", list(BAD_BATCHES))
def test_a_bad_batch_file_is_refused_with_its_line(tmp_path, capsys, command, case):
    path = _batch(tmp_path, BAD_BATCHES[case])
    code = qa_cli.main([command, "--batch", str(path), "--json"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "", (case, out[:200])
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    if case not in ("empty file", "blank lines only", "UTF-16", "invalid UTF-8", "Latin-1 bytes", "NUL bytes"):
        assert "line " in err, err


@pytest.mark.parametrize("path", ["/no/such/file.jsonl", "/tmp"])
def test_a_missing_batch_path_is_named(capsys, path):
    assert qa_cli.main(["ask", "--batch", path, "--json"]) == 2
    assert "batch file not found" in capsys.readouterr().err


@pytest.mark.parametrize(("content", "expected_ids"), [
    ('{"id": 7, "question": "老旧小区会怎么改造"}\n', [7]),
    ('{"id": "a", "question": "\\ud800老旧小区会怎么改造"}\n', ["a"]),  # a lone surrogate is replaced
    ('{"question": "老旧小区会怎么改造"}\n', [1]),  # no id: the line number
    ('{"id": "😀", "question": "😀老旧小区会怎么改造😀"}\n', ["😀"]),
])
def test_odd_but_valid_batch_lines_are_answered(tmp_path, capsys, loaded, content, expected_ids):
    path = _batch(tmp_path, content.encode("utf-8"))
    assert qa_cli.main(["ask", "--batch", str(path), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == expected_ids and rows[0]["citations"]


@pytest.mark.parametrize("args", [
    ["ask", "城镇化率", "--chapter", "99"], ["ask", "城镇化率", "--chapter", "-1"], ["ask", "城镇化率", "--chapter", "0"],
    ["search", "城镇化率", "--chapter", "99"], ["search", "城镇化率", "--doc", "no-such-doc"],
    ["ask", "城镇化率", "--doc", "../etc"], ["search", "城镇化率", "--topic", "不存在的主题"],
    ["search", "城镇化率", "-k", "0"], ["search", "城镇化率", "-k", "-5"], ["search", "城镇化率", "-k", "100000"],
    ["ask", ""], ["ask", "   "], ["ask", "城" * 501], ["search", ""],
])
def test_bad_arguments_exit_2_with_one_line(capsys, loaded, args):
    assert qa_cli.main(args) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: ") and err.count("\n") == 1


@pytest.mark.parametrize("question", ["\udced\udca0\udc80老旧小区会怎么改造", "老旧小区\x00会怎么改造"])
def test_undecodable_argument_bytes_are_replaced_not_fatal(capsys, loaded, question):
    assert qa_cli.main(["ask", question, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["citations"][0]["clause_id"] == "qingdao-2021/6.1.2.p1"  # the same as the clean question


@pytest.mark.parametrize("question", ["？？？", "。。。", "……", "!!!", "😀😀"])
def test_punctuation_alone_is_not_answered(capsys, loaded, question):
    assert qa_cli.main(["ask", question, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["abstained"]


def _docx_zip_without_document(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a word document")


BAD_DOCUMENTS = {
    "not-a-zip.docx": lambda p: p.write_bytes(b"PK this is not a zip"),
    "zip-but-not-word.docx": _docx_zip_without_document,
    "not-a-pdf.pdf": lambda p: p.write_bytes(b"%PDF-1.4 broken"),
    "empty.txt": lambda p: p.write_bytes(b""),
    "binary.txt": lambda p: p.write_bytes(bytes(range(256)) * 40),
    "spaces.md": lambda p: p.write_text("   \n\n  ", encoding="utf-8"),
    "huge.txt": lambda p: p.write_text(("第一章 总则\n" + "推进农业转移人口市民化。" * 100 + "\n") * 900, encoding="utf-8"),
    "picture.png": lambda p: p.write_bytes(b"\x89PNG\r\n"),
    "folder.txt": lambda p: p.mkdir(),
}


@pytest.fixture()
def data_folder(tmp_path, monkeypatch):
    """An empty data folder for this test (the shipped plan is added on first use, as on a fresh machine)."""
    folder = tmp_path / "data"
    monkeypatch.setenv("PLANQA_DATA", str(folder))
    return folder


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.mark.parametrize("name", list(BAD_DOCUMENTS))
def test_a_bad_document_is_refused_and_the_store_is_unchanged(tmp_path, capsys, data_folder, name):
    assert corpus_main(["list"]) == 0
    capsys.readouterr()
    before = _tree_digest(data_folder / "corpus")
    path = tmp_path / name
    BAD_DOCUMENTS[name](path)
    assert corpus_main(["add", str(path), "--id", "bad-doc"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    if name == "huge.txt":
        assert "--allow-large" in err and "minutes" in err
    assert _tree_digest(data_folder / "corpus") == before


@pytest.mark.parametrize("doc_id", ["../escape", "UPPER", "a" * 65, "with space", "", "x/y", ".hidden"])
def test_a_bad_document_id_is_refused(tmp_path, capsys, data_folder, doc_id):
    path = tmp_path / "plan.txt"
    path.write_text("第一章 总则\n推进农业转移人口市民化。\n", encoding="utf-8")
    assert corpus_main(["add", str(path), "--id", doc_id]) == 2
    assert "invalid id" in capsys.readouterr().err
    assert not (data_folder / "corpus" / "escape").exists()


def test_big5_text_is_read_as_big5(tmp_path, capsys, data_folder):
    path = tmp_path / "taipei.txt"
    text = "臺北市都市計畫\n第一章 總則\n一、發展基礎\n推進農業轉移人口市民化，提高城鎮化質量。\n"
    path.write_bytes(text.encode("big5") * 5)
    assert corpus_main(["add", str(path), "--id", "taipei-test"]) == 0
    capsys.readouterr()
    assert corpus_main(["show", "taipei-test/1.0.1.p1", "--json"]) == 0
    assert "推進農業轉移人口市民化" in capsys.readouterr().out
