"""The years each clause of a plan is about (the years it names, the year of the goal list it belongs to, the years
of the figures it states), and the clauses about a year that answer a topic."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from corpus.headings import cn_number
from corpus.records import Document
from qa.records import Indicator
from qa.retrieval import Filters, Query, Retriever

YEAR_SCOPE = 20  # how deep in the ranking a clause about the year asked may be (not tuned: a tenth of the plan)
_NAMED = re.compile(r"(?<!\d)(20\d{2})年")
_GOAL_LEAD = re.compile(r"^(到|至)(20\d{2})年")  # "到2025年，全市城镇化水平…" opens a list of goals for that year
_GOAL_ITEM = "——"  # the goals that follow it: "——非户籍常住人口市民化质量显著提高。…"
_TO_DIGITS = str.maketrans("〇零○一二三四五六七八九", "000123456789")
_DIGIT = "[〇零○一二三四五六七八九0-9]"
# "二〇三五年", "二零二五年底": a year written in Chinese numerals, as formal Chinese writes years
_HAN_YEAR = re.compile(rf"(?<!{_DIGIT})((?:一九|二[〇零○0]){_DIGIT}{{2}})(?=年)")
# "二五年能到多少", "一六年那会儿": a two-digit year in numerals inside a question; not a span of years ("三四年",
# "四五年", "过个三五年", "这二三年"), which is read as a year only when it is all the turn says ("三五年呢")
_HAN_YEAR2 = re.compile(r"(?<![〇零○一二三四五六七八九十百千万两几\d])([一二三四][〇零○一二三四五六七八九])(?=年)")
_SPANS = ("一二", "二三", "三四", "四五", "三五")
# "三五年呢", "那到二五年呢": a turn that is nothing but a two-digit year is that year
_HAN_YEAR_TURN = re.compile(r"^(那么?|还有)?(到|至|在)?([一二三四][〇零○一二三四五六七八九])年(底|末|前|时|的时候|那会儿?)?"
                            r"(呢|咧|嘞)?[？?。!！~～\s]*$")


# "远期呢", "规划期末能到多少", "规划结束的时候呢": the year the plan's period ends, named in the residents' way
_PLAN_END = re.compile(r"(?:到|至)?(?:远期|规划期末|规划末期|规划期满|规划到期|规划结束(?:的时候|时|那年)?|规划的?最后一年)")


def plan_end_years(text: str, end_year: int | None) -> str:
    """The text with the end of the plan's period written as its year: "远期呢" -> "到2035年呢" (unchanged without one)."""
    return _PLAN_END.sub(f"到{end_year}年", text) if end_year else text


def digit_years(text: str) -> str:
    """The text with years written in Chinese numerals in digits: "二〇三五年的目标" -> "2035年的目标", "二五年能到多少" ->
    "25年能到多少", and a turn that is only a two-digit year, "三五年呢" -> "35年呢" ("过个三五年" stays a span)."""
    text = _HAN_YEAR.sub(lambda m: m.group(1).translate(_TO_DIGITS), text)
    text = _HAN_YEAR2.sub(lambda m: m.group(1) if m.group(1) in _SPANS else m.group(1).translate(_TO_DIGITS), text)
    turn = _HAN_YEAR_TURN.match(text)
    if turn:
        start, end = turn.span(3)
        text = text[:start] + turn.group(3).translate(_TO_DIGITS) + text[end:]
    return text


def clause_years(documents: Iterable[Document], indicators: Iterable[Indicator]) -> dict[str, set[int]]:
    """Clause id -> the years the clause is about."""
    years: dict[str, set[int]] = {}
    for document in documents:
        lead: tuple[str | None, int] | None = None  # (parent, year) of the goal list being read
        for clause in document.paragraphs():
            found = {int(y) for y in _NAMED.findall(clause.text)}
            opening = _GOAL_LEAD.match(clause.text)
            if opening:
                lead = (clause.parent_id, int(opening.group(2)))
            elif clause.text.startswith(_GOAL_ITEM) and lead is not None and lead[0] == clause.parent_id:
                found.add(lead[1])
            else:
                lead = None
            years[clause.id] = found
    for indicator in indicators:
        if indicator.year:
            years.setdefault(indicator.clause_id, set()).add(indicator.year)
    return years


