"""Redaction: values swapped for stable placeholders on the way to the model, and put back in its answer.

Within one job a value always gets the same placeholder ([SSN_1], [EMAIL_2]), numbered in reading order of
the job's material, so the model can refer to "[SSN_1]" consistently across history turns and summary chunks,
and the answer is restored exactly. Streams are restored piece by piece: a piece that ends inside what may
become a placeholder ("... [SS") is held back until the next piece decides it.
Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from server.governance.detectors import DEFAULT_PHONE_REGIONS, Match, find_personal_data

LABELS = {"ssn": "SSN", "card": "CARD", "iban": "IBAN", "nir": "NIR", "nino": "NINO", "phone": "PHONE",
          "email": "EMAIL"}
_PLACEHOLDER = re.compile(r"\[(SSN|CARD|IBAN|NIR|NINO|PHONE|EMAIL)_(\d{1,6})\]", re.IGNORECASE)
# what the end of a piece looks like when a placeholder may be starting: "[", "[EM", "[EMAIL_", "[EMAIL_12"
_PARTIAL = re.compile(r"\[(?:[A-Za-z]{1,5}(?:_\d{0,6})?)?$")
_LONGEST_PLACEHOLDER = len("[EMAIL_999999]")


def value_key(kind: str, value: str) -> str:
    """One key for the ways a value is written: separators and case do not make another SSN or address."""
    if kind == "email":
        return value.lower()
    if kind == "phone":
        return re.sub(r"\D", "", value)
    return re.sub(r"[^0-9A-Za-z]", "", value).upper()


class Redactor:
    """Placeholders for one job's values of `types`. Thread-safe: summary chunks are redacted in parallel."""

    def __init__(self, types: Iterable[str], *, phone_regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS):
        self.types = tuple(types)
        self.phone_regions = phone_regions
        self._lock = threading.Lock()
        self._placeholder_of: dict[tuple[str, str], str] = {}
        self._value_of: dict[str, str] = {}  # "SSN_1" (upper case) -> the value as first written
        self._counts: dict[str, int] = {}

    def __bool__(self) -> bool:
        return bool(self.types)

    def placeholder(self, match: Match) -> str:
        key = (match.type, value_key(match.type, match.value))
        with self._lock:
            found = self._placeholder_of.get(key)
            if found is None:
                number = self._counts.get(match.type, 0) + 1
                self._counts[match.type] = number
                name = f"{LABELS[match.type]}_{number}"
                found = self._placeholder_of[key] = f"[{name}]"
                self._value_of[name] = match.value
        return found

    def reserve(self, text: str) -> None:
        """Keep the placeholder names `text` already holds (a user may write "[SSN_1]" themselves): new ones are
        numbered after them, so the user's own text is never restored into a value it did not hold."""
        if "[" not in text:
            return
        with self._lock:
            for m in _PLACEHOLDER.finditer(text):
                kind = next((k for k, label in LABELS.items() if label == m.group(1).upper()), None)
                if kind is not None:
                    self._counts[kind] = max(self._counts.get(kind, 0), int(m.group(2)))

    def learn(self, matches: Iterable[Match]) -> None:
        """Number the values the guard found, in reading order, before anything is sent."""
        for match in matches:
            if match.type in self.types:
                self.placeholder(match)

    def redact(self, text: str) -> str:
        if not text or not self.types:
            return text
        matches = find_personal_data(text, self.types, phone_regions=self.phone_regions)
        if not matches:
            return text
        out, at = [], 0
        for match in matches:
            out.append(text[at:match.start])
            out.append(self.placeholder(match))
            at = match.end
        out.append(text[at:])
        return "".join(out)

    def redact_messages(self, messages: list[dict]) -> list[dict]:
        return [{**m, "content": self.redact(m["content"])} if isinstance(m.get("content"), str) else m
                for m in messages]

    def restore(self, text: str) -> str:
        if not self._value_of or "[" not in text:
            return text

        def value(m: re.Match) -> str:
            return self._value_of.get(f"{m.group(1).upper()}_{int(m.group(2))}", m.group(0))
        return _PLACEHOLDER.sub(value, text)

    @property
    def counts(self) -> dict[str, int]:
        """Values redacted, by type."""
        with self._lock:
            counts: dict[str, int] = {}
            for name in self._value_of:
                kind = next(k for k, label in LABELS.items() if name.startswith(label + "_"))
                counts[kind] = counts.get(kind, 0) + 1
            return counts

    def restorer(self) -> StreamRestorer:
        return StreamRestorer(self)


class StreamRestorer:
    """Restores a stream piece by piece; holds back a tail that may be the start of a placeholder."""

    def __init__(self, redactor: Redactor):
        self._redactor = redactor
        self._pending = ""

    def feed(self, piece: str) -> str:
        text = self._pending + piece
        self._pending = ""
        start = text.rfind("[")
        if start != -1 and len(text) - start < _LONGEST_PLACEHOLDER and _PARTIAL.match(text, start):
            text, self._pending = text[:start], text[start:]
        return self._redactor.restore(text)

    def flush(self) -> str:
        text, self._pending = self._pending, ""
        return self._redactor.restore(text)
