"""Benchmark 4: document extraction time and memory (server.documents.extract), in-process and in fresh processes.

Files are generated deterministically in the run's temp dir:
- a 300-page .docx: bench/document.py's annual report (about 150,000 words) as Word writes a real report, with
  python-docx: Title, Heading 1/2 and body paragraphs with bold runs, a captioned Table Grid table with a header
  row in about half the sections, bullet and numbered lists, quotes, about two footnotes a page, reviewers'
  comments, a header and a footer with a PAGE field, a page break before each chapter;
- a 50,000-row .xlsx: openpyxl write_only, 10 columns (integers, text, decimals, dates, booleans);
- for the "50 MB upload" check, a ~50 MB .xlsx of 1.2 M rows of numbers and text whose sheet XML is written
  directly (openpyxl would take minutes), read with max_bytes raised to 60 MB, max_uncompressed to 1 GB and max_seconds to 300.
Time: median wall time of `extract()` over `repeat` runs in this process, after one unmeasured run.
Memory: each extraction once more in a fresh `python -c` process: peak RSS (VmHWM) of that process, and
the same minus its RSS just before extract() (after imports and with the file's bytes already read).
The 413 check posts a 50 MB body to /api/v1/documents/extract through Flask's test client in a fresh
process, from a stream that counts the bytes the service reads from it.
"""
from __future__ import annotations

import datetime
import json
import logging
import random
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from bench.document import annual_report

log = logging.getLogger(__name__)

MIB = 1024 * 1024
DOCX_PAGES = 300
WORDS_PER_PAGE = 500
XLSX_ROWS = 50_000
BIG_XLSX_ROWS = 1_330_000
UPLOAD_BYTES = 50 * MIB
# the 50 MB file's caps; its deadline too, since this check is about memory (20 s is the service's default)
RAISED = {"max_bytes": 60 * MIB, "max_uncompressed": 1024 * MIB, "max_seconds": 300.0}
ROOT = Path(__file__).resolve().parent.parent

# Peak RSS is /proc/self/status VmHWM: ru_maxrss would carry the parent's peak over fork and exec.
_PEAK_RSS = """
def peak_rss_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
"""

_MEASURE = _PEAK_RSS + """
import json, sys, time
from server.documents import Limits, extract
path, limits = sys.argv[1], json.loads(sys.argv[2])
data = open(path, "rb").read()
before = peak_rss_kb()
started = time.perf_counter()
result = extract(path, data, limits=Limits(**limits))
seconds = time.perf_counter() - started
peak = peak_rss_kb()
print(json.dumps({"baseline_kb": before, "peak_kb": peak, "seconds": seconds, "kind": result["kind"],
                  "stats": result["stats"]}))
"""

_UPLOAD = _PEAK_RSS + """
import io, json, sys, tempfile
from server.app import create_app
size = int(sys.argv[1])

class Body(io.RawIOBase):
    # Hands out zero bytes on demand and counts them, so the body never sits in this process's memory.
    def __init__(self):
        self.read_bytes = self.position = 0
    def readable(self):
        return True
    def seekable(self):
        return True
    def tell(self):
        return self.position
    def seek(self, offset, whence=0):  # the test client seeks to the end and back to learn the length
        self.position = size + offset if whence == 2 else offset
        return self.position
    def readinto(self, buffer):
        n = max(0, min(len(buffer), size - self.position))
        buffer[:n] = bytes(n)
        self.position += n
        self.read_bytes += n
        return n

app = create_app({"AUTH_MODE": "dev", "INSTANCE_PATH": tempfile.mkdtemp(), "MODEL_PROVIDER": "openai",
                  "MODEL_BASE_URL": "http://127.0.0.1:9/v1", "MODEL_NAME": "none"})
client = app.test_client()
token = client.post("/dev/token", json={"name": "Bench", "email": "bench@agency.gov", "roles": []}).get_json()
before = peak_rss_kb()
body = Body()
response = client.post("/api/v1/documents/extract", input_stream=body, content_length=size,
                       content_type="multipart/form-data; boundary=x",
                       headers={"Authorization": "Bearer " + token["access_token"]})
peak = peak_rss_kb()
print(json.dumps({"status": response.status_code, "error": (response.get_json() or {}).get("error"),
                  "body_bytes": size, "read_bytes": body.read_bytes, "baseline_kb": before, "peak_kb": peak,
                  "max_body_bytes": app.config["MAX_CONTENT_LENGTH"]}))
"""


