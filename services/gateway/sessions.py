"""Server-side sessions, login throttling and request rate limits, all in Redis.

A session is a random id (the ``billchain_session`` cookie: HttpOnly, SameSite=Strict, Secure
unless configured off for plain-HTTP tests) naming a Redis hash ``{username, party_id, csrf}``
that expires after ``GATEWAY_SESSION_SECONDS`` of inactivity. The CSRF token is returned to the
page at login and must come back in ``X-CSRF-Token`` on every state-changing request.
"""

from __future__ import annotations

import hmac
import math
import secrets
import time
from dataclasses import dataclass

from services.gateway.errors import CsrfRefused, RateLimited, Throttled, Unauthenticated

COOKIE = "billchain_session"


@dataclass(frozen=True)
class PortalSession:
    session_id: str
    username: str
    party_id: str
    csrf_token: str

    def public(self) -> dict:
        return {"username": self.username, "party_id": self.party_id, "csrf_token": self.csrf_token}

    def require_csrf(self, header: str | None) -> None:
        if not header or not hmac.compare_digest(header.encode(), self.csrf_token.encode()):
            raise CsrfRefused("missing or wrong X-CSRF-Token header")


class SessionStore:
    def __init__(self, redis, ttl_seconds: int):
        self.redis = redis
        self.ttl = ttl_seconds

    def _key(self, session_id: str) -> str:
        return self.redis.key("gateway", "session", session_id)

    def open(self, username: str, party_id: str) -> PortalSession:
        session = PortalSession(
            secrets.token_urlsafe(32), username, party_id, secrets.token_urlsafe(32)
        )
        key = self._key(session.session_id)
        fields = {"username": username, "party_id": party_id, "csrf": session.csrf_token}
        pipe = self.redis.client.pipeline()
        pipe.hset(key, mapping=fields)
        pipe.expire(key, self.ttl)
        pipe.execute()
        return session

    def current(self, session_id: str | None) -> PortalSession:
        """The live session named by the cookie, or ``Unauthenticated``."""
        if not session_id or len(session_id) > 100:
            raise Unauthenticated("sign in first")
        key = self._key(session_id)
        fields = self.redis.client.hgetall(key)
        if not fields:
            raise Unauthenticated("the session has ended; sign in again")
        self.redis.client.expire(key, self.ttl)  # sliding expiry
        text = {k.decode(): v.decode() for k, v in fields.items()}
        return PortalSession(session_id, text["username"], text["party_id"], text["csrf"])

    def close(self, session: PortalSession) -> None:
        self.redis.client.delete(self._key(session.session_id))


class LoginThrottle:
    """At most ``limit`` failed logins per username (and ``address_limit`` per client address)
    in ``window`` seconds; further attempts are refused before the password is even checked."""

    def __init__(self, redis, limit: int, address_limit: int, window_seconds: int):
        self.redis = redis
        self.limits = (limit, address_limit)
        self.window = window_seconds

    def _keys(self, username: str, address: str) -> list[str]:
        return [
            self.redis.key("gateway", "login-failures", "user", username.lower()[:64]),
            self.redis.key("gateway", "login-failures", "addr", address),
        ]

    def check(self, username: str, address: str) -> None:
        for key, limit in zip(self._keys(username, address), self.limits, strict=True):
            failures = self.redis.client.get(key)
            if failures is not None and int(failures) >= limit:
                retry = max(self.redis.client.ttl(key), 1)
                raise Throttled("too many failed sign-ins; try again later", {"retry_after": retry})

    def failed(self, username: str, address: str) -> None:
        pipe = self.redis.client.pipeline()
        for key in self._keys(username, address):
            pipe.incr(key)
            pipe.expire(key, self.window, nx=True)
        pipe.execute()

    def succeeded(self, username: str) -> None:
        self.redis.client.delete(self._keys(username, "-")[0])


class RateLimit:
    """At most ``limit`` requests per ``window`` seconds for each caller (a signed-in user, or a
    client address on the routes that need no session), counted in fixed windows in Redis; the
    rest of the window gets ``RATE_LIMITED`` (429) with Retry-After. ``now`` is the wall clock
    unless a test passes its own."""

    def __init__(self, redis, limit: int, window_seconds: int, now=time.time):
        self.redis = redis
        self.limit = limit
        self.window = window_seconds
        self.now = now

    def hit(self, caller: str) -> None:
        moment = self.now()
        slot = int(moment // self.window)
        key = self.redis.key("gateway", "rate", caller[:128], str(slot))
        pipe = self.redis.client.pipeline()
        pipe.incr(key)
        pipe.expire(key, self.window + 1)
        count = pipe.execute()[0]
        if count > self.limit:
            retry = max(1, math.ceil((slot + 1) * self.window - moment))
            raise RateLimited("too many requests; slow down", {"retry_after": retry})
