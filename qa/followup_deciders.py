"""Deciders for follow-up questions: more detail on the earlier answer, or today's figure beside the target."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from qa.decide import PlanSentences, refuse, states_a_figure, states_when
from qa.followup import BEFORE_CHANGE, BEFORE_LEVEL, BEFORE_TODAY, Slots
from qa.indicators import NAME_PAIRS, IndicatorTable, name_likeness
from qa.intent import Intent
from qa.pipeline import AskState, Decision
from qa.records import Answer
from qa.retrieval import Candidate, Filters, Retriever
from qa.years import YEAR_SCOPE, YearClauses

_FIGURE = re.compile(r"\d")
_ASKS_MONEY = re.compile(r"钱")
_MONEY = re.compile(r"[\d十百千万亿]\s*(万|亿)?(元|美元)")
# A turn asking how much or how many there is today ("现在有几条", "现在规模多大", "目前通了多少"); not "以前": the plan's
# review gives today's figures, not the ones before them.
_NOW = re.compile(r"现在|目前|当前|如今|眼下")
_AMOUNT = re.compile(r"多少|几|多大|多长|多高|多远|规模")
# A turn asking what is done about it ("那咋整", "有啥办法"): after an answer from the plan's review of a problem, its
# measures are elsewhere in the plan, not further on in the review.
_REMEDY = re.compile(r"咋整|咋办|怎么办|咋弄|怎么弄|怎么解决|咋解决|啥办法|什么办法|怎么治|咋治")
# A question on what is to be done ("以后还栽树不", "有啥大动作", "城里有啥准备"), not on where things stand ("是不是挺缺
# 水的", "现在空气咋样"): the plan's measures answer it, not its review of the past and its problems.
_TO_BE_DONE = re.compile(r"以后|将来|往后|今后|未来|打算|计划|准备|措施|办法|举措|动作|咋办|怎么办|咋整|咋弄|怎么弄|咋搞|怎么搞")
_HAN_ONLY = re.compile(r"[\u4e00-\u9fff]{2,12}")
_FOUR_DIGIT_YEAR = re.compile(r"(?<!\d)(20\d{2}|19\d{2})(?=年)")
# A change over the years the plan reports ("累计下降38%", "较2015年", "分别是2010年的2.3倍", "实现翻番")
_SINCE_THEN = re.compile(r"累计|较20\d{2}|比20\d{2}|20\d{2}年的|翻番")
# A place put by what it lies along or around, in plan text ("轨道交通沿线", "中小学、幼儿园周边", "胶州湾沿岸").
_LOCATED = re.compile(r"沿线|周边|附近|一带|沿岸|两岸|境内")


class FollowUpDetail:
    """Decider for "具体怎么做？" / "有啥数字吗？": the next sentences (or the figures) of the earlier answer's clause."""

    name = "follow-up detail"

    def __init__(self, retriever: Retriever, answer_of: Callable[[str, Filters, str], Answer],
                 review: set[str] | None = None) -> None:
        """Use the retriever, a way to answer the earlier question on its own, and the clauses reviewing where things
        stand (the plan's past and problems)."""
        self.retriever = retriever
        self.answer_of = answer_of
        self.review = review or set()

    def decide(self, state: AskState) -> Decision | None:
        """More of what the plan says on the earlier question (its figures, when asked): the passage it came from, in
        reading order, a page of sentences not given before at a time; a refusal when there is nothing more."""
        followup = state.followup
        if followup is None or followup.kind != "detail":
            return None
        earlier = self.answer_of(followup.previous, state.filters, followup.previous_typed)
        if not earlier.quotes_the_plan():
            return None  # nothing to continue: the earlier question itself decides
        given = {c.start for c in earlier.citations}
        size = self.retriever.tuning.followups.page
        page = slice(size * (followup.depth - 1), size * followup.depth)  # "还有呢" after "具体呢": the next ones
        if followup.wants_figures:
            # the figures of the clauses the earlier answer quoted, the lead clause's first: an answer may lead with a
            # clause of measures and quote the figures set for them from the next ("实施农村公路路网改造提升工程" /
            # "每年实施比例达到7%以上")
            cited = list(dict.fromkeys(c.clause_id for c in earlier.citations))
            clauses = [self.retriever.candidates(state.query, [(clause_id, 1.0)], min_chars=0) for clause_id in cited]
            # "给多少钱" asks for money: a percentage or a count in the clause does not answer it.
            wanted = _MONEY if _ASKS_MONEY.search(state.asked) else _FIGURE
            chosen = [c for clause in clauses for c in clause if wanted.search(c.text)][page]
            missing = "规划在这一条里没有给出具体数字。" if followup.depth == 1 else "规划在这一条里没有更多数字了。"
        else:
            # "具体呢" asks for the passage the earlier answer came from, read in order: the lead clause from the first
            # of its sentences the answer gave (those given shown again in their place, for context, as the answer
            # picked them out of order), then the clause's sentences before it and other clauses, best first.
            lead = self._passage_clause(state, earlier)
            clause = sorted(self.retriever.candidates(state.query, [(lead, 1.0)]), key=lambda c: c.start)
            first_given = min((c.start for c in earlier.citations if c.clause_id == lead), default=0)
            passage = [c for c in clause if c.start >= first_given]
            # read away from the review: its sentences, given or not, are not the measures asked for
            skipped = self.review if lead != earlier.citations[0].clause_id else set()
            rest = [c for c in state.candidates if c.start not in given and c.clause_id not in skipped]
            ordered = passage + [c for c in rest if c.clause_id == lead] + [c for c in rest if c.clause_id != lead]
            shown: list[Candidate] = []
            for candidate in ordered:  # each sentence once, where it first comes
                if all((c.doc_id, c.start) != (candidate.doc_id, candidate.start) for c in shown):
                    shown.append(candidate)
            pages = _pages(shown, given, size)
            chosen = pages[followup.depth - 1] if len(pages) >= followup.depth else []
            if not chosen:
                return Decision("refuse", "规划在这方面没有更多内容了。", reason="follow-up detail")
            if followup.depth == 1:
                # the first page keeps every sentence the earlier answer gave, the passage's in reading order:
                # "具体咋弄" asks for the measures in full, and the specific one ("为每个农村义务教育学区选聘1名乡村特级教师")
                # may be one already given, further on in the clause than the page reaches, or in another clause
                chosen = chosen + [c for c in self._given(state, earlier)
                                   if c.clause_id not in skipped and all(c.start != s.start for s in chosen)]
                read_on = sorted((c for c in chosen if c.clause_id == lead and c.start >= first_given),
                                 key=lambda c: c.start)
                chosen = read_on + [c for c in chosen if c not in read_on]
            return Decision("text", sentences=chosen, reason="follow-up detail")
        if not chosen:
            return Decision("refuse", missing, reason="follow-up detail")
        return Decision("text", sentences=chosen, reason="follow-up detail")

    def _passage_clause(self, state: AskState, earlier: Answer) -> str:
        """The clause whose passage a detail page reads on through: the one the earlier answer led with, unless that is
        the plan's review of the past and its problems and the earlier question asked what is to be done, not where
        things stand ("青岛全域绿化有啥大动作" led by the review's forest cover), or the turn asks it ("那咋整" after "青岛
        挺缺水的 真的假的"): then the first cited clause outside the review, else the best ranked one."""
        lead = earlier.citations[0].clause_id
        if lead not in self.review or not (_TO_BE_DONE.search(state.followup.previous) or _REMEDY.search(state.asked)):
            return lead
        cited = [c.clause_id for c in earlier.citations if c.clause_id not in self.review]
        ranked = [clause_id for clause_id, _ in state.ranking if clause_id not in self.review]
        return next(iter(cited + ranked), lead)

    def _given(self, state: AskState, earlier: Answer) -> list[Candidate]:
        """The sentences the earlier answer quoted, in its order."""
        cited = list(dict.fromkeys(c.clause_id for c in earlier.citations))
        sentences = {c.start: c for clause_id in cited
                     for c in self.retriever.candidates(state.query, [(clause_id, 1.0)], min_chars=0)}
        return [sentences[c.start] for c in earlier.citations if c.start in sentences]


