"""The stages of `ask`: follow-up, understand, retrieve, decide (a list of deciders), compose, verify."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

from corpus.records import Document
from index.textnorm import spoken_spellings
from qa.compose import FIGURE_NOT_GIVEN, TIME_NOT_GIVEN, compose_answer, procedure_note, verify
from qa.decide import states_a_figure, states_when
from qa.followup import FollowUp, FollowUpReader, indicator_question, recent, year_named
from qa.intent import IntentReader, asks_for_number
from qa.pipeline import AskState, Decision
from qa.records import MAX_QUERY_CHARS, Indicator, check_query, sanitised_text
from qa.retrieval import Filters, Retriever
from qa.years import digit_years, plan_end_years


class Contextualise:
    """Reads the question against the conversation: a follow-up becomes the standalone question it means.

    A year or contrast follow-up of an earlier answer that gave a figure asks about that figure's indicator (slot
    carry-over from the answer, not only from the question's words): "城镇化哪一年过的70%" answered with
    常住人口城镇化率, then "那2020年到多少了" means "2020年，常住人口城镇化率是多少？"."""

    name = "follow-up"

    def __init__(self, reader: FollowUpReader,
                 indicator_of: Callable[[str, Filters, int, bool, bool, str], Indicator | None] | None = None,
                 lead_of: Callable[[str, Filters, str], str] | None = None,
                 cited_text_of: Callable[[str, Filters, str], str] | None = None,
                 bank_closeness: Callable[[str, Filters], float] | None = None,
                 undated_target_of: Callable[[Indicator], Indicator | None] | None = None) -> None:
        """Use the follow-up reader, a way to find the indicator the earlier question's answer gave (as the plan
        names it for the year asked, status or target), a way to find the sentence that answer led with, one to
        find the clauses it cited, one to say how near a question is to the bank's residents' questions, and one to
        find the target the plan sets for a measure without a year."""
        self.reader = reader
        self.indicator_of = indicator_of
        self.lead_of = lead_of
        self.cited_text_of = cited_text_of
        self.bank_closeness = bank_closeness
        self.undated_target_of = undated_target_of

    def run(self, state: AskState) -> None:
        """Fill state.asked and state.followup; answer the standalone question (a detail request: the earlier one)."""
        state.question = check_query(state.question)  # undecodable characters replaced before anything reads it
        state.asked = check_query(state.asked) if state.asked else state.question
        # every reader of years reads digits: "二〇三五年…" is asked, and shown understood, as "2035年…"
        # and the end of the plan's period as its year: "远期呢" is "到2035年呢"
        end = self.reader.end_year
        state.question = plan_end_years(digit_years(state.question), end)
        state.history = [plan_end_years(digit_years(sanitised_text(h)), end) for h in state.history if isinstance(h, str)]
        prior: FollowUp | None = None
        # each earlier question as it was understood in its turn; one too long to be asked is no context to build on
        for turn in recent([h for h in state.history if len(h) <= MAX_QUERY_CHARS]):
            prior = self.understand(turn, prior, state.filters)
        followup = self.understand(state.question, prior, state.filters)
        state.followup = followup
        state.question = followup.previous if followup.kind == "detail" else followup.understood_as

    def understand(self, question: str, prior: FollowUp | None, filters: Filters) -> FollowUp:
        """One question read against the earlier one (as it was understood), with the earlier answer's indicator
        carried into a year or contrast turn, a detail request after a detail request going on from it, and a turn
        too light to stand alone asked beside it; as typed when the reading would be too long to ask."""
        followup = self._read(question, prior, filters)
        if len(followup.understood_as) > MAX_QUERY_CHARS:
            followup = FollowUp("standalone", question)
        return replace(followup, typed=question, previous_typed=_typed_before(followup, prior))

    def _read(self, question: str, prior: FollowUp | None, filters: Filters) -> FollowUp:
        # read with residents' spoken spellings as the words they stand for ("莱西有木有" is "莱西有没有"); a question
        # that stands alone is still shown as typed
        followup = self.reader.rewrite(spoken_spellings(question), prior.understood_as if prior else "")
        if followup.kind == "standalone":
            followup = FollowUp("standalone", question)
        typed = _typed_before(followup, prior)
        # "这个试点都有哪些东西": a demonstrative with a head noun names the earlier thing of that head, in the earlier
        # question or its answer's lead sentence, in the plan's words.
        headed = self.reader.headed(question) if followup.kind in ("pronoun", "slot", "focus", "standalone") \
            and prior is not None and self.lead_of is not None else None
        if headed is not None and prior is not None and self.lead_of is not None:
            previous = prior.understood_as
            texts = [previous, self.lead_of(previous, filters, prior.typed)]
            resolved = self.reader.head_antecedent(question, headed, texts)
            if resolved:
                return FollowUp("pronoun", resolved, previous)
        # "空气还得咋治" after a question on the urbanisation rate: a request naming things the earlier question and
        # the clauses its answer cited do not all mention is a question of its own, not more of that answer.
        if followup.kind in ("detail", "focus", "contrast") and self.cited_text_of is not None:
            own = self.reader.own_topic(question, followup.previous)
            if followup.kind == "contrast":  # today's state of the same thing: only a thing it names is its own
                own = self.reader.things_named(own, question)
            cited = self.cited_text_of(followup.previous, filters, typed)
            # Today's state may be told in words of its own ("现在空气好的天数占多少" after a question on smog): one
            # shared word keeps a contrast; more of the same thing must name only what the answer's clauses name.
            related = any if followup.kind == "contrast" else all
            if own and not related(word in cited for word in own):
                # "预警这块展开说说": asking outright for more on a part of its own goes on beside the earlier question
                if followup.kind in ("detail", "focus") and self.reader.asks_more(question):
                    return self.reader.focus(question, followup.previous)
                if followup.kind == "contrast" and not self.cited_text_of(question, filters, ""):
                    # "现在空气好的天数占多少" after a question on smog: today's state of a thing of its own, which the
                    # plan's review of today may tell though the question alone is refused (it names no place)
                    return FollowUp("contrast", question, followup.previous)
                return FollowUp("standalone", question)
        # "它" names what the earlier answer was about, in the plan's words, when the answer shows it (a pronoun turn
        # whose earlier question had no plan words to stand for it was read as a slot).
        if followup.kind in ("pronoun", "slot") and self.lead_of is not None and self.reader.points_back(question) \
                and not self.reader.names_several(question, followup.previous):
            subject = self.reader.answer_subject(followup.previous, self.lead_of(followup.previous, filters, typed),
                                                 question)
            if subject:
                followup = replace(followup, kind="pronoun", understood_as=self.reader.with_subject(question, subject))
        # "谁能先排上", "啥时候能建好": a short turn naming no thing at all, which the plan would answer alone only by a
        # guess, asks about the earlier topic. A bank question is as near such a turn as its reading is, so the bank
        # does not decide here; a turn refused alone (small talk the patterns miss) is left to be refused.
        if followup.kind == "standalone" and prior is not None and self.reader.names_nothing(question) \
                and self.cited_text_of is not None and self.cited_text_of(question, filters, ""):
            beside = self.reader.beside(question, prior.understood_as)
            if len(beside.understood_as) <= MAX_QUERY_CHARS:
                return beside
        # "钱上有啥要求", "有补贴不": a turn naming too little to be a question of its own (read alone, or sent back to
        # stand alone above) asks about the earlier topic, beside the earlier question; unless the turn alone is nearer
        # a question residents ask than that reading ("地铁几条了", or chit-chat the bank knows): it stood on its own.
        # Without a bank to tell, a turn stays as typed.
        if followup.kind == "standalone" and prior is not None and self.bank_closeness is not None \
                and self.reader.too_light(question):
            beside = self.reader.beside(question, prior.understood_as)
            if len(beside.understood_as) <= MAX_QUERY_CHARS and \
                    self.bank_closeness(beside.understood_as, filters) > self.bank_closeness(question, filters):
                return beside
        # "25年能搞到多少面积" after "海绵城市到35年要弄成啥样": a year and only things the earlier answer's lead sentence
        # names asks the earlier question for that year, though the earlier question did not name them.
        if followup.kind == "standalone" and prior is not None and self.lead_of is not None \
                and year_named(question) is not None:
            on_topic = self.reader.year_on_topic(question, prior.understood_as,
                                                 self.lead_of(prior.understood_as, filters, typed))
            # as for a turn too light to stand alone: unless the turn alone is nearer a question residents ask
            if on_topic is not None and self.bank_closeness is not None and \
                    self.bank_closeness(on_topic.understood_as, filters) > self.bank_closeness(question, filters):
                followup = on_topic
        # "还有呢" after "具体呢" goes on from it; "有啥数字吗" after "具体呢" starts on the figures (a page of its own).
        if followup.kind == "detail" and prior is not None and prior.kind == "detail" and prior.previous == followup.previous \
                and prior.wants_figures == followup.wants_figures:
            return replace(followup, depth=prior.depth + 1,
                           understood_as=followup.understood_as.replace("具体有哪些内容", "还有哪些内容"))
        if followup.kind in ("year", "contrast") and self.indicator_of is not None:
            year = followup.year if followup.kind == "year" else self.reader.status_year
            status = followup.kind == "contrast" or (year is not None and self.reader.is_past(year))
            asks_figure = asks_for_number(question)
            indicator = self.indicator_of(followup.previous, filters, year, status, asks_figure, typed) if year else None
            # "以后呢 定的目标多少" after today's figure names no year: the first target year is only the likeliest
            # one, and a measure the plan sets a target for without a year ("农产品年出口额400亿元以上") asks for that.
            implied = followup.kind == "year" and not status and year_named(question) is None
            undated = self.undated_target_of(indicator) if implied and indicator is not None \
                and indicator.year != year and self.undated_target_of is not None else None
            if undated is not None:
                followup = replace(followup, understood_as=indicator_question(undated.name, None, False),
                                   indicator=undated.name)
            elif indicator is not None and year is not None:
                followup = replace(followup, understood_as=indicator_question(indicator.name, year, status),
                                   indicator=indicator.name)
            elif implied:
                # "以后要弄多大" after "小镇上人是不是挺少的": no figure of the earlier answer to carry ahead, so the turn's
                # own words ask about the earlier topic later on, not the earlier question with a year put before it
                followup = self.reader.ahead(question, followup.previous) or followup
        return followup


class Understand:
    """Builds the query record once (normalised, tokenised, expanded, encoded) and reads the question's intent."""

    name = "understand"

    def __init__(self, retriever: Retriever, reader: IntentReader) -> None:
        """Use the retriever's analyzer and encoder, and the intent reader."""
        self.retriever = retriever
        self.reader = reader

    def run(self, state: AskState) -> None:
        """Fill state.query and state.intent."""
        state.query = self.retriever.prepare(state.question, state.filters)
        state.query.history = state.history
        state.intent = self.reader.read(state.query)
        if state.asked and state.asked != state.question:  # a rewritten follow-up: what was typed counts too
            state.intent = self.reader.with_typed(state.intent, state.asked)