def make_docx(path: Path) -> dict:
    """The annual report as Word writes a real one: Title, Heading 1-3 and body paragraphs, a captioned table
    with a header row in each section, bullet and numbered lists, quotes, footnotes, review comments, and a
    header and footer (page number field) on every page."""
    import docx
    from docx.enum.text import WD_BREAK

    text = annual_report(words=DOCX_PAGES * WORDS_PER_PAGE)
    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "Annual Report on Public Services 2025"
    section.header.paragraphs[0].style = document.styles["Header"]
    footer = section.footer.paragraphs[0]
    footer.style = document.styles["Footer"]
    footer.add_run("Ministry of Public Services  |  Page ")
    _page_field(footer.add_run())
    notes = _Footnotes(document)
    rng = random.Random(4)
    counts = {"tables": 0, "list_items": 0, "quotes": 0, "comments": 0}
    first = True
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("# ") and first:
            document.add_paragraph(line[2:], style="Title")
            first = False
        elif line.startswith("# "):
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            document.add_heading(line[2:], level=1)
        elif line.startswith("## "):
            document.add_heading(line[3:], level=2)
            if rng.random() < 0.5:
                _table(document, rng, counts)
        else:
            _body(document, line, rng, notes, counts)
    notes.save()
    document.save(path)
    return {"words": len(text.split()), "pages": DOCX_PAGES, **counts, "footnotes": notes.count}


def _body(document, line: str, rng: random.Random, notes: _Footnotes, counts: dict) -> None:
    """One paragraph of the source as Word users write it: mostly prose, sometimes a list or a quote; some with
    a footnote, a few with a reviewer's comment."""
    roll = rng.random()
    if roll < 0.12:
        sentences = [s.strip() for s in line.split(". ") if s.strip()]
        document.add_paragraph(sentences[0].rstrip(".") + ":")
        style = "List Number" if roll < 0.04 else "List Bullet"
        for sentence in sentences[1:6]:
            document.add_paragraph(sentence.rstrip(".") + ".", style=style)
            counts["list_items"] += 1
        return
    if roll < 0.15:
        document.add_paragraph(line, style="Quote")
        counts["quotes"] += 1
        return
    paragraph = document.add_paragraph()
    head, _, tail = line.partition(". ")
    paragraph.add_run(head + ".")
    if rng.random() < 0.3:
        run = paragraph.add_run("important")
        run.bold = True
        paragraph.add_run(" ")
    if tail:
        paragraph.add_run(" " + tail)
    if rng.random() < 0.6:  # about two footnotes a page
        notes.add(paragraph, f"Source: departmental returns, {rng.choice(('2023', '2024', '2025'))}, table "
                             f"{rng.randint(1, 40)}; figures rounded to the nearest thousand.")
    if rng.random() < 0.05:
        document.add_comment(paragraph.runs[0], text="Please check this figure against the finance annex.",
                             author="Reviewer", initials="RV")
        counts["comments"] += 1


def _table(document, rng: random.Random, counts: dict) -> None:
    counts["tables"] += 1
    document.add_paragraph(f"Table {counts['tables']}: spending by programme (thousands)", style="Caption")
    rows = rng.randint(5, 9)
    table = document.add_table(rows=rows, cols=5, style="Table Grid")
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            if r == 0:
                cell.paragraphs[0].add_run(("Programme", "2023", "2024", "2025", "Change")[c]).bold = True
            elif c == 0:
                cell.text = f"Programme {rng.randint(1, 60)}"
            else:
                cell.text = f"{rng.randint(100, 99_999):,}" if c < 4 else f"{rng.randint(-20, 40)}%"


