"""Question-bank rankers: the user's question against residents' bank questions, mapped to the bank question's clause.

"bank" matches by embedding (both sides are questions, so both get the query prefix); "bank_bm25" by BM25 over
the bank questions' jieba tokens. A clause scores as its best-matching bank question.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corpus.bank import InScopeQuestion, OutOfScopeQuestion
from index.lexical import LexicalIndex
from qa.retrieval.query import Filters, Query
from qa.retrieval.rankers import RankerContext, register_ranker

NEIGHBOURS = 10


@dataclass(frozen=True)
class BankMatch:
    """The nearest in-scope and out-of-scope bank questions of a query, with their similarities."""

    in_scope: InScopeQuestion | None
    in_similarity: float
    out_of_scope: OutOfScopeQuestion | None
    out_similarity: float
    in_share: float = 0.0  # share of in-scope questions among the nearest NEIGHBOURS bank questions
    in_top3: float = 0.0  # mean similarity of the 3 nearest in-scope questions
    out_top3: float = 0.0  # mean similarity of the 3 nearest out-of-scope questions
    in_weight: float = 0.0  # similarity-weighted (softmax) share of in-scope among the nearest 20


class _BankBase:
    """What both bank rankers share: the bank's in-scope questions and the clause position of each."""

    def __init__(self, context: RankerContext) -> None:
        """Map every in-scope bank question to its clause's position in the catalog."""
        self._catalog = context.catalog
        self._bank = context.index.bank
        self._questions = [q for q in self._bank.in_scope if q.clause_id in context.catalog.position]
        self._rows = np.array([i for i, q in enumerate(self._bank.in_scope) if q.clause_id in context.catalog.position],
                              dtype=np.int64)
        self._clause = np.array([context.catalog.position[q.clause_id] for q in self._questions], dtype=np.int64)

    def _unit_scores(self, question_scores: np.ndarray, floor: float) -> np.ndarray:
        out = np.full(len(self._catalog), floor, dtype=np.float32)
        if len(question_scores):
            np.maximum.at(out, self._clause, question_scores.astype(np.float32))
        return out


