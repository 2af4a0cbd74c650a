"""The garbage collector, for the objects slicelab models: EndpointSlices whose owner is gone.

Kubernetes' garbage collector deletes a dependent once none of the owners in its ownerReferences
exists any more (matched by uid). The EndpointSlice controller relies on it: it never deletes the
slices of a deleted Service itself (kubernetes-semantics.md §3.9). slicelab collects EndpointSlices
only (owned by a Service, or by an Endpoints object for mirrored slices); Pods with owners such as
ReplicaSets are left alone because slicelab does not model their owners.
"""
from __future__ import annotations

from slicelab.controllers.base import Change, Controller


class GarbageCollector(Controller):
    name = "garbage-collector"

    def __init__(self, cluster):
        super().__init__(cluster)
        self._check_all = True
        self._candidates: set = set()

    def observe(self, change: Change) -> None:
        if change.kind in ("Service", "Endpoints") and change.new is None:
            self._check_all = True
        elif change.kind == "EndpointSlice" and change.new is not None \
                and (change.new.get("metadata") or {}).get("ownerReferences"):
            self._candidates.add(change.key)

    def resync(self) -> None:
        self._check_all = True

    def sync(self) -> None:
        store = self.cluster._objects
        keys = list(store["EndpointSlice"]) if self._check_all else sorted(self._candidates)
        self._check_all = False
        self._candidates.clear()
        live = None
        for key in sorted(keys):
            manifest = store["EndpointSlice"].get(key)
            refs = ((manifest or {}).get("metadata") or {}).get("ownerReferences") or ()
            if not refs:
                continue
            if live is None:
                live = {(m["metadata"].get("uid")) for kind in ("Service", "Endpoints")
                        for m in store[kind].values()}
            if not any(ref.get("uid") in live for ref in refs if ref.get("kind") in ("Service", "Endpoints")) \
                    and all(ref.get("kind") in ("Service", "Endpoints") for ref in refs):
                self.cluster._controller_delete(self.name, "EndpointSlice", key)
