"""Cluster: the object store, one transaction per call, and the controllers that run after each.

`apply` validates every manifest of the call first (nothing is stored if one is bad), applies the API
server's defaulting (ClusterIP allocation, ipFamilies, targetPort, protocol, uid, creationTimestamp,
names from generateName; an empty `selector: {}` is stored as no selector), stores the objects, then
runs every active controller once, in this order:
endpoints, endpointslice, endpointslice-mirroring, garbage-collector. Each controller write is recorded
in `writes` (and returned by the call that caused it).

`delete(kind, name)` removes an object at once; `delete("Pod", name, graceful=True)` only marks it
terminating (deletionTimestamp), as the API server does while the kubelet stops the containers.
`pause_controller`/`resume_controller` hold a controller back (it keeps noticing changes) — the seed
story shows Endpoints one step before EndpointSlices. `controller_errors()` and `controller_events()`
report what a controller would log or record as a Warning event.

Simulated time starts at 2026-01-01T00:00:00Z and moves only with `tick`. Random choices (slice
names, ClusterIPs, uids) come from generators seeded by `seed`, so a run is reproducible.
"""
from __future__ import annotations

import contextlib
import gc
import ipaddress
import random
from datetime import datetime, timedelta
from typing import Any, Mapping

from slicelab.admission import validate
from slicelab.clock import START, Clock
from slicelab.controllers.base import Change, Controller, Key
from slicelab.controllers.endpoints import EndpointsController
from slicelab.controllers.endpointslices import EndpointSliceController
from slicelab.controllers.garbage import GarbageCollector
from slicelab.controllers.metrics import SLICE, Metrics
from slicelab.controllers.mirroring import MirroringController
from slicelab.errors import ManifestError, NotFoundError
from slicelab.indexes import Indexes
from slicelab.names import generate_name
from slicelab.defaulting import default_endpoints, default_endpointslice, default_service
from slicelab.objects import (API_VERSIONS, NAMESPACED, canonical_kind, copy_manifest, copy_pod, format_time,
                              load_manifests)
from slicelab.reading import select

SERVICE_CIDRS = {"IPv4": ipaddress.ip_network("10.96.0.0/12"), "IPv6": ipaddress.ip_network("fd00:10:96::/108")}
CONTROLLER_ORDER = ("endpoints", "endpointslice", "endpointslice-mirroring", "garbage-collector")


