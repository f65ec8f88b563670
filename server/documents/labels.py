"""Sensitivity of a document: its Microsoft Information Protection label and the banner markings in its text.

`label` = {"mip": {id, name, site_id, enabled, method, set_date} or None, "markings": [...], "classification":
the highest level marked, normalized, or None, "level": its rank (0 none, 1 controlled / sensitive /
restricted, 2 confidential, 3 secret, 4 top secret)}, or None when nothing is found. Only reported here;
the governance guard decides what to do with it; a job that reads several files reports their
`combined_label`. The MIP label's name is not mapped to a classification: label names are each organisation's
own.

MIP labels of Office files: docProps/custom.xml holds MSIP_Label_<guid>_Enabled / _Name / _SiteId / _Method /
_SetDate (Office before 2021, and the Azure Information Protection client); docMetadata/LabelInfo.xml (MS-OFFCRYPTO
2.6.5, newer Office) holds id, enabled, method, siteId without the name. Several labels can be present: the
enabled one wins (the latest set when several are). Parts are parsed with entities and network off.

Banner markings: a line that is the marking, possibly with caveats ("SECRET//NOFORN", "TOP SECRET//REL TO USA,
FVEY", "CUI//SP-PRVCY", "DIFFUSION RESTREINTE", "SECRET DÉFENSE - SPÉCIAL FRANCE", "Classification: SECRET"),
looked for in the first and last BANNER_LINES lines of the text, in every header and footer paragraph, and in
the first and last lines of every PDF page.
The word in a sentence is not a banner. A lone ambiguous word (SECRET, CONFIDENTIAL, RESTRICTED, CUI) counts
only in capitals or after "Classification:", and a marking with caveats only in capitals; a multi-word marking
alone ("Diffusion Restreinte", "Top Secret") counts in any case.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile

from lxml import etree

BANNER_LINES = 5
MAX_BANNER_CHARS = 160
CUSTOM_PROPERTIES = "docProps/custom.xml"
LABEL_INFO = "docMetadata/LabelInfo.xml"
MAX_PROPERTIES_BYTES = 2 * 1024 * 1024
_PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, huge_tree=False)
_MSIP = re.compile(r"^MSIP_Label_([0-9A-Fa-f-]{8,40})_(Enabled|Name|SiteId|Method|SetDate)$")
_TRUE = {"true", "1", "yes"}

# (pattern on the upper-cased, accent-free marking, normalized classification, rank)
_LEVELS = (
    (r"(?:COSMIC )?TOP SECRET|TRES SECRET(?: DEFENSE)?", "TOP SECRET", 4),
    (r"SECRET DEFENSE|(?:NATO |EU |UE )?SECRET(?: UE)?", "SECRET", 3),
    (r"CONFIDENTIEL DEFENSE|(?:NATO |EU |UE )?CONFIDENTIAL(?: UE)?|CONFIDENTIEL(?: UE)?", "CONFIDENTIAL", 2),
    (r"DIFFUSION RESTREINTE|RESTREINT UE|(?:NATO |EU |UE )?RESTRICTED", "RESTRICTED", 1),
    (r"OFFICIAL[- ]SENSITIVE", "OFFICIAL-SENSITIVE", 1),
    (r"CUI|CONTROLLED UNCLASSIFIED INFORMATION", "CUI", 1),
)
_AMBIGUOUS_ALONE = {"SECRET", "CONFIDENTIAL", "CONFIDENTIEL", "RESTRICTED", "CUI"}
_LEVEL_RE = "|".join(f"(?P<l{i}>{pattern})" for i, (pattern, *_rest) in enumerate(_LEVELS))
# caveats after // (or one / or a dash): NOFORN, REL TO USA, FVEY, ORCON, SP-PRVCY, SPECIAL FRANCE, ...
_CAVEAT = r"[A-Z0-9][A-Z0-9 ,.\-]{0,60}"
_BANNER = re.compile(
    rf"^(?P<prefix>(?:CLASSIFICATION|NIVEAU DE PROTECTION)\s*:\s*)?"
    rf"(?P<level>{_LEVEL_RE})"
    rf"(?P<caveats>(?:\s*(?://|/|\s-\s|\s–\s)\s*{_CAVEAT})*)$"
)
_DECORATION = " \t*=_#~\u00a0"


def mip_from_package(package: bytes) -> dict | None:
    """The MIP label of an OOXML package (docx, xlsx), or None; a damaged properties part counts as none."""
    try:
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            names = set(archive.namelist())
            labels = _custom_property_labels(_read(archive, CUSTOM_PROPERTIES, names))
            labels += _label_info_labels(_read(archive, LABEL_INFO, names))
    except (zipfile.BadZipFile, etree.LxmlError, ValueError, KeyError, OSError):
        return None
    return _winner(labels)


def banner_markings(lines: list[str]) -> list[str]:
    """Each banner marking among `lines` (the candidate lines, already chosen), as written, upper-cased."""
    found: list[str] = []
    for line in lines:
        marking = _marking(line)
        if marking and marking not in found:
            found.append(marking)
    return found


def classification(markings: list[str]) -> tuple[str | None, int]:
    best, rank = None, 0
    for marking in markings:
        match = _BANNER.match(_fold(marking))
        if match is None:
            continue
        for index, (_pattern, name, level) in enumerate(_LEVELS):
            if match.group(f"l{index}") and level > rank:
                best, rank = name, level
    return best, rank


def candidate_lines(document: dict) -> list[str]:
    """Where banners are: every header and footer paragraph, and the first and last BANNER_LINES lines of the
    main text; of each sheet's, for a workbook (its row paragraphs carry `sheet`)."""
    edges: list[str] = []
    main: dict[object, list[str]] = {}
    for paragraph in document.get("paragraphs") or []:
        text = paragraph.get("text") if isinstance(paragraph, dict) else None
        if not isinstance(text, str):
            continue
        lines = [line for line in text.splitlines() if line.strip()]
        part = paragraph.get("part")
        if part in ("header", "footer"):
            edges += lines
        elif part is None:
            main.setdefault(paragraph.get("sheet"), []).extend(lines)
    for lines in main.values():
        edges += lines[:BANNER_LINES] + lines[BANNER_LINES:][-BANNER_LINES:]
    return edges


