"""Quantitative figures of a plan (targets and status figures), and a table that finds the ones a question asks about."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from corpus.profile import FIVE_YEAR_PLANS
from corpus.records import Clause, Document, Sentence, clause_path_head
from index.textnorm import normalise
from qa.records import QUALIFIERS, Indicator
from qa.tuning import IndicatorConfig, load_tuning

# Digits that are not figures (years, durations, line and road numbers, "5G", "PM2.5", "从0到1", ranks) are masked
# with "#" of the same length, so that offsets stay valid. "提前2年和3年" is kept: it says how early a goal was met.
_NOT_FIGURES = re.compile(
    r"PM_?\{?2\.5\}?|\d+G|\d+号线|国道\d+|从0到1|第\d+[位名]"
    r"|(?:19|20)\d\d(?![\d.%万亿千个家所处名条件亩吨倍人户元米公])|(?<!提前)(?<!年和)\d+年"
)
_FIGURE = re.compile(
    r"(?P<value>\d+(?:\.\d+)?(?:[~～]\d+(?:\.\d+)?|(?::\d+(?:\.\d+)?)+)?多?)"
    r"(?P<unit>[千万亿]*(?:个百分点|立方米|万美元|美元|公里|分钟|小时|[元人户家个所处名条件亩吨倍年%])?)"
    r"(?P<after>左右|以上|以内|以下)?"
)
_SEGMENT_END = re.compile(r"[，,；;]")
_YEAR_MARKER = re.compile(r"(?:^|[，,])到?((?:19|20)\d\d)年[，,起底末]|“十四五”(?:期间|时期)")
_BARE_YEAR = re.compile(r"到?(?:19|20)\d\d年(?:底|末)?")
_LEAD_FILLER = re.compile(
    r"^(?:到?(?:19|20)\d\d年[起，,]?|“十四五”(?:期间|时期)|在全市|全市|我市|其中|全省|而|并|同时|以[^，]{1,6}为单位|为(?=每))"
)
_LEAD_VERBS = re.compile(r"^(?:实行|实现|集中建设|建设|新建改扩建|新建|实施|创建|形成了|形成|发展|带动|组建|构建|培育形成|确保|确定|打造)")
_RELATIONAL = re.compile(r"^(?:仅为|低于|高于|相当于)")
_TAIL_QUALIFIERS = QUALIFIERS
_TAIL_WORDS = _TAIL_QUALIFIERS + (
    "培育形成", "新建改扩建", "集中建设", "缩小到", "控制在", "保持在", "稳定在", "调整为", "达到", "降至", "下降", "建成",
    "选聘", "选派", "配备", "培训", "安排", "打造", "实施", "确定", "建设", "组建", "实现", "构建", "创建", "形成",
    "带动", "发展", "为", "是", "达", "首次", "均已", "分别", "普遍", "已", "均", "仅",
)
# A chapter with a 发展现状 / 主要成就 / 问题短板 part reports the present state (the profile's status year, unless a
# sentence names another year); every other chapter sets targets.
_STATUS_HEADING = re.compile(r"发展现状|发展基础|主要成就|问题短板")


@dataclass
class _Figure:
    """A figure found in a sentence, before its year and kind are known."""

    value: str
    unit: str
    qualifier: str
    name: str
    start: int = 0  # offsets of the quote (its segment, or from the segment that named it) in the clean text
    end: int = 0
    segment: int = 0  # index of the segment in its sentence


def extract_indicators(document: Document) -> list[Indicator]:
    """Every quantitative figure of the document, in document order, with its name, year, kind and quote."""
    status_year = document.profile.status_year if document.profile else None
    renames = document.profile.indicator_renames() if document.profile else {}
    masked = _NOT_FIGURES.sub(lambda m: "#" * len(m.group()), document.clean_text)
    by_clause = document.sentences_by_clause()
    status_chapters = review_chapters(document)
    out: list[Indicator] = []
    carried: int | None = None  # a "到2025年，…" paragraph's year also holds for the "——…" paragraphs after it
    for clause in document.paragraphs():
        own = _year_marker(clause.text)
        own_year = own[0] if own and own[1] == 0 else None
        if own_year is not None or not clause.text.startswith("——"):
            carried = own_year
        for sentence in by_clause.get(clause.id, []):
            status = status_year if _chapter(clause) in status_chapters else None
            out += _sentence_indicators(document, clause, sentence, masked, carried, status, renames)
    return out


def review_chapters(document: Document) -> set[str]:
    """The chapters reviewing where things stand (those with a 发展现状 / 主要成就 / 问题短板 part), by id head."""
    return {_chapter(c) for c in document.clauses if _STATUS_HEADING.search(c.title)}


def review_clause_ids(documents: list[Document]) -> set[str]:
    """The clauses of the chapters reviewing where things stand: the plan's past and its problems, not its measures."""
    ids: set[str] = set()
    for document in documents:
        chapters = review_chapters(document)  # once per document, not per paragraph
        ids |= {c.id for c in document.paragraphs() if _chapter(c) in chapters}
    return ids


