"""Presets are data: built-ins load, admins override or add by id, bad shapes say where they are wrong."""
from __future__ import annotations

import pytest

from server.assist.presets import Presets
from server.errors import InvalidRequest


def test_builtins_cover_the_issue():
    presets = Presets.load()
    ids = {p["id"] for p in presets.public_list()}
    assert {f"tone.{t}" for t in ("formal", "neutral", "friendly", "concise", "plain")} <= ids
    assert {"length.shorter", "length.same", "length.longer", "translate", "proofread"} <= ids
    assert {"draft.reply", "draft.memo", "draft.letter", "draft.briefing", "draft.email"} <= ids
    for entry in presets.public_list():
        assert entry["label"]["en"] and entry["label"]["fr"]
        assert entry["kind"] in ("tone", "length", "rewrite", "summarize", "draft", "review")
    assert "langage clair" in presets.get("tone.plain").instruction
    assert presets.get("proofread").output == "proofread"
    assert presets.get("translate").needs_language and presets.get("translate").translation


def test_override_changes_fields_and_keeps_the_rest():
    presets = Presets.load({"tone.formal": {"instruction": "Write like a ministry."}})
    formal = presets.get("tone.formal")
    assert formal.instruction == "Write like a ministry."
    assert formal.label["fr"] == "Soutenu"


def test_admin_adds_a_preset():
    presets = Presets.load({"rewrite.legal": {"kind": "rewrite", "label": {"en": "Legal", "fr": "Juridique"},
                                              "instruction": "Use legal register."}})
    assert presets.get("rewrite.legal", job="rewrite").instruction == "Use legal register."
    assert "rewrite.legal" in [p["id"] for p in presets.public_list()]


@pytest.mark.parametrize("overrides, message", [
    ({"x": {"kind": "rewrite", "label": {"en": "X"}}}, "presets.x.instruction: must be a non-empty string"),
    ({"x": {"kind": "poem", "label": {"en": "X"}, "instruction": "i"}}, "presets.x.kind: must be one of"),
    ({"x": {"kind": "rewrite", "instruction": "i"}}, "presets.x.label: must be a mapping"),
    ({"x": {"kind": "rewrite", "label": {"de": "X", "en": "X"}, "instruction": "i"}}, "presets.x.label: only"),
    ({"x": {"kind": "rewrite", "label": "X", "instruction": "i", "colour": 1}}, "presets.x.colour: unknown field"),
    ({"x": {"kind": "rewrite", "label": "X", "instruction": "i", "output": "pdf"}}, "presets.x.output"),
    ({"x": {"kind": "rewrite", "label": "X", "instruction": "i", "translation": "yes"}}, "presets.x.translation"),
    ({"x": "just text"}, "presets.x: must be a mapping"),
    ({"bad id!": {"kind": "rewrite", "label": "X", "instruction": "i"}}, "presets.bad id!.id"),
    ({"x": {"id": "y", "kind": "rewrite", "label": "X", "instruction": "i"}}, "presets.x.id: differs"),
    (["x"], "presets: must be a mapping"),
])
def test_bad_overrides_are_refused_with_their_path(overrides, message):
    with pytest.raises(ValueError) as caught:
        Presets.load(overrides)
    assert str(caught.value).startswith(message)


def test_unknown_preset_and_wrong_job():
    presets = Presets.load()
    with pytest.raises(InvalidRequest) as caught:
        presets.get("nope")
    assert caught.value.field == "preset"
    assert caught.value.message == "unknown preset 'nope'; see GET /api/v1/presets"
    with pytest.raises(InvalidRequest, match="cannot be used by summarize"):
        presets.get("proofread", job="summarize")
    assert presets.get("tone.plain", job="draft").kind == "tone"
