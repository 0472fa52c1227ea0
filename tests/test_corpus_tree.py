"""The clause tree of the real plan: counts, ids, citations, offsets and sentences."""

from __future__ import annotations

from collections import Counter

import pytest

from corpus.sentences import split_sentences


def by_id(plan, suffix):
    clause = plan.clause(f"qingdao-2021/{suffix}")
    assert clause is not None, suffix
    return clause


def test_level_counts(plan):
    counts = Counter(c.level for c in plan.clauses)
    assert counts["chapter"] == 10
    assert counts["section"] == 37
    assert counts["item"] == 114
    assert counts["subitem"] == 17
    assert counts["paragraph"] == 193
    assert len(plan.sentences) == 733


def test_every_clause_and_sentence_is_an_exact_slice_of_the_clean_text(plan):
    for clause in plan.clauses:
        assert plan.clean_text[clause.start : clause.end] == clause.text, clause.id
    for sentence in plan.sentences:
        assert plan.clean_text[sentence.start : sentence.end] == sentence.text
    assert len({c.id for c in plan.clauses}) == len(plan.clauses)


@pytest.mark.parametrize(
    ("suffix", "citation"),
    [
        ("3.2.1.p1", "第三章 第二节 一、全面放宽城镇落户限制"),
        ("3.2", "第三章 第二节 全面深化户籍制度改革"),
        ("3", "第三章 推动非户籍常住人口全面融入城市"),
        ("1.1.1.1", "第一章 第一节 一、主要成就 （一）人口呈多中心集聚，城镇化迈入成熟稳定阶段"),
        ("1.1.1.3", "第一章 第一节 一、主要成就 （三）城市更加方便温馨,人口市民化质量大幅改善"),
        ("6.2.3", "第六章 第二节 三、优化公路网络布局"),
        ("6.1.3.p1", "第六章 第一节 三、推进海绵城市和综合管廊建设"),
        ("9.5", "第九章 第五节 推进行政管理体制变革"),
        ("9.5.1.p1", "第九章 第五节 一、优化行政资源配置"),
        ("5.2.2.p1", "第五章 第二节 二、建设现代产业体系 壮大战略性新兴产业"),
        ("5.3.1.p2", "第五章 第三节 一、聚力发展就业支撑强的产业 扩大民营经济就业容量"),
        ("5.2.1.p2", "第五章 第二节 一、推进产业经济地理重塑 第2段"),
        ("2.2.p1", "第二章 第二节 基本原则 以人为本，公平共享"),
        ("10.3.p1", "第十章 第三节 实施监测评估"),
        ("preface.p1", "前言"),
    ],
)
def test_exact_citations(plan, suffix, citation):
    assert by_id(plan, suffix).citation == citation


def test_item_list_that_skips_a_number_keeps_its_own_numbers(plan):
    items = [c for c in plan.clauses if c.level == "item" and c.parent_id == "qingdao-2021/6.2"]
    assert [c.label for c in items] == ["一、", "三、", "四、", "五、"]
    assert [c.id for c in items] == [f"qingdao-2021/6.2.{n}" for n in (1, 3, 4, 5)]


def test_intros_before_the_first_item_belong_to_their_chapter_or_section(plan):
    assert by_id(plan, "3.p1").text.startswith("坚持“来了就是青岛人”的发展理念")
    assert by_id(plan, "3.p1").parent_id == "qingdao-2021/3"
    assert by_id(plan, "3.2.p1").text.startswith("放宽放开城镇落户限制，建立按经常居住地登记户口的管理制度")
    assert by_id(plan, "preface.p1").text.startswith("《青岛市新型城镇化规划（2021-2035年）》")


def test_sub_items_in_half_width_brackets_are_sub_items(plan):
    clause = by_id(plan, "1.1.1.4")
    assert clause.level == "subitem" and clause.label == "（四）"
    assert clause.title == "经济更加开放高效,新型城镇化动能持续增强"


def test_truncated_section_heading_takes_the_toc_title(plan):
    clause = by_id(plan, "9.5")
    assert clause.title == "推进行政管理体制变革"
    assert clause.text.startswith("第五节 推进行政管理体制\n")
    assert plan.stats["heading_repairs"] == ["第五节 推进行政管理体制 -> 推进行政管理体制变革"]


def test_paths_run_from_the_chapter_down(plan):
    assert by_id(plan, "3.2.1.p1").path == [
        "推动非户籍常住人口全面融入城市",
        "全面深化户籍制度改革",
        "全面放宽城镇落户限制",
    ]
    assert by_id(plan, "5.2.2.p3").path[-1] == "高质量发展现代农业"


def test_sentences_split_at_full_stops_and_semicolons(plan):
    sentences = [s.text for s in plan.sentences if s.clause_id == "qingdao-2021/1.1.1.1.p1"]
    assert "2020年，常住总人口达到1007.17万人，首次突破1千万人；" in sentences
    assert "常住人口城镇化率达到76.34%，居全省首位。" in sentences
    assert [s.text for s in plan.sentences if s.clause_id == "qingdao-2021/3.2.1.p1"] == [by_id(plan, "3.2.1.p1").text]


def test_sentences_never_split_inside_quotes_or_brackets():
    text = "他说“好。走吧。”然后离开（见附件。第二条）。最后一句？"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["他说“好。走吧。”然后离开（见附件。第二条）。", "最后一句？"]