class FollowUpContrast:
    """Decider for "和现在比呢？" / "现在是多少？": the status figure beside the plan's target for the same indicator,
    or, when the earlier answer gave no figure, the plan's review of where that stands today."""

    name = "follow-up contrast"

    def __init__(self, table: IndicatorTable, retriever: Retriever | None = None, years: dict[str, set[int]] | None = None,
                 status_year: int | None = None, topic_of: Callable[[str], str] | None = None,
                 scope: int = YEAR_SCOPE) -> None:
        """Use the indicator table; and the retriever, the years each clause is about, the plan's status year, a way
        to take the year out of a question, and how deep in the ranking a review clause may be."""
        self.table = table
        self.retriever = retriever
        self.years = years or {}
        self.status_year = status_year
        self.topic_of = topic_of
        self.scope = scope

    def decide(self, state: AskState) -> Decision | None:
        """The status figures the rewritten question names, then that indicator's targets; else the review's figures
        on the topic; else let others decide."""
        followup = state.followup
        if followup is None or followup.kind != "contrast":
            return None
        lookup = self.table.lookup(state.question, state.filters.doc)
        if lookup.score < self.table.config.min_name_score or not lookup.matches:
            return self.review(state)  # else no status figure for it: the figure table says which years the plan gives
        names = {i.name for i in lookup.matches}
        # The plan may name the target a little differently from the status figure (通车里程 / 总里程).
        targets = [i for i in self.table.all if i.kind == "target"
                   and any(name_likeness(i.name, n) >= NAME_PAIRS for n in names)
                   and (state.filters.doc is None or i.doc_id == state.filters.doc)]
        return Decision("indicator", indicators=[*lookup.matches, *targets], reason="follow-up contrast")

    def review(self, state: AskState) -> Decision | None:
        """For "现在有几条" / "现在咋样" after an answer that gave no figure ("地铁以后能连成网吗"): the sentences (the
        figures, when it asks how much) of the plan's review of the status year (its clauses about that year) best
        ranked for the topic and the turn's own words; pass when the turn does not ask about today, or a figure was
        carried, or no review clause is ranked."""
        followup = state.followup
        if self.retriever is None or self.topic_of is None or followup is None or followup.indicator \
                or not _NOW.search(state.asked):
            return None
        # "现在有几条" asks for a figure; "现在咋样" / "跟现在比呢" for where it stands, which the review may say in words
        # ("与省外城市的快速铁路联系需通过济南中转")
        wanted = states_a_figure if _AMOUNT.search(state.asked) else (lambda text: True)
        # The turn's own words say what is counted ("有几条" lines, "规模多大" capital): the topic alone would rank the
        # review's sentence on something else of the same topic.
        own = _NOW.sub("", state.asked)
        query = self.retriever.prepare(f"{self.topic_of(followup.understood_as)} {own}", state.filters)
        ranking = self.retriever.rank(query, k=self.scope)
        about = [(clause_id, score) for clause_id, score in ranking if self.status_year in self.years.get(clause_id, ())]
        stated = [c for c in self.retriever.candidates(query, about[:3]) if wanted(c.text)]
        chosen = self.retriever.scorer.choose(stated, limit=self.retriever.tuning.followups.page)
        return Decision("text", sentences=chosen, reason="follow-up contrast") if chosen else None


