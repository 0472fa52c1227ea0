"""Build tasks the benchmark times in fresh processes: python -m eval.bench_tasks full|incremental DIR."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

from corpus.paths import SHIPPED_DOCS
from corpus.store import CorpusStore, build_document
from index.store import build_index


def main() -> int:
    """Run one timed build task into DIR and print its report as JSON."""
    task, folder = sys.argv[1], Path(sys.argv[2])
    plan = CorpusStore.default().load_all()[0]
    if task == "full":
        report = build_index([plan], force=True, progress=False, folder=folder / "index", cache_root=folder / "cache", prepare_queries=False)
    else:
        # Change one sentence of the published text (a new wording each run, so it is not in the cache).
        source = (SHIPPED_DOCS / plan.source_name).read_text(encoding="utf-8")
        sentence = "以居住和社保缴纳年限作为主要落户依据。"
        changed = source.replace(sentence, sentence[:-1] + f"（{uuid.uuid4().hex[:4]}）" + sentence[-1], 1)
        document = build_document(plan.doc_id, plan.title, plan.source_name, changed)
        report = build_index([document], progress=False, folder=folder / "index", cache_root=folder / "cache", prepare_queries=False)
    print(json.dumps({"seconds": report.seconds, "embedded_new": report.embedded_new}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
