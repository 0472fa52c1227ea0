"""Store parsed documents as files under the data folder, and load them (rebuilding stale ones)."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.cleaning import clean_document
from corpus.files import swap_folder
from corpus.jsonl import read_jsonl, write_jsonl
from corpus.parsing import parse_clauses
from corpus.paths import SHIPPED_DOCS, data_root
from corpus.profile import DocumentProfile, derive_profile, read_overrides
from corpus.readers import read_document
from corpus.records import Clause, CorpusError, Document, Sentence

_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_META = "document.json"

log = logging.getLogger(__name__)


def parser_version() -> str:
    """Hash of the corpus package's code: a change to cleaning or parsing rebuilds stored documents."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_document(doc_id: str, title: str, source_name: str, raw: str,
                   profile_overrides: dict | None = None) -> Document:
    """Clean and parse raw text into a Document (nothing is written)."""
    cleaned = clean_document(raw, title)
    tree = parse_clauses(doc_id, cleaned.clean_text, cleaned.toc)
    if not tree.clauses:
        raise CorpusError(f"{source_name}: no text left after cleaning")
    levels: dict[str, int] = {}
    for clause in tree.clauses:
        levels[clause.level] = levels.get(clause.level, 0) + 1
    stats = {
        "levels": levels,
        "sentences": len(tree.sentences),
        "characters": len(cleaned.clean_text),
        "page_break_joins": cleaned.page_break_joins,
        "repeated_chars_removed": sum(1 for a in cleaned.artefacts if a.kind == "repeated_char"),
        "running_titles_removed": sum(1 for a in cleaned.artefacts if a.kind == "running_title"),
        "toc_entries": len(cleaned.toc),
        "heading_repairs": cleaned.heading_repairs + tree.repairs,
    }
    title = title or (cleaned.cover[0] if cleaned.cover else _first_line_title(raw) or source_name)
    return Document(
        doc_id=doc_id,
        title=title,
        source_name=source_name,
        source_sha256=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
        clean_text=cleaned.clean_text,
        clauses=tree.clauses,
        sentences=tree.sentences,
        stats=stats,
        profile=derive_profile(doc_id, title, cleaned.clean_text, profile_overrides),
    )


# The shipped plan has ~46,000 characters; a document 20 times that is far beyond any single plan.
MAX_DOCUMENT_CHARS = 1_000_000
MAX_FILE_BYTES = 30_000_000  # a .docx or .pdf with images is larger than its text; 30 MB holds any real plan
EMBED_CHARS_PER_MINUTE = 90_000  # measured: the 46k-character plan embeds in ~30 s on 2 cores


