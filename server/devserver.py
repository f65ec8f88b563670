"""`make run`: the whole service on https://localhost:3000 with dev auth and the embedded local model.

Creates the development certificate once, starts llama.cpp's server on loopback (unless another provider is
configured), then gunicorn serving server.wsgi:app over TLS; Ctrl-C stops both. DRAFTER_* variables set in
the environment win over these development defaults.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from server import config as config_module
from server.app import create_app
from server.devcert import ensure_dev_certificate, trust_instructions
from server.llm.local import LocalModelServer, LocalModelUnavailable

ROOT = Path(__file__).resolve().parents[1]
PAGES = (
    ("/preview", "Preview page (without Office):"),
    ("/manifest/word.xml", "Word manifest:"),
    ("/manifest/outlook.xml", "Outlook manifest:"),
    ("/manifest/manifest.json", "Unified manifest:"),
    ("/manifest/package.zip", "App package (admin center):"),
    ("/api/v1/openapi.json", "API description:"),
    ("/healthz", "Health:"),
)


def _stop_on_sigterm(_signum, _frame):
    raise KeyboardInterrupt  # `kill` or a supervisor stops us like Ctrl-C does: children are stopped too


def main() -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    os.environ.setdefault("DRAFTER_AUTH_MODE", "dev")
    try:
        settings = config_module.load()
        # Building the app once here checks everything it checks (policy file, model settings) before
        # anything starts, and tells which pages this build serves.
        routes = {rule.rule for rule in create_app().url_map.iter_rules()}
    except config_module.ConfigError as exc:
        print(f"drafter: configuration error: {exc}", file=sys.stderr)
        return 2
    public = urlsplit(settings["PUBLIC_URL"])
    port = public.port or 443
    bind_host = "127.0.0.1" if config_module.is_loopback_host(public.hostname) else "0.0.0.0"
    instance = Path(settings["INSTANCE_PATH"] or ROOT / "instance")
    instance.mkdir(parents=True, exist_ok=True)
    ca, cert, key, created = ensure_dev_certificate(instance / "devcert")
    if created:
        print(trust_instructions(ca))
    else:
        print(f"Development certificate: {cert} (CA {ca}; trust the CA once, see README)")

    local = None
    if settings["MODEL_PROVIDER"] == "local":
        local = LocalModelServer(settings["LOCAL_MODEL_URL"], log_file=instance / "local-model.log")
        print(f"Starting the local model (SmolLM2-135M-Instruct) at {local.base_url} ...", flush=True)
        try:
            local.start()
        except LocalModelUnavailable as exc:
            print(f"drafter: {exc}", file=sys.stderr)
            return 1
    gunicorn = subprocess.Popen([
        sys.executable, "-m", "gunicorn", "server.wsgi:app",
        "--bind", f"{bind_host}:{port}", "--certfile", str(cert), "--keyfile", str(key),
        "--worker-class", "gthread", "--workers", "2", "--threads", "16",
        "--timeout", "0", "--graceful-timeout", "30", "--access-logfile", "-",
        # a 16 KB access token must reach Drafter's own check (gunicorn's default stops header lines at 8 KB)
        "--limit-request-field_size", "16500",
    ], cwd=ROOT)
    base = settings["PUBLIC_URL"]
    pages = [(path, label) for path, label in PAGES if path in routes]
    print("\n".join(["", f"Drafter is starting at {base}  (Ctrl-C stops it)"]
                    + [f"  {label:<36}{base}{path}" for path, label in pages] + [""]), flush=True)
    try:
        return gunicorn.wait()
    except KeyboardInterrupt:
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(35)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
        return 0
    finally:
        if local is not None:
            local.stop()


if __name__ == "__main__":
    sys.exit(main())
