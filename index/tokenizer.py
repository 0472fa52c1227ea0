"""Chinese tokens for BM25: jieba search-mode cutting with the plan's own terms, minus stopwords."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

import jieba

from index.textnorm import normalise

DATA_DIR = Path(__file__).resolve().parent / "data"
_QUOTED = re.compile(r"[“\"《]([^”\"》]{2,14})[”\"》]")
_TOKEN_CHARS = re.compile(r"[\w%]")
jieba.setLogLevel(logging.WARNING)


def read_lines(path: Path) -> list[str]:
    """Non-empty, non-comment lines of a UTF-8 data file."""
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def plan_terms(texts: Iterable[str]) -> set[str]:
    """Terms jieba must keep whole: the curated list plus every short quoted term (“…”, 《…》) of the documents."""
    terms = set(read_lines(DATA_DIR / "plan_terms.txt"))
    for text in texts:
        for match in _QUOTED.finditer(text):
            term = match.group(1)
            if not re.search(r"[，。、；：\s]", term):
                terms.add(term)
    return {normalise(t) for t in terms}


class Tokenizer:
    """jieba in search mode, with a user dictionary of plan terms and a stopword list."""

    def __init__(self, terms: Iterable[str] = ()) -> None:
        """Create a private jieba instance that knows the given plan terms."""
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        self.terms = sorted(set(terms) | {normalise(t) for t in read_lines(DATA_DIR / "plan_terms.txt")})
        for term in self.terms:
            # A high frequency makes jieba prefer the whole term over its parts.
            self._jieba.add_word(term, freq=max(2000, 200 * len(term)))
        self.stopwords = {normalise(w) for w in read_lines(DATA_DIR / "stopwords.txt")}

    def tokens(self, text: str) -> list[str]:
        """Search-mode tokens of text (whole terms plus all their known sub-words), without stopwords or punctuation."""
        out = []
        for word in self.words(text):
            out.append(word)
            if len(word) >= 3:
                out.extend(self._subwords(word))
        return out

    def _subwords(self, word: str) -> list[str]:
        """Dictionary words inside a longer word ("常住人口城镇化率" -> 常住, 人口, 城镇, 城镇化, 城镇化率...)."""
        found = []
        freq = self._jieba.FREQ
        for size in range(2, min(len(word), 9)):
            for i in range(len(word) - size + 1):
                piece = word[i : i + size]
                if freq.get(piece) and piece not in self.stopwords:
                    found.append(piece)
        return found

    def segment(self, text: str) -> list[str]:
        """Plain jieba words of text, punctuation and stopwords kept (for parsing questions)."""
        return [w for w in self._jieba.cut(normalise(text)) if w.strip()]

    def tag(self, text: str) -> list[tuple[str, str]]:
        """(word, part of speech) pairs of text, using this tokenizer's dictionary."""
        from jieba import posseg

        if not hasattr(self, "_posseg"):
            self._posseg = posseg.POSTokenizer(self._jieba)
        return [(p.word, p.flag) for p in self._posseg.cut(normalise(text)) if p.word.strip()]

    def words(self, text: str) -> list[str]:
        """Precise-mode words of text (no sub-words), without stopwords or punctuation."""
        return [
            w
            for w in (t.strip() for t in self._jieba.cut(normalise(text)))
            if w and w not in self.stopwords and _TOKEN_CHARS.search(w)
        ]