class FollowUpAttribute:
    """Decider for "它什么时候建成？" / "它要花多少钱？" / "它建在哪个区？" about what the earlier answer named: the plan
    says it in the earlier answer's clause, or it does not say it at all."""

    name = "follow-up attribute"

    def __init__(self, retriever: Retriever, answer_of: Callable[[str, Filters, str], Answer],
                 places: Sequence[str] = ()) -> None:
        """Use the retriever, a way to answer the earlier question on its own, and the places inside the documents'
        areas (districts, towns: not the whole city, which says nothing of where in it)."""
        self.retriever = retriever
        self.answer_of = answer_of
        self.places = [p for p in places if p]

    def states_a_place(self, text: str) -> bool:
        """Whether plan text says where: a place inside the documents' areas, or a place put by what it lies along
        or around ("轨道交通沿线", "中小学、幼儿园周边")."""
        return bool(_LOCATED.search(text)) or any(p in text for p in self.places)

    def stating(self, intent: Intent) -> tuple[Callable[[str], bool], str] | None:
        """How plan text states what a question asks and the word for it: a time, else a figure, else a place; None
        when it asks none of them."""
        if intent.asks_time:
            return states_when, "时间"
        if intent.asks_number:
            return states_a_figure, "具体数字"
        if intent.asks_place:
            return self.states_a_place, "具体位置"
        return None

    def decide(self, state: AskState) -> Decision | None:
        """A refusal when the clause the earlier answer led with states no time (no figure, no place) for a when
        (how-many, where) question about it; otherwise let the other deciders answer."""
        followup = state.followup
        asked = self.stating(state.intent)
        if followup is None or followup.kind != "pronoun" or asked is None:
            return None
        earlier = self.answer_of(followup.previous, state.filters, followup.previous_typed)
        if not earlier.quotes_the_plan():
            return None
        clause = self.retriever.candidates(state.query, [(earlier.citations[0].clause_id, 1.0)], min_chars=0)
        states, said = asked
        if any(states(c.text) for c in clause):
            return None
        return Decision("refuse", f"规划提到了这件事，但没有写明它的{said}。", reason="follow-up attribute")


