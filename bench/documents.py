"""Benchmark 4: document extraction time and memory (server.documents.extract), in-process and in fresh processes.

Files are generated deterministically in the run's temp dir:
- a 300-page .docx: bench/document.py's annual report (about 150,000 words) written with python-docx as
  Heading 1/2 and body paragraphs, with a 6 x 4 table after every chapter;
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
    import docx

    text = annual_report(words=DOCX_PAGES * WORDS_PER_PAGE)
    document = docx.Document()
    rng = random.Random(4)
    chapters = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("## "):
            document.add_heading(line[3:], level=2)
        elif line.startswith("# "):
            if chapters:
                _table(document, rng, chapters)
            chapters += 1
            document.add_heading(line[2:], level=1)
        else:
            document.add_paragraph(line)
    document.save(path)
    return {"words": len(text.split()), "pages": DOCX_PAGES, "tables": max(chapters - 1, 0)}


def _table(document, rng: random.Random, number: int) -> None:
    table = document.add_table(rows=6, cols=4)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"Item {number}.{c}" if r == 0 else f"{rng.randint(100, 99_999):,}"


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
