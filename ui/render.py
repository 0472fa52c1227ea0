"""HTML for the web page: answers with [n] markers, citation cards, search snippets, clause context.

Every piece of text that comes from a document or a user goes through `esc` before it is placed
in markup; the only unescaped markup is the fixed tags written in this module.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable

from corpus.records import Clause, Document
from qa.records import Answer, Citation, Hit

ClauseLookup = Callable[[str], Clause | None]

_MARKER = re.compile(r"\[(\d{1,3})\]")
SNIPPET_CHARS = 90  # characters of context shown on each side of a quote


def esc(text: object) -> str:
    """HTML-escaped text (quotes too); None becomes ''."""
    return html.escape("" if text is None else str(text), quote=True)


def esc_lines(text: str) -> str:
    """Escaped text with line breaks as <br> (so a Markdown renderer sees no blank line)."""
    return "<br>".join(esc(line) for line in str(text).splitlines() if line.strip()) or esc(text)


def markers(text: str) -> str:
    """Escaped answer text whose [n] markers become superscript citation badges."""
    return _MARKER.sub(lambda m: f'<sup class="pq-ref">[{m.group(1)}]</sup>', esc_lines(text))


def mark_span(text: str, start: int, end: int, css: str = "pq-quote") -> str:
    """Escaped text with text[start:end] wrapped in a <mark>."""
    start, end = max(0, start), min(len(text), end)
    if start >= end:
        return esc_lines(text)
    return f'{esc_lines(text[:start])}<mark class="{css}">{esc_lines(text[start:end])}</mark>{esc_lines(text[end:])}'


def locate(clause: Clause | None, quote: str, start: int, end: int) -> tuple[int, int] | None:
    """Where a quote sits inside its clause's text (relative offsets), or None."""
    if clause is None:
        return None
    s, e = start - clause.start, end - clause.start
    if 0 <= s < e <= len(clause.text) and clause.text[s:e] == quote:
        return s, e
    found = clause.text.find(quote) if quote else -1
    return (found, found + len(quote)) if found >= 0 else None


def snippet(text: str, start: int, end: int, around: int = SNIPPET_CHARS, css: str = "pq-quote") -> str:
    """Escaped window of text around [start, end) with that part marked, ellipses where cut."""
    left, right = max(0, start - around), min(len(text), end + around)
    head = "…" if left > 0 else ""
    tail = "…" if right < len(text) else ""
    return head + mark_span(text[left:right], start - left, end - left, css) + tail


def doc_badge(doc_id: str, titles: dict[str, str] | None) -> str:
    """The document's short title before a citation, when several documents are loaded (titles given)."""
    if not titles or doc_id not in titles:
        return ""
    return f'<span class="pq-doc">《{esc(titles[doc_id])}》</span>'


def citation_card(citation: Citation, clause: Clause | None, titles: dict[str, str] | None = None) -> str:
    """A numbered card: (document,) citation path, the quote highlighted in its clause, the whole clause on demand."""
    where = locate(clause, citation.quote, citation.start, citation.end)
    if clause is not None and where:
        body = snippet(clause.text, *where)
        full = mark_span(clause.text, *where)
        more = (
            f'<details class="pq-more"><summary>展开整条原文</summary><div class="pq-full">{full}</div></details>'
            if where[0] > SNIPPET_CHARS or len(clause.text) - where[1] > SNIPPET_CHARS
            else ""
        )
    else:
        body, more = f'<mark class="pq-quote">{esc_lines(citation.quote)}</mark>', ""
    return (
        f'<div class="pq-card"><div class="pq-card-head"><span class="pq-n">{citation.n}</span>'
        f'{doc_badge(citation.doc_id, titles)}<span class="pq-cite">{esc(citation.citation)}</span></div>'
        f'<div class="pq-snippet">{body}</div>{more}</div>'
    )


def hit_card(hit: Hit, label: str = "", titles: dict[str, str] | None = None) -> str:
    """A card for a related clause: its citation and best-matching sentences."""
    if hit.highlights:
        s, e = hit.highlights[0][0] - hit.start, hit.highlights[0][1] - hit.start
        body = snippet(hit.text, s, e, around=40, css="pq-near")
    else:
        body = esc_lines(hit.text[:160]) + ("…" if len(hit.text) > 160 else "")
    badge = f'<span class="pq-n pq-n-related">{esc(label)}</span>' if label else ""
    return (
        f'<div class="pq-card pq-card-related"><div class="pq-card-head">{badge}{doc_badge(hit.doc_id, titles)}'
        f'<span class="pq-cite">{esc(hit.citation)}</span></div><div class="pq-snippet">{body}</div></div>'
    )


def answer_html(answer: Answer, lookup: ClauseLookup, titles: dict[str, str] | None = None) -> str:
    """The assistant's message: answer text with markers, then citation cards (or related clauses); titles (given
    when several documents are loaded) name each citation's document."""
    parts = ['<div class="pq-answer">']
    css = "pq-text pq-refusal" if answer.abstained else "pq-text"
    parts.append(f'<div class="{css}">{markers(answer.answer)}</div>')
    if answer.citations:
        parts.append('<div class="pq-section">依据（规划原文）</div>')
        parts += [citation_card(c, lookup(c.clause_id), titles) for c in answer.citations]
    if answer.abstained and answer.related:
        parts.append('<div class="pq-section">相关条款（供参考，并非直接答案）</div>')
        parts += [hit_card(h, titles=titles) for h in answer.related]
    parts.append("</div>")
    return "".join(parts)


