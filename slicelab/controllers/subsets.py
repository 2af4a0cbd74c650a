"""`RepackSubsets` (k8s.io/kubernetes pkg/api/v1/endpoints), shared by the Endpoints controller and
mirroring: ports whose address sets are equal share one subset.

Each caller gathers its own input — per port, the addresses keyed for sorting with their readiness,
not-ready winning — because they read different things (Pods; a user's subsets); `pack` does the rest
in one way for both: group the ports by their address set, sort addresses by key, ports and subsets by
the caller's port order (real Kubernetes: an md5 order, so a cluster may list them otherwise).
The Endpoints controller's input are Pods' contributions: `repack` packs them at once, `Packing` keeps
the same result up to date Pod by Pod.
"""
from __future__ import annotations

import bisect
from typing import Any, Callable, Hashable, Iterable


def new_subset(ready: list, not_ready: list, ports: list) -> dict:
    """One EndpointSubset, its empty fields left out."""
    return {field: value for field, value in (("addresses", ready), ("notReadyAddresses", not_ready),
                                              ("ports", ports)) if value}


def pack(by_port: dict[Hashable, dict[Any, tuple[Any, bool]]], port_dicts: dict[Hashable, dict | None],
         port_order: Callable[[Any], Any]) -> list[dict]:
    """Subsets from `by_port` (port → address key → (address, ready)); `port_dicts` gives each port's
    EndpointPort (None: a subset without ports). Ports with the same (key, ready) set share a subset;
    subsets sort by their first port's order, then their first address key."""
    groups: dict[frozenset, tuple[list, dict]] = {}
    for port, entries in by_port.items():
        signature = frozenset((k, r) for k, (_, r) in entries.items())
        group = groups.get(signature)
        if group is None:
            groups[signature] = group = ([], entries)
        group[0].append(port)
    out = []
    for ports, entries in groups.values():
        ports.sort(key=port_order)
        ordered = sorted(entries.items(), key=_first)
        out.append((port_order(ports[0]), ordered[0][0],
                    new_subset([a for _, (a, r) in ordered if r], [a for _, (a, r) in ordered if not r],
                           [port_dicts[p] for p in ports if port_dicts[p] is not None])))
    out.sort(key=lambda item: (item[0], item[1]))
    return [s for _, _, s in out]


def _first(item: tuple) -> Any:
    return item[0]


def repack(contributions: Iterable[tuple]) -> list[dict]:
    """RepackSubsets + SortSubsets of the Endpoints controller's contributions (address key, address,
    ready, ((port key, EndpointPort or None), ...)); a port key is (its Service port's index, value)."""
    by_port: dict = {}
    port_dicts: dict = {}
    for key, address, ready, ports in contributions:
        for pkey, pdict in ports:
            entries = by_port.get(pkey)
            if entries is None:
                entries = by_port[pkey] = {}
                port_dicts[pkey] = pdict
            prior = entries.get(key)
            if prior is None:
                entries[key] = (address, ready)
            elif prior[1] and not ready:  # not-ready wins
                entries[key] = (address, False)
    return pack(by_port, port_dicts, _service_order)


def _service_order(pkey: tuple) -> int:
    """A resolved port's position among the Service's ports (-1: the headless Service without ports)."""
    return pkey[0]


