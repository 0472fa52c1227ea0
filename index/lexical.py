"""BM25 (bm25s) over jieba tokens of the indexed texts."""

from __future__ import annotations

import json
from pathlib import Path

import bm25s
import numpy as np

K1 = 1.2
B = 0.75


class LexicalIndex:
    """A bm25s index whose vocabulary comes from our tokenizer, never bm25s's own splitter."""

    def __init__(self, model: bm25s.BM25, vocabulary: set[str]) -> None:
        """Wrap a built bm25s model and its vocabulary."""
        self._model = model
        self.vocabulary = vocabulary

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> LexicalIndex:
        """Index one token list per unit."""
        model = bm25s.BM25(k1=K1, b=B)
        model.index([tokens or [""] for tokens in token_lists], show_progress=False)
        vocabulary = {t for tokens in token_lists for t in tokens}
        return cls(model, vocabulary)

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every unit for the query tokens (unknown tokens contribute nothing)."""
        known = [t for t in tokens if t in self.vocabulary]
        if not known:
            return np.zeros(self._model.scores["num_docs"], dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)

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
