"""Structural validation against the official Kubernetes JSON schemas (strict: unknown fields rejected).

The schemas ship offline with the `kubernetes-validate` package (generated from the API's OpenAPI
document). slicelab uses version SCHEMA_VERSION, trims what validation does not need (descriptions,
formats, list-type markers), and compiles one validator per kind with fastjsonschema the first time
that kind is seen — compiled once per process, so applying 100,000 Pods stays fast.
"""
from __future__ import annotations

import functools
import json
import marshal
import re
from pathlib import Path
from typing import Any, Callable, Mapping

import fastjsonschema

from slicelab import runtime
from slicelab.errors import ManifestError
from slicelab.validation import identify

SCHEMA_VERSION = "1.34.0"
SCHEMA_FILES = {
    "Pod": "pod-v1.json",
    "Service": "service-v1.json",
    "Node": "node-v1.json",
    "Endpoints": "endpoints-v1.json",
    "EndpointSlice": "endpointslice-discovery-v1.json",
}
_DROP = {"description", "format", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
         "x-kubernetes-patch-strategy", "x-kubernetes-patch-merge-key", "x-kubernetes-group-version-kind",
         "x-kubernetes-map-type", "x-kubernetes-unions", "x-kubernetes-int-or-string",
         "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource"}
_REF = re.compile(r"#/\$defs/([^\"]+)")


def schema_dir(strict: bool = True) -> Path:
    # Where the schema files are depends on where slicelab runs (kubernetes-validate, or the site's copy).
    base = runtime.schema_root()
    if base is None:
        raise ManifestError("schemas", f"v{SCHEMA_VERSION}", "", "the official Kubernetes schemas are missing: "
                                                                 "pip install kubernetes-validate")
    return base / f"v{SCHEMA_VERSION}-local{'-strict' if strict else ''}"


def _trim(node: Any) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in _DROP:
                continue
            if key == "$ref":
                value = value.replace("/api/_definitions.json#", "#")
            out[key] = _trim(value)
        return out
    if isinstance(node, list):
        return [_trim(v) for v in node]
    return node


@functools.lru_cache(maxsize=None)
def _definitions(strict: bool) -> dict:
    return json.loads((schema_dir(strict) / "_definitions.json").read_text())["$defs"]


@functools.lru_cache(maxsize=None)
def load_schema(kind: str, strict: bool = True) -> dict:
    """The self-contained (definitions inlined) JSON schema of one kind."""
    definitions = _definitions(strict)
    schema = _trim(json.loads((schema_dir(strict) / SCHEMA_FILES[kind]).read_text()))
    needed: set[str] = set()
    todo = [schema]
    while todo:
        for name in _REF.findall(json.dumps(todo.pop())):
            if name not in needed:
                needed.add(name)
                todo.append(definitions[name])
    schema["$defs"] = {name: _trim(definitions[name]) for name in sorted(needed)}
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return schema


@functools.lru_cache(maxsize=None)
def compiled_validator(kind: str, strict: bool = True) -> Callable[[Any], Any]:
    return fastjsonschema.compile(load_schema(kind, strict))


def schema_problem(manifest: Mapping[str, Any], strict: bool = True) -> tuple[str, str] | None:
    """(field path, problem) for the first schema violation, or None when the manifest conforms.

    This is the whole-object check (top-level `required` included) used to test what slicelab emits.
    """
    kind = manifest.get("kind")
    if kind not in SCHEMA_FILES:
        return ("kind", f"no schema for kind {kind!r}")
    try:
        compiled_validator(kind, strict)(manifest)
    except fastjsonschema.JsonSchemaValueException as exc:
        return _describe(exc)
    return None


@functools.lru_cache(maxsize=None)
def _part_validator(kind: str, field: str) -> Callable[[Any], Any]:
    schema = load_schema(kind)
    part = dict(schema["properties"][field])
    part["$defs"] = schema["$defs"]
    part["$schema"] = schema["$schema"]
    return fastjsonschema.compile(part)


_part_results: dict[tuple[str, str, bytes], tuple[str, str] | None] = {}


_VALUE_RULES = ("enum", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength",
                "maxLength", "const", "multipleOf", "format", "minItems", "maxItems", "uniqueItems",
                "minProperties", "maxProperties")


@functools.lru_cache(maxsize=None)
def shape_only(kind: str, field: str) -> bool:
    """True when the part's schema constrains only structure and types, never values.

    Then whether a value conforms depends only on its *shape* (keys and leaf types), so the result can
    be cached per shape: ten thousand Pods with different names and IPs share one check."""
    schema = load_schema(kind)
    text = json.dumps(schema["properties"][field]) + json.dumps(schema["$defs"])
    return not any(f'"{rule}"' in text for rule in _VALUE_RULES)


