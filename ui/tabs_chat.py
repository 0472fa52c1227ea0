"""问答 tab: citizens chat with the plan; cited answers, example questions, 👍/👎 feedback.

API: `ask` (api_name="ask") takes the question text and returns a JSON-ready dict:
{"question", "question_html", "answer", "abstained", "kind", "citations", "related", "notice", "html"}.
`answer` is the plain answer text with [n] markers, `citations` the numbered quotes, `notice` a message
for the user when the question could not be asked (too long, empty), `html` the rendered, escaped answer.
"""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from qa.records import MAX_QUERY_CHARS, QueryError, check_query
from ui import render
from ui.common import AppContext

log = logging.getLogger(__name__)

MAX_EXAMPLES = 6


def welcome(titles: list[str]) -> str:
    """The chat's greeting, naming the loaded plans."""
    named = "、".join(f"《{t}》" for t in titles[:3]) + ("等规划" if len(titles) > 3 else "")
    return (
        "### 您好！请用日常语言提问\n"
        f"我会在{named or '已收录的规划'}原文中查找答案，每句回答都标注出处 [1]、[2]……，"
        "下方卡片给出原文。规划里没有写的内容，我会如实告诉您，并列出相关条款供参考。"
    )


def examples(ctx: AppContext) -> list[str]:
    """Example questions from the loaded documents' profiles."""
    found = [q for d in ctx.service.documents() if d.profile for q in d.profile.examples]
    return list(dict.fromkeys(found))[:MAX_EXAMPLES]
THINKING = '<div class="pq-answer"><div class="pq-thinking">正在规划原文中查找…</div></div>'


def length_notice(text: str) -> str | None:
    """A Chinese notice for an empty or over-long question, or None when it can be asked."""
    if not text:
        return "请先输入您的问题。"
    if len(text) > MAX_QUERY_CHARS:
        return f"问题太长了（{len(text)} 个字），请精简到 {MAX_QUERY_CHARS} 个字以内再提问。"
    return None


def make_ask(ctx: AppContext):
    """The `ask` endpoint: a question in, a JSON-ready answer dict out (never raises)."""

    def ask(question: str) -> dict[str, Any]:
        """Answer one question from the plan, with numbered citations (see module docstring)."""
        text = (question or "").strip()
        base: dict[str, Any] = {
            "question": text, "question_html": render.esc(text), "answer": "", "abstained": True,
            "kind": "notice", "citations": [], "related": [], "notice": "",
        }
        notice = length_notice(text)
        if notice is None:
            try:
                check_query(text)
                answer = ctx.service.ask(text)
            except QueryError as exc:
                notice = f"无法处理该问题：{exc}"
            except Exception:  # an internal failure must not reach the user as an error page
                log.exception("ask failed for %r", text)
                notice = "抱歉，系统暂时无法回答这个问题，请稍后再试或换一种问法。"
            else:
                data = answer.to_dict()
                if answer.abstained:
                    # What citizens ask that the plan does not answer is the staff's review queue.
                    ctx.feedback.record("refused", {"question": text, **data})
                return {**base, **data, "html": render.answer_html(answer, ctx.service.clause)}
        gr.Warning(notice)
        return {**base, "notice": notice, "html": render.notice_html(notice)}

    return ask


def take_question(question: str, history: list[dict]) -> tuple[str, list[dict], str]:
    """Move the typed question into the conversation (with a 'searching' placeholder)."""
    text = (question or "").strip()
    if not text:
        return "", history, ""
    shown = text if len(text) <= 2 * MAX_QUERY_CHARS else text[: 2 * MAX_QUERY_CHARS] + "…"
    history = [*history, {"role": "user", "content": render.question_html(shown)},
               {"role": "assistant", "content": THINKING}]
    return text, history, ""