class Retrieve:
    """Ranks clauses once and scores the sentences of the top ones."""

    name = "retrieve"

    def __init__(self, retriever: Retriever) -> None:
        """Use the retriever."""
        self.retriever = retriever
        self.top = retriever.tuning.sentences.multipart_clauses

    def run(self, state: AskState) -> None:
        """Fill state.ranking and state.candidates."""
        state.ranking = self.retriever.rank(state.query, k=max(self.top, 10))
        state.candidates = self.retriever.candidates(state.query, state.ranking[: self.top])


class Decider(Protocol):
    """One rule or model of the decide stage: a Decision, or None to let the next decider decide."""

    name: str

    def decide(self, state: AskState) -> Decision | None:
        """Decide, or pass."""
        ...


class Decide:
    """Asks its deciders in order; the first decision wins."""

    name = "decide"

    def __init__(self, deciders: Sequence[Decider]) -> None:
        """Keep the deciders in the order they are asked."""
        self.deciders = list(deciders)

    def run(self, state: AskState) -> None:
        """Fill state.decision."""
        for decider in self.deciders:
            decision = decider.decide(state)
            if decision is not None:
                decision.reason = decision.reason or decider.name
                state.decision = decision
                return
        state.decision = Decision("refuse", "规划中没有找到能回答这个问题的内容。", reason="no decider")


