"""Answer a question from the plan: a cited figure, cited plan sentences, or an honest refusal."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from corpus.records import Document
from qa.answer_check import AnswerCheck, load_check
from qa.answerability import Answerability, AnswerabilityModel, FeatureReader, load_model
from qa.decide import (
    AskedYear,
    ComposeRequest,
    ExactSignals,
    FigureTable,
    MissingYear,
    OwnView,
    PatternSignals,
    PlanSentences,
    PlanTerm,
    RealTimeRequest,
)
from qa.followup import FollowUpReader, year_named
from qa.followup_deciders import (
    FollowUpAntecedent,
    FollowUpAttribute,
    FollowUpBenchmark,
    FollowUpContrast,
    FollowUpDetail,
    FollowUpPlace,
    FollowUpYear,
)
from qa.indicators import IndicatorTable, answers_kind, asked_kind_of_quantity, review_clause_ids
from qa.intent import IntentReader, asks_for_number, names_a_figure
from qa.judgement import JudgementCheck, load_judgement_wording
from qa.pipeline import AskState, Pipeline
from qa.records import Answer, Indicator
from qa.retrieval import Filters, Retriever
from qa.retrieval.bank_rankers import BankDenseRanker
from qa.stages import Compose, Contextualise, Decide, Retrieve, Understand, Verify
from qa.tuning import AnswerCheckConfig, JudgementConfig
from qa.unstated import UnstatedFigure
from qa.wording import WordingMasker
from qa.years import YearClauses, clause_years

EARLIER_ANSWERS = 256  # earlier questions whose answers are kept for follow-up turns (a few KB each)


class Answerer:
    """Composes extractive answers with verified citations through the ask pipeline."""

    def __init__(self, retriever: Retriever, documents: list[Document]) -> None:
        """Prepare the indicator table, the question reader and the stages for these documents."""
        self.retriever = retriever
        self.documents = {d.doc_id: d for d in documents}
        self.table = IndicatorTable(documents, retriever.tuning.indicators)
        self.years = clause_years(documents, self.table.all)
        self.review = review_clause_ids(documents)
        sections = {c.id: c.parent_id for d in documents for c in d.paragraphs()}
        self.year_clauses = YearClauses(retriever, self.years, sections)
        # A follow-up turn consults the earlier question's own answer several times (its lead sentence, its figure,
        # its clause): answered once and kept, per question and scope, as long as the deciders stay the same.
        self.answer_alone = lru_cache(maxsize=EARLIER_ANSWERS)(self._answer_alone)
        self.bank_closeness = lru_cache(maxsize=EARLIER_ANSWERS)(self._bank_closeness)
        profiles = [d.profile for d in documents if d.profile]
        reader = IntentReader([d.clean_text for d in documents], retriever.analyzer, profiles,
                              retriever.tuning.terms.max_mentions)
        self.place_label = "、".join(dict.fromkeys(p.place for p in profiles if p.place)) or "所收录地区"
        self.decide = Decide([])
        self.contacts = {d.doc_id: d.profile.service_contact for d in documents if d.profile}
        places = {d.doc_id: d.profile.place for d in documents if d.profile and d.profile.place}
        targets = [i.year for i in self.table.all if i.kind == "target" and i.year]
        self.followups = FollowUpReader(retriever.analyzer, profiles, "".join(d.clean_text for d in documents),
                                        retriever.encode_queries, retriever.tuning.followups,
                                        target_year=min(targets, default=None), goal_years=targets)
        # Places inside the documents' areas a follow-up may swap in ("崂山呢"): not the whole city ("青岛").
        self.whole_places = {d.short_place for d in profiles}
        self.pipeline = Pipeline([Contextualise(self.followups, self.indicator_of, self.lead_of, self.cited_text_of,
                                                self.bank_closeness, self.table.undated_target), Understand(retriever, reader), Retrieve(retriever),
                                  self.decide, UnstatedFigure(), Compose(retriever, self.contacts, places), Verify(self.documents)])
        # The answer check reads pair vectors of the embedding model it was trained on: none without that model.
        self.check_model = load_check(retriever.model_key) if retriever.has_embedder else None
        self.judgement_wording = load_judgement_wording()
        self.use_answerability(load_model() if retriever.bank.in_scope and retriever.bank.out_of_scope else None)

    def use_answerability(self, model: AnswerabilityModel | None, threshold: float | None = None,
                          check: AnswerCheckConfig | None = None, judgement: JudgementConfig | None = None) -> None:
        """Decide with the learned model (refusing below the tuned operating point, or threshold, and consulting the
        answer check when it is unsure: at the tuned check settings, or check's; band 0 never consults it), then the
        judgement check (at the tuned settings, or judgement's; wording_min 1 never refuses), or with the v1 rules
        when model is None."""
        retriever, refusal = self.retriever, self.retriever.tuning.refusal
        threshold = retriever.tuning.answerability.threshold if threshold is None else threshold
        config = retriever.tuning.answer_check if check is None else check
        reader = FeatureReader(retriever, self.table, model.wording if model else None)
        wording = self._wording_of(reader.masker)
        answer_check = (AnswerCheck(retriever, self.check_model, config, wording)
                        if self.check_model is not None and config.band > 0 else None)
        near = (retriever.tuning.answerability.near_question, retriever.tuning.answerability.near_margin)
        learned = [Answerability(reader, model, threshold, self.contacts, answer_check, near),
                   *self._judgement(judgement, wording)]
        sentences = PlanSentences(retriever, refusal, check_confidence=model is None)
        attribute = FollowUpAttribute(retriever, self.answer_alone,
                                      [p for p in self.followups.slots.places if p not in self.whole_places])
        # A figure named by the table, or a year the plan lacks for it, is a fact: before the learned decision.
        self.decide.deciders = [
            OwnView(),
            ComposeRequest(),
            RealTimeRequest(),
            FollowUpDetail(retriever, self.answer_alone, self.review),
            FollowUpBenchmark(self.answer_alone, retriever, self.years, self.followups.status_year, self.review),
            FollowUpContrast(self.table, retriever, self.years, self.followups.status_year, self.followups.without_year),
            attribute,
            ExactSignals(self.place_label),
            FigureTable(self.table, retriever, refusal, sentences=False),
            FollowUpYear(retriever, self.year_clauses, self.followups.without_year, self.answer_alone,
                         retriever.tuning.followups.year_depth),
            PlanTerm(retriever),
            *(learned if model is not None else [PatternSignals()]),
            AskedYear(retriever, self.year_clauses, year_named, self.followups.without_year),
            FigureTable(self.table, retriever, refusal, sentences=True,
                        answer_sentences=lambda state: sentences.decide(state).sentences),
            MissingYear(),
            FollowUpAntecedent(retriever, self.answer_alone, sentences, attribute),
            FollowUpPlace(self.followups.slots, self.whole_places, self.answer_alone,
                          answer_sentences=lambda state: sentences.decide(state).sentences),
            sentences,
        ]
        self.model = model
        self.answer_alone.cache_clear()  # answers given under other deciders

    def _wording_of(self, masker: WordingMasker) -> Callable[[str], float] | None:
        """The judgement wording model's probability for a question, masked with the pipeline's masker (None without
        the model)."""
        wording = self.judgement_wording
        return None if wording is None else lambda question: wording.probability(masker.mask(question))

    def _judgement(self, config: JudgementConfig | None,
                   wording: Callable[[str], float] | None) -> list[JudgementCheck]:
        """The judgement check at the tuned settings (or config's), reading the wording as the answer check does
        (masked by the answerability reader's masker, one per pipeline: it remembers which words the plans use),
        when it can run: its wording model and the answer check's head are there and its wording bound is below 1."""
        config = self.retriever.tuning.judgement if config is None else config
        if self.check_model is None or wording is None or config.wording_min >= 1:
            return []
        scorer = AnswerCheck(self.retriever, self.check_model, self.retriever.tuning.answer_check)
        return [JudgementCheck(wording, scorer, config)]

    def _answer_alone(self, question: str, filters: Filters, typed: str = "") -> Answer:
        """The answer to a (standalone) question asked on its own, without a conversation (typed: what the resident
        typed, when question is the conversation's reading of it: answered as it was in the conversation)."""
        return self.pipeline.run(question, filters, typed=typed).answer

    def indicator_of(self, question: str, filters: Filters, year: int | None = None,
                     status: bool = False, asks_figure: bool = False, typed: str = "") -> Indicator | None:
        """The indicator whose figure the answer to this (standalone) question quotes first, or None; with a year,
        the same measure as the plan names it for that year (status or target). asks_figure: the follow-up itself
        asks for a figure ("现在占多少")."""
        answer = self.answer_alone(question, filters, typed)
        lookup = self.table.lookup(question, filters.doc)
        if answer.abstained:
            # A refused figure question ("到2035年，常住人口城镇化率目标是多少？": no 2035 figure) still names its
            # indicator: the next turn ("2020年那会儿是多少") asks about the same one.
            found = next((i for i in self.table.all if lookup.name and i.name == lookup.name
                          and (filters.doc is None or i.doc_id == filters.doc)), None) \
                if asks_for_number(question) or names_a_figure(question) else None
        else:
            cited = [indicator for citation in answer.citations for indicator in self.table.all
                     if indicator.clause_id == citation.clause_id and indicator.doc_id == citation.doc_id
                     and citation.start <= indicator.start < citation.end]
            # Of several figures quoted, the one the question named (by the table's name match); else the first, but
            # only in a conversation about figures: "城乡一起发展的制度2025年能弄到啥程度" is answered by a sentence that
            # happens to hold the income ratio, and its "2035年呢" is not about that ratio.
            named = {i.name for i in lookup.matches}
            # ("过七成了没" names the figure it asks about: a conversation about figures too)
            about_figures = asks_figure or answer.kind == "indicator" or asks_for_number(question) \
                or names_a_figure(question)
            found = next((i for i in cited if i.name in named), None)
            if found is None and about_figures:
                # of the kind of quantity asked when any is: "青岛现在有多少人" asks people, and its "以后呢" is not the
                # urbanisation rate its answer's second sentence also states
                quantity = asked_kind_of_quantity(question)
                ordered = [i for i in _asked_first(cited, status) if answers_kind(i, quantity)] \
                    or _asked_first(cited, status)
                found = next(iter(ordered), None)
                kind = "status" if status else "target"
                if year is not None and found is not None and self.table.given_for_year(found, year, kind) is None:
                    # "35年的呢" after an answer quoting 2.3倍 (incomes against 2010) and then the income ratio: the
                    # plan gives no 2035 figure for the first, and one for the ratio it also quoted. (Limiting this to
                    # the first figure's own sentence lost two of the four development turns it gained.)
                    found = next((i for i in ordered if self.table.given_for_year(i, year, kind) is not None), found)
        if found is None or year is None:
            return found
        return self.table.for_year(found, year, "status" if status else "target")

    def cited_text_of(self, question: str, filters: Filters, typed: str = "") -> str:
        """The clauses (heading path and text) the answer to this standalone question cites ('' for a refusal)."""
        answer = self.answer_alone(question, filters, typed)
        units = [self.retriever.unit(c.clause_id) for c in answer.citations]
        return " ".join(u.context_text() for u in units if u is not None)

    def _bank_closeness(self, question: str, filters: Filters) -> float:
        """How close a question is to one residents ask: the similarity of its nearest bank question, in scope or out
        (0 without a bank)."""
        bank = self.retriever.rankers.get("bank")
        if not isinstance(bank, BankDenseRanker):
            return 0.0
        query = self.retriever.prepare(question, filters)
        return bank.closeness(query.vector) if query.vector is not None else 0.0

    def lead_of(self, question: str, filters: Filters, typed: str = "") -> str:
        """The sentence the answer to this (standalone) question leads with ('' for a refusal)."""
        answer = self.answer_alone(question, filters, typed)
        return answer.citations[0].quote if answer.quotes_the_plan() else ""

    def run(self, question: str, filters: Filters | None = None, history: list[str] | None = None) -> AskState:
        """The whole pipeline state for one question (the answer, and how it was reached)."""
        return self.pipeline.run(question, filters, history)

    def ask(self, question: str, filters: Filters | None = None, history: list[str] | None = None) -> Answer:
        """Answer one question (raises QueryError for an empty or over-long one, or an unknown filter)."""
        return self.run(question, filters, history).answer


def _asked_first(cited: list[Indicator], status: bool) -> list[Indicator]:
    """The figures an answer quotes, the one a follow-up most likely continues first: for today's figure ("和现在比呢",
    "现在多少"), a target before status figures, since the earlier question asked what the plan aims at and a status
    figure quoted before the target is its background ("以后要降到多少" answered with 倍数 2.3 … 收入比 2.36, then 2.2)."""
    if not status:
        return cited
    return [i for i in cited if i.kind == "target"] + [i for i in cited if i.kind != "target"]
