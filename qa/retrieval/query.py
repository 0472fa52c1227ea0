"""The typed query record built once per question, and the analyzer that fills it (words, tokens, expansions)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from index.lexicon import EverydayLexicon
from index.textnorm import normalise
from index.tokenizer import Tokenizer


@dataclass(frozen=True)
class Filters:
    """Which clauses a query may return: one document, one chapter, one topic (None = any)."""

    doc: str | None = None
    chapter: int | None = None
    topic: str | None = None

    @property
    def active(self) -> bool:
        """True when any filter is set."""
        return bool(self.doc or self.chapter is not None or self.topic)


@dataclass
class Query:
    """One question as every stage sees it: normalised once, tokenised once, expanded once, encoded once."""

    text: str  # as typed (stripped)
    normalised: str  # NFKC, simplified, lower case
    words: list[str]  # content words (stopwords and question words removed)
    tokens: list[str]  # BM25 search-mode tokens
    expansion: list[str]  # plan terms for its everyday words (外地 -> 非户籍常住人口)
    expansion_tokens: list[str]  # BM25 tokens of those terms
    filters: Filters = field(default_factory=Filters)
    vector: np.ndarray | None = None  # dense embedding (text plus the first few expansion terms)
    history: list[str] = field(default_factory=list)
    # The lexical gap for these filters, once computed (Retriever.query_gap): ranking and answering both read it.
    gap_memo: tuple[Filters, float] | None = None
    reranked: bool = False  # whether its last hybrid ranking was reordered by the learned reranker
    # The bank's sentence votes for these filters and vote settings, once computed (Retriever.sentence_votes): the
    # reranker, the hand-set sentence choice and the sentence model all read them.
    votes_memo: tuple[tuple, dict] | None = None

    @property
    def match_words(self) -> list[str]:
        """Words a sentence is credited for containing: content words of two or more characters, then expansions."""
        return list(dict.fromkeys(w for w in self.words + self.expansion if len(w) > 1))


class QueryAnalyzer:
    """Turns text into words, tokens and everyday-word expansions with the index's own tokenizer."""

    def __init__(self, tokenizer: Tokenizer, lexicon: EverydayLexicon) -> None:
        """Use the index's tokenizer (its plan terms) and the everyday lexicon."""
        self._tokenizer = tokenizer
        self._lexicon = lexicon

    def analyse(self, text: str, filters: Filters | None = None, use_lexicon: bool = True) -> Query:
        """A query record for text (no vector yet)."""
        expansion = self._lexicon.expand(text).terms if use_lexicon else []
        return Query(
            text=text,
            normalised=normalise(text),
            words=self.content_words(text),
            tokens=self._tokenizer.tokens(text),
            expansion=expansion,
            expansion_tokens=[t for term in expansion for t in self._tokenizer.tokens(term)],
            filters=filters or Filters(),
        )

    def content_words(self, text: str) -> list[str]:
        """Content words of text: two or more characters, or numbers (stopwords and question words removed)."""
        return [w for w in self._tokenizer.words(text) if len(w) > 1 or w.isdigit()]

    def words(self, text: str) -> list[str]:
        """Precise-mode words of text, without stopwords or punctuation."""
        return self._tokenizer.words(text)

    def segment(self, text: str) -> list[str]:
        """Plain jieba words of text (stopwords and punctuation kept)."""
        return self._tokenizer.segment(text)

    def tag(self, text: str) -> list[tuple[str, str]]:
        """(word, part of speech) pairs of text."""
        return self._tokenizer.tag(text)

    def expansions(self, text: str) -> list[str]:
        """Plan terms for the everyday words of text."""
        return self._lexicon.expand(text).terms

    def known_phrases(self) -> set[str]:
        """Everyday phrases the lexicon knows (not unknown names, though the plan never uses them)."""
        return set(self._lexicon.pairs)

    def coverage(self, words: list[str], texts: list[str]) -> float:
        """Share of the words (or their everyday-word expansions) found in the texts."""
        if not words:
            return 0.0
        joined = normalise("".join(texts))
        covered = sum(
            1 for word in words if word in joined or any(e in joined for e in self._lexicon.expand(word).terms)
        )
        return covered / len(words)
