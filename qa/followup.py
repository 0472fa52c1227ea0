"""Follow-up questions in a conversation ("那2035年呢？", "它什么时候完成？", "那农村呢？", "具体怎么做？", "和现在比呢？"),
rewritten into the standalone question they mean, from the conversation's own structure (no language model).

First decide whether a question depends on the earlier turns at all (published practice: rewrite only then, and
otherwise answer the question as typed). A dependent question keeps the earlier question's topic and replaces the
slot of the same type: a year, a place, a group, a topic word; a pronoun takes the earlier question's subject; a
request for detail or figures continues the earlier answer's clause, unless it names a thing of its own ("工地扬尘具体
咋管"): then it is asked beside the earlier question; a contrast asks for the status figure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import zip_longest
from pathlib import Path

import numpy as np

from corpus.profile import FIVE_YEAR_PLANS, DocumentProfile
from index.textnorm import normalise
from qa.intent import asks_for_number, names_a_figure, patterns
from qa.retrieval import QueryAnalyzer
from qa.tuning import FollowUpConfig
from qa.years import FINAL, relative_year, without_relative_year

DATA = Path(__file__).resolve().parent / "data"
MAX_TURNS = 3  # only the last few questions count: a conversation drifts, and old turns mislead
# "那些老手艺呢" leads with 那些 as "那农村呢" with 那: both go (leaving "些老手艺" swapped in a slot).
# Not 那 of "那儿", "那边", "那里", "那块", "那片": there, the place the earlier question named (_THERE).
_LEAD = re.compile(r"^(那么|那要是|那如果|那些(?=[\u4e00-\u9fff])|那个(?=[\u4e00-\u9fff])|那(?![儿边里块片][\u4e00-\u9fff])|还有|另外|然后|再问一下|"
                   r"再问|而|至于|关于)")
# A resident announcing a new question ("另外问下", "还有个事", "再问个", "顺便问问", "对了", "换个问题"): what follows is read on
# its own words, not as a part to swap into the earlier question ("还有个事 晚上有公交没"); it may still continue ("对了
# 那2035年呢"). Not a bare "还有" ("还有呢" asks for more).
_ANNOUNCE = re.compile(r"^((另外|顺便|顺带|再|还|我还|俺还)(想)?(问问|问一下|问下|问一问|问个事|问件事|问一件事|问个|问)|"
                       r"(还有|另外还有|另外)(个事|件事|一个事|一件事|个问题|一个问题)|对了|换个问题|换个话题)[，,、。:：\s]*")
_THERE = re.compile(r"^那(儿|边|里|一块|一片|块|片)(?=[\u4e00-\u9fff])")
# "改完了那儿弄成个啥样", "去那里咋走": there, after a verb later in the question (not "俺们那儿", the resident's own
# place, nor "站牌那儿", at a thing it names; not "那里面")
_THERE_INSIDE = re.compile(r"(?<=[了完好去在到往])那(儿|里)(?![面头边])")
_TAIL = re.compile(r"(的话)?(呢|咧|嘞)?[？?。!！~～\s]*$")
# "平度那块儿", "黄岛那边": a place with a word for its surroundings, which is no part of the slot
_WHEREABOUTS = re.compile(r"(那块儿|那块|那边儿|那边|那片儿|那片|那一块|那一片|这边|这块|那儿|那里|一带|附近|周边)$")
_PUNCT = re.compile(r"[\s，,。.？?！!、；;：:~～…]+")
_PRONOUN = re.compile(r"(它们|它|他们|这个|这些|这项|这件事|这事|那个|那些|该项|其)")
_DETAIL = re.compile(r"具体|展开|详细|详细点|多说|再说说|说说看|还有(呢|啥|什么|别的|其他|吗)|别的(呢|吗)|"
                     r"怎么(做|弄|搞|办|保障|落实)|咋(做|弄|搞|办|治)|有(啥|什么|没有)?(具体)?(数字|数据|指标)|"
                     # the everyday ways to ask for more: an example, the list, a fuller telling, the measures, what next
                     r"比如|例如|举个?例子|(都|还)(有|包括|包含)(哪些|哪几|啥|什么)|(包括|包含)(哪些|哪几|啥|什么)|"
                     r"细说|细讲|讲讲|介绍一?下|怎么个|咋整|(有|用)(啥|什么|哪些)(措施|办法|举措|法子|路子|招)|"
                     r"^(然后|接着|接下来)呢|^(啥|什么)意思")
_FIGURES = re.compile(r"数字|数据|指标|多少")
# "有啥数没", "有数不", "还有啥数": residents' 数 for 数字, a turn that asks for the figures and nothing else (beside a
# question of its own, "有数没 每年修多少", or a year, "35年有数不", it is one of the ways such a question is put)
_FIGURES_ALONE = re.compile(r"(还)?(有)?(啥|什么|没有)?(具体)?的?数儿?[没不吗呗啊呀]?")
_AMOUNT = re.compile(r"多少|几")  # asks how much or how many
_LATIN_WORD = re.compile(r"[a-z][a-z0-9.]*")  # "pm2.5", "gdp" (normalised text is lower case)
_KINDS = re.compile(r"几[种类样]")  # asks how many kinds: which kinds there are
_CONTRAST = re.compile(r"(和|跟|与|比)(现在|目前|当前|眼下|以前|过去)|^(现在|目前|当前|如今|眼下|以前|过去|原来)")
# The other way round: after today's figure, "以后打算到多少" / "目标定的多少" / "以后能咋样" asks for the plan's aim.
_LATER = ("以后", "将来", "往后", "今后", "未来", "到时候")
_LATER_WORDS = re.compile("|".join(_LATER))
_AHEAD = re.compile(rf"^({'|'.join(_LATER)})|目标")
_YEAR4 = re.compile(r"(?<!\d)(20\d{2})(?:年)?(?!\d)")
# "16年那会儿", "在10年": a past two-digit year, where a word puts a time before it or the turn opens with it and a time
# word follows; not a number of years ("过个10年", "10年以后", "近10年来", "10多年", "12年义务教育")
_PAST2_START = r"(?:(?<=[那在从到])|^(?=1\d年(?:那|的时候|时候|呢|底|末|时|[？?]|$)))"  # "12年义务教育" is no year
_NOT_YEARS = r"(?!以?[后前内来间里]|左右|多|之)"  # after 年: not a number of years ("10年以后", "10多年")
_PAST2 = _PAST2_START + r"(1\d)年" + _NOT_YEARS
_YEAR2 = re.compile(rf"(?<![\d年])([2-5]\d)年|{_PAST2}")
_YEAR_TEXT = re.compile(r"(到|至|在)?(20\d{2}|(?<![\d年])[2-5]\d|" + _PAST2_START + r"1\d(?=年" + _NOT_YEARS + "))"
                        r"年(底|末|前|时)?|十[三四五]五(期间|时期|末)?")
# Asking when ("啥时候能建成", "这个哪年能建成"): a turn naming a year answers the when itself.
_WHEN_ASKED = re.compile(r"(啥时候|什么时候|哪一?年|何时|多久)才?")
# What a turn says around its year that asks nothing ("那25年的时候", "20年那会儿").
_YEAR_FILLER = re.compile(r"(的时候|那会儿?|那时候?|时候)$|^(那|到)+")
_QUESTION_WORDS = ("有没有", "是不是", "能不能", "会不会", "要不要", "了", "的", "有", "说", "是", "要", "能", "会",
                   "一下", "一些", "还有", "别的", "其他", "可以", "能够",
                   # asking whether there is a figure at all ("35年呢有数吗", "2035年有没有个数") adds no topic
                   "有数", "个数", "数", "数字", "数据", "说法", "说吗", "有说")
_ASKING = re.compile(r"啥|什么|怎么|怎样|咋|多少|几|哪|吗|呢|么|没|如何|多久|多大|多远|多长|为何|为什么")
_NOUNISH = ("n", "x", "j", "l", "vn", "nz", "ns", "nt", "nr")  # jieba tags of words that can fill a topic slot
_SUBJECT_TAGS = (*_NOUNISH, "eng")  # words of a name in plan text (x: the plan's own terms; punctuation is not Han)
# jieba tags of words naming a thing, a place or a time of its own ("今天限行吗"); not "l", an idiom tag that also
# takes "是不是", nor "f" ("以后", "后面")
_THING_TAGS = ("n", "vn", "x", "j", "eng", "s", "t")
_ASKED_TIME = {"时候", "时间", "时", "年"}  # "啥时候", "什么时间": asking when names nothing
_HAN = re.compile(r"[\u4e00-\u9fff]+")
# An earlier question asking who or which one ("谁牵头", "是哪家"): its answer names what a later "它" points at.
_WHO = re.compile(r"谁|哪家|哪个(部门|单位|机构|平台|公司|企业|地方)|哪些(部门|单位|机构)")
SUBJECT_PAIRS = 2  # character pairs an earlier answer's noun run must share with the earlier question to be its subject
# Words that ask about the future: a question about the status year drops them ("以后要修到多少" -> "修到多少").
_FUTURE = {"以后", "将来", "未来", "今后", "到时候", "打算", "计划", "目标", "要", "会", "将", "争取", "力争", "定", "能"}
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")  # "够不够", "快不快": a yes-no question form, no topic
# Asking, or asking who, which of two, or A-not-A ("谁能先排上", "快不快"): a turn naming nothing still asks something
_ASKS_OR_WHICH = re.compile(rf"{_ASKING.pattern}|谁|还是|{_A_NOT_A.pattern}")
_ASKS_FUTURE = re.compile(r"(会|能|要|将)不\1")  # "会不会": dropping its first 会 would leave a denial
# Words for a way, a rule or a figure: a detail request naming them asks for more of the same, not about a new thing.
_MEANS = {"政策", "办法", "法子", "路子", "门路", "弄法", "做法", "方法", "措施", "举措", "安排", "目标", "内容", "细节",
          "情况", "数字", "数据", "指标", "规定", "标准", "要求"}
# Asking for more of the same ("还有啥别的路子 俺没房没单位"): the nouns beside it tell the asker's situation, not a topic.
_MORE = re.compile(r"还有|别的|其他|其它|多说|再说")
_MODAL_VERB = re.compile(r"[能会要可该][\u4e00-\u9fff]")  # "能干", "会办": a modal the segmenter glued to its verb
# One-character verbs that carry no topic of their own ("2035年能到多少", "那年有多少"); other one-character words do
# ("2020年青岛一共住了多少人": 住, 人).
# Verbs of how a figure moves ("缩到多少", "能降多少"): with a year and nothing else, they ask about the earlier figure.
_CHANGE_VERBS = {"缩", "降", "涨", "升", "减", "增", "提", "翻", "缩小", "缩到", "降到", "降低", "下降", "提高", "提到", "提升",
                 "增加", "增长", "减少", "上升", "翻番"}
_LIGHT_VERBS = {"有", "是", "到", "能", "要", "会", "达", "弄", "搞", "做", "干", "办", "成", "变", "去", "来", "让", "给", "算",
                *(v for v in _CHANGE_VERBS if len(v) == 1)}
# Words asking how far the same thing got.
_HOW_FAR = {"一共", "总共", "程度", "样子", "水平", "情况", "规模", "能到", "达到", "到时候", *(v for v in _CHANGE_VERBS if len(v) > 1)}
# "20年的时候多少公里": the time the year names, pointed at like "那会儿" (which the segmenter tags as a pronoun)
_AT_THE_TIME = {"时候", "那时候", "那时", "当时"}
# the whole of a plan's area, however a resident puts it ("到20年那会儿全市流转了多少地"); with the plans' own places
_WHOLE_AREA = {"全市", "我市", "本市", "市里", "咱市"}
LIGHT = 4  # a question whose own content words add up to this many characters or fewer has little of its own
# "1+1等于几", "2加3等于几": a sum, about nothing of the conversation
_ARITHMETIC = re.compile(r"[\d一二三四五六七八九十]\s*([+\-*/×÷=＋－＝]|加|减|乘以?|除以?)\s*[\d一二三四五六七八九十]")
_ADDRESSED = re.compile(r"[你您]")  # "你住哪", "你靠谱不": asks about PlanQA itself, not the earlier topic
_ASKS = re.compile(r"[不否][？?。!！~～\s]*$")  # a yes-no question ending in 不 ("有补贴不"; 没 is in _ASKING)
# "跟全省比呢", "在省里算啥水平", "跟全国平均比咋样": the earlier figure against a wider area. What may stand beside the
# area word in such a turn: the asking for a comparison, and nothing of its own.
_AGAINST = re.compile(r"(跟|和|与|同|比|较|在|对比)$")
# "跟2010年比涨了多少", "比10年翻番了没": a year the earlier figure is compared with (a base year, before the plans' own
# figures); what the comparison says changed is no topic of its own
_BASE_YEAR = re.compile(r"(?:跟|和|与|同|比|较|对比)(20\d{2}|\d{2})年(?!以?[后前内来间里]|左右|多)")
_CHANGE = re.compile(r"翻了?一?番|翻倍|增长|增加|提高|提升|上涨|下降|减少|变化|[涨降多少倍变]")
_COMPARING = re.compile(r"相比|比较|比起来|平均水平|平均|水平|排名|名次|位置|第几|差距|咋样|怎么样|如何|多少|[比排算差高低强弱]")
LIGHT_WITH_CUE = 6  # with an explicit cue (那…, …呢) a slightly longer slot still continues ("马连庄甜瓜呢")
# "这几年", "这些年": the recent years, a time, not a pointer back to a thing ("这几年涨得快不" is not "平度几年涨得快不").
_RECENT = re.compile(r"(这|近|最近)(几|些|两|一两)年|这段时间|这阵子")
_PERSONAL = {"它", "它们", "其"}
_IT = re.compile(r"(?<!其)它[们俩]?")  # "它俩": the two things the earlier question named, as one pronoun
_PLURAL = {"它们", "它俩", "这些", "那些"}
_DOCUMENT_WORDS = {"规划", "文件", "方案", "纲要", "文本"}  # "这个规划": the document the resident is reading
# The plan named as the thing asked about, not as where something is said ("这个规划里…", "这规划上…")
_THE_PLAN = re.compile(rf"(?:这个|这份|这|该|本)(?:{'|'.join(sorted(_DOCUMENT_WORDS))})(?![里中上内])")
_DEMONSTRATIVE = {"这个", "这些", "这项", "这件事", "这事", "那个", "那些", "该项", "这"}
_WHICH_OR_HOW = re.compile(r"哪|咋样|啥样|怎么样|什么样|怎样|如何")  # asks which ones, or what it will be like
# Asking outright for more ("具体说说", "展开讲讲", "详细点"): the turn goes on from the earlier answer even when it
# names a part of its own the answer did not ("预警这块展开说说").
_ASKS_MORE = re.compile(r"具体|展开|详细|细说|细讲|多说|再说说|说说看|讲讲|介绍一?下")
_POINTING = _DEMONSTRATIVE | {"那"}
# A demonstrative that picks a thing out by its head noun ("这个试点", "这些平台", "这种房子", "这街").
_HEADED = {"这个", "这些", "这种", "这类", "这项", "那个", "那些", "这"}
# A preposition, adverb, pronoun or modal after a demonstrative: it is the subject itself ("这个对…", "这个啥时候").
# Not any verb: the tagger takes some nouns for verbs ("这些想法").
_STANDS_ALONE = ("p", "d", "r", "b")
_MODALS = {"能", "会", "要", "可以", "该", "得", "还"}
# Words for any place, thing or person: after a demonstrative ("那些地方", "这些人") they point back like a pronoun.
_ANY_THING = {"地方", "地儿", "东西", "玩意", "玩意儿", "事", "事儿", "事情", "人"}


@dataclass(frozen=True)
class FollowUp:
    """How a question was read against the conversation: its kind and the standalone question it means."""

    # "standalone" | "year" | "contrast" | "slot" | "pronoun" | "detail" | "focus" (asked beside the earlier) |
    # "procedure" (how to get done what the earlier question asked about, asked beside it) | "light" (names too
    # little to stand alone, asked beside it) | "ahead" (which ones, or what it will be like, later on: the earlier
    # topic asked in the turn's own words)
    kind: str
    understood_as: str
    previous: str = ""  # the earlier question (standalone) it continues
    wants_figures: bool = False  # a detail request for numbers ("有啥数字吗")
    year: int | None = None  # the year a year follow-up asks about
    depth: int = 1  # detail requests in a row ("具体呢" then "还有呢" is 2): each goes on past what the last one gave
    indicator: str = ""  # the figure a year or contrast turn asks about, carried from the earlier answer ("" when none)
    typed: str = ""  # the question as typed (set when the conversation is read)
    # what a slot turn put in the earlier question's place ("胶州大白菜" for "胶州大白菜呢"); the plan's word for the
    # wider area a benchmark turn compares with ("全省" for "在省里算啥水平")
    slot: str = ""
    previous_typed: str = ""  # the earlier question as typed, when previous is its reading (its answer is asked so)


@dataclass
class Slots:
    """Typed slot words: places (from the documents' profiles), areas and groups of people (qa/data/slots.txt)."""

    places: list[str] = field(default_factory=list)
    types: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, profiles: list[DocumentProfile]) -> Slots:
        """Places of the documents and the slot lexicon."""
        places = sorted({n for p in profiles for n in (p.short_place, *p.place_names, *p.localities)
                         if n and n not in ("本市", "我市", "全市")}, key=len, reverse=True)
        types: dict[str, list[str]] = {"place": places}
        for kind, words in read_lexicon("slots.txt").items():
            types[kind] = sorted(words, key=len, reverse=True)
        return cls(places, types)

    def type_of(self, text: str) -> str:
        """The slot type whose word text mostly is ("" when none)."""
        for kind, words in self.types.items():
            for word in words:
                if word in text and len(word) >= len(text) * 0.5:
                    return kind
        return ""

    def is_slot_word(self, word: str) -> bool:
        """Whether a word is itself a slot word (a place, area or group), not merely contains one."""
        return any(word in words for words in self.types.values())

    def find(self, kind: str, text: str) -> list[str]:
        """The words of one type in text, longest first, not overlapping."""
        found: list[str] = []
        for word in self.types.get(kind, []):
            if word in text and not any(word in f for f in found):
                found.append(word)
        return found


