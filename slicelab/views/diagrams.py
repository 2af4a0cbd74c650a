"""The object graph: Service → EndpointSlice(s) → Pods (and the v1 Endpoints beside them), with graphviz.

Reads anything with `get(kind, namespace=..., name=..., label_selector=...)` — a Cluster or a Timeline
frame — and never changes it. An edge from a slice to a Pod carries the endpoint's conditions in words
(ready / serving / terminating), so the picture does not depend on colour. `describe_object_graph` is
the text alternative shown under the picture. `proxy_graph` draws, per node, the endpoints its kube-proxy
uses (zones, nodes and trafficDistribution at work); `describe_proxy_graph` is its text alternative.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import graphviz

from slicelab.runtime import render_svg
from slicelab.selectors import matches_map

__all__ = ["object_graph", "object_graph_svg", "describe_object_graph", "proxy_graph", "proxy_graph_svg",
           "describe_proxy_graph", "proxy_figure", "Figure"]

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
ZONE_LABEL = "topology.kubernetes.io/zone"


def _conditions(ep: dict) -> str:
    c = ep.get("conditions") or {}
    words = ["ready" if c.get("ready") is not False else "not ready"]
    if c.get("serving") is not None and c.get("serving") != (c.get("ready") is not False):
        words.append("serving" if c.get("serving") else "not serving")
    if c.get("terminating"):
        words.append("terminating")
    return ", ".join(words)


def _collect(source: Any, service: str, namespace: str) -> dict:
    svc = source.get("Service", namespace=namespace, name=service)
    selector = (svc[0].get("spec", {}).get("selector") if svc else None)
    pods = source.get("Pod", namespace=namespace)
    slices = source.get("EndpointSlice", namespace=namespace, label_selector=f"{SERVICE_NAME_LABEL}={service}")
    endpoints = source.get("Endpoints", namespace=namespace, name=service)
    return {"service": svc[0] if svc else None, "selector": selector, "pods": pods, "slices": slices,
            "endpoints": endpoints[0] if endpoints else None}


def _selects(selector: dict | None, pod: dict) -> bool:
    """Whether a Service selector picks the Pod. An empty selector is no selector (the API stores
    `selector: {}` as absent): it picks nothing, and no controller manages the Service's endpoints."""
    return bool(selector) and matches_map(selector, pod["metadata"].get("labels"))


def _pod_label(pod: dict, selected: bool) -> str:
    ip = pod.get("status", {}).get("podIP", "no IP")
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in pod.get("status", {}).get("conditions") or [])
    state = "terminating" if pod["metadata"].get("deletionTimestamp") else ("Ready" if ready else "not Ready")
    extra = "" if selected else "\n(not selected)"
    return f"Pod {pod['metadata']['name']}\n{ip}\n{state}{extra}"


def object_graph(source: Any, service: str, namespace: str = "default") -> graphviz.Digraph:
    """Service → its EndpointSlices → Pods, plus the Endpoints object; Pods the Service does not select
    are drawn dashed and say so."""
    return _graph(_collect(source, service, namespace), service)


