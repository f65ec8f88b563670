"""Targets, pass/fail, the console table and bench/RESULTS.md from the raw results of bench/run.py."""
from __future__ import annotations

TARGETS = {
    "seq_p50": ("gateway overhead, sequential, p50 added", 1.5, "ms"),
    "conc_p99": ("gateway overhead, 50 concurrent, p99 added", 5.0, "ms"),
    "stream_p50": ("time to first delta, p50 added", 2.0, "ms"),
    "longdoc_ratio": ("long document wall time / ideal", 1.3, "x"),
    "chunking": ("chunking 300 pages", 2.0, "s"),
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
        add("conc_p99", g["concurrent"]["p99"])
        add("stream_p50", g["streaming"]["p50"])
    for run in results.get("longdoc", []):
        add("longdoc_ratio", run["ratio"], f" ({run['label']}, {run['chunks']} chunks)")
    for c in results.get("chunking", []):
        add("chunking", c["total_s"], f" ({c['budget_tokens']}-token chunks)")
    return rows


def all_pass(results: dict) -> bool:
    return all(row[5] for row in checks(results))


def _fmt(value: float, unit: str) -> str:
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
           f"- Packages: {', '.join(f'{k} {v}' for k, v in m['packages'].items())}",
           f"- Load average (1, 5, 15 min) before: {m['load_before']}; after: {m.get('load_after', '?')}",
           f"- Total run time: {results.get('runtime_s', 0):.0f} s", "",
           "## Summary", "", "| target | measured | limit | result |", "| --- | --- | --- | --- |"]
    out += [f"| {what} | {_fmt(value, unit)} | {_fmt(target, unit)} | {'PASS' if ok else 'FAIL'} |"
            for _key, what, value, target, unit, ok in checks(results)]
    out += _findings(results)
    if "gateway" in results:
        out += _gateway_section(results["gateway"])
    if "whatif" in results:
        out += _whatif_section(results)
    if "breakdown" in results:
        out += _breakdown_section(results)
    if "longdoc" in results:
        out += _longdoc_section(results)
    return "\n".join(out) + "\n"


