"""The proofread output: the corrected text, a "### Changes" line, then one change per line:
    - "teh" -> "the" (spelling)
When the model does not follow the format (no changes section, or lines that do not parse), the changes are
computed instead by comparing source and corrected text word by word, so the list is never missing.
"""
from __future__ import annotations

import difflib
import re

_HEADER = re.compile(r"^\s*(?:#{1,6}\s*)?\**\s*(?:changes(?: made)?|corrections|modifications|"
                     r"liste des (?:changements|corrections))\s*\**\s*:?\s*\**\s*$", re.IGNORECASE | re.MULTILINE)
_CHANGE = re.compile(
    r"^\s*(?:[-*•]|\d+[.)])\s*[\"“«']?\s*(?P<before>.+?)\s*[\"”»']?\s*(?:->|→|=>|⇒)\s*[\"“«']?\s*(?P<after>.*?)"
    r"\s*[\"”»']?\s*(?:[(\[](?P<reason>[^)\]]{1,80})[)\]]|[:—–]\s*(?P<reason2>[^\"”»]{1,80}))?\s*$")
_NONE = re.compile(r"^\s*(?:[-*•]\s*)?(?:none|aucune?|no changes?|rien)\.?\s*$", re.IGNORECASE)
_TOKEN = re.compile(r"\s+|[\w’'-]+|[^\w\s]")


def split_output(raw: str) -> tuple[str, str | None]:
    """(corrected text, the changes section or None)."""
    m = _HEADER.search(raw)
    if not m:
        return raw, None
    return raw[:m.start()], raw[m.end():]


def parse_changes(section: str) -> list[dict] | None:
    """The listed changes, or None when a non-empty line does not parse (then the caller diffs instead)."""
    changes = []
    for line in section.splitlines():
        if not line.strip() or _NONE.match(line):
            continue
        m = _CHANGE.match(line)
        if not m:
            return None
        reason = m.group("reason") or m.group("reason2")
        changes.append({"before": m.group("before"), "after": m.group("after"),
                        "reason": reason.strip() if reason else None})
    return changes


def diff_changes(source: str, corrected: str, limit: int = 200) -> list[dict]:
    """Word-level differences between source and corrected text, as before/after pairs."""
    a = [t for t in _TOKEN.findall(source) if not t.isspace()]
    b = [t for t in _TOKEN.findall(corrected) if not t.isspace()]
    changes = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op != "equal":
            changes.append({"before": " ".join(a[i1:i2]), "after": " ".join(b[j1:j2]), "reason": None})
            if len(changes) >= limit:
                break
    return changes


def proofread_result(raw_clean: str, source: str, clean) -> tuple[str, list[dict]]:
    """(corrected text, changes) from the cleaned raw answer; `clean` cleans the text part again."""
    text, section = split_output(raw_clean)
    text = clean(text)
    changes = parse_changes(section) if section is not None else None
    if changes is None:
        changes = diff_changes(source, text)
    return text, changes
