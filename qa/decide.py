"""Deciders of the decide stage, asked in order: explicit signals, the figure table, missing years, plan sentences."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from index.textnorm import normalise
from qa.indicators import (
    VAGUE,
    IndicatorTable,
    answers_kind,
    asked_kind_of_quantity,
    asked_unit,
    asked_year,
    asks_goal,
    asks_now,
    is_numeric_question,
)
from qa.intent import asks_a_time
from qa.pipeline import AskState, Decision
from qa.records import Indicator
from qa.retrieval import Candidate, Retriever
from qa.tuning import RefusalConfig
from qa.years import YearClauses

# A figure in plan text: digits, or Chinese fractions and multiples ("三分之一", "两倍").
_FIGURE = re.compile(r"\d|[一二三四五六七八九十两半]+分之[一二三四五六七八九十]|[一二三四五六七八九十两]倍|[一二三四五六七八九]成")
# A time in plan text: a year, a period ("十四五"), a season or month, a deadline.
_TIME = re.compile(r"\d{4}年|\d+月|十四五|十五五|期间|年底|年内|年起|月起|每年|近期|中期|远期")
NOT_FOUND = "规划中没有找到能回答这个问题的内容。"


# A length of time ("30分钟", "3小时"): what "要多久" asks for.
_DURATION = re.compile(r"[\d一二三四五六七八九十两半]+\s*(分钟|小时|个月|天)")


def states_a_time(text: str) -> bool:
    """Whether plan text names a time: a year, a period, a month, a deadline."""
    return bool(_TIME.search(text))


def states_when(text: str) -> bool:
    """Whether plan text answers a when- or how-long question: a time or a length of time."""
    return states_a_time(text) or bool(_DURATION.search(text))


def states_a_figure(text: str) -> bool:
    """Whether plan text holds a figure (digits, 三分之一, 两倍, 七成)."""
    return bool(_FIGURE.search(text))


OPINION_REFUSAL = "规划问答只说明规划里写了什么，不替任何人评价好坏、也不预测结果。"
COMPOSING_REFUSAL = "规划问答只说明规划里写了什么，不代写诗歌、故事、文案、讲稿等内容。"
REALTIME_REFUSAL = ("规划问答只说明规划里写了什么：规划讲的是今后十几年的安排，没有某一天、某一时刻的实时情况"
                    "（天气、路况、排队、停水停电、班次、新闻等），这些请以有关部门当时发布的信息为准。")


def refuse(message: str) -> Decision:
    """A refusal with a message for the user."""
    return Decision("refuse", message)


class ExactSignals:
    """Refuses on facts, not guesses: another place, or a numbered term the plans never mention."""

    name = "exact signals"

    def __init__(self, place_label: str) -> None:
        """place_label names what the loaded plans cover in refusals ("青岛市")."""
        self.place_label = place_label

    def decide(self, state: AskState) -> Decision | None:
        """Refuse on an exact signal, else pass."""
        intent = state.intent
        if intent.other_place:
            return refuse(f"本规划是{self.place_label}的规划，没有关于{intent.other_place}的相关内容。")
        if intent.missing_numbers:
            return refuse(f"规划中没有提到“{intent.missing_numbers[0]}”。")
        return None


class PlanTerm:
    """Answers "东方氢岛是什么" with the plan's sentences that name the term: the plan names it, so what it says of it
    is the answer (the learned decision, trained on questions about what the plan does, refused such questions)."""

    name = "plan term"

    def __init__(self, retriever: Retriever) -> None:
        """Use the retriever's clauses and sentence scorer."""
        self.retriever = retriever

    def decide(self, state: AskState) -> Decision | None:
        """The best sentences naming the term, or pass (no term asked, or none in the documents allowed)."""
        term = state.intent.defines
        if not term:
            return None
        # The clauses naming it, in their text or their heading ("五、加快“无废城市”建设"), in retrieval order.
        naming = {u.clause_id for u in self.retriever.units(state.filters) if term in _plain(u.context_text())}
        if not naming:
            return None
        ranked = [c for c in state.ranking if c[0] in naming]
        ranked += [(clause_id, 0.0) for clause_id in sorted(naming - {c for c, _ in ranked})]
        sentences = self.retriever.candidates(state.query, ranked, min_chars=0)
        found = [c for c in sentences if term in _plain(c.text)] or sentences
        return Decision("text", sentences=self.retriever.scorer.choose(found, limit=3), reason=self.name)