class FollowUpAntecedent:
    """Decider for "它以后要建成啥样" / "这个还能在哪用" once the plan is judged to answer it: a pronoun points at
    what the earlier answer named (卡奥斯, 一码通城, 农贷通), which its lead clause describes, so that clause is read
    first and the turn's own best clauses after it."""

    name = "follow-up antecedent"

    def __init__(self, retriever: Retriever, answer_of: Callable[[str, Filters, str], Answer],
                 sentences: PlanSentences, attribute: FollowUpAttribute | None = None) -> None:
        """Use the retriever, a way to answer the earlier question on its own, the plan-sentence decider whose
        checks (a "why" question's claim; v1's time and figure) the chosen sentences pass like its own, and the
        attribute decider, which tells how plan text states a time, a figure or a place."""
        self.retriever = retriever
        self.answer_of = answer_of
        self.sentences = sentences
        self.attribute = attribute
        self.top = retriever.tuning.sentences.answer_clauses

    def decide(self, state: AskState) -> Decision | None:
        """The best sentences of the earlier answer's lead clause and the turn's best clauses, that clause ranked
        first; pass for other turns, a question in several parts, or an earlier answer that quoted nothing."""
        followup = state.followup
        if followup is None or followup.kind != "pronoun" or len(state.intent.parts) != 1:
            return None
        earlier = self.answer_of(followup.previous, state.filters, followup.previous_typed)
        if not earlier.quotes_the_plan():
            return None
        # The rewritten turn carries the earlier question's subject, not what its answer named ("规划还管啥" for
        # "它还管啥" after "这规划谁牵头落实"): its own ranking alone misses the clause the pronoun points at.
        lead = earlier.citations[0].clause_id
        ranking = [(lead, 1.0), *[(c, s) for c, s in state.ranking if c != lead][: self.top - 1]]
        candidates = self.retriever.candidates(state.query, ranking)
        chosen = self.retriever.scorer.choose(candidates, limit=3)
        asked = self.attribute.stating(state.intent) if self.attribute is not None else None
        if asked is not None:
            states, _ = asked
            # "这个修在哪" after an answer naming the 学径网络: the sentence the earlier answer quoted from the lead
            # clause that says where (when, how many) answers, however the turn's own words (the earlier question's
            # subject, "学校") rank it. Only a quoted one: a review clause holds many years and places, each about
            # something else ("卡奥斯" beside "提前1年实现较2010年翻番目标").
            quoted = {c.start for c in earlier.citations}
            stating = [c for c in candidates if c.clause_id == lead and c.start in quoted and states(c.text)]
            if stating:
                chosen = [stating[0], *[c for c in chosen if c.start != stating[0].start]][:3]
        return self.sentences.checked(state, chosen) if chosen else None


