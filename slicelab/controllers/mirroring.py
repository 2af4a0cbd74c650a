"""EndpointSlice mirroring: user-written Endpoints of selector-less Services become EndpointSlices.

Follows the endpointslicemirroring controller (kubernetes-semantics.md §4):
- mirrors an Endpoints object only if a Service of the same name exists and has no selector, the
  Endpoints lacks label `endpointslice.kubernetes.io/skip-mirror: "true"` and the leader-election
  annotation; otherwise the slices it mirrored are deleted;
- one group per (subset ports, address family); addresses (ready) then notReadyAddresses (ready=false),
  at most 1000 per subset; endpoints carry ready only (no serving/terminating/zone);
- per group: nothing desired → delete (no placeholder); else keep the first existing slice (by name),
  rewrite it only if it differs, delete the others; creates and deletes of one address type are
  recycled into updates;
- labels: the Endpoints' labels + service-name + managed-by mirroring; annotations copied except the
  trigger time and last-applied-configuration; ownerReference → the Endpoints object.
Slices are written in name order; groups in the order their subsets appear, IPv4 before IPv6.
"""
from __future__ import annotations

from typing import Any

from slicelab.controllers.base import Change, Controller, Key
from slicelab.controllers.endpointslices import port_sort_key
from slicelab.objects import (ANNOTATION_LAST_APPLIED, ANNOTATION_LEADER, ANNOTATION_TRIGGER_TIME,
                              LABEL_MANAGED_BY, LABEL_SERVICE_NAME, LABEL_SKIP_MIRROR, MANAGER_MIRRORING,
                              canonical_ip, ip_family)

MAX_ENDPOINTS_PER_SUBSET = 1000


class MirroringController(Controller):
    name = "endpointslice-mirroring"

    def __init__(self, cluster):
        super().__init__(cluster)
        self._queue: set[Key] = set()
        self.events: list[str] = []

    def observe(self, change: Change) -> None:
        if change.kind in ("Endpoints", "Service"):
            self._queue.add(change.key)
        elif change.kind == "EndpointSlice" and change.actor != self.name:
            for manifest in (change.old, change.new):
                labels = ((manifest or {}).get("metadata") or {}).get("labels") or {}
                if labels.get(LABEL_MANAGED_BY) == MANAGER_MIRRORING and LABEL_SERVICE_NAME in labels:
                    self._queue.add((change.key[0], labels[LABEL_SERVICE_NAME]))

    def resync(self) -> None:
        self._queue.update(self.cluster._objects["Endpoints"])

    def sync(self) -> None:
        queue, self._queue = sorted(self._queue), set()
        for key in queue:
            self._sync(key)

    def _sync(self, key: Key) -> None:
        ns, name = key
        cluster = self.cluster
        existing = sorted(cluster._slices_of(ns, name, MANAGER_MIRRORING), key=lambda m: m["metadata"]["name"])
        endpoints = cluster._objects["Endpoints"].get(key)
        svc = cluster._services_by_ns.get(ns, {}).get(name)
        meta = (endpoints or {}).get("metadata") or {}
        mirror = (endpoints is not None and svc is not None and svc.selector is None
                  and (meta.get("labels") or {}).get(LABEL_SKIP_MIRROR) != "true"
                  and ANNOTATION_LEADER not in (meta.get("annotations") or {}))
        if not mirror:
            for manifest in existing:
                cluster._controller_delete(self.name, "EndpointSlice", (ns, manifest["metadata"]["name"]))
            return
        desired = self._desired(endpoints)
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
        for group, (ports, eps) in desired.items():
            address_type = group[0]
            have = existing_by_group.pop(group, [])
            wanted = _slice(ns, name, address_type, ports, eps, labels, annotations, owner)
            if not have:
                creates.setdefault(address_type, []).append(wanted)
                continue
            first, rest = have[0], have[1:]
            if not _same_slice(first, wanted):
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
                cluster._controller_create(self.name, manifest)
        for manifest in updates:
            cluster._controller_update(self.name, manifest)
        for manifests in deletes.values():
            for manifest in manifests:
                cluster._controller_delete(self.name, "EndpointSlice", (ns, manifest["metadata"]["name"]))

    def _desired(self, endpoints: dict) -> dict[tuple, tuple[list, list]]:
        """(address type, port key) → (ports, endpoints), in subset order."""
        out: dict[tuple, tuple[list, list]] = {}
        for index, subset in enumerate(endpoints.get("subsets") or ()):
            ports = []
            for p in subset.get("ports") or ():
                port: dict[str, Any] = {"name": p.get("name") or "", "port": p.get("port"),
                                        "protocol": p.get("protocol") or "TCP"}
                if p.get("appProtocol") is not None:
                    port["appProtocol"] = p["appProtocol"]
                ports.append(port)
            port_key = tuple(sorted(((p["name"], p["port"], p["protocol"], p.get("appProtocol"))
                                     for p in ports), key=port_sort_key))
            taken = 0
            for field, ready in (("addresses", True), ("notReadyAddresses", False)):
                for i, address in enumerate(subset.get(field) or ()):
                    if taken >= MAX_ENDPOINTS_PER_SUBSET:
                        self.events.append(f"TooManyAddressesToMirror: {endpoints['metadata']['name']} "
                                           f"subset {index}: addresses beyond {MAX_ENDPOINTS_PER_SUBSET} skipped")
                        break
                    family = ip_family(address.get("ip") or "")
                    if family is None:
                        self.events.append(f"InvalidIPAddress: {address.get('ip')!r} skipped")
                        continue
                    taken += 1
                    ep: dict[str, Any] = {"addresses": [canonical_ip(address["ip"])], "conditions": {"ready": ready}}
                    if address.get("hostname"):
                        ep["hostname"] = address["hostname"]
                    if address.get("targetRef"):
                        ep["targetRef"] = dict(address["targetRef"])
                    if address.get("nodeName"):
                        ep["nodeName"] = address["nodeName"]
                    group = out.setdefault((family, port_key), (ports, []))
                    group[1].append(ep)
        return dict(sorted(out.items(), key=lambda item: item[0][0]))


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


def _same_slice(current: dict, wanted: dict) -> bool:
    cm, wm = current.get("metadata") or {}, wanted["metadata"]
    return ((cm.get("labels") or {}) == wm["labels"] and (cm.get("annotations") or {}) == wm.get("annotations", {})
            and (current.get("endpoints") or []) == wanted["endpoints"]
            and (current.get("ports") or []) == wanted.get("ports", [])
            and [(r.get("kind"), r.get("uid")) for r in cm.get("ownerReferences") or ()] ==
            [(r.get("kind"), r.get("uid")) for r in wm["ownerReferences"]])
