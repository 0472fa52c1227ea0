"""Learned answerability: a logistic model over retrieval, bank and question-form features says whether the plan
answers a question. Trained on the question bank (in-scope vs out-of-scope) by `python -m qa bank train`; its
operating point (the probability below which PlanQA refuses) is chosen on the development set and kept in
qa/tuning.json with its provenance.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from qa.answer_check import AnswerCheck
from qa.compose import procedure_note
from qa.decide import PlanSentences, states_a_time
from qa.indicators import IndicatorTable, asked_kind, asked_unit
from qa.logistic import StandardisedLogistic
from qa.pipeline import AskState, Decision
from qa.retrieval import Candidate, Retriever
from qa.retrieval.bank_rankers import BankDenseRanker
from qa.wording import WORDING_FILE, WordingModel, masker_for

MODEL_FILE = Path(__file__).resolve().parent / "answerability.json"
FEATURES = (
    "bank_in_similarity",  # nearest in-scope bank question
    "bank_out_similarity",  # nearest out-of-scope bank question
    "bank_margin",  # in - out
    "bank_neighbour_share",  # share of in-scope questions among the 10 nearest bank questions
    "bank_in_top3",  # mean similarity of the 3 nearest in-scope bank questions
    "bank_out_top3",
    "bank_weighted_share",  # similarity-weighted share of in-scope among the 20 nearest
    "best_sentence_similarity",  # best sentence of the top clauses
    "bm25_top",  # log(1 + best BM25 score)
    "coverage_top1",  # share of the question's words in the top clause
    "coverage_top3",
    "content_words",  # log(1 + number of content words)
    "characters",  # log(1 + length)
    "chitchat_pattern",  # greeting / joke / poem / instruction-like text (qa/data/chitchat.txt)
    "unsupported_claim",  # "为什么要…" whose claim the top clause does not contain
    "unknown_names",  # proper names the plan never mentions
    "asks_number",
    "asks_time",
    "indicator_name_match",  # how well an indicator name of the table matches
    "has_digit",
    "time_asked_not_stated",  # a when-question whose top clause names no time
    "number_asked_not_stated",  # a how-many question whose best sentences share few words with a figure
    "judgement_wording",  # the wording model's probability that the question asks for a judgement (qa/wording.py)
    "figure_in_asked_unit",  # a how-many question: best similarity of a top sentence stating a figure of the unit and kind asked
)
_DIGIT = re.compile(r"\d")
FIGURE_SENTENCES = 5  # leading sentences searched for the figure asked (the answer cites at most 3)


@dataclass(frozen=True)
class AnswerabilityModel(StandardisedLogistic):
    """The standardised logistic model of p(answerable), with what it was trained on and its wording model."""

    trained_on: str = ""
    wording_sha256: str = ""  # the wording model it was trained with (qa/wording.json): the two are one pair
    wording: WordingModel | None = field(default=None, compare=False, repr=False)  # that model, once loaded

    def probability(self, x: np.ndarray) -> float:
        """Probability that the plan answers the question with features x."""
        return float(self.probabilities(x))

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {**self.coefficients(), "trained_on": self.trained_on, "wording_sha256": self.wording_sha256}

    @classmethod
    def from_dict(cls, data: dict) -> AnswerabilityModel:
        """Read a dict written by to_dict()."""
        return cls(*cls.read_coefficients(data), data.get("trained_on", ""), data.get("wording_sha256", ""))


def load_model(path: Path = MODEL_FILE, wording_path: Path = WORDING_FILE) -> AnswerabilityModel | None:
    """The trained model with its wording model, or None when none is stored, it was trained on other features, or
    the wording model beside it is missing or not the one it was trained with (then the v1 rules decide)."""
    if not path.exists():
        return None
    model = AnswerabilityModel.from_dict(json.loads(path.read_text(encoding="utf-8")))
    if model.features != FEATURES:
        return None
    if not wording_path.exists():
        return None
    text = wording_path.read_text(encoding="utf-8")
    if sha256_of(text) != model.wording_sha256:
        return None
    return replace(model, wording=WordingModel.from_dict(json.loads(text)))


def sha256_of(text: str) -> str:
    """The SHA-256 of a model file's text: how an answerability model names the wording model it was trained with."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class FeatureReader:
    """Reads the features of a question from the pipeline state after the retrieve stage."""

    def __init__(self, retriever: Retriever, table: IndicatorTable, wording: WordingModel | None) -> None:
        """Use the retriever (rankers, analyzer, units), the indicator table and the wording model (None: the wording
        feature reads 0, as for the v1 rules, which do not read it)."""
        self.retriever = retriever
        self.table = table
        self.wording = wording
        self.masker = masker_for(retriever)
        self._sentences = PlanSentences(retriever, retriever.tuning.refusal)
        bank = retriever.rankers.get("bank")
        self.bank: BankDenseRanker | None = bank if isinstance(bank, BankDenseRanker) else None

    def read(self, state: AskState, exclude: str | None = None) -> np.ndarray:
        """Feature vector in FEATURES order (exclude: a bank id left out of the neighbours, for training)."""
        query, intent = state.query, state.intent
        analyzer = self.retriever.analyzer
        if self.bank is not None and query.vector is not None:
            match = self.bank.neighbours(query.vector, exclude)
            in_sim, out_sim, share = match.in_similarity, match.out_similarity, match.in_share
            in3, out3, weighted = match.in_top3, match.out_top3, match.in_weight
        else:
            in_sim = out_sim = share = in3 = out3 = weighted = 0.0
        top = [c for c in state.candidates if c.clause_rank < 3]
        best = max((c.dense for c in top), default=0.0)
        bm25 = self.retriever.rankers["bm25"].top_k(query, 1, query.filters)
        texts = [u.context_text() for u in (self.retriever.unit(c) for c, _ in state.ranking[:3]) if u is not None]
        words = query.words
        claim = 0.0
        if intent.why_clause and texts:
            claim = float(analyzer.coverage(analyzer.content_words(intent.why_clause), texts[:1]) < 0.99)
        values = {
            "bank_in_similarity": in_sim,
            "bank_out_similarity": out_sim,
            "bank_margin": in_sim - out_sim,
            "bank_neighbour_share": share,
            "bank_in_top3": in3,
            "bank_out_top3": out3,
            "bank_weighted_share": weighted,
            "best_sentence_similarity": best,
            "bm25_top": math.log1p(bm25[0][1]) if bm25 else 0.0,
            "coverage_top1": analyzer.coverage(words, texts[:1]) if texts else 0.0,
            "coverage_top3": analyzer.coverage(words, texts) if texts else 0.0,
            "content_words": math.log1p(len(words)),
            "characters": math.log1p(len(query.text)),
            "chitchat_pattern": float(intent.chitchat),
            "unsupported_claim": claim,
            "unknown_names": float(len(intent.unknown_names)),
            "asks_number": float(intent.asks_number),
            "asks_time": float(intent.asks_time),
            "indicator_name_match": self.table.lookup(query.text, query.filters.doc).score,
            "has_digit": float(bool(_DIGIT.search(query.text))),
            "time_asked_not_stated": float(intent.asks_time and bool(texts) and not states_a_time(texts[0])),
            "number_asked_not_stated": float(intent.asks_number and not self._sentences.states_the_number(words, top[:3])),
            "judgement_wording": self.judgement_wording(query.text),
            "figure_in_asked_unit": figure_in_asked_unit(query.text, words, intent.asks_number, top, self.table),
        }
        return np.array([values[name] for name in FEATURES], dtype=np.float64)

    def nearly_asked(self, state: AskState, similarity: float, margin: float) -> tuple[str, float]:
        """("in" or "out", the similarity) when a bank question is nearly the same as the question (at least
        similarity) and nearer than any of the other side by margin; ("", 0.0) otherwise, or without a bank. An
        in-scope one counts only within the question's document filter."""
        if self.bank is None or similarity <= 0 or state.query is None or state.query.vector is None:
            return "", 0.0
        match = self.bank.neighbours(state.query.vector)
        doc = state.query.filters.doc
        if match.in_scope is not None and (doc is None or match.in_scope.doc_id == doc) \
                and match.in_similarity >= similarity and match.in_similarity - match.out_similarity >= margin:
            return "in", match.in_similarity
        if match.out_similarity >= similarity and match.out_similarity - match.in_similarity >= margin:
            return "out", match.out_similarity
        return "", 0.0

    def judgement_wording(self, question: str) -> float:
        """The wording model's probability that the question asks for a judgement (0 without a model)."""
        return self.wording.probability(self.masker.mask(question)) if self.wording is not None else 0.0