def _chapter(clause: Clause) -> str:
    """The chapter part of a clause id ("qingdao-2021/1.1.1.1.p1" -> "1")."""
    return clause_path_head(clause.id)


def _year_marker(text: str) -> tuple[int, int] | None:
    """The first year marker of a text and its position: "到2035年，", "2025年，", "2021年起", "“十四五”期间"."""
    match = _YEAR_MARKER.search(text)
    return ((int(match.group(1)) if match.group(1) else FIVE_YEAR_PLANS["十四五"]), match.start()) if match else None


def _sentence_indicators(document: Document, clause: Clause, sentence: Sentence, masked: str,
                         paragraph_year: int | None, status_year: int | None,
                         renames: dict[tuple[str, str], str]) -> list[Indicator]:
    """The indicators of one sentence, with the year and kind its context gives them."""
    marker = _year_marker(sentence.text)
    # A year named inside a sentence holds from its segment to the end of the sentence.
    marker_segment = len(_SEGMENT_END.findall(sentence.text[: marker[1] + 1])) if marker else 0
    marker_start = _bare_marker_start(sentence, marker, marker_segment)
    out = []
    for fig in _sentence_figures(sentence, masked[sentence.start:sentence.end], renames):
        year = marker[0] if marker and fig.segment >= marker_segment else paragraph_year
        if marker_start is not None and fig.segment == marker_segment + 1:
            # "到2025年，高速公路总里程突破900公里": the quote holds the year the answer states with the figure.
            fig.start = min(fig.start, marker_start)
        status = status_year is not None
        if status and fig.unit in ("分钟", "小时"):
            continue  # "1小时交通圈还未能覆盖全域" names a gap, not a measured value
        out.append(Indicator(
            name=fig.name, value=fig.value, number=float(re.split(r"[~～:多]", fig.value)[0]), unit=fig.unit,
            qualifier=fig.qualifier, year=(year or status_year) if status else year,
            kind="status" if status else "target", clause_id=clause.id, citation=clause.citation,
            quote=document.clean_text[fig.start:fig.end], start=fig.start, end=fig.end, doc_id=document.doc_id,
        ))
    return out


def _bare_marker_start(sentence: Sentence, marker: tuple[int, int] | None, marker_segment: int) -> int | None:
    """Where a year marker that is a segment of its own ("到2025年，") starts in the clean text, else None."""
    if marker is None:
        return None
    start, end = _segments(sentence.text)[marker_segment]
    return sentence.start + start if _BARE_YEAR.fullmatch(sentence.text[start:end]) else None


def _segments(text: str) -> list[tuple[int, int]]:
    """(start, end) of the comma/semicolon-separated segments of a sentence, punctuation excluded."""
    spans, start = [], 0
    for match in _SEGMENT_END.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text.rstrip("。！？"))))
    return spans


def _sentence_figures(sentence: Sentence, masked: str, renames: dict[tuple[str, str], str]) -> list[_Figure]:
    """Figures of a sentence, segment by segment; nameless ones take the previous figure's name, and a name the
    document's profile corrects takes the corrected one."""
    out: list[_Figure] = []
    for index, (s, e) in enumerate(_segments(sentence.text)):
        for fig in _segment_figures(sentence.text[s:e], masked[s:e]):
            fig.segment, fig.start, fig.end = index, sentence.start + s, sentence.start + e
            if (not fig.name or fig.name.startswith("@")) and out:
                # "…达到1007.17万人，首次突破1千万人": the name, and so the quote, come from the earlier figure.
                fig.name = out[-1].name + fig.name.lstrip("@")
                fig.start = min(fig.start, out[-1].start)
            fig.name = renames.get((fig.value, fig.name), fig.name)
            if fig.name.lstrip("@"):
                out.append(fig)
    return out