class FollowUpYear:
    """Decider for "那2035年呢？" about something other than a figure ("城乡一起发展的制度2025年能弄到啥程度" ->
    "2035年呢"): what the plan sets for that year, from the best-ranked clauses about that year (ranked for the topic
    without the year first; in the section the earlier answer led from, when that has clauses about the year); after
    an answer about other years, a refusal when none ranks near the top."""

    name = "follow-up year"

    def __init__(self, retriever: Retriever, finder: YearClauses, topic_of: Callable[[str], str],
                 answer_of: Callable[[str, Filters, str], Answer], depth: int = 0) -> None:
        """Use the retriever, the finder of clauses about a year, a way to take the year out of a question, a way to
        answer the earlier question on its own, and how deep in the topic's ranking a clause about the year asked
        may be after an answer about other years (0: as deep as the finder's scope, and no refusal)."""
        self.retriever = retriever
        self.finder = finder
        self.topic_of = topic_of
        self.answer_of = answer_of
        self.depth = depth

    def decide(self, state: AskState) -> Decision | None:
        """The best sentences of the best-ranked clauses about the year asked; pass when none is ranked."""
        followup = state.followup
        if followup is None or followup.kind != "year" or followup.year is None or state.intent.asks_number:
            return None
        earlier = self.answer_of(followup.previous, state.filters, followup.previous_typed)
        beside = [earlier.citations[0].clause_id] if earlier.quotes_the_plan() else []
        # The topic first, without the year: "到2025年" in the query favours any sentence naming the year over the
        # goal-list item on the topic ("——城市治理现代化水平进一步提升"); with the year only when that finds none.
        topic = self.finder.topic(self.topic_of(followup.previous), state.filters)
        if topic is None:
            return None  # the earlier turn was a bare year ("2025年"): no topic to carry over
        dated = sorted(self.finder.years.get(beside[0], ())) if beside else []
        if self.depth and dated and followup.year not in dated:
            # The earlier answer was about other years ("海绵城市35年要搞到啥程度"): a clause about the year asked on
            # the same topic is near the top of its ranking, or the plan does not give that year for it (deeper, the
            # clauses about the year are about other things).
            about = self.finder.about(topic, followup.year, beside, scope=self.depth)
            if not about:
                years = "、".join(f"{y}年" for y in dated)
                return Decision("refuse", f"规划对这件事写的是{years}的，没有写{followup.year}年的。",
                                reason="follow-up year")
            query = topic
        else:
            for query in (topic, state.query):
                about = self.finder.about(query, followup.year, beside)
                if about:
                    break
            else:
                return None
        chosen = self.retriever.scorer.choose(self.retriever.candidates(query, about[:3]), limit=3)
        return Decision("text", sentences=chosen, reason="follow-up year") if chosen else None


