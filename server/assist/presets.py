"""Prompt presets: loaded from presets.yaml (shipped beside this module), then the admin's overrides.

Overrides come from the `presets` section of DRAFTER_POLICY_FILE: a mapping of id -> fields. An existing id
is overridden field by field; a new id must give every required field. Bad shapes raise
ValueError("presets.<id>.<field>: reason") so start-up can refuse the policy file with one line.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from importlib import resources

import yaml

from server.errors import InvalidRequest

KINDS = ("tone", "length", "rewrite", "summarize", "draft", "review")
OUTPUTS = ("text", "proofread")
_ID_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
_FIELDS = {"id", "kind", "label", "description", "instruction", "output", "translation", "needs_language"}
# which jobs may name a preset of each kind in `preset`
USABLE_BY = {"tone": {"rewrite", "draft"}, "length": {"rewrite", "draft"}, "rewrite": {"rewrite"},
             "summarize": {"summarize"}, "draft": {"draft"}, "review": {"review"}}


@dataclass(frozen=True)
class Preset:
    id: str
    kind: str
    label: dict
    instruction: str
    description: dict
    output: str = "text"
    translation: bool = False
    needs_language: bool = False

    def public(self) -> dict:
        return {"id": self.id, "kind": self.kind, "label": dict(self.label),
                "description": dict(self.description), "output": self.output,
                "needs_language": self.needs_language}


def _bilingual(pid: str, field: str, value, *, required: bool) -> dict:
    if value is None and not required:
        return {}
    if isinstance(value, str):  # one string serves both languages
        value = {"en": value}
    if not isinstance(value, dict) or not isinstance(value.get("en"), str) or not value["en"].strip():
        raise ValueError(f"presets.{pid}.{field}: must be a mapping with a non-empty 'en' string (and 'fr')")
    for lang, text in value.items():
        if lang not in ("en", "fr") or not isinstance(text, str):
            raise ValueError(f"presets.{pid}.{field}: only 'en' and 'fr' strings are allowed, got {lang!r}")
    return {"en": value["en"], "fr": value.get("fr") or value["en"]}


def _build(pid: str, raw: dict) -> Preset:
    unknown = set(raw) - _FIELDS
    if unknown:
        raise ValueError(f"presets.{pid}.{sorted(unknown)[0]}: unknown field (allowed: {', '.join(sorted(_FIELDS))})")
    if not pid or not set(pid) <= _ID_CHARS or len(pid) > 64:
        raise ValueError(f"presets.{pid}.id: use up to 64 letters, digits, '.', '_' or '-'")
    if raw.get("kind") not in KINDS:
        raise ValueError(f"presets.{pid}.kind: must be one of {', '.join(KINDS)}")
    instruction = raw.get("instruction")
    if not isinstance(instruction, str) or not instruction.strip():
        raise ValueError(f"presets.{pid}.instruction: must be a non-empty string")
    if len(instruction) > 4000:
        raise ValueError(f"presets.{pid}.instruction: at most 4000 characters (small models need short prompts)")
    output = raw.get("output", "text")
    if output not in OUTPUTS:
        raise ValueError(f"presets.{pid}.output: must be one of {', '.join(OUTPUTS)}")
    for flag in ("translation", "needs_language"):
        if not isinstance(raw.get(flag, False), bool):
            raise ValueError(f"presets.{pid}.{flag}: must be true or false")
    return Preset(
        id=pid, kind=raw["kind"], instruction=instruction.strip(), output=output,
        label=_bilingual(pid, "label", raw.get("label"), required=True),
        description=_bilingual(pid, "description", raw.get("description"), required=False),
        translation=raw.get("translation", False), needs_language=raw.get("needs_language", False),
    )


def _builtin() -> dict[str, dict]:
    text = resources.files("server.assist").joinpath("presets.yaml").read_text(encoding="utf-8")
    return {entry["id"]: entry for entry in yaml.safe_load(text)["presets"]}


class Presets:
    def __init__(self, presets: dict[str, Preset]):
        self._presets = presets

    @classmethod
    def load(cls, overrides: dict | None = None) -> Presets:
        raw = _builtin()
        if overrides is not None and not isinstance(overrides, dict):
            raise ValueError("presets: must be a mapping of preset id to fields")
        for pid, fields in (overrides or {}).items():
            if not isinstance(pid, str):
                raise ValueError(f"presets.{pid}: the id must be a string")
            if not isinstance(fields, dict):
                raise ValueError(f"presets.{pid}: must be a mapping of fields")
            if "id" in fields and fields["id"] != pid:
                raise ValueError(f"presets.{pid}.id: differs from the key it is under")
            merged = copy.deepcopy(raw.get(pid, {}))
            merged.update(fields)
            merged["id"] = pid
            raw[pid] = merged
        return cls({pid: _build(pid, fields) for pid, fields in raw.items()})

    def get(self, preset_id: str, *, job: str | None = None, field: str = "preset") -> Preset:
        """The preset `preset_id`; with `job`, also check that the job may use it."""
        preset = self._presets.get(preset_id)
        if preset is None:
            raise InvalidRequest(f"unknown preset '{preset_id}'; see GET /api/v1/presets", field=field)
        if job is not None and job not in USABLE_BY[preset.kind]:
            raise InvalidRequest(f"preset '{preset_id}' is a {preset.kind} preset and cannot be used by {job}",
                                 field=field)
        return preset

    def usable_by(self, job: str) -> list[Preset]:
        """The presets `job` may name in `preset`, by id."""
        return sorted((p for p in self._presets.values() if job in USABLE_BY[p.kind]), key=lambda p: p.id)

    def public_list(self) -> list[dict]:
        return [p.public() for p in sorted(self._presets.values(), key=lambda p: (KINDS.index(p.kind), p.id))]

    def __contains__(self, preset_id: str) -> bool:
        return preset_id in self._presets
