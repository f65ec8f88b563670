"""What the fake model answers in the benchmarks, and which stage of a job a chat request belongs to.

Runs inside the fake upstream's process. The answers look like a real model's: a rewrite returns the text it
was given (so the post-checks have real work), summary calls return bullet points that cite the ids they were
shown ("[p3, p7]" for paragraphs, "[s1, s4]" for earlier points), the format server/assist/citations.py parses.
"""
from __future__ import annotations

import re

_FENCED = re.compile(r"<<<(TEXT|PARAGRAPHS|POINTS)\n(.*?)\n\1>>>", re.DOTALL)
_LINE_ID = re.compile(r"^\[([A-Za-z0-9.]+)\]\s*(.*)$")
_MAP_SHAPE = "Write at most 5 points"
_REDUCE_SHAPE = "Write at most"

MAP_POINTS = 5
REDUCE_POINTS = 8
FINAL_POINTS = 6


def _user_text(request_json: dict) -> str:
    return "\n".join(str(m.get("content") or "") for m in request_json.get("messages") or []
                     if isinstance(m, dict) and m.get("role") == "user")


def stage(request_json: dict) -> str:
    """map / reduce / final / single (one-call summary) / rewrite / other, from the prompt's shape."""
    text = _user_text(request_json)
    fenced = _FENCED.search(text)
    kind = fenced.group(1) if fenced else None
    if kind == "TEXT":
        return "rewrite"
    if kind == "PARAGRAPHS":
        return "map" if _MAP_SHAPE in text else "single"
    if kind == "POINTS":
        return "reduce" if _REDUCE_SHAPE in text else "final"
    return "other"


def _points(lines: list[tuple[str, str]], count: int) -> str:
    """`count` bullets spread over the cited lines, each citing two or three neighbouring ids."""
    if not lines:
        return "- The material is empty."
    count = min(count, len(lines))
    step = len(lines) / count
    out = []
    for i in range(count):
        first = int(i * step)
        cited = lines[first:min(len(lines), first + 3)]
        words = " ".join(cited[0][1].split()[:14]).rstrip(".,;:")
        ids = ", ".join(label for label, _ in cited)
        out.append(f"- {words or 'This part'} is covered here. [{ids}]")
    return "\n".join(out)


def respond(request_json: dict) -> str:
    text = _user_text(request_json)
    fenced = _FENCED.search(text)
    if fenced is None:
        return "Fake answer."
    kind, material = fenced.group(1), fenced.group(2)
    if kind == "TEXT":
        return material
    lines = [(m.group(1), m.group(2)) for m in map(_LINE_ID.match, material.splitlines()) if m]
    count = {"map": MAP_POINTS, "reduce": REDUCE_POINTS}.get(stage(request_json), FINAL_POINTS)
    return _points(lines, count)
