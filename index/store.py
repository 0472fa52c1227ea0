"""Build the search index from the corpus, persist it atomically with a manifest, and load it safely.

A build has three steps, each its own function: prepare the model (conversion, ONNX export), build the
artefacts in memory (tokens, BM25, vectors, vector store), and persist them (files, checksums, folder swap).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from corpus.bank import BankError, BankSet, InScopeQuestion, OutOfScopeQuestion, load_bank
from corpus.files import swap_folder
from corpus.jsonl import read_jsonl, write_jsonl
from corpus.paths import data_root
from corpus.records import Document
from corpus.store import CorpusStore
from index import encoders
from index.backends import FAISS, MILVUS, BackendError, MilvusSettings, backend_choice, milvus_settings
from index.encoders.onnx_export import ensure_onnx
from index.lexical import LexicalIndex
from index.tokenizer import Tokenizer, plan_terms
from index.topics import TopicTagger
from index.units import ParagraphUnit, SentenceUnit, make_units
from index.vector_store import FILE, VECTOR_STORES, FaissStore, VectorStore

INDEX_FORMAT = 4
BANK_VECTORS = "bank_questions.faiss"
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
    backend: str = FAISS
    milvus_writes: Any = None  # the SyncReport of a Milvus build: rows upserted and deleted


@dataclass
class SearchIndex:
    """Everything a search needs, loaded from the index folder."""

    folder: Path
    manifest: dict[str, Any]
    paragraphs: list[ParagraphUnit]
    sentences: list[SentenceUnit]
    lexical: LexicalIndex
    vectors: VectorStore
    tokenizer: Tokenizer
    bank: BankSet
    bank_vectors: VectorStore  # in-scope questions first, then out-of-scope ones, then voters, in BankSet order
    milvus: Any = None  # the MilvusBackend holding the vectors and BM25 rows, when the backend is Milvus

    @property
    def backend(self) -> str:
        """The search backend: faiss (embedded) or milvus."""
        return self.manifest.get("vector_store", FAISS)


@dataclass
class Artefacts:
    """An index built in memory, before it is written."""

    paragraphs: list[ParagraphUnit]
    sentences: list[SentenceUnit]
    tokenizer: Tokenizer
    lexical: LexicalIndex
    vectors: VectorStore
    bank: BankSet
    bank_vectors: VectorStore
    embedded_new: int


def index_dir() -> Path:
    """The folder holding the current index."""
    return data_root() / "index" / "current"


def builder_version() -> str:
    """Hash of the index package's code and data files: a change to tokenizing, topics or units rebuilds."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted([*package.rglob("*.py"), *(package / "data").glob("*")]):
        digest.update(str(path.relative_to(package)).encode())
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


def bank_fingerprint(bank: BankSet) -> str:
    """Hash of every bank question, its clause and evidence: a staff addition rebuilds the bank vectors."""
    digest = hashlib.sha256()
    for q in bank.in_scope:
        digest.update(f"{q.doc_id}|{q.id}|{q.question}|{q.clause_id}|{q.start}\n".encode())
    for q in bank.out_of_scope:
        digest.update(f"{q.doc_id}|{q.id}|{q.question}|{q.category}\n".encode())
    for q in bank.voters:
        digest.update(f"voter|{q.doc_id}|{q.id}|{q.question}|{q.clause_id}|{q.start}\n".encode())
    return digest.hexdigest()[:20]


def bank_rows(bank: BankSet) -> list[InScopeQuestion | OutOfScopeQuestion]:
    """The bank's questions in the order of its vectors: in-scope, out-of-scope, then the sentence voters."""
    return [*bank.in_scope, *bank.out_of_scope, *bank.voters]


def read_bank(documents: list[Document]) -> BankSet:
    """The documents' question bank (an unusable bank file is an index problem the user must fix)."""
    try:
        return load_bank(documents)
    except BankError as exc:
        raise IndexProblem(str(exc)) from None


def sentence_context(paragraph: ParagraphUnit, sentence: SentenceUnit) -> str:
    """Dense text of a sentence: the nearest heading, then the sentence."""
    title = paragraph.path[-1] if paragraph.path else ""
    return f"{title}：{sentence.text}" if title else sentence.text


def prepare_model(model: str | None = None, prepare_queries: bool = True, check: bool = False) -> str:
    """The model to embed with (converting the offline default once), with its query encoder exported to ONNX
    (check: load the export and export it again when it is damaged, as `build --force` does)."""
    from index.embedder import resolve_model

    model_name = resolve_model(model)
    if prepare_queries and encoders.supports(Path(model_name)):
        ensure_onnx(Path(model_name), check=check)
    return model_name