def _plain(text: str) -> str:
    """Text as a question's words are matched against it (normalised, without spaces)."""
    return normalise(text).replace(" ", "")


class OwnView:
    """Refuses a request for PlanQA's own view ("你觉得…"), typed alone or in a conversation: it has none, and the
    nearest clauses are shown with the refusal."""

    name = "own view"

    def decide(self, state: AskState) -> Decision | None:
        """Refuse, or pass."""
        return refuse(OPINION_REFUSAL) if state.intent.asks_opinion else None


class ComposeRequest:
    """Refuses a request to write a text ("帮我写首诗", "编个顺口溜"), typed alone or in a conversation: the plan holds
    no such text, and the nearest clauses are shown with the refusal."""

    name = "compose request"

    def decide(self, state: AskState) -> Decision | None:
        """Refuse, or pass."""
        return refuse(COMPOSING_REFUSAL) if state.intent.asks_composing else None


class RealTimeRequest:
    """Refuses a question about a particular day or moment near now ("今天下雨不", "这会儿隧道堵不堵", "那明天呢" in a
    conversation): a plan holds no weather, traffic, queues or news, and the nearest clauses are shown with the
    refusal."""

    name = "real-time request"

    def decide(self, state: AskState) -> Decision | None:
        """Refuse, or pass."""
        return refuse(REALTIME_REFUSAL) if state.intent.asks_realtime else None


class AskedYear:
    """A question naming a year whose first answer clause about any year is about other years only ("25年青岛城市布局要成
    啥样" ranks the 2035 goals first; an undated introduction may rank above them): answered from the clauses about the year asked in the section of one of its answer clauses (the
    plan sets a section's goals for each year side by side), best ranked for the question without its year (the year
    in the query favours any sentence naming it over the goal-list item on the topic); pass when no such section
    has any."""

    name = "asked year"

    def __init__(self, retriever: Retriever, finder: YearClauses, year_of: Callable[[str], int | None],
                 topic_of: Callable[[str], str]) -> None:
        """Use the retriever, the finder of clauses about a year, and ways to read the year a question names and to
        take it out."""
        self.retriever = retriever
        self.finder = finder
        self.year_of = year_of
        self.topic_of = topic_of

    def decide(self, state: AskState) -> Decision | None:
        """The best sentences of the best-ranked clauses about the year asked, or pass."""
        if len(state.intent.parts) != 1 or not state.ranking:
            return None
        year = self.year_of(state.question)
        answer_clauses = [clause_id for clause_id, _ in state.ranking[: self.retriever.tuning.sentences.answer_clauses]]
        # The first answer clause about any year: a chapter's undated introduction ranked above the 2035 goals
        # ("到2025年青岛要建成个啥样") would otherwise leave the answer to the goals of the other year.
        best = next((c for c in answer_clauses if self.finder.years.get(c)), None)
        lead = self.finder.years.get(best, set()) if best else set()
        if year is None or not lead or year in lead:
            return None
        topic = self.finder.topic(self.topic_of(state.question), state.filters)
        if topic is None:
            return None
        about = self.finder.about(topic, year, answer_clauses, anywhere=False)
        # The best clause only: the section's item on the topic for that year; others of the list are other topics.
        chosen = self.retriever.scorer.choose(self.retriever.candidates(topic, about[:1]), limit=3) if about else []
        return Decision("text", sentences=chosen) if chosen else None


