"""Parse clean text into a clause tree: chapter > section > item > sub-item > paragraph (> sentence)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from corpus.headings import Heading, match_heading
from corpus.records import Clause, Sentence
from corpus.sentences import split_sentences

_RANK = {"chapter": 0, "section": 1, "item": 2, "subitem": 3}
# A short first sentence that opens a paragraph acts as its sub-heading ("壮大战略性新兴产业。…").
_LEAD_MAX_CHARS = 18


@dataclass
class _Node:
    level: str
    label: str
    number: int
    title: str
    start: int
    end: int
    parent: _Node | None
    key: str = ""
    children: list[_Node] = field(default_factory=list)
    paragraphs: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class ParsedTree:
    """The clauses and sentences of one document, plus what the parser had to repair."""

    clauses: list[Clause]
    sentences: list[Sentence]
    repairs: list[str]


def parse_clauses(doc_id: str, clean_text: str, toc: list[tuple[str, str]] | None = None) -> ParsedTree:
    """Build the clause tree of a document from its clean text (TOC titles fix truncated headings)."""
    root = _Node("root", "", 0, "", 0, len(clean_text), None)
    repairs: list[str] = []
    toc_titles = _toc_lookup(toc or [])
    stack: list[_Node] = [root]
    chapter_no = 0
    pos = 0
    for line in clean_text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line.strip():
            continue
        heading = match_heading(line)
        if heading is None:
            _deepest_container(stack).paragraphs.append((start, end))
            _extend(stack, end)
            continue
        if heading.level == "chapter":
            chapter_no = heading.number
        title = _repair_title(heading, chapter_no, toc_titles, repairs)
        while len(stack) > 1 and _RANK[stack[-1].level] >= _RANK[heading.level]:
            stack.pop()
        node = _Node(heading.level, heading.label, heading.number, title, start, end, stack[-1])
        stack[-1].children.append(node)
        stack.append(node)
        if heading.inline or heading.level == "subitem":
            node.paragraphs.append((start, end))
        _extend(stack, end)
    _assign_keys(root)
    clauses: list[Clause] = []
    sentences: list[Sentence] = []
    _emit(root, doc_id, clean_text, [], "", clauses, sentences)
    return ParsedTree(clauses, sentences, repairs)


def _toc_lookup(toc: list[tuple[str, str]]) -> dict[tuple[int, str], str]:
    """Map (chapter number, label) to the TOC title; sections are keyed under their chapter."""
    lookup: dict[tuple[int, str], str] = {}
    chapter = 0
    for label, title in toc:
        heading = match_heading(f"{label} {title}")
        if heading is None:
            continue
        if heading.level == "chapter":
            chapter = heading.number
        lookup[(chapter, heading.label)] = heading.title
    return lookup


def _repair_title(heading: Heading, chapter: int, toc: dict[tuple[int, str], str], repairs: list[str]) -> str:
    """Return the TOC's title when the body truncates a chapter or section heading."""
    if heading.level not in ("chapter", "section"):
        return heading.title
    toc_title = toc.get((chapter, heading.label))
    if toc_title and toc_title != heading.title and _norm(toc_title).startswith(_norm(heading.title)):
        repairs.append(f"{heading.label} {heading.title} -> {toc_title}")
        return toc_title
    return heading.title


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "")


def _deepest_container(stack: list[_Node]) -> _Node:
    """Paragraphs go to the deepest open heading, except sub-items, which hold only their own paragraph."""
    for node in reversed(stack):
        if node.level != "subitem":
            return node
    return stack[0]


def _extend(stack: list[_Node], end: int) -> None:
    for node in stack:
        node.end = max(node.end, end)


def _assign_keys(node: _Node, prefix: str = "") -> None:
    """Give each node a dotted key from its heading numbers; missing levels become 0, clashes get a suffix."""
    used: set[str] = set()
    for index, child in enumerate(node.children, start=1):
        number = child.number or index
        parts = [prefix] if prefix else []
        missing = _RANK[child.level] - (_RANK[node.level] + 1 if node.level != "root" else 0)
        parts += ["0"] * max(0, missing)
        key = ".".join(parts + [str(number)])
        while key in used:
            key += "b"
        used.add(key)
        child.key = key
        _assign_keys(child, key)