def build_artefacts(documents: list[Document], embedder, progress: bool = False,
                    bank: BankSet | None = None) -> Artefacts:
    """Tokens, BM25 and sentence vectors of every paragraph clause, and the bank's question vectors (cached by text)."""
    tokenizer = Tokenizer(plan_terms(d.clean_text for d in documents))
    paragraphs, sentences = make_units(documents, TopicTagger().tag)
    lexical = LexicalIndex.build([tokenizer.tokens(p.context_text()) for p in paragraphs])
    # Dense vectors are per sentence (a clause scores as its best sentence): whole-clause vectors of long
    # clauses retrieved worse on the development set and cost most of the build time.
    texts = [sentence_context(paragraphs[s.paragraph], s) for s in sentences]
    vectors, embedded_new = embedder.encode_passages(texts, progress=progress)
    build_store = FaissStore.build
    bank = bank if bank is not None else read_bank(documents)
    questions = [q.question for q in bank_rows(bank)]
    bank_vectors, bank_new = embedder.encode_questions_cached(questions, progress=progress)
    bank_ids = [f"{q.doc_id}:{q.id}" for q in bank_rows(bank)]
    if not questions:
        bank_vectors = np.zeros((0, vectors.shape[1]), dtype=np.float32)
    return Artefacts(paragraphs, sentences, tokenizer, lexical, build_store(vectors, [s.id for s in sentences], FILE),
                     bank, build_store(bank_vectors, bank_ids, BANK_VECTORS), embedded_new + bank_new)


