"""The v1 Endpoints controller: one `Endpoints` object per selector Service, named like it.

Follows kube-controller-manager's endpoints controller (kubernetes-semantics.md §2):
- one address per eligible Pod in the Service's primary family; terminating Pods are dropped unless
  `publishNotReadyAddresses`; a Pod whose target ports all fail to resolve contributes nothing;
- subsets are repacked like `RepackSubsets`: not-ready wins, ports with identical address sets share a
  subset; addresses sorted by IP as a byte string, then Pod UID;
- more than 1000 addresses → truncated proportionally per subset, annotation
  `endpoints.kubernetes.io/over-capacity: truncated`;
- a write only when subsets, labels or the capacity annotation differ; the Endpoints object is
  deleted when its Service goes.

Orders real Kubernetes leaves opaque (md5 of a Go dump), chosen here and stable: ports inside a subset
in Service port order; subsets by their first port's position in the Service, then by first address.
A cluster can therefore list subsets and ports in a different order than slicelab does.
"""
from __future__ import annotations

import math

from slicelab.controllers.base import Change, Key, Lister, ServiceController, Writer
from slicelab.controllers.metrics import Metrics
from slicelab.controllers.plan import port_value
from slicelab.controllers.pods import find_port, hostname_for
from slicelab.controllers.subsets import Packing, repack
from slicelab.controllers.trigger_time import TriggerTimeTracker, with_trigger_time
from slicelab.objects import (ANNOTATION_LEADER, ANNOTATION_OVER_CAPACITY, LABEL_HEADLESS, PodFacts,
                              ServiceFacts, ip_family)

MAX_CAPACITY = 1000
_NO_PORT = (-1, None)  # sentinel for headless Services without ports


def primary_family(service: ServiceFacts, pod: PodFacts) -> str | None:
    """The family of the one address a Pod gets in v1 Endpoints (§2.1)."""
    if service.ip_families:
        return service.ip_families[0]
    if service.cluster_ip not in ("", "None"):
        return ip_family(service.cluster_ip)
    return ip_family(pod.ips[0]) if pod.ips else None


def contribution(service: ServiceFacts, pod: PodFacts, memo: dict | None = None):
    """What one Pod adds to the Service's Endpoints, or None (§2.1–2.4).

    The value is (sort key, address, ready, ((port key, port dict), ...)); the address is a tuple that
    `address_dict` turns into the EndpointAddress once it survives truncation (a Service of 100,000
    Pods writes 1000 of them). `memo` holds the ports
    resolved for this Service's ports and headlessness (see `port_memo`), by the Pods' container ports.
    """
    if not pod.eligible(service.publish_not_ready):
        return None
    family = primary_family(service, pod)
    ip = pod.ip_of(family) if family else None
    if ip is None:
        return None
    memo_key = (pod.ports, pod.sidecar_ports)
    ports = memo.get(memo_key) if memo is not None else None
    if ports is None:
        ports = _resolve_ports(service, pod)
        if memo is not None:
            if len(memo) > 10_000:
                memo.clear()
            memo[memo_key] = ports
    if not ports:
        return None
    address = (ip, hostname_for(pod, service), pod.node_name, pod.namespace, pod.name, pod.uid)
    ready = service.publish_not_ready or pod.ready
    return ((ip.encode(), pod.uid), address, ready, ports)


def address_dict(address: tuple) -> dict:
    """The EndpointAddress of a `contribution`'s address tuple."""
    ip, host, node_name, namespace, name, uid = address
    out: dict = {"ip": ip}
    if host:
        out["hostname"] = host
    out["nodeName"] = node_name
    out["targetRef"] = {"kind": "Pod", "namespace": namespace, "name": name, "uid": uid}
    return out


def _with_address_dicts(subsets: list[dict], prior: tuple[dict, dict]) -> tuple[dict, dict]:
    """Replace the address tuples in `subsets` by EndpointAddress dicts, re-using those of the last
    sync (`prior`: its address lists and its dicts by address), so that an event changing nothing
    written costs little and compares equal at once. Returns what the next sync re-uses."""
    prior_lists, known = prior
    lists: dict[tuple, tuple[list, list]] = {}
    used: dict[tuple, dict] = {}
    for at, subset in enumerate(subsets):
        for field in ("addresses", "notReadyAddresses"):
            if field not in subset:
                continue
            addresses = subset[field]
            before = prior_lists.get((at, field))
            if before is not None and before[0] == addresses:
                out = list(before[1])
                used.update(zip(addresses, out))
            else:
                out = []
                for address in addresses:
                    found = used.get(address)
                    if found is None:
                        found = used[address] = known.get(address) or address_dict(address)
                    out.append(found)
            lists[(at, field)] = (addresses, out)
            subset[field] = out
    return lists, used


