"""Pick the plan's own sentences that answer a question and turn them into cited, verified text."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from corpus.records import Document
from index.textnorm import normalise
from qa.records import Citation
from qa.retrieval import QueryScores, Retriever

# Lexical agreement on top of dense similarity: each question word a sentence contains adds this much.
WORD_BONUS = 0.012
# Sentences from lower-ranked clauses need to be this much better to be chosen.
RANK_PENALTY = 0.004
MIN_SENTENCE_CHARS = 8


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved clause that may go into the answer."""

    sentence: int
    paragraph: int
    text: str
    start: int
    end: int
    doc_id: str
    clause_id: str
    citation: str
    score: float
    dense: float


def candidates(retriever: Retriever, query: str, top: int = 3) -> tuple[list[Candidate], QueryScores, list[int]]:
    """Sentences of the query's top clauses, best first, with the scores and the clause ranking used."""
    scores = retriever.score(query, "hybrid")
    fused = retriever.fuse(scores, "hybrid")
    order = [int(i) for i in np.argsort(-fused, kind="stable")[:top]]
    words = question_words(retriever, query) + scores.expansion
    index = retriever.index
    found: list[Candidate] = []
    for rank, paragraph in enumerate(order):
        unit = index.paragraphs[paragraph]
        for s in np.flatnonzero(index.sentence_paragraph == paragraph):
            sentence = index.sentences[s]
            if len(sentence.text) < MIN_SENTENCE_CHARS:
                continue
            text = normalise(sentence.text)
            overlap = sum(1 for w in set(words) if len(w) > 1 and w in text)
            dense = float(scores.sentence_scores[s])
            score = dense + WORD_BONUS * overlap - RANK_PENALTY * rank
            found.append(
                Candidate(int(s), paragraph, sentence.text, sentence.start, sentence.end, unit.doc_id, unit.clause_id,
                          unit.citation, score, dense)
            )
    found.sort(key=lambda c: -c.score)
    return found, scores, order


def question_words(retriever: Retriever, query: str) -> list[str]:
    """Content words of a question (stopwords and question words removed)."""
    return [w for w in retriever.index.tokenizer.words(query) if len(w) > 1 or w.isdigit()]


def coverage(retriever: Retriever, query: str, texts: list[str]) -> float:
    """Share of the question's content words (or their everyday-word expansions) found in the texts."""
    words = question_words(retriever, query)
    if not words:
        return 0.0
    joined = normalise("".join(texts))
    covered = 0
    for word in words:
        expansions = retriever.lexicon.expand(word).terms
        if word in joined or any(e in joined for e in expansions):
            covered += 1
    return covered / len(words)


def choose(found: list[Candidate], limit: int = 3, margin: float = 0.035) -> list[Candidate]:
    """The lead sentence and up to limit-1 supporting ones close to it in score, in reading order per clause."""
    if not found:
        return []
    lead = found[0]
    chosen = [lead]
    for candidate in found[1:]:
        if len(chosen) >= limit:
            break
        if candidate.score >= lead.score - margin and candidate.sentence not in {c.sentence for c in chosen}:
            chosen.append(candidate)
    return chosen


def cite(chosen: list[Candidate], documents: dict[str, Document], first: int = 1) -> list[Citation]:
    """Numbered citations for the chosen sentences, each verified against its document's clean text."""
    citations = []
    for n, candidate in enumerate(chosen, start=first):
        citation = Citation(n, candidate.clause_id, candidate.citation, candidate.text, candidate.start, candidate.end,
                            candidate.doc_id)
        verify(citation, documents)
        citations.append(citation)
    return citations


def verify(citation: Citation, documents: dict[str, Document]) -> None:
    """Raise ValueError unless the quote is exactly the document text at its offsets."""
    document = documents.get(citation.doc_id)
    if document is None or document.clean_text[citation.start : citation.end] != citation.quote:
        raise ValueError(f"citation [{citation.n}] does not match the text of {citation.clause_id}")


def as_answer_sentence(text: str) -> str:
    """A plan sentence as it reads inside an answer: sub-item labels dropped, ending with 。."""
    body = text.strip()
    label = re.match(r"^[（(][一二三四五六七八九十]+[）)]", body)
    if label:
        body = body[label.end() :]
    body = re.sub(r"^[—\-]+", "", body)
    if body and body[-1] in "；;，,、":
        body = body[:-1] + "。"
    elif body and body[-1] not in "。！？”":
        body += "。"
    return body
