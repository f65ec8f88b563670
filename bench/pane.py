"""The task pane's budgets: its own JavaScript and CSS gzipped, and first paint in headless Chromium.

Size: every .js and .css under addin/ except addin/vendor/ (MSAL) and addin/admin/ (the admin dashboard's
page, not the pane), each gzipped alone at level 9 with
Python's gzip module. Office.js comes from Microsoft's CDN and is not in the repository.
Paint: the service under gunicorn on loopback (plain http), Debian's Chromium through Playwright with the
tests' flags; each load is a fresh browser context (empty cache), and first-paint / first-contentful-paint
are read from performance.getEntriesByType("paint"). The task pane gets a fake Office global and an empty
script for the Office.js CDN, as tests/test_preview_browser.py does.
"""
from __future__ import annotations

import gzip
import logging
import statistics
from pathlib import Path

from bench.services import ROOT, Service

log = logging.getLogger(__name__)

ADDIN = ROOT / "addin"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
OFFICE_CDN = "https://appsforoffice.microsoft.com/**"
# What Office.js would define, minimal (the same stand-in as tests/test_preview_browser.py): Word, en-US.
FAKE_OFFICE = """
(() => {
  const info = { host: "Word", platform: "OfficeOnline" };
  window.Office = {
    context: { displayLanguage: "en-US", requirements: { isSetSupported: () => true } },
    HostType: { Word: "Word", Outlook: "Outlook" },
    onReady(callback) {
      return new Promise((resolve) => setTimeout(() => { if (callback) callback(info); resolve(info); }, 0));
    },
  };
  window.Word = { run: async (batch) => batch({ document: {}, sync: async () => {} }) };
})();
"""
# Paint entries appear after the frame is drawn, not at load: wait for both (bounded).
PAINTS = """
async () => {
  for (let i = 0; i < 200; i++) {
    const entries = performance.getEntriesByType("paint");
    if (entries.length >= 2) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Object.fromEntries(performance.getEntriesByType("paint").map((e) => [e.name, e.startTime]));
}
"""
PAGES = (("taskpane", "/addin/taskpane.html", True), ("preview", "/addin/preview.html", False))
# The task pane marks when it showed the pane (addin/taskpane.js): after Office.onReady, its host adapter and
# how to sign in. Until then it shows Drafter's mark and a starting line (what first contentful paint sees).
PANE_SHOWN = """
async () => {
  for (let i = 0; i < 500; i++) {
    const mark = performance.getEntriesByName("drafter:shown:pane-wrap")[0];
    if (mark) return mark.startTime;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return null;
}
"""


# Not the pane's: MSAL (vendored, excluded by the budget) and the admin dashboard's page (/admin, its own files).
NOT_THE_PANE = (ADDIN / "vendor", ADDIN / "admin")


def pane_files() -> list[Path]:
    return sorted(p for p in ADDIN.rglob("*") if p.suffix in (".js", ".css") and p.is_file()
                  and not any(folder in p.parents for folder in NOT_THE_PANE))


def sizes() -> dict:
    files = [{"path": str(p.relative_to(ROOT)), "bytes": len(data := p.read_bytes()),
              "gzip_bytes": len(gzip.compress(data, compresslevel=9, mtime=0))} for p in pane_files()]
    return {"files": files, "bytes": sum(f["bytes"] for f in files),
            "gzip_bytes": sum(f["gzip_bytes"] for f in files)}


def _load(browser, url: str, office: bool) -> dict:
    context = browser.new_context(viewport={"width": 420, "height": 900})
    try:
        if office:
            context.route(OFFICE_CDN, lambda route: route.fulfill(status=200, content_type="text/javascript",
                                                                  body=""))
            context.add_init_script(FAKE_OFFICE)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url, wait_until="load")
        paints = page.evaluate(PAINTS)
        if office:
            paints["pane-shown"] = page.evaluate(PANE_SHOWN)
        if errors:
            raise RuntimeError(f"{url}: page errors {errors}")
        if "first-contentful-paint" not in paints:
            raise RuntimeError(f"{url}: no paint entries ({paints})")
        return paints
    finally:
        context.close()


def paint(base_url: str, *, loads: int) -> dict:
    from playwright.sync_api import sync_playwright  # the benchmark's own dependency, as in the tests

    out = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            out["chromium"] = browser.version
            for name, path, office in PAGES:
                _load(browser, base_url + path, office)  # unmeasured: gunicorn workers and the OS cache warm
                runs = [_load(browser, base_url + path, office) for _ in range(loads)]
                fp = [r.get("first-paint", r["first-contentful-paint"]) for r in runs]
                fcp = [r["first-contentful-paint"] for r in runs]
                out[name] = {"path": path, "office_stub": office, "loads": loads,
                             "first_paint_ms": fp, "first_contentful_paint_ms": fcp,
                             "first_paint_median_ms": statistics.median(fp),
                             "first_contentful_paint_median_ms": statistics.median(fcp)}
                shown = [r["pane-shown"] for r in runs if r.get("pane-shown") is not None]
                if office and shown:
                    out[name].update(pane_shown_ms=shown, pane_shown_median_ms=statistics.median(shown))
                    log.info("%s: the pane shown after %.0f ms (median)", path, out[name]["pane_shown_median_ms"])
                log.info("%s: first paint %.0f ms, first contentful paint %.0f ms (median of %d)", path,
                         out[name]["first_paint_median_ms"], out[name]["first_contentful_paint_median_ms"], loads)
        finally:
            browser.close()
    return out


def run(workdir: Path, *, loads: int = 10) -> dict:
    result = {"size": sizes(), "chromium_path": CHROMIUM, "chromium_args": CHROMIUM_ARGS}
    log.info("pane: %d files, %.1f KB gzipped", len(result["size"]["files"]), result["size"]["gzip_bytes"] / 1024)
    # The pages make no model call while loading; the upstream URL only has to be a valid setting.
    with Service(workdir, "http://127.0.0.1:9/v1", workers=1, threads=8) as service:
        result["service"] = {"argv": " ".join(service.argv[1:]), "workers": 1, "threads": 8}
        result["paint"] = paint(service.url, loads=loads)
    return result