def port_memo(memos: dict, service: ServiceFacts) -> dict:
    """The `contribution` memo for this Service's ports (one per distinct ports and headlessness)."""
    if len(memos) > 1000:
        memos.clear()
    return memos.setdefault((service.ports, service.headless), {})


def _resolve_ports(service: ServiceFacts, pod: PodFacts) -> tuple:
    """((port key, EndpointPort dict), ...) for one Pod; () when the Pod contributes nothing."""
    ports = []
    for index, sp in enumerate(service.ports):
        number = find_port(pod, sp)
        if number is None:
            continue
        port = {"name": sp.name, "port": number, "protocol": sp.protocol} if sp.name else \
            {"port": number, "protocol": sp.protocol}
        if sp.app_protocol is not None:
            port["appProtocol"] = sp.app_protocol
        ports.append(((index, (sp.name, number, sp.protocol, sp.app_protocol)), port))
    if not ports:
        if service.ports or not service.headless:
            return ()
        ports = [(_NO_PORT, None)]
    return tuple(ports)


def truncate(subsets: list[dict]) -> bool:
    """Cut to 1000 addresses like the controller does (§2.8); True if anything was cut."""
    total_ready = sum(len(s.get("addresses") or ()) for s in subsets)
    total_not_ready = sum(len(s.get("notReadyAddresses") or ()) for s in subsets)
    if total_ready + total_not_ready <= MAX_CAPACITY:
        return False
    truncate_ready = total_ready > MAX_CAPACITY
    budget = MAX_CAPACITY if truncate_ready else MAX_CAPACITY - total_ready
    total = total_ready if truncate_ready else total_not_ready
    left = budget
    for subset in subsets:
        field = "addresses" if truncate_ready else "notReadyAddresses"
        count = len(subset.get(field) or ())
        keep = math.ceil((count / total) * budget) if total else 0
        keep = min(keep, left)
        if count:
            subset[field] = subset[field][:keep]
            if not subset[field]:
                del subset[field]
        if truncate_ready:
            subset.pop("notReadyAddresses", None)
        left -= min(keep, count)
    return True


def _normal_address(a: dict) -> tuple:
    ref = a.get("targetRef") or {}
    return (a.get("ip"), a.get("hostname") or "", a.get("nodeName"),
            tuple(sorted((k, v) for k, v in ref.items() if k != "resourceVersion")))


def _normal_subsets(subsets) -> list:
    out = []
    for s in subsets or ():
        out.append((tuple(_normal_address(a) for a in s.get("addresses") or ()),
                    tuple(_normal_address(a) for a in s.get("notReadyAddresses") or ()),
                    tuple(map(port_value, s.get("ports") or ()))))
    return out


