"""A Service's EndpointSlices drawn as a packing diagram, with the writes of the last event marked.

Each slice is a row of boxes, one per endpoint, up to `maxEndpointsPerSlice` (free room is drawn too, so
"no rebalancing" is visible as half-empty slices). Each endpoint box says its conditions in words — ready,
serving, terminating — so colour is never the only signal. `describe_packing` is the text alternative.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import graphviz

from slicelab.runtime import render_svg

MAX_CELLS = 12  # endpoint boxes drawn per slice before the rest is summarised

VERBS = {"create": "created", "update": "updated", "delete": "deleted"}


def write_fields(write: Any) -> tuple[str, str, str]:
    """(verb, kind, name) of a write record, whether it is a mapping or an object with attributes."""
    def field(*names: str) -> str:
        for name in names:
            value = write.get(name) if isinstance(write, Mapping) else getattr(write, name, None)
            if value is not None:
                return str(value)
        return ""
    verb = field("verb", "action", "operation").lower()
    return verb, field("kind"), field("name")


def slice_writes(writes: Iterable[Any] | None) -> dict[str, str]:
    """EndpointSlice name -> 'created' / 'updated' / 'deleted' for the given writes (last one wins)."""
    marks: dict[str, str] = {}
    for write in writes or ():
        verb, kind, name = write_fields(write)
        if kind == "EndpointSlice" and verb in VERBS:
            marks[name] = VERBS[verb]
    return marks


def condition_words(endpoint: Mapping) -> str:
    """'ready', 'not ready', 'serving, terminating', ... from an endpoint's conditions."""
    c = endpoint.get("conditions") or {}
    ready = c.get("ready") is not False  # consumers treat an unset ready as ready
    if c.get("terminating"):
        return "serving, terminating" if c.get("serving") else "terminating"
    return "ready" if ready else ("serving" if c.get("serving") else "not ready")


_SYMBOL = {"ready": "✓", "not ready": "✗", "serving": "~", "terminating": "↓", "serving, terminating": "↓"}
_FILL = {"ready": "#d8f0dd", "not ready": "#f6d5d5", "serving": "#fff0c2", "terminating": "#e3e3e3",
         "serving, terminating": "#e8e0f4"}


def endpoint_label(endpoint: Mapping) -> str:
    ref = endpoint.get("targetRef") or {}
    return ref.get("name") or ", ".join(endpoint.get("addresses") or []) or "?"


def port_text(ports: Iterable[Mapping] | None) -> str:
    parts = [f"{p.get('name') + ':' if p.get('name') else ''}{p.get('port', '*')}/{p.get('protocol', 'TCP')}"
             for p in ports or []]
    return ", ".join(parts) if parts else "no ports"


@dataclass(frozen=True)
class PackingDiagram:
    """A graphviz drawing plus its text alternative; shows as SVG + caption, or as text."""

    graph: graphviz.Digraph
    alt: str

    def svg(self) -> str:
        return render_svg(self.graph)

    def _repr_html_(self) -> str:
        svg = self.svg().replace("<svg", f"<svg role='img' aria-label='{html.escape(self.alt, quote=True)}'", 1)
        return (f"<figure style='margin:0.5em 0'>{svg}<figcaption><i>Text alternative:</i> "
                f"{html.escape(self.alt)}</figcaption></figure>")

    def __repr__(self) -> str:
        return f"Text alternative: {self.alt}"


def _sorted_slices(slices: Iterable[Mapping]) -> list[Mapping]:
    return sorted(slices, key=lambda s: (s.get("addressType", ""), s["metadata"]["name"]))


def draw_packing(slices: Iterable[Mapping], max_endpoints_per_slice: int = 100,
                 writes: Iterable[Any] | None = None, service: str | None = None) -> PackingDiagram:
    """Draw EndpointSlice manifests as rows of endpoint boxes; mark slices the `writes` touched."""
    slices = _sorted_slices(slices)
    marks = slice_writes(writes)
    service = service or _service_name(slices)
    graph = graphviz.Digraph("packing", graph_attr={"rankdir": "LR", "nodesep": "0.15", "ranksep": "0.4"},
                             node_attr={"shape": "plain", "fontname": "Helvetica", "fontsize": "10"})
    graph.node("svc", f"Service {service}" if service else "Service", shape="box", style="rounded")
    for index, item in enumerate(slices):
        node = f"s{index}"
        graph.node(node, f"<{_slice_table(item, max_endpoints_per_slice, marks.get(item['metadata']['name']))}>")
        graph.edge("svc", node, arrowhead="none")
    present = {s["metadata"]["name"] for s in slices}
    for index, name in enumerate(n for n, verb in marks.items() if verb == "deleted" and n not in present):
        graph.node(f"d{index}", f"{name}\n(deleted)", shape="box", style="dashed", fontcolor="#555555")
        graph.edge("svc", f"d{index}", style="dashed", arrowhead="none")
    return PackingDiagram(graph, describe_packing(slices, max_endpoints_per_slice, writes, service))


