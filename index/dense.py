"""Dense vectors of the indexed texts in a FAISS inner-product index (vectors are unit length)."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np


class DenseIndex:
    """An exact inner-product FAISS index; with unit vectors the score is the cosine similarity."""

    def __init__(self, index: faiss.Index) -> None:
        """Wrap a FAISS index."""
        self._index = index

    @classmethod
    def build(cls, vectors: np.ndarray) -> DenseIndex:
        """Index the given unit vectors (n, d)."""
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    @property
    def size(self) -> int:
        """Number of vectors."""
        return int(self._index.ntotal)

    @property
    def dimensions(self) -> int:
        """Vector dimensions."""
        return int(self._index.d)

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of the query vector with every indexed vector, in index order."""
        scores, ids = self._index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), self.size)
        out = np.full(self.size, -1.0, dtype=np.float32)
        valid = ids[0] >= 0
        out[ids[0][valid]] = scores[0][valid]
        return out

    def save(self, path: Path) -> None:
        """Write the index to path."""
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        """Read an index written by save()."""
        return cls(faiss.read_index(str(path)))
