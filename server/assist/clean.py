"""Make a model's answer clean: no "Sure! Here is…" preamble, no trailing offers, no wrapping quotes or code
fences, no echoed fence markers.

Every rule is deliberately narrow (a preamble must look like one: an interjection alone, or "here is the
<kind of text>:"), because a false strip deletes the user's content. When `source` is given, a line that is
in the source is never stripped: it is content, however chatty it looks.
"""
from __future__ import annotations

import re

from server.assist.prompts import FENCE_LABELS

_LABELS = "|".join(FENCE_LABELS)
_MARKER_LINE = re.compile(rf"^\s*(?:<<<\s*(?:{_LABELS})\b[^\n]*|(?:{_LABELS})\s*>>>)\s*$",
                          re.IGNORECASE | re.MULTILINE)
_CODE_FENCE = re.compile(r"^```[\w+-]*[ \t]*\n(.*?)\n?```\s*$", re.DOTALL)

_INTERJECTION = (r"(?:sure(?: thing)?|certainly|of course|absolutely|okay|ok|alright|great|happy to help|"
                 r"no problem|bien sûr|bien sur|certainement|d'accord|d’accord|avec plaisir|volontiers|"
                 r"très bien|tres bien|entendu|parfait)")
_TEXT_NOUN = (r"(?:text|version|rewrite|rewritten text|summary|draft|email|e-mail|reply|response|translation|"
              r"letter|memo|note|message|paragraph|proofread text|corrected text|answer|revision|"
              r"texte|résumé|courriel|réponse|traduction|lettre|note|ébauche|brouillon|version|correction|"
              r"paragraphe)")
_DETERMINER = r"(?:the|a|an|your|my|this|le|la|les|l'|l’|un|une|votre|ma|mon|ce|cette)"
_HERE = r"(?:here is|here's|here are|below is|below are|voici|voilà|voila|ci-dessous)"
# "Sure! Here is the rewritten text in a formal tone:" / "Voici le texte réécrit :" (up to the colon)
_PREAMBLE = re.compile(
    rf"^(?:{_INTERJECTION}\s*[!,.]*\s*)?(?:I've|I have|j'ai|j’ai)?\s*{_HERE}\s+{_DETERMINER}\s*"
    rf"(?:[\w'’-]+\s+){{0,4}}?{_TEXT_NOUN}\b[^:\n]{{0,100}}:[ \t]*\n?",
    re.IGNORECASE)
# a first line that is only an interjection ("Sure!", "Certainly.", "Bien sûr !")
_INTERJECTION_LINE = re.compile(rf"^{_INTERJECTION}\s*[!.]*\s*(?:\n|$)", re.IGNORECASE)
# "Certainly, here's the rewrite." + newline, with no colon
_INTERJECTION_HERE_LINE = re.compile(
    rf"^{_INTERJECTION}\s*[!,.]*\s*{_HERE}\b[^\n]{{0,100}}[.!:]?[ \t]*\n", re.IGNORECASE)
# a first line that is only a label: "Rewritten text:", "Texte réécrit :", "Revised version:"
_LABEL_LINE = re.compile(
    r"^(?:(?:rewritten|revised|corrected|proofread|translated|formal|improved|edited|final)\s+"
    r"(?:text|version|email|draft)|(?:texte|version)\s+(?:réécrit|révisé|corrigé|traduit|final)e?)\s*:[ \t]*\n",
    re.IGNORECASE)
_OFFER_START = re.compile(
    r"^\(?\s*(?:let me know|feel free|i hope this helps|hope this helps|if you (?:need|want|would like|'d like|"
    r"have)|would you like|do you want|is there anything|please let me know|i can also|"
    r"n'hésitez pas|n’hésitez pas|faites-moi savoir|dites-moi|j'espère que|j’espère que|si vous (?:avez|souhaitez|"
    r"voulez|désirez)|souhaitez-vous|voulez-vous|note\s*:\s*(?:i|j'ai|j’ai)\b)",
    re.IGNORECASE)
_OFFER_ABOUT_WORK = re.compile(
    r"(?:change|adjust|edit|revision|modif|tweak|refine|version|rewrite|tone|further|hope this helps|"
    r"another|ajust|autre|retouche|cela vous aide|i (?:have|'ve|kept|changed|made|removed|added)|j'ai|j’ai)",
    re.IGNORECASE)
_QUOTES = {'"': '"', "“": "”", "«": "»", "'": "'", "‘": "’", "„": "“"}


def _normal(text: str) -> str:
    return " ".join(text.split()).lower()


def _in_source(fragment: str, source_norm: str | None) -> bool:
    return bool(source_norm) and _normal(fragment) in source_norm


def _strip_fences_and_markers(text: str) -> str:
    m = _CODE_FENCE.match(text)
    if m:
        text = m.group(1)
    return _MARKER_LINE.sub("", text)


def _strip_preamble(text: str, source_norm: str | None) -> str:
    for pattern in (_PREAMBLE, _INTERJECTION_HERE_LINE, _LABEL_LINE, _INTERJECTION_LINE):
        m = pattern.match(text)
        if m and m.end() < len(text) and not _in_source(m.group(0), source_norm):
            return text[m.end():].lstrip()
    return text


def _strip_trailing_offer(text: str, source_norm: str | None) -> str:
    paragraphs = re.split(r"\n\s*\n", text)
    if len(paragraphs) < 2:
        # a one-paragraph answer may end with an offer sentence on its own line
        lines = text.split("\n")
        if len(lines) < 2:
            return text
        paragraphs, joiner = lines, "\n"
    else:
        joiner = "\n\n"
    last = paragraphs[-1].strip()
    if (len(last) < 400 and _OFFER_START.match(last) and _OFFER_ABOUT_WORK.search(last)
            and not _in_source(last, source_norm)):
        return joiner.join(paragraphs[:-1]).rstrip()
    return text


def _strip_quotes(text: str, source_norm: str | None) -> str:
    if len(text) < 2 or text[0] not in _QUOTES or text[-1] != _QUOTES[text[0]]:
        return text
    inner = text[1:-1]
    opening, closing = text[0], _QUOTES[text[0]]
    if opening in inner or closing in inner:
        return text  # several quoted spans: "A" and "B"
    if source_norm and source_norm.startswith(opening) and source_norm.endswith(closing):
        return text  # the source itself was quoted
    return inner.strip()


def clean(text: str, *, source: str | None = None) -> str:
    source_norm = _normal(source) if source else None
    text = (text or "").strip()
    for _ in range(3):  # a preamble may sit inside a code fence, quotes inside a preamble, ...
        before = text
        text = _strip_fences_and_markers(text).strip()
        text = _strip_preamble(text, source_norm).strip()
        text = _strip_trailing_offer(text, source_norm).strip()
        text = _strip_fences_and_markers(text).strip()
        text = _strip_quotes(text, source_norm).strip()
        if text == before:
            break
    return text
