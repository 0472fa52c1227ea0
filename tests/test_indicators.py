"""Indicators of the real plan: every figure extracted with its name, year and exact quote, and looked up by question."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest

from qa.indicators import (
    IndicatorTable,
    _match_key,
    _name_score,
    _question_core,
    extract_indicators,
    indicators_csv,
    indicators_json,
    is_numeric_question,
)
from qa.tuning import load_tuning

MIN_RECALL = load_tuning().indicators.min_recall


@pytest.fixture(scope="module")
def indicators(plan):
    return extract_indicators(plan)


@pytest.fixture(scope="module")
def table(plan):
    return IndicatorTable([plan])


def _find(indicators, name, value):
    found = [i for i in indicators if i.name == name and i.value == value]
    assert found, f"no indicator {name} = {value}"
    return found[0]


# --- extraction ---------------------------------------------------------------------------------------------------


def test_count_checked_by_hand(indicators):
    # 58 status figures in chapter 1, 44 targets in chapters 2-9 (checked against the full text, figure by figure).
    assert len(indicators) == 102 > 100
    assert Counter(i.kind for i in indicators) == {"status": 58, "target": 44}
    assert Counter((i.kind, i.year) for i in indicators) == {
        ("status", 2020): 56, ("status", 2016): 1, ("status", 2018): 1,
        ("target", 2025): 14, ("target", 2035): 2, ("target", None): 28,
    }
    chapters = Counter(i.clause_id.split("/")[1].split(".")[0] for i in indicators)
    assert chapters == {"1": 58, "2": 3, "3": 5, "4": 4, "5": 2, "6": 5, "7": 5, "8": 19, "9": 1}


def test_every_quote_is_exact_and_holds_its_figure(plan, indicators):
    for ind in indicators:
        assert plan.clean_text[ind.start:ind.end] == ind.quote
        assert ind.value in ind.quote
        clause = plan.clause(ind.clause_id)
        assert clause is not None and clause.level == "paragraph"
        assert clause.start <= ind.start < ind.end <= clause.end
        assert ind.citation == clause.citation
        assert ind.doc_id == plan.doc_id
        assert ind.kind in ("target", "status")
        assert ind.name and ind.name[0] not in "，、和的" and not ind.name.startswith(("全市", "我市", "其中"))


def test_indicators_come_in_document_order(indicators):
    starts = [i.start for i in indicators]
    assert starts == sorted(starts)


SPECIFIC = [
    # chapter 1: status, 2020 unless the sentence names another year
    ("常住人口城镇化率", "76.34", "%", "", 2020, "status"),
    ("常住总人口", "1007.17", "万人", "", 2020, "status"),
    ("常住总人口", "1", "千万人", "突破", 2020, "status"),
    ("常住人口城镇化率", "70", "%", "突破", 2016, "status"),  # "城镇化水平": the profile names it as the rate it is
    ("城区常住人口", "500", "万人", "突破", 2018, "status"),
    ("城乡居民人均可支配收入比", "2.36", "", "", 2020, "status"),
    ("民生支出占公共财政支出比重", "70", "%", "以上", 2020, "status"),
    ("城镇登记失业率", "4", "%", "以内", 2020, "status"),
    ("优质基础教育集团", "65", "个", "", 2020, "status"),
    ("城市轨道交通线路总里程", "255", "公里", "", 2020, "status"),
    ("投入运行的城市轨道交通线路", "7", "条", "", 2020, "status"),
    ("高速公路通车里程", "865", "公里", "", 2020, "status"),
    ("生产总值", "1.24", "万亿元", "", 2020, "status"),
    ("三次产业比例", "3.4:35.2:61.4", "", "", 2020, "status"),
    ("人均地区生产总值", "2", "万美元", "接近", 2020, "status"),
    ("万人有效发明专利拥有量", "39.76", "件", "", 2020, "status"),
    ("单位地区生产总值能源消耗量下降", "18", "%", "累计", 2020, "status"),
    ("单位地区生产总值二氧化碳排放量下降", "27", "%", "累计", 2020, "status"),
    ("细颗粒物（PM_{2.5}）年均浓度下降", "38", "%", "累计", 2020, "status"),
    ("森林覆盖率", "14.46", "%", "", 2020, "status"),
    ("市级以上田园综合体", "36", "家", "", 2020, "status"),
    ("农村“双创”园", "46", "家", "", 2020, "status"),
    ("经济收入10万元以上的村庄比例", "80", "%", "", 2020, "status"),
    ("小农户", "100多", "万户", "", 2020, "status"),
    ("六车道及以上高速公路里程占比低于全省", "1.5", "个百分点", "", 2020, "status"),
    ("人均占有水资源", "186", "立方米", "", 2020, "status"),
    ("人均占有水资源仅为全国平均值", "9.5", "%", "", 2020, "status"),
    ("平度、莱西常住人口城镇化率", "55", "%", "不足", 2020, "status"),
    # chapter 2: the "——" paragraphs inherit 到2025年, the last paragraph is 2035
    ("常住人口城镇化率", "78", "%", "左右", 2025, "target"),
    ("城乡居民人均可支配收入比", "2.2", "", "左右", 2025, "target"),
    ("城乡居民人均可支配收入比", "2", "", "左右", 2035, "target"),
    # chapter 3
    ("大学生在青就业创业", "40", "万", "", 2025, "target"),
    ("养老机构护理型床位占比", "60", "%", "", 2025, "target"),
    ("每个镇（街道）居家社区养老服务中心", "1", "处", "至少", 2025, "target"),
    # chapter 4
    ("镇区常住人口", "10", "万人", "超过", None, "target"),
    ("服务人口", "3000~8000", "人", "", None, "target"),
    # chapter 5
    ("科教产融合园区", "3~5", "个", "", None, "target"),
    ("粮食产能", "300", "万吨", "左右", None, "target"),
    # chapter 6
    ("城市建成区面积达到海绵城市建设要求", "80", "%", "以上", 2035, "target"),
    ("高速公路总里程", "900", "公里", "突破", 2025, "target"),
    ("公共交通机动化出行分担率", "62", "%", "", 2025, "target"),
    # chapter 7
    ("城乡绿道", "500", "公里", "", None, "target"),
    ("建成区绿化覆盖率", "40", "%", "以上", None, "target"),
    ("工业用水重复利用率", "88", "%", "超过", None, "target"),
    ("农田灌溉水有效利用系数", "0.66", "", "不低于", None, "target"),
    # chapter 8
    ("农村公路路面状况改善工程每年实施比例", "7", "%", "以上", None, "target"),
    ("集中供水行政村比例", "95", "%", "以上", 2025, "target"),
    ("农村地区清洁取暖比例", "80", "%", "左右", 2025, "target"),
    ("中小学、幼儿园", "200", "所", "", 2025, "target"),
    ("中小学达到市定高水平现代化学校建设标准", "90", "%", "以上", 2025, "target"),
    ("每年为平度、莱西培训校长", "110", "名", "约", None, "target"),
    ("农产品年出口额", "400", "亿元", "以上", None, "target"),
    # chapter 9
    ("市级每年安排新增建设用地用于市民化用地奖励", "5", "%", "", None, "target"),
]


@pytest.mark.parametrize(("name", "value", "unit", "qualifier", "year", "kind"), SPECIFIC)
def test_specific_indicator(indicators, name, value, unit, qualifier, year, kind):
    same = [i for i in indicators if (i.name, i.value) == (name, value)]
    assert (unit, qualifier, year, kind) in {(i.unit, i.qualifier, i.year, i.kind) for i in same}


def test_quotes_are_the_segments_stating_the_figure(indicators):
    assert _find(indicators, "常住人口城镇化率", "78").quote == "常住人口城镇化率达到78%左右"
    assert _find(indicators, "城乡绿道", "500").quote == "建设500公里城乡绿道"
    # a figure named by the segment before it quotes both
    assert _find(indicators, "常住总人口", "1").quote == "常住总人口达到1007.17万人，首次突破1千万人"
    assert _find(indicators, "大学生在青就业创业", "40").citation.startswith("第三章 第三节 二、")
    # a year standing alone before the figure is quoted with it: the answer states that year
    assert _find(indicators, "高速公路总里程", "900").quote == "到2025年，高速公路总里程突破900公里"
    assert _find(indicators, "农村地区清洁取暖比例", "80").quote == "2025年，农村地区清洁取暖比例达到80%左右"
    # a figure further on keeps its own segments (here with the one that names it)
    assert _find(indicators, "常住总人口", "1").quote == "常住总人口达到1007.17万人，首次突破1千万人"


def test_numbers_and_figures(indicators):
    assert _find(indicators, "三次产业比例", "3.4:35.2:61.4").number == 3.4
    assert _find(indicators, "科教产融合园区", "3~5").number == 3.0
    assert _find(indicators, "小农户", "100多").number == 100.0
    assert _find(indicators, "常住总人口", "1007.17").number == 1007.17
    assert _find(indicators, "常住人口城镇化率", "78").figure() == "78%左右"
    assert _find(indicators, "农田灌溉水有效利用系数", "0.66").figure() == "不低于0.66"
    assert _find(indicators, "高速公路总里程", "900").figure() == "突破900公里"


def test_non_figures_are_not_extracted(indicators):
    values = {i.value for i in indicators}
    assert not values & {"2010", "2014", "2016", "2018", "2020", "2021", "2025", "2035", "12", "204", "308", "309"}
    for ind in indicators:
        assert not any(word in ind.quote for word in ("号线", "国道", "从0到1", "5G", "第12位"))
        assert ind.value != "2.5" or ind.unit == "倍"  # PM_{2.5} is a name, not a figure
        assert ind.unit not in ("分钟", "小时") or ind.kind == "target"  # "1小时交通圈还未能覆盖全域" is a gap
    assert not [i for i in indicators if "控制线" in i.name]


# --- table and lookup ---------------------------------------------------------------------------------------------


def test_filter(table):
    assert len(table.all) == 102
    in_2025 = table.filter(year=2025)
    assert len(in_2025) == 14 and all(i.year == 2025 for i in in_2025)
    assert len(table.filter(kind="status")) == 58
    assert len(table.filter(year=2035, kind="target")) == 2
    assert table.filter(doc="qingdao-2021") == table.all and table.filter(doc="nowhere") == []
    assert {i.value for i in table.filter(text="城镇化率")} == {"70", "76.34", "55", "80", "78"}


LOOKUPS = [
    ("到2025年青岛常住人口城镇化率要达到多少", "78%左右", 2025),
    ("2020年城镇化率是多少", "76.34%", 2020),
    ("2025年城镇化水平", "78%左右", 2025),
    ("2016年城镇化水平", "突破70%", 2016),
    ("2035年城乡居民收入比目标", "2左右", 2035),
    ("2025年城乡居民收入比", "2.2左右", 2025),
    ("城乡居民收入比现在是多少", "2.36", 2020),
    ("公交出行分担率目标", "62%", 2025),
    ("护理型床位占比", "60%", 2025),
    ("城区常住人口有多少", "突破500万", 2020),
    ("2018年城区常住人口", "突破500万人", 2018),
    ("2020年常住人口多少", "1007.17万人", 2020),
    ("常住总人口是多少", "1007.17万人", 2020),
    ("高速公路总里程目标", "突破900公里", 2025),
    ("高速公路通车里程是多少", "865公里", 2020),
    ("城乡绿道建设多少公里", "500公里", None),
    ("2035年海绵城市面积比例", "80%以上", 2035),
    ("农村清洁取暖比例", "80%左右", 2025),
    ("集中供水行政村比例", "95%以上", 2025),
    ("粮食产能", "300万吨左右", None),
    ("工业用水重复利用率要达到多少", "超过88%", None),
    ("农田灌溉水有效利用系数", "不低于0.66", None),
    ("十四五期间大学生在青就业创业多少", "40万", 2025),
    ("“十四五”新建改扩建多少所中小学幼儿园", "200所", 2025),
    ("森林覆盖率是多少", "14.46%", 2020),
    ("GDP是多少", "1.24万亿元", 2020),
    ("单位GDP能耗下降多少", "累计18%", 2020),
    ("三次产业比例", "3.4:35.2:61.4", 2020),
    ("人均水资源多少", "186立方米", 2020),
    ("镇街卫生院几所", "1~3所", None),
    ("空气质量优良率", "86.3%", 2020),
]


@pytest.mark.parametrize(("question", "figure", "year"), LOOKUPS)
def test_lookup(table, question, figure, year):
    found = table.lookup(question)
    assert found.score >= 0.5
    assert found.matches, question
    best = found.matches[0]
    assert (best.figure(), best.year) == (figure, year)
    assert all(m.name == found.name for m in found.matches)


def test_lookup_reports_the_asked_year_and_the_years_the_plan_has(table):
    found = table.lookup("2030年城镇化率目标")
    assert found.asked_year == 2030 and found.matches == []
    assert found.name == "常住人口城镇化率" and found.available_years == [2016, 2020, 2025]
    found = table.lookup("2025年森林覆盖率")
    assert found.matches == [] and found.available_years == [2020]
    found = table.lookup("城区常住人口2025年目标")
    assert found.matches == [] and found.available_years == [2018, 2020]


def test_lookup_without_year_lists_every_year_exact_figures_first(table):
    found = table.lookup("2020年城镇化率是多少")
    assert [m.figure() for m in found.matches] == ["76.34%", "突破70%"]
    found = table.lookup("城乡居民人均可支配收入比")
    assert found.asked_year is None and found.available_years == [2020, 2025, 2035]
    assert {m.value for m in found.matches} == {"2.36", "2.2", "2"}


def test_close_names_are_kept_apart(table):
    assert table.lookup("城区常住人口").name == "城区常住人口"
    assert table.lookup("常住总人口").name == "常住总人口"
    assert table.lookup("常住人口城镇化率").name == "常住人口城镇化率"
    assert table.lookup("镇区常住人口目标").name == "镇区常住人口"
    assert table.lookup("高速公路通车里程").name == "高速公路通车里程"
    assert table.lookup("高速公路总里程").name == "高速公路总里程"


def test_grades_are_not_confused():
    core = _question_core("三级医院床位数是多少")
    assert _name_score(core, _match_key("三级医院床位数"), MIN_RECALL) == 1.0
    assert _name_score(core, _match_key("二三级医院床位数"), MIN_RECALL) < 0.5
    assert _name_score(core, _match_key("二级医院床位数"), MIN_RECALL) < 0.5


def test_unknown_indicators_are_not_matched(table):
    for question in ("三级医院床位数是多少", "人口密度是多少", "绿色建筑占比目标", "学前教育毛入园率"):
        found = table.lookup(question)
        assert found.matches == [] and found.score < 0.5 and found.name == ""


@pytest.mark.parametrize("question", ["城镇化率是多少", "建几所学校", "护理型床位占比", "2025年的目标是什么",
                                      "绿道有多长", "公交分担率达到62%了吗", "森林覆盖率"])
def test_numeric_questions(question):
    assert is_numeric_question(question)


@pytest.mark.parametrize("question", ["户籍制度改革怎么做", "什么是海绵城市", "规划的指导思想"])
def test_non_numeric_questions(question):
    assert not is_numeric_question(question)


# --- exports ------------------------------------------------------------------------------------------------------


def test_csv_and_json(indicators):
    rows = list(csv.DictReader(io.StringIO(indicators_csv(indicators))))
    assert len(rows) == 102
    first = rows[0]
    assert first["name"] == "市民" and first["figure"] == "1000万" and first["year"] == "2020"
    grain = next(r for r in rows if r["name"] == "粮食产能")
    assert (grain["figure"], grain["year"], grain["kind"]) == ("300万吨左右", "", "target")
    data = json.loads(indicators_json(indicators))
    assert len(data) == 102 and data[0] == indicators[0].to_dict()


# --- corrected names live with the document ------------------------------------------------------------------------


def test_corrected_names_come_from_the_profile(plan):
    """Without the profile's corrected names, the rules' own reading of those sentences comes back."""
    from dataclasses import replace

    bare = extract_indicators(replace(plan, profile=replace(plan.profile, indicator_names=[])))
    assert [i.name for i in bare if i.value == "1000"][0] == "青岛美好家园"
    assert [i.name for i in extract_indicators(plan) if i.value == "1000"][0] == "市民"
    assert len(bare) == len(extract_indicators(plan)) == 102


def test_malformed_corrected_name_is_reported(tmp_path):
    from corpus.profile import read_overrides

    path = tmp_path / "x.profile.json"
    path.write_text(json.dumps({"indicator_names": [{"value": "7", "name": "缺少read_as"}]}), encoding="utf-8")
    with pytest.raises(ValueError, match="x.profile.json: indicator_names entry 1"):
        read_overrides(path)
    path.write_text(json.dumps({"localities": ["姜山", ""]}), encoding="utf-8")
    with pytest.raises(ValueError, match="x.profile.json: localities must be a list of non-empty names"):
        read_overrides(path)


def test_a_measure_with_a_target_for_no_year_finds_it_and_only_by_its_own_name(table):
    exports = next(i for i in table.all if i.name == "农产品年出口" and i.kind == "status")
    target = table.undated_target(exports)
    assert (target.name, target.value, target.qualifier, target.year) == ("农产品年出口额", "400", "以上", None)
    # The city's population is no town's threshold for a small city, though the names share most of their pairs.
    city = next(i for i in table.all if i.name == "城区常住人口")
    assert table.undated_target(city) is None
    assert [i.name for i in table.all if i.kind == "status" and table.undated_target(i) is not None] == ["农产品年出口"]


def test_a_question_naming_two_figures_finds_the_other_too(table):
    # "A和B分别多少" / "A比B高吗": the best-matching name, and each other name the question joins to it, for its year.
    question = "到2025年集中供水和生活污水无害化处理的行政村比例分别是多少"
    found = table.lookup(question)
    others = table.also_named(question, found)
    assert [(i.name, i.value, i.year) for i in others] == [("集中供水行政村比例", "95", 2025)]
    assert found.matches[0].name == "生活污水无害化处理的行政村比例" and found.matches[0].year == 2025
    # one name: nothing beside it
    assert table.also_named("森林覆盖率现在是多少", table.lookup("森林覆盖率现在是多少")) == []
