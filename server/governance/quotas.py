"""Quotas: requests per minute per user, tokens per day per user and per tenant, from the policy file.

    quotas:
      user_requests_per_minute: 30      # 0: no limit
      user_tokens_per_day: 500000       # prompt + completion tokens, counted from the audit store
      tenant_tokens_per_day: 0          # 0: no limit for the tenant as a whole

Requests are counted in a moving one-minute window by the rate limiter (in memory, or in Redis shared by
every instance); tokens from what the model really used, as the audit store records it per UTC day (shared
by every worker and, on PostgreSQL, every instance). A job is let in while what was used today is under the
limit, so the job that crosses it finishes; the next one is refused until midnight UTC.
Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

import datetime as dt
import logging
import math
import time
from dataclasses import dataclass

from server.errors import RateLimited

log = logging.getLogger(__name__)
KEYS = ("user_requests_per_minute", "user_tokens_per_day", "tenant_tokens_per_day")
DEFAULTS = {"user_requests_per_minute": 30, "user_tokens_per_day": 500_000, "tenant_tokens_per_day": 0}
MAX_LIMIT = 10**12


@dataclass(frozen=True)
class QuotaPolicy:
    user_requests_per_minute: int = DEFAULTS["user_requests_per_minute"]
    user_tokens_per_day: int = DEFAULTS["user_tokens_per_day"]
    tenant_tokens_per_day: int = DEFAULTS["tenant_tokens_per_day"]


def parse_quotas(section: object) -> QuotaPolicy:
    """The policy file's `quotas` section (None: the defaults); ValueError("quotas...: reason")."""
    if section is None:
        return QuotaPolicy()
    if not isinstance(section, dict):
        raise ValueError("quotas must be a mapping (user_requests_per_minute, user_tokens_per_day, "
                         "tenant_tokens_per_day)")
    unknown = sorted(set(section) - set(KEYS))
    if unknown:
        raise ValueError(f"quotas: unknown key {unknown[0]!r} (known: {', '.join(KEYS)})")
    values = {}
    for key in KEYS:
        value = section.get(key, DEFAULTS[key])
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_LIMIT:
            raise ValueError(f"quotas.{key} must be a whole number from 0 (no limit) up, got {value!r}")
        values[key] = value
    return QuotaPolicy(**values)


def until_midnight_utc(now: dt.datetime) -> tuple[int, dt.datetime]:
    """(whole seconds until the next UTC midnight, at least 1; that midnight)."""
    midnight = dt.datetime.combine(now.astimezone(dt.UTC).date() + dt.timedelta(days=1), dt.time(), dt.UTC)
    return max(1, math.ceil((midnight - now).total_seconds())), midnight


class QuotaGuard:
    """Checks a caller's quotas before a job, and tells the pane what is left.

    `rate_limiter`: a `limits` strategy (moving window) over the shared storage; `store`: the audit store
    (tokens_used_today). Who a caller is: tenant id and object id.
    """

    def __init__(self, policy: QuotaPolicy, rate_limiter, store, *, clock=None):
        self.policy = policy
        self._limiter = rate_limiter
        self._store = store
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._per_minute = None
        if policy.user_requests_per_minute:
            from limits import RateLimitItemPerMinute

            self._per_minute = RateLimitItemPerMinute(policy.user_requests_per_minute)

    def check(self, tenant_id: str, user_id: str) -> None:
        """Count this request and raise RateLimited (with Retry-After) when a quota is used up."""
        now = self._clock()
        if self._per_minute is not None and not self._hit(tenant_id, user_id):
            retry = self._seconds_until_a_request_is_free(tenant_id, user_id)
            raise RateLimited(f"You have sent {self.policy.user_requests_per_minute} requests in the last minute, "
                              f"the most this service allows; try again in {retry} seconds.", retry_after=retry)
        if self.policy.user_tokens_per_day:
            used = self._store.tokens_used_today(tenant_id, user_id, day=now.date())
            if used >= self.policy.user_tokens_per_day:
                seconds, _midnight = until_midnight_utc(now)
                raise RateLimited(f"You have used today's allowance of {self.policy.user_tokens_per_day:,} tokens; "
                                  "it renews at midnight UTC.", retry_after=seconds)
        if self.policy.tenant_tokens_per_day:
            used = self._store.tokens_used_today(tenant_id, day=now.date())
            if used >= self.policy.tenant_tokens_per_day:
                seconds, _midnight = until_midnight_utc(now)
                raise RateLimited("Your organisation has used today's allowance of "
                                  f"{self.policy.tenant_tokens_per_day:,} tokens; it renews at midnight UTC.",
                                  retry_after=seconds)

    def status(self, tenant_id: str, user_id: str) -> dict:
        """What is left, for GET /api/v1/me (None where there is no limit)."""
        now = self._clock()
        _seconds, midnight = until_midnight_utc(now)
        resets = midnight.strftime("%Y-%m-%dT%H:%M:%SZ")
        status: dict = {"requests_per_minute": None, "tokens_today": None, "tenant_tokens_today": None}
        if self._per_minute is not None:
            status["requests_per_minute"] = {"limit": self.policy.user_requests_per_minute,
                                             "remaining": self._remaining(tenant_id, user_id)}
        for key, limit, user in (("tokens_today", self.policy.user_tokens_per_day, user_id),
                                 ("tenant_tokens_today", self.policy.tenant_tokens_per_day, None)):
            if limit:
                used = self._store.tokens_used_today(tenant_id, user, day=now.date())
                status[key] = {"limit": limit, "used": used, "remaining": max(0, limit - used), "resets_at": resets}
        return status

    # -- the rate limiter; a storage failure lets requests through (tokens still bound the spending) --

    def _hit(self, tenant_id: str, user_id: str) -> bool:
        try:
            return self._limiter.hit(self._per_minute, "user", tenant_id, user_id)
        except Exception as exc:  # Redis down: say so loudly, but do not stop everyone's work
            log.error("rate limit storage failed, request let through: %s: %s", type(exc).__name__, exc)
            return True

    def _remaining(self, tenant_id: str, user_id: str) -> int | None:
        try:
            return self._limiter.get_window_stats(self._per_minute, "user", tenant_id, user_id).remaining
        except Exception as exc:
            log.error("rate limit storage failed: %s: %s", type(exc).__name__, exc)
            return None

    def _seconds_until_a_request_is_free(self, tenant_id: str, user_id: str) -> int:
        try:
            reset = self._limiter.get_window_stats(self._per_minute, "user", tenant_id, user_id).reset_time
        except Exception:
            return 60
        return max(1, math.ceil(reset - time.time()))  # the limiter's windows run on the wall clock
