"""Command line: python -m index prepare (set-up used by `make run` / `make test`)."""

from __future__ import annotations

import sys

from corpus.store import CorpusStore


def main() -> int:
    """Prepare what the app and tests need: for now the stored corpus."""
    CorpusStore.default()
    return 0


if __name__ == "__main__":
    sys.exit(main())
