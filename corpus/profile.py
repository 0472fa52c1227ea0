"""Per-document facts the answer side needs (city, its places, the plan period, the status year), kept with the document.

Derived from the text where it can be (the title names the city and the period); a shipped document may add a
profile file beside it (corpus/docs/<doc_id>.profile.json) for what the text does not say plainly, such as the
city's district names.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

_CITY = re.compile(r"^(?:《)?(.{2,8}?(?:市|省|自治区|县|区))")
_PERIOD = re.compile(r"[（(](\d{4})\s*[-—–～~至]\s*(\d{4})年?[）)]")
# National five-year plan periods: the year each one ends (a plan naming one means that year).
FIVE_YEAR_PLANS = {"十四五": 2025, "十五五": 2030, "十三五": 2020}


@dataclass(frozen=True)
class DocumentProfile:
    """What a document is about: its place and the places in it, its period, and the year its status figures describe."""

    doc_id: str
    title: str
    place: str = ""  # "青岛市"
    place_names: list[str] = field(default_factory=list)  # names that mean this place: "青岛", "黄岛", "西海岸"...
    localities: list[str] = field(default_factory=list)  # smaller places inside it the text names: "姜山", "蓝谷"...
    period: tuple[int, int] | None = None  # (2021, 2035)
    status_year: int | None = None  # the year of "发展现状" figures (the year before the period starts)
    named_periods: dict[str, int] = field(default_factory=dict)  # "十四五" -> 2025 (only periods the text names)
    examples: list[str] = field(default_factory=list)  # questions the chat offers as examples
    service_contact: str = ""  # where residents ask about procedures the plan does not describe ("12345 hotline")
    province: str = ""  # the province the place is in ("山东省"): residents compare with it ("跟山东比呢")
    # Figures whose sentence the naming rules cannot read well: {"value", "read_as" (the rules' name), "name"}.
    indicator_names: list[dict[str, str]] = field(default_factory=list)

    @property
    def short_place(self) -> str:
        """The place without its administrative suffix ("青岛市" -> "青岛")."""
        return re.sub(r"(市|省|自治区|县|区)$", "", self.place) or self.place

    def indicator_renames(self) -> dict[tuple[str, str], str]:
        """The profile's corrected figure names, keyed by (value, the name the rules give)."""
        return {(row["value"], row["read_as"]): row["name"] for row in self.indicator_names}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        data = asdict(self)
        data["period"] = list(self.period) if self.period else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentProfile:
        """Read a dict written by to_dict()."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if known.get("period"):
            known["period"] = tuple(known["period"])
        return cls(**known)


def derive_profile(doc_id: str, title: str, clean_text: str, overrides: dict[str, Any] | None = None) -> DocumentProfile:
    """A document's profile from its title and text, with a shipped profile file's fields on top."""
    city = _CITY.match(title.strip())
    place = city.group(1) if city else ""
    period_match = _PERIOD.search(title) or _PERIOD.search(clean_text[:2000])
    period = (int(period_match.group(1)), int(period_match.group(2))) if period_match else None
    short = re.sub(r"(市|省|自治区|县|区)$", "", place)
    names = [n for n in dict.fromkeys([short, place]) if n]
    profile = {
        "doc_id": doc_id,
        "title": title,
        "place": place,
        "place_names": names,
        "localities": [],
        "period": period,
        "status_year": period[0] - 1 if period else None,
        "named_periods": {name: year for name, year in FIVE_YEAR_PLANS.items() if name in clean_text},
        "examples": [],
        "service_contact": "",
        "province": "",
        "indicator_names": [],
    }
    for key, value in (overrides or {}).items():
        if key == "place_names":
            profile[key] = list(dict.fromkeys([*names, *value]))
        elif key in profile:
            profile[key] = tuple(value) if key == "period" and value else value
    return DocumentProfile(**profile)


def read_overrides(path: Path) -> dict[str, Any]:
    """A shipped profile file's fields ({} when there is none); ValueError when a corrected figure name is malformed."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    localities = data.get("localities", [])
    if not isinstance(localities, list) or not all(isinstance(n, str) and n.strip() for n in localities):
        raise ValueError(f"{path.name}: localities must be a list of non-empty names")
    if not isinstance(data.get("province", ""), str):
        raise ValueError(f"{path.name}: province must be a name (\"山东省\")")
    for number, row in enumerate(data.get("indicator_names", []), 1):
        if not isinstance(row, dict) or not all(isinstance(row.get(k), str) and row[k] for k in ("value", "read_as", "name")):
            raise ValueError(f"{path.name}: indicator_names entry {number} needs non-empty value, read_as and name")
    return data
