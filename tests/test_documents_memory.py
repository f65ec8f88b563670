"""Resident memory: a 50 MB upload, and the largest and most hostile files the caps accept, stay under 300 MB.

Each runs through the whole app (dev auth, POST /api/v1/documents/extract) in a fresh process, which reports
its peak resident set (VmHWM) after each request; a worker's RSS is what gets it killed. The JSON route is the
costly one (the body, its base64 text and the decoded file are all in memory at once), so files go that way.
"""
from __future__ import annotations

import base64
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIMIT_MB = 300
MIB = 1024 * 1024

SCRIPT = r"""
import io, json, os, sys, tempfile
from server.app import create_app

def peak_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024

class Body(io.RawIOBase):
    # A 50 MB body handed out on demand, never held whole here; counts what the service reads of it.
    def __init__(self, size):
        self.size, self.position, self.read_bytes = size, 0, 0
    def readable(self): return True
    def seekable(self): return True
    def tell(self): return self.position
    def seek(self, offset, whence=0):
        self.position = self.size + offset if whence == 2 else offset
        return self.position
    def readinto(self, buffer):
        n = max(0, min(len(buffer), self.size - self.position))
        buffer[:n] = bytes(n)
        self.position += n
        self.read_bytes += n
        return n

app = create_app({"AUTH_MODE": "dev", "INSTANCE_PATH": tempfile.mkdtemp(), "MODEL_PROVIDER": "openai",
                  "MODEL_BASE_URL": "http://127.0.0.1:9/v1", "MODEL_NAME": "none"})
client = app.test_client()
token = client.post("/dev/token", json={"name": "M", "email": "m@agency.gov", "roles": []}).get_json()["access_token"]
headers = {"Authorization": "Bearer " + token}
report = {"ready": {"peak_mb": peak_mb()}}
body = Body(50 * 1024 * 1024)
response = client.post("/api/v1/documents/extract", input_stream=body, content_length=body.size,
                       content_type="multipart/form-data; boundary=x", headers=headers)
report["upload-50mb"] = {"status": response.status_code, "read_bytes": body.read_bytes, "peak_mb": peak_mb()}
for name, path in json.loads(sys.argv[1]).items():  # each JSON body streamed from its file, as from a socket
    with open(path, "rb") as payload:
        response = client.post("/api/v1/documents/extract", headers=headers, input_stream=payload,
                               content_length=os.path.getsize(path), content_type="application/json")
        report[name] = {"status": response.status_code, "bytes_out": len(response.data)}
        response.close()  # as a server does once the answer is sent
        del response
    report[name]["peak_mb"] = peak_mb()
print(json.dumps(report))
"""


def _docx_with_body(body: bytes) -> bytes:
    import io
    import zipfile

    import docx

    base = io.BytesIO()
    docx.Document().save(base)
    xml = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.'
           b'openxmlformats.org/wordprocessingml/2006/main"><w:body>' + body + b"</w:body></w:document>")
    out = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, xml if item.filename == "word/document.xml" else source.read(item.filename))
    return out.getvalue()


def _files(folder: Path) -> dict[str, str]:
    """The request bodies, written to `folder`: each file just within the caps that let it in, as an attacker
    would build it, as base64 in JSON."""
    rng = random.Random(4)
    words = [bytes(rng.choices(b"abcdefghijklmnop", k=6)) for _ in range(5000)]
    text = b" ".join(rng.choice(words) for _ in range(21 * 1024 * 1024 // 7))
    files = {
        # the largest request: a 10 MB text file of 49,999 lines (just under the paragraph cap) as base64 JSON
        "text": ("notes.txt", (b"x" * 200 + b"\n") * 49_999),
        # 21 MB of text in 1 MB paragraphs: the XML is within its caps; the text cap stops it while reading
        "docx-text": ("long.docx", _docx_with_body(b"".join(b"<w:p><w:r><w:t>" + text[i:i + MIB] + b"</w:t></w:r></w:p>"
                                                            for i in range(0, len(text), MIB)))),
        # tiny paragraphs just under the XML node cap: a whole tree in memory, then the paragraph cap
        "docx-paragraphs": ("many.docx", _docx_with_body(b"<w:p><w:r><w:t>abc</w:t></w:r></w:p>" * 55_800)),
        # past the caps, refused before anything big is built: 5 million one-word lines (2.5 GB as paragraphs),
        # and 2 million tiny paragraphs (60 MB of XML, 400 MB as a tree) in a 3 MB .docx
        "text-lines": ("lines.txt", b"ab\n" * (10 * MIB // 3)),
        "docx-xml": ("huge.docx", _docx_with_body(b"<w:p><w:r><w:t>abc</w:t></w:r></w:p>" * 2_000_000)),
        # 10 MB of HTML paragraphs: the text cap
        "html": ("thread.html", b"<html><body>" + b"".join(
            b"<p>" + b" ".join(rng.choice(words) for _ in range(8)) + b"</p>" for _ in range(165_000))
            + b"</body></html>"),
    }
    paths = {}
    for name, (filename, data) in files.items():
        assert len(data) <= 10 * MIB, name
        body = {"filename": filename, "content_base64": base64.b64encode(data).decode("ascii")}
        (folder / f"{name}.json").write_text(json.dumps(body))
        paths[name] = str(folder / f"{name}.json")
    return paths


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    paths = _files(tmp_path_factory.mktemp("large-files"))
    done = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(paths)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_50_mb_upload_is_refused_unread_and_memory_stays_under_300_mb(report):
    upload = report["upload-50mb"]
    assert (upload["status"], upload["read_bytes"]) == (413, 0)
    assert upload["peak_mb"] < LIMIT_MB, report


@pytest.mark.parametrize(("name", "status"), [("text", 200), ("docx-text", 413), ("docx-paragraphs", 413),
                                              ("text-lines", 413), ("docx-xml", 413), ("html", 413)])
def test_the_largest_and_most_hostile_accepted_files_stay_under_300_mb(report, name, status):
    assert report[name]["status"] == status, report[name]
    assert report[name]["peak_mb"] < LIMIT_MB, report
