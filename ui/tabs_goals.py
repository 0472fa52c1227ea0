"""规划目标 tab: the plan's numeric goals and status figures, filterable, with a status-vs-target chart.

API: `indicators` (api_name="indicators") takes (year, kind, topic, doc) — "all" or a year ("2025"),
"target"/"status", a topic name, "all" or a document id (optional) — and returns (table {"headers", "data"} with
columns 指标/数值/年份/类型/出处/原文/条款编号/规划, status line, CSV file). With several plans loaded the tab also
lines up indicators of the same name, year and kind across plans (a city's target beside the province's).
"""

from __future__ import annotations

import logging
from collections import defaultdict

import gradio as gr
import pandas as pd

from qa.records import Indicator, QueryError
from ui import render
from ui.common import ALL, AppContext, optional

log = logging.getLogger(__name__)

HEADERS = ["指标", "数值", "年份", "类型", "出处", "原文", "条款编号", "规划"]
KINDS = [("全部", ALL), ("目标", "target"), ("现状", "status")]
KIND_LABEL = {"target": "目标", "status": "现状"}
CHART_COLUMNS = ["年份", "数值", "说明"]


def fetch(ctx: AppContext, year: int | None = None, kind: str | None = None, topic: str | None = None,
          doc: str | None = None) -> list[Indicator]:
    """Indicators from the service ([] when the service has no indicator table yet), by document in load order."""
    getter = getattr(ctx.service, "indicators", None)
    if getter is None:
        return []
    order = {d.doc_id: i for i, d in enumerate(ctx.service.documents())}
    return sorted(getter(year=year, kind=kind, topic=topic, doc=doc), key=lambda i: order.get(i.doc_id, len(order)))


def titles(ctx: AppContext) -> dict[str, str]:
    """Document id -> title of the loaded plans."""
    return {d.doc_id: d.title for d in ctx.service.documents()}


def table(indicators: list[Indicator], names: dict[str, str] | None = None) -> pd.DataFrame:
    """The indicator table shown on the page (the last column names each figure's plan)."""
    names = names or {}
    rows = [[i.name, i.figure(), i.year if i.year is not None else "", KIND_LABEL.get(i.kind, i.kind), i.citation,
             i.quote, i.clause_id, names.get(i.doc_id, i.doc_id)] for i in indicators]
    return pd.DataFrame(rows, columns=HEADERS)


def aligned(indicators: list[Indicator], names: dict[str, str]) -> pd.DataFrame:
    """Indicators of the same name, unit, year and kind found in two or more plans, one column per plan."""
    cells: dict[tuple[str, str, int | None, str], dict[str, str]] = defaultdict(dict)
    for i in indicators:
        cells[(i.name, i.unit, i.year, i.kind)].setdefault(i.doc_id, i.figure())
    columns = ["指标", "年份", "类型", *names.values()]
    rows = [[name, year if year is not None else "", KIND_LABEL.get(kind, kind), *(found.get(d, "—") for d in names)]
            for (name, _unit, year, kind), found in cells.items() if len(found) > 1]
    return pd.DataFrame(rows, columns=columns)


def comparisons(indicators: list[Indicator], status_year: int | None,
                names: dict[str, str] | None = None) -> dict[str, list[Indicator]]:
    """Indicator names (with unit, and plan when several are named) that have a status figure for status_year and
    dated targets in the same plan, oldest first."""
    target_years = sorted({i.year for i in indicators if i.kind == "target" and i.year})
    by_name: dict[tuple[str, str, str], dict[tuple[int, str], Indicator]] = defaultdict(dict)
    for i in indicators:
        if (i.kind == "status" and i.year == status_year) or (i.kind == "target" and i.year in target_years):
            figures = by_name[(i.doc_id, i.name, i.unit)]
            key = (i.year, i.kind)
            # prefer an exact figure ("76.34%") to a bound ("突破70%") for the same year
            if key not in figures or (figures[key].qualifier and not i.qualifier):
                figures[key] = i
    found: dict[str, list[Indicator]] = {}
    several = names is not None and len(names) > 1
    for (doc_id, name, unit), figures in by_name.items():
        status = figures.get((status_year, "status"))
        targets = [figures[(year, "target")] for year in target_years if (year, "target") in figures]
        if status and targets:
            label = f"{name}（{unit}）" if unit else name
            found[f"{label} · {names.get(doc_id, doc_id)}" if several else label] = [status, *targets]
    return found


def chart_frame(figures: list[Indicator]) -> pd.DataFrame:
    """Bars of one indicator: its status figure, then its targets."""
    rows = [[f"{i.year}年{KIND_LABEL.get(i.kind, '')}", i.number, i.figure()] for i in figures]
    return pd.DataFrame(rows, columns=CHART_COLUMNS)


def y_limits(figures: list[Indicator]) -> list[float]:
    """The value axis from zero (bars that start elsewhere exaggerate change) to a little above the top."""
    return [0, max(i.number for i in figures) * 1.12 or 1]