class EndpointsController(ServiceController):
    name = "endpoints"
    queue_name = "endpoint"
    incremental = True  # False: every sync recomputes every Pod's contribution (the tests compare both)

    def __init__(self, lister: Lister, client: Writer, metrics: Metrics):
        super().__init__(lister, client, metrics)
        self._contrib: dict[Key, Packing] = {}
        self._signature: dict[Key, tuple] = {}
        self._tracker = TriggerTimeTracker()
        self._written: dict[Key, tuple[str, list]] = {}
        self._port_memo: dict[tuple, dict] = {}  # see port_memo
        self._addresses: dict[Key, tuple[dict, dict]] = {}  # see _with_address_dicts

    def observe(self, change: Change) -> None:
        super().observe(change)
        if change.kind == "Endpoints" and change.new is None and change.actor != self.name:
            self._full.add(change.key)  # onEndpointsDelete: recreate it

    def resync(self) -> None:
        super().resync()
        for key in self.lister.objects("Endpoints"):
            self._full.add(key)  # startup: Endpoints whose Service is gone get deleted

    def sync_service(self, key: Key, changed_pods: set[str] | None) -> None:
        svc = self.lister.service(*key)
        if svc is None or svc.type == "ExternalName" or svc.selector is None:
            self._forget(key, gone=svc is None)
            return
        packing, trigger = self._packing(svc, changed_pods)
        subsets = packing.subsets() if self.incremental else repack(packing.contrib.values())
        truncated = truncate(subsets)
        self._addresses[key] = _with_address_dicts(subsets, self._addresses.get(key, ({}, {})))
        self._write(svc, subsets, truncated, trigger)

    def _forget(self, key: Key, gone: bool) -> None:
        """A Service without selector (or ExternalName) is left alone; a Service gone takes its Endpoints
        along (unless that object is a leader-election lock)."""
        self._contrib.pop(key, None)
        self._addresses.pop(key, None)
        self._signature.pop(key, None)
        if not gone:
            return
        self._written.pop(key, None)
        self._tracker.forget(key)
        existing = self.lister.objects("Endpoints").get(key)
        if existing is not None and not _is_leader_lock(existing):
            self.client.delete("Endpoints", key)

    def _packing(self, svc: ServiceFacts, changed_pods: set[str] | None) -> tuple[Packing, str | None]:
        """The Service's contributions, updated for the changed Pods when the last ones still hold, else
        from every selected Pod; and the trigger time of this sync."""
        key = (svc.namespace, svc.name)
        signature = (svc.uid, tuple(sorted(svc.selector.items())), svc.ports, svc.publish_not_ready,
                     svc.ip_families, svc.cluster_ip)
        packing = self._contrib.get(key)
        memo = port_memo(self._port_memo, svc)
        if not self.incremental or packing is None or changed_pods is None \
                or self._signature.get(key) != signature:
            pods = list(self.lister.select_pods(svc.namespace, svc.selector))
            packing = Packing({p.name: c for p in pods if (c := contribution(svc, p, memo)) is not None})
            trigger = self._tracker.compute(svc, pods)
        else:
            pods = []
            for pod_name in sorted(changed_pods):
                pod = self.lister.pod(svc.namespace, pod_name)
                c = None
                if pod is not None and svc.selector.items() <= pod.labels.items():
                    pods.append(pod)
                    c = contribution(svc, pod, memo)
                packing.set(pod_name, c)
            selected = {p.name for p in pods}
            self._tracker.forget_pods(svc, [n for n in changed_pods if n not in selected])
            trigger = self._tracker.compute(svc, pods, every_pod=False)
        self._contrib[key] = packing
        self._signature[key] = signature
        return packing, trigger

    def _write(self, svc: ServiceFacts, subsets: list[dict], truncated: bool, trigger: str | None) -> None:
        """Create or update the Endpoints object, unless it already says all this."""
        key = (svc.namespace, svc.name)
        existing = self.lister.objects("Endpoints").get(key)
        if existing is not None and self._up_to_date(existing, svc, subsets, truncated):
            return
        labels = dict(svc.labels)
        if svc.headless:
            labels[LABEL_HEADLESS] = ""
        else:
            labels.pop(LABEL_HEADLESS, None)
        annotations = dict(((existing or {}).get("metadata") or {}).get("annotations") or {})
        with_trigger_time(annotations, trigger)
        if truncated:
            annotations[ANNOTATION_OVER_CAPACITY] = "truncated"
        else:
            annotations.pop(ANNOTATION_OVER_CAPACITY, None)
        metadata: dict = {"name": svc.name, "namespace": svc.namespace}
        if labels:
            metadata["labels"] = labels
        if annotations:
            metadata["annotations"] = annotations
        manifest: dict = {"apiVersion": "v1", "kind": "Endpoints", "metadata": metadata}
        if subsets:
            manifest["subsets"] = subsets
        stored = self.client.create(manifest) if existing is None else self.client.update(manifest)
        self._written[key] = (stored["metadata"]["resourceVersion"], subsets)

    def _up_to_date(self, existing: dict, svc: ServiceFacts, subsets: list[dict], truncated: bool) -> bool:
        """The stored Endpoints has these subsets, the Service's labels (headless aside) and the capacity
        annotation exactly when truncated: nothing to write."""
        meta = existing.get("metadata") or {}
        current_labels = dict(meta.get("labels") or {})
        current_labels.pop(LABEL_HEADLESS, None)
        annotations = meta.get("annotations") or {}
        capacity_ok = (annotations.get(ANNOTATION_OVER_CAPACITY) == "truncated") if truncated \
            else ANNOTATION_OVER_CAPACITY not in annotations
        if not capacity_ok or current_labels != dict(svc.labels):
            return False
        written = self._written.get((svc.namespace, svc.name))
        if written is not None and written[0] == meta.get("resourceVersion"):
            return (existing.get("subsets") or []) == subsets  # our own last write: compare exactly
        return _normal_subsets(existing.get("subsets")) == _normal_subsets(subsets)


def _is_leader_lock(manifest: dict) -> bool:
    return ANNOTATION_LEADER in ((manifest.get("metadata") or {}).get("annotations") or {})
