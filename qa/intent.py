"""What a question asks for: chit-chat, another city, a year or number the plan lacks, several parts."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from corpus.profile import DocumentProfile
from index.textnorm import normalise
from qa.retrieval import Query, QueryAnalyzer
from qa.years import near_year

DATA = Path(__file__).resolve().parent / "data"
# Words that make a question about another place a question about Qingdao's ties with it (the plan covers those).
_PARTNER_WORDS = (
    "合作", "协同", "一体化", "联系", "对接", "都市圈", "经济圈", "城市群", "同城", "高铁", "铁路", "通道", "联动",
    "共建", "互认", "互通", "转移", "转接", "迁徙", "异地", "去", "到",
)
# A street named after another place ("香港中路", "长沙路", "太原路东"): Chinese cities name their streets after cities
# and provinces, so such a name is a place in the plan's own city.
_STREET = r"[东西南北中]{0,2}(?:路|街|大道|大街|巷)"
# Asking for a figure, strictly: "多少", "几个", "多大"... but not "十几年" or "几十".
_ASKS_NUMBER = re.compile(r"多少|(?<![十百千万哪多])几(?=[成倍亿万千百公米吨元%]|个百分点)|多大比例|多高|多长|多远|百分之几|占比多|比例多")
# Proper names (jieba part-of-speech) that, when absent from the plan, mean the question is about something else.
_PROPER = ("nr", "nz", "ns", "nt")
# Asking when something happens: the answer must then state a time.
_ASKS_TIME = re.compile(r"什么时候|哪一?年|几月|何时|啥时候|多久|哪天")
# Asking where a thing is or goes ("建在哪", "在哪个区", "这街在哪啊", "通到哪"); not where it is used or done ("还能在哪用",
# "在哪办": a field or a procedure), nor which ones ("还修哪几条": a list, not a place).
_ASKS_PLACE = re.compile(r"(建|盖|修|设|放|落|搬|选址|布局)[在到]?(哪(?![几些个])|哪些地方|哪个地方|什么地方|啥地方)|在哪(个区|个镇|个街道|个位置|块|片|儿|里|建|盖|修|设)|"
                         r"在哪[啊呀呢]?[？?]*$|哪个区|哪个镇|哪个街道|哪条(路|街)|什么位置|啥位置|具体位置|通到哪|总部在哪")
# A yes/no question that takes a claim for granted: "规划是不是要求2025年全面禁售燃油车".
_CLAIM = re.compile(r"(是不是|是否|有没有)(要求|规定|明确|提出|决定)(.+)")
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?:年|\b)")
_DIGIT_TERM = re.compile(r"\d+(?:\.\d+)?\s*(?:号线|路|期|号|条|座|所|个|家|万|亿|千|百|%|米|公里|亩|吨|元|人)")
_WHY = re.compile(r"(为什么|为何|凭什么|怎么会)(要|会|决定|打算|准备)?(.+)")
_PART_SPLIT = re.compile(r"[；;？?]|以及|还有|另外")
_CONNECTORS = ("和", "与", "及", "、", "跟")
# Asking: a question word or particle, or an "A不A" choice (缺不缺, 让不让).
_ASKS = re.compile(r"吗|呢|么|什么|啥|多少|几|哪|怎|如何|是否|咋|谁|多久|为何|为什么|(.)[不没]\1")
# Asking what a term means: "东方氢岛是什么", "三湾三城到底啥意思", "什么是标准地", "东方氢岛是怎么回事".
_ENDING = r"[？?吗呢啊呀哈嘛]*$"
_DEFINE = (
    re.compile(r"^(?:什么|啥)(?:是|叫)(?P<term>.+?)" + _ENDING),
    re.compile(r"^(?P<term>.+?)(?:到底|究竟|具体)?(?:是|指|指的是|说的是)?(?:个|的)?(?:什么|啥)(?:意思|东西|玩意儿?|概念)?" + _ENDING),
    re.compile(r"^(?P<term>.+?)(?:到底|究竟|具体)?是?(?:怎么|咋)回事" + _ENDING),
)
# What residents put before the term: where they heard it ("老听人说", "规划里要建的"), a pointer ("这个", "所谓的").
_TERM_LEAD = re.compile(r"^((老|常|总)?(听人|听)说(的)?|规划(里|上|中)?(说|讲|提|写|要建|要搞|倡导|提到)?的?|这个|那个|所谓的?|[“\"'])+")
_GENERIC = {"别的", "其他", "其它", "这个", "那个", "这些", "那些", "还有", "有没有", "是不是", "能不能", "会不会",
            "可以", "什么", "怎么", "多少", "哪些", "一下"}
_DISTRIBUTIVE = ("分别", "各自", "各", "都")


@dataclass(frozen=True)
class Intent:
    """Signals about a question that decide how (or whether) it is answered from the plan."""

    chitchat: bool = False
    other_place: str = ""
    elsewhere: str = ""  # another city named, even as a tie ("到烟台"), without the documents' own place
    missing_year: int | None = None
    near_year: int | None = None  # "房租明年还涨不": a year counted from today that the plans never name
    near_word: str = ""  # how the question named it (今年 / 明年 / 后年 / 去年)
    missing_numbers: list[str] = field(default_factory=list)  # "5号线", "300亿": numbered terms the plan never has
    unknown_names: list[str] = field(default_factory=list)  # proper names the plan never mentions
    why_clause: str = ""
    asks_number: bool = False
    asks_time: bool = False
    asks_place: bool = False  # where a thing is or goes ("它建在哪个区")
    asks_procedure: bool = False  # where to go, which office or documents: the plan states policies, not procedures
    only_procedure: bool = False  # every part of the question asks a procedure (no part the plan could answer)
    asks_opinion: bool = False  # "你觉得…": PlanQA's own view, which it does not have
    asks_composing: bool = False  # "帮我写首诗…": a text to be written, which the plan does not hold
    asks_realtime: bool = False  # "今天下雨不", "这会儿堵不堵": one day's or one moment's news, which a plan cannot hold
    defines: str = ""  # "东方氢岛是什么": the plan's own term whose meaning is asked ("" when none is)
    parts: list[str] = field(default_factory=list)


def patterns(name: str) -> list[re.Pattern[str]]:
    """The regular expressions of one pattern file in qa/data (chitchat.txt, procedure.txt, opinion.txt,
    creative.txt, realtime.txt)."""
    return [re.compile(p, re.IGNORECASE) for p in _lines(name)]


def _lines(name: str) -> list[str]:
    path = DATA / name
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]


class IntentReader:
    """Reads questions against the text of the stored plans."""

    def __init__(self, plan_texts: list[str], analyzer: QueryAnalyzer, profiles: list[DocumentProfile],
                 term_max_mentions: int = 0) -> None:
        """Prepare pattern lists, the places the documents are about, and the normalised plan text; a term the plans
        mention at most term_max_mentions times is one whose meaning they can answer (0: none is)."""
        self.segment = analyzer.segment
        self.tag = analyzer.tag
        self.known = analyzer.known_phrases()
        self.plan = normalise("".join(plan_texts)).replace(" ", "")
        self.home = tuple(dict.fromkeys(normalise(n) for p in profiles for n in (p.place, *p.place_names) if n))
        self.places = [p for p in (normalise(p) for p in _lines("places.txt")) if p not in self.home]
        self.chitchat = patterns("chitchat.txt")
        self.procedure = patterns("procedure.txt")
        self.opinion = patterns("opinion.txt")
        self.composing = patterns("creative.txt")
        self.realtime = patterns("realtime.txt")
        self.plan_years = {int(y) for y in re.findall(r"(?<!\d)(20\d{2})年", self.plan)}
        self.term_max_mentions = term_max_mentions

    def read(self, query: Query) -> Intent:
        """Signals for one question."""
        question = query.text
        text = query.normalised.replace(" ", "")
        years = [int(y) for y in _YEAR.findall(text)]
        parts = split_parts(question, self.segment)
        procedure = self.asks_procedure(text)
        elsewhere = self._elsewhere(text)
        near = near_year(question, date.today().year)
        if near is not None and near[1] in self.plan_years:
            near = None
        return Intent(
            chitchat=any(p.search(text) for p in self.chitchat),
            # about that place, unless the question ties it to the plan's ("青烟城镇发展轴", "到烟台的高铁")
            other_place="" if any(w in text for w in _PARTNER_WORDS) else elsewhere,
            elsewhere=elsewhere,
            missing_year=next((y for y in years if y not in self.plan_years), None),
            near_year=near[1] if near else None,
            near_word=near[0] if near else "",
            missing_numbers=[t for t in _DIGIT_TERM.findall(text) if t.replace(" ", "") not in self.plan],
            unknown_names=self._unknown_names(text),
            why_clause=self._why(text),
            asks_number=bool(_ASKS_NUMBER.search(text)),
            asks_time=asks_a_time(text),
            asks_place=asks_a_place(text),
            asks_procedure=procedure,
            only_procedure=procedure and all(self.asks_procedure(normalise(part).replace(" ", "")) for part in parts),
            asks_opinion=self.asks_opinion(text),
            asks_composing=self.asks_composing(text),
            asks_realtime=self.asks_realtime(text),
            defines=self.defines(question),
            parts=parts,
        )

    def defines(self, question: str) -> str:
        """The term a question asks the meaning of, when the plans name it, and name it seldom enough to be a thing of
        their own ("东方氢岛", "学径网络"), not a theme they mention throughout ("城镇化", "青岛"); else ''."""
        if not self.term_max_mentions:
            return ""
        # The whole question without spaces ("老听人说三湾三城 到底啥意思"), else its pieces ("东方氢岛啥意思 跟氢能有关不").
        pieces = [re.sub(r"[\s，,]+", "", question), *re.split(r"[\s，,。！!；;]+", question.strip())]
        for piece in pieces:
            for pattern in _DEFINE:
                match = pattern.match(piece)
                if not match:
                    continue
                term = normalise(_TERM_LEAD.sub("", match.group("term"))).replace(" ", "").strip("”\"'")
                term = re.sub(r"(到底|究竟|具体)$", "", term)
                # A name, not a common word ("流程是啥"): three characters or more, Latin ("TOD"), or quoted in the plan.
                named = len(term) >= 3 or (len(term) == 2 and (term.isascii() or f"“{term}”" in self.plan))
                if named and 0 < self.plan.count(term) <= self.term_max_mentions:
                    return term
        return ""

    def asks_procedure(self, text: str) -> bool:
        """Whether the (normalised) text asks where to go, which office, which documents or when it is open."""
        return any(p.search(text) for p in self.procedure)

    def asks_opinion(self, text: str) -> bool:
        """Whether the (normalised) text asks PlanQA's own view."""
        return any(p.search(text) for p in self.opinion)

    def asks_composing(self, text: str) -> bool:
        """Whether the (normalised) text asks for a text to be written (a poem, an advert, a speech)."""
        return any(p.search(text) for p in self.composing)

    def asks_realtime(self, text: str) -> bool:
        """Whether the (normalised) text asks about a particular day or moment near now (today, tomorrow, just now)."""
        return any(p.search(text) for p in self.realtime)

    def with_typed(self, intent: Intent, typed: str) -> Intent:
        """The intent of a rewritten follow-up with the typed turn's own signals added: "那你觉得2035年能到多少呢"
        asks PlanQA's view, "那去哪办" a procedure and "那明天呢" one day's news, though their standalone rewrites may
        not say so."""
        text = normalise(typed).replace(" ", "")
        opinion, procedure, composing = self.asks_opinion(text), self.asks_procedure(text), self.asks_composing(text)
        realtime = self.asks_realtime(text)
        if not (opinion or procedure or composing or realtime):
            return intent
        return replace(intent, asks_opinion=intent.asks_opinion or opinion,
                       asks_procedure=intent.asks_procedure or procedure,
                       asks_composing=intent.asks_composing or composing,
                       asks_realtime=intent.asks_realtime or realtime)

    def _unknown_names(self, text: str) -> list[str]:
        """Proper names of three or more characters that the plan never mentions ("迪士尼")."""
        if self.tag is None:
            return []
        return [w for w, flag in self.tag(text) if flag in _PROPER and len(w) >= 3 and w not in self.plan and w not in self.known]

    def _elsewhere(self, text: str) -> str:
        """A place other than the documents' own that the question names, without naming theirs, or ''."""
        if any(q in text for q in self.home):
            return ""
        for place in self.places:
            if place in text:
                text = re.sub(re.escape(place) + _STREET, " ", text)
        words = set(self.segment(text))
        # Whole words only: "东西安不安全" must not read as 西安.
        return next((p for p in self.places if p in words or any(w.startswith(p) and len(w) <= len(p) + 1 for w in words)), "")

    def _why(self, text: str) -> str:
        """The claim a question takes for granted ("为什么要取消居住证" -> "取消居住证"), or ''."""
        match = _WHY.search(text) or _CLAIM.search(text)
        if not match:
            return ""
        lead = "|".join(["规划", "政府", "要", "会", *(re.escape(h) for h in self.home)])
        claim = re.sub(rf"^({lead})+", "", match.group(3)).strip("？?。！!吗呢")
        return claim if len(claim) >= 2 else ""


