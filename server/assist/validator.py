"""A small JSON Schema validator for the request bodies in schemas.py: exactly the keywords those use.

Supported: type, enum, required, properties, additionalProperties (false only), minLength, maxLength, pattern,
items, minItems, maxItems, minimum, maximum, anyOf (of branches of `required` fields, with further rules on
them: "text, a document or at least one attachment"), oneOf
(of whole schemas: "a file or a link"; the value must match exactly one; a failure reports the branch that
shares the most field names with the value, so {"filename": ...} hears that content_base64 is required, and a
mix of two forms' fields is named as such).
Annotations (title, description, default, examples) are ignored, as JSON Schema says they should be.
contentEncoding: base64 goes with pattern BASE64_PATTERN, which is checked by an equivalent faster test.
Patterns mean what they mean in JSON Schema (ECMA-262) as far as the ones used go: a final `$` ends the string.
Any other keyword is a programming error and fails loudly, so the published schema never promises a rule
the code does not check.

The first rule broken raises InvalidRequest naming the field ("history[2].role") and the rule; a string over
a size limit (SIZE_LIMIT_FLOOR characters or more) raises TooLarge (413) instead, because that is the body
being too big rather than malformed.
"""
from __future__ import annotations

import re
from functools import lru_cache

from server.errors import InvalidRequest, TooLarge

SIZE_LIMIT_FLOOR = 10_000  # maxLength at or above this is a size limit (413); below it, a format rule (400)

_KNOWN = {
    "type", "enum", "required", "properties", "additionalProperties", "minLength", "maxLength", "pattern",
    "items", "minItems", "maxItems", "minimum", "maximum", "anyOf", "oneOf",
    "title", "description", "default", "examples", "x-pattern-message", "contentEncoding",
}
_TYPE_WORDS = {
    "string": "a string", "integer": "an integer", "number": "a number", "boolean": "true or false",
    "array": "an array", "object": "an object", "null": "null",
}


def _is_type(value, name: str) -> bool:
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name == "array":
        return isinstance(value, list)
    if name == "object":
        return isinstance(value, dict)
    if name == "null":
        return value is None
    raise ValueError(f"unsupported type {name!r} in schema")


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern:
    # JSON Schema patterns are ECMA-262, where a final `$` is the very end; Python's also matches before a
    # trailing newline, which would accept "en\n" where the published pattern refuses it
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


# Base64 as the jobs decode it (standard alphabet, padded): published as this pattern, and checked by an
# equivalent test that takes 40 ms on a 10 MB file where Python's regex engine takes 600 ms for the pattern
BASE64_PATTERN = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
_BASE64_CHARS = re.compile(r"[A-Za-z0-9+/]*={0,2}")

# Whitespace as Python (str.isspace) and ECMA-262 (\s) count it, spelled out, since their \s differ
# (\x1c-\x1f and \x85 are Python's only, \ufeff ECMA's only): a pattern built on it means one thing in both
BLANK = r"\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
NOT_BLANK_PATTERN = f"[^{BLANK}]"


def is_base64(value: str) -> bool:
    """What BASE64_PATTERN says: base64 characters, then at most two '=', in a whole number of 4-character groups."""
    return len(value) % 4 == 0 and _BASE64_CHARS.fullmatch(value) is not None


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _label(path: str) -> str:
    return path or "the request body"


def validate(schema: dict, body) -> None:
    """Raise InvalidRequest / TooLarge at the first rule `body` breaks; return None when it is valid."""
    _check(schema, body, "")


def _check(schema: dict, value, path: str) -> None:
    unknown = set(schema) - _KNOWN
    if unknown:
        raise ValueError(f"schema at {path or '<root>'} uses unsupported keywords {sorted(unknown)}")
    name = _label(path)
    if "oneOf" in schema:
        _check_one_of(schema["oneOf"], value, path, name)
    types = schema.get("type")
    if types is not None:
        allowed = [types] if isinstance(types, str) else list(types)
        if not any(_is_type(value, t) for t in allowed):
            words = " or ".join(_TYPE_WORDS[t] for t in allowed)
            raise InvalidRequest(f"{name} must be {words}", field=path or None)
    if "enum" in schema and value not in schema["enum"]:
        choices = ", ".join(str(c) for c in schema["enum"])
        raise InvalidRequest(f"{name} must be one of {choices}", field=path or None)
    if isinstance(value, str):
        _check_string(schema, value, path, name)
    elif isinstance(value, list):
        _check_array(schema, value, path, name)
    elif isinstance(value, dict):
        _check_object(schema, value, path, name)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise InvalidRequest(f"{name} must be at least {schema['minimum']}", field=path or None)
        if "maximum" in schema and value > schema["maximum"]:
            raise InvalidRequest(f"{name} must be at most {schema['maximum']}", field=path or None)


