"""The guard's policy: which findings lead to which action, from DRAFTER_POLICY_FILE's `guard` section.

    guard:
      enabled: true                  # default true
      phone_regions: [US, FR, GB]    # where national-format phone numbers are read from (default US, FR, GB, CA)
      rules:                         # the first rule naming a type decides its action
        - detect: classified         # or a list: [top_secret, secret, confidential, restricted]
          action: block
          reason: Classified material must not be sent to the AI model.
        - detect: [cui, official_sensitive]
          action: route
          endpoint: sensitive        # a name under routing.endpoints
        - detect: [ssn, card, iban, nir, nino]
          action: redact
        - detect: [email, phone]
          action: warn
      labels:                        # Microsoft Information Protection labels, by name (* wildcards) or id
        - {name: "Highly Confidential*", type: confidential}
        - {id: 0e3a1b7c-0000-4000-8000-00000000c0de, type: none}   # none: this label means nothing here

Types: markings and labels (top_secret, secret, confidential, restricted, official_sensitive, cui; aliases
`classified` for the first four and `sensitive` for the last two) and personal data (ssn, card, iban, nir,
nino, phone, email; alias `personal_data`). A MIP label not listed under `labels` counts as the marking its
name spells, if it spells one ("SECRET", "Diffusion Restreinte", "CUI//SP-PRVCY"); otherwise as nothing.

Without a `rules` list the default policy applies: classified markings are blocked; CUI and OFFICIAL-SENSITIVE
go to the endpoint named `sensitive` when routing.endpoints defines one, and are blocked otherwise (fail
closed); SSNs, card numbers, IBANs, NIRs and National Insurance numbers are redacted; email addresses and
phone numbers are reported (warn). Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from server.governance.detectors import (
    DEFAULT_PHONE_REGIONS,
    MARKING_TYPES,
    PERSONAL_DATA,
    check_phone_regions,
)

ACTIONS = ("block", "route", "redact", "warn")
# how strongly an action holds the job back: the strongest action found decides the job's fate
STRENGTH = {"warn": 0, "redact": 1, "route": 2, "block": 3}
ALIASES = {
    "classified": ("top_secret", "secret", "confidential", "restricted"),
    "sensitive": ("cui", "official_sensitive"),
    "personal_data": PERSONAL_DATA,
}
TYPES = MARKING_TYPES + PERSONAL_DATA
REDACTABLE = PERSONAL_DATA  # markings are not values: they can be blocked, routed or reported, not redacted
SENSITIVE_ENDPOINT = "sensitive"

# Plain words for the pane: why the job did not run. {what} names the marking or label, {where} the field.
REASONS = {
    "top_secret": "{where} is marked {what}. Classified material must not be sent to the AI model.",
    "secret": "{where} is marked {what}. Classified material must not be sent to the AI model.",
    "confidential": "{where} is marked {what}. Classified material must not be sent to the AI model.",
    "restricted": "{where} is marked {what}. Protectively marked material must not be sent to the AI model.",
    "official_sensitive": "{where} is marked {what}, and no approved model endpoint for such material is "
                          "configured, so it cannot be sent.",
    "cui": "{where} is marked {what} (Controlled Unclassified Information), and no approved model endpoint "
           "for CUI is configured, so it cannot be sent.",
}
PERSONAL_REASON = "{where} contains {what}, which this organisation's policy does not allow to be sent."
TYPE_NAMES = {"ssn": "a US Social Security number", "card": "a payment card number", "iban": "a bank account "
              "number (IBAN)", "nir": "a French social security number (NIR)", "nino": "a UK National Insurance "
              "number", "phone": "a phone number", "email": "an email address"}


@dataclass(frozen=True)
class Rule:
    types: tuple[str, ...]
    action: str
    reason: str | None = None  # the message a block gives; None: REASONS' words for the type
    endpoint: str | None = None  # for route


@dataclass(frozen=True)
class LabelRule:
    type: str | None  # a marking type, or None: the label means nothing to the guard
    name: str | None = None  # case-insensitive, * and ? wildcards
    id: str | None = None

    def matches(self, label: dict) -> bool:
        if self.id is not None:
            return (label.get("id") or "").lower() == self.id
        name = label.get("name")
        return bool(name) and fnmatch.fnmatchcase(name.casefold(), self.name.casefold())


@dataclass(frozen=True)
class GuardPolicy:
    enabled: bool
    rules: tuple[Rule, ...]
    labels: tuple[LabelRule, ...] = ()
    phone_regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS

    def rule_for(self, kind: str) -> Rule | None:
        """The first rule naming `kind`, or None (found, but the policy does nothing about it)."""
        for rule in self.rules:
            if kind in rule.types:
                return rule
        return None

    @property
    def watched_personal_data(self) -> tuple[str, ...]:
        """The personal-data types some rule acts on: only those are looked for."""
        return tuple(t for t in PERSONAL_DATA if self.rule_for(t) is not None)

    def label_type(self, label: dict) -> str | None | bool:
        """The type a listed MIP label maps to (None: listed as meaning nothing), or False when not listed."""
        for rule in self.labels:
            if rule.matches(label):
                return rule.type
        return False


def default_rules(endpoints: set[str]) -> tuple[Rule, ...]:
    sensitive = (Rule(ALIASES["sensitive"], "route", endpoint=SENSITIVE_ENDPOINT) if SENSITIVE_ENDPOINT in endpoints
                 else Rule(ALIASES["sensitive"], "block"))
    return (
        Rule(ALIASES["classified"], "block"),
        sensitive,
        Rule(("ssn", "card", "iban", "nir", "nino"), "redact"),
        Rule(("email", "phone"), "warn"),
    )


def parse_guard_policy(section: object, endpoints: set[str]) -> GuardPolicy:
    """The guard's policy from the policy file's `guard` section (None: the default policy).

    `endpoints`: the names routing.endpoints defines. Raises ValueError("guard...: reason") on a mistake.
    """
    if section is None:
        section = {}
    if not isinstance(section, dict):
        raise ValueError("guard must be a mapping (enabled, rules, labels, phone_regions)")
    unknown = sorted(set(section) - {"enabled", "rules", "labels", "phone_regions"})
    if unknown:
        raise ValueError(f"guard: unknown key {unknown[0]!r} (known: enabled, labels, phone_regions, rules)")
    enabled = section.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ValueError(f"guard.enabled must be true or false, got {enabled!r}")
    rules = default_rules(endpoints) if section.get("rules") is None else _rules(section["rules"], endpoints)
    regions = section.get("phone_regions", list(DEFAULT_PHONE_REGIONS))
    if not isinstance(regions, list) or not regions:
        raise ValueError("guard.phone_regions must be a non-empty list of region codes such as [US, FR]")
    try:
        phone_regions = check_phone_regions(regions)
    except ValueError as exc:
        raise ValueError(f"guard.phone_regions: {exc}") from None
    return GuardPolicy(enabled=enabled, rules=rules, labels=_label_rules(section.get("labels", [])),
                       phone_regions=phone_regions)


def _types(value: object, where: str) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names:
        raise ValueError(f"{where}.detect must name a type or a list of types")
    types: list[str] = []
    for name in names:
        key = str(name).strip().lower()
        if key in ALIASES:
            types += ALIASES[key]
        elif key in TYPES:
            types.append(key)
        else:
            raise ValueError(f"{where}.detect: unknown type {name!r} (known: {', '.join(TYPES + tuple(ALIASES))})")
    return tuple(dict.fromkeys(types))


def _rules(items: object, endpoints: set[str]) -> tuple[Rule, ...]:
    if not isinstance(items, list):
        raise ValueError("guard.rules must be a list of {detect, action} rules")
    rules = []
    for i, item in enumerate(items):
        where = f"guard.rules[{i}]"
        if not isinstance(item, dict):
            raise ValueError(f"{where} must be a mapping with detect and action")
        unknown = sorted(set(item) - {"detect", "action", "reason", "endpoint"})
        if unknown:
            raise ValueError(f"{where}: unknown key {unknown[0]!r} (known: action, detect, endpoint, reason)")
        types = _types(item.get("detect"), where)
        action = str(item.get("action", "")).strip().lower()
        if action not in ACTIONS:
            raise ValueError(f"{where}.action must be one of {', '.join(ACTIONS)}, got {item.get('action')!r}")
        if action == "redact" and (markings := [t for t in types if t not in REDACTABLE]):
            raise ValueError(f"{where}: {markings[0]} is a marking, not a value: it can be blocked, routed or "
                             "warned about, not redacted")
        endpoint = item.get("endpoint")
        if action == "route":
            if not endpoint:
                raise ValueError(f"{where}: a route rule names its endpoint (one of routing.endpoints)")
            if endpoint not in endpoints:
                known = ", ".join(sorted(endpoints)) or "none is defined"
                raise ValueError(f"{where}.endpoint {endpoint!r} is not under routing.endpoints ({known})")
        elif endpoint is not None:
            raise ValueError(f"{where}: only a route rule takes an endpoint")
        reason = item.get("reason")
        if reason is not None and (not isinstance(reason, str) or not reason.strip()):
            raise ValueError(f"{where}.reason must be text the pane can show")
        rules.append(Rule(types, action, reason.strip() if reason else None, endpoint))
    return tuple(rules)


def _label_rules(items: object) -> tuple[LabelRule, ...]:
    if not isinstance(items, list):
        raise ValueError("guard.labels must be a list of {name or id, type}")
    rules = []
    for i, item in enumerate(items):
        where = f"guard.labels[{i}]"
        if not isinstance(item, dict) or ("name" in item) == ("id" in item):
            raise ValueError(f"{where} must give either a name or an id, and a type")
        unknown = sorted(set(item) - {"name", "id", "type"})
        if unknown:
            raise ValueError(f"{where}: unknown key {unknown[0]!r} (known: id, name, type)")
        kind = str(item.get("type", "")).strip().lower()
        if kind not in MARKING_TYPES + ("none",):
            raise ValueError(f"{where}.type must be one of {', '.join(MARKING_TYPES)} or none, got {item.get('type')!r}")
        name, label_id = item.get("name"), item.get("id")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise ValueError(f"{where}.name must be a label name (wildcards * and ? allowed)")
        if label_id is not None:
            label_id = str(label_id).strip().strip("{}").lower()
        rules.append(LabelRule(type=None if kind == "none" else kind, name=name, id=label_id))
    return tuple(rules)
