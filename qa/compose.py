"""Turn a decision into answer text: the plan's own sentences or figures, each with a verified [n] citation."""

from __future__ import annotations

import re

from corpus.records import Document
from qa.pipeline import Decision
from qa.records import QUALIFIERS, Answer, Citation, Hit, Indicator
from qa.retrieval import Candidate

REFUSAL_TAIL = "以下是规划中最接近的条款，供参考。"
PROCEDURE_INTRO = "规划写的是政策，没有写具体怎么办理（去哪里办、要什么材料、什么时间办）。"
PROCEDURE_POLICY = "规划中与此有关的政策是："
UNSTATED_RELATED = "与此有关的条文是："
TIME_NOT_GIVEN = "以上条文没有写明具体时间。"  # about the sentences quoted, not the whole plan: retrieval may miss
FIGURE_NOT_GIVEN = "以上条文没有给出具体数字。"


def procedure_note(contact: str) -> str:
    """The plain statement that the plan does not cover a procedure, and where residents can ask instead."""
    where = f"请咨询相关部门或{contact}" if contact else "请咨询相关部门"
    return f"{PROCEDURE_INTRO}具体办理方式{where}。"


def compose_answer(decision: Decision, related: list[Hit], places: dict[str, str] | None = None) -> Answer:
    """The answer for a decision; refusals list the related clauses. Figures from more than one plan are each
    preceded by their plan's place (places: document id -> "潍坊市")."""
    if decision.route == "refuse":
        return Answer(decision.message + REFUSAL_TAIL, True, [], related, "refusal")
    if decision.route == "indicator":
        picked = distinct(decision.indicators)[:3]
        citations = [indicator_citation(n, ind) for n, ind in enumerate(picked, start=1)]
        where = _places(picked, places)
        parts = [f"{where(ind)}{figure_sentence(ind)}[{c.n}]" for ind, c in zip(picked, citations, strict=True)]
        note = f"\n\n{decision.note}" if decision.note else ""
        return Answer("；".join(parts) + "。" + note, False, citations, [], "indicator")
    if decision.route == "missing_year":
        given = distinct(decision.indicators)[:3]
        citations = [indicator_citation(n, ind) for n, ind in enumerate(given, start=1)]
        name = decision.name or "这项指标"
        years = "、".join(f"{y}年" for y in decision.available_years if y)
        # no year asked: a goal or today's figure was, and the plan gives the measure's figures for other years only
        asked = f"{decision.asked_year}年的{name}" if decision.asked_year \
            else f"{name}的现状数字" if decision.asked_kind == "status" else f"{name}的目标"
        text = f"规划没有给出{asked}，只给出了{years}的数字" if years else f"规划没有给出{asked}，只给出了目标"
        if given:
            where = _places(given, places)
            text += "：" + "；".join(f"{where(i)}{figure_sentence(i)}[{c.n}]" for i, c in zip(given, citations, strict=True))
        return Answer(text + "。", True, citations, related, "refusal")
    citations = sentence_citations(decision.sentences)
    text = "".join(_cited(c.text, cit.n) for c, cit in zip(decision.sentences, citations, strict=True))
    if decision.route == "procedure":
        return Answer(f"{decision.message}{PROCEDURE_POLICY}{text}", True, citations, related, "procedure")
    if decision.route == "unstated":  # the plan's nearest word on it, quoted, after the plain statement
        return Answer(f"{decision.message}{UNSTATED_RELATED}{text}", True, citations, related, "unstated")
    note = f"\n\n{decision.note}" if decision.note else ""
    return Answer(f"根据规划：{text}{note}", False, citations, [], "text")


def _places(indicators: list[Indicator], places: dict[str, str] | None):
    """A function giving each figure's "place：" prefix, or "" for all when they come from one plan."""
    if not places or len({i.doc_id for i in indicators}) < 2:
        return lambda indicator: ""
    return lambda indicator: f"{places[indicator.doc_id]}：" if places.get(indicator.doc_id) else ""


def _cited(text: str, n: int) -> str:
    sentence = as_answer_sentence(text)
    return f"{sentence[:-1]}[{n}]{sentence[-1]}"


def sentence_citations(chosen: list[Candidate]) -> list[Citation]:
    """Numbered citations (from 1) for the chosen sentences."""
    return [Citation(n, c.clause_id, c.citation, c.text, c.start, c.end, c.doc_id) for n, c in enumerate(chosen, start=1)]


def indicator_citation(n: int, indicator: Indicator) -> Citation:
    """A numbered citation of the sentence part that states a figure."""
    return Citation(n, indicator.clause_id, indicator.citation, indicator.quote, indicator.start, indicator.end,
                    indicator.doc_id)


def verify(citation: Citation, documents: dict[str, Document]) -> None:
    """Raise ValueError unless the quote is exactly the document text at its offsets."""
    document = documents.get(citation.doc_id)
    if document is None or document.clean_text[citation.start : citation.end] != citation.quote:
        raise ValueError(f"citation [{citation.n}] does not match the text of {citation.clause_id}")


def as_answer_sentence(text: str) -> str:
    """A plan sentence as it reads inside an answer: sub-item labels dropped, ending with 。."""
    body = text.strip()
    label = re.match(r"^[（(][一二三四五六七八九十]+[）)]", body)
    if label:
        body = body[label.end() :]
    body = re.sub(r"^[—\-]+", "", body)
    if body and body[-1] in "；;，,、":
        body = body[:-1] + "。"
    elif body and body[-1] not in "。！？”":
        body += "。"
    return body


def distinct(indicators: list[Indicator]) -> list[Indicator]:
    """Indicators without repeats of the same name, year, value and kind."""
    seen, out = set(), []
    for ind in indicators:
        key = (ind.doc_id, ind.name, ind.year, ind.value, ind.kind)
        if key not in seen:
            seen.add(key)
            out.append(ind)
    return out


def figure_sentence(indicator: Indicator) -> str:
    """"到2025年，常住人口城镇化率目标为78%左右" / "2020年，常住总人口为1007.17万人"."""
    figure = indicator.figure()
    # A figure that opens with its own verb ("突破900公里", "超过88%") reads without "为".
    verb_first = figure.startswith(QUALIFIERS)
    if indicator.kind == "target":
        when = f"到{indicator.year}年，" if indicator.year else ""
        return f"{when}{indicator.name}{'要' if verb_first else '目标为'}{figure}"
    when = f"{indicator.year}年，" if indicator.year else ""
    return f"{when}{indicator.name}{'' if verb_first else '为'}{figure}"
