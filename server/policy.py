"""The admin's policy file (DRAFTER_POLICY_FILE): presets now; guard rules, quotas and routing later.

YAML or JSON, read once at start-up. Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

import json
from pathlib import Path

import yaml

KNOWN_SECTIONS = {"presets", "guard", "quotas", "routing", "retention"}


def load_policy(path: str | None) -> dict:
    """Return the policy as a dict ({} without a file); raise ValueError('DRAFTER_POLICY_FILE: ...')."""
    if not path:
        return {}
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.lower().endswith(".json") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        where = getattr(exc, "problem_mark", None) or getattr(exc, "lineno", None)
        raise ValueError(f"DRAFTER_POLICY_FILE: {path} is not valid {'JSON' if path.endswith('.json') else 'YAML'}"
                         f"{f' (at {where})' if where else ''}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"DRAFTER_POLICY_FILE: {path} must hold a mapping at the top level")
    unknown = sorted(set(data) - KNOWN_SECTIONS)
    if unknown:
        raise ValueError(f"DRAFTER_POLICY_FILE: unknown section {unknown[0]!r} "
                         f"(known: {', '.join(sorted(KNOWN_SECTIONS))})")
    return data
