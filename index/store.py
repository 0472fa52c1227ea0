"""Build the search index from the corpus, persist it atomically with a manifest, and load it safely."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from corpus.jsonl import read_jsonl, write_jsonl
from corpus.paths import data_root
from corpus.records import Document
from corpus.store import CorpusStore
from index import bert_numpy
from index.dense import DenseIndex
from index.lexical import LexicalIndex
from index.onnx_export import ensure_onnx
from index.tokenizer import Tokenizer, plan_terms
from index.topics import TopicTagger
from index.units import ParagraphUnit, SentenceUnit, make_units

INDEX_FORMAT = 2
FIX = "run `python -m index build --force`"


class IndexProblem(Exception):
    """The stored index is missing, stale or damaged; the message says how to fix it."""


@dataclass
class BuildReport:
    """What a build did."""

    folder: Path
    rebuilt: bool
    seconds: float
    paragraphs: int
    sentences: int
    embedded_new: int
    model: str


@dataclass
class SearchIndex:
    """Everything a search needs, loaded from the index folder."""

    folder: Path
    manifest: dict[str, Any]
    paragraphs: list[ParagraphUnit]
    sentences: list[SentenceUnit]
    lexical: LexicalIndex
    dense_sentences: DenseIndex
    tokenizer: Tokenizer
    sentence_paragraph: np.ndarray


def index_dir() -> Path:
    """The folder holding the current index."""
    return data_root() / "index" / "current"


def builder_version() -> str:
    """Hash of the index package's code and data files: a change to tokenizing, topics or units rebuilds."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted([*package.glob("*.py"), *(package / "data").glob("*")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def corpus_fingerprint(documents: list[Document]) -> str:
    """Hash of the documents' ids, clean texts and clause ids: changes whenever search results could."""
    digest = hashlib.sha256()
    for document in documents:
        digest.update(document.doc_id.encode())
        digest.update(document.clean_text.encode())
        for clause in document.paragraphs():
            digest.update(f"{clause.id}:{clause.start}:{clause.end}:{clause.citation}".encode())
    return digest.hexdigest()[:20]


def sentence_context(paragraph: ParagraphUnit, sentence: SentenceUnit) -> str:
    """Dense text of a sentence: the nearest heading, then the sentence."""
    title = paragraph.path[-1] if paragraph.path else ""
    return f"{title}：{sentence.text}" if title else sentence.text


