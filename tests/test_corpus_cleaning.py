"""Cleaning the real plan: cover, TOC, page breaks, repeated characters, and no silent loss."""

from __future__ import annotations

import re

from corpus.cleaning import clean_document, squeeze_whitespace
from corpus.paths import SHIPPED_DOCS

RAW = (SHIPPED_DOCS / "qingdao-new-urbanization-plan-2021-2035.txt").read_text(encoding="utf-8")
CLEANED = clean_document(RAW, "青岛市新型城镇化规划（2021-2035年）")
TEXT = CLEANED.clean_text


def test_cover_and_toc_are_dropped_but_toc_titles_kept():
    assert CLEANED.cover == [
        "青岛市新型城镇化规划",
        "(2021-2035年)",
        "公众征求意见稿",
        "青岛市城镇化工作领导小组办公室",
        "二〇二一年六月",
    ]
    assert len(CLEANED.toc) == 47  # 10 chapters + 37 sections
    assert ("第五节", "推进行政管理体制变革") in CLEANED.toc and CLEANED.toc[-1] == ("第三节", "实施监测评估")
    assert "目 录" not in TEXT and "二〇二一年六月" not in TEXT and "公众征求意见稿" not in TEXT
    assert TEXT.startswith("《青岛市新型城镇化规划（2021-2035年）》，以习近平")
    assert TEXT.endswith("保障规划有效实施。")
    assert ".....\t" not in TEXT


def test_running_titles_are_removed():
    removed = [a.text for a in CLEANED.artefacts if a.kind == "running_title"]
    assert removed == ["青岛市新型城镇化规划（2021-2035年）", "青岛市新型城镇化规划（2021-2035年）公众征求意见稿"]


def test_page_breaks_are_joined():
    assert "推进资源共享、设施共建" in TEXT
    assert "加强基本公共服务共享，推动医疗保险无障碍转移接续。" in TEXT
    assert "加强基本公\n" not in TEXT
    assert "人均地区生产总值接近2万美元" in TEXT
    assert "参与国际分工的层次有待提高。" in TEXT
    assert CLEANED.page_break_joins == 66


def test_heading_broken_by_a_page_break_is_joined():
    line = next(line for line in TEXT.split("\n") if line.startswith("（一）国家战略交汇"))
    assert line.startswith("（一）国家战略交汇实施有利于青岛全面提升城市能级。构建新发展格局、深度融入共建“一带一路”")


def test_character_repeated_across_a_break_is_removed_once():
    assert "转变为集体经营性建设用地入市。探索建立农村集体经营性建设用地使用权" in TEXT
    assert "探探" not in TEXT
    repeats = [a for a in CLEANED.artefacts if a.kind == "repeated_char"]
    assert [a.text for a in repeats] == ["探"]
    assert CLEANED.raw_body[repeats[0].raw_start : repeats[0].raw_start + 3] == "探索建"


def test_no_content_character_is_lost():
    body = CLEANED.raw_body
    for artefact in sorted(CLEANED.artefacts, key=lambda a: a.raw_start, reverse=True):
        assert body[artefact.raw_start : artefact.raw_start + len(artefact.text)] == artefact.text
        body = body[: artefact.raw_start] + body[artefact.raw_start + len(artefact.text) :]
    assert re.sub(r"\s", "", TEXT) == re.sub(r"\s", "", body)


def test_spaces_next_to_chinese_are_dropped_but_latin_words_keep_theirs():
    assert "常住人口城镇化率达到78%左右" in TEXT
    assert "加强基于5G的智慧灯杆建设" in TEXT
    assert squeeze_whitespace("PM 2.5 与 GDP 比重") == "PM 2.5与GDP比重"


def test_headings_are_one_per_line_with_one_space_after_the_label():
    lines = TEXT.split("\n")
    assert "第九章 健全城镇化高质量发展体制机制" in lines
    assert "第五节 推进行政管理体制" in lines  # the body's own (truncated) words are kept as published
    assert "三、优化公路网络布局" in lines