def _segment_figures(text: str, masked: str) -> list[_Figure]:
    """Figures of one segment with the names the words around them give."""
    found = [m for m in _FIGURE.finditer(masked) if m.group("value")]
    # "经济收入10万元以上的村庄比例达到80%": a figure followed by "的…" and another figure is part of that one's name.
    kept = [m for i, m in enumerate(found)
            if i + 1 == len(found) or not re.match(r"的.", text[m.end():found[i + 1].start()])]
    figures: list[_Figure] = []
    cursor = 0
    for i, match in enumerate(kept):
        end = kept[i + 1].start() if i + 1 < len(kept) else len(text)
        pre, post = text[cursor:match.start()], text[match.end():end]
        name, qualifier, used_post = _name(pre, post, match.group("unit"))
        cursor = end if used_post else match.end()
        figures.append(_Figure(match.group("value"), match.group("unit"), match.group("after") or qualifier, name))
    if kept and "分别" in text[:kept[0].start()]:
        _pair_respectively(figures, text[:kept[0].start()])
    return figures


def _pair_respectively(figures: list[_Figure], pre: str) -> None:
    """"能源消耗量、二氧化碳排放量累计分别下降18%和27%": the n-th subject goes with the n-th figure."""
    subjects, qualifier, suffix = _clean_pre(pre)
    names = subjects.split("、") if subjects.count("、") + 1 == len(figures) else [subjects] * len(figures)
    for fig, name in zip(figures, names, strict=True):
        fig.name, fig.qualifier = name + suffix, fig.qualifier or qualifier


def _name(pre: str, post: str, unit: str) -> tuple[str, str, bool]:
    """Name and qualifier of a figure from the words before and after it; whether the words after were used."""
    core, qualifier, suffix = _clean_pre(pre)
    if _RELATIONAL.match(core):
        return "@" + core.rstrip("的"), "", False  # "仅为全国平均值的9.5%": said of the previous figure
    if unit != "%" and post and post[0] not in "的和及与、":
        # "建设500公里城乡绿道", "每个镇（街道）至少建成1处居家社区养老服务中心": the thing counted follows.
        head = post.rstrip("、和及与").strip("“”").rsplit("的", 1)[-1]
        prefix = _per_year_prefix(pre) or ("" if pre.rstrip().endswith("的") else core)
        return prefix + head, qualifier, True
    if unit == "%" and post and post[0] not in "和及与、":
        # "99.1%的村庄完成集体产权制度改革", "城市建成区80%以上面积达到海绵城市建设要求".
        return (_per_year_prefix(pre) or core) + post.lstrip("的"), qualifier, True
    return (core + suffix if core else ""), qualifier, False


def _per_year_prefix(pre: str) -> str:
    """"每年选派…", "市级每年安排…": the verb stays, the name makes no sense without it."""
    for word in _TAIL_QUALIFIERS:
        pre = pre.removesuffix(word)
    return pre if "每年" in pre else ""


def _clean_pre(pre: str) -> tuple[str, str, str]:
    """The words before a figure without filler, verbs and qualifiers; the qualifier; "下降" when the figure is a fall."""
    text = pre.strip().lstrip("、和及与的”").rstrip("“")
    while not _RELATIONAL.match(text):
        stripped = _LEAD_VERBS.sub("", _LEAD_FILLER.sub("", text))
        if stripped == text:
            break
        text = stripped
    qualifier, suffix = "", ""
    while word := next((w for w in _TAIL_WORDS if text.endswith(w)), ""):
        text = text[: -len(word)]
        qualifier = qualifier or (word if word in _TAIL_QUALIFIERS else "")
        suffix = suffix or ("下降" if word == "下降" else "")  # the figure is a change: "…能源消耗量下降"
    return text.rstrip("“"), qualifier, suffix


@dataclass
class IndicatorLookup:
    """The indicators a question refers to (best first, same name together) and the years the plan gives for them."""

    matches: list[Indicator] = field(default_factory=list)
    asked_year: int | None = None
    available_years: list[int | None] = field(default_factory=list)
    score: float = 0.0  # how well the best name matches the question, 0..1
    name: str = ""  # the best-matching indicator name ("" when none matches well enough)


# Residents' words for later on: "以后城镇化率要到多少" asks a goal.
_LATER_WORDS = r"以后|将来|往后|今后|未来|到时候"
# How residents open a question ("我想知道…", "麻烦问下…") or say when: no indicator name has these words.
_ASKING_WORDS = (r"我想知道|想知道|想问问|想问一下|想问下|想了解一下|想了解|请问一下|请问|问一下|问下|打听一下|打听|麻烦|劳驾|"
                 r"告诉我|帮我查一下|帮我查查|帮我查|查一下|"
                 # and when: "以后城镇化率要到多少" asks the rate's goal (the kind asked is read apart, asked_kind)
                 + _LATER_WORDS + r"|要到|能到|")
