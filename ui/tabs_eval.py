"""评测 tab: evaluators run the retrieval and answer benchmarks on the dev set or an uploaded gold file.

API: `evaluate` (api_name="evaluate") takes (gold_file or None for a shipped set, configurations
list from bm25|dense|hybrid|hybrid-no-lexicon|hybrid-no-bank|hybrid-no-rerank, answers: bool, shipped set: "dev"|"dev-everyday"|"dev-refusals"|"sealed"|"sealed2"|"sealed3"|"sealed4"|"sealed5"|"sealed6"|"sealed7") and returns
(status markdown, retrieval metrics table, answer metrics table, Recall@5-by-type table, answers by question type and
out-of-plan category table, follow-up hit by kind table (shipped sets only, with answers), chart PNG,
[report.md, report.json, report.png]).
A gold file that fails validation yields a status line listing its problems (and empty tables), not an error.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import gradio as gr
import pandas as pd

from eval.api import ABLATION, load_gold_for, run_evaluation
from eval.followup import FOLLOWUP_DEV, FOLLOWUP_DEV5, FOLLOWUP_DEV6, FOLLOWUP_DEV7, FOLLOWUP_SEALED_SETS
from eval.gold import DEV_EVERYDAY, DEV_FRESH, DEV_REFUSALS, DEV_SET, SEALED_SETS, GoldError
from eval.report import summary_rows, type_rows
from qa.records import QueryError
from ui import render
from ui.common import AppContext

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 1_000_000
CONFIG_LABELS = [
    ("混合检索 hybrid（线上配置）", "hybrid"),
    ("关键词 bm25", "bm25"),
    ("语义向量 dense", "dense"),
    ("混合检索·不用口语词表 hybrid-no-lexicon", "hybrid-no-lexicon"),
    ("混合检索·不用问题库 hybrid-no-bank", "hybrid-no-bank"),
    ("混合检索·不重排 hybrid-no-rerank", "hybrid-no-rerank"),
]
STAGES = {"answers": "回答评测", "follow-ups": "追问评测", "no-harm": "追问无害检查"}
SHIPPED = {"dev": DEV_SET, "dev-everyday": DEV_EVERYDAY, "dev-refusals": DEV_REFUSALS, "dev-fresh": DEV_FRESH,
           **SEALED_SETS}
FOLLOWUPS = {"dev": FOLLOWUP_DEV, "dev-everyday": FOLLOWUP_DEV5, "dev-refusals": FOLLOWUP_DEV6,
             "dev-fresh": FOLLOWUP_DEV7, **FOLLOWUP_SEALED_SETS}
SHIPPED_LABELS = [("开发集 dev.jsonl（调参用）", "dev"),
                  ("居民口语开发集 dev_everyday.jsonl（调参用，盲写）", "dev-everyday"),
                  ("拒答开发集 dev_refusals.jsonl（996 道规划答不了的问题，调参用，盲写）", "dev-refusals"),
                  ("新写手开发集 dev_fresh.jsonl（154 道口语问题 + 198 道预测、评价、比较、近似问题，调参用，盲写）", "dev-fresh"),
                  ("封存测试集 sealed_test.jsonl（只用于最终检验）", "sealed"),
                  ("第二封存测试集 sealed_test2.jsonl", "sealed2"), ("第三封存测试集 sealed_test3.jsonl", "sealed3"),
                  ("第四封存测试集 sealed_test4.jsonl", "sealed4"),
                  ("第五封存测试集 sealed_test5.jsonl", "sealed5"),
                  ("第六封存测试集 sealed_test6.jsonl", "sealed6"),
                  ("第七封存测试集 sealed_test7.jsonl", "sealed7"),
                  ("第八封存测试集 sealed_test8.jsonl", "sealed8"),
                  ("第九封存测试集 sealed_test9.jsonl", "sealed9"),
                  ("第十封存测试集 sealed_test10.jsonl", "sealed10"),
                  ("第十一封存测试集 sealed_test11.jsonl", "sealed11"),
                  ("第十二封存测试集 sealed_test12.jsonl", "sealed12"),
                  ("第十三封存测试集 sealed_test13.jsonl", "sealed13"),
                  ("第十四封存测试集 sealed_test14.jsonl", "sealed14"),
                  ("第十五封存测试集 sealed_test15.jsonl", "sealed15"),
                  ("第十六封存测试集 sealed_test16.jsonl", "sealed16"),
                  ("第十七封存测试集 sealed_test17.jsonl（最新，最少被看过）", "sealed17")]


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    return frame.round(3) if not frame.empty else frame


def _error(message: str):
    gr.Warning(message.splitlines()[0])
    text = "<br>".join(render.esc(line) for line in message.splitlines())
    status = f'<div class="pq-error">❌ 无法评测：<br>{text}</div>'
    return status, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), None, None


def make_evaluate(ctx: AppContext):
    """The `evaluate` endpoint (see module docstring)."""
    # One evaluation at a time, and no queue of them: a second request while one runs is told so at once, so a
    # flood of evaluations can never pile up behind each other (or in front of anything else).
    running = threading.Lock()

    def evaluate(gold_file: str | None, configurations: list[str] | None, answers: bool, shipped: str | None = "dev",
                 progress: gr.Progress = gr.Progress()):  # noqa: B008 (Gradio's way to ask for a progress bar)
        """Run one evaluation unless another is running (see module docstring)."""
        if not running.acquire(blocking=False):
            return _error("已有一项评测正在运行（约需 1 分钟），请稍后再试。")
        try:
            return run(gold_file, configurations, answers, shipped, progress)
        finally:
            running.release()

    def run(gold_file: str | None, configurations: list[str] | None, answers: bool, shipped: str | None,
            progress: gr.Progress):
        """Validate the gold file, run the chosen configurations, return tables, chart and report files."""
        chosen = tuple(c for c in (configurations or []) if c in ABLATION)
        if not chosen and not answers:
            return _error("请至少选择一种检索配置，或勾选“回答评测”。")
        if shipped not in SHIPPED:
            return _error("内置金标集只能是 " + "、".join(SHIPPED) + " 之一。")
        path = Path(gold_file) if gold_file else None
        name = path.name if path else SHIPPED[shipped].name
        if path is not None:
            if not path.is_file():
                return _error("上传的文件不存在，请重新上传。")
            size = path.stat().st_size
            if size > MAX_UPLOAD_BYTES:
                return _error(f"文件 {name} 有 {size / 1e6:.1f} MB，超过 1 MB 的上限。")
        try:
            gold = load_gold_for(ctx.service, path or SHIPPED[shipped])
        except GoldError as exc:
            return _error(f"金标文件 {name} 有问题：\n" + str(exc).replace(str(path), name))
        progress(0, desc="准备评测…")

        def tick(label: str, i: int, n: int) -> None:
            stage = STAGES.get(label, label.replace("retrieval: ", "检索评测："))
            progress(i / max(n, 1), desc=f"{stage}（{i}/{n}）")

        out = ctx.download_path("report", "")
        try:
            followups = FOLLOWUPS[shipped] if path is None and answers else None
            report = run_evaluation(ctx.service, gold, out, chosen, answers=answers, progress=tick, followups=followups)
        except (QueryError, ValueError) as exc:
            return _error(str(exc))
        data = report.data
        retrieval = _frame(summary_rows(data))
        answer_rows = _frame([data["answers"]["summary"]]) if data.get("answers") else pd.DataFrame()
        by_type = _frame(type_rows(data))
        by_group = _frame(data["answers"]["by_group"]) if data.get("answers") else pd.DataFrame()
        followup = data.get("followups")
        follow_rows = [*followup["rows"], {"kind": "no-harm", "n": followup["no_harm_n"],
                                           "follow-up hit": round(followup["no_harm"], 3)}] if followup else []
        files = [str(p) for p in (report.markdown, out / "report.json", report.chart) if p.exists()]
        status = (
            f"✅ 完成：金标文件 <b>{render.esc(name)}</b>，{data['n_questions']} 题"
            f"（规划内 {data['n_in_plan']} 题），用时 {data['seconds']} 秒。"
        )
        return status, retrieval, answer_rows, by_type, by_group, _frame(follow_rows), str(report.chart), files

    return evaluate


def build(ctx: AppContext) -> None:
    """Lay out the benchmark tab and wire its events."""
    evaluate = make_evaluate(ctx)
    with gr.Tab("评测", id="eval"):
        gr.Markdown(
            "用金标问题集衡量检索和回答质量。留空上传框则使用所选的内置金标集：开发集用于调参，"
            "封存测试集在调参前写好、从不用于调参，只用来检验改动是否真的有效；"
            "也可上传自己的 JSONL 金标文件（每行 `{\"id\", \"question\", \"type\", \"evidence\": [...]}`，"
            "证据须为规划原文，不超过 1 MB）。首次运行需为每个问题计算向量，开发集约需 2 分钟，之后更快。"
        )
        with gr.Row():
            with gr.Column(scale=2):
                gold = gr.File(label="金标文件（JSONL，可选）", file_types=[".jsonl", ".json", ".txt"],
                               type="filepath", elem_id="pq-gold")
                shipped = gr.Radio(SHIPPED_LABELS, value="dev", label="不上传时使用的内置金标集")
            with gr.Column(scale=3):
                configs = gr.CheckboxGroup(CONFIG_LABELS, value=list(ABLATION), label="检索配置（对比实验）")
                answers = gr.Checkbox(value=True, label="同时评测回答（作答率、拒答、引用准确）")
                run = gr.Button("开始评测", variant="primary", elem_id="pq-eval-run")
        status = gr.HTML(elem_id="pq-eval-status")
        retrieval = gr.Dataframe(label="检索指标（规划内问题）", interactive=False, elem_id="pq-eval-metrics",
                                 visible=False)
        answer_table = gr.Dataframe(label="回答指标", interactive=False, visible=False)
        by_type = gr.Dataframe(label="各题型 Recall@5", interactive=False, visible=False)
        by_group = gr.Dataframe(label="各题型引用命中、各类规划外问题的拒答率", interactive=False, visible=False,
                                elem_id="pq-eval-groups")
        follow = gr.Dataframe(label="追问（多轮对话）各类命中率；no-harm：加上无关的上一问后回答不变的比例", interactive=False,
                              visible=False, elem_id="pq-eval-followups")
        chart = gr.Image(label="图表", show_label=False, type="filepath", buttons=["download", "fullscreen"],
                         interactive=False, visible=False, elem_id="pq-eval-chart")
        files = gr.File(label="下载报告（report.md / report.json / report.png）", file_count="multiple",
                        interactive=False, visible=False)

    outputs = [retrieval, answer_table, by_type, by_group, follow, chart, files]

    def reveal(status_html: str, with_answers: bool):
        """Show the result components after a successful run, hide them after a failed one."""
        ok = "✅" in (status_html or "")
        return [gr.update(visible=v) for v in (ok, ok and with_answers, ok, ok and with_answers, ok and with_answers, ok, ok)]

    run.click(
        evaluate, [gold, configs, answers, shipped], [status, *outputs],
        api_name="evaluate", concurrency_limit=2, concurrency_id="evaluate",
    ).then(reveal, [status, answers], outputs, api_visibility="private")
