"""Targets, pass/fail, the console table and bench/RESULTS.md from the raw results of bench/run.py."""
from __future__ import annotations

TARGETS = {
    "seq_p50": ("gateway overhead, sequential, p50 added", 1.5, "ms"),
    "conc_p99": ("gateway overhead, 50 concurrent (model answering in 0.5 s), p99 added", 5.0, "ms"),
    "stream_p50": ("time to first delta, p50 added", 2.0, "ms"),
    "longdoc_ratio": ("long document wall time / ideal", 1.3, "x"),
    "chunking": ("chunking 300 pages", 2.0, "s"),
    "docx_extract": ("extract a 300-page .docx, median", 1.5, "s"),
    "xlsx_extract": ("extract a 50,000-row .xlsx (capped output), median", 3.0, "s"),
    "docx_rss": ("peak RSS, extracting the 300-page .docx (fresh process)", 300.0, "MB"),
    "xlsx_rss": ("peak RSS, extracting the 50,000-row .xlsx (fresh process)", 300.0, "MB"),
    "upload_rss": ("peak RSS, extracting a ~50 MB .xlsx with limits raised to 60 MB (fresh process)", 300.0, "MB"),
    "upload_413": ("a 50 MB request: bytes read before its 413 (at the default body limit)", 0.0, "MB"),
    "pane_size": ("the pane's own JavaScript and CSS, gzipped (office.js and MSAL excluded)", 150.0, "KB"),
    "pane_paint": ("first paint, headless Chromium on loopback, median of fresh loads", 300.0, "ms"),
    "pane_fcp": ("first contentful paint, headless Chromium on loopback, median of fresh loads", 300.0, "ms"),
    "streams_errors": ("concurrent streams: streams without their result (errors, cut, refused)", 0.0, ""),
    "soak_errors": ("soak: unexpected errors", 0.0, ""),
    "soak_rss": ("soak: resident memory, last minute over first minute, growth", 10.0, "%"),
}


def checks(results: dict) -> list[tuple[str, str, float, float, str, bool]]:
    """(key, what, measured, target, unit, passed) for every target the results cover."""
    rows = []

    def add(key: str, value: float, suffix: str = "") -> None:
        what, target, unit = TARGETS[key]
        rows.append((key, what + suffix, value, target, unit, value <= target))

    if "gateway" in results:
        g = results["gateway"]
        add("seq_p50", g["sequential"]["p50"])
        add("conc_p99", g["concurrent_model"]["p99"])
        add("stream_p50", g["streaming"]["p50"])
    for run in results.get("longdoc", []):
        add("longdoc_ratio", run["ratio"], f" ({run['label']}, {run['chunks']} chunks)")
    for c in results.get("chunking", []):
        add("chunking", c["total_s"], f" ({c['budget_tokens']}-token chunks)")
    if "documents" in results:
        d = results["documents"]
        add("docx_extract", d["docx"]["median_s"])
        add("xlsx_extract", d["xlsx"]["median_s"])
        add("docx_rss", d["docx"]["memory"]["peak_mb"])
        add("xlsx_rss", d["xlsx"]["memory"]["peak_mb"])
        add("upload_rss", d["big_xlsx"]["memory"]["peak_mb"], f" ({d['big_xlsx']['bytes'] / 1024 / 1024:.0f} MB file)")
        upload = d["upload_413"]
        add("upload_413", upload["read_bytes"] / 1024 / 1024, f" (answered {upload['status']})")
        if upload["status"] != 413:  # no 413 is a failure whatever was read
            rows[-1] = (*rows[-1][:5], False)
    if "streams" in results:
        chosen = results["streams"]["runs"][0]  # the configuration server/gunicorn.conf.py ships
        add("streams_errors", chosen["streams"] - chosen["completed"],
            f" ({chosen['streams']} at once, {chosen['label']}, peak {chosen['peak_open']} open)")
    if "soak" in results:
        soak = results["soak"]
        add("soak_errors", soak["unexpected_errors"],
            f" ({soak['requests']:,} requests, {soak['seconds'] / 60:.0f} min at {soak['rate']:.0f}/s)")
        add("soak_rss", soak["rss_growth"] * 100)
    if "pane" in results:
        p = results["pane"]
        add("pane_size", p["size"]["gzip_bytes"] / 1024, f" ({len(p['size']['files'])} files)")
        for name in ("taskpane", "preview"):
            block = p["paint"][name]
            add("pane_paint", block["first_paint_median_ms"], f" ({block['path']})")
            add("pane_fcp", block["first_contentful_paint_median_ms"], f" ({block['path']})")
    return rows


