"""Write evaluation results as Markdown, JSON and a PNG chart, atomically, into one report folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from corpus.files import atomic_write, atomic_write_bytes
from corpus.paths import PROJECT_ROOT

RUN_JSON = "report.json"
BENCH_JSON = "bench.json"
MARKDOWN = "report.md"
CHART = "report.png"


def default_report_dir() -> Path:
    """reports/latest in the project (not committed)."""
    return PROJECT_ROOT / "reports" / "latest"


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file via a temporary file and a rename, so readers never see half of it."""
    atomic_write_bytes(path, data)


def save_json(folder: Path, name: str, data: dict[str, Any]) -> Path:
    """Save a JSON part of the report."""
    path = folder / name
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))
    return path


def load_json(folder: Path, name: str) -> dict[str, Any] | None:
    """Load a JSON part of the report if present."""
    path = folder / name
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None


def markdown_table(rows: list[dict[str, Any]], first: str) -> str:
    """A Markdown table from dict rows; the `first` key names the row."""
    if not rows:
        return ""
    columns = list(rows[0].keys())
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_fmt(row.get(c)) for c in columns) + " |")
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if value < 100 else f"{value:.0f}"
    return "" if value is None else str(value)


def summary_rows(run: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per retriever configuration: the overall metrics."""
    return [{"retriever": r["name"], **r["overall"]} for r in run.get("retrieval", [])]


def type_rows(run: dict[str, Any], metric: str = "R@5") -> list[dict[str, Any]]:
    """One row per question type, one column per retriever: the given metric."""
    types: dict[str, dict[str, Any]] = {}
    for r in run.get("retrieval", []):
        for qtype, row in r["by_type"].items():
            types.setdefault(qtype, {"type": qtype, "n": row["n"]})[r["name"]] = row[metric]
    return list(types.values())


def render_markdown(folder: Path) -> Path:
    """(Re)write report.md from whatever JSON parts the folder holds."""
    run = load_json(folder, RUN_JSON)
    bench = load_json(folder, BENCH_JSON)
    parts = ["# PlanQA evaluation report", ""]
    if run:
        parts += [f"Gold set: `{run['gold']}` ({run['n_questions']} questions, {run['n_in_plan']} in-plan).", ""]
        parts += ["## Retrieval (in-plan questions)", "", markdown_table(summary_rows(run), "retriever"), ""]
        parts += ["### Recall@5 by question type", "", markdown_table(type_rows(run), "type"), ""]
        if run.get("answers"):
            parts += ["## Answers (`qa ask`)", "", markdown_table([run["answers"]["summary"]], "metric"), ""]
            if run["answers"].get("by_group"):
                parts += ["### Answers by question type and out-of-plan category", "",
                          markdown_table(run["answers"]["by_group"], "group"), ""]
        if run.get("followups"):
            f = run["followups"]
            parts += [f"## Follow-up questions (`{f['gold']}`)", "", markdown_table(f["rows"], "kind"), "",
                      f"No-harm: {f['no_harm']:.3f} of {f['no_harm_n']} questions answered the same after an unrelated"
                      " earlier question.", ""]
            if f.get("openings_answerable"):
                parts += [f"Opening questions the plan answers, refused: {f['openings_refused']} of"
                          f" {f['openings_answerable']} (a later turn has nothing to build on then).", ""]
        parts += [f"Chart: `{CHART}`", ""]
    if bench:
        rows = [{"measure": k, "value": v} for k, v in bench.get("figures", {}).items()]
        parts += ["## Benchmarks", "", markdown_table(rows, "measure"), ""]
    path = folder / MARKDOWN
    write_atomic(path, "\n".join(parts).encode("utf-8"))
    return path


def render_chart(folder: Path, run: dict[str, Any]) -> Path:
    """Bar charts: overall metrics per retriever, and Recall@5 per question type per retriever."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    rows = summary_rows(run)
    metrics = ["R@1", "R@3", "R@5", "R@10", "MRR@10", "nDCG@10"]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    width = 0.8 / max(1, len(rows))
    for i, row in enumerate(rows):
        axes[0].bar([m + i * width for m in range(len(metrics))], [row[m] for m in metrics], width, label=row["retriever"])
    axes[0].set_xticks([m + 0.4 - width / 2 for m in range(len(metrics))], metrics)
    axes[0].set_ylim(0, 1)
    axes[0].set_title("Retrieval metrics by configuration")
    axes[0].legend(fontsize=8)
    types = type_rows(run)
    for i, row in enumerate(rows):
        axes[1].bar([t + i * width for t in range(len(types))], [tr.get(row["retriever"], 0) for tr in types], width, label=row["retriever"])
    axes[1].set_xticks([t + 0.4 - width / 2 for t in range(len(types))], [t["type"] for t in types], rotation=20)
    axes[1].set_ylim(0, 1)
    axes[1].set_title("Recall@5 by question type")
    fig.tight_layout()
    path = folder / CHART
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)
    return path