class YearClauses:
    """The clauses about a year that answer a topic: in the section of a clause about another year first (the plan
    sets a section's goals for each of its years side by side: "到2025年，…" with its items, then "到2035年，…"), else
    among the topic's best-ranked clauses."""

    def __init__(self, retriever: Retriever, years: dict[str, set[int]], sections: dict[str, str | None],
                 scope: int = YEAR_SCOPE) -> None:
        """Use the retriever, the years each clause is about, the section (parent id) of each clause, and how deep in
        the ranking a clause may be."""
        self.retriever = retriever
        self.years = years
        self.sections = sections
        self.scope = scope

    def topic(self, text: str, filters: Filters) -> Query | None:
        """The query record of a topic to rank clauses about a year for, or None when nothing is left of it (a bare
        year: "2030年呢" without its year names no topic)."""
        return self.retriever.prepare(text, filters) if text.strip() else None

    def about(self, topic: Query, year: int, beside: Sequence[str] = (), anywhere: bool = True,
              scope: int | None = None) -> list[tuple[str, float]]:
        """(clause id, score) of the clauses about the year, best ranked for the topic first: those in the section of
        the first clause beside that is about some year and whose section has any, else (anywhere) those within
        scope (the finder's own unless given)."""
        dated = [c for c in beside if self.years.get(c) and self.sections.get(c) is not None]
        units = self.retriever.units(topic.filters) if dated else []
        for clause_id in dated:
            parent = self.sections[clause_id]
            section = {u.clause_id for u in units
                       if self.sections.get(u.clause_id) == parent and year in self.years.get(u.clause_id, ())}
            if section:
                return [(c, s) for c, s in self.retriever.rank(topic, k=len(units)) if c in section]
        if not anywhere:
            return []
        return [(c, s) for c, s in self.retriever.rank(topic, k=scope or self.scope) if year in self.years.get(c, ())]


_SPAN = r"(\d{1,2}|十[一二三四五]?|[一两二三四五六七八九]十?[五]?)"
# "再过十年呢", "过个5年", "五年后呢", "十年以后": a number of years on from the year the conversation is at
_YEARS_ON = re.compile(rf"(?:再)?过(?:个|了)?{_SPAN}年|{_SPAN}年(?:以|之)?后")
# "再往后呢", "再以后", "更远点": the plan's next year of goals after the one the conversation is at
_FURTHER = re.compile(r"再往后|再以后|再后来|更往后|往后再|再远(?:一)?点|更远(?:一)?点|更长远|再往下")


def relative_year(text: str, base: int | None, goal_years: Sequence[int]) -> int | None:
    """The year a turn names relative to the year the conversation is at: base + N for "再过N年" / "N年以后", the next of
    the plan's goal years after base for "再往后"; None when it names none (or there is no base)."""
    if base is None:
        return None
    further = _FURTHER.search(text)
    if further:
        return next((y for y in sorted(goal_years) if y > base), None)
    on = _YEARS_ON.search(text)
    if on:
        written = on.group(1) or on.group(2)
        # "过个三五年" (two numerals without 十) is no number of years; "25年以后" is after 2025, a year (digits past 15
        # read as one)
        if not written.isdigit() and len(written) > 1 and "十" not in written:
            return None
        span = cn_number(written)
        if not span or (written.isdigit() and span > 15) or span > 30:
            return None
        return base + span
    return None


# "最后要到啥样", "最终能到多少", "到头了呢": the end of the plan's period, said at the start of a follow-up turn
FINAL = re.compile(r"^(到|等到)?(最后|最终|最末|到头)(?![那这一几个])")  # not "最后那个" (the last one of a list)


def without_relative_year(text: str) -> str:
    """The text without its words for a relative year ("再过十年要弄成啥样" -> "要弄成啥样", "最后要到啥样" -> "要到啥样")."""
    return FINAL.sub("", _YEARS_ON.sub("", _FURTHER.sub("", text)))


# "今年", "明年", "后年": years counted from today, which a plan written years before names only by chance
NEAR_YEARS = {"去年": -1, "今年": 0, "明年": 1, "后年": 2}
_NEAR = re.compile("|".join(NEAR_YEARS))
_SEGMENT = re.compile(r"[\s，,。？?！!；;、]+")
# a segment that asks something: a question word, a closing 不/没, or an A-not-A form ("淹不淹", "能不能")
_ASKS = re.compile(r"吗|么|啥|什么|怎么|咋|多少|几|哪|谁|如何|[不没]$|([\u4e00-\u9fff])[不没]\1")


def near_year(question: str, this_year: int) -> tuple[str, int] | None:
    """The word and year of "今年" / "明年" / "后年" / "去年" when every part of the question that asks something is
    about that year ("房租明年还涨不", "浒苔今年还来吗 来了生意又完了"); None when some part asks about something else
    ("差距能缩小不 还有今年护士节放假不") or the word only sets the scene ("今年刚毕业 这几年青岛打算留多少大学生")."""
    asking = [s for s in _SEGMENT.split(question) if s and _ASKS.search(s)]
    if not asking or not all(_NEAR.search(s) for s in asking):
        return None
    word = _NEAR.search(asking[0]).group(0)
    return word, this_year + NEAR_YEARS[word]