def floors(results: dict) -> dict[str, float]:
    """The floor app's figure for each gateway target: what the thinnest Flask + requests gateway adds."""
    f = results.get("gateway", {}).get("floor")
    if not f:
        return {}
    return {"seq_p50": f["sequential"]["p50"], "conc_p99": f["concurrent_model"]["p99"],
            "stream_p50": f["streaming"]["p50"]}


def all_pass(results: dict) -> bool:
    return all(row[5] for row in checks(results))


def _fmt(value: float, unit: str) -> str:
    if unit == "":
        return f"{value:.0f}"
    return f"{value:.2f} {unit}" if unit != "x" else f"{value:.2f}x"


def table(results: dict) -> str:
    rows = [("target", "measured", "limit", "")]
    rows += [(what, _fmt(value, unit), _fmt(target, unit), "PASS" if ok else "FAIL")
             for _key, what, value, target, unit, ok in checks(results)]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _latency_rows(name: str, block: dict) -> list[str]:
    s, d = block["service"], block["direct"]
    return [f"| {name} | {s['n']} | {d['p50']:.2f} | {s['p50']:.2f} | **{block['p50']:+.2f}** | "
            f"{d['p99']:.2f} | {s['p99']:.2f} | **{block['p99']:+.2f}** |"]


def markdown(results: dict) -> str:
    m = results["machine"]
    out = ["# Drafter benchmark results", "",
           "Produced by `make bench` (`.venv/bin/python -m bench.run`); raw figures in bench/results/latest.json "
           "(not committed). All traffic is plain HTTP on loopback (127.0.0.1): TLS is not part of what is "
           "measured. Client, service and fake upstream share the same machine.", "",
           "## Machine", "",
           f"- Date: {m['date']}",
           f"- CPU: {m['cpu']}, {m['cores']} cores (logical CPUs visible to the OS)",
           f"- Memory: {m['memory']}", f"- OS: {m['os']}", f"- Python: {m['python']}",
           f"- Python speed: {m.get('python_speed_ms', 0):.1f} ms for bench/machine.py's one-million-step loop "
           "(median of 7; lower is faster): compare it before comparing figures from different runs",
           f"- Packages: {', '.join(f'{k} {v}' for k, v in m['packages'].items())}",
           f"- Load average (1, 5, 15 min) before: {m['load_before']}; after: {m.get('load_after', '?')}",
           f"- Total run time: {results.get('runtime_s', 0):.0f} s", "",
           "## Summary", "",
           "`floor` is what the thinnest Flask + requests gateway (bench/floor_app.py: no auth, validation, "
           "prompt or checks) adds when measured the same way on the same machine: the part of a target no "
           "gateway on this stack can go under here.", "",
           "| target | measured | floor | limit | result |", "| --- | --- | --- | --- | --- |"]
    floor = floors(results)
    out += [f"| {what} | {_fmt(value, unit)} | {_fmt(floor[key], unit) if key in floor else '-'} | "
            f"{_fmt(target, unit)} | {'PASS' if ok else 'FAIL'} |"
            for key, what, value, target, unit, ok in checks(results)]
    out += _findings(results)
    if "gateway" in results:
        out += _gateway_section(results["gateway"])
    if "breakdown" in results:
        out += _breakdown_section(results)
    if "longdoc" in results:
        out += _longdoc_section(results)
    if "documents" in results:
        out += _documents_section(results["documents"])
    if "pane" in results:
        out += _pane_section(results["pane"])
    if "streams" in results:
        out += _streams_section(results["streams"])
    if "soak" in results:
        out += _soak_section(results["soak"])
    return "\n".join(out) + "\n"


