"""问答 tab: citizens chat with the plan; cited answers, example questions, 👍/👎 feedback.

API: `ask` (api_name="ask") takes the question text and, optionally, the conversation's earlier questions (a list of
strings, oldest first; follow-ups such as "那2035年呢？" are read against them) and a document id ("" or omitted:
every loaded plan; the chat shows a plan selector when several are loaded) and returns a JSON-ready dict:
{"question", "question_html", "answer", "abstained", "kind", "citations", "related", "notice", "html", "answer_id",
"understood_as"} (`understood_as`: the standalone question answered; the html shows "理解为：…" when it was rewritten).
`answer` is the plain answer text with [n] markers, `citations` the numbered quotes, `notice` a message
for the user when the question could not be asked (too long, empty, too many questions too fast), `html` the
rendered, escaped answer, `answer_id` the server's id of the answer (a 👍/👎 vote refers to it).
"""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from qa.batch import MAX_HISTORY
from qa.records import MAX_QUERY_CHARS, QueryError, check_query, sanitised_text
from ui import render
from ui.common import AppContext
from ui.limits import client_address

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

    def ask(question: str, history: list | None = None, doc: str | None = "",
            request: gr.Request = None) -> dict[str, Any]:
        """Answer one question from the plan, with numbered citations (see module docstring)."""
        text = sanitised_text(question).strip()
        earlier = [h for h in (sanitised_text(h).strip() for h in history[-MAX_HISTORY:])
                   if h and len(h) <= MAX_QUERY_CHARS] if isinstance(history, list) else []
        base: dict[str, Any] = {
            "question": text[: 2 * MAX_QUERY_CHARS], "question_html": render.esc(text[: 2 * MAX_QUERY_CHARS]),
            "answer": "", "abstained": True, "kind": "notice", "citations": [], "related": [], "notice": "",
            "answer_id": "",
        }
        notice = length_notice(text)
        client = client_address(request.client.host if request and request.client else None,
                                request.headers.get("x-forwarded-for") if request else None)
        documents = {d.doc_id: d.title for d in ctx.service.documents()}
        scope = doc.strip() if isinstance(doc, str) else ""
        if notice is None and scope and scope not in documents:
            notice = "没有找到所选的规划，请在“规划范围”中重新选择。"
        if notice is None and not ctx.limiter.allow(client):
            notice = f"提问太频繁了，请 {ctx.limiter.wait_seconds(client)} 秒后再试。"
        if notice is None:
            try:
                check_query(text)
                answer = ctx.service.ask(text, doc=scope or None, history=earlier)
            except QueryError as exc:
                notice = f"无法处理该问题：{exc}"
            except Exception:  # an internal failure must not reach the user as an error page
                log.exception("ask failed for %r", text)
                notice = "抱歉，系统暂时无法回答这个问题，请稍后再试或换一种问法。"
            else:
                data = answer.to_dict()
                record = {"question": text, **data}
                answer_id = ctx.answers.add(record)
                if answer.abstained:
                    # What citizens ask that the plan does not answer is the staff's review queue.
                    ctx.feedback.record("refused", record, answer_id)
                titles = documents if len(documents) > 1 else None  # name each citation's plan when several are loaded
                html = (render.understood_html(answer.understood_as, text)
                        + render.answer_html(answer, ctx.service.clause, titles))
                return {**base, **data, "answer_id": answer_id, "html": html}
        gr.Warning(notice)
        return {**base, "notice": notice, "html": render.notice_html(notice)}

    return ask


def take_question(question: str, history: list[dict], asked: list[str]) -> tuple[str, list[dict], str, list, list]:
    """Move the typed question into the conversation (with a 'searching' placeholder); hand the earlier questions on."""
    text = sanitised_text(question).strip()
    history = history if isinstance(history, list) else []
    asked = asked if isinstance(asked, list) else []
    if not text:
        return "", history, "", asked[-MAX_HISTORY:], asked
    shown = text if len(text) <= 2 * MAX_QUERY_CHARS else text[: 2 * MAX_QUERY_CHARS] + "…"
    history = [*history, {"role": "user", "content": render.question_html(shown)},
               {"role": "assistant", "content": THINKING}]
    # Only questions that can be asked join the conversation's memory (an over-long one is turned away).
    remembered = [*asked, text][-MAX_HISTORY:] if len(text) <= MAX_QUERY_CHARS else asked
    return text, history, "", asked[-MAX_HISTORY:], remembered


