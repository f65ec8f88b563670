"""The citation format the model writes, and a forgiving parser for it.

The model ends each point with the ids it draws on in square brackets: "- Costs rose 5%. [p3, p7]". The parser
also takes "(p3)", "[p3][p7]", "[P3; p7]", "[p3-p5]" (a range in document order), "[3]" (meaning p3 or s3), and
citations in the middle of a line. An id that was not in the model's input is dropped (models invent ids).
Labels (s1, s2, ... in reduce prompts) stand for the sources of an earlier point and are expanded to them.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from server.assist.clean import clean

_BRACKET = re.compile(r"\s*(?:\[([^\[\]\n]{1,300})\]|\(([^()\n]{1,300})\))")
_ID_LIKE = re.compile(r"^(?:[a-z]{1,3}\d+(?:[.:][a-z]{0,3}\d+)*|\d+)$", re.IGNORECASE)
_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bet\b|\s)\s*", re.IGNORECASE)
_RANGE = re.compile(r"^(\S+?)\s*(?:-|–|—|\bto\b|\bà\b)\s*(\S+)$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*•·‣]|\d{1,2}[.)])\s+")
_WORDS = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)((?:\s*\[[^\[\]\n]{1,300}\])*)")
_FILLER = re.compile(r"^(?:paragraphs?|paras?|points?|ids?|sources?|see)\s+", re.IGNORECASE)


class CitationResolver:
    """Turns the tokens a model wrote into valid source ids.

    valid: the paragraph ids the model saw, in document order; labels: label -> source ids (reduce prompts).
    """

    def __init__(self, valid: list[str], labels: dict[str, list[str]] | None = None):
        self.labels = {k.lower(): v for k, v in (labels or {}).items()}
        self.valid = {v.lower(): v for v in valid}
        self.order = list(self.valid) + [k for k in self.labels if k not in self.valid]

    def _one(self, token: str) -> list[str] | None:
        """Sources for one token, [] for a well-formed but unknown id, None when not an id at all."""
        key = token.strip().lower()
        if not _ID_LIKE.match(key):
            return None
        candidates = [key] + ([f"p{key}", f"s{key}"] if key.isdigit() else [])
        for candidate in candidates:
            if candidate in self.labels:
                return list(self.labels[candidate])
            if candidate in self.valid:
                return [self.valid[candidate]]
        return None if key.isdigit() else []  # "[2023]" is a year, "[p99]" an invented id

    def resolve(self, inner: str) -> list[str] | None:
        """Sources cited by the text inside one bracket; None when the bracket is not a citation."""
        inner = _FILLER.sub("", inner.strip())
        sources: list[str] = []
        for part in (p for p in re.split(r"\s*[,;&]\s*|\s+(?:and|et)\s+", inner) if p):
            m = _RANGE.match(part)
            if m and _ID_LIKE.match(m.group(1)) and _ID_LIKE.match(m.group(2)):
                found = self._range(m.group(1), m.group(2))
            else:
                found = []
                for token in _SPLIT.split(part):
                    if token:
                        one = self._one(token)
                        if one is None:
                            return None
                        found += one
            sources += found
        return sources

    def _range(self, first: str, last: str) -> list[str]:
        ends = []
        for token in (first, last):
            key = token.lower()
            key = next((c for c in (key, f"p{key}", f"s{key}") if c in self.order), None)
            ends.append(key)
        if None in ends:
            return [s for t in (first, last) for s in (self._one(t) or [])]
        lo, hi = sorted(self.order.index(k) for k in ends)
        out = []
        for key in self.order[lo:hi + 1]:
            out += self._one(key) or []
        return out


def strip_citations(line: str, resolver: CitationResolver) -> tuple[str, list[str], bool]:
    """(text without citations, sources, whether any citation bracket was present)."""
    sources: list[str] = []
    cited = False

    def replace(m: re.Match) -> str:
        nonlocal cited
        inner = m.group(1) if m.group(1) is not None else m.group(2)
        found = resolver.resolve(inner)
        if found is None or (m.group(2) is not None and not found):
            return m.group(0)  # not a citation; "(p99)" in parentheses is more likely text than an invented id
        cited = True
        sources.extend(found)
        return ""

    text = _BRACKET.sub(replace, line)
    text = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(text.split()))
    return text.strip(), list(dict.fromkeys(sources)), cited


def _segments(text: str) -> list[str]:
    """Bullet lines when the answer has bullets; otherwise sentences (each keeping the citation after it)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if any(_BULLET.match(line) for line in lines):
        segments: list[str] = []
        for line in lines:
            if _BULLET.match(line):
                segments.append(_BULLET.sub("", line))
            elif segments:
                segments[-1] += " " + line.strip()  # a wrapped bullet
            elif not line.rstrip().endswith(":"):
                segments.append(line)  # a lead-in sentence before the bullets ("Summary:" lines are dropped)
        return segments
    segments, start = [], 0
    flat = " ".join(lines)
    for m in _SENTENCE_END.finditer(flat):
        segments.append(flat[start:m.end()])
        start = m.end()
    if flat[start:].strip():
        segments.append(flat[start:])
    return [s.strip() for s in segments if s.strip()]


def parse_points(text: str, resolver: CitationResolver,
                 fallback: Callable[[str], list[str]]) -> list[dict]:
    """Points [{text, sources}] from a model's summary; `fallback(point_text)` supplies sources for a point
    that cites nothing valid. A line that is only a citation adds its sources to the point before it."""
    points: list[dict] = []
    rank = {key: i for i, key in enumerate(resolver.order)}
    # Clean the whole answer first: an echoed fence marker or preamble is a line of its own there, whereas
    # inside one point it would take the point's text with it.
    for segment in _segments(clean(text)):
        body, sources, _ = strip_citations(segment, resolver)
        if not _WORDS.search(body):
            if points and sources:
                points[-1]["sources"] = list(dict.fromkeys(points[-1]["sources"] + sources))
            continue
        points.append({"text": body, "sources": sources or list(fallback(body))})
    for point in points:
        point["sources"].sort(key=lambda s: rank.get(s.lower(), len(rank)))
    return points


def overlap_fallback(candidates: list[tuple[str, list[str]]], default: list[str]) -> Callable[[str], list[str]]:
    """Reduce stage: an uncited point takes the sources of the input point it shares most words with
    (the group's sources when it shares none)."""
    vocab = [(set(_WORDS.findall(text.lower())), sources) for text, sources in candidates]

    def pick(point_text: str) -> list[str]:
        words = set(_WORDS.findall(point_text.lower()))
        best, best_score = None, 0.0
        for cand_words, sources in vocab:
            score = len(words & cand_words) / (len(words | cand_words) or 1)
            if score > best_score:
                best, best_score = sources, score
        return list(best) if best else list(default)

    return pick
