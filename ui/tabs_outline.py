"""目录 tab: the plan's chapter > section > item tree; choosing a node shows its full text."""

from __future__ import annotations

import gradio as gr

from corpus.records import Clause, Document
from ui import render
from ui.common import AppContext

INDENT = {"chapter": "", "section": "\u3000", "item": "\u3000\u3000", "subitem": "\u3000\u3000\u3000"}


def tops(document: Document) -> list[Clause]:
    """The entries of the chapter dropdown: the preface paragraphs (if any), then the chapters."""
    chapters = [c for c in document.clauses if c.level == "chapter"]
    preface = [c for c in document.clauses if c.parent_id is None and c.level == "paragraph"]
    return (preface[:1] + chapters) if chapters else [c for c in document.clauses if c.parent_id is None]


def top_label(clause: Clause) -> str:
    """Dropdown label of a chapter (or the preface)."""
    return clause.citation if clause.level == "chapter" else (clause.path[0] if clause.path else clause.citation)


def nodes(document: Document, top: Clause) -> list[tuple[str, str]]:
    """Radio choices under one chapter: the chapter itself, its sections and items, indented."""
    inside = [c for c in document.clauses if c.level in ("section", "item")
              and c.start >= top.start and c.end <= top.end and c.id != top.id]
    first = ("本章全文" if top.level == "chapter" else top_label(top), top.id)
    return [first] + [(f"{INDENT[c.level]}{c.label}{' ' if c.level == 'section' else ''}{c.title}", c.id)
                      for c in inside]


def overview(document: Document) -> str:
    """The whole table of contents (chapters and sections) as an escaped nested list."""
    parts = ['<div class="pq-toc">']
    for c in document.clauses:
        if c.level == "chapter":
            parts.append(f'<div class="pq-toc-chapter">{render.esc(c.citation)}</div>')
        elif c.level == "section":
            parts.append(f'<div class="pq-toc-section">{render.esc(c.label)} {render.esc(c.title)}</div>')
    parts.append("</div>")
    return "".join(parts)


def build(ctx: AppContext) -> None:
    """Lay out the structure tab and wire its events."""
    documents = ctx.service.documents()
    if not documents:
        with gr.Tab("目录", id="outline") as tab:
            gr.Markdown("尚未加载任何规划文档。")
        return
    document = documents[0]
    first = tops(document)[0]
    with gr.Tab("目录", id="outline") as tab:
        with gr.Row():
            with gr.Column(scale=2, min_width=280):
                doc = gr.Dropdown([(d.title, d.doc_id) for d in documents], value=document.doc_id, label="文档",
                                  visible=len(documents) > 1)
                chapter = gr.Dropdown([(top_label(c), c.id) for c in tops(document)], value=first.id, label="章",
                                      elem_id="pq-outline-chapter")
                node = gr.Radio(nodes(document, first), value=first.id, label="节 / 条目（点击查看全文）",
                                elem_classes="pq-tree", elem_id="pq-tree")
                with gr.Accordion("全书目录一览", open=False):
                    toc = gr.HTML(overview(document))
            with gr.Column(scale=5):
                text = gr.HTML(render.node_html(document, first), elem_id="pq-node-text")

    def pick_document(doc_id: str):
        chosen = ctx.service.document(doc_id) or document
        top = tops(chosen)[0]
        return (gr.Dropdown(choices=[(top_label(c), c.id) for c in tops(chosen)], value=top.id),
                overview(chosen))

    def pick_chapter(clause_id: str):
        clause = ctx.service.clause(clause_id or "")
        chosen = ctx.service.document(clause.doc_id) if clause else None
        if clause is None or chosen is None:
            return gr.Radio(choices=[], value=None), ""
        return gr.Radio(choices=nodes(chosen, clause), value=clause.id), render.node_html(chosen, clause)

    def pick_node(clause_id: str) -> str:
        """HTML of any chapter, section, item or paragraph by its clause id (a hint for an unknown id)."""
        clause = ctx.service.clause(clause_id if isinstance(clause_id, str) else "")
        chosen = ctx.service.document(clause.doc_id) if clause else None
        if clause is None or chosen is None:
            return '<div class="pq-hint">请选择左侧的章、节或条目。</div>'
        return render.node_html(chosen, clause)

    doc.change(pick_document, doc, [chapter, toc], api_visibility="private")
    chapter.change(pick_chapter, chapter, [node, text], api_visibility="private")
    node.change(pick_node, node, text, api_visibility="private")
    # The API takes any clause id; the radio above only offers the nodes of the chapter on screen.
    with tab:
        gr.api(pick_node, api_name="outline_node")