class MissingYear:
    """Refuses a question about a year the plans never name (written out, or counted from today: "明年")."""

    name = "missing year"

    def decide(self, state: AskState) -> Decision | None:
        """Refuse, or pass."""
        if state.intent.missing_year:
            return refuse(f"规划没有给出{state.intent.missing_year}年的相关内容。")
        if state.intent.near_year:
            # "房租明年还涨不": the plan sets out what is to be done by its goal years, not what a given year brings
            return refuse(f"规划没有专门说到{state.intent.near_word}（{state.intent.near_year}年）的情况。")
        return None


class PatternSignals:
    """Without a trained answerability model: chit-chat and instruction-like text, and names the plans never use."""

    name = "pattern signals"

    def decide(self, state: AskState) -> Decision | None:
        """Refuse on a pattern, else pass."""
        intent = state.intent
        if intent.chitchat:
            return refuse("这不是关于规划内容的问题，规划问答只回答规划里写了什么。")
        if intent.unknown_names:
            return refuse(f"规划中没有提到“{intent.unknown_names[0]}”。")
        return None


# Asking what a goal is like, in words ("要达到啥目标", "能到什么程度", "要弄成啥样"), not how much
_GOAL_IN_WORDS = re.compile(r"(啥|什么|怎样的?|咋样的?)(目标|程度|样子?|水平|要求)|(怎么|咋)样")