def read_lexicon(name: str) -> dict[str, list[str]]:
    """A word list of qa/data: each line a label, a colon, then its words ("#" lines are comments)."""
    lexicon: dict[str, list[str]] = {}
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and ":" in line:
            label, words = line.split(":", 1)
            lexicon[label.strip()] = words.split()
    return lexicon


def load_benchmarks(profiles: list[DocumentProfile]) -> dict[str, str]:
    """Residents' words for the wider areas a plan compares its place with, each mapped to the plan's word
    (qa/data/benchmarks.txt; each document's province, "山东" for "山东省", is a word for 全省), longest first."""
    words = {w: plan_word for plan_word, said in read_lexicon("benchmarks.txt").items() for w in said}
    for profile in profiles:
        if profile.province:
            for name in {profile.province, re.sub(r"(省|自治区)$", "", profile.province)}:
                words.setdefault(name, "全省")
    return dict(sorted(words.items(), key=lambda item: len(item[0]), reverse=True))


def asks_figures_alone(core: str) -> bool:
    """Whether a turn (without its leading 那 / 还有) asks for figures in residents' words and nothing else ("有啥数没")."""
    return bool(_FIGURES_ALONE.fullmatch(_PUNCT.sub("", core))) and "数" in core


def _there(core: str) -> re.Match[str] | None:
    """"那儿" / "那边" opening a turn, or "那儿" after a verb in it: the place the earlier question was about."""
    return _THERE.match(core) or _THERE_INSIDE.search(core)


