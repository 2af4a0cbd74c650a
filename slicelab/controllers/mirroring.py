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

from typing import Any

from slicelab.controllers import metrics
from slicelab.controllers.base import Change, Controller, Key, Lister, Writer
from slicelab.controllers.metrics import Metrics
from slicelab.controllers.endpointslices import endpoint_identity, port_sort_key, same_endpoint
from slicelab.objects import (ANNOTATION_LAST_APPLIED, ANNOTATION_LEADER, ANNOTATION_TRIGGER_TIME,
                              LABEL_MANAGED_BY, LABEL_SERVICE_NAME, LABEL_SKIP_MIRROR, MANAGER_MIRRORING,
                              canonical_ip, ip_family)

MAX_ENDPOINTS_PER_SUBSET = 1000


class MirroringController(Controller):
    name = "endpointslice-mirroring"
    queue_name = "endpoint_slice_mirroring"

    def __init__(self, lister: Lister, client: Writer, metrics: Metrics):
        super().__init__(lister, client, metrics)
        self._queue: set[Key] = set()
        self.events: list[str] = []
        self.totals = {"added": 0, "updated": 0, "removed": 0}   # endpoints changed by the last sync

    def observe(self, change: Change) -> None:
        if change.kind in ("Endpoints", "Service"):
            self._queue.add(change.key)
        elif change.kind == "EndpointSlice" and change.actor != self.name:
            for manifest in (change.old, change.new):
                labels = ((manifest or {}).get("metadata") or {}).get("labels") or {}
                if labels.get(LABEL_MANAGED_BY) == MANAGER_MIRRORING and LABEL_SERVICE_NAME in labels:
                    self._queue.add((change.key[0], labels[LABEL_SERVICE_NAME]))

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
        existing = sorted(self.lister.slices(ns, name, MANAGER_MIRRORING), key=lambda m: m["metadata"]["name"])
        endpoints = self.lister.objects("Endpoints").get(key)
        svc = self.lister.service(ns, name)
        meta = (endpoints or {}).get("metadata") or {}
        mirror = (endpoints is not None and svc is not None and svc.selector is None
                  and (meta.get("labels") or {}).get(LABEL_SKIP_MIRROR) != "true"
                  and ANNOTATION_LEADER not in (meta.get("annotations") or {}))
        if not mirror:
            for manifest in existing:
                self.client.delete("EndpointSlice", (ns, manifest["metadata"]["name"]))
                self.metrics.inc(f"{metrics.MIRRORING}_changes", (("operation", "delete"),))
            self.metrics.cache_delete(metrics.MIRRORING, key)
            return
        desired, skipped = self._desired(endpoints)
        labels = dict(meta.get("labels") or {})
        labels[LABEL_SERVICE_NAME] = name
        labels[LABEL_MANAGED_BY] = MANAGER_MIRRORING
        annotations = {k: v for k, v in (meta.get("annotations") or {}).items()
                       if k not in (ANNOTATION_TRIGGER_TIME, ANNOTATION_LAST_APPLIED)}
        owner = {"apiVersion": "v1", "kind": "Endpoints", "name": name, "uid": meta.get("uid"),
                 "controller": True, "blockOwnerDeletion": True}
        existing_by_group: dict[tuple, list[dict]] = {}
        for manifest in existing:
            existing_by_group.setdefault(_group_of(manifest), []).append(manifest)
        creates: dict[str, list[dict]] = {}
        updates: list[dict] = []
        deletes: dict[str, list[dict]] = {}
        totals = self.totals = {"added": 0, "updated": 0, "removed": 0}
        for group, (ports, eps) in desired.items():
            address_type = group[0]
            have = existing_by_group.pop(group, [])
            wanted = _slice(ns, name, address_type, ports, eps, labels, annotations, owner)
            if not have:
                totals["added"] += len(eps)
                creates.setdefault(address_type, []).append(wanted)
                continue
            first, rest = have[0], have[1:]
            changes = _changes(first, eps)
            for what, count in changes.items():
                totals[what] += count
            if any(changes.values()) or not _same_metadata(first, meta.get("labels") or {}, annotations):
                wanted["metadata"]["name"] = first["metadata"]["name"]
                updates.append(wanted)
            for manifest in rest:
                deletes.setdefault(address_type, []).append(manifest)
        for group, manifests in existing_by_group.items():
            deletes.setdefault(group[0], []).extend(manifests)
        for address_type in ("IPv4", "IPv6", "FQDN", "IP"):
            pending, doomed = creates.get(address_type, []), deletes.get(address_type, [])
            while pending and doomed:
                fresh, old = pending.pop(), doomed.pop(0)
                fresh["metadata"]["name"] = old["metadata"]["name"]
                updates.append(fresh)
        if meta.get("deletionTimestamp"):
            creates = {}  # nothing is created for an Endpoints object that is being deleted
        for address_type in ("IPv4", "IPv6"):
            for manifest in creates.get(address_type, []):
                self.client.create(manifest)
        for manifest in updates:
            self.client.update(manifest)
        for manifests in deletes.values():
            for manifest in manifests:
                self.client.delete("EndpointSlice", (ns, manifest["metadata"]["name"]))
        self._count(key, desired, totals, skipped, sum(map(len, creates.values())), len(updates),
                    sum(map(len, deletes.values())))

    def _count(self, key: Key, desired: dict, totals: dict, skipped: int, creates: int, updates: int,
               deletes: int) -> None:
        """The mirroring controller's metrics for one reconcile (one slice per desired group)."""
        m = self.metrics
        for what in ("added", "updated", "removed"):
            m.observe(f"{metrics.MIRRORING}_endpoints_{what}_per_sync", totals[what])
        m.observe(f"{metrics.MIRRORING}_addresses_skipped_per_sync", skipped)
        for operation, count in (("create", creates), ("update", updates), ("delete", deletes)):
            if count:
                m.inc(f"{metrics.MIRRORING}_changes", (("operation", operation),), count)
        m.cache_set(metrics.MIRRORING, key, {group: (len(eps), 1) for group, (_, eps) in desired.items()})

    def _desired(self, endpoints: dict) -> tuple[dict[tuple, tuple[list, list]], int]:
        """(address type, port key) → (ports, endpoints), from the repacked subsets, in their order, and
        how many addresses were skipped; records the warning events of this sync."""
        out: dict[tuple, tuple[list, list, set]] = {}
        skipped = invalid = 0
        for subset in repack_subsets(endpoints.get("subsets") or ()):
            ports = [_slice_port(p) for p in subset.get("ports") or ()]
            port_key = tuple(sorted(((p["name"], p["port"], p["protocol"], p.get("appProtocol"))
                                     for p in ports), key=port_sort_key))
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
                ep = _mirrored_endpoint(address, ready)
                group = out.setdefault((family, port_key), (ports, [], set()))
                if endpoint_identity(ep) not in group[2]:      # the desired endpoints are a set
                    group[2].add(endpoint_identity(ep))
                    group[1].append(ep)
            skipped += len(listed) - taken
        if invalid:
            self.events.append(f"InvalidIPAddress: Skipped {invalid} invalid IP addresses when mirroring "
                               f"to EndpointSlices")
        if skipped > invalid:
            self.events.append(f"TooManyAddressesToMirror: A max of {MAX_ENDPOINTS_PER_SUBSET} addresses can be "
                               f"mirrored to EndpointSlices per Endpoints subset. {skipped} addresses were skipped")
        return {key: (ports, eps) for key, (ports, eps, _) in sorted(out.items(), key=lambda item: item[0][0])}, skipped


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


