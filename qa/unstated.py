"""The stage after *decide* that says plainly when the plan's nearest sentences do not give the figure asked."""

from __future__ import annotations

import re

from qa.decide import states_a_figure
from qa.intent import asks_for_number
from qa.pipeline import AskState, Decision

FIGURE_UNSTATED = "规划中没有找到这方面的具体数字。"
# The pieces a resident strings together: a situation, a question, another question ("村里股份能传给孩子不 另外医保交多少").
_PIECES = re.compile(r"[\s，,。；;？?！!：:]+|以及|还有|另外|顺便")
# A piece that asks something: a question word or particle, an "A不A" choice, or a yes-no ending ("能走仲裁不").
_ASKS = re.compile(r"吗|呢|么|什么|啥|多少|几|哪|怎|如何|是否|咋|谁|多久|为何|为什么|(.)[不没]\1|[不没]$|没有$")
# A yes-no question: it asks whether, and a figure inside it is what it is about ("能让多少人有饭碗吗").
_YES_NO = re.compile(r"(吗|不|么|没|没有)[啊呀哈嘛呢]*$|(.)[不没]\2|可会|是否")
# A rough size said in passing ("好几百年的老村子"), not a figure asked for.
_ROUGH = re.compile(r"好几|几[十百千万]年")


class UnstatedFigure:
    """A question asking only how many ("卖地的钱有多少花在乡下"), answered with the plan's sentences when none of
    them holds a figure, is told so as a refusal that still quotes them ("规划中没有找到这方面的具体数字。与此有关的条文是：
    …[1]") and lists the nearest clauses, instead of an answer with a footnote: the resident asked for the one thing
    the sentences do not give. Only a question asking one thing, not yes or no, answered by the plan-sentences
    decider: a question with another part or another question beside it keeps its answer and the footnote. A follow-up
    turn is read as the conversation understood it ("那一年培训多少人" after "农民工培训咋弄")."""

    name = "unstated figure"

    def run(self, state: AskState) -> None:
        """Turn the decision into an "unstated" refusal when it qualifies; otherwise leave it."""
        decision = state.decision
        if decision is None or decision.route != "text" or decision.reason != "plan sentences" or not decision.sentences:
            return
        if len(state.intent.parts) == 1 and self.asks_only_a_figure(state) \
                and not any(states_a_figure(c.text) for c in decision.sentences):
            state.decision = Decision("unstated", FIGURE_UNSTATED, sentences=decision.sentences, reason=self.name)

    @staticmethod
    def asks_only_a_figure(state: AskState) -> bool:
        """Whether the question's one asking piece asks how many (not when as well, not whether)."""
        question = state.question
        asking = [p for p in (p.strip("啊呀哈嘛") for p in _PIECES.split(question)) if p and _ASKS.search(p)]
        if len(asking) != 1 or _YES_NO.search(asking[0]) or state.intent.asks_time:
            return False
        return state.intent.asks_number and asks_for_number(_ROUGH.sub("", question))