def figure_in_asked_unit(question: str, words: list[str], asks_number: bool, top: list[Candidate],
                         table: IndicatorTable) -> float:
    """For a how-many question, the best similarity among the leading sentences that state a figure of the indicator
    table in the unit asked ("多少人" needs 人 or 万人, "占多少" a percentage; any unit when none is asked) and of the
    kind asked (a goal for "以后要到多少", today's figure for "现在…"; either when the question does not say); 0
    otherwise, and 0 for a question that names nothing ("以后要提到多少": any figure would do). A near miss
    ("森林覆盖率以后要提到多少": the plan gives only today's) finds its topic but not such a figure; an answerable one in
    residents' words finds it even when it shares few words with it."""
    if not asks_number or not words:
        return 0.0
    unit, kind = asked_unit(question), asked_kind(question, table.status_year, table.periods)
    best = 0.0
    for candidate in top[:FIGURE_SENTENCES]:
        stated = [i for i in table.in_clause(candidate.clause_id) if candidate.start <= i.start < candidate.end]
        if any((not unit or i.unit.endswith(unit)) and (kind is None or i.kind == kind) for i in stated):
            best = max(best, candidate.dense)
    return best


class Answerability:
    """Decider: a question that only asks a procedure gets the plan's policy, said not to be the procedure; any other
    question is refused when the model's probability that the plan answers is below the tuned operating point."""

    name = "answerability"

    def __init__(self, reader: FeatureReader, model: AnswerabilityModel, threshold: float,
                 contacts: dict[str, str] | None = None, check: AnswerCheck | None = None,
                 near: tuple[float, float] = (0.0, 0.0)) -> None:
        """Use the feature reader, the trained model, the operating point, each document's service contact, the
        answer check consulted when the model is unsure (None: the model alone decides), and how near a bank question
        must be (similarity, margin over the other side) for its side to decide ((0, 0): never)."""
        self.reader = reader
        self.model = model
        self.threshold = threshold
        self.near = near
        self.check = check
        self.contacts = contacts or {}
        self._policy = PlanSentences(reader.retriever, reader.retriever.tuning.refusal, check_confidence=False)

    def probability(self, state: AskState) -> float:
        """Probability that the plan answers the question in this state."""
        return self.model.probability(self.reader.read(state))

    def decide(self, state: AskState) -> Decision | None:
        """A procedure question gets the plan's policy said not to be the procedure; otherwise refuse below the
        operating point, else pass."""
        p = self.probability(state)
        state.answerability = p
        # Plans state policies, never which office, which documents or opening hours: however well the topic matches,
        # the procedure asked for is not in the plan. (The patterns match none of 3,531 in-scope bank and wave-3
        # questions.) A question with another part besides ("能在这上学吗？去哪报名？") is answered, with the note.
        if state.intent.only_procedure:
            return self.procedure(state, p)
        # A question residents asked nearly word for word ("栈桥多长" / "栈桥有多长") is answered or refused as theirs
        # was: the model learned from each bank question with itself left out, so it never saw a match this close.
        side, similarity = self.reader.nearly_asked(state, *self.near)
        if side == "in":
            return None
        if side == "out" or p < self.threshold or (self.check is not None and self.check.refuses(state, p)):
            if state.intent.asks_procedure:
                return self.procedure(state, p)
            checked = "" if state.answer_check is None else f", answer check {state.answer_check:.2f}"
            if side == "out":
                checked += f", out-of-scope bank question {similarity:.3f}"
            if state.judgement_wording is not None:
                checked += f", judgement wording {state.judgement_wording:.2f}"
            return Decision("refuse", self.explain(state), reason=f"answerability {p:.2f}{checked}")
        return None

    def procedure(self, state: AskState, p: float) -> Decision:
        """A how-to-apply question: the plan's nearest policy, said plainly not to be the procedure asked for."""
        policy = self._policy.decide(state)
        sentences = policy.sentences[:2] if policy.route == "text" else []
        contact = self.contacts.get(sentences[0].doc_id, "") if sentences else ""
        if not sentences:
            return Decision("refuse", self.explain(state), reason=f"answerability {p:.2f}")
        return Decision("procedure", procedure_note(contact), sentences=sentences, reason=f"procedure, answerability {p:.2f}")

    def explain(self, state: AskState) -> str:
        """The plainest true reason to give a resident for a refusal the model decided."""
        intent = state.intent
        retriever = self.reader.retriever
        top = retriever.unit(state.ranking[0][0]) if state.ranking else None
        if intent.chitchat:
            return "这不是关于规划内容的问题，规划问答只回答规划里写了什么。"
        if intent.missing_year:
            return f"规划没有给出{intent.missing_year}年的相关内容。"
        if intent.unknown_names:
            return f"规划中没有提到“{intent.unknown_names[0]}”。"
        if intent.why_clause and top is not None:
            analyzer = retriever.analyzer
            if analyzer.coverage(analyzer.content_words(intent.why_clause), [top.context_text()]) < 0.99:
                return f"规划中没有“{intent.why_clause}”这样的说法。"
        if intent.asks_time and top is not None and not states_a_time(top.text):
            return "规划没有说明这个问题所问的时间。"
        if intent.asks_number:
            return "规划没有给出这个问题所问的具体数字。"
        return "规划中没有找到能回答这个问题的内容。"
