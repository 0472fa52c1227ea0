"""Normalise text before matching: full-width to half-width (NFKC), traditional to simplified, lower case."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from opencc import OpenCC

_T2S = OpenCC("t2s")


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """Return text in NFKC form, simplified characters and lower case (used for queries and indexed text)."""
    return _T2S.convert(unicodedata.normalize("NFKC", text)).lower()