def _emit(
    node: _Node,
    doc_id: str,
    text: str,
    path: list[str],
    citation: str,
    clauses: list[Clause],
    sentences: list[Sentence],
) -> None:
    """Append the node's clause, its paragraph clauses and sentences, then its children's, in text order."""
    if node.level != "root":
        label = _display_label(node.label)
        part = f"{label}{node.title}" if node.level in ("item", "subitem") else f"{label} {node.title}".strip()
        if node.level == "section" or node.level == "chapter":
            part = label if (node.level == "section" and label) else part
        citation = _join_citation(citation, node, part)
        path = path + [node.title]
        clauses.append(
            Clause(
                id=f"{doc_id}/{node.key}",
                doc_id=doc_id,
                level=node.level,
                label=label,
                title=node.title,
                path=path,
                citation=citation,
                text=text[node.start : node.end],
                start=node.start,
                end=node.end,
                parent_id=f"{doc_id}/{node.parent.key}" if node.parent and node.parent.key else None,
                order=len(clauses),
            )
        )
    own_id = f"{doc_id}/{node.key}" if node.key else None
    base = node.key if node.key else ("preface" if node.children else "")
    many = len(node.paragraphs) > 1
    for n, (start, end) in enumerate(node.paragraphs, start=1):
        para_text = text[start:end]
        lead = "" if node.level == "subitem" else _lead_title(para_text)
        if node.level == "root":
            para_citation = "前言" if node.children else f"第{n}段"
            para_path = ["前言"] if node.children else []
        else:
            suffix = f" {lead}" if lead else (f" 第{n}段" if many else "")
            para_citation = citation + suffix
            para_path = path + ([lead] if lead else [])
        clause_id = f"{doc_id}/{base}.p{n}" if base else f"{doc_id}/p{n}"
        clauses.append(
            Clause(
                id=clause_id,
                doc_id=doc_id,
                level="paragraph",
                label="",
                title=lead,
                path=para_path,
                citation=para_citation,
                text=para_text,
                start=start,
                end=end,
                parent_id=own_id,
                order=len(clauses),
            )
        )
        for s, e in split_sentences(para_text, start):
            sentences.append(Sentence(clause_id, text[s:e], s, e))
    for child in node.children:
        _emit(child, doc_id, text, path, citation, clauses, sentences)


def _display_label(label: str) -> str:
    """Write sub-item labels with full-width brackets whatever the source used: (三) -> （三）."""
    return label.replace("(", "（").replace(")", "）")


def _join_citation(parent: str, node: _Node, part: str) -> str:
    """Citation of a node: its ancestors' labels, then its own label and title ("第三章 第二节 一、全面放宽城镇落户限制")."""
    if node.level == "section":
        part = f"{node.label} {node.title}".strip()
        # A section's citation names its chapter by label only: "第三章 第二节 全面深化户籍制度改革".
        chapter_label = parent.split(" ")[0] if parent else ""
        return f"{chapter_label} {part}".strip()
    if node.level in ("item", "subitem") and parent:
        if node.parent and node.parent.level == "section":
            return f"{_labels_only(parent)} {part}"
        return f"{parent} {part}"
    return part


def _labels_only(section_citation: str) -> str:
    """'第三章 第二节 全面深化户籍制度改革' -> '第三章 第二节'."""
    words = section_citation.split(" ")
    return " ".join(w for w in words if w.startswith("第") and w[-1] in "章节")


def _lead_title(paragraph: str) -> str:
    """Return the paragraph's lead-in sub-heading ("壮大战略性新兴产业"), or '' when it has none."""
    body = paragraph.lstrip("—-")
    end = body.find("。")
    if end <= 0 or end > _LEAD_MAX_CHARS or end == len(body) - 1:
        return ""
    lead = body[:end]
    if any(ch.isdigit() for ch in lead) or "，" in lead and not paragraph.startswith("—"):
        return ""
    return lead
