"""Split paragraph text into sentences at 。！？；, never inside quotes or brackets."""

from __future__ import annotations

_OPENERS = "“‘（(《【「『〔["
_CLOSERS = "”’）)》】」』〕]"
_ENDS = "。！？；!?;"
# An opener that is never closed must not swallow the rest of a long paragraph.
_MAX_NESTED_CHARS = 200


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Return (start, end) spans of the sentences of text, shifted by offset, without surrounding blanks."""
    spans: list[tuple[int, int]] = []
    start = 0
    depth = 0
    opened_at = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in _OPENERS:
            if depth == 0:
                opened_at = i
            depth += 1
        elif ch in _CLOSERS and depth > 0:
            depth -= 1
        elif depth > 0 and i - opened_at > _MAX_NESTED_CHARS:
            depth = 0
        if ch in _ENDS and depth == 0:
            end = i + 1
            while end < len(text) and (text[end] in _ENDS or text[end] in "”’」』"):
                end += 1
            spans.append((start, end))
            start = end
            i = end
            continue
        i += 1
    if start < len(text):
        spans.append((start, len(text)))
    result = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            result.append((s + offset, e + offset))
    return result