def comparison_html(found: dict[str, list[Indicator]], status_year: int | None) -> str:
    """A compact, escaped list: status figure → targets, for every comparable indicator."""
    if not found:
        return f'<div class="pq-hint">规划中没有同时给出{status_year or ""}年现状和规划目标的同名指标。</div>'
    rows = []
    for label, figures in found.items():
        cells = " → ".join(f"<b>{render.esc(i.figure())}</b>（{i.year}年{KIND_LABEL.get(i.kind, '')}）" for i in figures)
        rows.append(f'<div class="pq-cmp-row"><span class="pq-cmp-name">{render.esc(label)}</span>{cells}</div>')
    return f'<div class="pq-cmp">{"".join(rows)}</div>'


def make_indicators(ctx: AppContext):
    """The `indicators` endpoint (see module docstring)."""

    def indicators(year: str, kind: str, topic: str, doc: str = ALL):
        """Filter the indicator table by year, kind, topic and document."""
        year_value = optional(year)
        names = titles(ctx)
        scope = optional(doc)
        if scope and scope not in names:
            return table([]), "⚠️ 没有这份规划，请重新选择。", None
        try:
            found = fetch(ctx, int(year_value) if year_value and year_value.isdigit() else None,
                          optional(kind), optional(topic), scope)
        except QueryError as exc:
            gr.Warning(str(exc))
            return table([]), f"⚠️ {render.esc(exc)}", None
        status = f"共 {len(found)} 项指标。" if found else "没有符合条件的指标，请放宽筛选条件。"
        frame = table(found, names)
        return frame, status, str(ctx.write_csv(frame, "planqa-indicators"))

    return indicators


def build(ctx: AppContext) -> None:
    """Lay out the goals tab and wire its events."""
    indicators = make_indicators(ctx)
    try:
        everything = fetch(ctx)
    except Exception:  # the indicator table is optional for the rest of the app
        log.exception("indicator table unavailable")
        everything = []
    years = sorted({i.year for i in everything if i.year is not None})
    names = titles(ctx)
    status_year = max((d.profile.status_year for d in ctx.service.documents() if d.profile and d.profile.status_year),
                      default=None)
    found = comparisons(everything, status_year, names)
    labels = list(found)
    with gr.Tab("规划目标", id="goals"):
        if not everything:
            gr.Markdown("⚠️ 指标表暂不可用。")
        gr.Markdown("规划中写明的量化目标（如“到2025年……达到78%左右”）和现状数据，每项都附原文出处。")
        with gr.Row():
            year = gr.Dropdown([("全部年份", ALL)] + [(f"{y}年", str(y)) for y in years], value=ALL, label="年份")
            kind = gr.Dropdown(KINDS, value=ALL, label="类型")
            topic = gr.Dropdown([("全部主题", ALL)] + [(t, t) for t in ctx.service.topics], value=ALL, label="主题")
            doc = gr.Dropdown([("全部规划", ALL)] + [(t, d) for d, t in names.items()], value=ALL, label="规划",
                              visible=len(names) > 1)
            download = gr.DownloadButton("导出指标 CSV",
                                         value=str(ctx.write_csv(table(everything, names), "planqa-indicators")),
                                         scale=0, min_width=160)
        status = gr.Markdown(f"共 {len(everything)} 项指标。")
        grid = gr.Dataframe(
            value=table(everything, names), headers=HEADERS, interactive=False, wrap=True, max_height=520,
            column_widths=["16%", "9%", "6%", "5%", "18%", "27%", "9%", "10%"], label="指标表", elem_id="pq-goals",
        )
        if len(names) > 1:
            lined_up = aligned(everything, names)
            gr.Markdown("#### 跨规划对照（同名、同年份、同类型的指标）")
            if lined_up.empty:
                gr.Markdown("各规划之间没有同名、同年份的指标。")
            else:
                gr.Dataframe(value=lined_up, interactive=False, wrap=True, max_height=360, label="跨规划对照",
                             elem_id="pq-goals-aligned")
        gr.Markdown(f"#### {status_year or ''}年现状与规划目标对比")
        with gr.Row():
            with gr.Column(scale=3):
                pick = gr.Dropdown([(n, n) for n in labels], value=labels[0] if labels else None, label="选择指标",
                                   visible=bool(labels))
                plot = gr.BarPlot(
                    chart_frame(found[labels[0]]) if labels else pd.DataFrame(columns=CHART_COLUMNS),
                    x="年份", y="数值", title=labels[0] if labels else "", tooltip=["年份", "说明"],
                    y_lim=y_limits(found[labels[0]]) if labels else None, y_title=labels[0] if labels else "数值",
                    x_title="", sort=None, height=360, visible=bool(labels), label="现状与目标",
                    elem_id="pq-goals-chart",
                )
            with gr.Column(scale=2):
                gr.HTML(comparison_html(found, status_year))

    inputs, outputs = [year, kind, topic, doc], [grid, status, download]
    year.change(indicators, inputs, outputs, api_name="indicators")
    kind.change(indicators, inputs, outputs, api_visibility="private")
    topic.change(indicators, inputs, outputs, api_visibility="private")
    doc.change(indicators, inputs, outputs, api_visibility="private")

    def pick_chart(name: str):
        figures = found.get(name)
        if not figures:
            return gr.BarPlot(value=pd.DataFrame(columns=CHART_COLUMNS))
        return gr.BarPlot(value=chart_frame(figures), title=name, y_title=name, y_lim=y_limits(figures))

    pick.change(pick_chart, pick, plot, api_visibility="private")
