"""The judgement check: a question that asks PlanQA to forecast, weigh or advise, whose lead sentence does not answer it.

Residents ask "以后房价会跌不", "黄岛和城阳哪个好", "俺该不该回村" about the plan's own topics: the topic matches, so the
answerability model passes them, and the chat would answer with a sentence on the topic. The plan states what will be
done, not what will happen to prices, which district is better or what one person should do. Two learned signals
together decide: the judgement wording model (qa/wording.py's masked n-gram model, trained here with predictions as
well: the shipped answerability feature's model has none) says the question is put as a judgement, and the answer
check (qa/answer_check.py) says the lead sentence does not answer it. Either alone refuses in-plan questions put in
the same frame ("以后地铁能连成网不" is answered by the plan), and neither overrules the answerability model where it is
sure (its probability at or above the band). Trained by `python -m eval train-judgement`; the operating point lives
in qa/tuning.json (judgement).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from qa.answer_check import AnswerCheck
from qa.indicators import asked_kind_of_quantity
from qa.pipeline import AskState, Decision
from qa.tuning import JudgementConfig
from qa.wording import WordingModel

JUDGEMENT_FILE = Path(__file__).resolve().parent / "judgement_wording.json"
MESSAGE = "这个问题要的是预测、比较或评价，规划只写了打算做什么，没有作这样的判断。"
# A personal amount or a price ("一个月多发多少", "奖补多少钱"): what is missing is the figure, not a judgement.
FIGURE_MESSAGE = "规划没有给出这个问题所问的具体数字，也不替个人测算收入、补贴或价格。"
NUMBER_MESSAGE = "规划没有给出这个问题所问的具体数字。"  # a count, share or size that is not anyone's money


def load_judgement_wording(path: Path = JUDGEMENT_FILE) -> WordingModel | None:
    """The trained judgement wording model, or None when none is stored."""
    if not path.exists():
        return None
    return WordingModel.from_dict(json.loads(path.read_text(encoding="utf-8")))


class JudgementCheck:
    """Decider, after the answerability model has passed a question: refuse a judgement its lead sentence does not
    answer."""

    name = "judgement"

    def __init__(self, wording: Callable[[str], float], check: AnswerCheck, config: JudgementConfig) -> None:
        """Use the judgement wording model's probability for a question (plan words masked), the answer check, and
        the operating point."""
        self.wording = wording
        self.check = check
        self.config = config

    def decide(self, state: AskState) -> Decision | None:
        """Refuse when the answerability model is not sure (below the band), the question reads as a judgement (above
        the wording bound) and the check scores the lead sentence below its bound; else pass (the check is run only
        for questions put as a judgement)."""
        # Where the model is sure the plan answers, two weaker signals do not overrule it ("宅基地会不会被收回去").
        if not state.candidates or (state.answerability is not None and state.answerability >= self.config.band):
            return None
        if state.judgement_wording is None:  # the answer check may have read it already
            state.judgement_wording = self.wording(state.question)
        judgement = state.judgement_wording
        if judgement <= self.config.wording_min:
            return None
        state.answer_check = self.check.score(state.question, state.candidates[0].text)
        if state.answer_check >= self.config.check_max:
            return None
        message = MESSAGE
        if state.intent is not None and state.intent.asks_number:
            # "青岛以后人口多少" asks no one's income, subsidy or price: only that the figure is not given
            kind = asked_kind_of_quantity(state.question)
            message = FIGURE_MESSAGE if kind in ("", "money") else NUMBER_MESSAGE
        return Decision("refuse", message,
                        reason=f"judgement wording {judgement:.2f}, answer check {state.answer_check:.2f}")
