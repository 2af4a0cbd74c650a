"""The EndpointSlice controller's desired state: the endpoints a Service's slices should hold.

Upstream builds it at the start of every sync (`reconcile`: one endpoint per eligible Pod and address
type, grouped by the Pod's resolved ports). slicelab builds it once from every selected Pod (`build`)
and then keeps it up to date Pod by Pod (`DesiredState.update`), which gives the same state — the
property tests compare both. The planner (reconciler.py) turns it into slice writes.

An endpoint per eligible Pod (terminating Pods included) per address type: conditions ready/serving/
terminating, nodeName, zone (from the Node) and hostname. A Pod naming a Node that does not exist is
left out (unless publishNotReadyAddresses) and reported, as upstream skips it with an error. A Pod with
no `spec.nodeName` at all (never scheduled — impossible in a real cluster once it has an IP) is
included without nodeName and zone, so lessons may leave Nodes out.
"""
from __future__ import annotations

import socket
from typing import Any, Iterable, Mapping

from slicelab.controllers.plan import port_key
from slicelab.controllers.pods import find_port, hostname_for
from slicelab.objects import NodeFacts, PodFacts, ServiceFacts, ip_family

# One endpoint of a Pod: (address type, port key, ports, identity, endpoint).
Entry = tuple[str, tuple, list, tuple, dict]
# groups[address type][port key] = (ports, {identity: endpoint})
Groups = dict[str, dict[tuple, tuple[list, dict]]]


def service_address_types(svc: ServiceFacts) -> list[str]:
    """§3.2: ipFamilies; else the clusterIP's family; headless without families → both."""
    if svc.ip_families:
        return list(svc.ip_families)
    if svc.cluster_ip not in ("", "None"):
        fam = ip_family(svc.cluster_ip)
        return [fam] if fam else ["IPv4"]
    return ["IPv4", "IPv6"]


def ip_order(identity: tuple) -> tuple:
    """Numeric IP order for endpoints placed in one sync (documented choice, §12): IPv4 before IPv6,
    then the address as a number (its packed bytes), then the Pod name."""
    addrs = identity[0]
    if addrs:
        text = addrs[0]
        family = socket.AF_INET6 if ":" in text else socket.AF_INET
        try:
            return (0, family == socket.AF_INET6, socket.inet_pton(family, text), identity[3])
        except OSError:
            pass
    return (1, False, b"", identity[3])


def resolve_ports(svc: ServiceFacts, pod: PodFacts) -> tuple[tuple, list[dict]]:
    """(port key, EndpointPorts in the Service's order) for one Pod: the target ports found on it."""
    ports = []
    for sp in svc.ports:
        number = find_port(pod, sp)
        if number is None:
            continue
        port: dict[str, Any] = {"name": sp.name, "port": number, "protocol": sp.protocol}
        if sp.app_protocol is not None:
            port["appProtocol"] = sp.app_protocol
        ports.append(port)
    return port_key(ports), ports


def pod_entries(svc: ServiceFacts, pod: PodFacts, nodes: Mapping[str, NodeFacts], address_types: list[str],
                memo: dict, missing: list[str]) -> list[Entry]:
    """The Pod's endpoints. `memo` holds the ports resolved for this Service's ports, by the Pods'
    container ports; a Pod left out because its Node is unknown is added to `missing`."""
    if not pod.eligible(True):
        return []
    zone = None
    if pod.node_name:
        node = nodes.get(pod.node_name)
        if node is not None:
            zone = node.zone
        elif not svc.publish_not_ready:
            missing.append(f"{pod.name} (Node {pod.node_name} not found)")
            return []
    memo_key = (pod.ports, pod.sidecar_ports)
    resolved = memo.get(memo_key)
    if resolved is None:  # Pods from one template resolve the same way: resolve once
        if len(memo) > 10_000:
            memo.clear()
        resolved = memo[memo_key] = resolve_ports(svc, pod)
    port_key_, port_list = resolved
    serving, terminating = pod.ready, pod.terminating
    conditions = {"ready": svc.publish_not_ready or (serving and not terminating), "serving": serving,
                  "terminating": terminating}
    hostname = hostname_for(pod, svc)
    entries = []
    for at in address_types:
        ip = pod.ip_of(at)
        if ip is None:
            continue
        ep: dict[str, Any] = {"addresses": [ip], "conditions": dict(conditions)}
        if hostname:
            ep["hostname"] = hostname
        ep["targetRef"] = {"kind": "Pod", "namespace": pod.namespace, "name": pod.name, "uid": pod.uid}
        if pod.node_name:
            ep["nodeName"] = pod.node_name
        if zone:
            ep["zone"] = zone
        entries.append((at, port_key_, port_list, ((ip,), hostname, pod.namespace, pod.name), ep))
    return entries


class DesiredState:
    """A Service's desired endpoints: `groups` (address type → port key → (ports, {identity: endpoint}),
    in placement order after `build`) and each Pod's entries, so that a Pod's change replaces only its own."""

    __slots__ = ("address_types", "groups", "by_pod")

    def __init__(self, address_types: list[str]):
        self.address_types = address_types
        self.groups: Groups = {at: {} for at in address_types}
        self.by_pod: dict[str, list[Entry]] = {}

    @classmethod
    def build(cls, svc: ServiceFacts, pods: Iterable[PodFacts], nodes: Mapping[str, NodeFacts], memo: dict,
              missing: list[str]) -> "DesiredState":
        """From every selected Pod; endpoints of a group in numeric IP order (`ip_order`)."""
        state = cls(service_address_types(svc))
        by_pod, groups = state.by_pod, state.groups
        for pod in pods:
            entries = pod_entries(svc, pod, nodes, state.address_types, memo, missing)
            if entries:
                by_pod[pod.name] = entries
        for entries in by_pod.values():
            for at, pk, ports, ident, ep in entries:
                group = groups[at].get(pk)
                if group is None:  # (not setdefault: that would build a tuple and a dict per endpoint)
                    group = groups[at][pk] = (ports, {})
                group[1][ident] = ep
        for by_key in groups.values():
            for pk, (ports, eps) in by_key.items():
                by_key[pk] = (ports, dict(sorted(eps.items(), key=lambda item: ip_order(item[0]))))
        return state

    def update(self, svc: ServiceFacts, changed: Mapping[str, PodFacts | None], nodes: Mapping[str, NodeFacts],
               memo: dict, missing: list[str]) -> dict[tuple, set]:
        """Replace the entries of changed Pods (None: gone, or no longer selected); returns the identities
        touched per (address type, port key): the old and new endpoints of those Pods."""
        touched: dict[tuple, set] = {}
        groups = self.groups
        for name, pod in changed.items():
            for at, pk, _ports, ident, _ep in self.by_pod.pop(name, ()):
                touched.setdefault((at, pk), set()).add(ident)
                eps = groups[at][pk][1]
                eps.pop(ident, None)
                if not eps:
                    del groups[at][pk]
            entries = pod_entries(svc, pod, nodes, self.address_types, memo, missing) if pod is not None else []
            if entries:
                self.by_pod[name] = entries
                for at, pk, ports, ident, ep in entries:
                    touched.setdefault((at, pk), set()).add(ident)
                    groups[at].setdefault(pk, (ports, {}))[1][ident] = ep
        return touched