class PortAddresses:
    """The addresses one resolved port has, kept sorted (ready and not-ready apart)."""

    __slots__ = ("members", "ready_keys", "ready", "not_ready_keys", "not_ready", "digest")

    def __init__(self) -> None:
        self.members: dict = {}
        self.ready_keys: list = []
        self.ready: list = []
        self.not_ready_keys: list = []
        self.not_ready: list = []
        self.digest = 0  # order-independent hash of the (address, ready) set, to find equal sets fast

    @classmethod
    def of(cls, entries: list[tuple]) -> "PortAddresses":
        """From (key, address, ready) entries at once (sorted here); a key listed twice counts once."""
        entries.sort(key=_first)
        pa = cls()
        pa.members = {key: ready for key, _, ready in entries}
        digest = 0
        for entry in entries:
            digest ^= hash((entry[0], entry[2]))
        pa.digest = digest
        pa.ready_keys = [key for key, _, ready in entries if ready]
        pa.ready = [address for _, address, ready in entries if ready]
        pa.not_ready_keys = [key for key, _, ready in entries if not ready]
        pa.not_ready = [address for _, address, ready in entries if not ready]
        return pa

    def add(self, key: tuple, address: tuple, ready: bool) -> None:
        self.members[key] = ready
        keys, items = (self.ready_keys, self.ready) if ready else (self.not_ready_keys, self.not_ready)
        at = bisect.bisect_left(keys, key)
        keys.insert(at, key)
        items.insert(at, address)
        self.digest ^= hash((key, ready))

    def remove(self, key: tuple) -> None:
        ready = self.members.pop(key)
        keys, items = (self.ready_keys, self.ready) if ready else (self.not_ready_keys, self.not_ready)
        at = bisect.bisect_left(keys, key)
        del keys[at]
        del items[at]
        self.digest ^= hash((key, ready))

    def same_set(self, other: "PortAddresses") -> bool:
        return self.ready_keys == other.ready_keys and self.not_ready_keys == other.not_ready_keys


class Packing:
    """RepackSubsets kept up to date Pod by Pod, so one Pod event costs O(log n) comparisons.

    Gives exactly `repack(contributions)` (the property tests compare both). Falls back to `repack`
    when two Pods share an address key (same IP and uid: only with hand-written uids)."""

    def __init__(self, contributions: dict[str, tuple]):
        self.contrib: dict[str, tuple] = {}
        self.ports: dict[tuple, PortAddresses] = {}
        self.port_dicts: dict[tuple, dict | None] = {}
        self.collision = False
        rows: dict[tuple, list] = {}
        self.contrib.update(contributions)
        for key, address, ready, ports in contributions.values():
            entry = (key, address, ready)
            for pkey, pdict in ports:
                row = rows.get(pkey)
                if row is None:
                    row = rows[pkey] = []
                    self.port_dicts[pkey] = pdict  # the first Pod's port dict, as before
                row.append(entry)
        for pkey, entries in rows.items():
            pa = self.ports[pkey] = PortAddresses.of(entries)
            if len(pa.members) < len(entries):
                self.collision = True

    def set(self, name: str, c: tuple | None) -> None:
        """Replace one Pod's contribution (None: it contributes nothing)."""
        old = self.contrib.pop(name, None)
        if old is not None:
            for pkey, _ in old[3]:
                pa = self.ports[pkey]
                if old[0] in pa.members:
                    pa.remove(old[0])
                if not pa.members:
                    del self.ports[pkey]
                    del self.port_dicts[pkey]
        if c is None:
            return
        self.contrib[name] = c
        key, address, ready, ports = c
        for pkey, pdict in ports:
            pa = self.ports.get(pkey)
            if pa is None:
                pa = self.ports[pkey] = PortAddresses()
                self.port_dicts[pkey] = pdict
            if key in pa.members:
                self.collision = True
                continue
            pa.add(key, address, ready)

    def subsets(self) -> list[dict]:
        if self.collision:
            return repack(self.contrib.values())
        groups: dict[tuple, list[tuple[PortAddresses, list]]] = {}
        for pkey, pa in self.ports.items():
            candidates = groups.setdefault((pa.digest, len(pa.members)), [])
            for first, pkeys in candidates:
                if first.same_set(pa):
                    pkeys.append(pkey)
                    break
            else:
                candidates.append((pa, [pkey]))
        out = []
        for candidates in groups.values():
            for pa, pkeys in candidates:
                pkeys.sort(key=_service_order)
                ports = [self.port_dicts[p] for p in pkeys if self.port_dicts[p] is not None]
                first = min(pa.ready_keys[:1] + pa.not_ready_keys[:1])
                out.append((pkeys[0][0], first, new_subset(list(pa.ready), list(pa.not_ready), ports)))
        out.sort(key=lambda s: (s[0], s[1]))
        return [s for _, _, s in out]
