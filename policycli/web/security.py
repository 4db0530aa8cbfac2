"""What every request of `policy serve` goes through: security headers, the CSRF check of forms,
the rate limit of sign-ins, and the signing key kept beside the database.

- Headers: a Content-Security-Policy without inline script (htmx is served from /static), no
  framing (X-Frame-Options and frame-ancestors), no MIME sniffing, same-origin referrers.
- CSRF: each session holds a random token; every POST must carry it (the form field `csrf`, or the
  X-CSRF-Token header htmx sends, set on <body> with hx-headers), compared in constant time.
- Sign-ins: at most 5 failures per 5 minutes per user name and 50 per address, then 429.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from collections import defaultdict, deque
from pathlib import Path

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# the report page is the same self-contained HTML `policy report` writes: its <style> is inline
REPORT_CSP = CSP.replace("style-src 'self'", "style-src 'unsafe-inline'")
HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}


class SecurityHeaders:
    """ASGI middleware: the headers above on every response (a route may set its own CSP)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", CSP.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: a request body larger than `limit` bytes is refused with 413 before anything
    reads it whole (signed in or not: the form parser would spool it to disk first)."""

    def __init__(self, app, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _refuse(send)
            return
        received = 0
        started = False

        async def counted():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _TooLarge
            return message

        async def watched(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if not started:
                await _refuse(send)


async def _refuse(send) -> None:
    body = b"request too large (at most 10 MB of evidence)"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def csrf_token(session: dict) -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_ok(session: dict, sent: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and sent and hmac.compare_digest(expected, sent))


class SignInLimit:
    """Sign-in attempts per key (a user name, an address) within `window` seconds: an attempt takes
    a place before its password is checked, so parallel guesses cannot all pass the check; a
    successful sign-in gives its place back."""

    def __init__(self, failures: int = 5, window: float = 300.0) -> None:
        self.failures, self.window = failures, window
        self._seen: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def attempt(self, key: str) -> float | None:
        """A place for one attempt (its time), or None when the key has used up its attempts."""
        now = time.monotonic()
        with self._lock:
            seen = self._seen[key]
            while seen and now - seen[0] > self.window:
                seen.popleft()
            if len(seen) >= self.failures:
                return None
            seen.append(now)
            return now

    def succeeded(self, key: str, place: float) -> None:
        with self._lock:
            try:
                self._seen[key].remove(place)
            except ValueError:
                pass


def signing_key(directory: Path) -> str:
    """The key sessions are signed with: made on first start, kept in `directory` readable by its
    owner only (0600); never in the repository."""
    path = directory / "policy-server.key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    directory.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another server started at the same moment: its key
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key