@dataclass
class CorpusStore:
    """The stored documents under <data>/corpus, one folder per document."""

    root: Path

    @classmethod
    def default(cls) -> CorpusStore:
        """The store in the project's data folder, with the shipped plan built and current."""
        store = cls(data_root() / "corpus")
        store.ensure_shipped()
        return store

    def doc_ids(self) -> list[str]:
        """Ids of the stored documents, shipped ones first, then by name."""
        if not self.root.exists():
            return []
        ids = sorted(p.name for p in self.root.iterdir() if (p / _META).exists() and not p.name.startswith("."))
        shipped = [d["doc_id"] for d in _catalog()]
        return [i for i in shipped if i in ids] + [i for i in ids if i not in shipped]

    def load(self, doc_id: str) -> Document:
        """Load one stored document (a damaged shipped one is rebuilt from its source; another is named)."""
        folder = self.root / doc_id
        if not (folder / _META).exists():
            raise CorpusError(f"unknown document id '{doc_id}'; see `python -m corpus list`")
        try:
            return self._read(folder)
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            if doc_id not in {d["doc_id"] for d in _catalog()}:
                raise CorpusError(f"the stored document '{doc_id}' is damaged ({exc.__class__.__name__}); add it again"
                                  f" with `python -m corpus add FILE --id {doc_id} --replace`") from None
            log.warning("stored document %s is damaged (%s); rebuilding it from corpus/docs", doc_id, exc)
            self.ensure_shipped(rebuild={doc_id})
            return self._read(folder)

    def _read(self, folder: Path) -> Document:
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
        clean_text = (folder / "clean.txt").read_text(encoding="utf-8")
        clauses = [Clause.from_dict(row) for row in read_jsonl(folder / "clauses.jsonl")]
        sentences = [Sentence.from_dict(row) for row in read_jsonl(folder / "sentences.jsonl")]
        return Document(
            doc_id=meta["doc_id"],
            title=meta["title"],
            source_name=meta["source_name"],
            source_sha256=meta["source_sha256"],
            clean_text=clean_text,
            clauses=clauses,
            sentences=sentences,
            stats=meta.get("stats", {}),
            profile=DocumentProfile.from_dict(meta["profile"]) if meta.get("profile")
            else derive_profile(meta["doc_id"], meta["title"], clean_text),
        )

    def load_all(self) -> list[Document]:
        """Load every stored document."""
        return [self.load(doc_id) for doc_id in self.doc_ids()]

    def add(self, path: Path, doc_id: str | None = None, title: str | None = None, replace: bool = False,
            allow_large: bool = False) -> Document:
        """Read, parse and store a document; on any error nothing stored changes.

        A file over MAX_FILE_BYTES, or a text over MAX_DOCUMENT_CHARS, is refused unless allow_large: embedding it
        would run for hours on these machines, and that must be a decision, not an accident."""
        doc_id = _slug(path) if doc_id is None else doc_id
        if not _ID_PATTERN.match(doc_id):
            raise CorpusError(f"invalid id '{doc_id}': use lowercase letters, digits, '.', '_' or '-' (max 64)")
        if (self.root / doc_id / _META).exists() and not replace:
            raise CorpusError(
                f"document id '{doc_id}' already exists; use --replace to overwrite it or --id to choose another"
            )
        if doc_id in {d["doc_id"] for d in _catalog()}:
            raise CorpusError(f"'{doc_id}' is a document shipped with PlanQA and cannot be replaced")
        if path.is_file() and path.stat().st_size > MAX_FILE_BYTES and not allow_large:
            raise CorpusError(f"{path} is {path.stat().st_size / 1e6:.0f} MB; documents over {MAX_FILE_BYTES // 1_000_000} MB"
                              " are refused unless you pass --allow-large")
        raw = read_document(path)
        if len(raw) > MAX_DOCUMENT_CHARS and not allow_large:
            minutes = len(raw) / EMBED_CHARS_PER_MINUTE
            raise CorpusError(f"{path} has {len(raw):,} characters (the limit is {MAX_DOCUMENT_CHARS:,}); embedding it"
                              f" would take about {minutes:.0f} minutes. Pass --allow-large to add it anyway")
        document = build_document(doc_id, title or "", path.name, raw)
        if not document.paragraphs():
            raise CorpusError(f"{path}: no paragraphs found")
        self._write(document, source=path)
        return document

    def ensure_shipped(self, rebuild: set[str] | None = None) -> None:
        """Build the documents shipped in corpus/docs when missing, damaged (rebuild), or when their text or the
        parser changed."""
        version = parser_version()
        for entry in _catalog():
            source = SHIPPED_DOCS / entry["file"]
            raw = source.read_text(encoding="utf-8")
            meta_path = self.root / entry["doc_id"] / _META
            try:
                overrides = read_overrides(SHIPPED_DOCS / entry["profile"]) if entry.get("profile") else None
            except ValueError as exc:  # a malformed profile file (bad JSON, a corrected name missing a field)
                raise CorpusError(f"the profile of {entry['doc_id']} cannot be read: {exc}") from None
            if meta_path.exists() and entry["doc_id"] not in (rebuild or set()):
                try:
                    meta = json.loads(meta_path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError, ValueError):
                    meta = {}
                current = hashlib.sha256(raw.encode("utf-8")).hexdigest()
                files = all((self.root / entry["doc_id"] / name).exists()
                            for name in ("clean.txt", "clauses.jsonl", "sentences.jsonl"))
                if files and isinstance(meta, dict) and meta.get("source_sha256") == current \
                        and meta.get("parser_version") == version and self._profile_current(entry, meta, overrides):
                    continue
            self._write(build_document(entry["doc_id"], entry["title"], entry["file"], raw, overrides), source=None)

    def _profile_current(self, entry: dict[str, Any], meta: dict[str, Any], overrides: dict[str, Any] | None) -> bool:
        """Whether a stored shipped document's profile is what its profile file now says (an edited place list counts)."""
        try:
            clean_text = (self.root / entry["doc_id"] / "clean.txt").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return False
        wanted = derive_profile(entry["doc_id"], meta.get("title", entry["title"]), clean_text, overrides)
        return meta.get("profile") == wanted.to_dict()

    def _write(self, document: Document, source: Path | None) -> None:
        """Write a document folder atomically: build it beside the store, then rename it into place."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{document.doc_id}-", dir=self.root))
        try:
            (tmp / "clean.txt").write_text(document.clean_text, encoding="utf-8")
            write_jsonl(tmp / "clauses.jsonl", (c.to_dict() for c in document.clauses))
            write_jsonl(tmp / "sentences.jsonl", (s.to_dict() for s in document.sentences))
            if source is not None:
                shutil.copyfile(source, tmp / f"source{source.suffix.lower()}")
            meta = {
                "doc_id": document.doc_id,
                "title": document.title,
                "source_name": document.source_name,
                "source_sha256": document.source_sha256,
                "parser_version": parser_version(),
                "stats": document.stats,
                "profile": document.profile.to_dict() if document.profile else None,
            }
            (tmp / _META).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
            swap_folder(tmp, self.root / document.doc_id)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)


def _first_line_title(raw: str) -> str:
    """The text's first line when it reads as a title (short, not a chapter heading), else ''."""
    first = next((line.strip() for line in raw.splitlines() if line.strip()), "")
    return first if len(first) <= 60 and not re.match(r"^第[一二三四五六七八九十百]+[章节]", first) else ""


def _catalog() -> list[dict[str, str]]:
    return json.loads((SHIPPED_DOCS / "catalog.json").read_text(encoding="utf-8"))


def _slug(path: Path) -> str:
    """A document id from a file name: lowercase ASCII words, or a content hash for non-Latin names."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:48]
    if not slug:
        digest = hashlib.sha256(path.name.encode("utf-8")).hexdigest()[:8]
        slug = f"doc-{digest}"
    return slug
