"""The years each clause of a plan is about: the years it names, the year of the goal list it belongs to, and the
years of the figures it states."""

from __future__ import annotations

import re
from collections.abc import Iterable

from corpus.records import Document
from qa.records import Indicator

_NAMED = re.compile(r"(?<!\d)(20\d{2})年")
_GOAL_LEAD = re.compile(r"^(到|至)(20\d{2})年")  # "到2025年，全市城镇化水平…" opens a list of goals for that year
_GOAL_ITEM = "——"  # the goals that follow it: "——非户籍常住人口市民化质量显著提高。…"


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