def _whatif_section(results: dict) -> list[str]:
    w, g = results["whatif"], results.get("gateway")
    out = ["", "### What-if: upstream connections kept alive (bench/whatif_wsgi.py)", "",
           "The same runs against a build where the model client reads the body to its end after `[DONE]` "
           "(so urllib3 returns the connection to the pool). Not the shipped code: it measures what that one "
           "change would gain.", "",
           "| run | added p50 (shipped) | added p50 (what-if) | added p99 (shipped) | added p99 (what-if) |",
           "| --- | --- | --- | --- | --- |"]
    for key, name in (("sequential", "sequential"), ("concurrent", "50 concurrent"), ("streaming", "first delta")):
        shipped = g[key] if g else {"p50": float("nan"), "p99": float("nan")}
        out.append(f"| {name} | {shipped['p50']:+.2f} | {w[key]['p50']:+.2f} | {shipped['p99']:+.2f} | "
                   f"{w[key]['p99']:+.2f} |")
    s = w["upstream_connections"]["service"]
    out += ["", f"Upstream connections in the what-if: {s['upstream_connections']} for {s['calls']} calls."]
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
    """What the figures say about where the time goes, with the code to change (as of the run's date)."""
    out = ["", "## Findings", ""]
    g, b, w = results.get("gateway"), results.get("breakdown"), results.get("whatif")
    if g and b:
        st = b["stages_ms"]
        small = st["token validation"] + st["Flask dispatch (GET /healthz, test client)"] + \
            st["validation + prompt building (tiktoken)"]
        out.append(f"- **Rewrite overhead** (sequential +{g['sequential']['p50']:.1f} ms at p50). In-process "
                   f"(bench/breakdown.py), the whole request takes {st['whole request (test client, JSON)']:.1f} ms: "
                   f"the upstream call through the model client {st['upstream call: stream + SSE decode']:.1f} ms, "
                   f"where plain requests reads the same stream in "
                   f"{st['same stream, plain requests read (keep-alive)']:.1f} ms; the post-checks "
                   f"{st['post-checks (facts, readability)']:.1f} ms; token validation, Flask dispatch and prompt "
                   f"building together {small:.1f} ms. The lead's code (auth, API) is not where the time goes; "
                   "gunicorn's HTTP handling and the shared cores make up the difference to the figure through "
                   "the socket.")
    keep = g and g["upstream_connections"]["service"]
    if keep and keep["upstream_connections"] >= keep["calls"]:
        gain = (f" (the what-if build below: {g['sequential']['p50'] - w['sequential']['p50']:.1f} ms less added at "
                f"p50 sequential)") if w else ""
        out.append("- **No keep-alive to the model**: every streamed model call opens a new TCP connection "
                   f"({keep['upstream_connections']} for {keep['calls']} calls). `iter_chat_text` "
                   "(server/llm/sse.py) returns at `[DONE]` before the chunked body's last, empty chunk is read; "
                   "`_stream_pieces` (server/llm/openai_client.py) then closes the response, and urllib3 drops "
                   "a connection whose body was not read to the end. Fix: after `[DONE]`, read the rest of the "
                   f"body (a few bounded reads until b\"\") before closing{gain}. Against a real https endpoint "
                   "this saves a TCP + TLS handshake per call, and per map call of a long summary.")
    if b:
        plain = st["same stream, plain requests read (keep-alive)"]
        decode = st["same stream, SSE decode alone (iter_chat_text, in memory)"]
        out.append(f"- **Per-event cost of the stream**: plain requests reads the same stream in {plain:.1f} ms "
                   f"in-process; the SSE decoder alone (line parsing, `json.loads`, filter checks for "
                   f"{b.get('stream_pieces', '?')} network pieces) takes {decode:.1f} ms on those bytes; the model "
                   "client's own reading (one `read1` per event, deadline and socket-timeout bookkeeping, "
                   "generator layers) and the new connection per call make up the rest of its "
                   f"{st['upstream call: stream + SSE decode']:.1f} ms.")
        out.append("- **Post-checks**: `_facts` (server/assist/checks.py) calls `missing_numeric` twice, and each "
                   "call runs `numeric_facts` on both texts, so each text is parsed twice; parse each text once "
                   "and compare the parsed facts both ways. `_dates` (server/assist/facts.py) tests every match "
                   "against every earlier span (quadratic in the number of dates): an occupancy array or bisect "
                   "makes it linear.")
    if g:
        c = g["concurrent"]
        out.append(f"- **50 concurrent clients** is a closed-loop saturation test on {results['machine']['cores']} "
                   "cores shared by the 2 gunicorn workers, the fake upstream and 10 client processes: latency is "
                   "clients / throughput (service "
                   f"{c['service_run']['throughput_rps']:.0f} req/s vs. direct {c['direct_run']['throughput_rps']:.0f} "
                   f"req/s, so p99 {c['service']['p99']:.0f} ms vs. {c['direct']['p99']:.0f} ms). The added p99 "
                   "measures the service's CPU cost per request, multiplied by the queue; it falls only with less "
                   "CPU per request (the items above) and more cores for the workers.")
    for r in results.get("longdoc", [])[:1]:
        schedule = (r["wall_s"] - r["after_last_answer_s"]) / r["ideal_s"]
        out.append(f"- **Long document**: without the tail, the map/reduce schedule runs at {schedule:.2f}x the ideal "
                   f"(before the first call {r['before_first_call_s']:.2f} s); the tail after the last "
                   f"model answer takes {r['after_last_answer_s']:.1f} s of the {r['wall_s']:.1f} s, and the "
                   f"post-checks on the 1 MB source alone take {r['post_checks_s']:.1f} s. Besides the quadratic "
                   "`_dates`, the `added` check parses the whole document for every summary; checking each "
                   "point's figures against the paragraphs it cites would be both faster and more exact.")
    if results["machine"]["load_before"] != "unknown":
        out.append(f"- The machine was shared while this ran (load average before {results['machine']['load_before']}, "
                   f"after {results['machine'].get('load_after', '?')}, on {results['machine']['cores']} cores): "
                   "absolute figures are pessimistic; the ratios between runs taken at the same time are the "
                   "meaningful part.")
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
           "then service.",
           f"- Streaming: the same rewrite with `stream: true`, {st['stream_count']} interleaved pairs; time to the "
           "first `event: delta` from the service vs. time to the first upstream chunk with non-empty "
           "`delta.content` when calling the fake directly (same reading code: iter_content as bytes arrive).",
           "", "Added = service percentile minus direct percentile (ms).", "",
           "| run | calls | direct p50 | service p50 | added p50 | direct p99 | service p99 | added p99 |",
           "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    out += _latency_rows("sequential", g["sequential"])
    out += _latency_rows(f"{st['clients']} concurrent", c)
    out += _latency_rows("first delta (streaming)", g["streaming"])
    sp, fp = g["sequential"]["paired"], g["streaming"]["paired"]
    out += ["", f"Per-pair differences (interleaved runs): sequential p50 {sp['p50']:+.2f} ms, p99 {sp['p99']:+.2f} ms; "
            f"first delta p50 {fp['p50']:+.2f} ms, p99 {fp['p99']:+.2f} ms.", "",
            "Concurrent runs:", "", "| target | calls | errors | wall | throughput | client CPU |",
            "| --- | --- | --- | --- | --- | --- |"]
    for name in ("direct_run", "service_run"):
        r = c[name]
        out.append(f"| {name.split('_')[0]} | {r['requests']} | {r['errors']} | {r['wall_s']:.1f} s | "
                   f"{r['throughput_rps']:.0f} req/s | {r['client_cpu_s']:.1f} s |")
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
