"""What every slicelab controller shares: what it reads, how it writes, and a work queue of Services.

Controllers take their inputs, as kube-controller-manager's do: they read through a `Lister` (the
informers' caches: Services, the Pods a selector picks, Nodes, a Service's slices, stored objects) and
write through a `Writer` (create, update, delete — the API client), both handed to them with the
metrics they update. They never reach into the store.

The Cluster calls `observe(change)` for every stored change (the user's and other controllers'), and
`sync()` once per transaction unless the controller is paused. A Service controller turns Pod changes
into Service keys the way kube-controller-manager's pod handlers do (§1.9): every Service in the Pod's
namespace whose selector matches the old or the new labels; and it remembers *which* Pods changed so a
sync can recompute only those (the full recomputation gives the same result — the property tests
check this).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Mapping, NamedTuple, Protocol

from slicelab.controllers.pods import endpoint_relevant
from slicelab.objects import LABEL_MANAGED_BY, LABEL_SERVICE_NAME

if TYPE_CHECKING:
    from slicelab.controllers.metrics import Metrics
    from slicelab.objects import NodeFacts, PodFacts, ServiceFacts

Key = tuple[str, str]


class Lister(Protocol):
    """What a controller reads: the store's indexes, never changed through this interface."""

    def service(self, namespace: str, name: str) -> ServiceFacts | None: ...

    def services(self, namespace: str) -> Mapping[str, ServiceFacts]: ...

    def service_keys(self) -> Iterator[Key]: ...

    def pod(self, namespace: str, name: str) -> PodFacts | None: ...

    def select_pods(self, namespace: str, selector: Mapping[str, str]) -> Iterator[PodFacts]: ...

    def nodes(self) -> Mapping[str, NodeFacts]: ...

    def slices(self, namespace: str, service: str, manager: str) -> list[dict]:
        """The EndpointSlices labelled for `service` and managed by `manager`, in no order."""

    def objects(self, kind: str) -> Mapping[Key, dict]:
        """Stored manifests of one kind by (namespace, name); read only."""


class Writer(Protocol):
    """How a controller writes: the API client, bound to the controller's name (the writes' actor)."""

    def create(self, manifest: dict) -> dict:
        """Create the object (a name from generateName if it has none); returns it as stored."""

    def update(self, manifest: dict) -> dict:
        """Replace the stored object of that kind, namespace and name; returns it as stored."""

    def delete(self, kind: str, key: Key) -> None:
        """Delete the object if it is still there."""


class Change(NamedTuple):
    """One stored change: `old`/`new` are manifests (None for create/delete), facts alongside.

    A NamedTuple (immutable, like the frozen dataclass it was): one is built per stored object."""

    kind: str
    key: Key
    old: dict | None
    new: dict | None
    old_facts: Any = None
    new_facts: Any = None
    actor: str | None = None  # controller name, or None for the user


def managed_slice_services(change: Change, manager: str) -> Iterator[Key]:
    """The Services whose slices of `manager` a change touched (before or after), by their service-name
    label: another writer's edit of a controller's slice makes it sync that Service again."""
    for manifest in (change.old, change.new):
        labels = ((manifest or {}).get("metadata") or {}).get("labels") or {}
        if labels.get(LABEL_MANAGED_BY) == manager and LABEL_SERVICE_NAME in labels:
            yield change.key[0], labels[LABEL_SERVICE_NAME]


class Controller:
    name = "controller"
    queue_name = ""  # the kube-controller-manager work queue's name, for `workqueue_adds_total`

    def __init__(self, lister: Lister, client: Writer, metrics: Metrics):
        self.lister = lister
        self.client = client
        self.metrics = metrics

    def observe(self, change: Change) -> None:  # pragma: no cover - overridden
        pass

    def resync(self) -> None:
        """Queue everything (a controller starting up or resuming after a pause)."""

    def sync(self) -> None:  # pragma: no cover - overridden
        pass


class ServiceController(Controller):
    """A controller whose unit of work is one Service (Endpoints and EndpointSlice controllers)."""

    def __init__(self, lister: Lister, client: Writer, metrics: Metrics):
        super().__init__(lister, client, metrics)
        self._full: set[Key] = set()                  # Services to recompute from scratch
        self._pod_changes: dict[Key, tuple] = {}       # pod key -> (oldest old facts, newest facts)

    def observe(self, change: Change) -> None:
        if change.kind == "Service":
            self._full.add(change.key)
        elif change.kind == "Pod":
            if change.old_facts is not None and change.new_facts is not None \
                    and not endpoint_relevant(change.old_facts, change.new_facts):
                return
            prior = self._pod_changes.get(change.key)
            old = prior[0] if prior else change.old_facts
            self._pod_changes[change.key] = (old, change.new_facts)

    def resync(self) -> None:
        self._full.update(self.lister.service_keys())

    def take_work(self) -> dict[Key, set[str] | None]:
        """Services to sync → names of changed Pods (None: recompute everything)."""
        work: dict[Key, set[str] | None] = {key: None for key in self._full}
        # Only Services not recomputed from scratch anyway need to know which Pods changed.
        candidates = {ns: [svc for svc in self.lister.services(ns).values()
                           if svc.selector is not None and (ns, svc.name) not in self._full]
                      for ns in {ns for ns, _ in self._pod_changes}}
        by_ns: dict[str, list[tuple]] = {}
        for (ns, name), facts in self._pod_changes.items():
            if candidates[ns]:
                by_ns.setdefault(ns, []).append((name, facts))
        for ns, changes in by_ns.items():
            for svc in candidates[ns]:
                hit = _pods_selected(svc.selector, changes)
                if hit:
                    work.setdefault((ns, svc.name), set()).update(hit)  # type: ignore[union-attr]
        self._full.clear()
        self._pod_changes.clear()
        return work

    def sync(self) -> None:
        work = self.take_work()
        if work and self.queue_name:
            self.metrics.inc("workqueue_adds_total", (("name", self.queue_name),), len(work))
        for key in sorted(work):
            self.sync_service(key, work[key])

    def sync_service(self, key: Key, changed_pods: set[str] | None) -> None:  # pragma: no cover
        raise NotImplementedError


def _pods_selected(selector: Mapping[str, str], changes: list[tuple]) -> set[str]:
    """The changed Pods (name, (old facts, new facts)) whose old or new labels the selector matches."""
    wanted = selector.items()
    return {name for name, (old, new) in changes
            if (old is not None and wanted <= old.labels.items()) or (new is not None and wanted <= new.labels.items())}
