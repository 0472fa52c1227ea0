"""Answer a question from the plan: a cited figure, cited plan sentences, or an honest refusal."""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.records import Document
from qa.compose import Candidate, as_answer_sentence, candidates, choose, cite, coverage, verify
from qa.indicators import IndicatorTable, asked_year, is_numeric_question
from qa.intent import Intent, IntentReader
from qa.records import Answer, Citation, Hit, Indicator, check_query
from qa.retrieval import Retriever

# A figure in plan text: digits, or Chinese fractions and multiples ("三分之一", "两倍").
_FIGURE = re.compile(r"\d|[一二三四五六七八九十两半]+分之[一二三四五六七八九十]|[一二三四五六七八九十两]倍|[一二三四五六七八九]成")


# A time in plan text: a year, a period ("十四五"), a season or month, a deadline.
_TIME = re.compile(r"\d{4}年|\d+月|十四五|十五五|期间|年底|年内|年起|月起|每年|近期|中期|远期")


@dataclass(frozen=True)
class Thresholds:
    """When an answer is trustworthy enough to give (chosen on the development set; see README)."""

    min_dense: float = 0.845  # best sentence similarity below this: the plan does not discuss the question
    weak_dense: float = 0.865  # below this, the sentences must also share enough of the question's words
    min_coverage: float = 0.25
    name_match: float = 0.5  # indicator name agreement needed to answer from the table
    number_coverage: float = 0.5  # share of a figure question's words its cited figure sentence must contain


