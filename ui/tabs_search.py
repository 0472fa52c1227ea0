"""条款检索 tab: staff search clauses by words, document, chapter and topic; see a clause in context; export CSV.

API: `search` (api_name="search") takes (query, doc, chapter, topic, k, mode) — doc/chapter/topic are "all"
or a document id / chapter number ("6") / topic name, mode is hybrid|bm25|dense — and returns
(results table {"headers", "data"} with columns 排名/条款/内容/得分/条款编号, the CSV file, a status line).
The 内容 column is escaped HTML with the query terms in <mark>.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
import pandas as pd

from qa.records import MAX_QUERY_CHARS, QueryError
from ui import render
from ui.common import ALL, AppContext, optional

HEADERS = ["排名", "条款", "内容（检索词高亮）", "得分", "条款编号"]
MODES = [("混合检索（推荐）", "hybrid"), ("关键词 BM25", "bm25"), ("语义向量", "dense")]
HINT = '<div class="pq-context pq-hint">点击左侧结果中的一行，这里会显示该条款在规划中的位置和上下文。</div>'


def empty_table() -> pd.DataFrame:
    """The results table with no rows."""
    return pd.DataFrame(columns=HEADERS)


def terms_of(ctx: AppContext, query: str) -> list[str]:
    """The query's content words and their everyday-word expansions (what the results are highlighted with)."""
    return ctx.service.query_terms(query)


def make_search(ctx: AppContext):
    """The `search` endpoint (see module docstring)."""

    def search(query: str, doc: str, chapter: str, topic: str, k: float, mode: str):
        """Search the plan's clauses; returns (table, hits for the context view, CSV download, status)."""
        text = (query or "").strip()
        topic_name = optional(topic)
        fail = (empty_table(), [], None)
        if not text and not topic_name:
            message = "请输入检索词，或选择一个主题以按规划顺序列出该主题的全部条款。"
            gr.Warning(message)
            return *fail, f"⚠️ {message}"
        if len(text) > MAX_QUERY_CHARS:
            message = f"检索词太长了（{len(text)} 个字），请精简到 {MAX_QUERY_CHARS} 个字以内。"
            gr.Warning(message)
            return *fail, f"⚠️ {message}"
        chapter_value = optional(chapter)
        try:
            hits = ctx.service.search(
                text, k=max(1, min(200, int(k or 10))), doc=optional(doc),
                chapter=int(chapter_value) if chapter_value and chapter_value.isdigit() else None,
                topic=topic_name, mode=mode if mode in ("hybrid", "bm25", "dense") else "hybrid",
            )
        except QueryError as exc:
            gr.Warning(str(exc))
            return *fail, f"⚠️ {render.esc(exc)}"
        terms = terms_of(ctx, text)
        rows = [[h.rank, h.citation, render.search_snippet(h, terms), round(h.score, 4) if text else None, h.clause_id]
                for h in hits]
        table = pd.DataFrame(rows, columns=HEADERS)
        plain = pd.DataFrame(
            [[h.rank, h.citation, h.clause_id, h.text, round(h.score, 4) if text else ""] for h in hits],
            columns=["排名", "条款", "条款编号", "原文", "得分"],
        )
        csv_path = ctx.write_csv(plain, "planqa-search")
        saved = [{"clause_id": h.clause_id, "doc_id": h.doc_id, "rank": h.rank} for h in hits]
        if text:
            status = f"“{render.esc(text)}”：找到 {len(hits)} 条相关条款，按相关度排序。"
        else:
            status = f"主题“{render.esc(topic_name)}”：共列出 {len(hits)} 条条款，按规划顺序排列。"
        if not hits:
            status = "没有找到符合条件的条款，请换个说法或放宽筛选条件。"
        return table, saved, str(csv_path) if hits else None, status

    return search


def build(ctx: AppContext) -> None:
    """Lay out the clause search tab and wire its events."""
    search = make_search(ctx)
    topics = [("全部主题", ALL)] + [(t, t) for t in ctx.service.topics]
    with gr.Tab("条款检索", id="search"):
        with gr.Row(equal_height=True):
            query = gr.Textbox(label="检索词", placeholder="如：海绵城市、宅基地、积分落户、轨道交通", scale=5,
                               elem_id="pq-search-query")
            k = gr.Slider(1, 50, value=10, step=1, label="结果数", scale=2)
        with gr.Row():
            doc = gr.Dropdown(ctx.document_choices(), value=ALL, label="文档")
            chapter = gr.Dropdown(ctx.chapter_choices(None), value=ALL, label="章")
            topic = gr.Dropdown(topics, value=ALL, label="主题（检索词留空则列出该主题全部条款）")
            mode = gr.Dropdown(MODES, value="hybrid", label="检索方式")
        with gr.Row():
            go = gr.Button("检索", variant="primary", scale=0, min_width=160, elem_id="pq-search-go")
            download = gr.DownloadButton("导出结果 CSV", visible=False, scale=0, min_width=160)
        status = gr.HTML(elem_id="pq-search-status")  # HTML, escaped: a query is never read as Markdown
        with gr.Row():
            with gr.Column(scale=3):
                table = gr.Dataframe(
                    value=empty_table(), headers=HEADERS, datatype=["number", "str", "html", "number", "str"],
                    interactive=False, wrap=True, column_widths=["6%", "21%", "53%", "8%", "12%"], max_height=720,
                    label="检索结果（点击一行查看上下文）", elem_id="pq-search-results",
                )
            with gr.Column(scale=2):
                context = gr.HTML(HINT, elem_id="pq-search-context")
        hits = gr.State([])

    inputs = [query, doc, chapter, topic, k, mode]
    outputs = [table, hits, download, status]

    def after_search(csv_path: str | None):
        return HINT, gr.DownloadButton(visible=bool(csv_path))

    for event, visibility in ((go.click, "public"), (query.submit, "private")):
        event(search, inputs, outputs, api_name="search" if visibility == "public" else None,
              api_visibility=visibility).then(after_search, download, [context, download], api_visibility="private")

    def chapters_of(doc_id: str):
        return gr.Dropdown(choices=ctx.chapter_choices(doc_id), value=ALL)

    doc.change(chapters_of, doc, chapter, api_visibility="private", queue=False)

    def show_context(saved: list[dict[str, Any]], query: str, evt: gr.SelectData) -> str:
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        rank = None
        if evt.row_value:
            try:
                rank = int(evt.row_value[0])
            except (TypeError, ValueError):
                rank = None
        chosen = next((s for s in saved if s["rank"] == rank), None)
        if chosen is None and isinstance(row, int) and 0 <= row < len(saved):
            chosen = saved[row]
        if chosen is None:
            return HINT
        document = ctx.service.document(chosen["doc_id"])
        if document is None:
            return HINT
        return render.clause_context(document, chosen["clause_id"], terms_of(ctx, query))

    table.select(show_context, [hits, query], context, api_visibility="private")
