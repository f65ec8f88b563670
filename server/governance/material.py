"""Material: one piece of what a job is about to send to the model, as the guard screens it."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Material:
    """One piece of what a job sends: `where` is the request field it came from (text, history, document,
    attachments[0], ...), `label` the sensitivity a document's extraction found (server/documents/labels.py)."""

    where: str
    text: str
    label: dict | None = None
    name: str | None = None  # a file's name, for the reason a block gives
