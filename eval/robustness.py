"""Rewording robustness: does a reworded question find the same top clause and lead with the same citation?"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from eval.gold import DEV_SET, GOLD_DIR, GoldError, load_gold
from qa.records import Answer
from qa.service import PlanQA

REWORDINGS = GOLD_DIR / "rewordings.jsonl"


@dataclass
class Robustness:
    """Shares of rewordings that keep their source question's top clause and lead citation."""

    n: int
    same_top_clause: float
    same_lead_citation: float
    by_variant: dict[str, tuple[float, float]]

    def row(self) -> dict[str, float | int]:
        """Flat dict for tables."""
        return {"rewordings": self.n, "same top clause": round(self.same_top_clause, 4),
                "same lead citation": round(self.same_lead_citation, 4)}


def _lead(answer: Answer) -> str:
    return "refused" if answer.abstained or not answer.citations else answer.citations[0].clause_id


def measure_robustness(service: PlanQA, path: Path = REWORDINGS, sources: Path = DEV_SET) -> Robustness:
    """Ask every rewording and its source question; compare the top clause and the lead citation."""
    texts = [d.clean_text for d in service.documents()]
    rewordings = load_gold(path, texts)
    originals = {q.id: q for q in load_gold(sources, texts).questions}
    extra = {str(json.loads(line)["id"]): json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip()}
    rows: list[tuple[str, bool, bool]] = []
    for q in rewordings.questions:
        source = originals.get(str(extra[q.id].get("source")))
        if source is None:
            raise GoldError(f"{path}, line {q.line}: 'source' must name a question of {sources.name}")
        same_top = service.search(q.question, k=1)[0].clause_id == service.search(source.question, k=1)[0].clause_id
        same_lead = _lead(service.ask(q.question)) == _lead(service.ask(source.question))
        rows.append((str(extra[q.id].get("variant", "")), same_top, same_lead))
    variants = {v: [r for r in rows if r[0] == v] for v in dict.fromkeys(r[0] for r in rows)}
    share = lambda items, i: sum(r[i] for r in items) / len(items) if items else 0.0  # noqa: E731
    return Robustness(len(rows), share(rows, 1), share(rows, 2),
                      {v: (share(items, 1), share(items, 2)) for v, items in variants.items()})