def _core(question: str) -> str:
    """The question without a leading 那/还有 and a trailing 呢 or punctuation."""
    text = _TAIL.sub("", question.strip())
    return _LEAD.sub("", text).strip(" ，,")


def year_named(text: str) -> int | None:
    """A year the text names: 2035, "35年" (a two-digit year means 20xx), "十四五末" (the end year of a national
    five-year plan), or None."""
    match = _YEAR4.search(text)
    if match:
        return int(match.group(1))
    match = _YEAR2.search(text)
    if match:
        return 2000 + int(match.group(1) or match.group(2))
    return next((year for name, year in FIVE_YEAR_PLANS.items() if name in text), None)


class FollowUpReader:
    """Reads a question against the earlier questions of its conversation."""

    def __init__(self, analyzer: QueryAnalyzer, profiles: list[DocumentProfile], plan_text: str,
                 encode: Callable[[list[str]], np.ndarray] | None = None, config: FollowUpConfig | None = None,
                 target_year: int | None = None, goal_years: Sequence[int] = ()) -> None:
        """Use the analyzer's words, the documents' places and status year, the plan's words, the encoder, and the
        tuned bounds of a turn too light to stand alone, and the first year the plans set targets for (what "以后"
        asks about after today's figure)."""
        self.analyzer = analyzer
        self.slots = Slots.load(profiles)
        self.benchmarks = load_benchmarks(profiles)
        self.plan = normalise(plan_text).replace(" ", "")
        self.status_year = next((p.status_year for p in profiles if p.status_year), None)
        # the plans' own area as a whole ("全市", "青岛"): a turn naming it names nothing the earlier question did not cover
        self.whole_area = _WHOLE_AREA | {p.short_place for p in profiles if p.place}
        # the year the first plan's period ends: what "远期" and "规划期末" mean (a later document's may differ)
        self.end_year = next((p.period[1] for p in profiles if p.period), None)
        self.encode = encode
        self.procedure = patterns("procedure.txt")
        self.chitchat = patterns("chitchat.txt")
        self.config = config or FollowUpConfig()
        self.target_year = target_year
        self.goal_years = sorted(set(goal_years))

    def depends(self, question: str, previous: str = "") -> bool:
        """Whether a question needs the earlier turns: little of its own to go on, plus a cue that it continues
        (opens with 那/还有, ends with 呢, a pronoun, a year with nothing new beside it, a request for detail or for
        today's figure)."""
        text = question.strip()
        core = _core(text)
        own = self._own_words(core)
        weight = sum(len(w) for w in own)  # characters of the question's own content words
        if (_DETAIL.search(text) or _CONTRAST.search(core)) and weight <= LIGHT:
            return True
        if asks_figures_alone(core):
            return True
        if _ASKS_MORE.search(core) and \
                sum(len(w) for w in self._own_words(_A_NOT_A.sub(" ", _DETAIL.sub(" ", core)))) <= LIGHT:
            return True  # "预警这块展开说说", "具体有啥渠道": the asking for more is no topic of its own
        if self.benchmark(core) or self.base_year(core) is not None:
            return True  # "跟全省比呢", "在省里算啥水平", "跟2010年比呢": the earlier figure against a wider area or a year
        if self.before_today(core, previous) and not self._names_a_thing(core, previous) \
                and all(w in normalise(previous) for w in _LATIN_WORD.findall(normalise(core))):
            # "以前组了几个集团" after "…集团化办学…": how many before today, of a thing the earlier question named (not
            # "PM2.5比以前降了多少" after a question on good-air days: a measure of its own)
            return True
        if self._asks_only_procedure(core):
            return True  # "那去哪办", "要带啥材料": how to get done what the earlier question asked about
        if self._asks_ahead(core, previous):
            return True  # "以后目标定的多少": the aim for what the earlier question asked, nothing of its own
        if year_named(core) is not None and not self._new_topic(core, previous):
            return True  # "2020年那会儿多少公里", "到35年一共留多少" after a question about the same thing
        if self.relative_year(core, previous) is not None and not self._new_topic(without_relative_year(core), previous):
            return True  # "再过十年呢", "再往后能到多少": the earlier measure, some years on
        if own and weight <= LIGHT and all(self.slots.is_slot_word(w) for w in own) \
                and all(self.slots.is_slot_word(w) for w in self._new_topic(core, previous)):
            # a bare place, area or group with question words: "莱西有没有", "老人呢" (but not "25年青岛住城里的人能占几成":
            # 住, 人 and 占 ask a question of its own)
            return True
        if self._about_the_plan(core):
            return False  # "这个规划是管几年的啊": the plan itself is what it asks about, whatever was asked before
        if not own and _AMOUNT.search(core):
            return True  # "投多少钱", "补多少钱": an amount of nothing the question names is of the earlier topic
        if _IT.search(core):  # 它 / 它们: always points back (the segmenter may glue it on: "它建")
            return True
        if _there(core):  # "那儿能看病上学不" after "蓝谷以后建成啥样": there, where the earlier question was
            return True
        if _RECENT.search(core) and weight <= LIGHT and not self._names_a_thing(core, previous):
            # "这几年涨得快不": how the earlier topic went lately, with nothing of its own to go on ("这些年大伙挣的钱比
            # 2010年多了几倍" names what it asks about, after whatever was asked before)
            return True
        stripped = _RECENT.sub("", core)
        words = self.analyzer.segment(stripped)
        # Tagged, and its own topic words found, only when something may point (most turns have nothing that does).
        pointing = any(w in _POINTING for w in words)
        tags = dict(self.analyzer.tag(stripped)) if pointing else {}
        new = self._new_topic(core, previous) if pointing else []
        for i, word in enumerate(words):
            if word in _PERSONAL:  # 其: always points back
                return True
            following = next((w for w in words[i + 1:] if w.strip()), "")
            if word in _POINTING and following in _ANY_THING and not any(
                    w in core[: core.find(word)] and tags.get(w, "n").startswith((*_NOUNISH, "s"))
                    for w in new):
                # "改完了那些地方干啥用", "这些人能落户不": a word for any thing names nothing of its own (but "城中村那些
                # 地方要咋改", "种地这事" point at what the question itself named first)
                return True
            if word in _DEMONSTRATIVE:  # 这个 / 这些 ...: points back unless it picks out a thing the plan names
                named = len(following) >= 2 and following in self.plan and not _ASKING.search(following)
                if following in _DOCUMENT_WORDS:
                    continue  # "这个规划…": the plan itself, not the conversation
                # "老城区那些老房子会不会都拆掉", "一下大雨就淹 这毛病能治好吗": with two or more things of its own that
                # the earlier question does not name, the demonstrative points at them, not back; and one named before
                # it in the same question is what it points at ("要搞东方氢岛 你说这事靠谱吗", "上学看病这些").
                before = core[: core.find(word)]
                if any(w in before for w in new):
                    continue
                if tags.get(following, "n").startswith(_STANDS_ALONE) or following in _MODALS:
                    # "这个对俺们种地的贷款有用不", "这个啥时候能弄好": the subject itself, not "这个+noun" picking one out
                    # (nor "这周末", "这五年")
                    return True
                if weight <= LIGHT or not (named or len(new) >= 2):
                    return True
        opens_or_trails = bool(_LEAD.match(text)) or bool(re.search(r"呢[？?。！!\s]*$", text))
        return opens_or_trails and weight <= LIGHT_WITH_CUE

    def benchmark(self, core: str) -> str:
        """The plan's word for the wider area a turn compares the earlier figure with ("跟全国平均比咋样" -> 全国, "在省里
        算啥水平" -> 全省), when the turn asks nothing else; '' otherwise ("青岛人均水资源跟全国比咋样" names its own
        topic: it stands alone)."""
        for word in self.benchmarks:  # longest first
            at = core.find(word)
            if at < 0 or not (at == 0 or _AGAINST.search(core[:at])):
                continue
            after = core[at + len(word):]
            if not at and not _COMPARING.search(after):
                return ""  # "省内呢": within the province, a place to look, not a comparison
            rest = _COMPARING.sub(" ", _AGAINST.sub("", core[:at]) + after)
            return "" if self._own_words(rest) else self.benchmarks[word]
        return ""

    def before_today(self, core: str, previous: str) -> str:
        """BEFORE_LEVEL for a turn asking the figure before today ("以前是多少"), BEFORE_CHANGE for one asking how far it
        has come since ("比以前强多少"), when the earlier question asked about today (not about a year or aim to come:
        after "以后一年能卖多少钱", "以前呢" asks for today's figure); '' otherwise."""
        match = BEFORE_TODAY.search(core)
        if match is None or not _CONTRAST.search(core) or not _AMOUNT.search(core) or self.status_year is None:
            return ""
        earlier = _core(base_question(previous))
        if year_named(earlier) not in (None, self.status_year) or _AHEAD.search(earlier) \
                or any(w in earlier for w in _LATER):
            return ""
        return BEFORE_CHANGE if _AGAINST.search(core[:match.start()]) or _SINCE.search(core) else BEFORE_LEVEL

    def base_year(self, core: str) -> int | None:
        """A year before the plans' status year that a turn compares the earlier figure with ("跟2010年比涨了多少", "跟10年
        比呢" -> 2010), when the turn asks nothing else; None otherwise ("青岛gdp比2010年翻番了没" names its own topic,
        "跟2020年比呢" asks for the status figure)."""
        match = _BASE_YEAR.search(core)
        if match is None or self.status_year is None:
            return None
        digits = match.group(1)
        year = int(digits) if len(digits) == 4 else 2000 + int(digits)
        if year >= self.status_year:
            return None
        rest = _CHANGE.sub(" ", _COMPARING.sub(" ", core[:match.start()] + " " + core[match.end():]))
        return None if self._own_words(rest) else year

    def too_light(self, question: str) -> bool:
        """Whether a short turn asks something without a cue but names too little to stand alone ("钱上有啥要求", "都配
        些啥", "有补贴不": a word or two of its own, within the tuned bounds); not a sum ("1+1等于几"), words
        to PlanQA ("你住哪") or a slot word ("莱西有没有" is read as a slot already)."""
        core = _core(question)
        if not self._short_question(question, core, self.config.short_turn, _ASKING):
            return False  # "地铁开了几条了": a longer turn about one thing is a question of its own
        own = self._own_words(core)
        return sum(len(w) for w in own) <= self.config.light_chars and not any(self.slots.is_slot_word(w) for w in own)

    def names_nothing(self, question: str) -> bool:
        """Whether a short question names no thing at all: no noun, place or plan term ("谁能先排上", "后面还修哪几条",
        "啥时候能建好"), within the tuned length; not small talk, words to PlanQA ("你叫啥") or a sum."""
        core = _core(question)
        if not self._short_question(question, core, self.config.nounless_turn, _ASKS_OR_WHICH):
            return False
        # a Latin word names a thing too ("pm2.5降了多少", "GDP现在多少"); punctuation (tagged x) does not
        return not any(tag.startswith(_THING_TAGS) and (_HAN.search(word) or (tag == "eng" and word.isalnum()))
                       and word not in _ASKED_TIME
                       and not _ASKING.search(word) and word not in _QUESTION_WORDS
                       for word, tag in self.analyzer.tag(_YEAR_TEXT.sub("", core)))

    def _short_question(self, question: str, core: str, limit: int, asking: re.Pattern[str]) -> bool:
        """Whether a turn asks something (by `asking`, or a closing 不) in at most `limit` Chinese characters and may be
        about the conversation: not a sum ("1+1等于几"), words to PlanQA ("你住哪") or small talk."""
        if not core or _ARITHMETIC.search(core) or _ADDRESSED.search(core) or self._chitchat(question) \
                or not (asking.search(core) or _ASKS.search(question.strip())):
            return False
        return len("".join(_HAN.findall(core))) <= limit

    def asks_more(self, question: str) -> bool:
        """Whether a turn asks outright for more ("具体说说", "展开讲讲", "还有别的帮扶没")."""
        return bool(_ASKS_MORE.search(question) or _MORE.search(question))

    def focus(self, question: str, previous: str) -> FollowUp:
        """A request for more on a part of its own ("预警这块展开说说"), asked beside the earlier question."""
        return self._beside(previous, _core(question))

    def beside(self, question: str, previous: str) -> FollowUp:
        """A question too light to stand alone, asked beside the earlier question ("钱上有啥要求" after "说要培育小城市
        得多大才算")."""
        return replace(self._beside(previous, _core(question)), kind="light")

    def _asks_ahead(self, core: str, previous: str) -> bool:
        """Whether a turn asks only what the plan aims at ("以后打算到多少", "以后能咋样") after a question about today:
        a word for later or for the aim, and no word of its own besides words about the future, ways, figures or how
        far ("以后房价会跌吗" has 房价); after a question naming a target year ("到2035年…" -> "以后呢") it is not this."""
        if self.target_year is None or not _AHEAD.search(core) or year_named(core) is not None:
            return False
        if year_named(_core(previous)) not in (None, self.status_year):
            return False
        own = [w for w in self._own_words(core)
               if w not in _FUTURE and w not in _MEANS and w not in _HOW_FAR and w not in _LATER]
        return not own

    def ahead(self, question: str, previous: str) -> FollowUp | None:
        """A turn asking ahead with a predicate of its own ("以后要弄多大" after "小镇上人是不是挺少的") as the earlier
        topic asked ahead in the turn's words ("小镇以后要弄多大？"); None when it asks nothing but "later"."""
        core = _core(question)
        if not self._asks_ahead(core, previous) or len(_LATER_WORDS.sub("", core)) < 2:
            return None
        subject = self._subject(base_question(previous))
        return FollowUp("ahead", _question(f"{subject}{core}"), previous) if subject else None

    def relative_year(self, core: str, previous: str) -> int | None:
        """The year a turn names relative to the earlier question's ("再过十年呢" after a question on 2025 is 2035; "最后要到
        啥样" is the end of the plan's period): from its year, else from the first goal year when it asked about later
        on, else from today's."""
        if year_named(core) is not None:
            return None
        if FINAL.match(core):
            return self.end_year
        earlier = _core(base_question(previous))
        base = year_named(earlier)
        if base is None:
            base = self.target_year if _AHEAD.search(earlier) or any(w in earlier for w in _LATER) else self.status_year
        return relative_year(core, base, self.goal_years)

    def _new_topic(self, text: str, previous: str) -> list[str]:
        """The words of a year question that name something the earlier question did not: not a pronoun ("那会儿"),
        a unit ("公里"), a number, a word asking how far things have got ("程度"), or a word of the earlier question."""
        stripped = _YEAR_TEXT.sub("", text)
        return [word for word, tag in self.analyzer.tag(stripped)
                if (len(word) >= 2 or (tag in ("n", "v") and word not in _LIGHT_VERBS))
                and not tag.startswith(("r", "q", "m", "d", "u", "p", "c")) and word not in _HOW_FAR
                and word not in _AT_THE_TIME and word not in self.whole_area
                and word not in previous and word not in _QUESTION_WORDS and not _ASKING.search(word)]

    def _chitchat(self, question: str) -> bool:
        """Whether the turn is small talk or an instruction to PlanQA (qa/data/chitchat.txt), read as typed."""
        text = normalise(question).replace(" ", "")
        return any(p.search(text) for p in self.chitchat)

    def _names_a_thing(self, text: str, previous: str) -> bool:
        """Whether the question names a thing (a noun) the earlier question did not. A one-character noun counts ("这几年
        人多了吗" after "地铁客流多少" stands alone): requiring two characters changed no dev turn and read one more
        sealed no-harm question against an unrelated turn (README, session 13)."""
        new = set(self._new_topic(text, previous))
        return any(tag.startswith("n") and word in new for word, tag in self.analyzer.tag(_YEAR_TEXT.sub("", text)))

    def _asks_only_procedure(self, core: str) -> bool:
        """Whether a turn asks where to go, whom to ask or what to bring, and names nothing else ("去哪申请啊"; not
        "身份证丢了去哪补办", which has a topic of its own)."""
        text = normalise(core).replace(" ", "")
        if not any(p.search(text) for p in self.procedure):
            return False
        for pattern in self.procedure:
            text = pattern.sub("", text)
        return not any(len(w) >= 2 for w in self._own_words(text))  # what a match leaves: "要", "名" of 报名

    def _own_words(self, text: str) -> list[str]:
        """Content words that are not years, question words or pronouns."""
        stripped = _YEAR_TEXT.sub("", text)
        return [w for w in self.analyzer.content_words(stripped)
                if not w.isdigit() and w not in _QUESTION_WORDS and not _PRONOUN.fullmatch(w) and not _ASKING.search(w)]

    def rewrite(self, question: str, previous: str) -> FollowUp:
        """The question read against the earlier (standalone) question; itself when it stands alone."""
        if not previous:
            return FollowUp("standalone", question)
        typed = question.strip()
        announced = _ANNOUNCE.sub("", typed)
        if announced != typed:
            # "还有个事 晚上有公交没": the new question after the announcement is what is read; as typed when it stands alone
            # (and when nothing follows the announcement: "还有个事" is no part of the earlier question)
            rest = _TAIL.sub("", announced)
            followup = self.rewrite(rest, previous) if rest else None
            return followup if followup is not None and followup.kind != "standalone" else FollowUp("standalone", question)
        if self._chitchat(question) or not self.depends(question, previous):
            # Small talk ("你几岁了", "谢谢") is answered as small talk whatever came before: "几" in it asks no figure.
            return FollowUp("standalone", question)
        core = _core(question)
        if _DETAIL.search(question) and not _MORE.search(question) and self._focus(core, previous):
            # "工地扬尘具体咋管" after "空气还得咋治": detail on a thing of its own, within the earlier topic; the
            # earlier answer's passage may not mention it, so the question is asked beside the earlier one.
            return self._beside(previous, core)
        figures_alone = asks_figures_alone(core)
        if _DETAIL.search(question) or figures_alone:
            return self._detail(previous, figures=figures_alone or bool(_FIGURES.search(core)))
        if self._asks_only_procedure(core):
            # "那去哪办": asked beside the earlier question, so the answer is its policy with the plain statement that
            # the plan has no procedure (not a slot swap: "外地人能申请公去哪办吗？"). Its words (材料, 报名) are never in
            # the cited clauses, so unlike a "focus" turn it is not sent back to stand alone for naming them.
            return replace(self._beside(previous, core), kind="procedure")
        area = self.benchmark(core)
        base_year = None if area else self.base_year(core)
        if area or base_year is not None:
            against = area or f"{base_year}年"  # "全省", or "2010年"
            base = base_question(previous)
            return FollowUp("benchmark", _question(f"{_TAIL.sub('', base)}，与{against}相比如何"), base,
                            year=base_year, slot=against)
        before = self.before_today(core, previous)
        if before:
            # "以前是多少" after "青岛人才现在有多少": the earlier figure was today's, so this asks for one from before it
            base = base_question(previous)
            return FollowUp("benchmark", _question(f"{_TAIL.sub('', base)}，与以前相比如何"), base, slot=before)
        relative = self.relative_year(core, previous)
        if relative is not None:
            return FollowUp("year", self._with_year(previous, relative, self.is_past(relative), core), previous,
                            year=relative)
        if _CONTRAST.search(core) and self.status_year:
            return FollowUp("contrast", self._with_year(previous, self.status_year, status=True), previous)
        if self._asks_ahead(core, previous):
            subject = self._subject(base_question(previous)) \
                if _WHICH_OR_HOW.search(core) and not asks_for_number(core) else ""
            if subject:
                # "以后还修哪几条" after "地铁现在开了几条": which lines or what it will be like, not a figure of the
                # first target year: the earlier topic asked ahead in the turn's own words ("地铁以后还修哪几条")
                return FollowUp("ahead", _question(f"{subject}{core}"), previous)
            year = self.target_year
            return FollowUp("year", self._with_year(previous, year, status=False), previous, year=year)
        year = year_named(core)
        if year is not None:
            return FollowUp("year", self._with_year(previous, year, self.is_past(year), core), previous, year=year)
        pronoun = self._pronoun(core)
        if pronoun:
            subject = self._subject(previous)
            if subject:
                return FollowUp("pronoun", _question(_put_subject(core, pronoun, subject)), previous)
        if _RECENT.search(core):  # "这几年涨得快不": the earlier topic lately, asked beside the earlier question
            return self._beside(previous, core)
        own = self._own_words(core)
        if not own and _AMOUNT.search(core):
            # "投多少钱": how much of what the earlier answer named; "分几种" asks which kinds there are: the passage
            # names them ("就地避难、就近避难、步行避难等"), seldom with a count
            return self._detail(previous, figures=not _KINDS.search(core))
        if pronoun:
            # "它改完有人管不" after "俺住那老楼破的不行了 给不给改": it points back though the earlier question names no
            # plan thing to put in its place; asked beside it (a slot swap garbled it into the earlier question), unless
            # the earlier answer names what it points at (Contextualise puts that in its place).
            return replace(self._beside(previous, core), kind="pronoun")
        if own and all(self.slots.is_slot_word(w) for w in own):
            slot = "".join(own)  # "莱西有没有": the place, without the question words
        else:
            slot = _PUNCT.sub("", core)  # core has lost its leading 那 / 还有 already
        place = _WHEREABOUTS.sub("", slot)
        if place != slot and self.slots.is_slot_word(place):
            slot = place  # "平度那块儿呢": the place itself (the earlier question keeps its own "那边")
        if slot:
            return FollowUp("slot", _question(self._swap(previous, slot)), previous, slot=slot)
        return FollowUp("standalone", question)

    def _detail(self, previous: str, figures: bool) -> FollowUp:
        """A request for more of the earlier answer's passage, or for its figures."""
        ask = "有哪些具体的数字？" if figures else "具体有哪些内容？"
        base = base_question(previous)
        return FollowUp("detail", f"{_TAIL.sub('', base)}——{ask}", base, wants_figures=figures)

    def _beside(self, previous: str, core: str) -> FollowUp:
        """A question with something of its own on the earlier topic, asked beside the earlier question."""
        base = base_question(previous)
        return FollowUp("focus", _question(f"{_TAIL.sub('', base)}，{core}"), base)

    def own_topic(self, question: str, previous: str) -> list[str]:
        """The words (two characters or more) a follow-up names of its own, beside the earlier question ("工地扬尘具体
        咋管" -> 工地, 扬尘; "投多少钱" names none): not a modal glued to its verb by the segmenter ("具体能干啥"), the
        asking for detail or for today, a way or a figure ("有啥措施"), how far or how big ("现在规模多大"), a place
        or group, or a word of the earlier question."""
        core = _CONTRAST.sub(" ", _DETAIL.sub(" ", _core(question)))
        return [w for w in self._new_topic(core, previous)
                if len(w) >= 2 and not _MODAL_VERB.fullmatch(w) and w not in _MEANS and w not in _HOW_FAR
                and not self.slots.is_slot_word(w)]

    def year_on_topic(self, question: str, previous: str, lead: str) -> FollowUp | None:
        """A short turn naming a year to come and no thing but what the earlier answer's lead sentence names ("25年能搞
        到多少面积" after the sponge-city goal, "到35年能修到多少公里" after the metro lines open today), read as the
        earlier question for that year; None otherwise ("到35年环境要到啥水平" after today's air quality names its own)."""
        core = _core(question)
        year = year_named(core)
        # a year gone by with words of its own compares ("跟2010年那会儿比涨了多少"): not this reading
        if year is None or self.is_past(year) or not lead \
                or not self._short_question(question, core, self.config.year_turn, _ASKING):
            return None
        # A one-character thing of its own ("碳" of "碳排放是个啥情况", split from its verb by the segmenter) is a topic
        # of its own that no sentence's characters can vouch for.
        tags = dict(self.analyzer.tag(_YEAR_TEXT.sub("", core)))
        if any(len(w) == 1 and tags.get(w, "").startswith(_THING_TAGS) for w in self._new_topic(core, previous)):
            return None
        # The other things it names, places and groups too ("2035年青岛要建成个啥样" asks of the whole city), must be in
        # that sentence (two characters of a word will do: the segmenter glues modals on, "能达峰"); what it says is
        # done to them ("修到", "收走") is the resident's own wording.
        things = self.things_named(self.own_topic(question, previous), question) + [
            w for kind in self.slots.types for w in self.slots.find(kind, core) if w not in previous]
        if not all(any(w[i:i + 2] in lead for i in range(len(w) - 1)) for w in things):
            return None
        return FollowUp("year", self._with_year(previous, year, status=False), previous, year=year)

    def things_named(self, words: list[str], question: str) -> list[str]:
        """The words that name a thing (a noun, place or plan term) as the question uses them: "现在达标的有多少" names
        none (达标 says how the earlier thing stands), "现在空气好的天数占多少" names 空气 and 天数."""
        tags = dict(self.analyzer.tag(_core(question)))
        return [w for w in words if tags.get(w, "n").startswith(_THING_TAGS)]

    def _focus(self, core: str, previous: str) -> list[str]:
        """The nouns a detail request names of its own ("工地扬尘具体咋管" -> 工地), as the plan names things (a
        segmenter's glued "能干啥" is no thing): not words for a way or a rule ("还有啥办法", "有啥具体政策" ask for
        more of the same), nor words of the earlier question."""
        stripped = _DETAIL.sub(" ", core)
        return [word for word, tag in self.analyzer.tag(stripped)
                if tag.startswith(_NOUNISH) and len(word) >= 2 and word in self.plan and word not in _MEANS
                and word not in previous and word not in _QUESTION_WORDS and not _ASKING.search(word)]

    def _pronoun(self, core: str) -> str:
        """The pronoun or demonstrative a question points back with ("它", "这个", "那些地方"), or '' (not "这个" of
        "这个规划": the plan the resident is reading)."""
        found = _IT.search(core) or _there(core)
        if found:
            return found.group(0)
        words = [w for w in self.analyzer.segment(_RECENT.sub("", core)) if w.strip()]
        for word, following in zip_longest(words, words[1:], fillvalue=""):
            if word in _POINTING and following in _ANY_THING and word + following in core:
                return word + following
            if word in _DEMONSTRATIVE and following in _DOCUMENT_WORDS:
                continue
            if word in _PERSONAL or word in _DEMONSTRATIVE:
                return word
        return ""

    def _about_the_plan(self, core: str) -> bool:
        """Whether the plan itself is what a question asks about ("这个规划是管几年的啊", "这规划谁牵头落实"): it names
        the plan with a demonstrative, not as where something is said ("这个规划里提了吗"), and nothing else points back."""
        found = _THE_PLAN.search(core)
        return found is not None and not self._pronoun(core[: found.start()] + "，" + core[found.end():])

    def headed(self, question: str) -> tuple[str, str] | None:
        """The demonstrative and the head noun a question picks a thing out with ("这个试点", "这街"), or None: not after
        a thing the question names itself, not a word for any thing ("这些人": which people is not in its head) nor
        the plan itself ("这个规划")."""
        core = _core(question)
        tagged = self.analyzer.tag(core)
        for i, ((word, _), (noun, tag)) in enumerate(zip(tagged, tagged[1:], strict=False)):
            if word in _HEADED and tag.startswith("n") and noun not in _ANY_THING and noun not in _DOCUMENT_WORDS \
                    and word + noun in core:
                # after a thing the question names itself, it points at that ("青岛菁英那个人才工程", "区…那这些区")
                named_before = any(t.startswith(_NOUNISH) for _, t in tagged[:i])
                return None if named_before else (word, noun)
        return None

    def head_antecedent(self, question: str, headed: tuple[str, str], texts: list[str]) -> str:
        """The question with its demonstrative and head noun put as the earlier thing they pick out: a run of nouns in
        texts (the earlier question, then its answer's lead sentence) that ends with the noun, says more than it and
        is the plan's wording ("这个试点都有哪些东西" after an answer naming 国家地理标志特色农产品目标价格保险试点); ''
        when none does. headed: what headed() found in the question."""
        word, noun = headed
        for n, text in enumerate(texts):
            # a run of the earlier question counts only in the plan's words (a resident's "缺水" is no thing)
            runs = [run for run in self._sentence_nouns(text)
                    if run.endswith(noun) and len(run) > len(noun) and (n > 0 or run in self.plan)]
            if runs:
                # the earlier question's nearest mention ("缺水 … 把海水弄成能用的水": 海水); the answer's first (a lead
                # sentence names what it is about first)
                return _question(_core(question).replace(word + noun, runs[-1] if n == 0 else runs[0], 1))
        return ""

    def points_back(self, question: str) -> bool:
        """Whether a question has a pronoun or demonstrative pointing back ("它", "这个")."""
        return bool(self._pronoun(_core(question)))

    def with_subject(self, question: str, subject: str) -> str:
        """A pronoun question with its pronoun replaced by the subject ("它啥时候能通车" -> "胶州湾第二隧道啥时候能通车？")."""
        core = _core(question)
        pronoun = self._pronoun(core)
        return _question(_put_subject(core, pronoun, subject)) if pronoun else question

    def names_several(self, question: str, previous: str) -> bool:
        """Whether a plural pronoun ("它们", "这些") points at several things the earlier question named together
        ("姜山和南村"): then the question's own words are the subject, not one name from the answer."""
        return self._pronoun(_core(question)) in _PLURAL and any(c in self._subject(previous) for c in "和与、及")

    def answer_subject(self, previous: str, lead: str, question: str = "") -> str:
        """What the earlier answer's lead sentence names that the earlier question asked about: its run of nouns
        sharing the most character pairs with the question ("听说胶州湾底下还要再挖一条隧道" answered by "建设胶州湾
        第二隧道，…" -> "胶州湾第二隧道"), or the one it names first when the question asked who or which one and the
        turn does not ask that again ("它归谁管" after "谁来管垃圾" is about the rubbish); '' when none shares at least
        SUBJECT_PAIRS pairs."""
        if _WHO.search(previous) and not _WHO.search(question):
            # "这规划谁牵头落实" answered by "市城镇化工作领导小组办公室牵头推进规划实施…": what was asked for is the one the
            # answer names first, and "它还管啥" points at that, not at what the question named
            runs = self._sentence_nouns(lead)
            if runs:
                return runs[0]
        asked = _pairs(previous)
        runs = self._sentence_nouns(lead)
        best, best_key = "", (SUBJECT_PAIRS - 1, 0, 0)
        for run in runs:
            key = (len(_pairs(run) & asked), len(set(run) & set(previous)), -len(run))
            if key > best_key:
                best, best_key = run, key
        if not best:
            named = self._subject(previous)
            if named and self.analyzer.tag(named) == [(named, "x")]:
                return ""  # "青岛要搞哪些类型的特色小镇啊": the earlier question names the plan's term itself
            # no run shares the question's characters ("坐车看病能不能一个码就行" answered by "推行“一码通城”"): the run
            # nearest it in meaning, when that is one of the plan's own terms (a general noun may be anything)
            nearest = self._nearest(previous, runs)
            return nearest if nearest and self.analyzer.tag(nearest) == [(nearest, "x")] else ""
        head = _listed_under(best, lead, runs)
        # The head, when the earlier question touched more than one of its items (买菜超市 and 家政: the service circle
        # holding them, not one of them) and it is a term of the plan's own lexicon ("15分钟社区服务圈",
        # "非物质文化遗产"): most lists end in a category word ("等领域", "等行业", "等功能") or run on into what is done
        # with them ("等工业遗存活化利用价值"), which no resident means by 它.
        if head and _items_touched(best, lead, asked) >= 2 and self.analyzer.tag(head) == [(head, "x")]:
            return head
        return best

    def _sentence_nouns(self, text: str) -> list[str]:
        """Runs of adjacent nouns in plan text, without a leading verbal noun ("建设胶州湾第二隧道" -> "胶州湾第二隧道")."""
        runs: list[list[tuple[str, str]]] = [[]]
        for word, tag in self.analyzer.tag(text):
            if tag.startswith(_SUBJECT_TAGS) and _HAN.search(word):
                runs[-1].append((word, tag))
            elif runs[-1]:
                runs.append([])
        found = []
        for run in runs:
            while run and run[0][1] == "vn":
                run = run[1:]
            name = "".join(w for w, _ in run)
            if len(name) >= 2:
                found.append(name)
        return found

    def is_past(self, year: int) -> bool:
        """Whether a year is the plan's status year or before it: what was, not what is aimed at ("2016年呢")."""
        return self.status_year is not None and year <= self.status_year

    def _with_year(self, previous: str, year: int, status: bool, turn: str = "") -> str:
        """The earlier question asked for another year (a status year asks what it was, not what it will be); when it
        asked when ("健康青岛啥时候能建成"), the year answers that, so the when is dropped and the turn's own question,
        if it has one ("那25年能到啥程度"), is asked of that year."""
        text = _TAIL.sub("", base_question(previous))
        # not when it asked when a figure was reached ("啥时候过的70%"): "那2020年到多少了" asks that figure then
        if _WHEN_ASKED.search(text) and not names_a_figure(text):
            text = _WHEN_ASKED.sub("", text, count=1).strip(" ，,")
            own = _YEAR_FILLER.sub("", without_relative_year(_YEAR_TEXT.sub("", turn)).strip(" ，,"))
            if own and _ASKING.search(own):
                text = f"{text}，{own}"
        when = f"{year}年" if status else f"到{year}年"
        if _YEAR_TEXT.search(text):
            text = _YEAR_TEXT.sub(when, text, count=1)
        else:
            text = f"{when}，{text}"
        if status:
            text = self._drop_future(text)
        return _question(text)

    def without_year(self, question: str) -> str:
        """A (standalone) question without its year ("到2025年，城市管理…" -> "城市管理…"): its topic alone."""
        return _YEAR_TEXT.sub("", _TAIL.sub("", base_question(question))).strip(" ，,")

    def _drop_future(self, text: str) -> str:
        """The text without its words about the future, in its own characters (the segmenter normalises them)."""
        text = _ASKS_FUTURE.sub("", text)  # "会不会都通上" -> "都通上", not "不会都通上"
        words = self.analyzer.segment(text)
        if sum(len(w) for w in words) != len(text):
            return "".join(w for w in words if w not in _FUTURE)
        kept, at = [], 0
        for word in words:
            if word not in _FUTURE:
                kept.append(text[at : at + len(word)])
            at += len(word)
        return "".join(kept)

    def _subject(self, previous: str) -> str:
        """What the earlier question was about: its longest run of plan words ("胶州湾隧道", "姜山和南村")."""
        words = self.analyzer.segment(previous)
        runs: list[str] = []
        current = ""
        for word in words:
            known = len(word) >= 2 and (word in self.plan or self.slots.type_of(word) == "place") or word.isdigit()
            if known or (current and word in ("和", "与", "、", "及") ) or (current and word in ("号线", "号", "期")):
                current += word
            else:
                if current:
                    runs.append(current)
                current = ""
        if current:
            runs.append(current)
        runs = [r.rstrip("和与、及") for r in runs]
        return max(runs, key=len, default="")

    def _swap(self, previous: str, slot: str) -> str:
        """The earlier question with its word of the slot's type (or its nearest run of nouns) replaced by the slot."""
        text = _TAIL.sub("", base_question(previous))
        numbered = _NUMBERED.fullmatch(slot)
        if numbered:
            # "6号线呢" after "8号线还接着修不": the one of the same series with another number (the segmenter splits
            # "8号线" apart, and swapping "号线" gave "86号线")
            other = next((m.group() for m in re.finditer(rf"\d+{re.escape(numbered.group(2))}", text)
                          if m.group() != slot), "")
            if other:
                return text.replace(other, slot, 1)
        kind = self.slots.type_of(slot)
        if kind:
            # not a word inside a longer term of the plan: 城镇 in 城镇化率 is no area to swap ("农村化率")
            terms = [t for t in self.analyzer.segment(text) if t in self.plan]
            same = [w for w in self.slots.find(kind, text) if not any(w in t and w != t for t in terms)]
            if same:
                for word in same:
                    text = _replace(text, word, slot)
                # "即墨胶州那边…" asked of 平度: two places named together become one, not "平度平度那边"
                return re.sub(rf"{re.escape(slot)}(?:[、和与及跟]?{re.escape(slot)})+", slot, text)
            if kind != "place":
                # An area or group the earlier question did not name narrows it: "那农村呢" after "养老床位够不够" asks
                # about the beds in the countryside, not "农村够不够". (A place may swap for one the lexicon lacks:
                # "唐岛湾呢" after "金家岭那块以后搞啥".)
                return f"{slot}，{text}"
        target = self._nearest(slot, self._noun_runs(text))
        swapped = _replace(text, target, slot, once=True) if target else text
        # nothing to put it in place of: the slot narrows the earlier question ("胶州大白菜，…有价格保险没")
        return swapped if swapped != text else f"{slot}，{text}"

    def _noun_runs(self, text: str) -> list[str]:
        """Runs of adjacent noun-like words that are not slot words ("马连庄甜瓜", "低保"; "大泽山葡萄" is a product
        named after a place, not the place)."""
        runs, current, end = [], "", 0
        for word, tag in self.analyzer.tag(text):
            start = text.find(word, end)
            # words apart in the text (a space between them: "种葡萄 大泽山葡萄") are no run: it must be replaceable
            if start != end and current:
                runs.append(current)
                current = ""
            end = start + len(word) if start >= 0 else end
            if tag.startswith(_NOUNISH) and len(word) >= 2 and not _ASKING.search(word) \
                    and not self.slots.is_slot_word(word):
                current += word
            else:
                if current:
                    runs.append(current)
                current = ""
        return [*runs, current] if current else runs

    def _nearest(self, slot: str, words: list[str]) -> str:
        """The word most like the slot in meaning (embedding similarity), or ''."""
        if not words:
            return ""
        if self.encode is None or len(words) == 1:
            return words[0]
        vectors = self.encode([slot, *words])
        scores = vectors[1:] @ vectors[0]
        return words[int(np.argmax(scores))]


