"""The policy guard: every job's material screened before any of it leaves for the model.

A job hands `Guard.screen` everything it is about to send (the text, instruction, context, earlier turns,
documents with their labels, attachments) and gets back the model to use: the configured one, the endpoint a
route rule names, either of them redacting. A block rule raises BlockedByPolicy (403) with the reason the pane
shows. The verdict says what was found and done (types and counts, never the values) for the result's
`guard` field and the audit record.
Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from server.errors import BlockedByPolicy
from server.governance.detectors import find_markings, find_personal_data, marking_type
from server.governance.guarded_model import RedactingModel, Unscreened
from server.governance.material import Material
from server.governance.redaction import Redactor
from server.governance.rules import PERSONAL_REASON, REASONS, STRENGTH, TYPE_NAMES, GuardPolicy

DISABLED = {"enabled": False, "findings": [], "actions": []}


@dataclass
class Finding:
    type: str
    count: int = 0
    action: str | None = None  # None: found, and no rule acts on it
    first: tuple[Material, str] | None = None  # where it was first seen, and what (a marking or a label name)

    def to_dict(self) -> dict:
        return {"type": self.type, "count": self.count, "action": self.action or "none"}


@dataclass
class Verdict:
    findings: dict[str, Finding] = field(default_factory=dict)
    endpoint: str | None = None  # the route taken, if any
    label: dict | None = None  # the highest marking or label seen: {"classification", "mip"}
    redacted: dict[str, int] = field(default_factory=dict)  # distinct values replaced by placeholders, by type

    @property
    def actions(self) -> list[str]:
        taken = {f.action for f in self.findings.values() if f.action}
        return sorted(taken, key=lambda a: -STRENGTH[a])

    def counts(self) -> dict[str, int]:
        return {kind: f.count for kind, f in self.findings.items()}

    def to_dict(self) -> dict:
        body = {"enabled": True, "findings": [f.to_dict() for f in self.findings.values()],
                "actions": self.actions}
        if self.endpoint:
            body["endpoint"] = self.endpoint
        return body


class Guard:
    """Screens a job's material under `policy`; `routes` are the models route rules may name."""

    def __init__(self, policy: GuardPolicy, routes: Mapping[str, object] | None = None):
        self.policy = policy
        self.routes = dict(routes or {})

    @property
    def enabled(self) -> bool:
        return self.policy.enabled

    def screen(self, materials: list[Material], model) -> tuple[object, Verdict]:
        """(the model the job must use, the verdict); raises BlockedByPolicy."""
        if isinstance(model, Unscreened):
            model = model.inner
        verdict, matches = self.inspect(materials)
        blocking = [f for f in verdict.findings.values() if f.action == "block"]
        if blocking:
            raise self._blocked(min(blocking, key=lambda f: _order(f, materials)), verdict)
        routes = [f for f in verdict.findings.values() if f.action == "route"]
        if routes:
            rule = min((self.policy.rule_for(f.type) for f in routes), key=self.policy.rules.index)
            verdict.endpoint = rule.endpoint
            model = self.routes[rule.endpoint]
        redact = tuple(kind for kind, f in verdict.findings.items() if f.action == "redact")
        if redact:
            redactor = Redactor(redact, phone_regions=self.policy.phone_regions)
            for material in materials:
                redactor.reserve(material.text or "")
            redactor.learn(matches)
            verdict.redacted = redactor.counts
            model = RedactingModel(model, redactor)
        return model, verdict

    def inspect(self, materials: list[Material]) -> tuple[Verdict, list]:
        """What the materials hold, with the action the policy takes on each type; and the value matches."""
        verdict = Verdict()
        matches = []
        watched = self.policy.watched_personal_data
        for material in materials:
            for kind, what in self._markings(material):
                self._note(verdict, kind, material, what)
                if _RANK[kind] > _RANK.get((verdict.label or {}).get("classification"), 0):
                    verdict.label = {**(verdict.label or {}), "classification": kind}
            mip = (material.label or {}).get("mip")
            if mip and not (verdict.label or {}).get("mip"):
                verdict.label = {**(verdict.label or {}), "mip": {"id": mip.get("id"), "name": mip.get("name")}}
            if watched and material.text:
                found = find_personal_data(material.text, watched, phone_regions=self.policy.phone_regions)
                for match in found:
                    self._note(verdict, match.type, material, TYPE_NAMES[match.type])
                matches += found
        return verdict, matches

    def _markings(self, material: Material) -> list[tuple[str, str]]:
        """(type, what) for the banner markings and the MIP label of one piece of material."""
        found: list[tuple[str, str]] = []
        label = material.label or {}
        # a document's extraction already read its headers, footers and edges; its text is read here too
        markings = list(dict.fromkeys([*(label.get("markings") or []), *find_markings(material.text or "")]))
        if markings and (kind := marking_type(markings)):
            found.append((kind, " / ".join(markings)))
        mip = label.get("mip")
        if mip and mip.get("enabled", True):
            listed = self.policy.label_type(mip)
            kind = marking_type([mip["name"]]) if listed is False and mip.get("name") else listed or None
            if kind:
                found.append((kind, f"{mip.get('name') or mip.get('id')} (its sensitivity label)"))
        return found

    def _note(self, verdict: Verdict, kind: str, material: Material, what: str) -> None:
        finding = verdict.findings.get(kind)
        if finding is None:
            rule = self.policy.rule_for(kind)
            finding = verdict.findings[kind] = Finding(kind, action=rule.action if rule else None)
        finding.count += 1
        if finding.first is None:
            finding.first = (material, what)

    def _blocked(self, finding: Finding, verdict: Verdict) -> BlockedByPolicy:
        material, what = finding.first
        rule = self.policy.rule_for(finding.type)
        template = rule.reason or REASONS.get(finding.type, PERSONAL_REASON)
        message = template.replace("{where}", _where(material)).replace("{what}", what)
        error = BlockedByPolicy(message[0].upper() + message[1:], field=_field(material.where),
                                extra={"guard": verdict.to_dict()})
        error.verdict = verdict
        return error


_RANK = {"cui": 1, "official_sensitive": 1, "restricted": 2, "confidential": 3, "secret": 4, "top_secret": 5}


def _order(finding: Finding, materials: list[Material]) -> int:
    return materials.index(finding.first[0]) if finding.first else 0


def _field(where: str) -> str | None:
    return where if where in ("text", "instruction", "context", "document", "history") or \
        where.startswith("attachments[") else None


def _where(material: Material) -> str:
    name = f" {material.name}" if material.name else ""
    if material.where == "document":
        return f"the document{name}"
    if material.where.startswith("attachments["):
        return f"the attachment{name}"
    if material.where == "history":
        return "an earlier turn of this conversation"
    return f"the {material.where}"