def message_text(message: dict) -> str:
    """The text of a chat message (Gradio 6 hands messages back with content as a list of parts)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return ""


def show_answer(result: dict | None, history: list[dict], records: dict) -> tuple[list[dict], dict]:
    """Replace the placeholder with the rendered answer; remember its id for feedback."""
    if not isinstance(result, dict) or not history or message_text(history[-1]) != THINKING:
        return history, records
    history = [*history[:-1], {"role": "assistant", "content": str(result.get("html", ""))}]
    if not result.get("notice") and isinstance(result.get("answer_id"), str):
        # Only the id: the vote looks the answer up in the server's own log, so a forged result stores nothing.
        records = {**records, str(len(history) - 1): result["answer_id"][:32]}
    return history, records


def build(ctx: AppContext) -> None:
    """Lay out the chat tab and wire its events."""
    ask = make_ask(ctx)
    documents = ctx.service.documents()
    with gr.Tab("问答", id="chat"):
        scope = gr.Dropdown([("全部规划", "")] + [(d.title, d.doc_id) for d in documents], value="", label="规划范围",
                            visible=len(documents) > 1, elem_id="pq-scope", interactive=True,
                            allow_custom_value=True)  # an API caller's unknown plan gets the chat's own notice
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
        earlier = gr.JSON(value=[], visible=False, label="此前的问题")  # the ask endpoint's optional history
        asked = gr.State([])  # this conversation's questions, oldest first (cleared by 清空对话)
        result = gr.JSON(visible=False, label="回答")
        records = gr.State({})

    def wire(event, inputs, public: bool = False):
        # The middle step is the public "ask" endpoint (question in, answer dict out); wired once as public.
        visibility = "public" if public else "private"
        (
            event(take_question, [*inputs, asked], [pending, chatbot, question, earlier, asked], api_visibility="private",
                  queue=False)
            .then(ask, [pending, earlier, scope], result, api_name="ask" if public else None, api_visibility=visibility,
                  show_progress="hidden")
            .then(show_answer, [result, chatbot, records], [chatbot, records], api_visibility="private")
        )

    wire(send.click, [question, chatbot], public=True)
    wire(question.submit, [question, chatbot])
    for button, text in zip(example_buttons, example_texts, strict=True):
        wire(button.click, [text, chatbot])

    def reset() -> tuple[list, dict, str, list]:
        return [], {}, "", []

    clear.click(reset, None, [chatbot, records, question, asked], api_visibility="private", queue=False)
    chatbot.clear(reset, None, [chatbot, records, question, asked], api_visibility="private", queue=False)

    def vote(records: dict, evt: gr.LikeData) -> None:
        index = evt.index if isinstance(evt.index, int) else (evt.index[0] if isinstance(evt.index, list | tuple) and evt.index else None)
        answer_id = records.get(str(index)) if isinstance(records, dict) else None
        record = ctx.answers.get(answer_id)
        if record is None:
            gr.Info("这条消息不是规划回答（或已过期），无需评价。")
            return
        if evt.liked is True or evt.liked == "Like":
            choice = "up"
        elif evt.liked is False or evt.liked == "Dislike":
            choice = "down"
        else:
            return
        ctx.feedback.record(choice, record, answer_id)
        gr.Info("感谢您的反馈！" + ("👍" if choice == "up" else "👎 我们会改进这条回答。"))

    # A vote is one quick SQLite write: never held behind answers (no concurrency limit). Its event stream stays open
    # until it is stored, and SIGTERM waits for open streams (bounded), so a shutdown does not drop it.
    chatbot.like(vote, records, None, api_visibility="private", concurrency_limit=None)
