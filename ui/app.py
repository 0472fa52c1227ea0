"""The PlanQA web app: the citizens' chat (public) and the staff tools (behind a login), over one loaded service.

Public API of the chat app at / (call with gradio_client, e.g. `Client(url).predict("问题", api_name="/ask")`):
  /ask          (question) -> dict with answer, citations, related, notice, html, answer_id  [ui/tabs_chat.py]
Staff app at /staff/ (a logged-in session cookie is required; see ui/server.py):
  /search       (query, doc, chapter, topic, k, mode) -> (table, csv, status)             [ui/tabs_search.py]
  /indicators   (year, kind, topic) -> (table, status, csv)                               [ui/tabs_goals.py]
  /outline_node (clause_id) -> HTML of that chapter/section/item                          [ui/tabs_outline.py]
  /evaluate     (gold_file, configurations, answers, shipped set) -> (status, tables, chart, files) [ui/tabs_eval.py]
  /feedback_csv () -> (CSV of all votes, counts); /review_queue; /bank_add                [ui/tabs_review.py]
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from a government web page

from pathlib import Path  # noqa: E402

import gradio as gr  # noqa: E402

from qa.service import PlanQA  # noqa: E402
from ui import tabs_chat, tabs_eval, tabs_goals, tabs_outline, tabs_review, tabs_search  # noqa: E402
from ui.common import CONCURRENCY, AppContext  # noqa: E402
from ui.feedback import FeedbackStore  # noqa: E402
from ui.render import esc  # noqa: E402

TITLE = "PlanQA 规划问答"
QUEUE_SIZE = 256  # waiting requests beyond this get a "busy" message instead of piling up
STAFF_QUEUE_SIZE = 16  # staff are few; a flood of staff requests cannot grow a long queue either
MAX_UPLOAD = "5mb"
STAFF_CACHE = (600, 3600)  # Gradio deletes its cached files (uploads, outputs) older than an hour, every 10 minutes


def context(service: PlanQA, feedback_path: Path | None = None) -> AppContext:
    """What both apps share: the service, the feedback store, the answer log and the rate limiter."""
    return AppContext(service, FeedbackStore(feedback_path))


def _header(ctx: AppContext, line: str) -> None:
    documents = ctx.service.documents()
    subtitle = "、".join(f"《{d.title}》" for d in documents[:3]) or "（尚未加载规划文档）"
    gr.HTML(f'<div class="pq-header"><h1>{TITLE}</h1><p>依据{esc(subtitle)}原文作答，每个答案都注明出处。{line}</p></div>')


def build_public_app(ctx: AppContext) -> gr.Blocks:
    """The citizens' app: the chat and nothing that writes files, runs long jobs or reads feedback."""
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        _header(ctx, "请直接提问，规划里没有写的内容会如实告诉您。")
        with gr.Tabs():
            tabs_chat.build(ctx)
        gr.HTML('<div class="pq-footnote"><a href="staff/" rel="nofollow">工作人员入口</a></div>')
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
    demo.planqa_context = ctx  # type: ignore[attr-defined]
    return demo


def build_staff_app(ctx: AppContext) -> gr.Blocks:
    """The staff app: clause search with exports, goals, structure, evaluation, feedback and the bank review queue."""
    with gr.Blocks(title=f"{TITLE} · 工作人员", analytics_enabled=False, delete_cache=STAFF_CACHE) as demo:
        _header(ctx, '工作人员页面：检索条款、查看规划目标和目录、运行评测、审阅市民反馈。<a href="logout">退出登录</a>')
        with gr.Tabs():
            tabs_search.build(ctx)
            tabs_goals.build(ctx)
            tabs_outline.build(ctx)
            tabs_eval.build(ctx)
            tabs_review.build(ctx)
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=STAFF_QUEUE_SIZE)
    demo.planqa_context = ctx  # type: ignore[attr-defined]
    return demo


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on host right now (for tests and load runs)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def free_ports(count: int, host: str = "127.0.0.1") -> int:
    """The first of `count` consecutive free ports (for several workers)."""
    from ui.workers import port_problem

    for _ in range(50):
        first = free_port(host)
        if all(port_problem(host, first + i) is None for i in range(count)):
            return first
    raise OSError(f"no {count} consecutive free ports on {host}")


def start(service: PlanQA | None = None, feedback_path: Path | None = None, host: str = "127.0.0.1",
          accounts_path: Path | None = None):
    """Serve both apps on a free local port without blocking; return (server, url). Stop with server.close()."""
    from ui.server import build_server, serve_in_thread

    app = build_server(service or PlanQA.open(), feedback_path, accounts_path)
    server = serve_in_thread(app, host, free_port(host))
    return server, server.url