_QUESTION_FILLER = re.compile(
    _ASKING_WORDS + r"(?:到|至|在)?(?:19|20)\d\d年?(?:底|末|前)?|“?十[三四五]五”?(?:期间|时期|末)?|全市|我市|规划|"
    r"(?:多少|几)(?:个百分点|立方米|公里|万人|亿元|万亩|万吨|[个所家人条名处件亩吨元户倍项])|是多少|多少|要达到|将达到|达到|"
    r"目标是|目标|计划|预计|力争|现状|目前|现在|已经|当前|实际|情况|是|为|有|要|将|几|吗|呢|了|的|怎么样|如何|什么|"
    r"多长|多大|多高|\d+(?:\.\d+)?%?|[？?，,。！!、\s]"
)
_SYNONYMS = {"公交": "公共交通", "收入差距": "收入比", "地铁": "轨道交通"}
_ALIASES = {
    # Everyday names for indicators the plan words differently.
    "常住总人口": ("常住人口", "总人口", "人口总量"),
    "生产总值": ("地区生产总值", "gdp", "经济总量"),
    "人均地区生产总值": ("人均gdp", "人均生产总值"),
    "常住人口城镇化率": ("城镇化水平",),
    "单位地区生产总值能源消耗量下降": ("单位gdp能耗下降", "能耗下降"),
    "单位地区生产总值二氧化碳排放量下降": ("单位gdp二氧化碳排放下降", "碳排放强度下降"),
    "城市建成区面积达到海绵城市建设要求": ("海绵城市面积比例", "海绵城市建设"),
}
_NUMERALS = "一二三四五六七八九十两〇"
VAGUE = ("突破", "超过", "接近", "不足", "低于", "高于")  # qualifiers of an approximate figure


NAME_PAIRS = 0.4  # Jaccard share of character pairs for two names of one measure (总里程 / 通车里程: 0.44)


def _pairs(name: str) -> set[str]:
    text = normalise(name).replace(" ", "")
    return {text[i : i + 2] for i in range(len(text) - 1)}


def name_likeness(a: str, b: str) -> float:
    """Jaccard share of the character pairs of two indicator names (1.0 for the same name)."""
    pa, pb = _pairs(a), _pairs(b)
    return len(pa & pb) / len(pa | pb) if pa and pb else float(a == b)


