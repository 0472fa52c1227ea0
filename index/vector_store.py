"""Vector stores behind the dense ranker, chosen by the manifest's "vector_store" key; ids are stable sentence ids."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np


class VectorStore(Protocol):
    """Unit vectors keyed by stable ids (e.g. "qingdao-2021/3.2.1.p1#2"), searched by inner product."""

    name: str
    ids: list[str]

    @property
    def dimensions(self) -> int:
        """Vector dimensions."""
        ...

    def scores(self, vector: np.ndarray) -> np.ndarray:
        """Similarity of the vector with every stored vector, in `ids` order."""
        ...

    def similarity(self, vector: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Similarity of the vector with the stored vectors at these positions."""
        ...

    def search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The k most similar stored vectors as (id, score), best first."""
        ...

    def save(self, folder: Path) -> list[str]:
        """Write the store into folder; return the file names written."""
        ...


FILE = "dense_sentences.faiss"
# Exact scans cost ~0.13 µs per vector on this 2-core machine: 100,000 vectors is ~13 ms, the most a query may spend
# on the dense side. Larger stores use HNSW (M=16: under 1 ms per search at 733,000 vectors, build ~70 s); its
# recall@10 of clauses against the exact scan is reported by `python -m eval bench --scale`.
FLAT_MAX_VECTORS = 100_000
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 40
HNSW_EF_SEARCH = 128


class FaissStore:
    """A FAISS inner-product index of unit vectors (scores are cosine similarities): flat, or HNSW when large."""

    name = "faiss"

    def __init__(self, index: faiss.Index, ids: list[str], file: str = FILE) -> None:
        """Wrap a FAISS index whose rows are the given ids, in order (saved as `file`)."""
        if index.ntotal != len(ids):
            raise ValueError(f"{index.ntotal} vectors for {len(ids)} ids")
        self._index = index
        self.ids = ids
        self.file = file
        # Flat and HNSW indexes hold the plain matrix (HNSW in its storage index): a NumPy view of FAISS's own memory
        # (no second copy) gives cheap lookups of a few rows and exact scans of one document's rows.
        flat = faiss.downcast_index(index.storage) if isinstance(index, faiss.IndexHNSW) else index
        if index.ntotal and isinstance(flat, faiss.IndexFlat):
            self._matrix = faiss.rev_swig_ptr(flat.get_xb(), index.ntotal * index.d).reshape(index.ntotal, index.d)
        elif index.ntotal:
            self._matrix = index.reconstruct_n(0, index.ntotal)
        else:
            self._matrix = np.zeros((0, index.d), np.float32)

    @classmethod
    def build(cls, vectors: np.ndarray, ids: list[str], file: str = FILE, flat_max: int | None = None) -> FaissStore:
        """Index unit vectors (n, d) under their ids: exact (flat) up to flat_max vectors, HNSW beyond."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if len(vectors) > (FLAT_MAX_VECTORS if flat_max is None else flat_max):
            index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        else:
            index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return cls(index, ids, file)

    @property
    def exact(self) -> bool:
        """True for a flat index (search is an exact scan); False for HNSW (approximate nearest neighbours)."""
        return not isinstance(self._index, faiss.IndexHNSW)

    @property
    def dimensions(self) -> int:
        """Vector dimensions."""
        return int(self._index.d)

    @property
    def size(self) -> int:
        """Number of vectors."""
        return int(self._index.ntotal)

    @property
    def matrix(self) -> np.ndarray:
        """The stored vectors (n, d), in ids order (read-only use)."""
        return self._matrix

    def scores(self, vector: np.ndarray) -> np.ndarray:
        """Cosine similarity with every stored vector, in ids order."""
        return self._matrix @ np.asarray(vector, dtype=np.float32).reshape(-1)

    def similarity(self, vector: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Cosine similarity with the vectors at these positions."""
        return self._matrix[positions] @ np.asarray(vector, dtype=np.float32).reshape(-1)

    def similarity_range(self, vector: np.ndarray, start: int, end: int) -> np.ndarray:
        """Exact similarity with the contiguous rows [start, end) (one document's sentences)."""
        return self._matrix[start:end] @ np.asarray(vector, dtype=np.float32).reshape(-1)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The k most similar vectors as (id, score)."""
        return [(self.ids[r], s) for r, s in self.search_rows(vector, k)]

    def search_rows(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The k most similar vectors as (row, score), best first (approximate on HNSW)."""
        query = np.ascontiguousarray(np.asarray(vector, dtype=np.float32).reshape(1, -1))
        if self.exact:
            scores, rows = self._index.search(query, k)
        else:  # per-call parameters: threads serving several users never share a mutable efSearch
            scores, rows = self._index.search(query, k, params=faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, k)))
        return [(int(r), float(s)) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0]

    def save(self, folder: Path) -> list[str]:
        """Write the FAISS file (ids live in the index's sentences.jsonl)."""
        faiss.write_index(self._index, str(folder / self.file))
        return [self.file]

    @classmethod
    def load(cls, folder: Path, ids: list[str], file: str = FILE) -> FaissStore:
        """Read a store written by save()."""
        return cls(faiss.read_index(str(folder / file)), ids, file)


VectorStoreLoader = Callable[[Path, list[str], str], VectorStore]
VectorStoreBuilder = Callable[[np.ndarray, list[str], str], VectorStore]
# manifest "vector_store" value -> (builder, loader) of the stores kept in the index folder; the Milvus backend's
# store lives in index/milvus_backend.py, since its rows live outside the folder.
VECTOR_STORES: dict[str, tuple[VectorStoreBuilder, VectorStoreLoader]] = {"faiss": (FaissStore.build, FaissStore.load)}
