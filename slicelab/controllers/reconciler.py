"""The EndpointSlice reconciler: from desired endpoints and existing slices to a plan of writes. Pure.

Follows k8s.io/endpointslice `reconciler.go` (kubernetes-semantics.md §3.6): per address type, per
port list `reconcile_by_port_mapping` in three phases — keep positions, fill slices already being updated
fullest first, put leftovers whole into the unchanged slice that ends closest to full or into a new slice
— with no rebalancing; a placeholder slice when an address type would have none; topology hints; creates
paired with deletes recycled into updates. `reconcile` reads nothing but its arguments and writes
nothing: the controller (endpointslices.py) gathers the inputs and writes the plans.

Orders real Kubernetes leaves open (§12), chosen here and stable: endpoints placed in one sync are taken
in the desired state's order (numeric IP order, desired.py); existing slices are walked in the order
given (name order); ties among equally full slices go to the first; address types in `spec.ipFamilies`
order.

Incremental reconcile (`touched`): only slices holding a touched identity are examined and only touched
identities can be new. This gives exactly the result of the full algorithm when the existing slices are
the result of the last reconcile, because every other endpoint is still desired and unchanged.
"""
from __future__ import annotations

from typing import Mapping, NamedTuple

from slicelab.controllers import topology
from slicelab.controllers.desired import Groups, ip_order
from slicelab.controllers.plan import Plan, SliceRec, recycle, same_endpoint
from slicelab.objects import (LABEL_HEADLESS, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, MANAGER_ENDPOINTSLICE,
                              NodeFacts, ServiceFacts)

RESERVED_LABELS = (LABEL_SERVICE_NAME, LABEL_MANAGED_BY, LABEL_HEADLESS)


class Reconciled(NamedTuple):
    """What one reconcile decided: a recycled plan per address type (then one deleting slices of address
    types the Service no longer has), with the figures the controller's metrics report."""

    plans: list[Plan]
    changed: int                                   # slices written (creates counted even if skipped)
    added: list[int]                               # per address type: desired endpoints no slice held
    removed: list[int]                             # per address type: endpoints taken out of slices
    efficiency: dict[tuple, tuple[int, int]]       # (address type, port key) -> (endpoints, slices)
    events: list[str]                              # TopologyAwareHintsDisabled warnings


def slice_labels(svc: ServiceFacts, manager: str = MANAGER_ENDPOINTSLICE) -> dict:
    """The Service's labels minus the reserved keys, with service-name, managed-by (and headless)."""
    labels = {k: v for k, v in svc.labels.items() if k not in RESERVED_LABELS}
    labels[LABEL_SERVICE_NAME] = svc.name
    labels[LABEL_MANAGED_BY] = manager
    if svc.headless:
        labels[LABEL_HEADLESS] = ""
    return labels


def reconcile(svc: ServiceFacts, groups: Groups, existing: list[SliceRec], max_per_slice: int,
              nodes: Mapping[str, NodeFacts], touched: dict[tuple, set] | None = None) -> Reconciled:
    """Plan the writes that turn `existing` (the Service's slices not being deleted, in name order) into
    `groups` (desired.py), for the address types `groups` names, in its order. With `touched` (the
    identities changed per (address type, port key) since `existing` was written), only the slices
    holding one are examined."""
    labels = slice_labels(svc)
    mode = topology.hint_mode(svc)
    plans: list[Plan] = []
    added: list[int] = []
    removed: list[int] = []
    efficiency: dict[tuple, tuple[int, int]] = {}
    events: list[str] = []
    for at, desired in groups.items():
        plan, got = _reconcile_address_type(at, desired, [r for r in existing if r.address_type == at], labels,
                                            max_per_slice, touched, efficiency)
        topology.apply_hints(svc, mode, plan, nodes, events, check_unchanged=touched is None)
        recycle(plan)
        plans.append(plan)
        added.append(got[0])
        removed.append(got[1])
    unsupported = Plan()
    unsupported.deletes = [r for r in existing if r.address_type not in groups]
    if unsupported.deletes:
        plans.append(unsupported)
    return Reconciled(plans, sum(plan.writes() for plan in plans), added, removed, efficiency, events)


def _reconcile_address_type(at: str, desired: dict, of_type: list[SliceRec], labels: dict, max_per_slice: int,
                            touched: dict[tuple, set] | None, efficiency: dict) -> tuple[Plan, tuple[int, int]]:
    """reconcileByAddressType: slices not owned go, each desired port list is reconciled, slices of port
    lists no longer desired go, and a placeholder stands in when nothing else would remain."""
    plan = Plan()
    by_key: dict[tuple, list[SliceRec]] = {}
    for rec in of_type:
        if rec.owned:
            by_key.setdefault(rec.port_key, []).append(rec)
        else:
            plan.deletes.append(rec)
    added = removed = 0
    for pk, (ports, eps) in desired.items():
        touched_here = None if touched is None else touched.get((at, pk), set())
        mine = by_key.pop(pk, [])
        before = (len(plan.creates), len(plan.deletes))
        got = reconcile_by_port_mapping(plan, mine, eps, ports, pk, at, labels, max_per_slice, touched_here)
        added, removed = added + got[0], removed + got[1]
        efficiency[(at, pk)] = (len(eps), len(mine) + len(plan.creates) - before[0] - (len(plan.deletes) - before[1]))
    for recs in by_key.values():  # port lists no longer desired
        plan.deletes.extend(recs)
    if len(of_type) == len(plan.deletes) and not plan.creates:
        placeholder = SliceRec(None, at, [], (), {}, dict(labels), {}, True)
        if len(plan.deletes) == 1 and _is_placeholder(plan.deletes[0], placeholder):
            plan.unchanged.append(plan.deletes.pop())
        else:
            plan.creates.append(placeholder)
        efficiency[(at, ())] = (0, 1)
    return plan, (added, removed)


