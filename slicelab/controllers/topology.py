"""Topology hints on EndpointSlice endpoints (kubernetes-semantics.md §3.10).

Which mechanism applies to a Service (`hint_mode`):
- `auto`: annotation `service.kubernetes.io/topology-aware-hints` (takes precedence) or
  `service.kubernetes.io/topology-mode` set to `Auto` or `auto` — the older CPU-proportional algorithm;
- `zone`: `spec.trafficDistribution: PreferClose` or `PreferSameZone` → each ready endpoint with a zone is
  hinted for its own zone;
- `node`: `PreferSameNode` → also `forNodes` with its own node (the PreferSameTrafficDistribution gate is
  taken as enabled, as it is by default in recent releases);
- None: any existing hints are removed.
Hints go only on endpoints with `ready: true`.
"""
from __future__ import annotations

from typing import Mapping

from slicelab.controllers import topology_auto
from slicelab.controllers.plan import Plan
from slicelab.objects import ANNOTATION_TOPOLOGY_HINTS, ANNOTATION_TOPOLOGY_MODE, NodeFacts, ServiceFacts


def hint_mode(svc: ServiceFacts) -> str | None:
    annotations = svc.annotations
    value = annotations.get(ANNOTATION_TOPOLOGY_HINTS, annotations.get(ANNOTATION_TOPOLOGY_MODE))
    if value in ("Auto", "auto"):
        return "auto"
    if svc.traffic_distribution in ("PreferClose", "PreferSameZone"):
        return "zone"
    if svc.traffic_distribution == "PreferSameNode":
        return "node"
    return None


def _own_hints(ep: dict, mode: str | None) -> dict | None:
    if mode not in ("zone", "node") or not (ep.get("conditions") or {}).get("ready") or not ep.get("zone"):
        return None
    hints: dict = {"forZones": [{"name": ep["zone"]}]}
    if mode == "node" and ep.get("nodeName"):
        hints["forNodes"] = [{"name": ep["nodeName"]}]
    return hints


def _with_hints(ep: dict, hints: dict | None) -> dict:
    if ep.get("hints") == hints or (hints is None and "hints" not in ep):
        return ep
    out = {k: v for k, v in ep.items() if k != "hints"}
    if hints is not None:
        out["hints"] = hints
    return out


def apply_hints(svc: ServiceFacts, mode: str | None, plan: Plan, nodes: Mapping[str, NodeFacts],
                events: list[str] | None = None, check_unchanged: bool = True) -> None:
    """Set the hints on slices to create/update; move unchanged slices with wrong hints to updates.

    `check_unchanged=False` (incremental syncs outside Auto mode) trusts unchanged slices: their hints
    depend only on their own endpoints, which did not change."""
    if mode == "auto":
        topology_auto.add_hints(plan, nodes, events if events is not None else [])
        return
    for rec in plan.creates + plan.updates:
        if mode is None and not any("hints" in ep for ep in rec.endpoints.values()):
            continue  # no hints wanted and none there: every endpoint stays as it is
        rec.endpoints = {i: _with_hints(ep, _own_hints(ep, mode)) for i, ep in rec.endpoints.items()}
    if not check_unchanged:
        return
    still = []
    for rec in plan.unchanged:
        if any(ep.get("hints") != _own_hints(ep, mode) for ep in rec.endpoints.values()):
            fixed = rec.copy()
            fixed.endpoints = {i: _with_hints(ep, _own_hints(ep, mode)) for i, ep in rec.endpoints.items()}
            plan.updates.append(fixed)
        else:
            still.append(rec)
    plan.unchanged = still