def _list_of(item: str, text: str) -> re.Match[str] | None:
    """Where plan text lists an item with others, up to and including the 等 (and 在内的) that closes the list."""
    # the item may be part of its entry ("便民" of "便民超市"); other entries follow it, each after "、"
    pattern = re.escape(item) + r"[^，,。；;、等]{0,16}(?:、[^，,。；;、]{1,16})*等(?:在内)?的?"
    return re.search(pattern, text) if item else None


def _listed_under(item: str, text: str, runs: list[str]) -> str:
    """The head noun run an item is listed under in plan text ("打造包括物流配送、便民超市、家政服务等在内的15分钟社区服务圈":
    家政服务 -> 15分钟社区服务圈), or '': the sentence is about the head, and the items only say what it holds."""
    listed = _list_of(item, text)
    return next((run for run in runs if text.startswith(run, listed.end())), "") if listed else ""


def _items_touched(item: str, text: str, asked: set[str]) -> int:
    """How many entries of the "、" list holding an item (from the start of its clause up to 等) share a character pair
    with the earlier question's pairs."""
    listed = _list_of(item, text)
    if listed is None:
        return 0
    start = max(text.rfind(mark, 0, listed.start()) for mark in "，,；;。：:") + 1
    entries = text[start : text.index("等", listed.start())].split("、")
    return sum(bool(_pairs(entry) & asked) for entry in entries)