def _check_one_of(branches: list[dict], value, path: str, name: str) -> None:
    failures: list[tuple[int, int, InvalidRequest]] = []
    passed = 0
    for order, branch in enumerate(branches):
        try:
            _check(branch, value, path)
            passed += 1
        except InvalidRequest as exc:
            shared = len(set(value) & set(branch.get("properties", {}))) if isinstance(value, dict) else 0
            failures.append((-shared, order, exc))
    if passed == 1:
        return
    failures.sort(key=lambda failure: failure[:2])
    if passed > 1 or (len(failures) > 1 and failures[0][0] == failures[1][0] < 0):
        # fields of several forms at once (a link and file content): name the forms rather than one's rule
        forms = [" and ".join(branch.get("required", ())) for branch in branches]
        raise InvalidRequest(f"{name} takes {', or '.join(forms)}: one form, not a mix", field=path or None)
    raise failures[0][2]


def _check_string(schema: dict, value: str, path: str, name: str) -> None:
    if "minLength" in schema and len(value) < schema["minLength"]:
        if schema["minLength"] == 1:
            raise InvalidRequest(f"{name} must not be empty", field=path or None)
        raise InvalidRequest(f"{name} must be at least {schema['minLength']} characters", field=path or None)
    limit = schema.get("maxLength")
    if limit is not None and len(value) > limit:
        message = f"{name} is too long: {len(value):,} characters, at most {limit:,} allowed"
        if limit >= SIZE_LIMIT_FLOOR:
            raise TooLarge(message, field=path or None)
        raise InvalidRequest(message, field=path or None)
    pattern = schema.get("pattern")
    if schema.get("contentEncoding") == "base64":
        if pattern != BASE64_PATTERN:  # the shortcut below is only that pattern's
            raise ValueError(f"schema at {path or '<root>'}: a base64 string takes pattern BASE64_PATTERN")
        if not is_base64(value):
            raise InvalidRequest(f"{name} {schema.get('x-pattern-message', 'must be base64')}", field=path or None)
    elif pattern is not None and not _compiled(pattern).search(value):
        rule = schema.get("x-pattern-message") or f"must match the pattern {pattern}"
        raise InvalidRequest(f"{name} {rule}", field=path or None)


def _check_array(schema: dict, value: list, path: str, name: str) -> None:
    if "minItems" in schema and len(value) < schema["minItems"]:
        raise InvalidRequest(f"{name} must have at least {schema['minItems']} item(s)", field=path or None)
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        raise InvalidRequest(f"{name} has {len(value)} items, at most {schema['maxItems']} allowed",
                             field=path or None)
    items = schema.get("items")
    if items is not None:
        for i, item in enumerate(value):
            _check(items, item, _join(path, i))


def _check_object(schema: dict, value: dict, path: str, name: str) -> None:
    properties = schema.get("properties", {})
    if schema.get("additionalProperties") is False:
        for key in value:
            if key not in properties:
                known = ", ".join(properties)
                raise InvalidRequest(f"unknown field {_join(path, key)} (known fields: {known})",
                                     field=_join(path, key))
    for key in schema.get("required", ()):
        if key not in value:
            raise InvalidRequest(f"{_join(path, key)} is required", field=_join(path, key))
    for key, sub in properties.items():
        if key in value:
            _check(sub, value[key], _join(path, key))
    branches = schema.get("anyOf")
    if branches:
        _check_any_of(branches, value, path)


def _check_any_of(branches: list[dict], value: dict, path: str) -> None:
    """Branches of `required` fields, each with further rules on them ("attachments": at least one): one must
    hold. A branch whose fields were sent but break its rules says which rule; otherwise the fields are named."""
    broken = None
    for branch in branches:
        if not all(key in value for key in branch.get("required", ())):
            continue
        try:
            for key, sub in branch.get("properties", {}).items():
                if key in value:
                    _check(sub, value[key], _join(path, key))
            return
        except InvalidRequest as exc:
            broken = broken or exc
    if broken is not None:
        raise broken
    names = [k for b in branches for k in b.get("required", ())]
    listed = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
    raise InvalidRequest(f"one of {listed} is required", field=_join(path, names[0]))
