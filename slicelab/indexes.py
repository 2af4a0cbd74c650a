"""The store's indexes: what the controllers read, kept up to date with every stored change.

kube-controller-manager's controllers never list the API server while they sync: they read the caches
their shared informers keep (listers), indexed the way they ask. `Indexes` is slicelab's: the facts of
Pods and Services by namespace, of Nodes by name, EndpointSlice names by the Service they label, and the
stored manifests by kind. It implements `slicelab.controllers.base.Lister`; the Cluster calls `index`
for every change it stores, and only the Cluster writes.
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping

from slicelab.controllers.base import Key
from slicelab.objects import (LABEL_MANAGED_BY, LABEL_SERVICE_NAME, NodeFacts, PodFacts, ServiceFacts, node_facts,
                              pod_facts, service_facts)


class Indexes:
    """Facts and indexes over one store (`objects`: kind → (namespace, name) → manifest)."""

    def __init__(self, objects: Mapping[str, Mapping[Key, dict]]):
        self._objects = objects
        self._pods_by_ns: dict[str, dict[str, PodFacts]] = {}
        self._services_by_ns: dict[str, dict[str, ServiceFacts]] = {}
        self._nodes: dict[str, NodeFacts] = {}
        self._slices_by_service: dict[Key, set[str]] = {}

    def index(self, kind: str, key: Key, old: dict | None, new: dict | None) -> tuple[Any, Any]:
        """Update the indexes for one stored change; returns the (old, new) facts of a Pod, Service or
        Node (None for other kinds)."""
        ns, name = key
        if kind == "Pod":  # the hot path (a store of 100,000 Pods): no helper call
            pods = self._pods_by_ns.setdefault(ns, {})
            old_facts = pods.pop(name, None)
            if new is None:
                return old_facts, None
            pods[name] = new_facts = pod_facts(new, stored=True)
            return old_facts, new_facts
        if kind == "Service":
            return _swap(self._services_by_ns.setdefault(ns, {}), name, new, service_facts)
        if kind == "Node":
            return _swap(self._nodes, name, new, node_facts)
        if kind == "EndpointSlice":
            for manifest, add in ((old, False), (new, True)):
                svc = (((manifest or {}).get("metadata") or {}).get("labels") or {}).get(LABEL_SERVICE_NAME)
                if svc is None:
                    continue
                names = self._slices_by_service.setdefault((ns, svc), set())
                if add:
                    names.add(name)
                else:
                    names.discard(name)
        return None, None

    # --- controllers.base.Lister ----------------------------------------------------------------
    def service(self, namespace: str, name: str) -> ServiceFacts | None:
        return self._services_by_ns.get(namespace, {}).get(name)

    def services(self, namespace: str) -> Mapping[str, ServiceFacts]:
        return self._services_by_ns.get(namespace, {})

    def service_keys(self) -> Iterator[Key]:
        for ns, services in self._services_by_ns.items():
            for name in services:
                yield ns, name

    def pod(self, namespace: str, name: str) -> PodFacts | None:
        return self._pods_by_ns.get(namespace, {}).get(name)

    def select_pods(self, namespace: str, selector: Mapping[str, str]) -> Iterator[PodFacts]:
        wanted = selector.items()
        for pod in self._pods_by_ns.get(namespace, {}).values():
            if wanted <= pod.labels.items():
                yield pod

    def nodes(self) -> Mapping[str, NodeFacts]:
        return self._nodes

    def slices(self, namespace: str, service: str, manager: str) -> list[dict]:
        """Slices carrying both the service-name label for `service` and managed-by `manager`."""
        out = []
        store = self._objects["EndpointSlice"]
        for name in self._slices_by_service.get((namespace, service), ()):
            manifest = store.get((namespace, name))
            if manifest and ((manifest.get("metadata") or {}).get("labels") or {}).get(LABEL_MANAGED_BY) == manager:
                out.append(manifest)
        return out

    def objects(self, kind: str) -> Mapping[Key, dict]:
        return self._objects[kind]


def _swap(index: dict, name: str, new: dict | None, facts) -> tuple[Any, Any]:
    """Replace one entry of a facts index: returns (old facts, new facts)."""
    old_facts = index.pop(name, None)
    new_facts = None
    if new is not None:
        index[name] = new_facts = facts(new)
    return old_facts, new_facts