class IndicatorTable:
    """All indicators of a set of documents, filterable and searchable by question."""

    def __init__(self, documents: Iterable[Document], config: IndicatorConfig | None = None) -> None:
        """Extract the indicators of every document."""
        documents = list(documents)
        self.config = config or load_tuning().indicators
        self.all: list[Indicator] = [ind for doc in documents for ind in extract_indicators(doc)]
        profiles = [d.profile for d in documents if d.profile]
        self.status_year = max((p.status_year for p in profiles if p.status_year), default=None)
        self.periods = {name: year for p in profiles for name, year in p.named_periods.items()} or dict(FIVE_YEAR_PLANS)
        # The documents' own place names say nothing about which figure is asked for ("青岛的…").
        places = sorted({n for p in profiles for n in (p.place, *p.place_names) if n}, key=len, reverse=True)
        self._places = re.compile("|".join(re.escape(normalise(n)) for n in places)) if places else None
        # The districts, towns and areas inside the city: a question naming one asks for its figure, which the
        # city-wide figures are not ("崂山GDP多少" is not the city's 1.24万亿元).
        cities = {normalise(n) for p in profiles for n in (p.place, p.short_place)} | {"本市", "我市", "全市"}
        self._districts = sorted({normalise(n) for p in profiles for n in (*p.place_names, *p.localities) if n} - cities,
                                 key=lambda n: (-len(n), n))
        self._groups: dict[str, list[Indicator]] = {}
        self._by_clause: dict[str, list[Indicator]] = {}
        for ind in self.all:
            self._groups.setdefault(ind.name, []).append(ind)
            self._by_clause.setdefault(ind.clause_id, []).append(ind)
        self._keys = {name: [_match_key(k) for k in (name, *_ALIASES.get(name, ()))] for name in self._groups}
        self._lookups: dict[tuple[str, str | None], IndicatorLookup] = {}

    def for_year(self, indicator: Indicator, year: int, kind: str) -> Indicator:
        """The indicator itself when the plan gives it for this year and kind; else the same document's indicator
        of that year and kind whose name shares the most character pairs with it (高速公路总里程 -> 高速公路通车里程),
        when they share at least NAME_PAIRS of them; else the indicator itself."""
        return self.given_for_year(indicator, year, kind) or indicator

    def given_for_year(self, indicator: Indicator, year: int, kind: str) -> Indicator | None:
        """As for_year, but None when the plan gives neither the indicator nor a namesake for this year and kind."""
        pool = self.filter(year=year, kind=kind, doc=indicator.doc_id)
        if any(i.name == indicator.name for i in pool):
            return indicator
        # a namesake names the same districts: 平度、莱西's rate is not the city's (the plan sets only the city's goal)
        places = self.districts_named(indicator.name)
        scored = [(name_likeness(indicator.name, i.name), i) for i in pool if self.districts_named(i.name) == places]
        best = max(scored, key=lambda item: item[0], default=(0.0, indicator))
        return best[1] if best[0] >= NAME_PAIRS else None

    def undated_target(self, indicator: Indicator) -> Indicator | None:
        """The target the plan sets for the indicator's measure without a year (农产品年出口 2020 -> 农产品年出口额
        400亿元以上): one whose name begins with the indicator's or begins it, or None. Not a namesake by shared
        pairs: 城区常住人口 (the city's) and 镇区常住人口 (a town's size to count as a small city) share most of theirs."""
        pool = [i for i in self.filter(kind="target", doc=indicator.doc_id) if i.year is None]
        return next((i for i in pool if i.name == indicator.name), None) or next(
            (i for i in pool if i.name.startswith(indicator.name) or indicator.name.startswith(i.name)), None)

    def in_clause(self, clause_id: str) -> tuple[Indicator, ...]:
        """The figures a clause states, in document order."""
        return tuple(self._by_clause.get(clause_id, ()))

    def filter(self, year: int | None = None, kind: str | None = None, doc: str | None = None,
               text: str | None = None) -> list[Indicator]:
        """Indicators of this year / kind / document whose name or quote contains text, in document order."""
        needle = normalise(text) if text else None
        return [
            ind for ind in self.all
            if (year is None or ind.year == year) and (kind is None or ind.kind == kind)
            and (doc is None or ind.doc_id == doc)
            and (needle is None or needle in normalise(ind.name) or needle in normalise(ind.quote))
        ]

    def lookup(self, question: str, doc: str | None = None) -> IndicatorLookup:
        """The indicators a question about a number refers to (of one document, when given), preferring the asked year."""
        # The figure-table decider and the answerability features both ask for the same question: match names once.
        key = (question, doc)
        found = self._lookups.get(key)
        if found is None:
            if len(self._lookups) >= 1024:
                self._lookups.clear()
            found = self._lookups[key] = self._lookup(question, doc)
        return found

    def also_named(self, question: str, found: IndicatorLookup, doc: str | None = None) -> list[Indicator]:
        """The figures of other indicators a question names beside the one found, joined by 和 / 与 / 、 / 比
        ("森林覆盖率和自然湿地保护率分别多少", "湿地比自然岸线保护率高不"): each piece of the question matched on its own,
        for the question's year, the best figure of each other name ([] when it names one)."""
        if not found.name:
            return []
        return [i for i in self.named_apart(question, doc, found.asked_year) if i.name != found.name]

    def named_apart(self, question: str, doc: str | None = None, asked: int | None = None) -> list[Indicator]:
        """The best figure of each indicator a piece of the question names on its own, the pieces joined by 和 / 与 /
        、 / 比, in the question's order, for the year asked ([] when it has one piece)."""
        pieces = [p for p in _JOINED.split(question) if p.strip()]
        if len(pieces) < 2:
            return []
        named: list[Indicator] = []
        for piece in pieces:
            if asked is not None and asked_year(piece, self.periods) is None:
                piece = f"{asked}年{piece}"  # the year the question asks applies to each figure it names
            look = self.lookup(piece, doc)
            if look.score >= self.config.min_name_score and look.matches \
                    and all(i.name != look.name for i in named):
                named.append(look.matches[0])
        return named

    def districts_named(self, question: str) -> list[str]:
        """The districts, towns or areas inside the city a question names ("平度莱西…" -> ["平度", "莱西"]; "胶州湾" is
        not 胶州)."""
        text = original = normalise(question)
        found = []
        for name in self._districts:
            if name in text:
                found.append(name)
                text = text.replace(name, "|")
        return sorted(found, key=original.find)  # in the question's order

    def _lookup(self, question: str, doc: str | None) -> IndicatorLookup:
        asked, unit = asked_year(question, self.periods), asked_unit(question)
        core = _question_core(self._places.sub("|", normalise(question)) if self._places else question)
        districts = self.districts_named(question)
        groups = {name: [i for i in group if (doc is None or i.doc_id == doc) and about_places(i, districts)]
                  for name, group in self._groups.items()}
        scores = {name: max(_name_score(core, key, self.config.min_recall) for key in keys)
                  for name, keys in self._keys.items() if groups[name]}
        # Between near-equal names, one the plan gives for the asked year, or in the asked unit, wins.
        ranked = {name: score + 0.02 * any(asked is not None and i.year == asked for i in groups[name])
                  + 0.03 * any(unit and i.unit.endswith(unit) for i in groups[name])
                  for name, score in scores.items()}
        best = max(ranked, key=lambda n: (ranked[n], -len(n)), default="")
        if not best or scores[best] < self.config.min_name_score:
            return IndicatorLookup([], asked, [], round(scores.get(best, 0.0), 4), "")
        names = [n for n in sorted(ranked, key=ranked.__getitem__, reverse=True) if ranked[n] >= ranked[best] - 1e-9]
        group = [ind for n in names for ind in groups[n]]
        matches = _for_year(group, asked, self.status_year)
        kind = _wanted_kind(question)
        matches.sort(key=lambda ind: (names.index(ind.name), *_rank(ind, asked, kind)))
        years = sorted({i.year for i in group}, key=lambda y: (y is None, y or 0))
        return IndicatorLookup(matches, asked, years, round(scores[best], 4), best)


