"""Content retention, from the policy file's `retention` section. Pure Python.

    retention:
      content: true   # keep the text of each job (input and output) beside its audit record; default false
      days: 30        # and delete it after this many days (`flask audit purge`); required when content is on

Without content retention no text is stored; `flask audit purge` then deletes any text still kept from
when it was on (older than `days` if given, else all of it).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MAX_DAYS = 36_500


@dataclass(frozen=True)
class Retention:
    content: bool = False
    days: int | None = None

    def cutoff(self, now: dt.datetime) -> dt.datetime:
        """Content written before this instant is purged."""
        return now - dt.timedelta(days=self.days) if self.days is not None else now


def parse_retention(section) -> Retention:
    """The `retention` section (None when absent) as Retention; ValueError('retention...: reason')."""
    if section is None:
        return Retention()
    if not isinstance(section, dict):
        raise ValueError("retention must be a mapping with `content` (true or false) and `days` (a number)")
    unknown = sorted(set(section) - {"content", "days"})
    if unknown:
        raise ValueError(f"retention: unknown key {unknown[0]!r} (known: content, days)")
    content = section.get("content", False)
    if not isinstance(content, bool):
        raise ValueError(f"retention.content must be true or false, got {content!r}")
    days = section.get("days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS):
        raise ValueError(f"retention.days must be a whole number of days from 1 to {MAX_DAYS}, got {days!r}")
    if content and days is None:
        raise ValueError("retention.days is required when retention.content is true (how long text is kept)")
    return Retention(content=content, days=days)
