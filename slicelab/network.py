"""Clients of a Service: what DNS answers, which endpoints kube-proxy uses, how a connection ends.

This is the consumer side of EndpointSlices. It reads a cluster (or a Timeline frame — anything with
`get(kind, namespace=..., name=..., label_selector=...)`) and never writes to it.

What real Kubernetes does, and what slicelab does the same way:
- DNS (CoreDNS's kubernetes plugin): a ClusterIP Service's name answers with its ClusterIP, whatever its
  endpoints are. A headless Service (`clusterIP: None`) answers with the addresses of the endpoints whose
  `ready` is true or unset, from every slice of the Service whatever its ports (a slice without ports —
  e.g. every Pod's targetPort failed to resolve — still counts: CoreDNS gives it a sentinel port). With
  `publishNotReadyAddresses` the controller writes every endpoint as ready, so all are answered. No
  ready endpoint: NXDOMAIN.
- kube-proxy runs on every node and watches EndpointSlices (labelled `kubernetes.io/service-name`), never
  the v1 Endpoints; each node's kube-proxy decides for itself (`proxy_endpoints`). For a Service port it
  uses the slice port of the same name, in the slices of the Service's family. Conditions as the API
  defines them: `ready` and `serving` unset count as true, `terminating` unset as false. It uses the
  ready endpoints; when none is ready anywhere it falls back to the serving-and-terminating ones
  (KEP-1669, GA in 1.28). Topology hints narrow the choice (`hints.forNodes` written for
  `trafficDistribution: PreferSameNode`, `hints.forZones` for `PreferSameZone` / `PreferClose`); with
  `internalTrafficPolicy: Local` only the endpoints on the client's own node count (KEP-2086).
  It picks one at random per connection (iptables `statistic` rules); slicelab draws from a seeded
  `random.Random` so a replay is reproducible. With no usable endpoint anywhere the Service's rules
  REJECT the packet: the client sees "connection refused" at once. With `internalTrafficPolicy: Local`
  and endpoints only on other nodes the rules DROP it: the client waits and times out.
- A client of a headless Service dials a Pod IP from the DNS answer itself (slicelab takes the first) at
  the endpoint's port, as an SRV lookup announces it: nothing translates the Service port.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Iterable

from slicelab.reading import Reader as ClusterLike

__all__ = ["DnsAnswer", "Connection", "Backend", "ClusterLike", "resolve", "backends", "usable_backends",
           "proxy_endpoints", "connect", "describe", "CLUSTER_DOMAIN"]

CLUSTER_DOMAIN = "cluster.local"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
ZONE_LABEL = "topology.kubernetes.io/zone"
IP_ADDRESS_TYPES = ("IPv4", "IPv6")     # kube-proxy and CoreDNS skip FQDN slices: a name is no address

CONNECTED = "connected"
REJECTED = "rejected: no endpoints"
DROPPED = "dropped: no local endpoints"
NO_SUCH_HOST = "no such host"


@dataclass(frozen=True)
class DnsAnswer:
    """The answer to one DNS query for a Service name."""

    query: str
    fqdn: str
    records: tuple[str, ...]          # A/AAAA records; empty for NXDOMAIN
    service_type: str                 # "ClusterIP", "headless" or "" when the Service does not exist
    rcode: str = "NOERROR"            # "NOERROR" or "NXDOMAIN"

    def text(self) -> str:
        """One line like `dig +short` would suggest: the name and what it resolves to."""
        if self.rcode != "NOERROR":
            return f"{self.fqdn}: {self.rcode}"
        what = "ClusterIP" if self.service_type == "ClusterIP" else "Pod IPs (headless)"
        return f"{self.fqdn} -> {', '.join(self.records)} ({what})"


@dataclass(frozen=True)
class Backend:
    """One endpoint of a Service port as a consumer reads it from an EndpointSlice.

    Conditions follow the API's defaults: `ready`/`serving` unset are True, `terminating` unset is False.
    `node` and `zone` say where the endpoint runs; `for_zones`/`for_nodes` are its topology hints."""

    ip: str
    port: int | None
    pod: str | None
    ready: bool
    serving: bool
    terminating: bool
    node: str | None = None
    zone: str | None = None
    for_zones: tuple[str, ...] = ()
    for_nodes: tuple[str, ...] = ()
    address_type: str = ""

    @property
    def address(self) -> str:
        return _join_host_port(self.ip, self.port)


@dataclass(frozen=True)
class Connection:
    """The outcome of one client connection to a Service port.

    `outcome` is "connected", "rejected: no endpoints" (REJECT: connection refused at once),
    "dropped: no local endpoints" (DROP: the client times out) or "no such host"."""

    service: str
    dialed: str                        # what the client dialed: ClusterIP:port or a Pod IP:port
    outcome: str
    backend: Backend | None = None     # where the connection landed
    candidates: tuple[Backend, ...] = field(default=())   # every endpoint of the port, any node
    client_node: str | None = None     # the node the client runs on (its kube-proxy decided)

    @property
    def ok(self) -> bool:
        return self.outcome == CONNECTED

    def text(self) -> str:
        """One line saying what happened to the connection."""
        if self.ok and self.backend is not None:
            pod = f" (Pod {self.backend.pod})" if self.backend.pod else ""
            return f"connect {self.dialed}: connected to {self.backend.address}{pod}"
        if self.outcome == REJECTED:
            return f"connect {self.dialed}: connection refused (rejected: no endpoints)"
        if self.outcome == DROPPED:
            where = f" on node {self.client_node}" if self.client_node else " on the client's node"
            return f"connect {self.dialed}: timed out (dropped: no local endpoints{where})"
        return f"connect {self.dialed}: {self.outcome}"


def _join_host_port(ip: str, port: int | None) -> str:
    if port is None:
        return ip
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _split_name(name: str, namespace: str) -> tuple[str, str]:
    """`svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local` -> (svc, ns); other names -> ("", ns)."""
    parts = name.rstrip(".").split(".")
    if len(parts) == 1:
        return parts[0], namespace
    if parts[2:] in ([], ["svc"], ["svc", *CLUSTER_DOMAIN.split(".")]):
        return parts[0], parts[1]
    return "", namespace


def _service(cluster: ClusterLike, name: str, namespace: str) -> dict | None:
    found = cluster.get("Service", namespace=namespace, name=name)
    return found[0] if found else None


def _is_headless(service: dict) -> bool:
    return service.get("spec", {}).get("clusterIP") in ("None", "", None)


def _names(hints: Any) -> tuple[str, ...]:
    return tuple(h.get("name") for h in hints or () if isinstance(h, dict) and h.get("name"))


def _backends_of(eps: dict, slice_port: int | None) -> Iterable[Backend]:
    address_type = eps.get("addressType") or ""
    for ep in eps.get("endpoints") or []:
        cond = ep.get("conditions") or {}
        hints = ep.get("hints") or {}
        facts = dict(pod=(ep.get("targetRef") or {}).get("name"),
                     ready=cond.get("ready") is not False,            # unset counts as ready (API doc)
                     serving=cond.get("serving") is not False,        # unset counts as serving
                     terminating=cond.get("terminating") is True,
                     node=ep.get("nodeName") or None, zone=ep.get("zone") or None,
                     for_zones=_names(hints.get("forZones")), for_nodes=_names(hints.get("forNodes")),
                     address_type=address_type)
        for ip in ep.get("addresses") or []:
            yield Backend(ip, slice_port, **facts)


def _slices(cluster: ClusterLike, service: str, namespace: str) -> list[dict]:
    return cluster.get("EndpointSlice", namespace=namespace, label_selector=f"{SERVICE_NAME_LABEL}={service}")


def backends(cluster: ClusterLike, service: str, port: int | str | None = None,
             namespace: str = "default") -> list[Backend]:
    """Every endpoint of the Service's EndpointSlices for one Service port, conditions included.

    `port` is the Service port (number or name); None takes the Service's first port (or none). Slices
    that lack that port are skipped; duplicates across slices are kept (see `proxy_endpoints`)."""
    svc = _service(cluster, service, namespace)
    if svc is None:
        return []
    port_name = _service_port_name(svc, port)
    out: list[Backend] = []
    for eps in _slices(cluster, service, namespace):
        slice_port = None
        if port_name is not None:
            matching = [p for p in (eps.get("ports") or []) if (p.get("name") or "") == port_name]
            if not matching:
                continue  # this slice has no endpoints for that Service port
            slice_port = matching[0].get("port")
        out.extend(_backends_of(eps, slice_port))
    return out


def _service_port_name(svc: dict, port: int | str | None) -> str | None:
    ports = svc.get("spec", {}).get("ports") or []
    if not ports:
        return None
    if port is None:
        return ports[0].get("name") or ""
    for p in ports:
        if port == p.get("port") or port == p.get("name"):
            return p.get("name") or ""
    raise ValueError(f"Service {svc['metadata'].get('namespace', 'default')}/{svc['metadata']['name']}"
                     f" has no port {port!r}")


def usable_backends(candidates: list[Backend]) -> list[Backend]:
    """kube-proxy's choice set with no topology and `internalTrafficPolicy: Cluster`: the ready
    endpoints, else the serving-and-terminating ones (KEP-1669). `proxy_endpoints` is the whole rule."""
    ready = [b for b in candidates if b.ready]
    if ready:
        return ready
    return [b for b in candidates if b.serving and b.terminating]


def _topology_mode(candidates: list[Backend], node: str | None, zone: str | None) -> str:
    """kube-proxy's `topologyModeFromHints`: "node" when every ready endpoint has node hints and one is
    hinted for this node, else "zone" likewise for this node's zone, else "" (hints ignored)."""
    ready = [b for b in candidates if b.ready]
    if not ready:
        return ""
    if all(b.for_nodes for b in ready) and any(node in b.for_nodes for b in ready):
        return "node"
    if all(b.for_zones for b in ready) and any(zone in b.for_zones for b in ready):
        return "zone"
    return ""