def _for_year(group: list[Indicator], asked: int | None, status_year: int | None) -> list[Indicator]:
    """The figures for the asked year; undated targets stand in for a future year when nothing is dated."""
    if asked is None:
        return list(group)
    exact = [i for i in group if i.year == asked]
    undated = not any(i.year is not None for i in group) and asked > (status_year or 0)
    return exact or ([i for i in group if i.kind == "target"] if undated else [])


def _rank(ind: Indicator, asked: int | None, kind: str | None) -> tuple:
    """Sort key: asked year, asked kind, exact before vague figures ("突破70%"), latest year, plan order."""
    return (asked is not None and ind.year != asked, kind is not None and ind.kind != kind,
            ind.qualifier in VAGUE, -(ind.year or 0), ind.start)


# Words joining two figures a question names ("森林覆盖率和自然湿地保护率", "湿地比自然岸线保护率高不").
_JOINED = re.compile(r"以及|还有|和|与|跟|及|、|比")


def asked_year(question: str, periods: dict[str, int] = FIVE_YEAR_PLANS) -> int | None:
    """The year a question asks about: "2035年…" -> 2035, "“十四五”…" -> 2025, else None."""
    match = re.search(r"(?:19|20)\d\d", question)
    if match:
        return int(match.group())
    return next((year for name, year in periods.items() if name in question), None)


# A question asking for a share wants a percentage, whatever it is a share of: "占比多少", "能占几成", "比例目标".
_ASKS_SHARE = re.compile(r"比例|占比|比重|百分之|百分比|几成|占(?:多少|几)|多大比|率(?:是|有|能|会|要|达到)?(?:多少|几)")


def asked_unit(question: str) -> str:
    """The unit a question asks in: "几所" -> "所", "多少公里" -> "公里", "占比多少" -> "%", else ""."""
    # 这几天 / 哪几个 ask for no figure.
    match = re.search(r"(?<![这那哪])(?:多少|几)[千万亿]*(个百分点|立方米|公里|人次|[个所家人条名处件亩吨元户倍项])", question)
    if match:
        return match.group(1)
    if re.search(r"(?:多少|几块)钱", question):
        return "元"
    return "%" if _ASKS_SHARE.search(question) else ""


# What kind of quantity a figure is, by its unit: a question asking for one kind is not answered by another ("青岛面积
# 多大" by a share of the built-up area, "农村人口多少" by a count of parks, "人均收入多少" by the income ratio). Longest
# suffixes first ("立方米" is a volume, not a length); a figure without a unit is a ratio or coefficient (2.36, 0.66).
_UNIT_KINDS = (("立方米", "volume"), ("平方公里", "area"), ("平方米", "area"), ("公顷", "area"), ("亩", "area"),
               ("公里", "length"), ("米", "length"), ("个百分点", "share"), ("%", "share"), ("倍", "ratio"),
               ("美元", "money"), ("元", "money"), ("人次", "people"), ("人", "people"), ("名", "people"),
               ("分钟", "time"), ("小时", "time"), ("年", "time"), ("家", "count"), ("户", "count"), ("个", "count"),
               ("处", "count"), ("件", "count"), ("条", "count"), ("所", "count"), ("项", "count"), ("座", "count"),
               ("辆", "count"), ("台", "count"), ("张", "count"), ("艘", "count"), ("架", "count"))
