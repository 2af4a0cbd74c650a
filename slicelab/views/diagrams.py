"""The object graph: Service → EndpointSlice(s) → Pods (and the v1 Endpoints beside them), with graphviz.

Reads anything with `get(kind, namespace=..., name=..., label_selector=...)` — a Cluster or a Timeline
frame — and never changes it. An edge from a slice to a Pod carries the endpoint's conditions in words
(ready / serving / terminating), so the picture does not depend on colour. `describe_object_graph` is
the text alternative shown under the picture.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import graphviz

from slicelab.selectors import matches_map

__all__ = ["object_graph", "object_graph_svg", "describe_object_graph"]

SERVICE_NAME_LABEL = "kubernetes.io/service-name"


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
    svg = _graph(json.loads(collected), service).pipe(format="svg").decode("utf-8")
    return svg[svg.index("<svg"):]


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
