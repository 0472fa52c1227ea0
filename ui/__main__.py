"""Placeholder web app until the real one lands: browse the plan's clause tree."""

from __future__ import annotations

import argparse

import gradio as gr

from corpus.store import CorpusStore


def main() -> None:
    """Start a minimal Gradio page listing the plan's chapters and sections."""
    parser = argparse.ArgumentParser(prog="python -m ui")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    args = parser.parse_args()
    document = CorpusStore.default().load_all()[0]
    outline = "\n".join(f"- {c.citation}" for c in document.clauses if c.level in ("chapter", "section"))
    with gr.Blocks(title="PlanQA 规划问答") as app:
        gr.Markdown(f"# PlanQA 规划问答\n\n{document.title}\n\n{outline}")
    app.launch(server_name=args.host, server_port=args.port)


if __name__ == "__main__":
    main()
