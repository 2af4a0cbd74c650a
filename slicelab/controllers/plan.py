"""The plan every EndpointSlice writer shares: which slices to create, update and delete, and the writing.

Both writers of EndpointSlices — the EndpointSlice controller (reconciler.py) and mirroring — plan in the
same terms, as upstream's do (k8s.io/endpointslice `reconciler.go` finalize, endpointslicemirroring
`reconciler_helpers.go` `slicesByAction` and `recycleSlices`):
- a slice being planned is a `SliceRec`: name (None until created), address type, ports and their
  `port_key`, endpoints by `endpoint_identity`;
- slices are grouped by (addressType, port key): the resolved ports, compared as a sorted tuple;
- `same_endpoint` says whether an endpoint with the same identity still needs a write;
- `recycle`: a create and a delete of the same address type become one update (the deleted slice's name),
  so a Service whose ports change rewrites its slices instead of replacing them;
- `write`: creates, then updates, then deletes, through the writer's client.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from slicelab.controllers.base import Writer
from slicelab.controllers.metrics import Metrics


def port_value(port: dict) -> tuple:
    """An EndpointPort as a comparable tuple: (name, port, protocol, appProtocol), defaults filled in."""
    return (port.get("name") or "", port.get("port"), port.get("protocol") or "TCP", port.get("appProtocol"))


def port_sort_key(port: tuple) -> tuple:
    name, number, protocol, app = port
    return (name, -1 if number is None else number, protocol or "", app or "")


def port_key(ports: Iterable[dict]) -> tuple:
    """What groups slices: their ports as a sorted tuple of `port_value`s (order in the slice never counts)."""
    return tuple(sorted(map(port_value, ports), key=port_sort_key))


def endpoint_identity(ep: dict) -> tuple:
    """What makes two endpoints 'the same' (§3.5): addresses, hostname, targetRef namespace/name."""
    ref = ep.get("targetRef") or {}
    return (tuple(sorted(ep.get("addresses") or ())), ep.get("hostname") or "",
            ref.get("namespace") or "", ref.get("name") or "")


def _target_ref(ep: dict) -> tuple:
    ref = ep.get("targetRef") or {}
    return tuple(sorted((k, v) for k, v in ref.items() if k != "resourceVersion"))


def same_endpoint(a: dict, b: dict) -> bool:
    """EndpointsEqualBeyondHash: conditions, nodeName, zone, targetRef (hints are not compared)."""
    return (a.get("conditions") == b.get("conditions") and a.get("nodeName") == b.get("nodeName")
            and a.get("zone") == b.get("zone") and _target_ref(a) == _target_ref(b))


class SliceRec:
    """A slice while it is being planned: name (None until created), ports, endpoints by identity."""

    __slots__ = ("name", "address_type", "ports", "port_key", "endpoints", "labels", "annotations",
                 "owned", "manifest")

    def __init__(self, name, address_type, ports, port_key, endpoints, labels, annotations, owned,
                 manifest=None):
        self.name = name
        self.address_type = address_type
        self.ports = ports
        self.port_key = port_key
        self.endpoints: dict = endpoints
        self.labels = labels
        self.annotations = annotations
        self.owned = owned
        self.manifest = manifest

    def copy(self) -> "SliceRec":
        return SliceRec(self.name, self.address_type, self.ports, self.port_key, dict(self.endpoints),
                        self.labels, self.annotations, self.owned, self.manifest)

    def __len__(self) -> int:
        return len(self.endpoints)


def parse_slice(manifest: dict, owner_uid: str | None = None) -> SliceRec:
    """A stored slice as a SliceRec. `owned`: an ownerReference names the Service `owner_uid`; with no
    `owner_uid`, every slice counts as owned (mirroring recycles any slice it manages)."""
    meta = manifest.get("metadata") or {}
    ports = list(manifest.get("ports") or ())
    endpoints = {}
    for ep in manifest.get("endpoints") or ():
        endpoints.setdefault(endpoint_identity(ep), ep)
    owned = owner_uid is None or any(
        ref.get("apiVersion") == "v1" and ref.get("kind") == "Service" and ref.get("uid") == owner_uid
        for ref in meta.get("ownerReferences") or ())
    return SliceRec(meta.get("name"), manifest.get("addressType"), ports, port_key(ports), endpoints,
                    dict(meta.get("labels") or {}), dict(meta.get("annotations") or {}), owned, manifest)


class Plan:
    """Writes planned for one Service (or one address type of it): creates, updates, deletes; the slices
    left unchanged alongside."""

    def __init__(self) -> None:
        self.creates: list[SliceRec] = []
        self.updates: list[SliceRec] = []
        self.deletes: list[SliceRec] = []
        self.unchanged: list[SliceRec] = []

    def writes(self) -> int:
        return len(self.creates) + len(self.updates) + len(self.deletes)


def recycle(plan: Plan) -> None:
    """Pair each delete (in order) of an owned slice with the last pending create of its address type: the
    create becomes an update under the deleted slice's name (addressType is immutable, so types never mix;
    a slice not owned may belong to an old Service of the same name and is left to the collector)."""
    for address_type in dict.fromkeys(rec.address_type for rec in plan.creates):
        fresh = [rec for rec in plan.creates if rec.address_type == address_type]
        doomed = [rec for rec in plan.deletes if rec.address_type == address_type and rec.owned]
        pairs = list(zip(reversed(fresh), doomed))
        for new, old in pairs:
            new.name = old.name
            plan.updates.append(new)
        paired = {id(rec) for pair in pairs for rec in pair}
        plan.creates = [rec for rec in plan.creates if id(rec) not in paired]
        plan.deletes = [rec for rec in plan.deletes if id(rec) not in paired]


def write(plan: Plan, client: Writer, namespace: str, manifest: Callable[[SliceRec], dict],
          remember: Callable[[SliceRec, dict], None] | None = None) -> None:
    """Write the plan: creates, updates, deletes, in that order. `manifest` builds what to write for a
    slice; `remember` sees each slice as stored."""
    for rec in plan.creates:
        stored = client.create(manifest(rec))
        if remember is not None:
            remember(rec, stored)
    for rec in plan.updates:
        stored = client.update(manifest(rec))
        if remember is not None:
            remember(rec, stored)
    delete(plan.deletes, client, namespace)


def delete(recs: Iterable[SliceRec], client: Writer, namespace: str) -> None:
    for rec in recs:
        client.delete("EndpointSlice", (namespace, rec.name))


def count_changes(metrics: Metrics, subsystem: str, plan: Plan) -> None:
    """`<subsystem>_changes{operation}`: one per slice written."""
    for operation, recs in (("create", plan.creates), ("update", plan.updates), ("delete", plan.deletes)):
        if recs:
            metrics.inc(f"{subsystem}_changes", (("operation", operation),), len(recs))


def slice_manifest(rec: SliceRec, namespace: str, labels: dict, annotations: dict, owner: dict) -> dict:
    """The EndpointSlice to write for `rec`: named after its owner (`owner` is the ownerReference)."""
    metadata: dict[str, Any] = {}
    if rec.name:
        metadata["name"] = rec.name
    metadata["generateName"] = f"{owner['name']}-"
    metadata["namespace"] = namespace
    metadata["labels"] = dict(labels)
    if annotations:
        metadata["annotations"] = dict(annotations)
    metadata["ownerReferences"] = [dict(owner)]
    manifest: dict[str, Any] = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                                "metadata": metadata, "addressType": rec.address_type,
                                "endpoints": list(rec.endpoints.values()) or None}
    if rec.ports:
        manifest["ports"] = list(rec.ports)
    return manifest
