"""`kubectl get`: tables (one printer per kind, `views.tables.PRINTERS`), `-o name`, `-o yaml|json`."""
from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

import yaml

from slicelab.reading import Reader
from slicelab.views.kubectl.command import Command, Resource, fetch, no_resources
from slicelab.views.tables import PRINTERS, format_labels, render_table

__all__ = ["get", "to_yaml", "to_json"]


def get(cluster: Reader, cmd: Command) -> str:
    found, errors = fetch(cluster, cmd)
    if cmd.ignore_not_found:
        errors = []
        if not found and cmd.output not in ("yaml", "json"):
            return ""
    if cmd.output in ("yaml", "json"):
        items = [_with_type(resource, obj) for resource, obj in found]
        if cmd.single_item and len(items) == 1:
            doc: Any = items[0]
        elif cmd.single_item and not items:
            return "\n".join(errors)
        else:
            doc = {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
        text = to_yaml(doc) if cmd.output == "yaml" else to_json(doc)
        return "\n".join([text.rstrip("\n")] + errors)
    if cmd.output == "name":
        lines = [f"{resource.singular}/{(obj.get('metadata') or {}).get('name', '')}" for resource, obj in found]
        return "\n".join(lines + errors)
    if not found:
        return "\n".join(errors or [no_resources(cmd)])
    # Names print as `kind/name` when the objects found are of several kinds; each kind gets its own
    # table, separated by a blank line unless headers are off.
    with_kind = len({resource.kind for resource, _ in found}) > 1
    blocks: list[str] = []
    for resource in cmd.resources:
        objs = [obj for r, obj in found if r is resource]
        if objs:
            blocks.append(_table(cluster, cmd, resource, objs, with_kind).rstrip("\n"))
    return "\n".join([("\n" if cmd.no_headers else "\n\n").join(blocks)] + errors)


def _table(cluster: Reader, cmd: Command, resource: Resource, objs: Iterable[Mapping[str, Any]],
           with_kind: bool) -> str:
    printer = PRINTERS[resource.kind]
    wide = cmd.output == "wide"
    with_namespace = cmd.all_namespaces and resource.namespaced
    header = (["NAMESPACE"] if with_namespace else []) + ["NAME", *printer.columns]
    if wide:
        header += printer.wide_columns
    if cmd.show_labels:
        header.append("LABELS")
    rows = []
    for obj in objs:
        meta = obj.get("metadata") or {}
        name = meta.get("name", "")
        if with_kind:
            name = f"{resource.singular}/{name}"
        row = ([meta.get("namespace", "")] if with_namespace else []) + [name]
        row += printer.row(obj, cluster.now, wide)
        if cmd.show_labels:
            row.append(format_labels(meta.get("labels")))
        rows.append(row)
    return render_table(None if cmd.no_headers else header, rows)


def _with_type(resource: Resource, obj: Mapping[str, Any]) -> dict:
    """The object with apiVersion and kind first filled in, as the API server returns it."""
    return {"apiVersion": resource.api_version, "kind": resource.kind, **obj}


class _KubectlDumper(yaml.SafeDumper):
    """Like kubectl's YAML (go-yaml): double quotes wherever a plain scalar would change meaning."""

    def choose_scalar_style(self):  # noqa: D401 - PyYAML hook
        style = super().choose_scalar_style()
        return '"' if style == "'" else style


def to_yaml(obj: Any) -> str:
    """YAML as `kubectl get -o yaml` prints it: keys sorted, block style, `""` for empty strings."""
    return yaml.dump(obj, Dumper=_KubectlDumper, sort_keys=True, default_flow_style=False,
                     allow_unicode=True, width=1 << 30)


def to_json(obj: Any) -> str:
    """JSON as `kubectl get -o json` prints it: 4-space indent, keys sorted, HTML characters escaped."""
    text = json.dumps(obj, indent=4, sort_keys=True, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"