def _port_value(p: dict | None) -> tuple | None:
    if p is None:
        return None
    return (p.get("name") or "", p.get("port"), p.get("protocol") or "TCP", p.get("appProtocol"))


def _port_order(value: tuple | None) -> tuple:
    return (0,) if value is None else (1, *port_sort_key(value))


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
        for field, ready in (("addresses", True), ("notReadyAddresses", False)):
            for address in subset.get(field) or ():
                if not isinstance(address, dict):
                    continue
                key = (str(address.get("ip") or "").encode(), str((address.get("targetRef") or {}).get("uid") or ""))
                for p in ports:
                    value = _port_value(p)
                    port_dicts.setdefault(value, p)
                    entries = by_port.setdefault(value, {})
                    prior = entries.get(key)
                    if prior is None or (prior[1] and not ready):
                        entries[key] = (address, ready)
    groups: dict[frozenset, tuple[list, dict]] = {}
    for value, entries in by_port.items():
        signature = frozenset((k, r) for k, (_, r) in entries.items())
        groups.setdefault(signature, ([], entries))[0].append(value)
    out = []
    for values, entries in groups.values():
        values.sort(key=_port_order)
        ordered = sorted(entries.items())
        subset: dict[str, Any] = {}
        ready = [a for _, (a, r) in ordered if r]
        not_ready = [a for _, (a, r) in ordered if not r]
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        ports = [port_dicts[v] for v in values if v is not None]
        if ports:
            subset["ports"] = ports
        out.append((_port_order(values[0]), ordered[0][0], subset))
    out.sort(key=lambda item: (item[0], item[1]))
    return [subset for _, _, subset in out]


def _group_of(manifest: dict) -> tuple:
    ports = manifest.get("ports") or ()
    key = tuple(sorted(((p.get("name") or "", p.get("port"), p.get("protocol") or "TCP", p.get("appProtocol"))
                        for p in ports), key=port_sort_key))
    return (manifest.get("addressType"), key)


def _slice(ns: str, name: str, address_type: str, ports: list, eps: list, labels: dict,
           annotations: dict, owner: dict) -> dict:
    metadata: dict[str, Any] = {"generateName": f"{name}-", "namespace": ns, "labels": dict(labels)}
    if annotations:
        metadata["annotations"] = dict(annotations)
    metadata["ownerReferences"] = [dict(owner)]
    manifest: dict[str, Any] = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                                "metadata": metadata, "addressType": address_type, "endpoints": list(eps)}
    if ports:
        manifest["ports"] = list(ports)
    return manifest


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
