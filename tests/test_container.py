"""The container files: the image runs gunicorn as an unprivileged user with only what the service needs, and
the compose file wires PostgreSQL and Redis without secrets. No Docker engine runs on the test machines, so
the image is not built here: what it copies is checked to be enough by running the app from a copy of
exactly those folders."""
from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys

import yaml

from tests.conftest import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def instructions(name: str) -> list[str]:
    return [line.split(None, 1)[1] for line in DOCKERFILE.splitlines() if line.startswith(name + " ")]


def test_the_image_runs_gunicorn_as_an_unprivileged_user():
    users = instructions("USER")
    assert users and users[-1] not in ("root", "0", "0:0")
    assert instructions("CMD")[-1] == '["gunicorn", "--config", "server/gunicorn.conf.py", "server.wsgi:app"]'
    assert (ROOT / "server" / "gunicorn.conf.py").is_file()
    assert instructions("EXPOSE") == ["8000"]
    assert instructions("HEALTHCHECK") and "/healthz" in DOCKERFILE


def test_the_image_installs_the_production_requirements_only():
    runs = " ".join(instructions("RUN"))
    assert "pip install --no-compile -r requirements.txt" in runs
    assert "requirements-dev" not in DOCKERFILE and "requirements-local-model" not in runs


def test_what_the_image_copies_is_enough_to_serve(tmp_path):
    copied = [line.split()[0].rstrip("/") for line in instructions("COPY")]
    assert copied == ["requirements.txt", "server", "addin", "manifest"]
    app_dir = tmp_path / "app"
    for name in copied[1:]:
        shutil.copytree(ROOT / name, app_dir / name, ignore=shutil.ignore_patterns("__pycache__"))
    script = (
        "from server.app import create_app\n"
        "app = create_app({'AUTH_MODE': 'entra', 'PUBLIC_URL': 'https://drafter.agency.test',"
        " 'CLIENT_ID': '0c5f3d2e-0000-4000-8000-0000000d12af',"
        " 'TENANT_IDS': ['72f988bf-86f1-41af-91ab-2d7cd011db47'], 'MODEL_PROVIDER': 'openai',"
        " 'MODEL_BASE_URL': 'https://llm.agency.test/v1', 'MODEL_NAME': 'm'})\n"
        "client = app.test_client()\n"
        "for path in ('/addin/taskpane.html', '/addin/pane.js', '/manifest/word.xml', '/manifest/outlook.xml',"
        " '/manifest/manifest.json', '/manifest/package.zip', '/privacy', '/admin', '/healthz'):\n"
        "    status = client.get(path).status_code\n"
        "    assert status == 200, (path, status)\n"
        "print('served')\n")
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(app_dir), "DRAFTER_INSTANCE_PATH": str(tmp_path / "inst")}
    done = subprocess.run([sys.executable, "-c", script], cwd=app_dir, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and done.stdout.strip().endswith("served"), done.stderr[-3000:]


def test_the_build_context_leaves_out_local_state_and_secrets():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".git", ".venv", "instance", "node_modules", "tests", "*.env", ".env"} <= ignored


def test_compose_wires_postgres_and_redis_without_secrets():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"drafter", "postgres", "redis"}
    drafter = services["drafter"]
    assert drafter["environment"]["DRAFTER_DATABASE_URL"].startswith("postgresql://drafter:${POSTGRES_PASSWORD:?")
    assert drafter["environment"]["DRAFTER_REDIS_URL"] == "redis://redis:6379/0"
    assert {name: dep["condition"] for name, dep in drafter["depends_on"].items()} == {
        "postgres": "service_healthy", "redis": "service_healthy"}
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert all("healthcheck" in services[name] for name in ("postgres", "redis"))
    assert drafter["read_only"] is True
    # no password, key or token written into the file itself
    text = (ROOT / "compose.yaml").read_text()
    assert not re.search(r"(?i)(password|secret|api_key)\s*[:=]\s*[\"']?[A-Za-z0-9]{6,}", text)


def test_compose_waits_longer_than_gunicorn_lets_streams_finish():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    grace = int(compose["services"]["drafter"]["stop_grace_period"].rstrip("s"))
    # read the setting without running the file (running it prepares the metrics directory for a server)
    tree = ast.parse((ROOT / "server" / "gunicorn.conf.py").read_text())
    settings = {target.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Name)}
    assert grace > ast.literal_eval(settings["graceful_timeout"])


def test_the_example_env_file_names_only_real_settings():
    from server.config import BY_NAME

    for line in (ROOT / "docs" / "drafter.env.example").read_text().splitlines():
        line = line.lstrip("# ").strip()
        if line.startswith("DRAFTER_") and "=" in line:
            assert line.split("=", 1)[0].removeprefix("DRAFTER_") in BY_NAME, line
