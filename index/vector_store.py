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


class FaissStore:
    """An exact inner-product FAISS index (unit vectors, so scores are cosine similarities)."""

    name = "faiss"

    def __init__(self, index: faiss.Index, ids: list[str], file: str = FILE) -> None:
        """Wrap a FAISS index whose rows are the given ids, in order (saved as `file`)."""
        if index.ntotal != len(ids):
            raise ValueError(f"{index.ntotal} vectors for {len(ids)} ids")
        self._index = index
        self.ids = ids
        self.file = file
        # The flat index is the matrix itself; keeping it as NumPy gives cheap lookups of a few rows.
        self._matrix = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, index.d), np.float32)

    @classmethod
    def build(cls, vectors: np.ndarray, ids: list[str], file: str = FILE) -> FaissStore:
        """Index unit vectors (n, d) under their ids."""
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index, ids, file)

    @property
    def dimensions(self) -> int:
        """Vector dimensions."""
        return int(self._index.d)

    @property
    def size(self) -> int:
        """Number of vectors."""
        return int(self._index.ntotal)

    def scores(self, vector: np.ndarray) -> np.ndarray:
        """Cosine similarity with every stored vector, in ids order."""
        return self._matrix @ np.asarray(vector, dtype=np.float32).reshape(-1)

    def similarity(self, vector: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Cosine similarity with the vectors at these positions."""
        return self._matrix[positions] @ np.asarray(vector, dtype=np.float32).reshape(-1)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The k most similar vectors as (id, score)."""
        scores, rows = self._index.search(np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32), k)
        return [(self.ids[r], float(s)) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0]

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
# manifest "vector_store" value -> (builder, loader). A server-side store registers here too.
VECTOR_STORES: dict[str, tuple[VectorStoreBuilder, VectorStoreLoader]] = {"faiss": (FaissStore.build, FaissStore.load)}
DEFAULT_VECTOR_STORE = "faiss"