class FigureTable:
    """Answers a figure question whose wording names an indicator of the table, or says which years the plan gives;
    with sentences=True, a figure question no name matches takes the figures of the sentences a text answer would
    give (answer_sentences; without it, the best-matching candidates)."""

    def __init__(self, table: IndicatorTable, retriever: Retriever, refusal: RefusalConfig, sentences: bool,
                 answer_sentences: Callable[[AskState], list[Candidate]] | None = None) -> None:
        """Use the indicator table, the retriever's word coverage and, for figures in sentences, the sentences the
        plan's text answer would give."""
        self.table = table
        self.retriever = retriever
        self.refusal = refusal
        self.sentences = sentences
        self.answer_sentences = answer_sentences
        self.name = "figures in sentences" if sentences else "figure table"

    def decide(self, state: AskState) -> Decision | None:
        """A figure answer, a missing-year refusal, or pass."""
        decision = self._decide(state)
        # "啥时候修完" after "绿道修多少公里": the turn asks when, and a figure the plan gives no year for does not say;
        # the sentences decide (a question asking both, "城乡绿道哪年建成多少公里", still gets the figure)
        typed = state.followup.typed if state.followup is not None and state.followup.kind != "standalone" else ""
        if decision is not None and decision.route == "indicator" and typed and asks_a_time(typed) \
                and not is_numeric_question(typed) and not any(i.year for i in decision.indicators):
            return None
        return decision

    def _decide(self, state: AskState) -> Decision | None:
        question = state.question
        # the table's figures are the plans' own places': "烟台规划说2025年城镇化率要到多少" is not asking Qingdao's
        if not is_numeric_question(question) or state.intent.elsewhere:
            return None
        lookup = self.table.lookup(question, state.filters.doc)
        if lookup.score >= self.table.config.min_name_score:
            if self.sentences or not self._in_asked_unit(question, lookup.name, state.filters.doc):
                return None  # "地铁要花多少钱": the rail network's length is named, but money is asked
            wanted = "target" if asks_goal(question) else "status" if asks_now(question) else ""
            if lookup.matches and wanted and not any(i.kind == wanted for i in lookup.matches):
                # "全市高速现在通了多长": the plan names today's figure otherwise (高速公路通车里程, not 总里程)
                namesake = self._namesake(lookup.matches[0], wanted)
                if namesake is not None:
                    return Decision("indicator", indicators=[namesake])
                # "森林覆盖率目标是多少": the plan gives today's figure only, which is not the goal asked for; "现在公交分担率
                # 多少": its goal only, which is not today's
                missing = self._missing_year(None, lookup.name, lookup.available_years, state.filters.doc)
                return replace(missing, asked_kind=wanted)
            if lookup.matches:
                # a question naming two figures ("A和B分别多少", "A比B高吗") gets each, the best-matching name's first
                others = self.table.also_named(question, lookup, state.filters.doc)
                return Decision("indicator", indicators=[*lookup.matches[:1], *others, *lookup.matches[1:]]
                                if others else lookup.matches)
            if lookup.available_years:
                if _GOAL_IN_WORDS.search(question) and not state.intent.asks_number:
                    # "2035年碳排放要达到啥目标": a goal in words, which the plan may set for a year it gives no figure
                    # for ("率先实现碳排放达峰后稳中有降"); the sentences decide
                    return None
                return self._missing_year(lookup.asked_year, lookup.name, lookup.available_years, state.filters.doc)
        elif not self.sentences:
            # "A和B分别是多少": each name matches its own piece though neither explains the whole question
            apart = self.table.named_apart(question, state.filters.doc, lookup.asked_year)
            if len(apart) >= 2:
                return Decision("indicator", indicators=apart)
        elif state.intent.asks_number:
            return self._from_sentences(state)
        return None

    def _in_asked_unit(self, question: str, name: str, doc: str | None) -> bool:
        """Whether the named indicator is given in the unit and as the kind of quantity the question asks for (any,
        when it asks none): "青岛海域面积多大" asks an area, which a share of the waters does not give."""
        unit, kind = asked_unit(question), asked_kind_of_quantity(question)
        return any((not unit or i.unit.endswith(unit)) and self._fits(i, kind, question) for i in self._given(name, doc))

    def _fits(self, indicator: Indicator, kind: str, question: str) -> bool:
        """Whether a figure is the kind of quantity asked for, or the question names its measure outright
        ("服务半径和服务人口是多少" asks a length beside the people)."""
        analyzer = self.retriever.analyzer
        return answers_kind(indicator, kind) or analyzer.coverage(analyzer.content_words(indicator.name), [question]) >= 0.99

    def _namesake(self, indicator: Indicator, kind: str) -> Indicator | None:
        """The figure of the kind asked ("status" / "target") the plan gives for the same measure under a like name:
        today's for the status year, a goal for any year it sets goals for or for none."""
        table = self.table
        years = [table.status_year] if kind == "status" else \
            sorted({i.year for i in table.all if i.kind == "target" and i.year and i.doc_id == indicator.doc_id})
        found = (table.given_for_year(indicator, year, kind) for year in years if year is not None)
        return next((i for i in found if i is not None), None) or \
            (table.undated_target(indicator) if kind == "target" else None)

    def _names_rates(self, indicator: Indicator, rates: list[str]) -> bool:
        """Whether the figure's name holds a rate the question names (any: "A率和B率分别是多少"), by its stem ("绿化率":
        绿化覆盖率)."""
        return not rates or self.retriever.analyzer.coverage(rates, [indicator.name]) > 0

    def _given(self, name: str, doc: str | None) -> list[Indicator]:
        """The table's figures of one indicator (of one document, when given)."""
        return [ind for ind in self.table.all if ind.name == name and (doc is None or ind.doc_id == doc)]

    def _missing_year(self, asked: int | None, name: str, available: list[int | None], doc: str | None) -> Decision:
        # the figures of the years nearest the one asked first ("2035年呢": the 2025 target before 2016's figure), exact
        # ones before "突破70%", then in plan order
        given = sorted(self._given(name, doc), key=lambda i: (
            abs(i.year - asked) if i.year is not None and asked is not None else 100, i.qualifier in VAGUE, i.start))
        return Decision("missing_year", indicators=given, asked_year=asked, name=name, available_years=available)

    def _from_sentences(self, state: AskState) -> Decision | None:
        """A figure question whose wording the table's names miss: the figures of the best-matching sentences."""
        asked = asked_year(state.question, self.table.periods)
        # Only a share is read by its unit: counted units vary with the sentence ("80人" / "110名", "几倍" of a ratio).
        asks_share = asked_unit(state.question) == "%"
        quantity = asked_kind_of_quantity(state.question)
        districts = self.table.districts_named(state.question)
        words = state.query.words
        # a rate the question names ("自来水普及率") is the measure asked: a share of another (垃圾分类收集覆盖率) is no answer
        rates = [w[:-1] for w in words if w.endswith("率") and len(w) >= 3]
        named: list[list[Indicator]] = []
        # The figures of the sentences the answer would quote, lead first: the learned sentence choice knows which
        # sentence answers residents' words ("到2025年住城里的人要占多少" is the urbanisation rate, not the share of trips
        # by public transport that the best-scored candidate states).
        sentences = self.answer_sentences(state) if self.answer_sentences is not None else state.candidates[:6]
        for candidate in sentences:
            # a district's figure only from a sentence naming it ("崂山GDP多少" is not the city's GDP)
            if not all(d in normalise(candidate.text) for d in districts):
                continue
            inside = [i for i in self.table.all if i.doc_id == candidate.doc_id
                      and candidate.start <= i.start < candidate.end and self._fits(i, quantity, state.question)
                      and self._names_rates(i, rates)]
            percentages = [i for i in inside if asks_share and i.unit.endswith("%")]
            # A percentage asked for is evidence in itself, so its sentence needs only the clause-level coverage.
            needed = self.refusal.min_coverage if percentages else self.refusal.number_coverage
            if not inside or self.retriever.analyzer.coverage(words, [candidate.text]) < needed:
                continue
            inside = percentages or inside
            fit = {id(i): self.retriever.analyzer.coverage(self.retriever.analyzer.content_words(i.name), [state.question])
                   for i in inside}
            top = max(fit.values())
            named.append([i for i in inside if fit[id(i)] >= top - 1e-9])
        # A question asking for a share ("占比多少") takes the first sentence whose figures are percentages.
        if asks_share:
            named = sorted(named, key=lambda group: not group[0].unit.endswith("%"))  # stable: sentence order kept otherwise
        for best in named:
            for_year = [i for i in best if asked is None or i.year == asked or (i.year is None and i.kind == "target")]
            if for_year:
                return Decision("indicator", indicators=for_year)
        if named:
            best = named[0]
            return self._missing_year(asked, best[0].name, sorted({i.year for i in best if i.year}), state.filters.doc)
        return None


