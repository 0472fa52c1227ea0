"""BM25 (bm25s) over jieba tokens of the indexed texts, scored as one sparse matrix product."""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path

import bm25s
import numpy as np
from scipy import sparse

K1 = 1.2
B = 0.75
# bm25s sets its logger to DEBUG on import, which would print a line per index built (the bank's at every start).
logging.getLogger("bm25s").setLevel(logging.WARNING)


class LexicalIndex:
    """A bm25s index whose vocabulary comes from our tokenizer, never bm25s's own splitter.

    bm25s stores each (term, unit) BM25 weight, idf included, in a CSC matrix; a query's score is that matrix times
    the query's term counts. The same weights are the units' sparse vectors on a server backend (Milvus), so both
    backends score alike."""

    def __init__(self, model: bm25s.BM25, vocabulary: set[str]) -> None:
        """Wrap a built bm25s model and its vocabulary."""
        self._model = model
        self.vocabulary = vocabulary
        stored = model.scores
        columns = len(stored["indptr"]) - 1
        self._term_id = {t: i for t, i in model.vocab_dict.items() if i < columns}
        self._matrix = sparse.csc_matrix(
            (stored["data"], stored["indices"], stored["indptr"]), shape=(stored["num_docs"], columns)
        )
        self._rows = self._matrix.tocsr()

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> LexicalIndex:
        """Index one token list per unit."""
        model = bm25s.BM25(k1=K1, b=B)
        model.index([tokens or [""] for tokens in token_lists], show_progress=False)
        vocabulary = {t for tokens in token_lists for t in tokens}
        return cls(model, vocabulary)

    @property
    def size(self) -> int:
        """Number of indexed units."""
        return int(self._matrix.shape[0])

    def query_weights(self, tokens: list[str], expansion: list[str] | None = None,
                      expansion_weight: float = 0.0) -> dict[int, float]:
        """The query as term id -> weight: each known token counts once per occurrence, expansions at their weight."""
        weights: Counter[int] = Counter()
        for token in tokens:
            if token in self.vocabulary and token in self._term_id:
                weights[self._term_id[token]] += 1.0
        if expansion_weight:
            for token in expansion or []:
                if token in self.vocabulary and token in self._term_id:
                    weights[self._term_id[token]] += expansion_weight
        return dict(weights)

    def scores_for(self, weights: dict[int, float], rows: tuple[int, int] | None = None) -> np.ndarray:
        """BM25 score of every unit, or of the units in rows [start, end), for a weighted query (see query_weights)."""
        start, end = rows or (0, self.size)
        if not weights:
            return np.zeros(end - start, dtype=np.float32)
        ids = np.fromiter(weights, dtype=np.int64, count=len(weights))
        values = np.fromiter(weights.values(), dtype=np.float32, count=len(weights))
        if rows is None:
            return np.asarray(self._matrix[:, ids] @ values, dtype=np.float32).reshape(-1)
        # One document's rows: a row slice of the row-major copy touches only that document's postings.
        query = np.zeros(self._matrix.shape[1], dtype=np.float32)
        np.add.at(query, ids, values)
        return np.asarray(self._rows[start:end] @ query, dtype=np.float32).reshape(-1)

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every unit for the query tokens (unknown tokens contribute nothing)."""
        return self.scores_for(self.query_weights(tokens))

    def unit_vectors(self) -> list[dict[int, float]]:
        """Each unit's BM25 weights as a sparse vector (term id -> weight), in unit order."""
        rows = self._rows
        return [
            {int(t): float(w) for t, w in zip(rows.indices[rows.indptr[i]:rows.indptr[i + 1]],
                                              rows.data[rows.indptr[i]:rows.indptr[i + 1]], strict=True) if w}
            for i in range(rows.shape[0])
        ]

    def save(self, folder: Path) -> None:
        """Write the index files into folder."""
        self._model.save(str(folder))
        (folder / "vocabulary.json").write_text(
            json.dumps(sorted(self.vocabulary), ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Read an index written by save()."""
        model = bm25s.BM25.load(str(folder))
        vocabulary = set(json.loads((folder / "vocabulary.json").read_text(encoding="utf-8")))
        return cls(model, vocabulary)