def message_text(message: dict) -> str:
    """The text of a chat message (Gradio 6 hands messages back with content as a list of parts)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return ""


def show_answer(result: dict | None, history: list[dict], records: dict) -> tuple[list[dict], dict]:
    """Replace the placeholder with the rendered answer; remember it for feedback."""
    if not result or not history or message_text(history[-1]) != THINKING:
        return history, records
    history = [*history[:-1], {"role": "assistant", "content": result.get("html", "")}]
    if not result.get("notice"):
        keep = ("question", "answer", "abstained", "kind", "citations")
        records = {**records, str(len(history) - 1): {k: result.get(k) for k in keep}}
    return history, records


def build(ctx: AppContext) -> None:
    """Lay out the chat tab and wire its events."""
    ask = make_ask(ctx)
    with gr.Tab("问答", id="chat"):
        chatbot = gr.Chatbot(
            value=[], label="规划问答", show_label=False, height=600, latex_delimiters=[], placeholder=welcome([d.title for d in ctx.service.documents()]),
            feedback_options=("Like", "Dislike"), elem_id="pq-chat", buttons=[],
        )
        with gr.Row(equal_height=True):
            question = gr.Textbox(
                placeholder="输入您的问题，例如：外地来打工的，孩子能在这读书吗（按回车发送）",
                show_label=False, lines=1, max_lines=4, scale=8, elem_id="pq-question", autofocus=True,
            )
            send = gr.Button("提问", variant="primary", scale=1, min_width=90, elem_id="pq-send")
            clear = gr.Button("清空对话", scale=1, min_width=90, elem_id="pq-clear")
        gr.Markdown("**试试这些问题：**", elem_classes="pq-examples-label")
        with gr.Row(elem_classes="pq-examples"):
            shown = examples(ctx)
            example_buttons = [gr.Button(q, size="sm", variant="secondary", min_width=60) for q in shown]
        example_texts = [gr.State(q) for q in shown]
        gr.Markdown(
            "答案全部摘自规划原文；👍/👎 帮助我们改进。本服务不提供规划之外的政策解读，具体办理请咨询相关部门。",
            elem_classes="pq-footnote",
        )
        pending = gr.Textbox(visible=False, label="问题")
        result = gr.JSON(visible=False, label="回答")
        records = gr.State({})
        with gr.Accordion("工作人员：导出用户反馈", open=False):
            stats = gr.Markdown()
            with gr.Row():
                export = gr.Button("导出反馈 CSV", size="sm", scale=0, min_width=160)
                export_file = gr.File(label="反馈记录", interactive=False, scale=3)

    def wire(event, inputs, public: bool = False):
        # The middle step is the public "ask" endpoint (question in, answer dict out); wired once as public.
        visibility = "public" if public else "private"
        (
            event(take_question, inputs, [pending, chatbot, question], api_visibility="private", queue=False)
            .then(ask, pending, result, api_name="ask" if public else None, api_visibility=visibility,
                  show_progress="hidden")
            .then(show_answer, [result, chatbot, records], [chatbot, records], api_visibility="private")
        )

    wire(send.click, [question, chatbot], public=True)
    wire(question.submit, [question, chatbot])
    for button, text in zip(example_buttons, example_texts, strict=True):
        wire(button.click, [text, chatbot])

    def reset() -> tuple[list, dict, str]:
        return [], {}, ""

    clear.click(reset, None, [chatbot, records, question], api_visibility="private", queue=False)
    chatbot.clear(reset, None, [chatbot, records, question], api_visibility="private", queue=False)

    def vote(records: dict, evt: gr.LikeData) -> None:
        index = evt.index if isinstance(evt.index, int) else evt.index[0]
        record = records.get(str(index))
        if record is None:
            gr.Info("这条消息不是规划回答，无需评价。")
            return
        if evt.liked is True or evt.liked == "Like":
            choice = "up"
        elif evt.liked is False or evt.liked == "Dislike":
            choice = "down"
        else:
            return
        ctx.feedback.record(choice, record)
        gr.Info("感谢您的反馈！" + ("👍" if choice == "up" else "👎 我们会改进这条回答。"))

    chatbot.like(vote, records, None, api_visibility="private")

    def export_feedback() -> tuple[str, str]:
        path = ctx.feedback.export_csv(ctx.download_path("planqa-feedback", ".csv"))
        counts = ctx.feedback.counts()
        return str(path), f"共 {counts['up'] + counts['down']} 条反馈：👍 {counts['up']}，👎 {counts['down']}。"

    export.click(export_feedback, None, [export_file, stats], api_name="feedback_csv")