def asks_a_time(text: str) -> bool:
    """Whether a question asks when ("啥时候修完", "哪年建成")."""
    return bool(_ASKS_TIME.search(text))


def asks_a_place(text: str) -> bool:
    """Whether a question asks where a thing is or goes ("建在哪", "在哪个区")."""
    return bool(_ASKS_PLACE.search(text))


def asks_for_number(text: str) -> bool:
    """Whether a question asks for a figure, strictly ("多少", "几成", "多大比例"; not a year it names)."""
    return bool(_ASKS_NUMBER.search(text))


# A figure a question names as what it asks about ("过七成了没", "哪一年过的70%", "破500万了吗"): a share or an amount.
_NAMES_FIGURE = re.compile(r"\d+(\.\d+)?\s*(%|％|成|万|亿)|(?<![几多])[一二三四五六七八九十两半]成")


def names_a_figure(text: str) -> bool:
    """Whether a question names a share or an amount it asks about ("过七成了没", "哪一年过的70%"), not only a year."""
    return bool(_NAMES_FIGURE.search(text))


def split_parts(question: str, segment: Callable[[str], list[str]]) -> list[str]:
    """Sub-questions of a multi-part question ("A和B分别…", "…？…？"); one part for a simple question.

    Pieces between question marks (or 还有/另外) are parts only when each of them asks something about something:
    residents put the situation beside the question ("有人管吗？我家旁边那个工地灰特别大", "户口能不能迁过来？我一直
    租房住"), and a bare "别的路吗" continues the piece before it."""
    text = question.strip()
    pieces = [p.strip() for p in _PART_SPLIT.split(text) if len(p.strip()) >= 4]
    if len(pieces) >= 2 and all(_asks_about_something(p, segment) for p in pieces):
        return pieces
    words = segment(text)
    for i, word in enumerate(words):
        if word in _CONNECTORS and 0 < i and i + 2 < len(words):
            end = next((j for j in range(i + 1, len(words)) if words[j] in _DISTRIBUTIVE), None)
            if end is None or end == i + 1:
                continue
            head, first = "".join(words[: i - 1]), words[i - 1]
            second, tail = "".join(words[i + 1 : end]), "".join(words[end + 1 :])
            return [f"{head}{first}{tail}", f"{head}{second}{tail}"]
    return [text]


def _asks_about_something(piece: str, segment: Callable[[str], list[str]]) -> bool:
    """Whether a piece asks (a question word, particle or A不A) about something of its own (a word of two or more
    characters that is not a question word or a pronoun, or a number)."""
    if not _ASKS.search(piece):
        return False
    return any(w.isdigit() or (len(w) >= 2 and w not in _GENERIC and not _ASKS.search(w)) for w in segment(piece))
