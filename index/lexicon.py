"""Everyday words -> the plan's terms (外地人 -> 非户籍常住人口), used to expand queries on the lexical side."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from index.textnorm import normalise
from index.tokenizer import DATA_DIR, read_lines


@dataclass(frozen=True)
class Expansion:
    """Plan terms added to a query, and the everyday phrases that triggered them."""

    terms: list[str]
    triggers: list[str]


class EverydayLexicon:
    """Pairs of everyday phrases and plan terms read from index/data/everyday_lexicon.tsv."""

    def __init__(self, path: Path = DATA_DIR / "everyday_lexicon.tsv") -> None:
        """Load the lexicon file (phrase<TAB>term|term...)."""
        self.pairs: dict[str, list[str]] = {}
        for line in read_lines(path):
            phrase, _, terms = line.partition("\t")
            if phrase and terms:
                self.pairs[normalise(phrase.strip())] = [normalise(t.strip()) for t in terms.split("|") if t.strip()]
        # Longest phrases first so that "孩子上学" wins over "上学" when both match the same words.
        self._phrases = sorted(self.pairs, key=len, reverse=True)

    def expand(self, query: str) -> Expansion:
        """Return the plan terms for every everyday phrase found in the query (not already in it)."""
        text = normalise(query)
        covered = [False] * len(text)
        terms: list[str] = []
        triggers: list[str] = []
        for phrase in self._phrases:
            start = text.find(phrase)
            while start >= 0:
                if not all(covered[start : start + len(phrase)]):
                    for i in range(start, start + len(phrase)):
                        covered[i] = True
                    triggers.append(phrase)
                    terms.extend(t for t in self.pairs[phrase] if t not in terms and t not in text)
                    break
                start = text.find(phrase, start + 1)
        return Expansion(terms, triggers)