def _for_topology(b: Backend, mode: str, node: str | None, zone: str | None) -> bool:
    if mode == "node":
        return node in b.for_nodes
    if mode == "zone":
        return zone in b.for_zones
    return True


def _unique(items: Iterable[Backend], node: str | None) -> list[Backend]:
    """One entry per ip:port, as kube-proxy's slice cache keeps it: the first seen, unless a later
    duplicate is on this node. Two slices listing the same endpoint are legal (consumers de-duplicate)."""
    seen: dict[str, Backend] = {}
    for b in items:
        if b.address not in seen or (node is not None and b.node == node):
            seen[b.address] = b
    return list(seen.values())


def _node_zone(cluster: ClusterLike, node: str | None) -> str | None:
    if not node:
        return None
    found = cluster.get("Node", namespace=None, name=node)
    labels = (found[0].get("metadata") or {}).get("labels") or {} if found else {}
    return labels.get(ZONE_LABEL) or None


def _categorize(svc: dict, candidates: list[Backend], node: str | None,
                zone: str | None) -> tuple[list[Backend], bool]:
    """kube-proxy's `CategorizeEndpoints` for traffic to the ClusterIP: (the endpoints this node uses,
    whether the Service has a usable endpoint anywhere). Used and "anywhere" differ only with
    `internalTrafficPolicy: Local`."""
    anywhere = any(b.ready or (b.serving and b.terminating) for b in candidates)
    if (svc.get("spec") or {}).get("internalTrafficPolicy") == "Local":
        local = [b for b in candidates if node is not None and b.node == node]
        return usable_backends(local), anywhere
    mode = _topology_mode(candidates, node, zone)
    chosen = [b for b in candidates if b.ready and _for_topology(b, mode, node, zone)]
    if not chosen:   # nothing ready anywhere (topology already gave up otherwise): terminating ones
        chosen = [b for b in candidates if b.serving and b.terminating]
    return chosen, anywhere