class PlanSentences:
    """Answers with the plan's best sentences when they really address the question; otherwise refuses."""

    name = "plan sentences"

    def __init__(self, retriever: Retriever, refusal: RefusalConfig, check_confidence: bool = True) -> None:
        """Use the retriever and the refusal thresholds; check_confidence is off when a learned model decided."""
        self.retriever = retriever
        self.refusal = refusal
        self.check_confidence = check_confidence
        self.top = retriever.tuning.sentences.answer_clauses

    def decide(self, state: AskState) -> Decision:
        """Sentences to answer with, or a refusal."""
        intent, query = state.intent, state.query
        if len(intent.parts) == 1:
            found = [c for c in state.candidates if c.clause_rank < self.top]
            clauses = [clause_id for clause_id, _ in state.ranking[: self.top]]
            if not found or (self.check_confidence and not self.confident(query.words, found, clauses)):
                return refuse(NOT_FOUND)
            # The model learned from questions as residents type them; a follow-up rewritten into a standalone question
            # ("莱西要新建垃圾处理的厂子吗？", "外地人能申请公租房吗，去哪办？") is another kind of text: the hand-set score.
            rewritten = bool(state.asked) and state.asked != state.question
            learned = None if rewritten else self.retriever.rank_sentences(query, found, state.ranking)
            ranked, margin = (learned, self.retriever.tuning.sentences.model_margin) if learned is not None \
                else (self.retriever.voted_sentences(query, found), None)
            chosen = self.retriever.scorer.choose(ranked, limit=3, margin=margin)
        else:
            chosen = self._per_part(state, intent.parts)
        return self.checked(state, chosen)

    def checked(self, state: AskState, chosen: list[Candidate]) -> Decision:
        """The chosen sentences as the answer, unless they lead with a clause that lacks the claim a "why" question
        makes (or, under v1's rules, the time or figure asked): then a refusal."""
        intent, query = state.intent, state.query
        analyzer = self.retriever.analyzer
        if not chosen:
            return refuse(NOT_FOUND)
        lead = self.retriever.unit(chosen[0].clause_id)
        if intent.why_clause and analyzer.coverage(analyzer.content_words(intent.why_clause), [lead.context_text()]) < 0.99:
            return refuse(f"规划中没有“{intent.why_clause}”这样的说法。")
        # Without a learned model, v1's rules: a when-question needs a time, a how-many question a figure
        # (with the model, these are features of its decision).
        if self.check_confidence and intent.asks_time and not states_a_time(lead.text):
            return refuse("规划没有说明这个问题所问的时间。")
        if self.check_confidence and intent.asks_number and not self.states_the_number(query.words, chosen):
            return refuse("规划没有给出这个问题所问的具体数字。")
        return Decision("text", sentences=chosen)

    def confident(self, words: list[str], found: list[Candidate], clauses: list[str]) -> bool:
        """Whether the best sentences really address the query (similarity and shared words)."""
        t = self.refusal
        texts = [self.retriever.unit(c).context_text() for c in clauses]
        coverage = self.retriever.analyzer.coverage
        if coverage(words, texts[:1]) >= 0.99:
            return True  # the top clause contains every word asked about
        best = max(c.dense for c in found)
        if best < t.min_dense:
            return False
        return best >= t.weak_dense or coverage(words, texts) >= t.min_coverage

    def _per_part(self, state: AskState, parts: list[str]) -> list[Candidate]:
        """One sentence per part: the whole question's best sentence naming what sets the part apart, else the part's own."""
        found = state.candidates
        words = [set(self.retriever.analyzer.words(p)) for p in parts]
        chosen: list[Candidate] = []
        for i, part in enumerate(parts):
            others = set().union(*(w for j, w in enumerate(words) if j != i))
            own = words[i] - others
            naming = sorted(
                (c for c in found if own and all(w in c.text for w in own)),
                key=lambda c: (-sum(w in c.text for w in words[i]), -c.score),
            )
            # A sentence about this part alone beats one that lists every part together.
            pick = next((c for c in naming if not any(w in c.text for w in others - words[i])), None) or next(iter(naming), None)
            if pick is None:
                pick = self._part_answer(state, part)
            if pick is not None and pick.sentence_id not in {c.sentence_id for c in chosen}:
                chosen.append(pick)
        return chosen

    def _part_answer(self, state: AskState, part: str) -> Candidate | None:
        """The best sentence for a part asked on its own, when it is confident."""
        query = self.retriever.prepare(part, state.filters)
        ranking = self.retriever.rank(query, k=self.top)
        found = self.retriever.candidates(query, ranking)
        clauses = [clause_id for clause_id, _ in ranking]
        return found[0] if found and self.confident(query.words, found, clauses) else None

    def states_the_number(self, words: list[str], chosen: list[Candidate]) -> bool:
        """A figure question needs a chosen sentence with a figure that shares most of the question's words."""
        coverage = self.retriever.analyzer.coverage
        return any(coverage(words, [c.text]) >= self.refusal.number_coverage for c in chosen if _FIGURE.search(c.text))
