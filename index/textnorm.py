"""Normalise text before matching: full-width to half-width (NFKC), traditional to simplified, lower case, and the
internet and spoken spellings residents type for common words ("有木有" is 有没有)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from opencc import OpenCC

_T2S = OpenCC("t2s")


def _traditional_characters() -> frozenset[str]:
    """Characters OpenCC's t2s dictionary maps to something else (read once from the package's own data)."""
    from pathlib import Path

    import opencc

    table = Path(opencc.__file__).resolve().parent / "dictionary" / "TSCharacters.txt"
    chars = set()
    for line in table.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        if source and targets and targets.split(" ")[0] != source:
            chars.add(source)
    return frozenset(chars)


_TRADITIONAL = _traditional_characters()
SPELLINGS_FILE = Path(__file__).resolve().parent / "data" / "spoken_spellings.tsv"


def _spellings(path: Path = SPELLINGS_FILE) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """The spoken spellings (index/data/spoken_spellings.tsv: spelling, word, and the characters before it that make
    it part of another word, so left alone: "树木有多少" is about trees) as one pattern and its replacements; a line
    without a spelling and a word is a ValueError naming the file and line."""
    words: dict[str, str] = {}
    patterns: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = [*line.split("\t"), "", ""]
        spelling, word, not_after = fields[0].strip(), fields[1].strip(), fields[2].strip()
        if not spelling or not word:
            raise ValueError(f"{path}:{number}: expected 'spelling<TAB>word[<TAB>characters before it that keep it]'")
        words[spelling] = word
        patterns.append((f"(?<![{re.escape(not_after)}])" if not_after else "") + re.escape(spelling))
    return (re.compile("|".join(patterns)) if patterns else None), words


_SPOKEN, _SPOKEN_WORDS = _spellings()


def spoken_spellings(text: str) -> str:
    """Text with residents' internet and spoken spellings written as the words they stand for ("玉米有木有" ->
    "玉米有没有"); the plans never use them."""
    return _SPOKEN.sub(lambda m: _SPOKEN_WORDS[m.group(0)], text) if _SPOKEN is not None else text


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """Return text in NFKC form, simplified characters and lower case (used for queries and indexed text)."""
    text = unicodedata.normalize("NFKC", text)
    # OpenCC (pure Python here) is slow; most text has no traditional character and needs no conversion.
    if not _TRADITIONAL.isdisjoint(text):
        text = _T2S.convert(text)
    return spoken_spellings(text.lower())