def _slice_table(item: Mapping, capacity: int, mark: str | None) -> str:
    endpoints = list(item.get("endpoints") or [])
    name = html.escape(item["metadata"]["name"])
    head = (f"<B>{name}</B>  {html.escape(item.get('addressType', ''))}  ports: "
            f"{html.escape(port_text(item.get('ports')))}  —  {len(endpoints)}/{capacity}")
    if mark:
        head += f"  <B>[{mark.upper()}]</B>"
    border = "3" if mark else "1"
    cells = []
    for endpoint in endpoints[:MAX_CELLS]:
        words = condition_words(endpoint)
        cells.append(f"<TD BGCOLOR='{_FILL[words]}'>{html.escape(endpoint_label(endpoint))}<BR/>"
                     f"{_SYMBOL[words]} {words}</TD>")
    if len(endpoints) > MAX_CELLS:
        rest: dict[str, int] = {}
        for endpoint in endpoints[MAX_CELLS:]:
            rest[condition_words(endpoint)] = rest.get(condition_words(endpoint), 0) + 1
        tally = "<BR/>".join(f"{n} {html.escape(w)}" for w, n in rest.items())
        cells.append(f"<TD>… {len(endpoints) - MAX_CELLS} more<BR/>{tally}</TD>")
    free = capacity - len(endpoints)
    if not endpoints and not item.get("ports"):
        free = 0  # the placeholder: drawn as one labelled box
    if free > 0:
        shown = min(free, max(0, MAX_CELLS - len(endpoints)), 3)
        cells += ["<TD BGCOLOR='white'> <BR/>free</TD>"] * shown
        if free > shown:
            cells.append(f"<TD BGCOLOR='white'>{free - shown} more<BR/>free</TD>" if shown
                         else f"<TD BGCOLOR='white'>{free}<BR/>free</TD>")
    if not cells:
        cells = ["<TD>(placeholder: no endpoints, no ports)</TD>"]
    span = len(cells)
    return (f"<TABLE BORDER='{border}' CELLBORDER='1' CELLSPACING='2' CELLPADDING='3'>"
            f"<TR><TD COLSPAN='{span}' ALIGN='LEFT' BORDER='0'>{head}</TD></TR><TR>{''.join(cells)}</TR></TABLE>")


def _service_name(slices: list[Mapping]) -> str:
    for item in slices:
        name = ((item.get("metadata") or {}).get("labels") or {}).get("kubernetes.io/service-name")
        if name:
            return name
    return ""


def describe_packing(slices: Iterable[Mapping], max_endpoints_per_slice: int = 100,
                     writes: Iterable[Any] | None = None, service: str | None = None) -> str:
    """The text alternative: every slice, its fill, its endpoints' conditions and what was written."""
    slices = _sorted_slices(slices)
    marks = slice_writes(writes)
    service = service or _service_name(slices)
    count = len(slices)
    parts = [f"Service {service or '?'} has {count} EndpointSlice{'s' if count != 1 else ''} "
             f"(max {max_endpoints_per_slice} endpoints each)."]
    for item in slices:
        name = item["metadata"]["name"]
        endpoints = list(item.get("endpoints") or [])
        if not endpoints and not item.get("ports"):
            body = "the placeholder (no endpoints, no ports)"
        else:
            tally: dict[str, int] = {}
            for endpoint in endpoints:
                tally[condition_words(endpoint)] = tally.get(condition_words(endpoint), 0) + 1
            states = ", ".join(f"{n} {w}" for w, n in tally.items())
            body = (f"{len(endpoints)} of {max_endpoints_per_slice} endpoints"
                    f"{' (' + states + ')' if states else ''}, ports {port_text(item.get('ports'))}")
        mark = f"; {marks[name]} by this event" if name in marks else ""
        parts.append(f"{name} ({item.get('addressType', '?')}): {body}{mark}.")
    gone = [n for n, verb in marks.items() if verb == "deleted" and n not in {s['metadata']['name'] for s in slices}]
    if gone:
        parts.append(f"Deleted by this event: {', '.join(gone)}.")
    return " ".join(parts)


def slice_sizes(slices: Iterable[Mapping]) -> list[int]:
    """Endpoint counts of the slices, largest first (e.g. [100, 74, 74, 52])."""
    return sorted((len(s.get("endpoints") or []) for s in slices), reverse=True)


def unescape_svg_text(svg: str) -> str:
    """Graphviz writes '-' as '&#45;' in SVG text: the plain text of an SVG, for assertions and search."""
    return html.unescape(re.sub(r"<[^>]+>", " ", svg))


def render_endpoints(slices: Iterable[Mapping]) -> str:
    """Every endpoint of the slices as an aligned table: conditions, node, zone and hints spelled out."""
    header = ("SLICE", "TYPE", "ADDRESS", "POD", "READY", "SERVING", "TERMINATING", "NODE", "ZONE", "HINTS")
    rows = [header]
    for item in _sorted_slices(slices):
        for endpoint in item.get("endpoints") or []:
            c = endpoint.get("conditions") or {}
            hints = endpoint.get("hints") or {}
            hint_text = ",".join([f"zone={h['name']}" for h in hints.get("forZones") or []]
                                 + [f"node={h['name']}" for h in hints.get("forNodes") or []])
            rows.append((item["metadata"]["name"], item.get("addressType", ""),
                         ",".join(endpoint.get("addresses") or []),
                         (endpoint.get("targetRef") or {}).get("name") or "-",
                         _flag(c.get("ready")), _flag(c.get("serving")), _flag(c.get("terminating")),
                         endpoint.get("nodeName") or "-", endpoint.get("zone") or "-", hint_text or "-"))
    if len(rows) == 1:
        return "(no endpoints)"
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows)


def _flag(value: Any) -> str:
    return "<unset>" if value is None else str(bool(value)).lower()