_ASKS_KIND = (
    ("share", _ASKS_SHARE),
    ("ratio", re.compile(r"几倍|多少倍|倍数")),
    # the area itself asked ("面积多大"), not a share of an area ("覆盖多少建成区面积")
    ("area", re.compile(r"面积(?:有|是|能有)?(?:多大|多少|几)|多少亩|多少平方|占地多")),
    ("time", re.compile(r"多长时间|多久|几个?小时|几分钟|多少分钟")),  # before length: "多长时间" is no length
    ("length", re.compile(r"多长|多远|长度|多少公里|多少米|几公里")),
    ("people", re.compile(r"(?:多少|几)(?:万|千万)?(?:个)?人(?!均)|多少口人|人口(?:有|是|能有)?(?:多少|几)|多少人口")),
    ("money", re.compile(r"多少钱|几块钱|多少元|多少(?:补贴|补助|奖励|工资|租金|学费)|"
                         r"(?:收入|工资|房价|价格|票价|补贴|补助|租金|学费)(?:有|是|能有|给)?(?:多少|几)|"
                         r"(?:挣|赚)(?:了|得|到)?(?:多少|几)")),  # "村里人一年挣多少": what they earn
    ("count", re.compile(r"(?:多少|几)(?:个|家|所|处|条|件|项|座|户|辆|台|张|艘|架)")),  # after people: "几个人"
)
# Kinds whose figures always say their unit (元, 平方公里, 公里, %): a figure of another kind never answers them. A
# count of people may be written "40万", so people and counts of things also take a figure whose unit does not say.
_STRICT_KINDS = ("money", "area", "length", "share", "ratio")


def about_places(indicator: Indicator, places: list[str]) -> bool:
    """Whether a figure is about every one of the places (its name or its quote names them); any figure, for none."""
    return all(p in normalise(indicator.name) or p in normalise(indicator.quote) for p in places)


def unit_kind(unit: str) -> str:
    """The kind of quantity a unit measures ("万亩" -> "area", "家" -> "count", "" -> "ratio"); "" when it does not say
    ("万": 500万 may be people or anything else)."""
    if not unit:
        return "ratio"
    return next((kind for suffix, kind in _UNIT_KINDS if unit.endswith(suffix)), "")


def asked_kind_of_quantity(question: str) -> str:
    """The kind of quantity a question asks for ("面积多大" -> "area", "占多少" -> "share"), or "" when it does not say."""
    text = normalise(question)
    return next((kind for kind, pattern in _ASKS_KIND if pattern.search(text)), "")


def answers_kind(indicator: Indicator, asked: str) -> bool:
    """Whether a figure is the kind of quantity asked for (any, when the question names none or the unit does not
    say)."""
    kind = unit_kind(indicator.unit)
    if not asked:
        return True
    if asked in _STRICT_KINDS:
        return kind == asked
    if asked == "count":  # "每千人有几个医生": people are counted too
        return kind in ("count", "people", "")
    return kind in (asked, "")


_ASKS_TARGET = re.compile(_LATER_WORDS + r"|要达到|要提到|要占|目标|计划|力争|预计|打算|十四五")
_ASKS_STATUS = re.compile(r"现在|目前|如今|眼下|这会儿|已经|当前|现状|这些年|那会儿")
_SHORT_YEAR = re.compile(r"(?<![\d.])([2-4]\d)年")  # "25年" in residents' words: 2025


def asked_kind(question: str, status_year: int | None, periods: dict[str, int] = FIVE_YEAR_PLANS) -> str | None:
    """Whether a question in residents' words asks for a goal ("以后要到多少", "25年…") or today's figure ("现在…",
    "2020年…"): "target", "status", or None when it does not say."""
    year = asked_year(question, periods)
    short = _SHORT_YEAR.search(question)
    if year is None and short:
        year = 2000 + int(short.group(1))
    if year is not None and status_year is not None:
        return "status" if year <= status_year else "target"
    # A goal named beside today ("现在的目标是多少") asks for the goal.
    if _ASKS_TARGET.search(question):
        return "target"
    return "status" if _ASKS_STATUS.search(question) else None


def asks_goal(question: str) -> bool:
    """Whether a question asks for a goal without naming its year ("森林覆盖率目标是多少", "以后青岛GDP要到多少")."""
    return asked_year(question) is None and (_wanted_kind(question) == "target" or bool(_ASKS_LATER.search(question)))


