"""The EndpointSlice controller: N slices per selector Service, packed with minimal churn.

Follows kube-controller-manager's EndpointSlice reconciler (kubernetes-semantics.md §3):
- one endpoint per eligible Pod (terminating Pods included) per address type, with conditions
  ready/serving/terminating, nodeName, zone (from the Node) and hostname;
- slices are grouped by (addressType, resolved port list); each holds at most `max_endpoints_per_slice`;
- reconcile per port list in three phases — keep positions, fill slices already being updated fullest
  first, put leftovers whole into the unchanged slice that ends closest to full or into a new slice —
  with no rebalancing; a placeholder slice when an address type would have none; creates paired with
  deletes are recycled into updates (same name);
- labels: the Service's minus reserved keys + service-name + managed-by (+ headless); ownerReference to
  the Service (the garbage collector deletes the slices when the Service goes).

Orders real Kubernetes leaves open (§12), chosen here and stable:
- endpoints placed into a slice in one sync are taken in numeric IP order (then Pod name); endpoints
  already in a slice keep their position (as in Kubernetes);
- `ports` in a slice follow the Service's port order (real clusters use an FNV-hash order);
- existing slices are walked in name order; ties among equally full slices go to the first by name;
- address types are reconciled in `spec.ipFamilies` order; per type creates, then updates, then deletes.

Nodes: an endpoint's zone comes from its Node's `topology.kubernetes.io/zone` label. A Pod naming a Node
that does not exist is skipped (unless publishNotReadyAddresses) and the sync reports an error, as in
Kubernetes (`Cluster.controller_errors()`); it is retried in the next transaction. Simplification: a Pod
with no `spec.nodeName` at all (never scheduled — impossible in a real cluster once it has an IP) is
included without nodeName and zone, so lessons may leave Nodes out.

Incremental syncs: when only Pods changed since the last sync (same Service spec, same Nodes, nobody
else touched the slices), only the slices holding changed endpoints are examined. This gives exactly
the result of the full algorithm, because every other endpoint is still desired and unchanged; the
property tests compare both.
"""
from __future__ import annotations

import socket
from typing import Any

from slicelab.controllers import metrics, topology
from slicelab.controllers.metrics import Metrics
from slicelab.controllers.base import Change, Key, Lister, ServiceController, Writer, managed_slice_services
from slicelab.controllers.plan import (Plan, SliceRec, count_changes, parse_slice, port_sort_key,
                                       recycle, same_endpoint, slice_manifest, write)
from slicelab.controllers.pods import find_port, hostname_for
from slicelab.controllers.trigger_time import TriggerTimeTracker
from slicelab.objects import (ANNOTATION_TRIGGER_TIME, LABEL_HEADLESS, LABEL_MANAGED_BY, LABEL_SERVICE_NAME,
                              MANAGER_ENDPOINTSLICE, PodFacts, ServiceFacts, ip_family)

RESERVED_LABELS = (LABEL_SERVICE_NAME, LABEL_MANAGED_BY, LABEL_HEADLESS)


def service_address_types(svc: ServiceFacts) -> list[str]:
    """§3.2: ipFamilies; else the clusterIP's family; headless without families → both."""
    if svc.ip_families:
        return list(svc.ip_families)
    if svc.cluster_ip not in ("", "None"):
        fam = ip_family(svc.cluster_ip)
        return [fam] if fam else ["IPv4"]
    return ["IPv4", "IPv6"]