def understood_html(understood_as: str, asked: str) -> str:
    """"理解为：…" above an answer whose question was read as a follow-up ('' when it was answered as typed)."""
    if not understood_as or understood_as.strip() == asked.strip():
        return ""
    return f'<div class="pq-understood">理解为：{esc(understood_as)}</div>'


def notice_html(message: str) -> str:
    """A notice shown in place of an answer (question too long, empty...)."""
    return f'<div class="pq-answer"><div class="pq-notice">⚠️ {esc(message)}</div></div>'


def question_html(question: str) -> str:
    """The user's message, escaped (Markdown and HTML both shown as typed)."""
    return f'<div class="pq-question">{esc_lines(question)}</div>'


def term_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Non-overlapping spans of text matching the longest query terms (numbers only whole)."""
    terms = {t for t in terms if t}
    spans, i = [], 0
    longest = max((len(t) for t in terms), default=0)
    while i < len(text):
        for j in range(min(len(text), i + longest), i + 1, -1):
            term = text[i:j]
            if term not in terms:
                continue
            if (term[0].isdigit() and i > 0 and text[i - 1].isdigit()) or (
                term[-1].isdigit() and j < len(text) and text[j].isdigit()
            ):
                continue
            spans.append((i, j))
            i = j - 1
            break
        i += 1
    return spans


def highlight(text: str, terms: Iterable[str], sentences: list[tuple[int, int]] | None = None) -> str:
    """Escaped text with the query's terms in <mark> and the best sentences (relative offsets) tinted."""
    spans = term_spans(text, terms)
    cuts = sorted({0, len(text), *[max(0, min(len(text), p)) for s in sentences or [] for p in s]})
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        inner, pos = [], a
        for s, e in spans:
            s, e = max(s, a), min(e, b)
            if s < e:
                inner += [esc(text[pos:s]), f"<mark>{esc(text[s:e])}</mark>"]
                pos = e
        inner.append(esc(text[pos:b]))
        tinted = any(s <= a and b <= e for s, e in sentences or [])
        out.append(f'<span class="pq-hl">{"".join(inner)}</span>' if tinted else "".join(inner))
    return "".join(out)


def search_snippet(hit: Hit, terms: Iterable[str], limit: int = 170) -> str:
    """Result-table text: a window of the clause around its best sentence, query terms highlighted."""
    text = hit.text
    sentences = [(s - hit.start, e - hit.start) for s, e in hit.highlights]
    if len(text) <= limit:
        return highlight(text, terms, sentences)
    centre = sentences[0][0] if sentences else 0
    left = max(0, min(centre - 30, len(text) - limit))
    right = left + limit
    window = [(max(s, left) - left, min(e, right) - left) for s, e in sentences if e > left and s < right]
    return ("…" if left else "") + highlight(text[left:right], terms, window) + ("…" if right < len(text) else "")


def breadcrumb(clause: Clause) -> str:
    """The clause's heading path as escaped breadcrumbs."""
    return " › ".join(esc(p) for p in clause.path)


def clause_context(document: Document, clause_id: str, terms: Iterable[str] = (), neighbours: int = 1) -> str:
    """A paragraph clause with its path and the paragraphs before and after it."""
    paragraphs = document.paragraphs()
    index = next((i for i, p in enumerate(paragraphs) if p.id == clause_id), None)
    if index is None:
        clause = document.clause(clause_id)
        return f'<div class="pq-context">{esc_lines(clause.text) if clause else "未找到该条款。"}</div>'
    clause = paragraphs[index]
    parts = [
        '<div class="pq-context">',
        f'<div class="pq-path">📍 {esc(document.title)} › {breadcrumb(clause)}</div>',
        f'<div class="pq-cid">条款编号：{esc(clause.id)}</div>',
    ]
    for j in range(max(0, index - neighbours), min(len(paragraphs), index + neighbours + 1)):
        p = paragraphs[j]
        css = "pq-ctx pq-ctx-main" if j == index else "pq-ctx"
        label = "本条" if j == index else ("上一条" if j < index else "下一条")
        text = highlight(p.text, terms) if j == index else esc_lines(p.text)
        parts.append(
            f'<div class="{css}"><div class="pq-ctx-head"><b>{label}</b> · {esc(p.citation)}</div>'
            f'<div class="pq-ctx-text">{text}</div></div>'
        )
    parts.append("</div>")
    return "".join(parts)


def node_html(document: Document, clause: Clause) -> str:
    """A chapter, section or item with all its text, headings of its children set apart."""
    parts = [
        '<div class="pq-node">',
        f'<div class="pq-path">📍 {esc(document.title)} › {breadcrumb(clause)}</div>',
        f'<h3 class="pq-node-title">{esc(clause.citation)}</h3>',
    ]
    children = [c for c in document.clauses if c.start >= clause.start and c.end <= clause.end and c.id != clause.id]
    headings = [c for c in children if c.level != "paragraph"]
    paragraphs = [c for c in children if c.level == "paragraph"]
    if not paragraphs:
        parts.append(f'<div class="pq-ctx-text">{esc_lines(clause.text)}</div>')
    shown: set[str] = set()
    for p in paragraphs:
        for h in headings:
            if h.id not in shown and h.start <= p.start and h.level in ("section", "item"):
                shown.add(h.id)
                parts.append(f'<div class="pq-node-h pq-node-{h.level}">{esc(h.label)}{esc(h.title)}</div>')
        parts.append(f'<p class="pq-node-p">{esc_lines(p.text)}</p>')
    parts.append("</div>")
    return "".join(parts)

