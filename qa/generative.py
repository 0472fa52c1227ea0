"""Room for a generative mode: a local model or an OpenAI-compatible server that must cite, verified the same way.

Only the interface lives here. An implementation receives the question and the verified evidence the extractive
pipeline found, and returns text whose every sentence ends with [n] markers pointing at that evidence;
`accept` decides whether such text may be shown (otherwise the extractive answer is used).
"""

from __future__ import annotations

import re
from typing import Protocol

from qa.records import Citation

_MARKER = re.compile(r"\[(\d+)\]")
_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]?")


class AnswerGenerator(Protocol):
    """Writes an answer from evidence; must cite every sentence with [n] markers of the given citations."""

    def generate(self, question: str, evidence: list[Citation]) -> str:
        """Return answer text with [n] markers."""
        ...


def accept(text: str, evidence: list[Citation]) -> bool:
    """True when every sentence of generated text carries a marker and every marker names given evidence."""
    known = {c.n for c in evidence}
    sentences = [s for s in _SENTENCE.findall(text) if s.strip()]
    if not sentences:
        return False
    for sentence in sentences:
        markers = {int(m) for m in _MARKER.findall(sentence)}
        if not markers or not markers <= known:
            return False
    return True
