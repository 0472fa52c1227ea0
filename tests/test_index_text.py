"""Tokens, normalisation, the everyday-words lexicon, topics, and BM25 checked against a reference formula."""

from __future__ import annotations

import math

import numpy as np
import pytest

from index.lexical import K1, B, LexicalIndex
from index.lexicon import EverydayLexicon
from index.textnorm import normalise
from index.tokenizer import Tokenizer, plan_terms
from index.topics import TopicTagger


@pytest.fixture(scope="module")
def tokenizer(plan):
    return Tokenizer(plan_terms([plan.clean_text]))


@pytest.mark.parametrize("term", ["城镇化率", "非户籍常住人口", "海绵城市", "15分钟生活圈", "居住证"])
def test_plan_terms_come_out_as_one_token(tokenizer, term):
    assert tokenizer.words(f"关于{term}的规定") == [term, "规定"]
    assert term in tokenizer.tokens(term)


def test_search_mode_adds_the_parts_of_long_terms(tokenizer):
    tokens = tokenizer.tokens("常住人口城镇化率")
    assert tokens[0] == "常住人口城镇化率"
    assert {"城镇化率", "常住人口", "人口", "城镇化"} <= set(tokens)


def test_question_words_are_stopwords(tokenizer):
    assert tokenizer.tokens("海绵城市是什么？怎么建设吗") == tokenizer.tokens("海绵城市建设")
    assert not {"什么", "怎么", "吗"} & set(tokenizer.tokens("什么怎么吗"))


def test_full_width_and_traditional_characters_are_normalised(tokenizer):
    assert normalise("ＧＤＰ１００％") == "gdp100%"
    assert tokenizer.words("城鎮化率") == tokenizer.words("城镇化率") == ["城镇化率"]
    assert tokenizer.words("居住證") == ["居住证"]


def test_spoken_spellings_are_read_as_the_words_they_stand_for():
    from index.textnorm import normalise, spoken_spellings

    assert normalise("玉米有木有") == "玉米有没有" and normalise("过一千万了木有") == "过一千万了没有"
    assert normalise("俺那老楼木有人管 神马情况") == "俺那老楼没有人管 什么情况"
    # part of another word: trees, not "no"
    assert normalise("树木有多少") == "树木有多少" and normalise("古树名木有多少") == "古树名木有多少"
    assert spoken_spellings("有木有") == "有没有" and spoken_spellings("有没有") == "有没有"


def test_a_bad_spoken_spellings_line_is_named(tmp_path):
    from index.textnorm import _spellings

    bad = tmp_path / "spoken_spellings.tsv"
    bad.write_text("# spelling, word\n神马\t什么\n木有\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"spoken_spellings.tsv:3: expected 'spelling<TAB>word"):
        _spellings(bad)


def test_quoted_terms_of_the_plan_join_the_dictionary(plan):
    terms = plan_terms([plan.clean_text])
    assert {"搞活一座城", "三权分置", "无废城市", "公交都市"} <= terms


def test_everyday_lexicon_is_large_and_points_at_words_of_the_plan(plan):
    lexicon = EverydayLexicon()
    assert len(lexicon.pairs) >= 150
    text = normalise(plan.clean_text)
    missing = [t for terms in lexicon.pairs.values() for t in terms if t not in text]
    assert missing == []


def test_lexicon_expands_everyday_words():
    lexicon = EverydayLexicon()
    assert "老旧小区改造" in lexicon.expand("我们老小区啥时候改造").terms
    assert "非户籍常住人口" in lexicon.expand("外地人能享受什么").terms
    assert lexicon.expand("海绵城市").terms == []


def test_topics_of_a_handful_of_clauses(plan):
    tagger = TopicTagger()
    assert len(tagger.topics) == 22

    def tags(suffix):
        clause = plan.clause(f"qingdao-2021/{suffix}")
        return tagger.tag(clause.path, clause.text)

    assert "户籍落户" in tags("3.2.1.p1")
    assert "住房" in tags("3.3.1.p1")
    assert "交通" in tags("6.2.1.p1")
    assert "城市更新" in tags("6.1.3.p1")
    assert "医疗卫生" in tags("8.3.2.p1")
    assert "海洋" in tags("5.2.3.p1")
    assert "住房" not in tags("6.2.1.p1")


def reference_bm25(corpus: list[list[str]], query: list[str]) -> np.ndarray:
    """Textbook BM25 (Lucene's idf), written independently of bm25s."""
    n = len(corpus)
    avgdl = sum(len(d) for d in corpus) / n
    scores = np.zeros(n)
    for term in set(query):
        df = sum(1 for d in corpus if term in d)
        if df == 0:
            continue
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        for i, doc in enumerate(corpus):
            tf = doc.count(term)
            # Lucene (and bm25s) drop the constant (k1 + 1) factor of the textbook numerator.
            scores[i] += idf * tf / (tf + K1 * (1 - B + B * len(doc) / avgdl))
    return scores


def test_bm25_agrees_with_the_reference_formula(plan, tokenizer):
    corpus = [tokenizer.tokens(c.text) for c in plan.paragraphs()[:60]]
    index = LexicalIndex.build(corpus)
    for query in ("城镇化率 人口", "海绵城市 建设", "户籍 落户 居住证", "不存在的词"):
        tokens = tokenizer.tokens(query)
        assert np.allclose(index.scores(tokens), reference_bm25(corpus, tokens), rtol=1e-4, atol=1e-5)