class Answerer:
    """Composes extractive answers with verified citations."""

    def __init__(self, retriever: Retriever, documents: list[Document], thresholds: Thresholds | None = None) -> None:
        """Prepare the indicator table and the question reader for these documents."""
        self.retriever = retriever
        self.documents = {d.doc_id: d for d in documents}
        self.table = IndicatorTable(documents)
        tokenizer = retriever.index.tokenizer
        self.reader = IntentReader(
            [d.clean_text for d in documents], tokenizer.segment, tokenizer.tag, set(retriever.lexicon.pairs)
        )
        self.thresholds = thresholds or Thresholds()

    def ask(self, question: str) -> Answer:
        """Answer one question (raises QueryError for an empty or over-long one)."""
        question = check_query(question)
        intent = self.reader.read(question)
        if intent.chitchat:
            return self._refuse(question, "这不是关于规划内容的问题，规划问答只回答规划里写了什么。")
        if intent.other_place:
            return self._refuse(question, f"本规划是青岛市的规划，没有关于{intent.other_place}的相关内容。")
        if intent.missing_terms:
            return self._refuse(question, f"规划中没有提到“{intent.missing_terms[0]}”。")
        if is_numeric_question(question):
            lookup = self.table.lookup(question)
            if lookup.score >= self.thresholds.name_match:
                if lookup.matches:
                    return self._indicator_answer(question, lookup.matches)
                if lookup.available_years:
                    return self._missing_year(question, lookup.asked_year, lookup.name, lookup.available_years)
            elif intent.asks_number:
                answer = self._figure_from_sentences(question, intent)
                if answer is not None:
                    return answer
        if intent.missing_year:
            return self._refuse(question, f"规划没有给出{intent.missing_year}年的相关内容。")
        return self._text_answer(question, intent)

    def _text_answer(self, question: str, intent: Intent) -> Answer:
        found, _, order = candidates(self.retriever, question, top=5 if len(intent.parts) > 1 else 3)
        if len(intent.parts) == 1:
            if not found or not self._confident(question, found, order):
                return self._refuse(question, "规划中没有找到能回答这个问题的内容。")
            chosen = choose(found, limit=3)
        else:
            chosen = self._per_part(intent.parts, found)
        if not chosen:
            return self._refuse(question, "规划中没有找到能回答这个问题的内容。")
        lead_context = self.retriever.index.paragraphs[chosen[0].paragraph].context_text()
        if intent.why_clause and coverage(self.retriever, intent.why_clause, [lead_context]) < 0.99:
            return self._refuse(question, f"规划中没有“{intent.why_clause}”这样的说法。")
        if intent.asks_time and not _TIME.search(self.retriever.index.paragraphs[chosen[0].paragraph].text):
            return self._refuse(question, "规划没有说明这个问题所问的时间。")
        if intent.asks_number and not self._states_the_number(question, chosen):
            return self._refuse(question, "规划没有给出这个问题所问的具体数字。")
        citations = cite(chosen, self.documents)
        text = "".join(f"{as_answer_sentence(c.text)[:-1]}[{cit.n}]{as_answer_sentence(c.text)[-1]}" for c, cit in zip(chosen, citations, strict=True))
        return Answer(f"根据规划：{text}", False, citations, [], "text")

    def _per_part(self, parts: list[str], found: list[Candidate]) -> list[Candidate]:
        """One sentence per part: the whole question's best sentence naming what sets the part apart, else the part's own."""
        words = [set(self.retriever.index.tokenizer.words(p)) for p in parts]
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
                part_found, _, part_order = candidates(self.retriever, part)
                if part_found and self._confident(part, part_found, part_order):
                    pick = part_found[0]
            if pick is not None and pick.sentence not in {c.sentence for c in chosen}:
                chosen.append(pick)
        return chosen

    def _states_the_number(self, question: str, chosen: list[Candidate]) -> bool:
        """A figure question needs a chosen sentence with a figure that shares most of the question's words."""
        with_digits = [c.text for c in chosen if _FIGURE.search(c.text)]
        return any(coverage(self.retriever, question, [text]) >= self.thresholds.number_coverage for text in with_digits)

    def _confident(self, query: str, found: list[Candidate], order: list[int]) -> bool:
        """Whether the best sentences really address the query (similarity and shared words)."""
        t = self.thresholds
        texts = [self.retriever.index.paragraphs[i].context_text() for i in order]
        shared = coverage(self.retriever, query, texts[:1])
        if shared >= 0.99:
            return True  # the top clause contains every word asked about
        best = max(c.dense for c in found)
        if best < t.min_dense:
            return False
        return best >= t.weak_dense or coverage(self.retriever, query, texts) >= t.min_coverage

    def _figure_from_sentences(self, question: str, intent: Intent) -> Answer | None:
        """A figure question whose wording the table's names miss: take the figures of the best-matching sentences."""
        asked = asked_year(question)
        found, _, _ = candidates(self.retriever, question, top=5)
        named: list[list[Indicator]] = []
        for candidate in found[:6]:
            inside = [i for i in self.table.all if i.doc_id == candidate.doc_id and candidate.start <= i.start < candidate.end]
            if not inside or coverage(self.retriever, question, [candidate.text]) < self.thresholds.number_coverage:
                continue
            fit = {id(i): coverage(self.retriever, i.name, [question]) for i in inside}
            top = max(fit.values())
            named.append([i for i in inside if fit[id(i)] >= top - 1e-9])
        for best in named:
            for_year = [i for i in best if asked is None or i.year == asked or (i.year is None and i.kind == "target")]
            if for_year:
                return self._indicator_answer(question, for_year)
        if named:
            best = named[0]
            return self._missing_year(question, asked, best[0].name, sorted({i.year for i in best if i.year}))
        return None

    def _indicator_answer(self, question: str, matches: list[Indicator]) -> Answer:
        picked = _distinct(matches)[:3]
        citations = [self._indicator_citation(n, ind) for n, ind in enumerate(picked, start=1)]
        parts = [f"{_figure_sentence(ind)}[{c.n}]" for ind, c in zip(picked, citations, strict=True)]
        return Answer("；".join(parts) + "。", False, citations, [], "indicator")

    def _missing_year(self, question: str, asked: int | None, name: str, available: list[int | None]) -> Answer:
        given = _distinct([ind for ind in self.table.all if ind.name == name])[:3]
        citations = [self._indicator_citation(n, ind) for n, ind in enumerate(given, start=1)]
        years = "、".join(f"{y}年" for y in available if y) or "其他年份"
        text = f"规划没有给出{asked}年的{name or '这项指标'}，只给出了{years}的数字"
        if given:
            text += "：" + "；".join(f"{_figure_sentence(i)}[{c.n}]" for i, c in zip(given, citations, strict=True))
        related = self.retriever.search(question, k=3)
        return Answer(text + "。", True, citations, related, "refusal")

    def _indicator_citation(self, n: int, indicator: Indicator) -> Citation:
        citation = Citation(n, indicator.clause_id, indicator.citation, indicator.quote, indicator.start, indicator.end,
                            indicator.doc_id)
        verify(citation, self.documents)
        return citation

    def _refuse(self, question: str, message: str) -> Answer:
        related: list[Hit] = self.retriever.search(question, k=3)
        return Answer(message + "以下是规划中最接近的条款，供参考。", True, [], related, "refusal")


def _distinct(indicators: list[Indicator]) -> list[Indicator]:
    seen, out = set(), []
    for ind in indicators:
        key = (ind.name, ind.year, ind.value, ind.kind)
        if key not in seen:
            seen.add(key)
            out.append(ind)
    return out


def _figure_sentence(indicator: Indicator) -> str:
    """"到2025年，常住人口城镇化率目标为78%左右" / "2020年，常住总人口为1007.17万人"."""
    figure = indicator.figure()
    # A figure that opens with its own verb ("突破900公里", "超过88%") reads without "为".
    verb_first = figure.startswith(("突破", "超过", "接近", "不足", "至少", "约", "累计", "不低于", "不超过", "低于", "高于"))
    if indicator.kind == "target":
        when = f"到{indicator.year}年，" if indicator.year else ""
        return f"{when}{indicator.name}{'要' if verb_first else '目标为'}{figure}"
    when = f"{indicator.year}年，" if indicator.year else ""
    return f"{when}{indicator.name}{'' if verb_first else '为'}{figure}"