def _put_subject(core: str, pronoun: str, subject: str) -> str:
    """core with its (first) pronoun put as the subject; the characters after the pronoun that the subject already ends
    with go ("这个平台都能干啥" with 平台 is "平台都能干啥", not "平台平台…"; "这些道" with 城乡绿道 is "城乡绿道…")."""
    at = core.find(pronoun)
    after = core[at + len(pronoun):]
    for n in range(len(subject), 0, -1):
        if after.startswith(subject[-n:]):
            after = after[n:]
            break
    return core[:at] + subject + after


def _replace(text: str, word: str, slot: str, once: bool = False) -> str:
    """text with word replaced by slot; a slot ending in 的 takes the 的 after the word too ("摆地摊的以后还让摆不" with
    "跑外卖的" is "跑外卖的以后还让摆不", not "跑外卖的的…")."""
    if slot.endswith("的") and word + "的" in text:
        word += "的"
    return text.replace(word, slot, 1) if once else text.replace(word, slot)


# A numbered one of a series: "6号线", "3号楼", "2期"
_NUMBERED = re.compile(r"(\d+)([号期座条][\u4e00-\u9fff]?)")


def _pairs(text: str) -> set[str]:
    """Adjacent Chinese character pairs of a text."""
    han = "".join(_HAN.findall(text))
    return {han[i : i + 2] for i in range(len(han) - 1)}


