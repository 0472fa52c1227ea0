"""The page's look: a calm blue theme with local Chinese fonts, and the CSS of answers and citation cards."""

from __future__ import annotations

import gradio as gr

FONTS = ("PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
         "ui-sans-serif", "system-ui", "sans-serif")


def theme() -> gr.themes.Base:
    """Soft blue theme using fonts already on the reader's machine (no font downloads)."""
    return gr.themes.Soft(primary_hue="blue", secondary_hue="sky", neutral_hue="slate", font=FONTS,
                          font_mono=("ui-monospace", "Consolas", "monospace")).set(
        button_primary_background_fill="*primary_600", button_primary_background_fill_hover="*primary_700",
        button_primary_text_color="white", button_primary_text_color_hover="white",
    )


CSS = """
.gradio-container { max-width: 1280px !important; margin: 0 auto !important; }
.pq-header { padding: 6px 4px 2px 4px; }
.pq-header h1 { margin: 0 0 4px 0; font-size: 1.7em; color: #1e40af; }
.pq-header p { margin: 0; color: #475569; font-size: 0.95em; }

/* chat */
.pq-question { white-space: pre-wrap; word-break: break-word; }
.pq-answer { line-height: 1.75; }
.pq-text { font-size: 1.02em; }
.pq-refusal { color: #7c2d12; background: #fff7ed; border-left: 4px solid #fb923c; padding: 8px 12px;
  border-radius: 6px; }
.pq-understood { color: #475569; font-size: 0.9em; margin-bottom: 4px; }
.pq-notice { color: #854d0e; background: #fefce8; border-left: 4px solid #eab308; padding: 8px 12px;
  border-radius: 6px; }
.pq-thinking { color: #64748b; font-style: italic; }
sup.pq-ref { color: #1d4ed8; font-weight: 600; font-size: 0.78em; margin: 0 1px; }
.pq-section { margin: 14px 0 6px 0; font-size: 0.85em; font-weight: 600; color: #475569;
  border-top: 1px dashed #cbd5e1; padding-top: 8px; }
.pq-card { border: 1px solid #dbeafe; background: #f8fbff; border-radius: 8px; padding: 8px 12px;
  margin: 6px 0; font-size: 0.92em; }
.pq-card-related { border-color: #e2e8f0; background: #f8fafc; }
.pq-card-head { display: flex; align-items: baseline; gap: 8px; margin-bottom: 4px; }
.pq-n { display: inline-block; min-width: 1.6em; text-align: center; background: #1d4ed8; color: #fff;
  border-radius: 999px; font-size: 0.8em; font-weight: 600; padding: 0 6px; }
.pq-n-related { background: #64748b; }
.pq-cite { font-weight: 600; color: #1e3a8a; }
.pq-doc { color: #475569; font-size: .92em; margin-right: .35em; }
.pq-card-related .pq-cite { color: #334155; }
.pq-snippet { color: #334155; }
mark.pq-near { background: #e0f2fe; color: inherit; padding: 0 1px; border-radius: 2px; }
mark.pq-quote { background: #fde68a; color: inherit; padding: 0 1px; border-radius: 2px; }
.pq-more summary { cursor: pointer; color: #2563eb; font-size: 0.88em; margin-top: 4px; }
.pq-full { margin-top: 6px; padding: 8px; background: #fff; border-radius: 6px; border: 1px solid #e2e8f0;
  color: #334155; }
.pq-examples { flex-wrap: wrap !important; gap: 8px !important; }
.pq-examples button { flex: 0 0 auto !important; width: auto !important; min-width: 0 !important;
  white-space: nowrap; border-radius: 999px !important; }
.pq-examples-label p, .pq-footnote p { margin: 0 !important; }
.pq-footnote { color: #64748b; font-size: 0.85em; }

/* search and context */
#pq-search-results mark, .pq-context mark { background: #fde68a; color: inherit; padding: 0 1px; }
.pq-hl { background: #e0f2fe; }
.pq-context { border: 1px solid #e2e8f0; border-radius: 8px; padding: 10px 14px; background: #fff;
  line-height: 1.7; }
.pq-hint { color: #64748b; }
.pq-path { font-weight: 600; color: #1e3a8a; margin-bottom: 2px; }
.pq-cid { font-size: 0.8em; color: #94a3b8; margin-bottom: 8px; }
.pq-ctx { border-left: 3px solid #e2e8f0; padding: 4px 10px; margin: 8px 0; color: #64748b; font-size: 0.92em; }
.pq-ctx-main { border-left-color: #2563eb; color: #0f172a; background: #f8fbff; font-size: 1em; }
.pq-ctx-head { font-size: 0.85em; color: #475569; margin-bottom: 2px; }

/* structure */
.pq-tree .wrap { flex-direction: column !important; gap: 2px !important; }
.pq-tree label { width: 100%; white-space: pre-wrap; }
.pq-node { line-height: 1.8; padding: 4px 8px; }
.pq-node-title { color: #1e3a8a; margin: 4px 0 10px 0; }
.pq-node-h { font-weight: 700; margin: 14px 0 4px 0; color: #1e293b; }
.pq-node-section { font-size: 1.08em; color: #1e40af; }
.pq-node-p { text-indent: 2em; margin: 4px 0; }
.pq-toc-chapter { font-weight: 600; margin-top: 6px; }
.pq-toc-section { padding-left: 1.5em; color: #475569; }

/* goals and evaluation */
.pq-cmp-row { padding: 6px 0; border-bottom: 1px solid #f1f5f9; }
.pq-cmp-name { display: block; font-weight: 600; color: #1e3a8a; }
.pq-error { color: #991b1b; background: #fef2f2; border: 1px solid #fecaca; border-radius: 8px; padding: 10px 14px; }
"""
