"""EndpointSlice mirroring: user-written Endpoints of selector-less Services become EndpointSlices.

Follows the endpointslicemirroring controller (kubernetes-semantics.md §4):
- mirrors an Endpoints object only if a Service of the same name exists and has no selector, the
  Endpoints lacks label `endpointslice.kubernetes.io/skip-mirror: "true"` and the leader-election
  annotation; otherwise the slices it mirrored are deleted;
- the subsets are canonicalized first (`RepackSubsets`): subsets with the same ports merge, an address
  listed twice counts once (not-ready wins), ports with the same addresses share a subset;
- one group per (repacked subset ports, address family); addresses (ready) then notReadyAddresses
  (ready=false), at most 1000 per repacked subset; the rest are skipped and one warning event per sync
  says how many (`TooManyAddressesToMirror`), as unparsable IPs do (`InvalidIPAddress`); endpoints
  carry ready only (no serving/terminating/zone);
- per group: nothing desired → delete (no placeholder); else keep the first existing slice (by name),
  delete the others, and rewrite the first one only if its endpoints differ *as a set* (identity:
  addresses, hostname, targetRef; then conditions, nodeName, zone, targetRef) or its labels or
  annotations differ — order never causes a write; creates and deletes of one address type are
  recycled into updates;
- labels: the Endpoints' labels + service-name + managed-by mirroring; annotations copied except the
  trigger time and last-applied-configuration; ownerReference → the Endpoints object.
Slices are written in name order; groups in the order of the repacked subsets, IPv4 before IPv6.
"""
from __future__ import annotations

from typing import Any, Iterator

from slicelab.controllers import metrics
from slicelab.controllers.base import Change, Controller, Key, Lister, Writer, managed_slice_services
from slicelab.controllers.metrics import Metrics
from slicelab.controllers.plan import (Plan, SliceRec, count_changes, delete, endpoint_identity, parse_slice, port_key,
                                       port_sort_key, port_value, recycle, same_endpoint, slice_manifest, write)
from slicelab.controllers.subsets import pack
from slicelab.objects import (ANNOTATION_LAST_APPLIED, ANNOTATION_LEADER, ANNOTATION_TRIGGER_TIME,
                              LABEL_MANAGED_BY, LABEL_SERVICE_NAME, LABEL_SKIP_MIRROR, MANAGER_MIRRORING,
                              ServiceFacts, canonical_ip, ip_family)

MAX_ENDPOINTS_PER_SUBSET = 1000


class MirroringController(Controller):
    name = "endpointslice-mirroring"
    queue_name = "endpoint_slice_mirroring"

    def __init__(self, lister: Lister, client: Writer, metrics: Metrics):
        super().__init__(lister, client, metrics)
        self._queue: set[Key] = set()
        self.events: list[str] = []

    def observe(self, change: Change) -> None:
        if change.kind in ("Endpoints", "Service"):
            self._queue.add(change.key)
        elif change.kind == "EndpointSlice" and change.actor != self.name:
            self._queue.update(managed_slice_services(change, MANAGER_MIRRORING))

    def resync(self) -> None:
        self._queue.update(self.lister.objects("Endpoints"))

    def sync(self) -> None:
        queue, self._queue = sorted(self._queue), set()
        if queue:
            self.metrics.inc("workqueue_adds_total", (("name", self.queue_name),), len(queue))
        for key in queue:
            self._sync(key)

    def _sync(self, key: Key) -> None:
        ns, name = key
        existing = sorted((parse_slice(m) for m in self.lister.slices(ns, name, MANAGER_MIRRORING)),
                          key=lambda rec: rec.name)
        endpoints = self.lister.objects("Endpoints").get(key)
        if endpoints is None or not mirrors(endpoints, self.lister.service(ns, name)):
            plan = Plan()
            plan.deletes = existing
            delete(existing, self.client, ns)
            count_changes(self.metrics, metrics.MIRRORING, plan)
            self.metrics.cache_delete(metrics.MIRRORING, key)
            return
        desired, skipped = self._desired(endpoints)
        meta = endpoints.get("metadata") or {}
        labels = dict(meta.get("labels") or {})
        labels[LABEL_SERVICE_NAME] = name
        labels[LABEL_MANAGED_BY] = MANAGER_MIRRORING
        annotations = {k: v for k, v in (meta.get("annotations") or {}).items()
                       if k not in (ANNOTATION_TRIGGER_TIME, ANNOTATION_LAST_APPLIED)}
        owner = {"apiVersion": "v1", "kind": "Endpoints", "name": name, "uid": meta.get("uid"),
                 "controller": True, "blockOwnerDeletion": True}
        plan, totals = plan_mirroring(existing, desired, meta.get("labels") or {}, annotations)
        if meta.get("deletionTimestamp"):
            plan.creates = []  # nothing is created for an Endpoints object that is being deleted
        write(plan, self.client, ns, lambda rec: slice_manifest(rec, ns, labels, annotations, owner))
        self._count(key, desired, totals, skipped, plan)

    def _count(self, key: Key, desired: dict, totals: dict, skipped: int, plan: Plan) -> None:
        """The mirroring controller's metrics for one reconcile (one slice per desired group)."""
        m = self.metrics
        for what in ("added", "updated", "removed"):
            m.observe(f"{metrics.MIRRORING}_endpoints_{what}_per_sync", totals[what])
        m.observe(f"{metrics.MIRRORING}_addresses_skipped_per_sync", skipped)
        count_changes(m, metrics.MIRRORING, plan)
        m.cache_set(metrics.MIRRORING, key, {group: (len(eps), 1) for group, (_, eps) in desired.items()})

    def _desired(self, endpoints: dict) -> tuple[dict[tuple, tuple[list, list]], int]:
        """(address type, port key) → (ports, endpoints), from the repacked subsets, in their order, and
        how many addresses were skipped; records the warning events of this sync."""
        desired, skipped, invalid = desired_groups(endpoints)
        if invalid:
            self.events.append(f"InvalidIPAddress: Skipped {invalid} invalid IP addresses when mirroring "
                               f"to EndpointSlices")
        if skipped > invalid:
            self.events.append(f"TooManyAddressesToMirror: A max of {MAX_ENDPOINTS_PER_SUBSET} addresses can be "
                               f"mirrored to EndpointSlices per Endpoints subset. {skipped} addresses were skipped")
        return desired, skipped


