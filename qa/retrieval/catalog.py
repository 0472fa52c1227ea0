"""The retrieval units (paragraph clauses) and their sentences, addressed by stable ids, with vectorised filters."""

from __future__ import annotations

import numpy as np

from index.units import ParagraphUnit, SentenceUnit
from qa.records import QueryError
from qa.retrieval.query import Filters


class UnitCatalog:
    """Units by id and position; filter masks computed with NumPy, never a Python loop per query."""

    def __init__(self, units: list[ParagraphUnit], sentences: list[SentenceUnit]) -> None:
        """Index the units and sentences of a loaded search index."""
        self.units = units
        self.sentences = sentences
        self.position = {u.clause_id: i for i, u in enumerate(units)}
        self.sentence_position = {s.id: i for i, s in enumerate(sentences)}
        self.sentence_unit = np.array([s.paragraph for s in sentences], dtype=np.int64)
        # Sentences are stored in unit order: unit i owns sentences [first[i], first[i] + count[i]).
        self.sentence_count = np.bincount(self.sentence_unit, minlength=len(units)) if len(sentences) else np.zeros(
            len(units), dtype=np.int64)
        self.first_sentence = np.concatenate([[0], np.cumsum(self.sentence_count)[:-1]]).astype(np.int64)
        self.doc_ids = list(dict.fromkeys(u.doc_id for u in units))
        code = {d: i for i, d in enumerate(self.doc_ids)}
        self._doc_code = np.array([code[u.doc_id] for u in units], dtype=np.int64)
        self._chapter = np.array([u.chapter if u.chapter is not None else -1 for u in units], dtype=np.int64)
        self.topics = list(dict.fromkeys(t for u in units for t in u.topics))
        topic_code = {t: i for i, t in enumerate(self.topics)}
        pairs = np.array([(i, topic_code[t]) for i, u in enumerate(units) for t in u.topics], dtype=np.int64).reshape(-1, 2)
        self._topic_masks = {}
        for t, j in topic_code.items():
            mask = np.zeros(len(units), dtype=bool)
            mask[pairs[pairs[:, 1] == j, 0]] = True
            self._topic_masks[t] = mask
        # Units are stored document by document: each document is one contiguous range of units (and sentences).
        starts = np.flatnonzero(np.r_[True, self._doc_code[1:] != self._doc_code[:-1]]) if len(units) else np.array([])
        ends = np.r_[starts[1:], len(units)] if len(units) else np.array([])
        self._doc_range = {self.doc_ids[int(self._doc_code[s])]: (int(s), int(e)) for s, e in zip(starts, ends, strict=True)}
        self._chapters = {d: set(self._chapter[s:e].tolist()) - {-1} for d, (s, e) in self._doc_range.items()}

    def __len__(self) -> int:
        """Number of units."""
        return len(self.units)

    def unit(self, clause_id: str) -> ParagraphUnit | None:
        """The unit with this clause id, or None."""
        position = self.position.get(clause_id)
        return self.units[position] if position is not None else None

    def sentence_positions(self, clause_id: str) -> range:
        """Positions of a unit's sentences."""
        i = self.position[clause_id]
        start = int(self.first_sentence[i])
        return range(start, start + int(self.sentence_count[i]))

    def doc_range(self, doc_id: str) -> tuple[int, int] | None:
        """The document's units as a [start, end) range of positions, or None when its units are not contiguous."""
        return self._doc_range.get(doc_id) if len(self._doc_range) == len(self.doc_ids) else None

    def sentence_range(self, units: tuple[int, int]) -> tuple[int, int]:
        """The sentences of a [start, end) range of units."""
        start, end = units
        if start >= end:
            return (0, 0)
        return int(self.first_sentence[start]), int(self.first_sentence[end - 1] + self.sentence_count[end - 1])

    def check(self, filters: Filters) -> None:
        """Raise QueryError naming what exists when a filter names an unknown document, chapter or topic."""
        if filters.doc and filters.doc not in self.doc_ids:
            raise QueryError(f"unknown document '{filters.doc}'; see `python -m corpus list`")
        if filters.topic and filters.topic not in self._topic_masks:
            raise QueryError(f"unknown topic '{filters.topic}'; topics: {', '.join(self.topics)}")
        if filters.chapter is not None:
            chapters = self._chapters.get(filters.doc, set()) if filters.doc else set().union(*self._chapters.values())
            if filters.chapter not in chapters:
                shown = ", ".join(str(c) for c in sorted(chapters))
                raise QueryError(f"there is no chapter {filters.chapter}; chapters: {shown}")

    def mask(self, filters: Filters) -> np.ndarray | None:
        """Boolean mask of the units the filters allow, or None when nothing is filtered."""
        if not filters.active:
            return None
        mask = np.ones(len(self.units), dtype=bool)
        if filters.doc:
            mask &= self._doc_code == (self.doc_ids.index(filters.doc) if filters.doc in self.doc_ids else -2)
        if filters.chapter is not None:
            mask &= self._chapter == filters.chapter
        if filters.topic:
            mask &= self._topic_masks.get(filters.topic, np.zeros(len(self.units), dtype=bool))
        return mask

    def top(self, scores: np.ndarray, k: int, mask: np.ndarray | None, keep_zero: bool = True,
            offset: int = 0) -> list[tuple[str, float]]:
        """The k best units by score as (clause id, score); ties keep document order; masked units never appear.

        scores (and mask) may cover a slice of the units starting at position offset (one document's range)."""
        allowed = np.ones(len(scores), dtype=bool) if mask is None else mask.copy()
        if not keep_zero:
            allowed &= scores > 0
        candidates = np.flatnonzero(allowed)
        if len(candidates) == 0:
            return []
        values = scores[candidates]
        if len(candidates) > k:
            keep = np.argpartition(-values, k - 1)[:k]
            # Units tied with the k-th score are all kept, so the stable sort below breaks ties by document order.
            threshold = values[keep].min()
            keep = np.flatnonzero(values >= threshold)
            candidates, values = candidates[keep], values[keep]
        order = np.lexsort((candidates, -values))[:k]
        return [(self.units[offset + int(candidates[i])].clause_id, float(values[i])) for i in order]

    def scope(self, filters: Filters) -> tuple[int, int, np.ndarray | None]:
        """The unit range a query needs to score, and the mask within it: one document's contiguous range when the
        filters name a document (so a per-document query never touches other documents' rows), else everything."""
        doc_range = self.doc_range(filters.doc) if filters.doc else None
        mask = self.mask(filters)
        if doc_range is None:
            return 0, len(self.units), mask
        start, end = doc_range
        rest = Filters(None, filters.chapter, filters.topic)
        inner = self.mask(rest)
        return start, end, None if inner is None else inner[start:end]
