"""The PlanQA web app: five tabs over one loaded PlanQA service, and how to start it.

Public API endpoints (call them with gradio_client, e.g. `Client(url).predict("问题", api_name="/ask")`):
  /ask         (question) -> dict with answer, citations, related, notice, html       [ui/tabs_chat.py]
  /search      (query, doc, chapter, topic, k, mode) -> (table, csv, status)          [ui/tabs_search.py]
  /indicators  (year, kind, topic) -> (table, status, csv)                            [ui/tabs_goals.py]
  /evaluate    (gold_file, configurations, answers) -> (status, tables, chart, files) [ui/tabs_eval.py]
  /outline_node (clause_id) -> HTML of that chapter/section/item                      [ui/tabs_outline.py]
  /feedback_csv () -> (CSV of all 👍/👎 votes, counts)                                  [ui/tabs_chat.py]
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from a government web page

from pathlib import Path  # noqa: E402

import gradio as gr  # noqa: E402

from qa.service import PlanQA  # noqa: E402
from ui import tabs_chat, tabs_eval, tabs_goals, tabs_outline, tabs_search  # noqa: E402
from ui.common import AppContext  # noqa: E402
from ui.feedback import FeedbackStore  # noqa: E402
from ui.render import esc  # noqa: E402
from ui.style import CSS, theme  # noqa: E402

TITLE = "PlanQA 规划问答"
# Simultaneous requests per event: answering is CPU-bound, so about one per core (PLANQA_UI_CONCURRENCY overrides).
CONCURRENCY = int(os.environ.get("PLANQA_UI_CONCURRENCY") or max(2, min(8, os.cpu_count() or 2)))
QUEUE_SIZE = 256  # waiting requests beyond this get a "busy" message instead of piling up
MAX_UPLOAD = "5mb"


def build_app(service: PlanQA, feedback_path: Path | None = None) -> gr.Blocks:
    """The Blocks app over a loaded service (feedback goes to data/feedback.sqlite3 unless told otherwise)."""
    ctx = AppContext(service, FeedbackStore(feedback_path))
    documents = service.documents()
    subtitle = "、".join(f"《{d.title}》" for d in documents[:3]) or "（尚未加载规划文档）"
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.HTML(
            f'<div class="pq-header"><h1>{TITLE}</h1><p>依据{esc(subtitle)}原文作答，每个答案都注明出处。'
            "市民可直接提问；工作人员可检索条款、查看规划目标和目录；评测人员可运行基准测试。</p></div>"
        )
        with gr.Tabs():
            tabs_chat.build(ctx)
            tabs_search.build(ctx)
            tabs_goals.build(ctx)
            tabs_outline.build(ctx)
            tabs_eval.build(ctx)
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
    demo.planqa_context = ctx  # type: ignore[attr-defined]  (tests reach the feedback store through it)
    return demo


def launch(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, block: bool = True) -> str:
    """Serve the app on host:port (no share link); return its local URL."""
    ctx: AppContext = demo.planqa_context  # type: ignore[attr-defined]
    _, url, _ = demo.launch(
        server_name=host, server_port=port, share=False, inbrowser=False, show_error=False, quiet=True,
        prevent_thread_lock=not block, max_file_size=MAX_UPLOAD, ssr_mode=False,
        allowed_paths=[str(ctx.downloads)], footer_links=["api", "settings"], theme=theme(), css=CSS,
    )
    return url


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on host right now (for tests and load runs)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def start(service: PlanQA | None = None, feedback_path: Path | None = None,
          host: str = "127.0.0.1") -> tuple[gr.Blocks, str]:
    """Build and serve the app on a free local port without blocking; return (app, url). Close with app.close()."""
    demo = build_app(service or PlanQA.open(), feedback_path)
    return demo, launch(demo, host, free_port(host), block=False)