def ip_order(identity: tuple) -> tuple:
    """Numeric IP order for endpoints placed in one sync (documented choice, §12): IPv4 before IPv6,
    then the address as a number (its packed bytes), then the Pod name."""
    addrs = identity[0]
    if addrs:
        text = addrs[0]
        family = socket.AF_INET6 if ":" in text else socket.AF_INET
        try:
            return (0, family == socket.AF_INET6, socket.inet_pton(family, text), identity[3])
        except OSError:
            pass
    return (1, False, b"", identity[3])


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
    removed = 0
    wanted_labels = _non_reserved(labels)
    updated: list[SliceRec] = []
    if touched is None:
        remaining = Remaining(dict(desired))
    else:
        remaining = Remaining({i: desired[i] for i in sorted((i for i in touched if i in desired), key=ip_order)})
    # Phase 1: walk existing slices.
    for rec in existing:
        if touched is not None and rec.endpoints.keys().isdisjoint(touched):
            plan.unchanged.append(rec)
            continue
        kept: dict = {}
        changed = False
        source = remaining if touched is None else desired
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
    added = len(remaining)
    # Phase 2: fill slices already being updated, fullest first.
    if remaining and updated:
        for rec in sorted(updated, key=len, reverse=True):
            _fill(rec, remaining, max_per_slice)
            if not remaining:
                break
    # Phase 3: leftovers go whole into the unchanged slice ending closest to full, or a new slice.
    unchanged_here = [r for r in plan.unchanged if r.port_key == port_key and r.address_type == address_type]
    while remaining:
        target = None
        if len(remaining) < max_per_slice and unchanged_here:
            target = _slice_to_fill(unchanged_here, len(remaining), max_per_slice)
        if target is None:
            rec = SliceRec(None, address_type, list(ports), port_key, {}, dict(labels), {}, True)
            _fill(rec, remaining, max_per_slice)
            plan.creates.append(rec)
        else:
            unchanged_here.remove(target)
            plan.unchanged.remove(target)
            rec = target.copy()
            _fill(rec, remaining, max_per_slice)
            updated.append(rec)
    plan.updates.extend(updated)
    return added, removed


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

    def take(self) -> tuple:
        while True:
            ident = self.order[self.next]
            self.next += 1
            if ident in self.items:
                return ident, self.items.pop(ident)

    def take_many(self, count: int) -> list[tuple]:
        """Up to `count` items, as that many `take()` calls would give them."""
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
    while remaining and len(rec.endpoints) < max_per_slice:  # same takes as one at a time
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