class BankDenseRanker(_BankBase):
    """Clauses by the embedding similarity of their best-matching bank question."""

    name = "bank"

    def __init__(self, context: RankerContext) -> None:
        """Use the index's bank question vectors (the sentence voters' rows after the bank's)."""
        super().__init__(context)
        self._vectors = context.index.bank_vectors
        self._n_in = len(self._bank.in_scope)
        self._n_bank = self._n_in + len(self._bank.out_of_scope)
        # Who votes for answer sentences: the in-scope bank questions, then the voters, each with a clause in the catalog.
        position = context.catalog.position
        voter_rows = [self._n_bank + i for i, q in enumerate(self._bank.voters) if q.clause_id in position]
        self._voting = [*self._questions, *(self._bank.voters[row - self._n_bank] for row in voter_rows)]
        self._voting_rows = np.array([*self._rows, *voter_rows], dtype=np.int64)
        self._voting_clause = np.array([position[q.clause_id] for q in self._voting], dtype=np.int64)
        # One question asks the bank four times (ranking, reranker votes, answerability, answer votes): the last
        # vector's similarities are kept, one (key, array) pair swapped in whole so concurrent answers cannot mix.
        self._last: tuple[bytes, np.ndarray] | None = None

    def similarities(self, vector: np.ndarray) -> np.ndarray:
        """Similarity of the vector with every bank question (in-scope first, then out-of-scope; not the voters)."""
        return self._all_similarities(vector)[: self._n_bank]

    def _all_similarities(self, vector: np.ndarray) -> np.ndarray:
        key = np.asarray(vector, dtype=np.float32).tobytes()
        last = self._last
        if last is not None and last[0] == key:
            return last[1]
        sims = self._vectors.scores(vector) if len(self._vectors.ids) else np.zeros(0, dtype=np.float32)
        sims.flags.writeable = False  # shared by every caller of this question: copied before any change
        self._last = (key, sims)
        return sims

    def top_k(self, query: Query, k: int, filters: Filters) -> list[tuple[str, float]]:
        """Clauses by best bank-question similarity; clauses no bank question points at are not ranked."""
        if query.vector is None or not len(self._questions):
            return []
        scores = self.similarities(query.vector)[: self._n_in][self._rows]
        return self._catalog.top(self._unit_scores(scores, 0.0), k, self._catalog.mask(filters), keep_zero=False)

    def closeness(self, vector: np.ndarray) -> float:
        """The similarity of the nearest bank question, in scope or out (0.0 for an empty bank)."""
        sims = self.similarities(vector)
        return float(sims.max()) if len(sims) else 0.0

    def neighbours(self, vector: np.ndarray, exclude: str | None = None) -> BankMatch:
        """The nearest in-scope and out-of-scope bank questions (exclude: a bank id "doc:id" to leave out)."""
        sims = self.similarities(vector)
        if exclude is not None and self._index_of.get(exclude, len(sims)) < len(sims):
            sims = sims.copy()
            sims[self._index_of[exclude]] = -1.0
        ins, outs = sims[: self._n_in], sims[self._n_in :]
        i = int(np.argmax(ins)) if len(ins) else -1
        o = int(np.argmax(outs)) if len(outs) else -1
        order = np.argsort(-sims, kind="stable")
        nearest = order[:NEIGHBOURS]
        share = float(np.mean(nearest < self._n_in)) if len(nearest) else 0.0
        wide = order[:20]
        soft = np.exp((sims[wide] - sims[wide].max()) / 0.02) if len(wide) else np.zeros(0)
        weighted = float(soft[wide < self._n_in].sum() / soft.sum()) if len(wide) else 0.0
        return BankMatch(self._bank.in_scope[i] if i >= 0 else None, float(ins[i]) if i >= 0 else 0.0,
                         self._bank.out_of_scope[o] if o >= 0 else None, float(outs[o]) if o >= 0 else 0.0, share,
                         _top_mean(ins, 3), _top_mean(outs, 3), weighted)

    def sentence_votes(self, vector: np.ndarray, neighbours: int, temperature: float,
                       filters: Filters | None = None) -> dict[tuple[str, int], float]:
        """Softmax shares of the nearest in-scope bank questions and sentence voters (within the filters) per evidence
        sentence, keyed by (document, sentence start): residents who asked alike vote for the sentence that answered
        them."""
        if not len(self._voting) or neighbours < 1 or temperature <= 0:
            return {}
        sims = self._all_similarities(vector)[self._voting_rows]  # aligned with self._voting
        mask = self._catalog.mask(filters or Filters())
        allowed = np.flatnonzero(mask[self._voting_clause]) if mask is not None else np.arange(len(sims))
        if not len(allowed):
            return {}
        nearest = allowed[np.argsort(-sims[allowed], kind="stable")[:neighbours]]
        weights = np.exp((sims[nearest] - sims[nearest[0]]) / temperature)
        weights /= weights.sum()
        votes: dict[tuple[str, int], float] = {}
        for row, weight in zip(nearest, weights, strict=True):
            question = self._voting[int(row)]
            key = (question.doc_id, question.sentence_start)
            votes[key] = votes.get(key, 0.0) + float(weight)
        return votes

    @property
    def _index_of(self) -> dict[str, int]:
        if not hasattr(self, "_ids"):
            self._ids = {bank_id: i for i, bank_id in enumerate(self._vectors.ids)}
        return self._ids


def _top_mean(values: np.ndarray, n: int) -> float:
    """Mean of the n largest values (0.0 for none)."""
    if not len(values):
        return 0.0
    return float(np.mean(np.partition(values, -min(n, len(values)))[-min(n, len(values)):]))


class BankLexicalRanker(_BankBase):
    """Clauses by the BM25 score of their best-matching bank question (jieba tokens, everyday-word expansions)."""

    name = "bank_bm25"

    def __init__(self, context: RankerContext) -> None:
        """Index the bank questions' tokens (a few thousand short texts: built in memory at start-up)."""
        super().__init__(context)
        tokenizer = context.index.tokenizer
        self._lexical = LexicalIndex.build([tokenizer.tokens(q.question) for q in self._questions]) if self._questions else None

    def top_k(self, query: Query, k: int, filters: Filters) -> list[tuple[str, float]]:
        """Clauses by best bank-question BM25 score; clauses without a matching bank question are not ranked."""
        if self._lexical is None:
            return []
        scores = self._lexical.scores(query.tokens)
        return self._catalog.top(self._unit_scores(scores, 0.0), k, self._catalog.mask(filters), keep_zero=False)


register_ranker("bank")(BankDenseRanker)
register_ranker("bank_bm25")(BankLexicalRanker)
