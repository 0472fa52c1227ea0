"""反馈与问题库 tab (staff only): 👍/👎 counts and CSV export, and the review queue of what citizens asked that
PlanQA refused or answered badly; a staff member links a question to a clause and sentence, or marks it out of scope,
and it joins the question bank.

API (staff app): `feedback_csv` () -> (CSV of all votes, formula cells neutralised; counts),
`review_queue` () -> table, `bank_add` (question, clause_id, evidence, category) -> status.
"""

from __future__ import annotations

import logging

import gradio as gr
import pandas as pd

from corpus.bank.records import CATEGORIES, BankError
from corpus.bank.staff import add_question
from qa.records import sanitised_text
from ui import render
from ui.common import AppContext

log = logging.getLogger(__name__)

VOTE_LABEL = {"down": "👎 回答不满意", "refused": "未能回答"}
IN_SCOPE = "in_scope"


def queue_frame(ctx: AppContext, limit: int = 200) -> pd.DataFrame:
    """The newest refused questions and 👎 answers."""
    rows = [[rid, created, VOTE_LABEL.get(vote, vote), question, answer[:120]]
            for rid, created, vote, question, answer in ctx.feedback.review_queue(limit)]
    return pd.DataFrame(rows, columns=["编号", "时间", "类别", "问题", "当时的回答（前 120 字）"])


def add_to_bank(ctx: AppContext, question: str, clause_id: str, evidence: str, category: str) -> str:
    """Add a reviewed question to the bank of the clause's document (or the first document when out of scope)."""
    question, clause_id, evidence = (sanitised_text(v).strip() for v in (question, clause_id, evidence))
    if category not in (IN_SCOPE, *CATEGORIES):
        return '<div class="pq-error">❌ 请选择“规划能回答”或一个规划外类别。</div>'
    docs = ctx.service.documents()
    if category == IN_SCOPE:
        clause = ctx.service.clause(clause_id)
        if clause is None:
            return f'<div class="pq-error">❌ 没有编号为 {render.esc(clause_id)} 的条款。</div>'
        document = ctx.service.document(clause.doc_id)
    else:
        document = docs[0] if docs else None
    if document is None:
        return '<div class="pq-error">❌ 尚未加载任何文档。</div>'
    try:
        qid = add_question(document, question, clause_id if category == IN_SCOPE else None,
                           evidence if category == IN_SCOPE else None, None if category == IN_SCOPE else category)
    except BankError as exc:
        return f'<div class="pq-error">❌ 未加入：{render.esc(exc)}</div>'
    log.info("bank: added %s to %s", qid, document.doc_id)
    return (f"✅ 已加入《{render.esc(document.title)}》的问题库（{render.esc(qid)}）。"
            "运行 <code>python -m index build</code> 后生效：只嵌入新问题，几秒钟即可。")


def build(ctx: AppContext) -> None:
    """Lay out the review tab and wire its events."""
    with gr.Tab("反馈与问题库", id="review"):
        gr.Markdown("市民的 👍/👎 和 PlanQA 未能回答的问题。把问题关联到规划条款（或标为规划外），"
                    "它就进入问题库，帮助 PlanQA 听懂同类问法。")
        with gr.Row():
            stats = gr.Markdown()
            export = gr.Button("导出反馈 CSV", size="sm", scale=0, min_width=160)
            refresh = gr.Button("刷新待审列表", size="sm", scale=0, min_width=160)
        export_file = gr.File(label="反馈记录", interactive=False)
        table = gr.Dataframe(label="待审问题（最新在前）", interactive=False, wrap=True, elem_id="pq-review-queue")
        with gr.Row():
            question = gr.Textbox(label="问题（可从上表复制）", max_lines=3, scale=3)
            category = gr.Dropdown([("规划能回答：关联条款", IN_SCOPE)] + [(c, c) for c in CATEGORIES],
                                   value=IN_SCOPE, label="归类", scale=1)
        with gr.Row():
            clause_id = gr.Textbox(label="条款编号（如 qingdao-2021/3.3.5.p1）", max_lines=1)
            evidence = gr.Textbox(label="证据（该条款某一句中的原文片段）", max_lines=2)
        add = gr.Button("加入问题库", variant="primary")
        status = gr.HTML()

    def export_feedback() -> tuple[str, str]:
        path = ctx.feedback.export_csv(ctx.download_path("planqa-feedback", ".csv"))
        counts = ctx.feedback.counts()
        return str(path), f"共 {counts['up'] + counts['down']} 条反馈：👍 {counts['up']}，👎 {counts['down']}。"

    export.click(export_feedback, None, [export_file, stats], api_name="feedback_csv")
    refresh.click(lambda: queue_frame(ctx), None, table, api_name="review_queue")
    add.click(lambda q, c, e, k: add_to_bank(ctx, q, c, e, k), [question, clause_id, evidence, category], status,
              api_name="bank_add")