def _pages(shown: list[Candidate], given: set[int], size: int) -> list[list[Candidate]]:
    """Sentences cut into pages of `size` sentences not given before, each page keeping the given ones that fall in it
    (in their place, for context); a page of given sentences only is no page: it would tell nothing more."""
    pages: list[list[Candidate]] = [[]]
    new = 0
    for candidate in shown:
        if new == size:
            pages.append([])
            new = 0
        pages[-1].append(candidate)
        new += candidate.start not in given
    return [page for page in pages if any(c.start not in given for c in page)]


class FollowUpPlace:
    """Decider for "崂山呢" after "城阳要建垃圾站不": where the earlier answer named the earlier place, the plan answers it
    place by place; an answer for the place swapped in that names that place nowhere is about the others, so the plan
    says nothing of it there."""

    name = "follow-up place"

    def __init__(self, slots: Slots, whole: set[str], answer_of: Callable[[str, Filters, str], Answer],
                 answer_sentences: Callable[[AskState], list[Candidate]]) -> None:
        """Use the follow-up reader's slot words, the names of the documents' whole areas ("青岛": not a place inside
        them), a way to answer the earlier question on its own, and the sentences the plan-sentence decider would
        answer with."""
        self.slots = slots
        self.whole = whole
        self.places = [p for p in slots.places if p not in whole]  # districts and localities
        self.answer_of = answer_of
        self.answer_sentences = answer_sentences

    def decide(self, state: AskState) -> Decision | None:
        """Refuse when a place swapped into the earlier question is named by none of the sentences that would answer,
        though the earlier answer named the place it replaced; pass otherwise."""
        followup = state.followup
        if followup is None or followup.kind != "slot":
            return None
        new = [p for p in self.places if p in followup.understood_as and p not in followup.previous]
        old = [p for p in self.places if p in followup.previous and p not in followup.understood_as]
        if len(new) != 1 or not old:
            return None
        earlier = self.answer_of(followup.previous, state.filters, followup.previous_typed)
        if not earlier.quotes_the_plan() or not any(p in c.quote for c in earlier.citations for p in old):
            return None
        chosen = self.answer_sentences(state)
        if not chosen or any(new[0] in c.text for c in chosen):
            return None
        # What the plan does say: the places its nearest sentences name, in their order ("城阳、即墨、胶州、平度").
        text = "".join(c.text for c in chosen)
        named = sorted((p for p in self.slots.find("place", text) if p not in self.whole), key=text.index)
        # Named as the resident put it when the place is part of a name ("胶州大白菜"), not the place alone; the places
        # the plan gives are what it lists only when the place itself was asked about.
        asked = followup.slot if new[0] in followup.slot and _HAN_ONLY.fullmatch(followup.slot) else new[0]
        listed = f"，写到的是{'、'.join(named)}" if named and asked == new[0] else ""
        return refuse(f"规划在这方面没有专门提到{asked}{listed}。")