def document_label(document: dict, package: bytes | None = None, edges: list[str] | None = None) -> dict | None:
    """The `label` of an extraction result; `package` is the OOXML zip when there is one; `edges` more lines
    where banners stand (a PDF's page tops and bottoms, which its paragraphs may have joined to the text)."""
    mip = mip_from_package(package) if package is not None else None
    markings = banner_markings(candidate_lines(document) + list(edges or ()))
    if mip is None and not markings:
        return None
    level_name, rank = classification(markings)
    return {"mip": mip, "markings": markings, "classification": level_name, "level": rank}


def combined_label(sources: list[dict]) -> dict | None:
    """One label for all the files a job read, or None when none had one.

    `sources` are {field, filename, label} in the order the files were read (label as document_label gives it,
    never None). The result has document_label's keys: mip is the first enabled MIP label (else the first
    found), markings every marking once, classification and level the highest; and `sources` as given, so a
    policy can name the file that carries the label."""
    if not sources:
        return None
    mips = [source["label"]["mip"] for source in sources if source["label"].get("mip")]
    markings: list[str] = []
    for source in sources:
        markings += [marking for marking in source["label"]["markings"] if marking not in markings]
    top = max(sources, key=lambda source: source["label"]["level"])["label"]
    return {"mip": next((mip for mip in mips if mip.get("enabled")), mips[0] if mips else None),
            "markings": markings, "classification": top["classification"], "level": top["level"],
            "sources": list(sources)}


def _marking(line: str) -> str | None:
    text = " ".join(line.split()).strip(_DECORATION)
    if not text or len(text) > MAX_BANNER_CHARS:
        return None
    match = _BANNER.match(_fold(text))
    if match is None:
        return None
    ambiguous = match.group("level") in _AMBIGUOUS_ALONE and not match.group("prefix")
    if (ambiguous or match.group("caveats")) and not _in_capitals(text):
        return None  # "Secret" as a title, "Top secret - the story": not banners, which are written in capitals
    return text.upper()


def _fold(text: str) -> str:
    """Upper case without accents, one space between words: "Secret Défense" -> "SECRET DEFENSE"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.upper().split())


def _in_capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _read(archive: zipfile.ZipFile, name: str, names: set[str]) -> bytes | None:
    if name not in names:
        return None
    if archive.getinfo(name).file_size > MAX_PROPERTIES_BYTES:
        return None
    return archive.read(name)


def _parse(data: bytes):
    return etree.fromstring(data, etree.XMLParser(**_PARSER_OPTIONS))


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _custom_property_labels(data: bytes | None) -> list[dict]:
    if not data:
        return []
    fields: dict[str, dict[str, str]] = {}
    for prop in _parse(data):
        match = _MSIP.match(prop.get("name", "") if _local(prop.tag) == "property" else "")
        if match:
            value = "".join(prop.itertext()).strip()
            fields.setdefault(match.group(1).lower(), {})[match.group(2)] = value
    return [{"id": guid, "name": values.get("Name"), "site_id": values.get("SiteId"),
             "enabled": values.get("Enabled", "").lower() in _TRUE, "method": values.get("Method"),
             "set_date": values.get("SetDate")} for guid, values in fields.items()]


def _label_info_labels(data: bytes | None) -> list[dict]:
    if not data:
        return []
    labels = []
    for element in _parse(data).iter():
        if _local(element.tag) != "label" or element.get("removed", "0").lower() in _TRUE:
            continue
        labels.append({"id": (element.get("id") or "").strip("{}").lower() or None, "name": None,
                       "site_id": (element.get("siteId") or "").strip("{}") or None,
                       "enabled": (element.get("enabled") or "").lower() in _TRUE,
                       "method": element.get("method"), "set_date": None})
    return labels


def _winner(labels: list[dict]) -> dict | None:
    """The enabled label (latest SetDate first), else the first disabled one; custom.xml's name fills in a
    LabelInfo entry with the same id."""
    labels = [label for label in labels if label["id"]]
    if not labels:
        return None
    names = {label["id"]: label["name"] for label in labels if label["name"]}
    enabled = sorted((label for label in labels if label["enabled"]), key=lambda label: label["set_date"] or "",
                     reverse=True)
    chosen = dict(enabled[0] if enabled else labels[0])
    chosen["name"] = chosen["name"] or names.get(chosen["id"])
    return chosen