def _proxy_view(cluster: ClusterLike, svc: dict, port: int | str | None, node: str | None,
                family: str | None) -> tuple[list[Backend], list[Backend], bool]:
    """(every endpoint of the port in the family, what node's kube-proxy uses, usable anywhere)."""
    spec = svc.get("spec") or {}
    meta = svc["metadata"]
    family = family or (spec.get("ipFamilies") or ["IPv4"])[0]
    candidates = [b for b in backends(cluster, meta["name"], port, meta.get("namespace", "default"))
                  if b.address_type in IP_ADDRESS_TYPES and b.address_type == family]
    candidates = _unique(candidates, node)
    used, anywhere = _categorize(svc, candidates, node, _node_zone(cluster, node))
    return candidates, used, anywhere


def proxy_endpoints(cluster: ClusterLike, service: str, node: str | None, port: int | str | None = None,
                    namespace: str = "default", *, family: str | None = None) -> list[Backend]:
    """The endpoints the kube-proxy on `node` sends this Service port's ClusterIP traffic to.

    Every node runs its own kube-proxy and decides alone, from the Service and its EndpointSlices
    (never the v1 Endpoints), so two nodes may answer differently. The rule, as kube-proxy's
    `CategorizeEndpoints` applies it:
    - endpoints: those of the slices of the Service's primary IP family (`family="IPv6"` for the other
      proxier of a dual-stack Service), for the slice port named like the Service port, each ip:port once;
    - `internalTrafficPolicy: Local`: only endpoints whose `nodeName` is `node` — the ready ones, else
      the serving-and-terminating ones; hints are ignored. An empty result while other nodes have
      endpoints means this node DROPs the traffic (`connect` reports a time-out);
    - otherwise (`Cluster`, the default): the ready endpoints narrowed by topology hints — to those with
      `hints.forNodes` naming `node` when every ready endpoint has node hints and one names this node
      (`trafficDistribution: PreferSameNode`); else to those with `hints.forZones` naming the node's
      `topology.kubernetes.io/zone` when every ready endpoint has zone hints and one names that zone
      (`PreferSameZone`, or its deprecated alias `PreferClose`); else all ready ones. If no endpoint is
      ready anywhere: the serving-and-terminating ones (KEP-1669), hints ignored.

    `node` is a Node name (its zone label is read from the Node object; a Node the cluster does not
    hold has no zone). None stands for a node with no zone that runs none of the endpoints.
    Headless and ExternalName Services get no kube-proxy rules: the result is empty, as it is for a
    Service that does not exist. `port` is the Service port's number or name (None: its first port).
    """
    svc = _service(cluster, service, namespace)
    if svc is None or _is_headless(svc) or (svc.get("spec") or {}).get("type") == "ExternalName":
        return []
    return _proxy_view(cluster, svc, port, node, family)[1]