class Compose:
    """Turns the decision into answer text with numbered citations (and related clauses for a refusal)."""

    name = "compose"

    def __init__(self, retriever: Retriever, contacts: dict[str, str] | None = None,
                 places: dict[str, str] | None = None) -> None:
        """Use the retriever for related clauses, each document's service contact for procedure questions, and each
        document's place (to tell apart figures of several plans in one answer)."""
        self.retriever = retriever
        self.contacts = contacts or {}
        self.places = places or {}

    def run(self, state: AskState) -> None:
        """Fill state.answer."""
        decision = state.decision
        if decision.route in ("text", "indicator") and state.intent.asks_procedure and not decision.note:
            decision.note = procedure_note(self.contact(state))
        if decision.route == "text":
            decision.note = unstated(state, [c.text for c in decision.sentences]) + decision.note
        related = self.retriever.hits(state.query, state.ranking[:3]) if decision.route in ("refuse", "missing_year", "procedure", "unstated") else []
        understood = state.followup.understood_as if state.followup else state.question
        state.answer = replace(compose_answer(decision, related, self.places), understood_as=understood)

    def contact(self, state: AskState) -> str:
        """The service contact of the document the answer comes from (the top clause's)."""
        unit = self.retriever.unit(state.ranking[0][0]) if state.ranking else None
        return self.contacts.get(unit.doc_id, "") if unit is not None else ""


def _typed_before(followup: FollowUp, prior: FollowUp | None) -> str:
    """The earlier question as typed, when the follow-up continues the earlier turn's reading ('' otherwise): its answer
    is asked again as it was asked in the conversation."""
    return prior.typed if prior is not None and followup.previous == prior.understood_as else ""


def unstated(state: AskState, texts: list[str]) -> str:
    """The plain statement that the plan's sentences do not give what the question asks for: a when-question
    answered by sentences naming no time ("8号线南段啥时候修" -> "加快8号线（南段）建设"), a how-many question by
    sentences holding no figure. The sentences are still the plan's nearest word on it."""
    intent = state.intent
    if intent.asks_time and not any(states_when(t) for t in texts):
        return TIME_NOT_GIVEN
    if intent.asks_number and not any(states_a_figure(t) for t in texts):
        return FIGURE_NOT_GIVEN
    return ""


class Verify:
    """Checks every citation's quote against its document's clean text at its offsets."""

    name = "verify"

    def __init__(self, documents: dict[str, Document]) -> None:
        """Use the documents' clean texts."""
        self.documents = documents

    def run(self, state: AskState) -> None:
        """Raise ValueError when a quote is not exactly the text at its offsets."""
        for citation in state.answer.citations:
            verify(citation, self.documents)