def persist(artefacts: Artefacts, folder: Path, manifest: dict[str, Any]) -> None:
    """Write the artefacts and the manifest (with file checksums) into a new folder and swap it in."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-index-", dir=folder.parent))
    try:
        write_jsonl(tmp / "paragraphs.jsonl", [p.to_dict() for p in artefacts.paragraphs])
        write_jsonl(tmp / "sentences.jsonl", [s.to_dict() for s in artefacts.sentences])
        (tmp / "terms.txt").write_text("\n".join(artefacts.tokenizer.terms), encoding="utf-8")
        if manifest.get("vector_store", FAISS) == FAISS:  # on Milvus the sentence vectors live in Milvus only
            artefacts.vectors.save(tmp)
        artefacts.bank_vectors.save(tmp)
        write_jsonl(tmp / "bank_in_scope.jsonl", [q.to_dict() for q in artefacts.bank.in_scope])
        write_jsonl(tmp / "bank_out_of_scope.jsonl", [q.to_dict() for q in artefacts.bank.out_of_scope])
        write_jsonl(tmp / "bank_voters.jsonl", [q.to_dict() for q in artefacts.bank.voters])
        artefacts.lexical.save(tmp / "bm25")
        manifest = {**manifest, "files": {name: _sha256(tmp / name) for name in _all_files(tmp)}}
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        swap_folder(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def build_index(
    documents: list[Document] | None = None,
    model: str | None = None,
    force: bool = False,
    progress: bool = True,
    folder: Path | None = None,
    cache_root: Path | None = None,
    prepare_queries: bool = True,
    backend: str | None = None,
    milvus: MilvusSettings | None = None,
) -> BuildReport:
    """Build (or confirm up to date) the index of the stored corpus in the configured backend; embeddings are reused
    by text hash, and Milvus rows are upserted only when they changed."""
    started = time.perf_counter()
    folder = folder or index_dir()
    documents = documents if documents is not None else CorpusStore.default().load_all()
    fingerprint = corpus_fingerprint(documents)
    from index.embedder import Embedder, model_key

    try:
        existing = read_manifest(folder)
    except IndexProblem:
        if not force:
            raise
        existing = None  # --force rebuilds over a damaged manifest
    try:
        backend = backend_choice(backend, existing.get("vector_store") if existing else None)
        settings = (milvus or milvus_settings(existing.get("milvus") if existing else None)) if backend == MILVUS else None
    except BackendError as exc:
        raise IndexProblem(str(exc)) from None
    model_name = prepare_model(model, prepare_queries, check=force)
    bank = read_bank(documents)
    bank_print = bank_fingerprint(bank)
    if (not force and existing and _is_current(existing, fingerprint, bank_print, model_key(model_name), backend, settings)
            and _files_intact(folder, existing) and _backend_intact(existing, settings)):
        counts = existing["counts"]
        return BuildReport(folder, False, time.perf_counter() - started, counts["paragraphs"], counts["sentences"], 0,
                           existing["model"], backend)
    embedder = Embedder(model_name, cache_root=cache_root)
    artefacts = build_artefacts(documents, embedder, progress, bank)
    writes = None
    if settings is not None:
        # Milvus is written first: until the folder swap below, loaders keep using the previous index.
        writes = sync_milvus(artefacts, settings, embedder.key)
    seconds = time.perf_counter() - started
    persist(artefacts, folder, {
        "format": INDEX_FORMAT,
        "builder": builder_version(),
        "corpus": fingerprint,
        "bank": bank_print,
        "bank_counts": {"in_scope": len(bank.in_scope), "out_of_scope": len(bank.out_of_scope), "voters": len(bank.voters)},
        "documents": [d.doc_id for d in documents],
        "model": Path(model_name).name,
        "model_key": embedder.key,
        "dimensions": embedder.dimensions,
        "query_prefix": embedder.query_prefix,
        "passage_prefix": embedder.passage_prefix,
        "vector_store": backend,
        **({"milvus": settings.to_dict()} if settings else {}),
        "counts": {"paragraphs": len(artefacts.paragraphs), "sentences": len(artefacts.sentences)},
        "libraries": _library_versions(),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "build_seconds": round(seconds, 2),
        "embedded_new": artefacts.embedded_new,
    })
    return BuildReport(folder, True, seconds, len(artefacts.paragraphs), len(artefacts.sentences),
                       artefacts.embedded_new, Path(model_name).name, backend, writes)


def sync_milvus(artefacts: Artefacts, settings: MilvusSettings, key: str):
    """Upsert the changed clause and sentence rows into Milvus and delete the ones that are gone."""
    from index.milvus_backend import ClauseRow, MilvusBackend, MilvusProblem, SentenceRow, topics_field

    paragraphs = artefacts.paragraphs
    sparse = artefacts.lexical.unit_vectors()
    clauses = [ClauseRow(p.clause_id, p.doc_id, p.chapter if p.chapter is not None else -1, topics_field(p.topics), w)
               for p, w in zip(paragraphs, sparse, strict=True)]
    vectors = artefacts.vectors.matrix
    sentences = [
        SentenceRow(s.id, paragraphs[s.paragraph].clause_id, paragraphs[s.paragraph].doc_id, clauses[s.paragraph].chapter,
                    clauses[s.paragraph].topics, f"{key}:{sentence_context(paragraphs[s.paragraph], s)}", vectors[i])
        for i, s in enumerate(artefacts.sentences)
    ]
    try:
        backend = MilvusBackend(settings)
        try:
            backend.ensure_collections(int(vectors.shape[1]))
            return backend.sync(clauses, sentences)
        finally:
            backend.close()
    except MilvusProblem as exc:
        raise IndexProblem(str(exc)) from None


def _backend_intact(manifest: dict[str, Any], settings: MilvusSettings | None) -> bool:
    """For Milvus: the collections hold as many rows as the manifest counts (a lost Lite file rebuilds)."""
    if settings is None:
        return True
    from index.milvus_backend import MilvusBackend, MilvusProblem

    try:
        backend = MilvusBackend(settings)
        try:
            return backend.ping() and backend.count(settings.clauses) == manifest["counts"]["paragraphs"] and \
                backend.count(settings.sentences) == manifest["counts"]["sentences"]
        finally:
            backend.close()
    except MilvusProblem:
        return False


def _is_current(manifest: dict[str, Any], fingerprint: str, bank: str, key: str, backend: str,
                settings: MilvusSettings | None) -> bool:
    return (manifest.get("format") == INDEX_FORMAT and manifest.get("builder") == builder_version()
            and manifest.get("corpus") == fingerprint and manifest.get("bank") == bank and manifest.get("model_key") == key
            and manifest.get("vector_store", FAISS) == backend
            and (settings is None or manifest.get("milvus") == settings.to_dict()))


def load_index(documents: list[Document] | None = None, folder: Path | None = None) -> SearchIndex:
    """Load the index, checking that it matches the corpus and that no file is damaged."""
    folder = folder or index_dir()
    manifest = read_manifest(folder)
    if manifest is None:
        raise IndexProblem(f"no search index at {folder}; run `python -m index build`")
    if manifest.get("format") != INDEX_FORMAT or manifest.get("builder") != builder_version():
        raise IndexProblem(f"the index at {folder} was written by another version of PlanQA; run `python -m index build`")
    if documents is not None and manifest.get("corpus") != corpus_fingerprint(documents):
        raise IndexProblem(f"the index at {folder} was built for a different corpus; run `python -m index build`")
    if documents is not None and manifest.get("bank") != bank_fingerprint(read_bank(documents)):
        raise IndexProblem(f"the question bank changed since the index at {folder} was built; run `python -m index build`")
    for name, expected in manifest.get("files", {}).items():
        path = folder / name
        if not path.exists():
            raise IndexProblem(f"index file {name} is missing; {FIX}")
        if _sha256(path) != expected:
            raise IndexProblem(f"index file {name} is damaged (checksum mismatch); {FIX}")
    store = manifest.get("vector_store", FAISS)
    if store not in (*VECTOR_STORES, MILVUS):
        raise IndexProblem(f"the index at {folder} uses vector store '{store}', which this PlanQA does not have; {FIX}")
    try:
        paragraphs = [ParagraphUnit(**row) for row in read_jsonl(folder / "paragraphs.jsonl")]
        sentences = [SentenceUnit(**row) for row in read_jsonl(folder / "sentences.jsonl")]
        terms = (folder / "terms.txt").read_text(encoding="utf-8").split("\n")
        lexical = LexicalIndex.load(folder / "bm25")
        bank = BankSet([InScopeQuestion(**row) for row in read_jsonl(folder / "bank_in_scope.jsonl")],
                       [OutOfScopeQuestion(**row) for row in read_jsonl(folder / "bank_out_of_scope.jsonl")],
                       voters=[InScopeQuestion(**row) for row in read_jsonl(folder / "bank_voters.jsonl")])
        bank_ids = [f"{q.doc_id}:{q.id}" for q in bank_rows(bank)]
        bank_vectors = FaissStore.load(folder, bank_ids, BANK_VECTORS)
        milvus = None
        if store == MILVUS:
            milvus = _open_milvus(manifest, len(paragraphs), len(sentences))
            from index.milvus_backend import MilvusSentenceVectors

            vectors: VectorStore = MilvusSentenceVectors(milvus, [s.id for s in sentences], int(manifest["dimensions"]))
        else:
            vectors = VECTOR_STORES[store][1](folder, [s.id for s in sentences], FILE)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise IndexProblem(f"the index at {folder} cannot be read ({exc.__class__.__name__}); {FIX}") from None
    if vectors.dimensions != manifest.get("dimensions"):
        raise IndexProblem(f"the index at {folder} has vectors of the wrong size; {FIX}")
    return SearchIndex(folder, manifest, paragraphs, sentences, lexical, vectors, Tokenizer(t for t in terms if t), bank,
                       bank_vectors, milvus)


def _open_milvus(manifest: dict[str, Any], paragraphs: int, sentences: int):
    """Connect to the index's Milvus and check that it holds this index's rows (never fall back to FAISS)."""
    from index.milvus_backend import MilvusBackend, MilvusProblem

    try:
        settings = milvus_settings(manifest.get("milvus"))
        backend = MilvusBackend(settings)
        if not backend.ping():
            raise MilvusProblem(f"Milvus at {settings.uri} has no PlanQA collections '{settings.prefix}_*'")
        backend.load()
        counts = (backend.count(settings.clauses), backend.count(settings.sentences))
    except (MilvusProblem, BackendError) as exc:
        raise IndexProblem(f"{exc}; start Milvus or run `python -m index build --backend milvus` "
                           "(or `--backend faiss` to go back to the embedded backend)") from None
    if counts != (paragraphs, sentences):
        backend.close()
        raise IndexProblem(f"Milvus at {settings.uri} holds {counts[0]} clauses and {counts[1]} sentences, "
                           f"the index {paragraphs} and {sentences}; run `python -m index build --backend milvus`")
    return backend


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The index manifest of a folder (None when there is none); IndexProblem when it is damaged."""
    path = folder / "manifest.json"
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise IndexProblem(f"the index manifest {path} is damaged; {FIX}") from None
    if not isinstance(manifest, dict):
        raise IndexProblem(f"the index manifest {path} is damaged; {FIX}")
    return manifest


def _files_intact(folder: Path, manifest: dict[str, Any]) -> bool:
    files = manifest.get("files", {})
    return bool(files) and all((folder / n).exists() and _sha256(folder / n) == h for n, h in files.items())


def _all_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _library_versions() -> dict[str, str]:
    versions = {}
    for name in ("faiss-cpu", "bm25s", "jieba", "sentence-transformers", "transformers", "torch", "numpy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