def _graph(d: dict, service: str) -> graphviz.Digraph:
    g = graphviz.Digraph("objects", graph_attr={"rankdir": "LR", "bgcolor": "transparent", "ranksep": "0.5"},
                         node_attr={"fontname": "Helvetica", "fontsize": "10", "shape": "box", "style": "rounded"},
                         edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    if d["service"] is None:
        g.node("svc", f"Service {service}\n(does not exist)", style="dashed")
    else:
        sel = ",".join(f"{k}={v}" for k, v in (d["selector"] or {}).items()) or "(no selector)"
        ip = d["service"].get("spec", {}).get("clusterIP", "")
        g.node("svc", f"Service {service}\nselector {sel}\nclusterIP {ip}", shape="box", style="rounded,bold")
    pod_ids = {}
    for i, pod in enumerate(d["pods"]):
        selected = _selects(d["selector"], pod)
        pod_ids[pod["metadata"]["name"]] = f"pod{i}"
        g.node(f"pod{i}", _pod_label(pod, selected), style="rounded" if selected else "rounded,dashed")
    for i, eps in enumerate(d["slices"]):
        ports = ",".join(str(p.get("port", "*")) for p in eps.get("ports") or []) or "<unset>"
        n = len(eps.get("endpoints") or [])
        g.node(f"es{i}", f"EndpointSlice\n{eps['metadata']['name']}\n{eps.get('addressType', '')} "
                         f"ports {ports}\n{n} endpoint(s)", shape="folder")
        g.edge("svc", f"es{i}", label="owns")
        for ep in eps.get("endpoints") or []:
            ref = (ep.get("targetRef") or {}).get("name")
            if ref in pod_ids:
                style = "solid" if (ep.get("conditions") or {}).get("ready") is not False else "dashed"
                g.edge(f"es{i}", pod_ids[ref], label=_conditions(ep), style=style)
    if d["endpoints"] is not None:
        g.node("ep", f"Endpoints {service}\n(v1, deprecated)", shape="note")
        g.edge("svc", "ep", label="same name", style="dotted")
        for subset in d["endpoints"].get("subsets") or []:
            for key, word in (("addresses", "address"), ("notReadyAddresses", "notReadyAddress")):
                for a in subset.get(key) or []:
                    ref = (a.get("targetRef") or {}).get("name")
                    if ref in pod_ids:
                        g.edge("ep", pod_ids[ref], label=word, style="dotted", color="#777777")
    return g


def object_graph_svg(source: Any, service: str, namespace: str = "default") -> str:
    """The object graph as an inline SVG element (steps that change nothing reuse the drawing)."""
    return _svg(json.dumps(_collect(source, service, namespace), sort_keys=True, default=str), service)


@lru_cache(maxsize=128)
def _svg(collected: str, service: str) -> str:
    return render_svg(_graph(json.loads(collected), service))


def describe_object_graph(source: Any, service: str, namespace: str = "default") -> str:
    """Text alternative of the object graph: who owns what and which Pods each object points to."""
    d = _collect(source, service, namespace)
    if d["service"] is None:
        return f"Service {service} does not exist."
    sel = ",".join(f"{k}={v}" for k, v in (d["selector"] or {}).items()) or "(no selector)"
    lines = [f"Service {service} (selector {sel}) owns {len(d['slices'])} EndpointSlice(s)."]
    for eps in d["slices"]:
        eps_list = [f"{', '.join(ep.get('addresses') or [])} → Pod {(ep.get('targetRef') or {}).get('name', '?')}"
                    f" ({_conditions(ep)})" for ep in eps.get("endpoints") or []]
        lines.append(f"EndpointSlice {eps['metadata']['name']}: " + ("; ".join(eps_list) or "no endpoints") + ".")
    if d["endpoints"] is not None:
        ready = [a["ip"] for s in d["endpoints"].get("subsets") or [] for a in s.get("addresses") or []]
        not_ready = [a["ip"] for s in d["endpoints"].get("subsets") or [] for a in s.get("notReadyAddresses") or []]
        lines.append(f"Endpoints {service}: addresses {', '.join(ready) or 'none'}; "
                     f"notReadyAddresses {', '.join(not_ready) or 'none'}.")
    else:
        lines.append(f"There is no Endpoints object {service}.")
    unselected = [p["metadata"]["name"] for p in d["pods"] if not _selects(d["selector"], p)]
    if unselected:
        lines.append(f"Pods not selected by the Service: {', '.join(unselected)}.")
    return " ".join(lines)


# --------------------------------------------------------------------------- kube-proxy per node
# Which endpoints each node's kube-proxy sends a Service's ClusterIP traffic to (network.proxy_endpoints),
# drawn as zones holding nodes holding Pods, with one edge per (node, endpoint it uses). Kept apart
# from the object graph above: it reads the same sources but answers another question.

def _proxy_view(source: Any, service: str, namespace: str) -> dict:
    from slicelab import network
    nodes = sorted(((n["metadata"]["name"], ((n["metadata"].get("labels") or {}).get(ZONE_LABEL) or ""))
                    for n in source.get("Node", namespace=None)))
    pods = {p["metadata"]["name"]: p for p in source.get("Pod", namespace=namespace)}
    svc = source.get("Service", namespace=namespace, name=service)
    spec = (svc[0].get("spec") or {}) if svc else {}
    uses = {node: [b.pod or b.ip for b in network.proxy_endpoints(source, service, node, namespace=namespace)]
            for node, _ in nodes}
    return {"nodes": nodes, "uses": uses,
            "pods": {name: (p.get("spec") or {}).get("nodeName") or "" for name, p in pods.items()},
            "states": {name: _pod_label(p, True).split("\n")[2] for name, p in pods.items()},
            "policy": spec.get("trafficDistribution") or "", "local": spec.get("internalTrafficPolicy") == "Local"}


def proxy_graph(source: Any, service: str, namespace: str = "default") -> graphviz.Digraph:
    """Zones, their nodes and the Pods on them; an arrow from each node's kube-proxy to every endpoint
    it uses for the Service (bold when the endpoint runs in the node's own zone)."""
    return _proxy_graph(_proxy_view(source, service, namespace), service)


def _proxy_graph(view: dict, service: str) -> graphviz.Digraph:
    g = graphviz.Digraph("proxies", graph_attr={"rankdir": "TB", "bgcolor": "transparent", "nodesep": "0.3",
                                                "label": _policy_words(view, service), "labelloc": "t",
                                                "fontname": "Helvetica", "fontsize": "11"},
                         node_attr={"fontname": "Helvetica", "fontsize": "10", "shape": "box", "style": "rounded"},
                         edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    zones: dict[str, list[str]] = {}
    for node, zone in view["nodes"]:
        zones.setdefault(zone, []).append(node)
    zone_of = dict(view["nodes"])
    for z, (zone, nodes) in enumerate(sorted(zones.items())):
        with g.subgraph(name=f"cluster_z{z}") as zg:
            zg.attr(label=f"zone {zone}" if zone else "no zone", style="dashed", fontname="Helvetica")
            for n, node in enumerate(nodes):
                with zg.subgraph(name=f"cluster_z{z}n{n}") as ng:
                    ng.attr(label=node, style="rounded", fontname="Helvetica")
                    ng.node(f"proxy_{node}", f"kube-proxy\n{node}", shape="component")
                    for pod in sorted(p for p, on in view["pods"].items() if on == node):
                        ng.node(f"pod_{pod}", f"Pod {pod}\n{view['states'][pod]}")
    for node, used in view["uses"].items():
        for pod in used:
            same_zone = zone_of.get(view["pods"].get(pod, "")) == zone_of[node]
            g.edge(f"proxy_{node}", f"pod_{pod}", style="bold" if same_zone else "dashed")
    return g


def proxy_graph_svg(source: Any, service: str, namespace: str = "default") -> str:
    """The kube-proxy graph as an inline SVG element."""
    return render_svg(proxy_graph(source, service, namespace))


@dataclass(frozen=True)
class Figure:
    """A drawing with its caption and its text alternative: a figure in a notebook, the text elsewhere."""

    caption: str
    svg: str
    alt: str

    def _repr_html_(self) -> str:
        return (f"<figure class='slicelab-figure' style='margin:0.4em 0'><figcaption style='font-weight:bold'>"
                f"{html.escape(self.caption)}</figcaption><div style='overflow-x:auto'>{self.svg}</div>"
                f"<p style='font-size:0.85em;line-height:1.4'><i>Text alternative:</i> "
                f"{html.escape(self.alt)}</p></figure>")

    def __repr__(self) -> str:
        return f"{self.caption}\n{self.alt}"


def proxy_figure(source: Any, service: str, namespace: str = "default") -> Figure:
    """The kube-proxy graph as a captioned figure with its text alternative."""
    return Figure("Which endpoints each node's kube-proxy uses", proxy_graph_svg(source, service, namespace),
                  describe_proxy_graph(source, service, namespace))


def describe_proxy_graph(source: Any, service: str, namespace: str = "default") -> str:
    """Text alternative of the kube-proxy graph: per node, its zone and the endpoints its kube-proxy uses."""
    view = _proxy_view(source, service, namespace)
    if not view["nodes"]:
        return f"The cluster has no Nodes, so no kube-proxy serves Service {service}."
    parts = [_policy_words(view, service) + "."]
    for node, zone in view["nodes"]:
        used = view["uses"][node]
        where = f" in zone {zone}" if zone else ""
        parts.append(f"kube-proxy on {node}{where} uses " + (", ".join(used) if used else "no endpoint") + ".")
    return " ".join(parts)


def _policy_words(view: dict, service: str) -> str:
    policy = view["policy"]
    if view["local"]:
        return f"Service {service}: internalTrafficPolicy Local (each node uses only its own endpoints)"
    if policy == "PreferClose":
        policy = "PreferClose (deprecated name of PreferSameZone)"
    return f"Service {service}: trafficDistribution {policy or 'not set'}"