class FollowUpBenchmark:
    """Decider for "跟全省比呢" / "在省里算啥水平" / "跟2010年比呢": the plan compares a figure with a wider area in the
    sentence stating it ("六车道及以上高速公路里程占比24.6%，低于全省1.5个百分点"), with a base year in it or its clause
    ("提前1年实现较2010年翻番目标"), or not at all."""

    name = "follow-up benchmark"

    def __init__(self, answer_of: Callable[[str, Filters, str], Answer], retriever: Retriever,
                 years: dict[str, set[int]] | None = None, status_year: int | None = None,
                 review: set[str] | None = None, scope: int = YEAR_SCOPE) -> None:
        """Use a way to answer the earlier question on its own, the retriever (the sentences it cited), the years
        each clause names, the plans' status year (what "today" is), the clauses of the plans' reviews of where
        things stand, and how deep in the ranking a review clause may be."""
        self.answer_of = answer_of
        self.retriever = retriever
        self.named_years = set().union(*(years or {}).values())  # every year a clause names, gathered once
        self.status_year = status_year
        self.review = review or set()
        self.scope = scope

    def _before(self, text: str, change: bool) -> bool:
        """Whether plan text states a figure from before today ("2016年，全市城镇化水平首次突破70%"), or, for how far
        it has come, a change since then ("累计下降38%", "分别是2010年的2.3倍")."""
        earlier = any(int(y) < self.status_year for y in _FOUR_DIGIT_YEAR.findall(text)) if self.status_year else False
        return earlier or (change and bool(_SINCE_THEN.search(text)))

    def decide(self, state: AskState) -> Decision | None:
        """The earlier answer's sentences that name the area asked about; a refusal saying the plan makes no such
        comparison when none does; pass when the earlier question was not answered from the plan."""
        followup = state.followup
        if followup is None or followup.kind != "benchmark":
            return None
        earlier = self.answer_of(followup.previous, state.filters, followup.previous_typed)
        if not earlier.quotes_the_plan():
            return None
        clauses = list(dict.fromkeys(c.clause_id for c in earlier.citations))
        sentences = self.retriever.candidates(state.query, [(clause_id, 1.0) for clause_id in clauses], min_chars=0)
        # the sentences holding what the earlier answer quoted (a figure's citation quotes only its part), in its order
        holding = [s for c in earlier.citations for s in sentences
                   if s.doc_id == c.doc_id and s.start <= c.start < s.end]
        if followup.slot in (BEFORE_LEVEL, BEFORE_CHANGE):
            # before today: what the sentences the earlier answer quoted say of an earlier year, or of the change since
            # (its clause may be a review of many measures: "较2010年翻番" there is the economy's, not the talent's)
            change = followup.slot == BEFORE_CHANGE
            told = [s for s in dict.fromkeys(holding) if self._before(s.text, change)]
            if not told and not any(clause_id in self.review for clause_id in clauses):
                # "以前建了多少个" after "搞田园综合体有奖励不": the earlier answer told what the plan will do, so where
                # things stood is the plan's review of the topic ("创建36家市级以上田园综合体")
                told = self._reviewed(state, followup.previous)
            if not told:
                return refuse("规划给出的是现在的数字，没有写更早的情况。")
            return Decision("text", sentences=told[:self.retriever.tuning.followups.page], reason="follow-up benchmark")
        naming = [s for s in dict.fromkeys(holding) if followup.slot in s.text]
        if not naming and followup.year is not None:
            # a base year may be told beside the figure, in another sentence of its clause, or elsewhere in the plan
            # ("城乡居民收入分别是2010年的2.3倍" after a question on how fast incomes grew): then the reading is asked
            naming = [s for s in sentences if followup.slot in s.text]
            if not naming and followup.year in self.named_years:
                return None
        if not naming:
            return refuse(f"规划没有给出这一项与{followup.slot}的比较。")
        return Decision("text", sentences=naming, reason="follow-up benchmark")

    def _reviewed(self, state: AskState, previous: str) -> list[Candidate]:
        """The figure sentences of the plans' review best ranked for the earlier question and the turn's own words
        ("建了多少个"), that name something either asks about; none when no review clause is ranked."""
        retriever = self.retriever
        own = BEFORE_TODAY.sub(" ", state.asked)  # "以前建了多少个": what is left says what was counted
        query = retriever.prepare(f"{previous} {own}", state.filters)
        about = [(clause_id, score) for clause_id, score in retriever.rank(query, k=self.scope)
                 if clause_id in self.review]
        # what is asked about: the earlier question's words and the turn's own ("以前组了几个集团": 集团)
        asked = retriever.analyzer.content_words(f"{previous} {own}")
        # a review is many measures side by side: only a sentence sharing a word with the conversation is on it
        figures = [c for c in retriever.candidates(query, about[:3]) if states_a_figure(c.text)
                   and retriever.analyzer.coverage(asked, [c.text]) > 0]
        return retriever.scorer.choose(figures, limit=retriever.tuning.followups.page)