class EndpointSliceController(ServiceController):
    name = "endpointslice"
    queue_name = "endpoint_slice"
    manager = MANAGER_ENDPOINTSLICE
    incremental = True  # False: every sync recomputes from scratch (the tests compare both)

    def __init__(self, lister: Lister, client: Writer, metrics: Metrics, max_endpoints_per_slice: int = 100):
        super().__init__(lister, client, metrics)
        self.max_endpoints_per_slice = max_endpoints_per_slice
        self._tracker = TriggerTimeTracker()
        # Per Service: pod name -> [(address type, port key, ports, identity, endpoint)], valid while
        # the Service signature and Nodes are unchanged.
        self._pod_endpoints: dict[Key, dict[str, list]] = {}
        self._signature: dict[Key, tuple] = {}
        self._desired: dict[Key, dict] = {}
        self._port_memo: dict[tuple, dict] = {}  # Service ports -> container ports -> resolved ports
        self._parsed: dict[Key, tuple] = {}
        self._retry: set[Key] = set()
        self.errors: list[str] = []
        self.events: list[str] = []

    # --- change intake -------------------------------------------------------------------------
    def observe(self, change: Change) -> None:
        super().observe(change)
        if change.kind == "EndpointSlice" and change.new is None:
            self._parsed.pop(change.key, None)
        if change.kind == "Node":
            self.resync()
        elif change.kind == "EndpointSlice" and change.actor != self.name:
            self._full.update(managed_slice_services(change, self.manager))

    def take_work(self):
        self._full.update(self._retry)
        self._retry.clear()
        return super().take_work()

    # --- one Service -------------------------------------------------------------------------
    def sync_service(self, key: Key, changed_pods: set[str] | None) -> None:
        """One sync, counted in `endpoint_slice_controller_syncs{result}` (error: Pods were skipped)."""
        errors = len(self.errors)
        self._sync_service(key, changed_pods)
        result = "error" if len(self.errors) > errors else "success"
        self.metrics.inc(f"{metrics.SLICE}_syncs", (("result", result),))

    def _sync_service(self, key: Key, changed_pods: set[str] | None) -> None:
        ns, name = key
        svc = self.lister.service(ns, name)
        if svc is None or svc.type == "ExternalName" or svc.selector is None:
            # Service gone: slices are left to the garbage collector; no selector: hands off.
            self._pod_endpoints.pop(key, None)
            self._desired.pop(key, None)
            self._signature.pop(key, None)
            if svc is None:
                self._tracker.forget(key)
                self.metrics.cache_delete(metrics.SLICE, key)
            return
        signature = (svc.uid, tuple(sorted(svc.selector.items())), svc.ports, svc.publish_not_ready,
                     svc.ip_families, svc.cluster_ip, tuple(sorted(svc.labels.items())),
                     svc.traffic_distribution, topology.hint_mode(svc), svc.deleting)
        cache = self._pod_endpoints.get(key)
        incremental = (self.incremental and cache is not None and changed_pods is not None and self._signature.get(key) == signature
                       and topology.hint_mode(svc) != "auto")
        address_types = service_address_types(svc)
        missing_nodes: list[str] = []
        if len(self._port_memo) > 1000:
            self._port_memo.clear()
        memo = self._port_memo.setdefault(svc.ports, {})
        if incremental:
            desired = self._desired[key]
            touched: dict[tuple, set] = {}
            pods = []
            for pod_name in sorted(changed_pods):
                for at, pk, _ports, ident, _ep in cache.pop(pod_name, ()):
                    touched.setdefault((at, pk), set()).add(ident)
                    group = desired[at][pk]
                    group[1].pop(ident, None)
                    if not group[1]:
                        del desired[at][pk]
                pod = self.lister.pod(ns, pod_name)
                if pod is None or not svc.selector.items() <= pod.labels.items():
                    continue
                pods.append(pod)
                entries = self._pod_entries(svc, pod, address_types, missing_nodes, memo)
                if entries:
                    cache[pod_name] = entries
                    for at, pk, ports, ident, ep in entries:
                        touched.setdefault((at, pk), set()).add(ident)
                        desired[at].setdefault(pk, (ports, {}))[1][ident] = ep
            selected = {p.name for p in pods}
            self._tracker.forget_pods(svc, [n for n in changed_pods if n not in selected])
        else:
            touched = None
            pods = list(self.lister.select_pods(ns, svc.selector))
            cache = {}
            for pod in pods:
                entries = self._pod_entries(svc, pod, address_types, missing_nodes, memo)
                if entries:
                    cache[pod.name] = entries
            # desired[address type][port key] = (ports, {identity: endpoint} in placement order)
            desired = {at: {} for at in address_types}
            for entries in cache.values():
                for at, pk, ports, ident, ep in entries:
                    group = desired[at].get(pk)
                    if group is None:  # (not setdefault: that would build a tuple and a dict per endpoint)
                        group = desired[at][pk] = (ports, {})
                    group[1][ident] = ep
            for groups in desired.values():
                for pk, (ports, eps) in groups.items():
                    groups[pk] = (ports, dict(sorted(eps.items(), key=lambda item: ip_order(item[0]))))
        trigger = self._tracker.compute(svc, pods, every_pod=not incremental)
        self._pod_endpoints[key] = cache
        self._desired[key] = desired
        self._signature[key] = signature
        if missing_nodes:
            self._retry.add(key)
            self.errors.append(f"Service {ns}/{name}: skipped Pods: "
                               + ", ".join(sorted(missing_nodes)))
        self._reconcile(svc, address_types, desired, touched, trigger)

    def _remember(self, rec: SliceRec, written: dict, svc: ServiceFacts) -> None:
        """Keep the record of a slice just written, so the next sync need not parse it again."""
        meta = written["metadata"]
        fresh = SliceRec(meta["name"], rec.address_type, written.get("ports") or [], rec.port_key,
                         dict(zip(rec.endpoints, written["endpoints"] or ())), dict(meta["labels"]),
                         dict(meta.get("annotations") or {}), True, written)
        self._parsed[(meta["namespace"], meta["name"])] = ((meta["resourceVersion"], svc.uid), fresh)

    def _parsed_slice(self, manifest: dict, svc_uid: str) -> SliceRec:
        """parse_slice, remembered per (name, resourceVersion, owner uid): slices are never mutated."""
        meta = manifest["metadata"]
        cache_key = (meta.get("namespace"), meta.get("name"))
        version = (meta.get("resourceVersion"), svc_uid)
        hit = self._parsed.get(cache_key)
        if hit is not None and hit[0] == version:
            return hit[1]
        rec = parse_slice(manifest, svc_uid)
        self._parsed[cache_key] = (version, rec)
        return rec

    def _pod_entries(self, svc: ServiceFacts, pod: PodFacts, address_types: list[str],
                     missing_nodes: list[str], memo: dict) -> list:
        """The Pod's endpoints: [(address type, port key, ports, identity, endpoint)]. `memo` holds the
        ports resolved for this Service's ports, by the Pods' container ports."""
        if not pod.eligible(True):
            return []
        zone = None
        if pod.node_name:
            node = self.lister.nodes().get(pod.node_name)
            if node is None:
                if not svc.publish_not_ready:
                    missing_nodes.append(f"{pod.name} (Node {pod.node_name} not found)")
                    return []
            else:
                zone = node.zone
        # Simplification: a Pod with no spec.nodeName (never scheduled, impossible once it has an IP in a
        # real cluster) is included without nodeName and zone instead of being skipped.
        memo_key = (pod.ports, pod.sidecar_ports)
        resolved = memo.get(memo_key)
        if resolved is None:  # Pods from one template resolve the same way: resolve once
            ports = []
            for sp in svc.ports:
                number = find_port(pod, sp)
                if number is None:
                    continue
                port: dict[str, Any] = {"name": sp.name, "port": number, "protocol": sp.protocol}
                if sp.app_protocol is not None:
                    port["appProtocol"] = sp.app_protocol
                ports.append(((sp.name, number, sp.protocol, sp.app_protocol), port))
            resolved = (tuple(sorted((p[0] for p in ports), key=port_sort_key)), [p[1] for p in ports])
            if len(memo) > 10_000:
                memo.clear()
            memo[memo_key] = resolved
        port_key, port_list = resolved
        serving = pod.ready
        terminating = pod.terminating
        ready = svc.publish_not_ready or (serving and not terminating)
        hostname = hostname_for(pod, svc)
        entries = []
        for at in address_types:
            ip = pod.ip_of(at)
            if ip is None:
                continue
            ep: dict[str, Any] = {"addresses": [ip],
                                  "conditions": {"ready": ready, "serving": serving, "terminating": terminating}}
            if hostname:
                ep["hostname"] = hostname
            ep["targetRef"] = {"kind": "Pod", "namespace": pod.namespace, "name": pod.name, "uid": pod.uid}
            if pod.node_name:
                ep["nodeName"] = pod.node_name
            if zone:
                ep["zone"] = zone
            entries.append((at, port_key, port_list, ((ip,), hostname, pod.namespace, pod.name), ep))
        return entries

    def _reconcile(self, svc: ServiceFacts, address_types: list[str], desired: dict, touched, trigger) -> None:
        ns = svc.namespace
        labels = {k: v for k, v in svc.labels.items() if k not in RESERVED_LABELS}
        labels[LABEL_SERVICE_NAME] = svc.name
        labels[LABEL_MANAGED_BY] = self.manager
        if svc.headless:
            labels[LABEL_HEADLESS] = ""
        existing = [self._parsed_slice(m, svc.uid) for m in self.lister.slices(ns, svc.name, self.manager)
                    if not (m.get("metadata") or {}).get("deletionTimestamp")]
        existing.sort(key=lambda r: r.name)
        mode = topology.hint_mode(svc)
        deletes_unsupported = [r for r in existing if r.address_type not in address_types]
        efficiency: dict[tuple, tuple[int, int]] = {}   # (address type, port key) -> (endpoints, slices)
        changed = 0
        for at in address_types:
            of_type = [r for r in existing if r.address_type == at]
            plan = Plan()
            by_key: dict[tuple, list[SliceRec]] = {}
            for rec in of_type:
                if rec.owned:
                    by_key.setdefault(rec.port_key, []).append(rec)
                else:
                    plan.deletes.append(rec)
            added = removed = 0
            for pk, (ports, eps) in desired[at].items():
                touched_here = None if touched is None else touched.get((at, pk), set())
                mine = by_key.pop(pk, [])
                before = (len(plan.creates), len(plan.deletes))
                got = reconcile_by_port_mapping(plan, mine, eps, ports, pk, at, labels,
                                                self.max_endpoints_per_slice, touched_here)
                added, removed = added + got[0], removed + got[1]
                efficiency[(at, pk)] = (len(eps), len(mine) + len(plan.creates) - before[0]
                                        - (len(plan.deletes) - before[1]))
            for recs in by_key.values():  # port lists no longer desired
                plan.deletes.extend(recs)
            if len(of_type) == len(plan.deletes) and not plan.creates:
                placeholder = SliceRec(None, at, [], (), {}, dict(labels), {}, True)
                if len(plan.deletes) == 1 and _is_placeholder(plan.deletes[0], placeholder, ns):
                    plan.unchanged.append(plan.deletes.pop())
                else:
                    plan.creates.append(placeholder)
                efficiency[(at, ())] = (0, 1)
            self.metrics.observe(f"{metrics.SLICE}_endpoints_added_per_sync", added)
            self.metrics.observe(f"{metrics.SLICE}_endpoints_removed_per_sync", removed)
            topology.apply_hints(svc, mode, plan, self.lister.nodes(), self.events, check_unchanged=touched is None)
            changed += self._finalize(svc, plan, labels, trigger)
        self.metrics.cache_set(metrics.SLICE, (ns, svc.name), efficiency)
        if deletes_unsupported:
            plan = Plan()
            plan.deletes = deletes_unsupported
            write(plan, self.client, ns)
            count_changes(self.metrics, metrics.SLICE, plan)
            changed += len(deletes_unsupported)
        distribution = svc.traffic_distribution if svc.traffic_distribution == "PreferClose" and mode != "auto" else ""
        self.metrics.observe(f"{metrics.SLICE}_endpointslices_changed_per_sync", changed,
                                 (("topology", "Auto" if mode == "auto" else "Disabled"),
                                  ("traffic_distribution", distribution)), metrics.DEFAULT_BUCKETS)

    def _finalize(self, svc: ServiceFacts, plan: Plan, labels: dict, trigger: str | None) -> int:
        """Recycle, then write; returns the slices changed (creates counted even when skipped, as
        upstream's `endpointslices_changed_per_sync` does)."""
        recycle(plan)
        changed = plan.writes()
        if svc.deleting:
            plan.creates = []
        owner = {"apiVersion": "v1", "kind": "Service", "name": svc.name, "uid": svc.uid, "controller": True,
                 "blockOwnerDeletion": True}
        write(plan, self.client, svc.namespace,
              lambda rec: slice_manifest(rec, svc.namespace, labels, _annotations(rec, trigger), owner),
              lambda rec, stored: self._remember(rec, stored, svc))
        count_changes(self.metrics, metrics.SLICE, plan)
        return changed


def _annotations(rec: SliceRec, trigger: str | None) -> dict:
    """A slice's annotations as written: its own, with the trigger time of this sync (or none)."""
    annotations = dict(rec.annotations)
    if trigger:
        annotations[ANNOTATION_TRIGGER_TIME] = trigger
    else:
        annotations.pop(ANNOTATION_TRIGGER_TIME, None)
    return annotations


def _is_placeholder(rec: SliceRec, placeholder: SliceRec, namespace: str) -> bool:
    """placeholderSliceCompare: namespace, labels (exact), addressType, no ports, no endpoints."""
    meta = (rec.manifest or {}).get("metadata") or {}
    return (meta.get("namespace", namespace) == namespace and rec.labels == placeholder.labels
            and rec.address_type == placeholder.address_type and not rec.ports and not rec.endpoints)
