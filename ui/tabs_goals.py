"""规划目标 tab: the plan's numeric goals and status figures, filterable, with a status-vs-target chart.

API: `indicators` (api_name="indicators") takes (year, kind, topic) — "all" or a year ("2025"),
"target"/"status", a topic name — and returns (table {"headers", "data"} with columns
指标/数值/年份/类型/出处/原文/条款编号, status line, CSV file).
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

HEADERS = ["指标", "数值", "年份", "类型", "出处", "原文", "条款编号"]
KINDS = [("全部", ALL), ("目标", "target"), ("现状", "status")]
KIND_LABEL = {"target": "目标", "status": "现状"}
CHART_COLUMNS = ["年份", "数值", "说明"]


def fetch(ctx: AppContext, year: int | None = None, kind: str | None = None, topic: str | None = None) -> list[Indicator]:
    """Indicators from the service ([] when the service has no indicator table yet)."""
    getter = getattr(ctx.service, "indicators", None)
    if getter is None:
        return []
    return list(getter(year=year, kind=kind, topic=topic))


def table(indicators: list[Indicator]) -> pd.DataFrame:
    """The indicator table shown on the page."""
    rows = [[i.name, i.figure(), i.year if i.year is not None else "", KIND_LABEL.get(i.kind, i.kind), i.citation,
             i.quote, i.clause_id] for i in indicators]
    return pd.DataFrame(rows, columns=HEADERS)


def comparisons(indicators: list[Indicator], status_year: int | None) -> dict[str, list[Indicator]]:
    """Indicator names (with unit) that have a status figure for status_year and dated targets, oldest first."""
    target_years = sorted({i.year for i in indicators if i.kind == "target" and i.year})
    by_name: dict[tuple[str, str], dict[tuple[int, str], Indicator]] = defaultdict(dict)
    for i in indicators:
        if (i.kind == "status" and i.year == status_year) or (i.kind == "target" and i.year in target_years):
            figures = by_name[(i.name, i.unit)]
            key = (i.year, i.kind)
            # prefer an exact figure ("76.34%") to a bound ("突破70%") for the same year
            if key not in figures or (figures[key].qualifier and not i.qualifier):
                figures[key] = i
    found: dict[str, list[Indicator]] = {}
    for (name, unit), figures in by_name.items():
        status = figures.get((status_year, "status"))
        targets = [figures[(year, "target")] for year in target_years if (year, "target") in figures]
        if status and targets:
            found[f"{name}（{unit}）" if unit else name] = [status, *targets]
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

    def indicators(year: str, kind: str, topic: str):
        """Filter the indicator table by year, kind and topic."""
        year_value = optional(year)
        try:
            found = fetch(ctx, int(year_value) if year_value and year_value.isdigit() else None,
                          optional(kind), optional(topic))
        except QueryError as exc:
            gr.Warning(str(exc))
            return table([]), f"⚠️ {render.esc(exc)}", None
        status = f"共 {len(found)} 项指标。" if found else "没有符合条件的指标，请放宽筛选条件。"
        frame = table(found)
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
    status_year = max((d.profile.status_year for d in ctx.service.documents() if d.profile and d.profile.status_year),
                      default=None)
    found = comparisons(everything, status_year)
    names = list(found)
    with gr.Tab("规划目标", id="goals"):
        if not everything:
            gr.Markdown("⚠️ 指标表暂不可用。")
        gr.Markdown("规划中写明的量化目标（如“到2025年……达到78%左右”）和现状数据，每项都附原文出处。")
        with gr.Row():
            year = gr.Dropdown([("全部年份", ALL)] + [(f"{y}年", str(y)) for y in years], value=ALL, label="年份")
            kind = gr.Dropdown(KINDS, value=ALL, label="类型")
            topic = gr.Dropdown([("全部主题", ALL)] + [(t, t) for t in ctx.service.topics], value=ALL, label="主题")
            download = gr.DownloadButton("导出指标 CSV", value=str(ctx.write_csv(table(everything), "planqa-indicators")),
                                         scale=0, min_width=160)
        status = gr.Markdown(f"共 {len(everything)} 项指标。")
        grid = gr.Dataframe(
            value=table(everything), headers=HEADERS, interactive=False, wrap=True, max_height=520,
            column_widths=["18%", "10%", "6%", "6%", "20%", "30%", "10%"], label="指标表", elem_id="pq-goals",
        )
        gr.Markdown(f"#### {status_year or ''}年现状与规划目标对比")
        with gr.Row():
            with gr.Column(scale=3):
                pick = gr.Dropdown([(n, n) for n in names], value=names[0] if names else None, label="选择指标",
                                   visible=bool(names))
                plot = gr.BarPlot(
                    chart_frame(found[names[0]]) if names else pd.DataFrame(columns=CHART_COLUMNS),
                    x="年份", y="数值", title=names[0] if names else "", tooltip=["年份", "说明"],
                    y_lim=y_limits(found[names[0]]) if names else None, y_title=names[0] if names else "数值",
                    x_title="", sort=None, height=360, visible=bool(names), label="现状与目标",
                    elem_id="pq-goals-chart",
                )
            with gr.Column(scale=2):
                gr.HTML(comparison_html(found, status_year))

    inputs, outputs = [year, kind, topic], [grid, status, download]
    year.change(indicators, inputs, outputs, api_name="indicators")
    kind.change(indicators, inputs, outputs, api_visibility="private")
    topic.change(indicators, inputs, outputs, api_visibility="private")

    def pick_chart(name: str):
        figures = found.get(name)
        if not figures:
            return gr.BarPlot(value=pd.DataFrame(columns=CHART_COLUMNS))
        return gr.BarPlot(value=chart_frame(figures), title=name, y_title=name, y_lim=y_limits(figures))

    pick.change(pick_chart, pick, plot, api_visibility="private")
