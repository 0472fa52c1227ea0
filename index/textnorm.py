"""Normalise text before matching: full-width to half-width (NFKC), traditional to simplified, lower case."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

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


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """Return text in NFKC form, simplified characters and lower case (used for queries and indexed text)."""
    text = unicodedata.normalize("NFKC", text)
    # OpenCC (pure Python here) is slow; most text has no traditional character and needs no conversion.
    if not _TRADITIONAL.isdisjoint(text):
        text = _T2S.convert(text)
    return text.lower()
