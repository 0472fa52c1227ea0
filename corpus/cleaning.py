"""Turn a document's raw text into clean text: no cover, no table of contents, page breaks re-joined."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from corpus.headings import match_heading, match_toc_entry
from corpus.records import Artefact, CleanResult

_TOC_HEADERS = {"目录", "目次"}
# A paragraph ending in one of these (or one of them followed by a closing quote) is complete.
_TERMINALS = "。！？；：!?;:…"
_CLOSING_QUOTES = "”’」』"
# Doubled characters that are real words; any other character repeated across a page break is an artefact.
_REDUPLICATIONS = set("人常天年个处家户层步时事样种刚渐稍微明清干净高快慢好大小多少往来")
_WS = re.compile(r"\s+")


@dataclass
class _Block:
    text: str
    raw_start: int
    raw_end: int


def clean_document(raw: str, title: str = "") -> CleanResult:
    """Clean raw document text; every removed character is accounted for in the result."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    lines = _lines_with_offsets(raw)
    cover, toc, body_line = _split_front_matter(lines)
    body_offset = lines[body_line][1] if body_line < len(lines) else len(raw)
    blocks = [_Block(text, start, start + len(text)) for text, start in lines[body_line:] if text.strip()]

    result = CleanResult(clean_text="", raw_body=raw[body_offset:], body_offset=body_offset, toc=toc, cover=cover)
    running_titles = _running_title_keys(cover, title, blocks)
    kept: list[_Block] = []
    for block in blocks:
        if _key(block.text) in running_titles:
            result.artefacts.append(Artefact("running_title", block.text, block.raw_start - body_offset))
        else:
            kept.append(block)

    paragraphs: list[str] = []
    previous: _Block | None = None
    for block in kept:
        text = squeeze_whitespace(block.text)
        if previous is not None and paragraphs and _continues(paragraphs[-1], text, toc):
            text, artefact = _drop_repeated_char(paragraphs[-1], text, block, body_offset)
            if artefact:
                result.artefacts.append(artefact)
            glue = " " if _is_narrow(paragraphs[-1][-1]) and _is_narrow(text[:1] or "a") else ""
            heading = match_heading(paragraphs[-1])
            if heading is not None and not heading.inline:
                result.heading_repairs.append(paragraphs[-1] + glue + text)
            else:
                result.page_break_joins += 1
            paragraphs[-1] = paragraphs[-1] + glue + text
        else:
            paragraphs.append(_normalise_heading(text))
        previous = block
    result.clean_text = "\n".join(paragraphs)
    return result


def squeeze_whitespace(text: str) -> str:
    """Drop whitespace next to CJK characters or punctuation; collapse other runs to one space."""
    out: list[str] = []
    for m in re.finditer(r"\S+|\s+", text.strip()):
        piece = m.group(0)
        if not piece.isspace():
            out.append(piece)
            continue
        before = text.strip()[m.start() - 1] if m.start() > 0 else ""
        after = text.strip()[m.end()] if m.end() < len(text.strip()) else ""
        if before and after and _is_narrow(before) and _is_narrow(after):
            out.append(" ")
    return "".join(out)


def _is_narrow(ch: str) -> bool:
    """True for characters of Latin-script text (letters, digits, ASCII punctuation)."""
    return unicodedata.east_asian_width(ch) in ("Na", "N", "H")


def _lines_with_offsets(raw: str) -> list[tuple[str, int]]:
    """Split raw text into (line, start offset) pairs."""
    out, pos = [], 0
    for line in raw.split("\n"):
        out.append((line, pos))
        pos += len(line) + 1
    return out


def _split_front_matter(lines: list[tuple[str, int]]) -> tuple[list[str], list[tuple[str, str]], int]:
    """Find cover lines and the table of contents; return (cover, toc entries, index of the first body line)."""
    header = next((i for i, (text, _) in enumerate(lines) if _WS.sub("", text) in _TOC_HEADERS), None)
    if header is None:
        return [], [], 0
    cover = [text.strip() for text, _ in lines[:header] if text.strip()]
    toc: list[tuple[str, str]] = []
    i = header + 1
    while i < len(lines):
        text = lines[i][0]
        if text.strip():
            entry = match_toc_entry(text)
            if entry is None:
                break
            toc.append(entry)
        i += 1
    return cover, toc, i


def _key(text: str) -> str:
    """Comparison key: NFKC, no whitespace."""
    return _WS.sub("", unicodedata.normalize("NFKC", text))


def _running_title_keys(cover: list[str], title: str, blocks: list[_Block]) -> set[str]:
    """Keys of lines that only repeat the document title (body title line, page headers and footers)."""
    keys = set()
    joined = ""
    for line in cover:
        joined += _key(line)
        keys.add(joined)
    if title:
        keys.add(_key(title))
    if not cover and blocks:
        first = blocks[0].text.strip()
        if len(first) <= 40 and not any(ch in first for ch in _TERMINALS + "，,") and not match_heading(first):
            keys.add(_key(first))
    keys.discard("")
    return keys


def _continues(previous: str, text: str, toc: list[tuple[str, str]]) -> bool:
    """True when text continues the previous paragraph across a page break."""
    if match_heading(text):
        return False
    heading = match_heading(previous)
    if heading is not None and not heading.inline:
        return _completes_heading(previous, heading.title, text, toc)
    return not _is_complete(previous)


def _is_complete(paragraph: str) -> bool:
    """True when a paragraph ends like a finished sentence."""
    stripped = paragraph.rstrip(_CLOSING_QUOTES)
    return bool(stripped) and stripped[-1] in _TERMINALS


def _completes_heading(previous: str, title: str, text: str, toc: list[tuple[str, str]]) -> bool:
    """True when text is the rest of a heading that a page break cut (checked against the TOC when it has it)."""
    for _, toc_title in toc:
        if toc_title != title and toc_title.startswith(title) and text.startswith(toc_title[len(title) :]):
            return _key(text) == _key(toc_title[len(title) :])
    return len(text) <= 12 and not any(ch in text for ch in _TERMINALS + "，,、")


def _drop_repeated_char(previous: str, text: str, block: _Block, body_offset: int) -> tuple[str, Artefact | None]:
    """Remove a character the conversion printed on both sides of a page break ("探" + "探索")."""
    last, first = previous[-1], text[:1]
    if first and first == last and not _is_narrow(first) and first not in _REDUPLICATIONS and first.isalpha():
        raw_pos = block.raw_start + (len(block.text) - len(block.text.lstrip()))
        return text[1:], Artefact("repeated_char", first, raw_pos - body_offset)
    return text, None


def _normalise_heading(text: str) -> str:
    """Write chapter and section headings as '第三章 标题' (one space after the label)."""
    heading = match_heading(text)
    if heading and heading.level in ("chapter", "section") and heading.label and heading.title:
        return f"{heading.label} {heading.title}"
    return text
