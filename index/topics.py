"""Tag clauses with the topics a civil servant would file them under, by rules over the plan's own terms."""

from __future__ import annotations

from pathlib import Path

from index.textnorm import normalise
from index.tokenizer import DATA_DIR, read_lines

# A keyword in a heading counts this much more than one in the body: headings say what a clause is about.
_HEADING_WEIGHT = 3
_THRESHOLD = 2


class TopicTagger:
    """Rules from index/data/topics.tsv: topic<TAB>keyword|keyword|..."""

    def __init__(self, path: Path = DATA_DIR / "topics.tsv") -> None:
        """Load the topic rules."""
        self.rules: dict[str, list[str]] = {}
        for line in read_lines(path):
            topic, _, keywords = line.partition("\t")
            self.rules[topic.strip()] = [normalise(k) for k in keywords.split("|") if k.strip()]

    @property
    def topics(self) -> list[str]:
        """All topic names in their file order."""
        return list(self.rules)

    def tag(self, path: list[str], text: str) -> list[str]:
        """Topics of a clause: keyword hits in its headings (weighted) and body reach the threshold."""
        heading = normalise(" ".join(path[-2:]))
        body = normalise(text)
        tags = []
        for topic, keywords in self.rules.items():
            score = sum(_HEADING_WEIGHT * heading.count(k) + body.count(k) for k in keywords)
            if score >= _THRESHOLD:
                tags.append(topic)
        return tags