def recent(history: list[str] | None) -> list[str]:
    """The earlier questions that count: the last MAX_TURNS non-empty ones, oldest first."""
    return [h for h in (history or [])[-MAX_TURNS:] if isinstance(h, str) and h.strip()]


def indicator_question(name: str, year: int | None, status: bool) -> str:
    """The standalone question for one indicator in one year: its status figure, or its target for that year (a
    target the plan sets for no year: year None)."""
    if year is None:
        return f"{name}目标是多少？"
    return f"{year}年，{name}是多少？" if status else f"到{year}年，{name}目标是多少？"


# What a turn asking about before today is read as: the figure then, or how far it has come since.
BEFORE_LEVEL, BEFORE_CHANGE = "以前", "以前相比"
BEFORE_TODAY = re.compile(r"以前|过去|原来|之前|早先")  # words for a time before today
_SINCE = re.compile(r"强|涨|降|提高|提升|增长|增加|减少|翻|变化|好了|多了|少了")  # how far it has come


def base_question(question: str) -> str:
    """A rewritten detail question without its "——具体有哪些内容？" ending (the question it continues)."""
    return question.split("——", 1)[0]


def _question(text: str) -> str:
    """Text ending as a question."""
    text = text.strip(" ，,")
    return text if text.endswith(("？", "?")) else f"{text}？"