_ASKS_LATER = re.compile(_LATER_WORDS)


def asks_now(question: str) -> bool:
    """Whether a question asks for today's figure without naming a year ("现在公交分担率多少")."""
    return asked_year(question) is None and _wanted_kind(question) == "status"


def _wanted_kind(question: str) -> str | None:
    """"target" when the question asks for a goal, "status" for the present state, else None."""
    if re.search(r"目标|要达到|将达到|计划|力争|预计|到(?:19|20)\d\d|十四五", question):
        return "target"
    if re.search(r"现状|目前|现在|已经|当前|实际", question):
        return "status"
    return None


def _question_core(question: str) -> str:
    """The question without years, question words and punctuation; what was removed becomes "|" separators."""
    text = normalise(question)
    for word, replacement in _SYNONYMS.items():
        text = text.replace(word, replacement)
    return _QUESTION_FILLER.sub("|", text)


def _match_key(name: str) -> str:
    """A name as matched: normalised, with punctuation turned into "|" separators."""
    return re.sub(r"[、，,（）()“”《》{}_]", "|", normalise(name))


def _name_score(core: str, key: str, min_recall: float) -> float:
    """How well a name matches a question, 0..1: shared runs of characters over the question's and the name's length."""
    a, b = list(core), list(key)
    asked, named = sum(ch != "|" for ch in a), sum(ch != "|" for ch in b)
    if not asked or not named:
        return 0.0
    shared = 0
    while (run := _longest_common(a, b))[2] >= 2:
        i, j, size = run
        shared += _effective(a, b, i, j, size)
        a[i:i + size], b[j:j + size] = ["|"] * size, ["\x00"] * size
    recall, precision = shared / asked, shared / named
    return (0.6 * recall + 0.4 * precision) * min(1.0, recall / min_recall)


def _longest_common(a: list[str], b: list[str]) -> tuple[int, int, int]:
    """Start in a, start in b and length of the longest common run of characters (separators never match)."""
    best = (0, 0, 0)
    previous = [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        current = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1] and a[i - 1] not in ("|", "\x00"):
                current[j] = previous[j - 1] + 1
                if current[j] > best[2]:
                    best = (i - current[j], j - current[j], current[j])
        previous = current
    return best


def _effective(a: list[str], b: list[str], i: int, j: int, size: int) -> int:
    """What a shared run counts for: nothing across grades ("三级" in "二三级"), less when it cuts words on both sides."""
    before_a, before_b = _char(a, i - 1), _char(b, j - 1)
    if a[i] in _NUMERALS + "级" and any(c and c in _NUMERALS for c in (before_a, before_b)):
        return 0  # "三级医院" inside "二三级医院", "二级" vs "三级": another grade, another indicator
    after_a, after_b = _char(a, i + size), _char(b, j + size)
    return max(size - bool(before_a and before_b) - bool(after_a and after_b), 0)  # "城区…" vs "镇区…"


def _char(chars: list[str], index: int) -> str:
    """The character at index, or "" outside the text or on a separator."""
    return chars[index] if 0 <= index < len(chars) and chars[index] not in ("|", "\x00") else ""


_NUMERIC_QUESTION = re.compile(
    r"多少|几|比例|比重|占比|率|目标|指标|达到|%|多长|多大|多高|多远|多久|规模|总量|里程|面积|数量|系数|倍|\d")


def is_numeric_question(question: str) -> bool:
    """Whether a question asks for a figure (多少, 几, 比例, 率, 目标是, 达到, %, 多长, 多大 ...)."""
    return bool(_NUMERIC_QUESTION.search(normalise(question)))


_CSV_FIELDS = ("name", "figure", "value", "number", "unit", "qualifier", "year", "kind",
               "citation", "clause_id", "quote", "start", "end", "doc_id")


def indicators_csv(indicators: Iterable[Indicator]) -> str:
    """The indicators as CSV text with a header row ("figure" is value, unit and qualifier as a reader writes it)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for ind in indicators:
        row = {**ind.to_dict(), "figure": ind.figure(), "year": "" if ind.year is None else ind.year}
        writer.writerow({key: row[key] for key in _CSV_FIELDS})
    return buffer.getvalue()


def indicators_json(indicators: Iterable[Indicator]) -> str:
    """The indicators as a JSON array of Indicator.to_dict() objects (UTF-8, not escaped)."""
    return json.dumps([ind.to_dict() for ind in indicators], ensure_ascii=False, indent=1)