# Leaves of the exact built-in types, shaped without a call (subclasses take the general path below).
_LEAF_SHAPES = {str: "s", bool: "b", int: "i", type(None): "n"}


def shape(value: Any) -> Any:
    """The structure of JSON-like data with each leaf replaced by its type: what `shape_only` parts'
    verdicts depend on (admission remembers Pods' verdicts by it)."""
    leaf = _LEAF_SHAPES
    if type(value) is dict:  # the common case, same result as the general path, in one pass
        return tuple([(k, leaf[type(v)] if type(v) in leaf else shape(v)) for k, v in value.items()])
    if type(value) is list:
        return ("[", *[leaf[type(v)] if type(v) in leaf else shape(v) for v in value])
    return _shape_general(value)


def _shape_general(value: Any) -> Any:
    if isinstance(value, dict):  # insertion order kept: another order only costs a cache miss
        return tuple([(k, shape(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("[", *[shape(v) for v in value])
    if isinstance(value, bool):
        return "b"
    if isinstance(value, int):
        return "i"
    if isinstance(value, float):
        return "fi" if value.is_integer() else "f"
    if isinstance(value, str):
        return "s"
    if value is None:
        return "n"
    return ("?", type(value).__name__)


def _part_problem(kind: str, field: str, value: Any) -> tuple[str, str] | None:
    key = None
    try:
        if field == "spec":  # shared by objects built from one template: the exact value is cheapest
            key = (kind, field, "value", marshal.dumps(value))
        elif shape_only(kind, field):
            key = (kind, field, "shape", shape(value))
    except (ValueError, TypeError, RecursionError):
        key = None
    if key is not None and key in _part_results:
        return _part_results[key]
    try:
        _part_validator(kind, field)(value)
        problem = None
    except fastjsonschema.JsonSchemaValueException as exc:
        path, message = _describe(exc)
        problem = (field if path == "(root)" else f"{field}.{path}" if not path.startswith("[") else field + path,
                   message)
    if key is not None:
        if len(_part_results) > 10_000:
            _part_results.clear()
        _part_results[key] = problem
    return problem


def validate_structure(manifest: Mapping[str, Any]) -> None:
    """Raise ManifestError naming the field when the manifest breaks the strict schema.

    Checked part by part (metadata, spec, status, ...) with each part's result cached by content, so
    a thousand Pods built from one template validate their shared spec once. Like the API server's
    strict field validation, the top-level `required` list is not enforced (a missing `endpoints` on an
    EndpointSlice reads as null).
    """
    kind = manifest.get("kind")
    if kind not in SCHEMA_FILES:
        problem: tuple[str, str] | None = ("kind", f"no schema for kind {kind!r}")
    else:
        known = load_schema(kind)["properties"]
        problem = None
        for field, value in manifest.items():
            if field not in known:
                problem = (str(field), "unknown field (not in the official schema: check spelling and "
                                       "indentation)")
            elif field in ("apiVersion", "kind") and value == known[field].get("enum", [None])[0]:
                continue  # the only values the schema allows; nothing more to check
            elif value is not None:
                problem = _part_problem(kind, field, value)
            if problem:
                break
    if problem:
        kind_, name, namespace = identify(manifest)
        raise ManifestError(kind_, name, problem[0], problem[1], namespace)


def _describe(exc: "fastjsonschema.JsonSchemaValueException") -> tuple[str, str]:
    path = ""
    for part in (exc.path or [])[1:]:
        index = isinstance(part, int) or (isinstance(part, str) and part.isdigit())
        path += f"[{part}]" if index else (f".{part}" if path else str(part))
    message = exc.message
    name = exc.name or "data"
    if message.startswith(name):
        message = message[len(name):].strip()
    extra = re.match(r"must not contain \{(.*)\} properties", message)
    if extra:
        fields = sorted(f.strip().strip("'\"") for f in extra.group(1).split(","))
        path = f"{path}.{fields[0]}" if path else fields[0]
        message = "unknown field (not in the official schema: check spelling and indentation)"
    elif exc.rule == "oneOf" and isinstance(exc.value, (dict, list, float)):
        message = f"must be an integer or a string, got {type(exc.value).__name__}"
    elif exc.rule == "type":
        message = f"{message}, got {type(exc.value).__name__} {exc.value!r}"[:200]
    return path or "(root)", message
