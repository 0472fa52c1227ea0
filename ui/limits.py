"""Limits that keep one visitor from crowding out the others: a per-client rate limit and the client's address.

The numbers are service limits, not tuned retrieval numbers; each can be overridden by an environment variable.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

# A resident types a question every few seconds at most; 20 a minute with bursts of 8 leaves room for that and for
# several people behind one address (an office or school behind one NAT), while one script cannot take every worker.
ASK_PER_MINUTE = int(os.environ.get("PLANQA_ASK_PER_MINUTE") or 20)
ASK_BURST = int(os.environ.get("PLANQA_ASK_BURST") or 8)
# Behind a reverse proxy the visitor's address is in X-Forwarded-For; trust it only when told the proxy's address.
TRUSTED_PROXIES = tuple(p.strip() for p in (os.environ.get("PLANQA_TRUSTED_PROXIES") or "").split(",") if p.strip())
MAX_CLIENTS = 50_000


def client_address(host: str | None, forwarded_for: str | None) -> str:
    """The visitor's address: the socket peer, or the proxy's X-Forwarded-For entry when the peer is a trusted proxy."""
    host = host or "unknown"
    if forwarded_for and host in TRUSTED_PROXIES:
        # The last entry is the one our proxy appended; earlier entries are whatever the client claimed.
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        if hops:
            return hops[-1][:64]
    return host[:64]


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per client: `per_minute` requests a minute on average, up to `burst` at once."""

    def __init__(self, per_minute: int = ASK_PER_MINUTE, burst: int = ASK_BURST) -> None:
        """Refill `per_minute` tokens a minute, hold at most `burst`."""
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """Take a token for this client; False when it has none left (the request must be turned away)."""
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                if len(self._buckets) >= MAX_CLIENTS:
                    self._forget_full(now)
                bucket = self._buckets[client] = _Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens < 1.0:
                return False
            bucket.tokens -= 1.0
            return True

    def wait_seconds(self, client: str) -> int:
        """Seconds until this client has a token again (for the notice)."""
        with self._lock:
            bucket = self._buckets.get(client)
            missing = 1.0 - (bucket.tokens if bucket else self.burst)
        return max(1, int(missing / self.rate + 0.999)) if missing > 0 else 0

    def _forget_full(self, now: float) -> None:
        """Drop clients whose bucket has refilled (they are no different from new ones)."""
        self._buckets = {c: b for c, b in self._buckets.items()
                         if b.tokens + (now - b.updated) * self.rate < self.burst}