def _ready_addresses(cluster: ClusterLike, service: str, namespace: str) -> tuple[str, ...]:
    """CoreDNS's A/AAAA records for a headless Service: ready (or unset) endpoints of every slice,
    whatever the slice's ports — a slice without ports gets a sentinel port and still answers."""
    ips = (b.ip for eps in _slices(cluster, service, namespace)
           if (eps.get("addressType") or "") in IP_ADDRESS_TYPES
           for b in _backends_of(eps, None) if b.ready)
    return tuple(dict.fromkeys(ips))


def resolve(cluster: ClusterLike, name: str, namespace: str = "default") -> DnsAnswer:
    """What the cluster DNS answers for a Service name (short or fully qualified)."""
    svc_name, ns = _split_name(name, namespace)
    fqdn = f"{svc_name}.{ns}.svc.{CLUSTER_DOMAIN}"
    svc = _service(cluster, svc_name, ns) if svc_name else None
    if svc is None:
        return DnsAnswer(name, fqdn, (), "", "NXDOMAIN")
    spec = svc.get("spec", {})
    if not _is_headless(svc):
        ips = tuple(spec.get("clusterIPs") or [spec["clusterIP"]])
        return DnsAnswer(name, fqdn, ips, "ClusterIP")
    records = _ready_addresses(cluster, svc_name, ns)
    return DnsAnswer(name, fqdn, records, "headless", "NOERROR" if records else "NXDOMAIN")


def connect(cluster: ClusterLike, service: str, port: int | str | None = None, namespace: str = "default",
            rng: random.Random | int | None = 0, *, client_node: str | None = None) -> Connection:
    """Open one connection to a Service port the way a Pod on `client_node` would.

    The client's own node decides (`proxy_endpoints`): topology hints and `internalTrafficPolicy: Local`
    depend on it. `client_node=None` is a client on a node with no zone label and none of the
    endpoints. `rng` seeds kube-proxy's random choice (a Random, or an int seed) so results are
    reproducible. `candidates` holds every endpoint of the port, whichever node uses it.
    """
    rng = rng if isinstance(rng, random.Random) else random.Random(rng)
    answer = resolve(cluster, service, namespace)
    svc_name, ns = _split_name(service, namespace)
    if answer.rcode != "NOERROR":
        return Connection(svc_name, answer.fqdn, NO_SUCH_HOST, client_node=client_node)
    svc = _service(cluster, svc_name, ns)
    assert svc is not None
    svc_ports = svc.get("spec", {}).get("ports") or []
    number = next((p["port"] for p in svc_ports if port in (None, p.get("port"), p.get("name"))), port)
    if answer.service_type == "headless":
        # no ClusterIP, no kube-proxy rule, no port translation: the client dials the Pod at the
        # endpoint's port (the one the SRV record `_<port>._tcp.<service>` announces)
        candidates = backends(cluster, svc_name, port, ns)
        ip = answer.records[0]
        chosen = next((b for b in candidates if b.ip == ip), Backend(ip, number, None, True, True, False))
        port_number = chosen.port if chosen.port is not None else number
        return Connection(svc_name, _join_host_port(ip, port_number if isinstance(port_number, int) else None),
                          CONNECTED, chosen, tuple(candidates), client_node)
    dialed = _join_host_port(answer.records[0], number if isinstance(number, int) else None)
    family = "IPv6" if ":" in answer.records[0] else "IPv4"
    candidates, used, anywhere = _proxy_view(cluster, svc, port, client_node, family)
    if used:
        return Connection(svc_name, dialed, CONNECTED, rng.choice(used), tuple(candidates), client_node)
    outcome = DROPPED if anywhere else REJECTED
    return Connection(svc_name, dialed, outcome, None, tuple(candidates), client_node)


def describe(outcome: Any) -> str:
    """One line for a DnsAnswer or a Connection (or "" for None)."""
    return "" if outcome is None else outcome.text()
