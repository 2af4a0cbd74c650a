"""Topology Aware Routing's older algorithm (`service.kubernetes.io/topology-mode: Auto`).

Zones receive hints in proportion to the allocatable CPU of their Ready, non-control-plane Nodes
(kubernetes-semantics.md §3.10; k8s.io/endpointslice topologycache). What slicelab implements:
- enable/disable rules: every counted Node needs a zone label and CPU, at least 2 zones, at least as
  many ready endpoints as zones, every ready endpoint needs a zone, and the per-zone minimum
  `ceil(desired / 1.2)` must fit (overload threshold 20%); otherwise every hint is removed and a
  `TopologyAwareHintsDisabled` event is recorded;
- allocation: each zone's desired share = CPU ratio × ready endpoints, minimum `ceil(desired/1.2)`,
  maximum `minimum + endpoints − sum of minimums`;
- unchanged slices keep valid hints (counted first); slices to create/update get same-zone hints, then
  zones above their maximum give endpoints to zones below their minimum.
Zones are visited in name order where Kubernetes iterates a Go map (random order).
"""
from __future__ import annotations

import math
from typing import Mapping

from slicelab.controllers.plan import Plan
from slicelab.objects import NodeFacts

OVERLOAD_THRESHOLD = 0.2


def cpu_ratios_by_zone(nodes: Mapping[str, NodeFacts]) -> dict[str, float] | None:
    """Share of allocatable CPU per zone, or None when Node information is insufficient."""
    cpu: dict[str, int] = {}
    for node in sorted(nodes.values(), key=lambda n: n.name):
        if node.control_plane or not node.ready:
            continue
        if not node.zone or not node.cpu_millis:
            return None
        cpu[node.zone] = cpu.get(node.zone, 0) + node.cpu_millis
    total = sum(cpu.values())
    if not total or len(cpu) < 2:
        return None
    return {zone: value / total for zone, value in sorted(cpu.items())}


def allocations(ratios: dict[str, float] | None, endpoints: int) -> tuple[dict | None, str | None]:
    """Per-zone (minimum, desired, maximum), or (None, reason) when hints must be disabled."""
    if ratios is None:
        return None, "Insufficient Node information: allocatable CPU or zone not specified on one or more nodes"
    if len(ratios) > endpoints:
        return None, f"Insufficient number of endpoints ({endpoints}) for zones ({len(ratios)})"
    remaining, min_total, out = endpoints, 0, {}
    for zone, ratio in ratios.items():
        desired = ratio * endpoints
        minimum = int(math.ceil(desired * (1 / (1 + OVERLOAD_THRESHOLD))))
        out[zone] = [minimum, max(desired, float(minimum)), 0]
        min_total += minimum
        remaining -= minimum
        if remaining < 0:
            return None, "Unable to allocate minimum required endpoints to each zone without exceeding " \
                         "overload threshold"
    for zone in out:
        out[zone][2] = out[zone][0] + endpoints - min_total
    return out, None


def _ready(ep: dict) -> bool:
    return (ep.get("conditions") or {}).get("ready") is not False


def _zone_hint(zone: str) -> dict:
    return {"forZones": [{"name": zone}]}


def _set_hints(rec, ident, hints) -> None:
    ep = rec.endpoints[ident]
    out = {k: v for k, v in ep.items() if k != "hints"}
    if hints is not None:
        out["hints"] = hints
    rec.endpoints[ident] = out


def remove_hints(plan: Plan) -> None:
    for rec in plan.creates + plan.updates:
        for ident in list(rec.endpoints):
            if "hints" in rec.endpoints[ident]:
                _set_hints(rec, ident, None)
    still = []
    for rec in plan.unchanged:
        if any("hints" in ep for ep in rec.endpoints.values()):
            fixed = rec.copy()
            for ident in list(fixed.endpoints):
                _set_hints(fixed, ident, None)
            plan.updates.append(fixed)
        else:
            still.append(rec)
    plan.unchanged = still


def add_hints(plan: Plan, nodes: Mapping[str, NodeFacts], events: list[str]) -> None:
    """AddHints for one address type: mutate the plan's slices in place."""
    total = sum(1 for rec in plan.creates + plan.updates + plan.unchanged
                for ep in rec.endpoints.values() if _ready(ep))
    alloc, reason = allocations(cpu_ratios_by_zone(nodes), total)
    if alloc is None:
        events.append(f"TopologyAwareHintsDisabled: {reason}")
        remove_hints(plan)
        return
    allocated = _keep_valid_unchanged(plan, alloc)
    allocatable = plan.creates + plan.updates
    if not _hint_own_zones(allocatable, allocated):
        events.append("TopologyAwareHintsDisabled: one or more endpoints do not have a zone specified")
        remove_hints(plan)
        return
    _redistribute(allocatable, alloc, allocated)


def _keep_valid_unchanged(plan: Plan, alloc: dict) -> dict[str, int]:
    """Unchanged slices whose hints still fit keep them (counted first); the others move to updates.
    Returns the endpoints allocated per zone so far."""
    allocated: dict[str, int] = {}
    still = []
    for rec in plan.unchanged:
        by_zone = _hints_by_zone(rec, allocated, alloc)
        if by_zone is None:
            plan.updates.append(rec.copy())
        else:
            still.append(rec)
            for zone, n in by_zone.items():
                allocated[zone] = allocated.get(zone, 0) + n
    plan.unchanged = still
    return allocated


def _hint_own_zones(allocatable: list, allocated: dict[str, int]) -> bool:
    """Hint each ready endpoint for its own zone (not-ready ones lose their hints); False as soon as a
    ready endpoint has no zone."""
    for rec in allocatable:
        for ident, ep in list(rec.endpoints.items()):
            if not _ready(ep):
                _set_hints(rec, ident, None)
                continue
            if not ep.get("zone"):
                return False
            allocated[ep["zone"]] = allocated.get(ep["zone"], 0) + 1
            _set_hints(rec, ident, _zone_hint(ep["zone"]))
    return True


def _redistribute(allocatable: list, alloc: dict, allocated: dict[str, int]) -> None:
    """Zones above their maximum give endpoints (in slice order) to zones below their minimum (by name)."""
    giving, receiving = {}, {}
    for zone, (minimum, _desired, maximum) in alloc.items():
        have = allocated.get(zone, 0)
        if have > maximum:
            giving[zone] = have - maximum
        elif have < minimum:
            receiving[zone] = minimum - have
    for rec in allocatable:
        for ident, ep in list(rec.endpoints.items()):
            if not _ready(ep):
                continue
            if not giving or not receiving:
                return
            zone = ep.get("zone")
            if giving.get(zone, 0) > 0:
                target = min(receiving)
                _set_hints(rec, ident, _zone_hint(target))
                _take_one(giving, zone)
                _take_one(receiving, target)


def _take_one(counts: dict[str, int], zone: str) -> None:
    counts[zone] -= 1
    if not counts[zone]:
        del counts[zone]


def _hints_by_zone(rec, allocated: dict, alloc: dict) -> dict | None:
    counts: dict[str, int] = {}
    for ep in rec.endpoints.values():
        if not _ready(ep):
            continue
        zones = ((ep.get("hints") or {}).get("forZones")) or []
        if not zones:
            return None
        for z in zones:
            if z.get("name") not in alloc:
                return None
            counts[z["name"]] = counts.get(z["name"], 0) + 1
    for zone, n in counts.items():
        if n + allocated.get(zone, 0) > alloc[zone][2]:
            return None
    return counts
