"""The EndpointSlice controller: N slices per selector Service, packed with minimal churn.

Follows kube-controller-manager's EndpointSlice controller (kubernetes-semantics.md §3). A sync of one
Service takes three steps, each in its own module:
- desired.py: the endpoints the Service's slices should hold (one per eligible Pod and address type);
- reconciler.py: the plan that turns the existing slices into those (pure: the property tests call it);
- here: gathering the inputs through the Lister, and writing the plan through the Writer — per address
  type (in `spec.ipFamilies` order) creates, then updates, then deletes; then slices of address types
  the Service no longer has.

Slices carry the Service's labels minus reserved keys + service-name + managed-by (+ headless), the
`last-change-trigger-time` annotation, and an ownerReference to the Service (the garbage collector
deletes them when the Service goes). `ports` in a slice follow the Service's port order (real clusters
use an FNV-hash order).

Nodes: an endpoint's zone comes from its Node's `topology.kubernetes.io/zone` label. A Pod naming a Node
that does not exist is skipped (unless publishNotReadyAddresses) and the sync reports an error, as in
Kubernetes (`Cluster.controller_errors()`); it is retried in the next transaction.

Incremental syncs: when only Pods changed since the last sync (same Service spec, same Nodes, nobody
else touched the slices), the desired state is updated for those Pods only and only the slices holding
their endpoints are examined. This gives exactly the result of the full algorithm, because every other
endpoint is still desired and unchanged; the property tests compare both.
"""
from __future__ import annotations

from slicelab.controllers import metrics, topology
from slicelab.controllers.base import Change, Key, Lister, ServiceController, Writer, managed_slice_services
from slicelab.controllers.desired import DesiredState, service_address_types
from slicelab.controllers.metrics import Metrics
from slicelab.controllers.plan import SliceRec, count_changes, parse_slice, slice_manifest, write
from slicelab.controllers.reconciler import Reconciled, reconcile, slice_labels
from slicelab.controllers.trigger_time import TriggerTimeTracker, with_trigger_time
from slicelab.objects import MANAGER_ENDPOINTSLICE, PodFacts, ServiceFacts

__all__ = ["EndpointSliceController", "service_address_types"]


class EndpointSliceController(ServiceController):
    name = "endpointslice"
    queue_name = "endpoint_slice"
    manager = MANAGER_ENDPOINTSLICE
    incremental = True  # False: every sync recomputes from scratch (the tests compare both)

    def __init__(self, lister: Lister, client: Writer, metrics: Metrics, max_endpoints_per_slice: int = 100):
        super().__init__(lister, client, metrics)
        self.max_endpoints_per_slice = max_endpoints_per_slice
        self._tracker = TriggerTimeTracker()
        # Per Service: its desired state, valid while the Service's signature and the Nodes are unchanged.
        self._desired: dict[Key, DesiredState] = {}
        self._signature: dict[Key, tuple] = {}
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
        svc = self.lister.service(*key)
        if svc is None or svc.type == "ExternalName" or svc.selector is None:
            # Service gone: slices are left to the garbage collector; no selector: hands off.
            self._desired.pop(key, None)
            self._signature.pop(key, None)
            if svc is None:
                self._tracker.forget(key)
                self.metrics.cache_delete(metrics.SLICE, key)
            return
        missing: list[str] = []
        state, touched, pods = self._update_desired(svc, changed_pods, missing)
        trigger = self._tracker.compute(svc, pods, every_pod=touched is None)
        if missing:
            self._retry.add(key)
            self.errors.append(f"Service {key[0]}/{key[1]}: skipped Pods: " + ", ".join(sorted(missing)))
        existing = [self._parsed_slice(m, svc.uid) for m in self.lister.slices(*key, self.manager)
                    if not (m.get("metadata") or {}).get("deletionTimestamp")]
        existing.sort(key=lambda r: r.name)
        result = reconcile(svc, state.groups, existing, self.max_endpoints_per_slice, self.lister.nodes(), touched)
        self._write(svc, result, trigger)

    def _update_desired(self, svc: ServiceFacts, changed_pods: set[str] | None,
                        missing: list[str]) -> tuple[DesiredState, dict | None, list[PodFacts]]:
        """The Service's desired state: updated for the changed Pods when the last one still holds (then
        with the identities touched), else built from every selected Pod (touched None); and the Pods read."""
        key = (svc.namespace, svc.name)
        signature = (svc.uid, tuple(sorted(svc.selector.items())), svc.ports, svc.publish_not_ready,
                     svc.ip_families, svc.cluster_ip, tuple(sorted(svc.labels.items())),
                     svc.traffic_distribution, topology.hint_mode(svc), svc.deleting)
        if len(self._port_memo) > 1000:
            self._port_memo.clear()
        memo = self._port_memo.setdefault(svc.ports, {})
        state, previous = self._desired.get(key), self._signature.get(key)
        self._signature[key] = signature
        nodes = self.lister.nodes()
        if (self.incremental and state is not None and changed_pods is not None and previous == signature
                and topology.hint_mode(svc) != "auto"):
            changed = {name: self._selected_pod(svc, name) for name in sorted(changed_pods)}
            touched = state.update(svc, changed, nodes, memo, missing)
            self._tracker.forget_pods(svc, [name for name, pod in changed.items() if pod is None])
            return state, touched, [pod for pod in changed.values() if pod is not None]
        pods = list(self.lister.select_pods(svc.namespace, svc.selector))
        state = self._desired[key] = DesiredState.build(svc, pods, nodes, memo, missing)
        return state, None, pods

    def _selected_pod(self, svc: ServiceFacts, name: str) -> PodFacts | None:
        pod = self.lister.pod(svc.namespace, name)
        return pod if pod is not None and svc.selector.items() <= pod.labels.items() else None

    def _write(self, svc: ServiceFacts, result: Reconciled, trigger: str | None) -> None:
        """Write the plans (nothing is created for a Service being deleted) and report the sync's metrics."""
        labels = slice_labels(svc, self.manager)
        owner = {"apiVersion": "v1", "kind": "Service", "name": svc.name, "uid": svc.uid, "controller": True,
                 "blockOwnerDeletion": True}
        def manifest(rec: SliceRec) -> dict:
            return slice_manifest(rec, svc.namespace, labels, with_trigger_time(dict(rec.annotations), trigger), owner)

        for plan in result.plans:
            if svc.deleting:
                plan.creates = []
            write(plan, self.client, svc.namespace, manifest, lambda rec, stored: self._remember(rec, stored, svc))
            count_changes(self.metrics, metrics.SLICE, plan)
        self.events.extend(result.events)
        for added, removed in zip(result.added, result.removed):
            self.metrics.observe(f"{metrics.SLICE}_endpoints_added_per_sync", added)
            self.metrics.observe(f"{metrics.SLICE}_endpoints_removed_per_sync", removed)
        self.metrics.cache_set(metrics.SLICE, (svc.namespace, svc.name), result.efficiency)
        mode = topology.hint_mode(svc)
        distribution = svc.traffic_distribution if svc.traffic_distribution == "PreferClose" and mode != "auto" else ""
        self.metrics.observe(f"{metrics.SLICE}_endpointslices_changed_per_sync", result.changed,
                             (("topology", "Auto" if mode == "auto" else "Disabled"),
                              ("traffic_distribution", distribution)), metrics.DEFAULT_BUCKETS)

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