def _is_placeholder(rec: SliceRec, placeholder: SliceRec) -> bool:
    """placeholderSliceCompare: labels (exact), addressType, no ports, no endpoints (the namespace is the
    Service's: slices are listed in it)."""
    return (rec.labels == placeholder.labels and rec.address_type == placeholder.address_type
            and not rec.ports and not rec.endpoints)


def _non_reserved(labels: dict) -> dict:
    return {k: v for k, v in labels.items() if k not in RESERVED_LABELS}


def reconcile_by_port_mapping(plan: Plan, existing: list[SliceRec], desired: dict, ports: list,
                              port_key: tuple, address_type: str, labels: dict, max_per_slice: int,
                              touched: set | None = None) -> tuple[int, int]:
    """The three phases of §3.6 for one (addressType, port list). Adds to `plan`; returns (endpoints
    added: desired ones no existing slice held, endpoints removed from existing slices), as the
    controller's per-sync metrics count them.

    `desired` maps identity → endpoint, in placement order. With `touched` (incremental sync), only
    slices holding a touched identity are examined and only touched identities can be new.
    """
    if touched is None:
        remaining = Remaining(dict(desired))
    else:
        remaining = Remaining({i: desired[i] for i in sorted((i for i in touched if i in desired), key=ip_order)})
    updated, removed = _keep_positions(plan, existing, remaining if touched is None else desired, remaining,
                                       _non_reserved(labels), touched)
    added = len(remaining)
    # Phase 2: fill slices already being updated, fullest first.
    if remaining and updated:
        for rec in sorted(updated, key=len, reverse=True):
            _fill(rec, remaining, max_per_slice)
            if not remaining:
                break
    _place_leftovers(plan, updated, remaining, SliceRec(None, address_type, list(ports), port_key, {}, dict(labels),
                                                        {}, True), max_per_slice)
    plan.updates.extend(updated)
    return added, removed


def _keep_positions(plan: Plan, existing: list[SliceRec], source, remaining: "Remaining", wanted_labels: dict,
                    touched: set | None) -> tuple[list[SliceRec], int]:
    """Phase 1: walk the existing slices; each keeps the endpoints still desired, where they are (updated
    when one changed or went, or its labels differ). Returns the slices to update and the endpoints removed."""
    updated: list[SliceRec] = []
    removed = 0
    for rec in existing:
        if touched is not None and rec.endpoints.keys().isdisjoint(touched):
            plan.unchanged.append(rec)
            continue
        kept: dict = {}
        changed = False
        for ident, ep in rec.endpoints.items():
            want = source.get(ident)
            if want is None or ident in kept:
                changed = True
                continue
            if not same_endpoint(ep, want):
                changed = True
            kept[ident] = want
            remaining.pop(ident, None)
        if changed:
            removed += max(0, len(rec.endpoints) - len(kept))
            if not kept:
                plan.deletes.append(rec)
            else:
                new = rec.copy()
                new.endpoints = kept
                updated.append(new)
        elif _non_reserved(rec.labels) != wanted_labels:
            updated.append(rec.copy())
        else:
            plan.unchanged.append(rec)
    return updated, removed


def _place_leftovers(plan: Plan, updated: list[SliceRec], remaining: "Remaining", new: SliceRec,
                     max_per_slice: int) -> None:
    """Phase 3: leftovers go whole into the unchanged slice ending closest to full, or into new slices
    (copies of `new`)."""
    unchanged_here = [r for r in plan.unchanged if r.port_key == new.port_key and r.address_type == new.address_type]
    while remaining:
        target = None
        if len(remaining) < max_per_slice and unchanged_here:
            target = _slice_to_fill(unchanged_here, len(remaining), max_per_slice)
        if target is None:
            rec = new.copy()
            rec.ports, rec.labels = list(new.ports), dict(new.labels)
            _fill(rec, remaining, max_per_slice)
            plan.creates.append(rec)
        else:
            unchanged_here.remove(target)
            plan.unchanged.remove(target)
            rec = target.copy()
            _fill(rec, remaining, max_per_slice)
            updated.append(rec)


class Remaining:
    """Desired endpoints not placed yet: lookup and removal by identity, taking in placement order.

    (Taking the first item of a dict again and again after removals is quadratic; this is not.)"""

    __slots__ = ("items", "order", "next")

    def __init__(self, items: dict):
        self.items = items
        self.order = list(items)
        self.next = 0

    def __len__(self) -> int:
        return len(self.items)

    def get(self, ident):
        return self.items.get(ident)

    def pop(self, ident, default=None):
        return self.items.pop(ident, default)

    def take_many(self, count: int) -> list[tuple]:
        """Up to `count` items, the first not taken yet in placement order."""
        out: list[tuple] = []
        items, order, at = self.items, self.order, self.next
        while items and len(out) < count:
            ident = order[at]
            at += 1
            if ident in items:
                out.append((ident, items.pop(ident)))
        self.next = at
        return out


def _fill(rec: SliceRec, remaining: Remaining, max_per_slice: int) -> None:
    while remaining and len(rec.endpoints) < max_per_slice:
        rec.endpoints.update(remaining.take_many(max_per_slice - len(rec.endpoints)))


def _slice_to_fill(candidates: list[SliceRec], count: int, max_per_slice: int) -> SliceRec | None:
    """getSliceToFill: the slice with the least room left after taking all `count` endpoints."""
    if count == 0 or count > max_per_slice:
        return None
    best, best_diff = None, max_per_slice
    for rec in candidates:
        diff = max_per_slice - (count + len(rec))
        if 0 <= diff < best_diff:
            best, best_diff = rec, diff
            if diff == 0:
                break
    return best
