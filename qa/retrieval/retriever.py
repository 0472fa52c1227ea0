"""The retrieval facade: query records, fused rankings, candidate sentences, hits, units by id."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from corpus.store import CorpusStore
from index.backends import BackendError, backend_choice
from index.embedder import Embedder
from index.lexicon import EverydayLexicon
from index.store import IndexProblem, SearchIndex, build_index, load_index
from index.threads import limit_native_threads
from index.units import ParagraphUnit
from qa.records import Hit, QueryError, check_query
from qa.retrieval import bank_rankers, clause_classifier, milvus_rankers  # noqa: F401  (register the bank, classifier and Milvus rankers)
from qa.retrieval.catalog import UnitCatalog
from qa.retrieval.fusion import reciprocal_rank_fusion
from qa.retrieval.query import Filters, Query, QueryAnalyzer
from qa.retrieval.rankers import Ranker, RankerContext, rankers_for
from qa.retrieval.rerank import RANKERS, ClauseEvidence, RerankModel, feature_rows, load_reranker, reorder
from qa.retrieval.sentence_model import SentenceEvidence, SentenceModel, load_sentence_model
from qa.retrieval.sentence_model import feature_rows as sentence_feature_rows
from qa.retrieval.sentences import Candidate, SentenceScorer
from qa.tuning import FusionConfig, Tuning, load_tuning

HYBRID = "hybrid"


class Retriever:
    """Search the indexed clauses of all documents; everything outside this package goes through these methods."""

    def __init__(self, index: SearchIndex, embedder: Embedder | None, tuning: Tuning | None = None) -> None:
        """Use a loaded index and the trained reranker (qa/rerank.json) when there is one; embedder may be None for
        BM25-only search."""
        self._index = index
        self._embedder = embedder
        self.tuning = tuning or load_tuning()
        self.config = self.tuning.fusion
        self.catalog = UnitCatalog(index.paragraphs, index.sentences)
        self.bank = index.bank
        self.analyzer = QueryAnalyzer(index.tokenizer, EverydayLexicon())
        self.scorer = SentenceScorer(self.tuning.sentences)
        self._query_vectors: dict[str, np.ndarray] = {}
        context = RankerContext(index, self.catalog, self.encode_query if embedder else None, self.config)
        self.rankers: dict[str, Ranker] = {name: factory(context) for name, factory in rankers_for(index.backend).items()}
        self.reranker: RerankModel | None = load_reranker()
        self.sentence_model: SentenceModel | None = load_sentence_model()

    @classmethod
    def open(cls, model: str | None = None, auto_build: bool = True, progress: bool = False) -> Retriever:
        """Load the stored index (building it first when missing or stale) and the embedding model."""
        documents = CorpusStore.default().load_all()
        try:
            index = load_index(documents)
            configured = backend_choice(None, index.backend)
            if configured != index.backend:  # a configured backend is never silently replaced by another
                raise IndexProblem(f"the index is on backend '{index.backend}' but PLANQA_BACKEND is '{configured}'; "
                                   f"run `python -m index build --backend {configured}`")
        except IndexProblem:
            if not auto_build:
                raise
            build_index(documents, model=model, progress=progress)
            index = load_index(documents)
        except BackendError as exc:
            raise IndexProblem(str(exc)) from None
        embedder = Embedder(model)
        if embedder.key != index.manifest.get("model_key"):
            raise IndexProblem(
                f"the index was built with model '{index.manifest.get('model')}', not '{Path(embedder.model_name).name}';"
                " run `python -m index build --force` (with the same --model / PLANQA_MODEL)"
            )
        retriever = cls(index, embedder)
        limit_native_threads()  # after loading: the pools of every native library it loaded
        return retriever

    # -- what the index holds -------------------------------------------------------------------------

    @property
    def modes(self) -> tuple[str, ...]:
        """Retrieval modes: hybrid (every weighted ranker, fused) or one ranker by name."""
        return (HYBRID, *self.rankers)

    @property
    def topics(self) -> list[str]:
        """Topic names present in the index, in a stable order."""
        return self.catalog.topics

    @property
    def doc_ids(self) -> list[str]:
        """Ids of the indexed documents."""
        return self.catalog.doc_ids

    def unit(self, clause_id: str) -> ParagraphUnit | None:
        """The retrieval unit (paragraph clause with its headings) with this clause id."""
        return self.catalog.unit(clause_id)

    def units(self, filters: Filters | None = None) -> list[ParagraphUnit]:
        """The units the filters allow, in document order."""
        mask = self.catalog.mask(filters or Filters())
        return list(self.catalog.units) if mask is None else [u for u, m in zip(self.catalog.units, mask, strict=True) if m]

    def index_info(self) -> dict[str, Any]:
        """What built the index: model, corpus fingerprint, build time, vector store."""
        keys = ("model", "corpus", "built_at", "vector_store", "counts")
        return {k: self._index.manifest.get(k) for k in keys}

    @property
    def model_key(self) -> str:
        """The key of the embedding model the index was built with (index.embedder.model_key)."""
        return str(self._index.manifest.get("model_key", ""))

    @property
    def has_embedder(self) -> bool:
        """Whether questions can be encoded (dense search and the answer check need it)."""
        return self._embedder is not None

    @property
    def backend(self) -> str:
        """The search backend the index lives in: faiss (embedded) or milvus."""
        return self._index.backend

    def backend_reachable(self) -> bool:
        """True when the backend answers (always for the embedded one)."""
        return self._index.milvus.ping() if self._index.milvus is not None else True

    # -- queries --------------------------------------------------------------------------------------

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Embeddings of several short query texts (each memoised), one row per text."""
        return np.stack([self.encode_query(t) for t in texts])

    def encode_query_batch(self, texts: list[str]) -> np.ndarray:
        """Embeddings of many query texts at once, not memoised (training data: encoded once, in length order)."""
        if self._embedder is None:
            raise QueryError("dense search needs the embedding model")
        return self._embedder.encode_queries(texts)

    def encode_query(self, text: str) -> np.ndarray:
        """Embedding of a query text (memoised: repeated questions are not re-encoded)."""
        vector = self._query_vectors.get(text)
        if vector is None:
            if self._embedder is None:
                raise QueryError("dense search needs the embedding model")
            vector = self._embedder.encode_queries([text])[0]
            if len(self._query_vectors) >= self.tuning.cache.query_vectors:
                self._query_vectors.clear()
            self._query_vectors[text] = vector
        return vector

    def clear_cache(self) -> None:
        """Forget memoised query vectors (benchmarks time the encoding)."""
        self._query_vectors.clear()

    def prepare(self, text: str, filters: Filters | None = None, config: FusionConfig | None = None,
                dense: bool = True) -> Query:
        """The query record of a question: checked, normalised, tokenised, expanded and (for dense ranking) encoded."""
        config = config or self.config
        filters = filters or Filters()
        self.catalog.check(filters)
        query = self.analyzer.analyse(check_query(text), filters, use_lexicon=config.use_lexicon)
        if dense and self._embedder is not None:
            # The first few plan terms for its everyday words help the dense side too (外地 -> 非户籍常住人口).
            extra = query.expansion[: config.dense_expansion_terms]
            query.vector = self.encode_query(query.text + (" " + " ".join(extra) if extra else ""))
        return query

    def rank(self, query: Query, k: int, mode: str = HYBRID, config: FusionConfig | None = None) -> list[tuple[str, float]]:
        """The k best (clause id, score) pairs: one ranker's list, or the weighted rankers' lists fused."""
        config = config or self.config
        if mode not in self.modes:
            raise QueryError(f"unknown retriever '{mode}'; choose one of {', '.join(self.modes)}")
        if mode != HYBRID:
            query.reranked = False
            return self.rankers[mode].top_k(query, k, query.filters)
        # The ranking is the same whatever k asks for: fused from the tuned depth of each ranker's list (what the
        # reranker was trained on); a longer k only extends it, under its last score, from deeper lists.
        lists, fused = self._fuse(query, config.candidates_per_ranker, config)
        if k > len(fused):
            seen, floor = {clause_id for clause_id, _ in fused}, fused[-1][1] if fused else 0.0
            _, deeper = self._fuse(query, k, config)
            fused += [(clause_id, min(score, floor)) for clause_id, score in deeper if clause_id not in seen]
        # Only with every ranker it was trained on, the dense bank ranker answering: an empty bank, or a filter no
        # bank question reaches, would give it features it never saw (the lexical bank ranker is often silent).
        query.reranked = bool(config.rerank and self.reranker is not None and query.vector is not None
                              and all(name in lists for name in RANKERS) and lists["bank"])
        if query.reranked:
            head, tail = fused[: self.reranker.depth], fused[self.reranker.depth :]
            clauses, features = self._rerank_inputs(query, lists, head)
            reranked = reorder(clauses, self.reranker.probabilities(features))
            if reranked and tail:  # beyond the reranked depth the fused order stays, scored under the last reranked
                floor, last = reranked[-1][1], head[-1][1] or 1.0
                tail = [(clause_id, floor * score / last) for clause_id, score in tail]
            fused = reranked + tail
        return fused[:k]

    def _fuse(self, query: Query, depth: int, config: FusionConfig) -> tuple[dict[str, list[tuple[str, float]]],
                                                                          list[tuple[str, float]]]:
        """Each weighted ranker's top-depth list, and their weighted reciprocal rank fusion."""
        lists = {name: self.rankers[name].top_k(query, depth, query.filters)
                 for name, weight in config.weights.items() if weight and name in self.rankers}
        weights = dict(config.weights)
        if config.lexical_gap_rankers:
            gap = self.query_gap(query, lists.get("bm25"))
            for name in config.lexical_gap_rankers:
                weights[name] = weights.get(name, 0.0) * gap
        return lists, reciprocal_rank_fusion(lists, weights, config.rrf_k, self.catalog.position)

    def rerank_inputs(self, query: Query, depth: int) -> tuple[list[ClauseEvidence], np.ndarray]:
        """The first depth clauses of the fused ranking (the shipped fusion settings, never reranked) and their
        reranker features: what the reranker is trained on."""
        lists, fused = self._fuse(query, self.config.candidates_per_ranker, self.config)  # as rank() fuses them
        return self._rerank_inputs(query, lists, fused[:depth])

    def _rerank_inputs(self, query: Query, lists: dict[str, list[tuple[str, float]]],
                       head: list[tuple[str, float]]) -> tuple[list[ClauseEvidence], np.ndarray]:
        clauses = self.clause_evidence(query, lists, head)
        tops = {name: ranking[0][1] for name, ranking in lists.items() if ranking}
        return clauses, feature_rows(clauses, tops, self.query_gap(query, lists.get("bm25")))

    def clause_evidence(self, query: Query, lists: dict[str, list[tuple[str, float]]],
                        fused: list[tuple[str, float]]) -> list[ClauseEvidence]:
        """What the rankers, the best sentence, the bank's sentence votes and the shared words say of each fused
        clause (the reranker's input)."""
        ranks = {name: {clause_id: i for i, (clause_id, _) in enumerate(ranking)} for name, ranking in lists.items()}
        scores = {name: dict(ranking) for name, ranking in lists.items()}
        similarities = self._similarities(query, [clause_id for clause_id, _ in fused])
        votes = self.sentence_votes(query)
        evidence = []
        for clause_id, fused_score in fused:
            unit = self.catalog.unit(clause_id)
            sims = similarities.get(clause_id)
            vote = sum(votes.get((unit.doc_id, self.catalog.sentences[p].start), 0.0)
                       for p in self.catalog.sentence_positions(clause_id)) if votes else 0.0
            evidence.append(ClauseEvidence(
                clause_id, fused_score,
                {name: r[clause_id] for name, r in ranks.items() if clause_id in r},
                {name: s[clause_id] for name, s in scores.items() if clause_id in s},
                float(sims.max()) if sims is not None and len(sims) else 0.0, vote,
                self.analyzer.coverage(query.words, [unit.context_text()]), len(unit.text), len(unit.path),
            ))
        return evidence

    def query_gap(self, query: Query, bm25_ranking: list[tuple[str, float]] | None = None) -> float:
        """The query's lexical gap under its own filters, computed once (bm25_ranking: its BM25 list, when at hand)."""
        if query.gap_memo is None or query.gap_memo[0] != query.filters:
            if bm25_ranking is None:
                bm25_ranking = self.rankers["bm25"].top_k(query, 1, query.filters)
            query.gap_memo = (query.filters, self.lexical_gap(query, bm25_ranking))
        return query.gap_memo[1]

    def lexical_gap(self, query: Query, bm25_ranking: list[tuple[str, float]]) -> float:
        """Share of the question's words missing from its best BM25 clause (1.0 when nothing matches)."""
        if not bm25_ranking:
            return 1.0
        return 1.0 - self.analyzer.coverage(query.words, [self.unit(bm25_ranking[0][0]).context_text()])

    def candidates(self, query: Query, ranking: list[tuple[str, float]], min_chars: int | None = None,
                   similarities: dict[str, np.ndarray] | None = None) -> list[Candidate]:
        """Sentences of the ranked clauses, scored by the one sentence scorer, best first (similarities: the clauses'
        sentence similarities when already computed)."""
        min_chars = self.tuning.sentences.min_chars if min_chars is None else min_chars
        words = query.match_words
        if similarities is None:
            similarities = self._similarities(query, [clause_id for clause_id, _ in ranking])
        found: list[Candidate] = []
        for rank, (clause_id, _) in enumerate(ranking):
            unit = self.catalog.unit(clause_id)
            if unit is None:
                continue
            for position, dense in zip(self.catalog.sentence_positions(clause_id), similarities[clause_id], strict=True):
                sentence = self.catalog.sentences[position]
                if len(sentence.text) < min_chars:
                    continue
                found.append(Candidate(
                    sentence.id, clause_id, unit.doc_id, unit.citation, sentence.text, sentence.start, sentence.end,
                    rank, float(dense), self.scorer.score(words, sentence.text, float(dense), rank),
                ))
        found.sort(key=lambda c: -c.score)
        return found

    def sentence_votes(self, query: Query) -> dict[tuple[str, int], float]:
        """The nearest bank questions' and sentence voters' softmax shares per evidence sentence (document, start) under
        the query's filters and the tuned vote settings, computed once per query ({} without a bank or a vector)."""
        config = self.tuning.sentences
        key = (query.filters, config.bank_vote_neighbours, config.bank_vote_temperature)
        if query.votes_memo is None or query.votes_memo[0] != key:
            bank = self.rankers.get("bank")
            votes = bank.sentence_votes(query.vector, config.bank_vote_neighbours, config.bank_vote_temperature,
                                        query.filters) \
                if isinstance(bank, bank_rankers.BankDenseRanker) and query.vector is not None else {}
            query.votes_memo = (key, votes)
        return query.votes_memo[1]

    def voted_sentences(self, query: Query, candidates: list[Candidate]) -> list[Candidate]:
        """The candidates re-scored with the nearest bank questions' votes for their evidence sentences, best first (the
        hand-set choice of answer sentences)."""
        config = self.tuning.sentences
        if not config.bank_vote_weight:
            return candidates
        weight = config.bank_vote_weight
        if config.bank_vote_by_gap:  # like the bank rankers' weight: residents' words lean on the bank, the plan's do not
            weight *= self.query_gap(query)
        votes = self.sentence_votes(query)
        if not weight or not votes:  # a question wholly in the plan's words, or no bank: no vote to count
            return candidates
        rescored = [replace(c, score=c.score + weight * votes.get((c.doc_id, c.start), 0.0)) for c in candidates]
        return sorted(rescored, key=lambda c: -c.score)

    def sentence_inputs(self, query: Query, candidates: list[Candidate],
                        ranking: list[tuple[str, float]]) -> np.ndarray:
        """The sentence model's features of these candidates (from ranking's clauses), in their order: what it is
        trained on."""
        votes = self.sentence_votes(query)
        top = (ranking[0][1] if ranking else 0.0) or 1.0
        evidence = []
        for c in candidates:
            unit_position = self.catalog.position[c.clause_id]
            place = self.catalog.sentence_position[c.sentence_id] - int(self.catalog.first_sentence[unit_position])
            evidence.append(SentenceEvidence(c, self.analyzer.coverage(query.words, [c.text]),
                                             ranking[c.clause_rank][1] / top, votes.get((c.doc_id, c.start), 0.0), place))
        return sentence_feature_rows(evidence, self.query_gap(query))

    def rank_sentences(self, query: Query, candidates: list[Candidate],
                       ranking: list[tuple[str, float]]) -> list[Candidate] | None:
        """The candidates scored by the learned sentence model (score: its log-odds), best first; None without a
        model, with it switched off, or for a ranking the reranker did not reorder (its clause shares are what the
        model learned from): then the hand-set score chooses."""
        if self.sentence_model is None or not self.tuning.sentences.model or not query.reranked or not candidates:
            return None
        logits = self.sentence_model.logits(self.sentence_inputs(query, candidates, ranking))
        scored = [replace(c, score=float(z)) for c, z in zip(candidates, logits, strict=True)]
        return sorted(scored, key=lambda c: -c.score)

    def _similarities(self, query: Query, clause_ids: list[str]) -> dict[str, np.ndarray]:
        """Each known clause's sentence similarities to the query, from one vector-store call (one round trip on a
        server backend); zeros without a query vector."""
        known = [c for c in dict.fromkeys(clause_ids) if self.catalog.unit(c) is not None]
        ranges = [self.catalog.sentence_positions(c) for c in known]
        positions = np.array([p for r in ranges for p in r], dtype=np.int64)
        if query.vector is not None and len(positions):
            scores = self._index.vectors.similarity(query.vector, positions)
        else:
            scores = np.zeros(len(positions), dtype=np.float32)
        bounds = np.cumsum([0, *(len(r) for r in ranges)])
        return {c: scores[bounds[i]:bounds[i + 1]] for i, c in enumerate(known)}

    def hits(self, query: Query, ranking: list[tuple[str, float]]) -> list[Hit]:
        """Hits for ranked clauses, each with its best sentences highlighted by the sentence scorer."""
        similarities = self._similarities(query, [clause_id for clause_id, _ in ranking])
        return [self._hit(rank, clause_id, score, self._highlights(query, clause_id, similarities))
                for rank, (clause_id, score) in enumerate(ranking, start=1)]

    def search(
        self,
        query: str | Query,
        k: int = 5,
        doc: str | None = None,
        chapter: int | None = None,
        topic: str | None = None,
        mode: str = HYBRID,
        config: FusionConfig | None = None,
    ) -> list[Hit]:
        """Top-k clauses for the query; an empty query with a topic lists that topic's clauses in plan order."""
        if mode not in self.modes:
            raise QueryError(f"unknown retriever '{mode}'; choose one of {', '.join(self.modes)}")
        if k < 1:
            raise QueryError("k must be at least 1")
        filters = Filters(doc, chapter, topic)
        if isinstance(query, Query):
            prepared = query if not filters.active else replace(query, filters=filters)
        else:
            if not (query or "").strip() and topic:
                self.catalog.check(filters)
                return [self._hit(rank, u.clause_id, 0.0, []) for rank, u in enumerate(self.units(filters)[:k], start=1)]
            prepared = self.prepare(query, filters, config, dense=mode != "bm25")
        return self.hits(prepared, self.rank(prepared, k, mode, config))

    def _highlights(self, query: Query, clause_id: str,
                    similarities: dict[str, np.ndarray] | None = None) -> list[tuple[int, int]]:
        """Offsets of the clause's best sentences: the same scorer and margin that choose answer sentences."""
        ranked = self.candidates(query, [(clause_id, 0.0)], min_chars=0, similarities=similarities)
        long_enough = [c for c in ranked if len(c.text) >= self.tuning.sentences.min_chars] or ranked
        return sorted((c.start, c.end) for c in self.scorer.choose(long_enough, limit=2))

    def _hit(self, rank: int, clause_id: str, score: float, highlights: list[tuple[int, int]]) -> Hit:
        p = self.catalog.unit(clause_id)
        return Hit(rank, p.clause_id, p.citation, p.text, score, p.start, p.end, highlights, p.doc_id, p.chapter,
                   list(p.topics))
