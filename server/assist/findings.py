"""Review findings from a model's answer, robustly: the small local model often writes broken JSON.

Tried in order: JSON (the whole answer, then the outermost [...] or {...} in it, then with trailing commas and
smart quotes repaired); then "Aspect: / Quote: / Comment: / Suggestion:" blocks; then, as a last resort, the
answer as one clarity comment. Never raises: a review degrades, it does not fail.
"""
from __future__ import annotations

import json
import re

ASPECT_SYNONYMS = {"tone": "tone", "ton": "tone", "style": "tone", "clarity": "clarity", "clarté": "clarity",
                   "clarte": "clarity", "readability": "clarity", "completeness": "completeness",
                   "complétude": "completeness", "completude": "completeness", "exhaustivité": "completeness",
                   "missing": "completeness", "unanswered": "completeness"}
_FIELDS = ("aspect", "quote", "comment", "suggestion")
_LABELED = re.compile(r"^\s*[-*•]?\s*\**(aspect|quote|citation|comment|commentaire|suggestion)\**\s*:\s*(.*)$",
                      re.IGNORECASE)
_LABEL_FIELD = {"citation": "quote", "commentaire": "comment"}
MAX_FINDINGS = 50


def _json_candidates(raw: str) -> list[str]:
    text = re.sub(r"^```\w*\s*|\s*```\s*$", "", raw.strip())
    candidates = [text]
    for open_, close in (("[", "]"), ("{", "}")):
        start, end = text.find(open_), text.rfind(close)
        if 0 <= start < end:
            candidates.append(text[start:end + 1])
    repaired = []
    for c in candidates:
        fixed = re.sub(r",\s*([\]}])", r"\1", c.replace("“", '"').replace("”", '"'))
        repaired.append(fixed)
    return candidates + repaired


def _from_json(raw: str) -> list[dict] | None:
    for candidate in _json_candidates(raw):
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict):
            data = data.get("findings", [data])
        if isinstance(data, list):
            return [d for d in data if isinstance(d, dict)]
    return None


def _from_labels(raw: str) -> list[dict]:
    found, current = [], {}
    for line in raw.splitlines():
        m = _LABELED.match(line)
        if not m:
            continue
        key = _LABEL_FIELD.get(m.group(1).lower(), m.group(1).lower())
        if key in current:
            found.append(current)
            current = {}
        current[key] = m.group(2).strip().strip('"“”')
    if current:
        found.append(current)
    return found


def _normal(text: str) -> str:
    return " ".join(text.split()).lower()


def _finding(item: dict, aspects: list[str], text_n: str, context_n: str) -> dict | None:
    values = {k: item.get(k) if isinstance(item.get(k), str) else "" for k in _FIELDS}
    aspect = ASPECT_SYNONYMS.get(values["aspect"].strip().lower())
    if aspect not in aspects:
        aspect = aspects[0] if aspect is None else None
    if aspect is None or not (values["comment"].strip() or values["suggestion"].strip()):
        return None
    quote = values["quote"].strip().strip('"“”')
    # a quote must be verbatim: drop invented ones (for completeness, the question comes from the context)
    if quote and _normal(quote) not in text_n and _normal(quote) not in context_n:
        quote = ""
    return {"aspect": aspect, "quote": quote[:1000], "comment": values["comment"].strip()[:2000],
            "suggestion": values["suggestion"].strip()[:2000]}


def parse_findings(raw: str, *, aspects: list[str], text: str, context: str | None) -> list[dict]:
    items = _from_json(raw)
    if items is None:
        items = _from_labels(raw)
        if not items and raw.strip() and raw.strip() not in ("[]", "{}"):
            items = [{"aspect": "clarity" if "clarity" in aspects else aspects[0], "comment": raw.strip()}]
    text_n, context_n = _normal(text), _normal(context or "")
    findings = [f for f in (_finding(i, aspects, text_n, context_n) for i in items) if f]
    return findings[:MAX_FINDINGS]