def _page_field(run) -> None:
    """A PAGE field, as Word writes one in a footer."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for kind, code in (("begin", None), (None, " PAGE "), ("separate", None), (None, None), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif code:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = code
        else:
            element = OxmlElement("w:t")
            element.text = "1"
        run._r.append(element)


class _Footnotes:
    """A footnotes part (python-docx writes none): the separators Word writes, then one note per reference."""

    W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

    def __init__(self, document):
        self.document = document
        self.count = 0
        self.notes: list[str] = []

    def add(self, paragraph, text: str) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        self.count += 1
        run = paragraph.add_run()
        properties = OxmlElement("w:rPr")
        style = OxmlElement("w:vertAlign")
        style.set(qn("w:val"), "superscript")
        properties.append(style)
        run._r.append(properties)
        reference = OxmlElement("w:footnoteReference")
        reference.set(qn("w:id"), str(self.count))
        run._r.append(reference)
        self.notes.append(text)

    def save(self) -> None:
        from xml.sax.saxutils import escape

        from docx.opc.constants import RELATIONSHIP_TYPE
        from docx.opc.packuri import PackURI
        from docx.opc.part import Part

        separators = ('<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
                      '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
                      '</w:r></w:p></w:footnote>')
        notes = "".join(f'<w:footnote w:id="{n}"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
                        f'<w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {escape(text)}</w:t></w:r></w:p>'
                        "</w:footnote>" for n, text in enumerate(self.notes, start=1))
        xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes xmlns:w="{self.W}">'
               f"{separators}{notes}</w:footnotes>").encode()
        content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
        part = Part(PackURI("/word/footnotes.xml"), content_type, xml, self.document.part.package)
        self.document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)


def make_xlsx(path: Path, rows: int = XLSX_ROWS) -> dict:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Ledger")
    sheet.append(["Id", "Office", "Amount", "Date", "Approved", "Category", "Quantity", "Rate", "Code", "Note"])
    rng = random.Random(50)
    start = datetime.date(2020, 1, 1)
    for n in range(1, rows):
        sheet.append([n, f"Office {n % 97}", round(rng.uniform(10, 10_000), 2), start + datetime.timedelta(n % 2000),
                      n % 3 == 0, ("Travel", "Supplies", "Services", "Grants")[n % 4], rng.randint(1, 500),
                      round(rng.random(), 4), f"C-{n:06d}", "routine entry"])
    workbook.save(path)
    return {"rows": rows, "columns": 10}


def make_big_xlsx(path: Path, rows: int = BIG_XLSX_ROWS) -> dict:
    """A workbook of about 50 MB: one sheet of inline strings and numbers, written as XML text directly."""
    rng = random.Random(51)
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
            'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"'
            '/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>'),
        "xl/workbook.xml": (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}">'
                            '<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            '</Relationships>'),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as package:
        for name, content in parts.items():
            package.writestr(name, content)
        with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData>'.encode())
            batch = []
            for n in range(1, rows + 1):
                batch.append(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="B{n}"><v>{rng.random():.6f}</v></c>'
                             f'<c r="C{n}"><v>{rng.randint(0, 10**9)}</v></c><c r="D{n}" t="inlineStr"><is><t>'
                             f'ref {rng.getrandbits(40):x}</t></is></c></row>')
                if len(batch) == 10_000:
                    sheet.write("".join(batch).encode())
                    batch = []
            sheet.write(("".join(batch) + "</sheetData></worksheet>").encode())
    return {"rows": rows, "columns": 4, "bytes": path.stat().st_size}


def time_extract(path: Path, repeat: int, limits: dict | None = None) -> dict:
    from server.documents import Limits, extract

    data = path.read_bytes()
    chosen = Limits(**(limits or {}))
    result = extract(path.name, data, limits=chosen)  # warm-up: imports, caches
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        extract(path.name, data, limits=chosen)
        runs.append(time.perf_counter() - started)
    return {"median_s": statistics.median(runs), "runs_s": runs, "bytes": len(data), "stats": result["stats"],
            "sheets": [{k: s[k] for k in ("name", "rows", "columns", "shown_rows", "cut")} for s in result["sheets"]]}


def memory_of_extract(path: Path, limits: dict | None = None) -> dict:
    """Peak RSS of a fresh process that extracts the file once (Linux: /proc/self/status, in kB)."""
    output = subprocess.run([sys.executable, "-c", _MEASURE, str(path), json.dumps(limits or {})], cwd=ROOT,
                            capture_output=True, text=True, timeout=600, check=True).stdout
    figures = json.loads(output)
    figures["peak_mb"] = figures["peak_kb"] / 1024
    figures["added_mb"] = (figures["peak_kb"] - figures["baseline_kb"]) / 1024
    return figures


def oversized_upload(size: int = UPLOAD_BYTES) -> dict:
    output = subprocess.run([sys.executable, "-c", _UPLOAD, str(size)], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, check=True).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    figures["peak_mb"] = figures["peak_kb"] / 1024
    figures["added_mb"] = (figures["peak_kb"] - figures["baseline_kb"]) / 1024
    return figures


def run(workdir: Path, *, repeat: int = 5) -> dict:
    docx_path, xlsx_path = workdir / "report-300-pages.docx", workdir / "ledger-50000.xlsx"
    big_path = workdir / "upload-50mb.xlsx"
    started = time.perf_counter()
    docx_made = make_docx(docx_path)
    xlsx_made = make_xlsx(xlsx_path)
    big_made = make_big_xlsx(big_path)
    log.info("documents: generated the files in %.1f s", time.perf_counter() - started)
    results = {"repeat": repeat, "docx": {**docx_made, **time_extract(docx_path, repeat)},
               "xlsx": {**xlsx_made, **time_extract(xlsx_path, repeat)}}
    results["docx"]["memory"] = memory_of_extract(docx_path)
    results["xlsx"]["memory"] = memory_of_extract(xlsx_path)
    log.info("documents: docx %.2f s, xlsx %.2f s", results["docx"]["median_s"], results["xlsx"]["median_s"])
    big = memory_of_extract(big_path, RAISED)
    results["big_xlsx"] = {**big_made, "limits": RAISED, "memory": big}
    results["upload_413"] = oversized_upload()
    log.info("documents: 50 MB xlsx peak %.0f MB in %.1f s; 50 MB upload -> %s",
             big["peak_mb"], big["seconds"], results["upload_413"]["status"])
    return results


if __name__ == "__main__":  # python -m bench.documents: try the harness alone
    import tempfile

    logging.basicConfig(level=logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(Path(tmp), repeat=1), indent=2, default=str))
