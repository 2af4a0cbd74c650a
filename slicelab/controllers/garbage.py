"""The garbage collector, for the objects slicelab models: EndpointSlices whose owner is gone.

Kubernetes' garbage collector deletes a dependent once none of the owners in its ownerReferences
exists any more (matched by uid). The EndpointSlice controller relies on it: it never deletes the
slices of a deleted Service itself (kubernetes-semantics.md §3.9). slicelab collects EndpointSlices
only (owned by a Service, or by an Endpoints object for mirrored slices); Pods with owners such as
ReplicaSets are left alone because slicelab does not model their owners.
"""
from __future__ import annotations

from slicelab.controllers.base import Change, Controller, Lister, Writer
from slicelab.controllers.metrics import Metrics


class GarbageCollector(Controller):
    name = "garbage-collector"

    def __init__(self, lister: Lister, client: Writer, metrics: Metrics):
        super().__init__(lister, client, metrics)
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
        slices = self.lister.objects("EndpointSlice")
        keys = list(slices) if self._check_all else sorted(self._candidates)
        self._check_all = False
        self._candidates.clear()
        live = None
        for key in sorted(keys):
            manifest = slices.get(key)
            refs = ((manifest or {}).get("metadata") or {}).get("ownerReferences") or ()
            if not refs:
                continue
            if live is None:
                live = {(m["metadata"].get("uid")) for kind in ("Service", "Endpoints")
                        for m in self.lister.objects(kind).values()}
            if not any(ref.get("uid") in live for ref in refs if ref.get("kind") in ("Service", "Endpoints")) \
                    and all(ref.get("kind") in ("Service", "Endpoints") for ref in refs):
                self.client.delete("EndpointSlice", key)