def build_index(
    documents: list[Document] | None = None,
    model: str | None = None,
    force: bool = False,
    progress: bool = True,
    folder: Path | None = None,
    cache_root: Path | None = None,
    prepare_queries: bool = True,
) -> BuildReport:
    """Build (or confirm up to date) the index of the stored corpus; embeddings are reused by text hash."""
    started = time.perf_counter()
    folder = folder or index_dir()
    documents = documents if documents is not None else CorpusStore.default().load_all()
    fingerprint = corpus_fingerprint(documents)
    from index.embedder import Embedder, model_key, resolve_model

    model_name = resolve_model(model)
    if prepare_queries and bert_numpy.supports(Path(model_name)):
        ensure_onnx(Path(model_name))
    existing = _read_manifest(folder)
    current = existing and existing.get("format") == INDEX_FORMAT and existing.get("builder") == builder_version()
    if not force and current and existing.get("corpus") == fingerprint:
        if existing.get("model_key") == model_key(model_name) and _files_intact(folder, existing):
            return BuildReport(
                folder,
                False,
                time.perf_counter() - started,
                existing["counts"]["paragraphs"],
                existing["counts"]["sentences"],
                0,
                existing["model"],
            )
    embedder = Embedder(model_name, cache_root=cache_root)
    tagger = TopicTagger()
    tokenizer = Tokenizer(plan_terms(d.clean_text for d in documents))
    paragraphs, sentences = make_units(documents, tagger.tag)
    lexical = LexicalIndex.build([tokenizer.tokens(p.context_text()) for p in paragraphs])
    # Dense vectors are per sentence (a clause scores as its best sentence): whole-clause vectors of long
    # clauses retrieved worse on the development set and cost most of the build time.
    texts = [sentence_context(paragraphs[s.paragraph], s) for s in sentences]
    vectors, embedded_new = embedder.encode_passages(texts, progress=progress)
    dense_sentences = DenseIndex.build(vectors)

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-index-", dir=folder.parent))
    try:
        write_jsonl(tmp / "paragraphs.jsonl", [p.to_dict() for p in paragraphs])
        write_jsonl(tmp / "sentences.jsonl", [s.to_dict() for s in sentences])
        (tmp / "terms.txt").write_text("\n".join(tokenizer.terms), encoding="utf-8")
        dense_sentences.save(tmp / "dense_sentences.faiss")
        lexical.save(tmp / "bm25")
        seconds = time.perf_counter() - started
        manifest = {
            "format": INDEX_FORMAT,
            "builder": builder_version(),
            "corpus": fingerprint,
            "documents": [d.doc_id for d in documents],
            "model": Path(model_name).name,
            "model_key": embedder.key,
            "dimensions": embedder.dimensions,
            "query_prefix": embedder.query_prefix,
            "passage_prefix": embedder.passage_prefix,
            "counts": {"paragraphs": len(paragraphs), "sentences": len(sentences)},
            "libraries": _library_versions(),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_seconds": round(seconds, 2),
            "embedded_new": embedded_new,
            "files": {name: _sha256(tmp / name) for name in _all_files(tmp)},
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        _swap_in(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return BuildReport(folder, True, seconds, len(paragraphs), len(sentences), embedded_new, Path(model_name).name)


def load_index(documents: list[Document] | None = None, folder: Path | None = None) -> SearchIndex:
    """Load the index, checking that it matches the corpus and that no file is damaged."""
    folder = folder or index_dir()
    manifest = _read_manifest(folder)
    if manifest is None:
        raise IndexProblem(f"no search index at {folder}; run `python -m index build`")
    if manifest.get("format") != INDEX_FORMAT or manifest.get("builder") != builder_version():
        raise IndexProblem(f"the index at {folder} was written by another version of PlanQA; run `python -m index build`")
    if documents is not None and manifest.get("corpus") != corpus_fingerprint(documents):
        raise IndexProblem(f"the index at {folder} was built for a different corpus; run `python -m index build`")
    for name, expected in manifest.get("files", {}).items():
        path = folder / name
        if not path.exists():
            raise IndexProblem(f"index file {name} is missing; {FIX}")
        if _sha256(path) != expected:
            raise IndexProblem(f"index file {name} is damaged (checksum mismatch); {FIX}")
    try:
        paragraphs = [ParagraphUnit(**row) for row in read_jsonl(folder / "paragraphs.jsonl")]
        sentences = [SentenceUnit(**row) for row in read_jsonl(folder / "sentences.jsonl")]
        terms = (folder / "terms.txt").read_text(encoding="utf-8").split("\n")
        lexical = LexicalIndex.load(folder / "bm25")
        dense_sentences = DenseIndex.load(folder / "dense_sentences.faiss")
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise IndexProblem(f"the index at {folder} cannot be read ({exc.__class__.__name__}); {FIX}") from None
    if dense_sentences.size != len(sentences):
        raise IndexProblem(f"the index at {folder} is inconsistent (vector counts differ); {FIX}")
    if dense_sentences.dimensions != manifest.get("dimensions"):
        raise IndexProblem(f"the index at {folder} has vectors of the wrong size; {FIX}")
    return SearchIndex(
        folder=folder,
        manifest=manifest,
        paragraphs=paragraphs,
        sentences=sentences,
        lexical=lexical,
        dense_sentences=dense_sentences,
        tokenizer=Tokenizer(t for t in terms if t),
        sentence_paragraph=np.array([s.paragraph for s in sentences], dtype=np.int64),
    )


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    path = folder / "manifest.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise IndexProblem(f"the index manifest {path} is damaged; {FIX}") from None


def _files_intact(folder: Path, manifest: dict[str, Any]) -> bool:
    files = manifest.get("files", {})
    return bool(files) and all((folder / n).exists() and _sha256(folder / n) == h for n, h in files.items())


def _all_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _swap_in(tmp: Path, folder: Path) -> None:
    """Replace folder by tmp with renames, so readers see the old index or the new one, never a mix."""
    old = None
    if folder.exists():
        old = folder.with_name(f".old-index-{os.getpid()}")
        os.replace(folder, old)
    os.replace(tmp, folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _library_versions() -> dict[str, str]:
    versions = {}
    for name in ("faiss-cpu", "bm25s", "jieba", "sentence-transformers", "transformers", "torch", "numpy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
