"""Recognise the heading patterns of Chinese plan documents (第X章, 第X节, 一、, （一）, Markdown #)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN = "零〇一二三四五六七八九十百两"
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}

_CHAPTER = re.compile(rf"^第([{_CN}\d]+)章\s*(.*)$")
_SECTION = re.compile(rf"^第([{_CN}\d]+)节\s*(.*)$")
_ITEM = re.compile(rf"^([{_CN}]+)、\s*(.+)$")
_SUBITEM = re.compile(rf"^[（(]\s*([{_CN}]+)\s*[）)]\s*(.+)$")
_MARKDOWN = re.compile(r"^(#{1,6})\s*([^#\s].*?)\s*#*$")
_TOC_ENTRY = re.compile(rf"^(第[{_CN}\d]+[章节])\s*(.+?)[\s.．·…]*(\d+)\s*$")

# A heading is a short line; a longer "一、…" line is body text that happens to start with a numeral.
MAX_HEADING_CHARS = 40
SENTENCE_ENDS = "。！？；!?;"


@dataclass(frozen=True)
class Heading:
    """A recognised heading line: its level, label ("第三章", "一、", "（一）"), number and title."""

    level: str
    label: str
    number: int
    title: str
    inline: bool = False  # True when the heading opens a paragraph of body text (（一）…。…)


def cn_number(text: str) -> int:
    """Convert a Chinese (or Arabic) numeral up to 999 to an int."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _CN_DIGITS.get(ch, 0)
    return total + current


def match_heading(line: str) -> Heading | None:
    """Return the heading a line starts with, or None for body text."""
    text = line.strip()
    if not text:
        return None
    m = _MARKDOWN.match(text)
    if m:
        levels = ("chapter", "section", "item", "subitem", "subitem", "subitem")
        return Heading(levels[len(m.group(1)) - 1], "", 0, m.group(2).strip())
    m = _SUBITEM.match(text)
    if m:
        rest = m.group(2)
        cut = _first_sentence_end(rest)
        title = rest[:cut].rstrip("。；;") if cut else rest
        label = text[: len(text) - len(rest)].strip()
        return Heading(
            "subitem", label, cn_number(m.group(1)), title.strip(), inline=cut is not None and cut < len(rest)
        )
    if len(text) > MAX_HEADING_CHARS or any(ch in text for ch in "。；;"):
        return None
    for pattern, level in ((_CHAPTER, "chapter"), (_SECTION, "section")):
        m = pattern.match(text)
        if m:
            return Heading(
                level,
                f"第{m.group(1)}{'章' if level == 'chapter' else '节'}",
                cn_number(m.group(1)),
                m.group(2).strip(),
            )
    m = _ITEM.match(text)
    if m:
        return Heading("item", f"{m.group(1)}、", cn_number(m.group(1)), m.group(2).strip())
    return None


def match_toc_entry(line: str) -> tuple[str, str] | None:
    """Return (label, title) for a table-of-contents line such as '第一节 发展现状.....2'."""
    m = _TOC_ENTRY.match(line.strip())
    if not m:
        return None
    return m.group(1), m.group(2).strip().rstrip(".．·…").strip()


def _first_sentence_end(text: str) -> int | None:
    """Index just past the first sentence-ending mark of text, or None when there is none."""
    for i, ch in enumerate(text):
        if ch in SENTENCE_ENDS:
            return i + 1
    return None