@contextlib.contextmanager
def _no_cyclic_gc():
    """Pause Python's cyclic garbage collector during a transaction.

    A transaction allocates many small dicts and no reference cycles; with 100,000 Pods stored, every
    automatic full collection would walk them all again, making big transactions quadratic."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _drop_empty_selector(m: dict) -> None:
    """`spec.selector` is an optional (`omitempty`) map: the API server stores `selector: {}` exactly like
    no selector, so the controllers leave such a Service alone (kubernetes#25836; the API reference: "If
    empty or not present, the service is assumed to have an external process managing its endpoints")."""
    spec = m.get("spec")
    if isinstance(spec, dict) and "selector" in spec and not spec["selector"]:
        del spec["selector"]


class _Taken:
    """The names of one namespace in a store, for `generate_name` (only `in` is asked)."""

    __slots__ = ("store", "namespace")

    def __init__(self, store: Mapping[Key, Any], namespace: str):
        self.store, self.namespace = store, namespace

    def __contains__(self, name: object) -> bool:
        return (self.namespace, name) in self.store


def _check_max_per_slice(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise ValueError(f"max_endpoints_per_slice must be an integer between 1 and 1000 (the "
                         f"--max-endpoints-per-slice flag range), got {value!r}")


class Cluster:
    """A simulated Kubernetes control plane for Services, Pods, Nodes, Endpoints and EndpointSlices."""

    def __init__(self, max_endpoints_per_slice: int = 100, seed: int = 0, *, start: datetime = START):
        _check_max_per_slice(max_endpoints_per_slice)
        self.seed = seed
        self._clock = Clock(start)
        self._rng_names = random.Random(f"slicelab-names-{seed}")
        self._rng_uids = random.Random(f"slicelab-uids-{seed}")
        self._rng_ips = random.Random(f"slicelab-ips-{seed}")
        self._objects: dict[str, dict[Key, dict]] = {kind: {} for kind in API_VERSIONS}
        self._indexes = Indexes(self._objects)
        self._allocated_ips: set[str] = set()
        self._resource_version = 0
        self.writes: list[dict] = []
        self.transaction_writes: list[dict] = []
        self._paused: set[str] = set()
        self._metrics = Metrics(max_endpoints_per_slice)
        # Each controller gets what it reads (the indexes), its own client and the metrics.
        self._controllers: dict[str, Controller] = {
            "endpoints": EndpointsController(*self._inputs("endpoints")),
            "endpointslice": EndpointSliceController(*self._inputs("endpointslice"), max_endpoints_per_slice),
            "endpointslice-mirroring": MirroringController(*self._inputs("endpointslice-mirroring")),
            "garbage-collector": GarbageCollector(*self._inputs("garbage-collector")),
        }

    # ------------------------------------------------------------------------------------------
    # Public interface
    @property
    def now(self) -> datetime:
        """The simulated time (timezone-aware, UTC)."""
        return self._clock.now

    @property
    def max_endpoints_per_slice(self) -> int:
        """The EndpointSlice controller's `--max-endpoints-per-slice`; a new value applies from its next sync."""
        return self._controllers["endpointslice"].max_endpoints_per_slice

    @max_endpoints_per_slice.setter
    def max_endpoints_per_slice(self, value: int) -> None:
        _check_max_per_slice(value)
        self._controllers["endpointslice"].max_endpoints_per_slice = value
        self._metrics.caches[SLICE].max_per_slice = value  # desired_endpoint_slices counts with the new size

    def tick(self, seconds: float) -> datetime:
        """Advance the simulated clock; returns the new time."""
        return self._clock.tick(seconds)

    def apply(self, source: Any) -> list[dict]:
        """Store one or more manifests (created, or replaced by kind/namespace/name), then run the
        controllers once. Returns the writes of this transaction. Raises ManifestError, storing
        nothing, when any manifest is invalid."""
        manifests = load_manifests(source)
        with _no_cyclic_gc():
            return self._apply(manifests)

    def _apply(self, manifests: list[dict]) -> list[dict]:
        for manifest in manifests:
            validate(manifest)
        allocated = set(self._allocated_ips)
        staged: list[tuple[str, Key, dict]] = []
        pending: dict[tuple[str, Key], dict] = {}
        try:
            for manifest in manifests:
                kind, key, prepared = self._prepare(manifest, pending)
                pending[(kind, key)] = prepared
                staged.append((kind, key, prepared))
        except ManifestError:
            self._allocated_ips = allocated
            raise
        for kind, key, prepared in staged:
            self._store(kind, key, prepared, actor=None)
        return self._run_controllers()

    def delete(self, kind: str, name: str, namespace: str | None = "default", *,
               graceful: bool = False) -> list[dict]:
        """Delete one object (one transaction). `graceful=True` on a Pod only marks it terminating
        (metadata.deletionTimestamp), as the API server does while the kubelet stops it."""
        kind = canonical_kind(kind)
        key = (namespace or "default", name) if NAMESPACED[kind] else ("", name)
        existing = self._objects[kind].get(key)
        if existing is None:
            raise NotFoundError(kind, name, key[0] or None)
        with _no_cyclic_gc():
            return self._delete(kind, key, existing, graceful)

    def _delete(self, kind: str, key: Key, existing: dict, graceful: bool) -> list[dict]:
        if graceful and kind == "Pod":
            updated = copy_manifest(existing)
            meta = updated["metadata"]
            if not meta.get("deletionTimestamp"):
                meta["deletionTimestamp"] = format_time(self.now + timedelta(seconds=30))
                meta["deletionGracePeriodSeconds"] = 30
            self._store(kind, key, updated, actor=None)
        else:
            self._remove(kind, key, actor=None)
        return self._run_controllers()

    def get(self, kind: str, namespace: str | None = "default", name: str | None = None,
            label_selector: str | None = None) -> list[dict]:
        """Objects of a kind as `kubectl get -o json` items (copies), sorted by namespace and name.
        `namespace=None` lists all namespaces; cluster-scoped kinds (Node) ignore it."""
        return select(self._objects[canonical_kind(kind)].items(), kind, namespace, name, label_selector)

    def kubectl(self, command: str) -> str:
        """kubectl's text output for a read command (a convenience: the store imports no view)."""
        from slicelab.views.kubectl import run_kubectl
        return run_kubectl(self, command)

    def pause_controller(self, name: str) -> None:
        """Stop a controller from running after transactions (it still notices what changes)."""
        self._check_controller(name)
        self._paused.add(name)

    def resume_controller(self, name: str) -> list[dict]:
        """Let a paused controller run again; runs one transaction (all active controllers once)."""
        self._check_controller(name)
        self._paused.discard(name)
        with _no_cyclic_gc():
            return self._run_controllers()

    def controller_errors(self) -> list[str]:
        """Sync errors the controllers reported (e.g. Pods skipped because their Node is unknown)."""
        return list(self._controllers["endpointslice"].errors)

    def controller_events(self) -> list[str]:
        """Warning events the controllers recorded, oldest first, as `Reason: message` lines
        (TopologyAwareHintsDisabled, TooManyAddressesToMirror, InvalidIPAddress)."""
        return list(self._controllers["endpointslice"].events) + \
            list(self._controllers["endpointslice-mirroring"].events)

    def metrics(self) -> dict[str, float]:
        """The controllers' metrics as kube-controller-manager's `/metrics` shows them: `{sample: value}`
        keyed like the Prometheus text format (`endpoint_slice_controller_changes{operation="create"}`,
        `..._endpoints_added_per_sync_sum`). Counted since this Cluster was made; never reset.
        See slicelab.controllers.metrics for what each one counts."""
        return self._metrics.samples()

    def metrics_text(self) -> str:
        """The same metrics in the Prometheus text exposition format (what a scrape returns)."""
        return self._metrics.text()

    # ------------------------------------------------------------------------------------------
    # Transactions
    def _inputs(self, name: str) -> tuple[Indexes, "_Client", Metrics]:
        return self._indexes, _Client(self, name), self._metrics

    def _check_controller(self, name: str) -> None:
        if name not in self._controllers:
            raise ValueError(f"unknown controller {name!r}: one of {', '.join(CONTROLLER_ORDER)}")

    def _run_controllers(self) -> list[dict]:
        self.transaction_writes = []
        for name in CONTROLLER_ORDER:
            if name not in self._paused:
                self._controllers[name].sync()
        return list(self.transaction_writes)

    def _prepare(self, manifest: Mapping[str, Any], pending: dict) -> tuple[str, Key, dict]:
        """Copy a validated manifest and apply the API server's defaulting."""
        kind = manifest["kind"]  # validated: one of API_VERSIONS
        m = copy_pod(manifest) if kind == "Pod" else copy_manifest(manifest)  # copy_pod: defaulted
        meta = m.setdefault("metadata", {})
        if NAMESPACED[kind]:
            meta["namespace"] = meta.get("namespace") or "default"
        else:
            meta.pop("namespace", None)
        ns = meta.get("namespace", "")
        if not meta.get("name"):
            taken = {n for (k_ns, n) in self._objects[kind] if k_ns == ns} | \
                    {k[1] for (k_kind, k) in pending if k_kind == kind and k[0] == ns}
            meta["name"] = generate_name(meta["generateName"], self._rng_names, taken)
        key = (ns, meta["name"])
        existing = pending.get((kind, key)) or self._objects[kind].get(key)
        old_meta = (existing or {}).get("metadata") or {}
        if not meta.get("uid"):
            meta["uid"] = old_meta.get("uid") or self._new_uid()
        if not meta.get("creationTimestamp"):
            meta["creationTimestamp"] = old_meta.get("creationTimestamp") or format_time(self.now)
        meta.pop("resourceVersion", None)
        if kind == "Service":
            _drop_empty_selector(m)
            self._carry_cluster_ip(m, existing)
            default_service(m, lambda family, requested: self._allocate_ip(m, family, requested, existing))
        elif kind == "Pod":
            self._default_ready_time(m, existing)
        elif kind == "EndpointSlice":
            default_endpointslice(m)
            meta["generation"] = (old_meta.get("generation") or 0) + 1 if existing else 1
        elif kind == "Endpoints":
            default_endpoints(m)
        return kind, key, m

    def _carry_cluster_ip(self, m: dict, existing: dict | None) -> None:
        """ClusterIPs are immutable; an apply that leaves them out keeps the allocated ones."""
        if existing is None:
            return
        spec, old = m.setdefault("spec", {}), existing.get("spec") or {}
        if spec.get("type") == "ExternalName" or old.get("type") == "ExternalName":
            return
        name = m["metadata"]["name"]
        if spec.get("clusterIP") and old.get("clusterIP") and spec["clusterIP"] != old["clusterIP"]:
            raise ManifestError("Service", name, "spec.clusterIP",
                                f"Invalid value: {spec['clusterIP']!r}: field is immutable (currently "
                                f"{old['clusterIP']!r})", m["metadata"]["namespace"])
        for field in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
            if field not in spec and field in old:
                spec[field] = copy_manifest(old[field])

    def _allocate_ip(self, m: dict, family: str, requested: str | None, existing: dict | None) -> str:
        name, ns = m["metadata"]["name"], m["metadata"]["namespace"]
        mine = set(((existing or {}).get("spec") or {}).get("clusterIPs") or ())
        cidr = SERVICE_CIDRS[family]
        if requested:
            ip = str(ipaddress.ip_address(requested))
            if ipaddress.ip_address(ip) not in cidr:
                raise ManifestError("Service", name, "spec.clusterIPs",
                                    f"Invalid value: {requested!r}: provided IP is not in the valid range "
                                    f"{cidr}", ns)
            if ip in self._allocated_ips and ip not in mine:
                raise ManifestError("Service", name, "spec.clusterIPs",
                                    f"Invalid value: {requested!r}: provided IP is already allocated", ns)
        else:
            size = min(cidr.num_addresses, 1 << 20)
            while True:
                ip = str(cidr.network_address + self._rng_ips.randrange(2, size - 1))
                if ip not in self._allocated_ips:
                    break
        self._allocated_ips.add(ip)
        return ip

    def _default_ready_time(self, m: dict, existing: dict | None) -> None:
        """A Ready condition without lastTransitionTime gets one, as the kubelet would have set it:
        kept from the stored Pod while the status stays the same, else the current time."""
        conditions = (m.get("status") or {}).get("conditions")
        if not conditions:
            return
        old = {c.get("type"): c for c in ((existing or {}).get("status") or {}).get("conditions") or ()} \
            if existing else {}
        for cond in conditions:
            if cond.get("lastTransitionTime"):
                continue
            prior = old.get(cond.get("type"))
            if prior and prior.get("status") == cond.get("status") and prior.get("lastTransitionTime"):
                cond["lastTransitionTime"] = prior["lastTransitionTime"]
            else:
                cond["lastTransitionTime"] = format_time(self.now)

    def _new_uid(self) -> str:
        """A random (version 4) UUID drawn from the seeded generator."""
        bits = (self._rng_uids.getrandbits(128) & ~(0xF000 << 64) & ~(0xC000 << 48)) | (0x4000 << 64) | (0x8000 << 48)
        text = f"{bits:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    # ------------------------------------------------------------------------------------------
    # Storage (used by apply/delete and by the controllers)
    def _store(self, kind: str, key: Key, manifest: dict, actor: str | None) -> None:
        self._resource_version += 1
        manifest["metadata"]["resourceVersion"] = str(self._resource_version)
        old = self._objects[kind].get(key)
        self._objects[kind][key] = manifest
        old_facts, new_facts = self._index(kind, key, old, manifest)
        self._notify(Change(kind, key, old, manifest, old_facts, new_facts, actor))

    def _remove(self, kind: str, key: Key, actor: str | None) -> None:
        old = self._objects[kind].pop(key)
        old_facts, _ = self._index(kind, key, old, None)
        self._notify(Change(kind, key, old, None, old_facts, None, actor))

    def _index(self, kind: str, key: Key, old: dict | None, new: dict | None) -> tuple[Any, Any]:
        if kind == "Service":
            kept = set(((new or {}).get("spec") or {}).get("clusterIPs") or ())
            for ip in ((old or {}).get("spec") or {}).get("clusterIPs") or ():
                if ip not in kept:
                    self._allocated_ips.discard(ip)  # e.g. the Service became ExternalName
        return self._indexes.index(kind, key, old, new)

    def _notify(self, change: Change) -> None:
        for controller in self._controllers.values():
            controller.observe(change)

    def _record(self, actor: str, verb: str, kind: str, key: Key) -> None:
        record = {"verb": verb, "kind": kind, "namespace": key[0], "name": key[1], "controller": actor}
        self.writes.append(record)
        self.transaction_writes.append(dict(record))


class _Client:
    """One controller's API client: its writes are stored at once, recorded with its name, and seen by
    every controller (itself included) as changes, like an API server's watch events."""

    __slots__ = ("cluster", "actor")
    ORDER = ("name", "generateName", "namespace", "uid", "resourceVersion", "generation",
             "creationTimestamp", "labels", "annotations", "ownerReferences")

    def __init__(self, cluster: Cluster, actor: str):
        self.cluster, self.actor = cluster, actor

    def create(self, manifest: dict) -> dict:
        cluster = self.cluster
        kind = manifest["kind"]
        meta = manifest["metadata"]
        ns = meta.get("namespace", "")
        if not meta.get("name"):
            meta["name"] = generate_name(meta["generateName"], cluster._rng_names, _Taken(cluster._objects[kind], ns))
        meta["uid"] = cluster._new_uid()
        meta["creationTimestamp"] = format_time(cluster.now)
        if kind == "EndpointSlice":
            meta["generation"] = 1
        return self._write("create", manifest)

    def update(self, manifest: dict) -> dict:
        kind = manifest["kind"]
        meta = manifest["metadata"]
        old_meta = self.cluster._objects[kind][(meta.get("namespace", ""), meta["name"])]["metadata"]
        meta["uid"] = old_meta["uid"]
        meta["creationTimestamp"] = old_meta["creationTimestamp"]
        if kind == "EndpointSlice":
            meta["generation"] = (old_meta.get("generation") or 0) + 1
        return self._write("update", manifest)

    def delete(self, kind: str, key: Key) -> None:
        if key not in self.cluster._objects[kind]:
            return
        self.cluster._remove(kind, key, self.actor)
        self.cluster._record(self.actor, "delete", kind, key)

    def _write(self, verb: str, manifest: dict) -> dict:
        meta = manifest["metadata"]
        meta["resourceVersion"] = ""
        manifest["metadata"] = {k: meta[k] for k in self.ORDER if k in meta} | \
                               {k: v for k, v in meta.items() if k not in self.ORDER}
        key = (meta.get("namespace", ""), meta["name"])
        self.cluster._store(manifest["kind"], key, manifest, self.actor)
        self.cluster._record(self.actor, verb, manifest["kind"], key)
        return manifest