def mirrors(endpoints: dict, svc: ServiceFacts | None) -> bool:
    """Whether an Endpoints object is mirrored: its Service exists without a selector, and it carries
    neither the skip-mirror label nor the leader-election annotation."""
    meta = endpoints.get("metadata") or {}
    return (svc is not None and svc.selector is None
            and (meta.get("labels") or {}).get(LABEL_SKIP_MIRROR) != "true"
            and ANNOTATION_LEADER not in (meta.get("annotations") or {}))


def desired_groups(endpoints: dict) -> tuple[dict[tuple, tuple[list, list]], int, int]:
    """(address type, port key) → (ports, endpoints) in the order of the repacked subsets, IPv4 first;
    the addresses skipped (over the cap of a subset, or invalid) and how many of them were invalid."""
    out: dict[tuple, tuple[list, list, set]] = {}
    skipped = invalid = 0
    for subset in repack_subsets(endpoints.get("subsets") or ()):
        ports = [_slice_port(p) for p in subset.get("ports") or ()]
        pk = port_key(ports)
        listed = [(a, True) for a in subset.get("addresses") or ()] + \
                 [(a, False) for a in subset.get("notReadyAddresses") or ()]
        taken = 0
        for address, ready in listed:
            if taken >= MAX_ENDPOINTS_PER_SUBSET:
                break
            family = ip_family(address.get("ip") or "")
            if family is None:
                invalid += 1
                continue
            taken += 1
            _add_endpoint(out.setdefault((family, pk), (ports, [], set())), _mirrored_endpoint(address, ready))
        skipped += len(listed) - taken
    return ({key: (ports, eps) for key, (ports, eps, _) in sorted(out.items(), key=lambda item: item[0][0])},
            skipped, invalid)


def _add_endpoint(group: tuple[list, list, set], ep: dict) -> None:
    """The desired endpoints of a group are a set: the first of an identity is kept."""
    identity = endpoint_identity(ep)
    if identity not in group[2]:
        group[2].add(identity)
        group[1].append(ep)


