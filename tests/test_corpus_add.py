"""Adding documents: formats, encodings, documents without chapters, and bad input that changes nothing."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import docx
import matplotlib
import numpy as np
import pytest

from corpus.records import CorpusError
from corpus.store import CorpusStore

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = "第一章 总体要求\n\n坚持以人民为中心。到2030年，常住人口城镇化率达到80%。\n\n第一节 主要目标\n\n一、提高居住证含金量\n\n扩大居住证附加的公共服务。\n"


@pytest.fixture()
def store(tmp_path) -> CorpusStore:
    return CorpusStore(tmp_path / "corpus")


def run_cli(args: list[str], data: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PLANQA_DATA": str(data)}
    return subprocess.run([sys.executable, "-m", "corpus", *args], cwd=PROJECT, env=env, capture_output=True, text=True)


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_gbk_text_is_decoded(store, tmp_path):
    path = tmp_path / "shandong.txt"
    path.write_bytes(SAMPLE.encode("gbk"))
    document = store.add(path, doc_id="shandong")
    assert document.stats["levels"] == {"chapter": 1, "paragraph": 2, "section": 1, "item": 1}
    assert store.load("shandong").clause("shandong/1.1.1.p1").text == "扩大居住证附加的公共服务。"
    assert store.load("shandong").clause("shandong/1.1.1").citation == "第一章 第一节 一、提高居住证含金量"


def test_markdown_headings_make_the_tree(store, tmp_path):
    path = tmp_path / "plan.md"
    path.write_text("# 总则\n\n本规划适用于全市。\n\n## 住房\n\n扩大保障性租赁住房供给。\n", encoding="utf-8")
    document = store.add(path, doc_id="md-plan")
    assert [c.citation for c in document.paragraphs()] == ["总则", "总则 住房"]


def test_document_without_headings_is_split_by_paragraph(store, tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text("各区市：\n\n为做好城镇化工作，现通知如下。\n\n请认真贯彻执行。\n", encoding="utf-8")
    document = store.add(path, doc_id="notice")
    assert [c.text for c in document.paragraphs()] == ["各区市：", "为做好城镇化工作，现通知如下。", "请认真贯彻执行。"]
    assert [c.id for c in document.paragraphs()] == ["notice/p1", "notice/p2", "notice/p3"]


def test_docx_is_read(store, tmp_path):
    path = tmp_path / "jinan.docx"
    d = docx.Document()
    for line in SAMPLE.split("\n\n"):
        d.add_paragraph(line.strip())
    d.save(str(path))
    document = store.add(path, doc_id="jinan")
    assert document.clause("jinan/1.1.1.p1").text == "扩大居住证附加的公共服务。"


def _pdf(path: Path, text: str | None) -> None:
    fig = plt.figure(figsize=(4, 3))
    if text is None:
        fig.figimage(np.array([[0.1, 0.9], [0.5, 0.3]]), resize=True)
    else:
        fig.text(0.1, 0.5, text)
    fig.savefig(path, format="pdf")
    plt.close(fig)


def test_text_layer_pdf_is_read(store, tmp_path):
    path = tmp_path / "report.pdf"
    _pdf(path, "Urbanization rate reaches 80 percent by 2030.")
    document = store.add(path, doc_id="report")
    assert "Urbanization rate reaches 80 percent by 2030." in document.clean_text


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.write_text(""), "is empty"),
        (lambda p: p.write_text("  \n\t\n  "), "no text"),
        (lambda p: p.write_bytes(bytes(range(256)) * 8), "binary"),
        (lambda p: p.mkdir(), "is a folder"),
    ],
    ids=["missing", "empty", "whitespace", "binary", "folder"],
)
def test_bad_files_are_refused_with_one_clear_line_and_nothing_changes(tmp_path, make, message):
    data = tmp_path / "data"
    assert run_cli(["list"], data).returncode == 0
    before = snapshot(data)
    target = tmp_path / "input.txt"
    make(target)
    result = run_cli(["add", str(target), "--id", "bad"], data)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(data) == before


def test_scanned_pdf_is_refused(store, tmp_path):
    path = tmp_path / "scan.pdf"
    _pdf(path, None)
    with pytest.raises(CorpusError, match="no text layer"):
        store.add(path, doc_id="scan")
    assert store.doc_ids() == []


def test_existing_id_is_refused_unless_replace_and_failed_add_changes_nothing(tmp_path):
    data = tmp_path / "data"
    first = tmp_path / "a.txt"
    first.write_text(SAMPLE, encoding="utf-8")
    assert run_cli(["add", str(first), "--id", "city-a"], data).returncode == 0
    before = snapshot(data)
    second = tmp_path / "b.txt"
    second.write_text("第一章 别的\n\n完全不同的内容。\n", encoding="utf-8")
    result = run_cli(["add", str(second), "--id", "city-a"], data)
    assert result.returncode == 2 and "already exists" in result.stderr
    assert snapshot(data) == before
    replaced = run_cli(["add", str(second), "--id", "city-a", "--replace"], data)
    assert replaced.returncode == 0
    shown = run_cli(["show", "city-a/1.p1"], data)
    assert shown.stdout.splitlines()[0] == "第一章 别的" and "完全不同的内容。" in shown.stdout


def test_shipped_plan_cannot_be_replaced(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    result = run_cli(["add", str(path), "--id", "qingdao-2021", "--replace"], tmp_path / "data")
    assert result.returncode == 2 and "shipped" in result.stderr


def test_list_and_show_on_the_real_plan(tmp_path):
    listing = run_cli(["list"], tmp_path / "data")
    assert "qingdao-2021" in listing.stdout and "chapter=10 section=37 item=114 subitem=17" in listing.stdout
    assert "bank=2205+512 voters=2788" in listing.stdout  # the question bank and its sentence voters
    shown = run_cli(["show", "qingdao-2021/3.2.2.p1"], tmp_path / "data")
    assert shown.stdout.splitlines()[0] == "第三章 第二节 二、优化完善居住证制度"
    assert "推动以居住证为载体为非户籍常住人口提供基本公共服务" in shown.stdout
    missing = run_cli(["show", "qingdao-2021/99.1"], tmp_path / "data")
    assert missing.returncode == 2 and "no clause" in missing.stderr


def test_a_shipped_document_is_rebuilt_when_its_profile_file_changes(store):
    import json

    store.ensure_shipped()
    meta_path = store.root / "qingdao-2021" / "document.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert "西海岸" in meta["profile"]["place_names"]  # a place the profile file names, not the title
    # A store built before the profile file named it is stale, though the text and the parser are the same.
    meta["profile"]["place_names"].remove("西海岸")
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    assert "西海岸" not in store.load("qingdao-2021").profile.place_names
    store.ensure_shipped()
    assert "西海岸" in store.load("qingdao-2021").profile.place_names


def test_a_malformed_profile_file_is_a_clear_corpus_error(store, tmp_path, monkeypatch):
    import json
    import shutil

    import corpus.store
    from corpus.paths import SHIPPED_DOCS
    from corpus.records import CorpusError

    docs = tmp_path / "docs"
    shutil.copytree(SHIPPED_DOCS, docs)
    profile = docs / "qingdao-2021.profile.json"
    data = json.loads(profile.read_text(encoding="utf-8"))
    del data["indicator_names"][0]["name"]
    profile.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(corpus.store, "SHIPPED_DOCS", docs)
    with pytest.raises(CorpusError, match="the profile of qingdao-2021 cannot be read: .*indicator_names entry 1"):
        store.ensure_shipped()
    profile.write_text("{not json", encoding="utf-8")
    with pytest.raises(CorpusError, match="the profile of qingdao-2021 cannot be read"):
        store.ensure_shipped()
