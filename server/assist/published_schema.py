"""The request schemas as published for one deployment: what it really accepts, not only the shape.

schemas.REQUESTS is what every deployment validates; two things then depend on the deployment, and the jobs
refuse what it lacks (400): the presets (from the policy file: `preset` must name one the job may use, and a
preset that needs `language` must have it), and links to SharePoint or OneDrive files (readable only with
Entra sign-in and a client credential). The published description says so, so that a client (or a fuzzer)
reading it knows what will be accepted. Pure: no Flask.
"""
from __future__ import annotations

import copy

from server.assist.presets import Presets

NO_LINKS = " (this deployment cannot read links: send the file's content)"


def for_deployment(request_schema: dict, job: str, *, presets: Presets, links: bool) -> dict:
    """A copy of `request_schema` for this deployment's presets, and without the link form of `document`
    where links cannot be read."""
    schema = copy.deepcopy(request_schema)
    _presets(schema, job, presets)
    document = schema["properties"].get("document")
    if document is not None and not links:
        description = document["description"]
        [file_form] = [form for form in document.pop("oneOf") if "url" not in form["properties"]]
        document.update(file_form)
        document["description"] = description + NO_LINKS
    return schema


def _presets(schema: dict, job: str, presets: Presets) -> None:
    """`preset` lists the ids `job` may use (no `preset` at all when there is none), and `language` is
    required with one that needs it (translate)."""
    usable = presets.usable_by(job)
    if not usable:  # none to name (summarize and review have no built-in ones): no id is accepted
        del schema["properties"]["preset"]
        return
    preset = schema["properties"]["preset"]
    preset["enum"] = [p.id for p in usable]
    preset["description"] += " (the ones this deployment has, for this job)"
    needing_language = [p.id for p in usable if p.needs_language]
    if needing_language:
        schema["if"] = {"required": ["preset"], "properties": {"preset": {"enum": needing_language}}}
        schema["then"] = {"required": ["language"]}