def _streams_section(st: dict) -> list[str]:
    started = f"Started {st['started']}. " if "started" in st else ""
    out = ["", "## 6. Concurrent streams by worker model (bench/streams.py)", "",
           f"{started}What was run: {st['clients']} streaming rewrites opened together (arrivals spread over "
           f"{st['spread_s']:g} s) from {st['processes']} client processes, each thread holding one stream to its "
           f"end; the fake model (its own process) waits {st['latency_s']:g} s, then streams about 110 words "
           f"{st['chunk_delay_s']:g} s apart, so each stream stays open for several seconds and all of them "
           "overlap. Dev auth, default guard policy, audit records to SQLite, per-minute quota off for the bench "
           "users. `peak open` counts streams open at once from the clients' own timestamps; CPU and memory "
           "are the service's processes (master and workers) from /proc: CPU seconds used during the run, and "
           "the peak of their summed resident memory. The first row is the configuration server/gunicorn.conf.py "
           "ships.", "",
           "| worker model | streams | completed | errors | peak open | first delta p50 / p99 | "
           "stream p50 / p99 | service CPU | RSS before / peak |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in st["runs"]:
        errors = ", ".join(f"{k}: {v}" for k, v in r["errors"].items()) or "0"
        f, d = r["first_delta_ms"], r["duration_ms"]
        out.append(f"| {r['label']} | {r['streams']} | {r['completed']} | {errors} | {r['peak_open']} | "
                   f"{f['p50']:.0f} / {f['p99']:.0f} ms | {d['p50'] / 1000:.1f} / {d['p99'] / 1000:.1f} s | "
                   f"{r['service_cpu_s']:.1f} s | {r['rss_before_mb']:.0f} / {r['peak_rss_mb']:.0f} MB |")
    out += ["", "Commands: " + "; ".join(f"`python {r['argv']}`" for r in st["runs"])]
    runs = [r for r in st["runs"] if "stalls" in r]
    if runs:
        first = runs[0]["stalls"]
        out += ["", "### Streams while documents are read", "",
                f"Under each worker model, {first['quiet']['streams']} streams opened 10 ms apart (the model sends a "
                f"word every {st['chunk_delay_s'] * 1000:g} ms); 1.5 s later {first['uploads']['uploads']} users send "
                f"a {st['workbook']['rows']:,}-row, {st['workbook']['columns']}-column workbook "
                f"({st['workbook_kb']:.0f} kB) to `POST /api/v1/documents/extract` at once. For each stream, the "
                "longest pause between two deltas; the same streams without the uploads beside them. Reading a "
                "workbook is a second or two of Python work: a thread yields the interpreter every few "
                "milliseconds, a greenlet only when it waits for I/O, so under gevent every stream in that worker "
                "waits for the whole read.", "",
                "| worker model | uploads | streams complete | longest pause p50 / p90 / max | uploads answered | "
                "upload time |", "| --- | --- | --- | --- | --- | --- |"]
        for r in runs:
            for case in ("quiet", "uploads"):
                c = r["stalls"][case]
                pause = c["longest_pause_ms"]
                times = ", ".join(f"{t:.1f}" for t in c["upload_seconds"]) + " s" if c["upload_seconds"] else "-"
                status = ", ".join(c["upload_status"]) or "-"
                out.append(f"| {r['label']} | {c['uploads']} | {c['complete']} of {c['streams']} | "
                           f"{pause['p50']:.0f} / {pause['p90']:.0f} / {c['longest_pause_max_ms']:.0f} ms | "
                           f"{status} | {times} |")
    return out


def _soak_section(soak: dict) -> list[str]:
    out = ["", "## 7. Soak (bench/soak.py)", "",
           f"What was run: open-loop load at {soak['rate']:.0f} requests per second for "
           f"{soak['seconds'] / 60:.0f} minutes after {soak['warmup_s']:.0f} s of the same load not counted, "
           f"from {soak['users']} users: half rewrites, a quarter short summaries, a quarter drafts, half of them "
           "streamed, and a tenth of the streams cancelled by their client after the first delta. The fake model "
           f"answers after {soak['latency_s']:g} s and streams {soak['chunk_delay_s']:g} s apart. Beside the "
           "service's requests, a tenth as many go straight to the fake model in the same schedule: the baseline "
           f"the added latency is measured against, under the same load. Service: `python {soak['argv']}`. "
           "Memory: the service's processes' summed resident memory every 5 s.", "",
           f"- Requests counted: {soak['requests']:,}; unexpected errors: {soak['unexpected_errors']}; "
           f"audit records written: {soak['audit_records']:,}.",
           f"- Resident memory: first minute {soak['rss_first_minute_mb']:.0f} MB, last minute "
           f"{soak['rss_last_minute_mb']:.0f} MB ({soak['rss_growth'] * 100:+.1f}%).", "",
           "| requests | count |", "| --- | --- |"]
    out += [f"| {key} | {count:,} |" for key, count in sorted(soak["outcomes"].items())]
    out += ["", "| job (JSON answers) | service p50 | service p99 | model direct p50 | model direct p99 | "
            "added p50 | added p99 |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for kind, k in soak["per_kind"].items():
        out.append(f"| {kind} | {k['service_json']['p50']:.0f} ms | {k['service_json']['p99']:.0f} ms | "
                   f"{k['direct']['p50']:.0f} ms | {k['direct']['p99']:.0f} ms | **{k['added_p50_ms']:+.1f} ms** | "
                   f"**{k['added_p99_ms']:+.1f} ms** |")
    samples = soak["rss_mb"]
    step = max(1, len(samples) // 12)
    out += ["", "Resident memory over the run (s: MB): " + ", ".join(f"{t:.0f}: {mb:.0f}" for t, mb in samples[::step])]
    return out


def _breakdown_section(results: dict) -> list[str]:
    b = results["breakdown"]
    out = ["", "### Where a rewrite request's time goes (in-process, bench/breakdown.py)", "",
           f"Each stage timed alone in one process, median of {b['repeat']} runs, no profiler attached "
           f"(the fake upstream still in its own process; the rewrite answer is {b['answer_chars']} characters, "
           "streamed as about 110 SSE events).", "", "| stage | ms |", "| --- | --- |"]
    out += [f"| {name} | {ms:.2f} |" for name, ms in b["stages_ms"].items()]
    keep = results.get("gateway", {}).get("upstream_connections")
    out += ["", f"Upstream connections: {b['model_client_calls']} streamed calls through the model client opened "
            f"{b['model_client_connections']} TCP connections."]
    if keep:
        s, d = keep["service"], keep["direct"]
        out.append(f"Through gunicorn, {s['calls']} service calls made the fake accept {s['upstream_connections']} "
                   f"new connections (the direct client: {d['upstream_connections']} for {d['calls']} calls).")
    return out


def _findings(results: dict) -> list[str]:
    """What the figures say, from the figures alone (the code they describe changes; the data says when)."""
    out = ["", "## Reading the figures", ""]
    g, b = results.get("gateway"), results.get("breakdown")
    if b:
        st = b["stages_ms"]
        out.append("- **Where a rewrite's time goes** (in-process, bench/breakdown.py, medians): "
                   + "; ".join(f"{name} {ms:.2f} ms" for name, ms in st.items()) + ".")
    if g:
        if "http_floor" in g:
            f = g["http_floor"]
            out.append(f"- **The hop itself**: the service answers a bare `GET /healthz` in "
                       f"{f['service']['p50']:.2f} ms at p50 where the fake answers `GET /models` in "
                       f"{f['direct']['p50']:.2f} ms, and it makes a second HTTP exchange (to the model) that "
                       f"the direct call does not: one Python HTTP round trip on this loopback costs about "
                       f"{f['direct']['p50']:.1f} ms, most of a 1.5 ms budget before any work is done.")
        if "floor" in g:
            fl = g["floor"]
            out.append(f"- **The floor of the stack**: the thinnest Flask + requests gateway (bench/floor_app.py) "
                       f"adds {fl['sequential']['p50']:+.2f} ms at p50 sequentially, {fl['streaming']['p50']:+.2f} ms "
                       f"to the first delta and {fl['concurrent_model']['p99']:+.2f} ms at p99 under "
                       f"{g['settings']['clients']} concurrent clients, measured exactly as Drafter is. Where a floor "
                       "is above its limit, the limit cannot be met on this machine by any gateway built on Flask, "
                       "gunicorn and requests; what Drafter adds above the floor is its own work (token "
                       "validation, request validation, prompt building, post-checks, JSON).")
        keep = g["upstream_connections"]["service"]
        out.append(f"- **Upstream keep-alive**: {keep['calls']} sequential service calls made the fake upstream "
                   f"accept {keep['upstream_connections']} new TCP connection(s).")
        c, cm = g["concurrent"], g["concurrent_model"]
        out.append(f"- **Two concurrency runs.** With a model that answers at once, 50 closed-loop clients "
                   f"saturate the {results['machine']['cores']} cores shared by the load generator, the fake "
                   f"upstream and gunicorn: latency there is clients / throughput (service "
                   f"{c['service_run']['throughput_rps']:.0f} req/s vs. direct {c['direct_run']['throughput_rps']:.0f}"
                   f" req/s; p99 added {c['p99']:+.1f} ms), a capacity figure for this box, not the gateway's "
                   f"added latency. With the model answering in {g['settings']['model_latency']:.1f} s (a fast real "
                   f"model's time for a short rewrite), the same 50 clients measure what the gateway adds under "
                   f"concurrency: p50 {cm['p50']:+.2f} ms, p99 {cm['p99']:+.2f} ms, with the clients' first "
                   f"calls spread over the model's latency so that calls arrive evenly, as independent users' "
                   f"do; that run is the target's.")
        if "concurrent_model_burst" in g:
            cb = g["concurrent_model_burst"]
            out.append(f"- **Synchronised clients** (all 50 released at once, so against a fixed model latency "
                       f"every round of calls reaches the service together): p50 {cb['p50']:+.2f} ms, p99 "
                       f"{cb['p99']:+.2f} ms added. This is the worst case, not the target's: 50 requests landing "
                       f"in the same millisecond queue for the {results['machine']['cores']} cores, and the last "
                       f"of each burst waits for the others' work.")
        if "ladder" in g:
            rungs = "; ".join(f"{r['label']} {r['json']['p50']:+.2f} ms (first delta {r['first_delta']['p50']:+.2f})"
                              for r in g["ladder"])
            out.append(f"- **Layer by layer** (sequential p50 added, JSON): {rungs}.")
    for r in results.get("longdoc", [])[:1]:
        schedule = (r["wall_s"] - r["after_last_answer_s"]) / r["ideal_s"]
        out.append(f"- **Long document** ({r['label']}): the map/reduce schedule alone runs at {schedule:.2f}x the "
                   f"ideal; the {r['after_last_answer_s']:.2f} s after the last answer include "
                   f"{r['post_checks_s']:.2f} s of post-checks on the whole source.")
    if results["machine"]["load_before"] != "unknown":
        out.append(f"- Load average before {results['machine']['load_before']}, after "
                   f"{results['machine'].get('load_after', '?')}, on {results['machine']['cores']} cores.")
    return out


def _gateway_section(g: dict) -> list[str]:
    st = g["settings"]
    env = " ".join(f"{k}={v}" for k, v in st["env"].items() if k != "DRAFTER_INSTANCE_PATH")
    c = g["concurrent"]
    out = ["", "## 1. Gateway overhead and 2. time to first delta", "",
           "What was run:", "",
           f"- Service: `{env} DRAFTER_INSTANCE_PATH=<tmp> python {st['argv']}` "
           f"(gthread, {st['workers']} workers x {st['threads']} threads, plain HTTP on loopback). "
           "Dev auth: every call carries a bearer token from `POST /dev/token`, validated (RS256, issuer, "
           "audience, scope, expiry) on every request.",
           "- Fake upstream: tests/fakes/upstream.py's FakeUpstream in its own process "
           "(`python -m bench.fake_upstream_server`), no added latency; it streams the rewrite back "
           "word by word as OpenAI does.",
           f"- Service call: `POST /api/v1/rewrite` `{{text: <{st['request']['service_request_bytes']}-byte JSON "
           "with a 110-word paragraph>, tone: formal}`, JSON answer (the service still streams from upstream "
           "and runs its post-checks).",
           f"- Direct call: the exact request the service sent upstream (captured from the fake and re-sent: "
           f"{st['request']['upstream_request_bytes']} bytes, stream: {st['request']['upstream_stream']}, same "
           "Content-Type and Accept), read to the end.",
           "- Client: requests.Session with keep-alive; time from just before sending to the end of the body.",
           f"- Sequential: {st['warmup']} warm-up pairs, then {st['sequential']} pairs, service and direct "
           "interleaved on one thread.",
           f"- Concurrent: {st['clients']} closed-loop clients (no think time) = {st['processes']} processes x "
           f"{st['clients'] // st['processes']} threads, {st['per_client']} calls each "
           f"({st['clients'] * st['per_client']} per target), after 2 warm-up calls per client; direct first, "
           "then service. Then the same against a second fake upstream (own process) that waits "
           f"{st['model_latency']:.1f} s before answering, {st['model_per_client']} calls per client "
           f"({st['clients'] * st['model_per_client']} per target).",
           f"- Streaming: the same rewrite with `stream: true`, {st['stream_count']} interleaved pairs; time to the "
           "first `event: delta` from the service vs. time to the first upstream chunk with non-empty "
           "`delta.content` when calling the fake directly (same reading code: iter_content as bytes arrive).",
           "- Floor app: bench/floor_app.py under the same gunicorn command (`bench.floor_app:create_app()`), "
           "measured with the same calls, pairs and clients; its direct calls re-send what it sent upstream.",
           "", "Added = service percentile minus direct percentile (ms).", "",
           "| run | calls | direct p50 | service p50 | added p50 | direct p99 | service p99 | added p99 |",
           "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    out += _latency_rows("sequential", g["sequential"])
    if "http_floor" in g:
        out += _latency_rows("HTTP floor: GET /healthz (gunicorn + Flask) vs GET /models (fake)", g["http_floor"])
    out += _latency_rows(f"{st['clients']} concurrent, model answers at once", c)
    out += _latency_rows(f"{st['clients']} concurrent, model answers in {st['model_latency']:.1f} s",
                         g["concurrent_model"])
    if "concurrent_model_burst" in g:
        out += _latency_rows(f"{st['clients']} concurrent, model answers in {st['model_latency']:.1f} s, "
                             "all released at once (burst)", g["concurrent_model_burst"])
    out += _latency_rows("first delta (streaming)", g["streaming"])
    if "floor" in g:
        fl = g["floor"]
        out += _latency_rows("floor app: sequential", fl["sequential"])
        out += _latency_rows("floor app: first delta (streaming)", fl["streaming"])
        out += _latency_rows(f"floor app: {st['clients']} concurrent, model answers in {st['model_latency']:.1f} s",
                             fl["concurrent_model"])
        if "concurrent_model_burst" in fl:
            out += _latency_rows(f"floor app: {st['clients']} concurrent, model in {st['model_latency']:.1f} s, "
                                 "burst", fl["concurrent_model_burst"])
    sp, fp = g["sequential"]["paired"], g["streaming"]["paired"]
    out += ["", f"Per-pair differences (interleaved runs): sequential p50 {sp['p50']:+.2f} ms, p99 {sp['p99']:+.2f} ms; "
            f"first delta p50 {fp['p50']:+.2f} ms, p99 {fp['p99']:+.2f} ms.", "",
            "Concurrent runs:", "", "| target | calls | errors | wall | throughput | client CPU |",
            "| --- | --- | --- | --- | --- | --- |"]
    blocks = [("model at once", c), (f"model in {st['model_latency']:.1f} s, arrivals spread", g["concurrent_model"])]
    if "concurrent_model_burst" in g:
        blocks.append((f"model in {st['model_latency']:.1f} s, burst", g["concurrent_model_burst"]))
    for label, block in blocks:
        for name in ("direct_run", "service_run"):
            r = block[name]
            out.append(f"| {name.split('_')[0]}, {label} | {r['requests']} | {r['errors']} | {r['wall_s']:.1f} s | "
                       f"{r['throughput_rps']:.0f} req/s | {r['client_cpu_s']:.1f} s |")
    if "ladder" in g:
        out += _ladder_section(g["ladder"])
    return out


def _ladder_section(ladder: list[dict]) -> list[str]:
    out = ["", "### What each layer costs (sequential, bench/gateway.py floor_ladder)", "",
           "The same rewrite call and the same fake upstream (no latency), each rung under gunicorn with the same "
           "workers and threads; pairs interleaved as in the sequential run, half as many. Added p50 / p99 in ms.",
           "", "| rung | worker | JSON added p50 | JSON added p99 | first delta added p50 | first delta added p99 |",
           "| --- | --- | --- | --- | --- | --- |"]
    for r in ladder:
        j, f = r["json"], r["first_delta"]
        out.append(f"| {r['label']} (`{r['app']}`) | {r['worker_class']} | {j['p50']:+.2f} | {j['p99']:+.2f} | "
                   f"{f['p50']:+.2f} | {f['p99']:+.2f} |")
    return out


def _longdoc_section(results: dict) -> list[str]:
    out = ["", "## 3. Long document", "",
           "What was run: a deterministic synthetic annual report (bench/document.py: chapters, sections, "
           "paragraphs with organisations, people, places, amounts, percentages and dates) sent as "
           "`POST /api/v1/summarize` `{document: {filename: annual-report.md, content_base64}, format: bullets}` "
           "to the same gunicorn setup, against a fake upstream that waits 200 ms before every answer and "
           "answers summary prompts with bullet points citing the ids it was shown. "
           "Ideal = (ceil(chunks / concurrency) + reduce rounds) x 200 ms, where reduce rounds are the waves of "
           "reduce calls the fake saw plus the final streamed call. The median of the runs is reported.", "",
           "| setting | words (pages) | chunks | calls map / reduce / final | rounds map + reduce | ideal | wall "
           "(runs) | ratio | before 1st call | after last answer | post-checks alone | ratio without the tail "
           "| points all cited |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results["longdoc"]:
        runs = ", ".join(f"{w:.2f}" for w in r["wall_s_runs"])
        out.append(f"| {r['label']}, concurrency {r['concurrency']} | {r['words']:,} ({r['pages']}) | {r['chunks']} | "
                   f"{r['map_calls']} / {r['reduce_calls']} / {r['final_calls']} | "
                   f"{r['map_rounds']} + {r['reduce_rounds']} | {r['ideal_s']:.2f} s | {r['wall_s']:.2f} s "
                   f"({runs}) | {r['ratio']:.2f}x | {r['before_first_call_s']:.2f} s | "
                   f"{r['after_last_answer_s']:.2f} s | {r['post_checks_s']:.2f} s | "
                   f"{(r['wall_s'] - r['after_last_answer_s']) / r['ideal_s']:.2f}x | "
                   f"{r['every_point_cites_real_paragraphs']} |")
    out += ["", "`before 1st call`: from sending the request to the first model call reaching the fake (JSON "
            "parsing, base64, extraction, chunking). `after last answer`: from the final call's answer starting "
            "(its arrival + 200 ms) to the end of the HTTP response (streaming the answer, citations, "
            "post-checks, JSON). `post-checks alone`: `run_checks(document, summary, summary=True)` timed "
            "in the benchmark's own process on the same text, which shows what that tail is made of. "
            "`ratio without the tail`: (wall - after last answer) / ideal, i.e. the map/reduce schedule with "
            "its HTTP calls, chunking and extraction.", "",
            "Chunking alone (in-process: `server.documents.paragraphs_from_text` then "
            "`server.assist.chunking.chunk_paragraphs` with `TokenCounter.count`, tokenizer loaded beforehand; "
            "median of repeats):", "",
            "| chunk budget | paragraphs | tokens | chunks | paragraphs split | chunking | total | tokenizer load "
            "(once) |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for c in results["chunking"]:
        out.append(f"| {c['budget_tokens']} | {c['paragraphs']:,} | {c['tokens']:,} | {c['chunks']} | "
                   f"{c['paragraphs_s']:.3f} s | {c['chunk_s']:.3f} s | {c['total_s']:.3f} s | "
                   f"{c['tokenizer_load_s']:.3f} s |")
    return out


def _documents_section(d: dict) -> list[str]:
    docx, xlsx, big, upload = d["docx"], d["xlsx"], d["big_xlsx"], d["upload_413"]

    def runs(block: dict) -> str:
        return ", ".join(f"{r:.2f}" for r in block["runs_s"])

    out = ["", "## 4. Document extraction (bench/documents.py)", "",
           "What was run: files generated deterministically in a temp dir, then `server.documents.extract(name, "
           f"bytes)` with the default limits, {d['repeat']} timed runs after one unmeasured run, median reported. "
           "Peak memory: the same extraction once more in a fresh `python -c` process; peak RSS is that "
           "process's VmHWM (/proc/self/status), `added` is peak minus its peak just before `extract()` (imports done, file "
           "bytes read).", "",
           f"- .docx: bench/document.py's annual report, {docx['words']:,} words ({docx['pages']} pages at 500 "
           "words), written with python-docx as Word writes a real report: Title, Heading 1/2, body paragraphs "
           f"with bold runs, {docx['tables']} captioned Table Grid tables with a header row, "
           f"{docx['list_items']:,} bullet and numbered list items, {docx['quotes']} quotes, "
           f"{docx['footnotes']:,} footnotes, {docx['comments']} review comments, a header and a footer with a "
           f"PAGE field, a page break before each chapter; {docx['bytes'] / 1024:.0f} kB.",
           f"- .xlsx: openpyxl write_only, one sheet of {xlsx['rows']:,} rows x {xlsx['columns']} columns "
           f"(integers, text, decimals, dates, booleans); {xlsx['bytes'] / 1024:.0f} kB. Output capped at the "
           "default 2,000 rows x 50 columns per sheet.",
           f"- ~50 MB upload: an .xlsx of {big['rows']:,} rows x {big['columns']} columns whose sheet XML is "
           f"written directly ({big['bytes'] / 1024 / 1024:.1f} MB), extracted with limits {big['limits']} (the "
           "service's file cap is 10 MB; this checks memory, so the 20 s deadline is raised too).",
           f"- 413: a fresh process builds the app (dev auth) and posts a {upload['body_bytes'] / 1024 / 1024:.0f} MB "
           "multipart body to `POST /api/v1/documents/extract` through Flask's test client, from a stream that "
           "produces bytes on demand and counts them; MAX_BODY_BYTES is "
           f"{upload['max_body_bytes'] / 1024 / 1024:.0f} MB.", "",
           "| file | extract median | runs (s) | peak RSS | added | output |", "| --- | --- | --- | --- | --- | --- |"]
    for name, block in ((".docx, 300 pages", docx), (".xlsx, 50,000 rows", xlsx)):
        m, stats = block["memory"], block["stats"]
        output = (f"{stats['paragraphs']:,} paragraphs, {stats['tables']} tables, {stats.get('footnotes', 0):,} "
                  f"footnotes, {stats.get('comments', 0)} comments" if "sheets" not in stats else
                  f"{stats['paragraphs']:,} paragraphs; sheets {block['sheets']}")
        out.append(f"| {name} | {block['median_s']:.2f} s | {runs(block)} | {m['peak_mb']:.0f} MB | "
                   f"{m['added_mb']:.0f} MB | {output} |")
    m = big["memory"]
    out.append(f"| .xlsx, {big['bytes'] / 1024 / 1024:.0f} MB, limits raised | {m['seconds']:.2f} s (one run) | - | "
               f"{m['peak_mb']:.0f} MB | {m['added_mb']:.0f} MB | {m['stats']['rows']:,} rows counted, "
               f"{m['stats']['paragraphs']:,} paragraphs |")
    out += ["", f"50 MB request: answered {upload['status']} ({upload['error']}) after reading "
            f"{upload['read_bytes']:,} of its {upload['body_bytes']:,} bytes; that process's peak RSS "
            f"{upload['peak_mb']:.0f} MB (+{upload['added_mb']:.0f} MB over its RSS before the request)."]
    return out


def _pane_section(p: dict) -> list[str]:
    size, paint = p["size"], p["paint"]
    out = ["", "## 5. Task pane budgets (bench/pane.py)", "",
           "What was run:", "",
           f"- Size: every .js and .css under addin/ except addin/vendor/ (MSAL) and addin/admin/ (the admin "
           f"dashboard's page), {len(size['files'])} files, each "
           "compressed alone with Python's `gzip.compress(data, compresslevel=9)` (gzip -9), summed. Office.js "
           "is loaded from Microsoft's CDN and is not in the repository, so it is not counted.",
           f"- Paint: `python {p['service']['argv']}` (dev auth, plain HTTP on loopback) serving the pages; "
           f"`{p['chromium_path']} {' '.join(p['chromium_args'])}` (Chromium {paint['chromium']}) through "
           "Playwright. Each load is a fresh browser context (empty cache), after one unmeasured load per page; "
           "`first-paint` and `first-contentful-paint` are read from "
           "`performance.getEntriesByType(\"paint\")` (ms from navigation start). /addin/taskpane.html runs "
           "with a fake `Office` global (Word, en-US) injected before its scripts and the Office.js CDN request "
           "answered with an empty script, as tests/test_preview_browser.py does; /addin/preview.html runs "
           "as is (Word stand-in, signed out).", "",
           "| file | bytes | gzipped |", "| --- | --- | --- |"]
    out += [f"| {f['path']} | {f['bytes']:,} | {f['gzip_bytes']:,} |" for f in size["files"]]
    out += [f"| total | {size['bytes']:,} | {size['gzip_bytes']:,} ({size['gzip_bytes'] / 1024:.1f} KB) |", "",
            "| page | loads | first paint median | first contentful paint median | first paint runs (ms) | "
            "first contentful paint runs (ms) |", "| --- | --- | --- | --- | --- | --- |"]
    for name in ("taskpane", "preview"):
        b = paint[name]
        out.append(f"| {b['path']} | {b['loads']} | {b['first_paint_median_ms']:.0f} ms | "
                   f"{b['first_contentful_paint_median_ms']:.0f} ms | "
                   f"{', '.join(f'{v:.0f}' for v in b['first_paint_ms'])} | "
                   f"{', '.join(f'{v:.0f}' for v in b['first_contentful_paint_ms'])} |")
    shown = paint["taskpane"].get("pane_shown_ms")
    if shown:  # no target: until then the task pane shows Drafter's mark and a starting line
        out += ["", f"The task pane itself (the performance mark `drafter:shown:pane-wrap`, after Office.onReady, "
                f"its host adapter and the sign-in settings) showed after {paint['taskpane']['pane_shown_median_ms']:.0f} ms "
                f"(median; runs: {', '.join(f'{v:.0f}' for v in shown)})."]
    return out