def plan_mirroring(existing: list[SliceRec], desired: dict, endpoints_labels: dict,
                   annotations: dict) -> tuple[Plan, dict[str, int]]:
    """The writes that make the mirrored slices (`existing`, in name order) match `desired`, and the
    endpoints added, updated and removed: per group the first slice is kept (rewritten only if its
    endpoints differ as a set or its labels or annotations differ), the others deleted; then recycled."""
    by_group: dict[tuple, list[SliceRec]] = {}
    for rec in existing:
        by_group.setdefault((rec.address_type, rec.port_key), []).append(rec)
    plan = Plan()
    surplus: list[SliceRec] = []
    totals = {"added": 0, "updated": 0, "removed": 0}
    for (address_type, pk), (ports, eps) in desired.items():
        have = by_group.pop((address_type, pk), [])
        wanted = SliceRec(None, address_type, ports, pk, {endpoint_identity(ep): ep for ep in eps}, {},
                          annotations, True)
        if not have:
            totals["added"] += len(eps)
            plan.creates.append(wanted)
            continue
        first = have[0]
        changes = _changes(first.manifest, eps)
        for what, count in changes.items():
            totals[what] += count
        if any(changes.values()) or not _same_metadata(first.manifest, endpoints_labels, annotations):
            wanted.name = first.name
            plan.updates.append(wanted)
        surplus.extend(have[1:])
    for recs in by_group.values():
        surplus.extend(recs)
    # Deletes are written grouped by address type, in the order each type first has one.
    types = list(dict.fromkeys(rec.address_type for rec in surplus))
    plan.deletes = sorted(surplus, key=lambda rec: types.index(rec.address_type))
    recycle(plan)
    return plan, totals


def _slice_port(p: dict) -> dict:
    port: dict[str, Any] = {"name": p.get("name") or "", "port": p.get("port"), "protocol": p.get("protocol") or "TCP"}
    if p.get("appProtocol") is not None:
        port["appProtocol"] = p["appProtocol"]
    return port


def _mirrored_endpoint(address: dict, ready: bool) -> dict:
    ep: dict[str, Any] = {"addresses": [canonical_ip(address["ip"])], "conditions": {"ready": ready}}
    if address.get("hostname"):
        ep["hostname"] = address["hostname"]
    if address.get("targetRef"):
        ep["targetRef"] = dict(address["targetRef"])
    if address.get("nodeName"):
        ep["nodeName"] = address["nodeName"]
    return ep


def repack_subsets(subsets) -> list[dict]:
    """`RepackSubsets` for subsets as a user wrote them: every (address, port) pair once, keyed by IP and
    targetRef uid, not-ready winning over ready; ports whose address sets are equal share a subset; a
    subset without ports keeps its addresses. Addresses sorted by IP as a byte string, then uid; ports
    and subsets in slicelab's stable order (real Kubernetes: an md5 order)."""
    by_port: dict[tuple | None, dict[tuple, tuple[dict, bool]]] = {}
    port_dicts: dict[tuple | None, dict | None] = {}
    for subset in subsets:
        if not isinstance(subset, dict):
            continue
        ports = [p for p in subset.get("ports") or () if isinstance(p, dict)] or [None]
        for address, ready in _listed(subset):
            key = (str(address.get("ip") or "").encode(), str((address.get("targetRef") or {}).get("uid") or ""))
            for p in ports:
                value = None if p is None else port_value(p)
                port_dicts.setdefault(value, p)
                _add_address(by_port.setdefault(value, {}), key, address, ready)
    return pack(by_port, port_dicts, _port_order)


def _add_address(entries: dict[tuple, tuple[dict, bool]], key: tuple, address: dict, ready: bool) -> None:
    """An address listed twice for a port counts once; not-ready wins."""
    prior = entries.get(key)
    if prior is None or (prior[1] and not ready):
        entries[key] = (address, ready)


def _listed(subset: dict) -> Iterator[tuple[dict, bool]]:
    """A subset's addresses, then its not-ready ones, with their readiness (entries not objects skipped)."""
    for field, ready in (("addresses", True), ("notReadyAddresses", False)):
        for address in subset.get(field) or ():
            if isinstance(address, dict):
                yield address, ready


def _port_order(value: tuple | None) -> tuple:
    return (0,) if value is None else (1, *port_sort_key(value))


def _changes(current: dict, desired: list[dict]) -> dict[str, int]:
    """Endpoints to add, update and remove to turn `current` into `desired`, compared as sets
    (upstream `totalChanges`): their order in the slice never counts."""
    wanted = {endpoint_identity(ep): ep for ep in desired}
    totals = {"added": 0, "updated": 0, "removed": 0}
    matched = 0
    for ep in current.get("endpoints") or ():
        found = wanted.get(endpoint_identity(ep))
        if found is None:
            totals["removed"] += 1
        else:
            matched += 1
            if not same_endpoint(found, ep):
                totals["updated"] += 1
    totals["added"] = len(wanted) - matched
    return totals


def _same_metadata(current: dict, endpoints_labels: dict, annotations: dict) -> bool:
    """The slice's labels (minus the two the controller sets) and annotations are the mirrored ones."""
    meta = current.get("metadata") or {}
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k not in (LABEL_MANAGED_BY, LABEL_SERVICE_NAME)}
    return labels == dict(endpoints_labels) and (meta.get("annotations") or {}) == annotations
