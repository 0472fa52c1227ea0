"""Staff accounts and sessions: passwords hashed with scrypt (Python's hashlib), sessions that expire.

Accounts live in <data>/staff.json, created from the command line (`python -m ui staff add NAME`); the web app never
creates them. A session is a random token in an HttpOnly cookie, kept in memory (a restart logs staff out).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from corpus.files import atomic_write_text
from corpus.paths import data_root

ACCOUNTS_FILE = "staff.json"
SESSION_COOKIE = "planqa_staff"
SESSION_SECONDS = 8 * 3600  # one working day; after that staff log in again
MIN_PASSWORD = 10
MAX_PASSWORD = 256
_NAME = re.compile(r"^[A-Za-z0-9_.-]{2,40}$")
# scrypt cost: n=2**15, r=8 (32 MB) takes ~0.12 s per login on these 2-core machines: slow for a password guesser,
# quick for a person. Each account keeps its own cost, so raising it later does not lock anyone out.
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}
_FAILURES_PER_MINUTE = 5


class StaffError(ValueError):
    """An account operation that cannot be done; the message says why."""


def _hash(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=128 * 1024 * 1024, dklen=32)


class StaffAccounts:
    """The staff accounts file: names and scrypt password hashes."""

    def __init__(self, path: Path | None = None) -> None:
        """Use <data>/staff.json unless told otherwise."""
        self.path = Path(path) if path else data_root() / ACCOUNTS_FILE

    def _load(self) -> dict[str, dict]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise StaffError(f"{self.path} is damaged ({exc}); remove it and create the accounts again") from None
        users = data.get("users") if isinstance(data, dict) else None
        if not isinstance(users, dict):
            raise StaffError(f"{self.path} is damaged (no users); remove it and create the accounts again")
        return users

    def names(self) -> list[str]:
        """Account names, sorted."""
        return sorted(self._load())

    def add(self, name: str, password: str) -> None:
        """Create or replace an account (the password is checked for length, then only its hash is kept)."""
        if not _NAME.match(name or ""):
            raise StaffError("the name must be 2-40 letters, digits, '.', '_' or '-'")
        if not (MIN_PASSWORD <= len(password or "") <= MAX_PASSWORD):
            raise StaffError(f"the password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")
        users = self._load()
        salt = secrets.token_bytes(16)
        users[name] = {"salt": salt.hex(), "hash": _hash(password, salt, **_SCRYPT).hex(), **_SCRYPT,
                       "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path, json.dumps({"users": users}, ensure_ascii=False, indent=1) + "\n", mode=0o600)

    def remove(self, name: str) -> None:
        """Delete an account."""
        users = self._load()
        if name not in users:
            raise StaffError(f"no account named '{name}'")
        del users[name]
        atomic_write_text(self.path, json.dumps({"users": users}, ensure_ascii=False, indent=1) + "\n", mode=0o600)

    def check(self, name: str, password: str) -> bool:
        """Whether the name and password match an account (constant time in the password)."""
        if not isinstance(name, str) or not isinstance(password, str) or len(password) > MAX_PASSWORD:
            return False
        try:
            user = self._load().get(name)
        except StaffError:
            return False
        if user is None:
            _hash(password, b"0" * 16, **_SCRYPT)  # same work for unknown names: no timing hint that a name exists
            return False
        expected = bytes.fromhex(user["hash"])
        actual = _hash(password, bytes.fromhex(user["salt"]), int(user["n"]), int(user["r"]), int(user["p"]))
        return hmac.compare_digest(expected, actual)


@dataclass
class _Session:
    user: str
    expires: float


class Sessions:
    """Logged-in staff: random tokens that expire; failed logins limited per client."""

    def __init__(self, seconds: int = SESSION_SECONDS) -> None:
        """Sessions last `seconds` from login."""
        self.seconds = seconds
        self._sessions: dict[str, _Session] = {}
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def open(self, user: str) -> str:
        """A new session token for a user who just logged in."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = time.time()
            self._sessions = {t: s for t, s in self._sessions.items() if s.expires > now}
            self._sessions[token] = _Session(user, now + self.seconds)
        return token

    def user(self, token: str | None) -> str | None:
        """The user of a live session token, or None."""
        if not token or len(token) > 100:
            return None
        with self._lock:
            session = self._sessions.get(token)
            if session is None or session.expires <= time.time():
                self._sessions.pop(token, None)
                return None
            return session.user

    def close(self, token: str | None) -> None:
        """End a session (log out)."""
        with self._lock:
            self._sessions.pop(token or "", None)

    def may_try(self, client: str) -> bool:
        """Whether this client may try a login now (at most a few failures a minute)."""
        with self._lock:
            recent = [t for t in self._failures.get(client, []) if t > time.time() - 60]
            self._failures[client] = recent
            if len(self._failures) > 10_000:  # forget the oldest clients rather than grow without bound
                self._failures = dict(list(self._failures.items())[-5_000:])
            return len(recent) < _FAILURES_PER_MINUTE

    def failed(self, client: str) -> None:
        """Count a failed login for this client."""
        with self._lock:
            self._failures.setdefault(client, []).append(time.time())
