"""Clients of a Service: what DNS answers, which endpoint kube-proxy picks, how a connection ends.

This is the consumer side of EndpointSlices. It reads a cluster (or a Timeline frame — anything with
`get(kind, namespace=..., name=..., label_selector=...)`) and never writes to it.

What real Kubernetes does, and what slicelab does the same way:
- DNS (CoreDNS's kubernetes plugin): a ClusterIP Service's name answers with its ClusterIP, whatever its
  endpoints are. A headless Service (`clusterIP: None`) answers with the addresses of its ready
  endpoints (all endpoints when `publishNotReadyAddresses` is set); with none it answers NXDOMAIN.
- kube-proxy watches EndpointSlices (labelled `kubernetes.io/service-name`), never the v1 Endpoints. For a
  Service port it uses the slice port of the same name; an endpoint counts when `ready` is true or unset.
  When no endpoint is ready it falls back to endpoints that are `serving` and `terminating`
  (KEP-1669, GA in 1.28). It picks one at random per connection (iptables `statistic` rules); slicelab
  draws from a seeded `random.Random` so a replay is reproducible. With no usable endpoint at all the
  Service's rules REJECT the packet: the client sees "connection refused" at once.
- A client of a headless Service dials a Pod IP from the DNS answer itself (slicelab takes the first) at
  the endpoint's port, as an SRV lookup announces it: nothing translates the Service port.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["DnsAnswer", "Connection", "Backend", "ClusterLike", "resolve", "backends", "usable_backends", "connect",
           "describe", "CLUSTER_DOMAIN"]

CLUSTER_DOMAIN = "cluster.local"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"


class ClusterLike(Protocol):
    def get(self, kind: str, namespace: str | None = "default", name: str | None = None,
            label_selector: str | None = None) -> list[dict]: ...


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
    """One endpoint kube-proxy may send a connection to."""

    ip: str
    port: int | None
    pod: str | None
    ready: bool
    serving: bool
    terminating: bool

    @property
    def address(self) -> str:
        return _join_host_port(self.ip, self.port)


@dataclass(frozen=True)
class Connection:
    """The outcome of one client connection to a Service port."""

    service: str
    dialed: str                        # what the client dialed: ClusterIP:port or a Pod IP:port
    outcome: str                       # "connected", "rejected: no endpoints", "no such host"
    backend: Backend | None = None     # where the connection landed
    candidates: tuple[Backend, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.outcome == "connected"

    def text(self) -> str:
        """One line saying what happened to the connection."""
        if self.ok and self.backend is not None:
            pod = f" (Pod {self.backend.pod})" if self.backend.pod else ""
            return f"connect {self.dialed}: connected to {self.backend.address}{pod}"
        if self.outcome == "rejected: no endpoints":
            return f"connect {self.dialed}: connection refused (rejected: no endpoints)"
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


def backends(cluster: ClusterLike, service: str, port: int | str | None = None,
             namespace: str = "default") -> list[Backend]:
    """Every endpoint of the Service's EndpointSlices for one Service port, conditions included.

    `port` is the Service port (number or name); None takes the Service's first port (or none).
    """
    svc = _service(cluster, service, namespace)
    if svc is None:
        return []
    port_name = _service_port_name(svc, port)
    out: list[Backend] = []
    slices = cluster.get("EndpointSlice", namespace=namespace, label_selector=f"{SERVICE_NAME_LABEL}={service}")
    for eps in slices:
        slice_port = None
        if port_name is not None:
            matching = [p for p in (eps.get("ports") or []) if (p.get("name") or "") == port_name]
            if not matching:
                continue  # this slice has no endpoints for that Service port
            slice_port = matching[0].get("port")
        for ep in eps.get("endpoints") or []:
            cond = ep.get("conditions") or {}
            ready = cond.get("ready") is not False           # unset counts as ready (API doc)
            serving = cond.get("serving", ready) is not False
            terminating = bool(cond.get("terminating", False))
            pod = (ep.get("targetRef") or {}).get("name")
            for ip in ep.get("addresses") or []:
                out.append(Backend(ip, slice_port, pod, ready, serving, terminating))
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
    """kube-proxy's choice set: ready endpoints, else serving-and-terminating ones (KEP-1669)."""
    ready = [b for b in candidates if b.ready]
    if ready:
        return ready
    return [b for b in candidates if b.serving and b.terminating]


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
    everyone = backends(cluster, svc_name, None, ns)
    publish = bool(spec.get("publishNotReadyAddresses"))
    records = tuple(dict.fromkeys(b.ip for b in everyone if publish or b.ready))
    return DnsAnswer(name, fqdn, records, "headless", "NOERROR" if records else "NXDOMAIN")


def connect(cluster: ClusterLike, service: str, port: int | str | None = None, namespace: str = "default",
            rng: random.Random | int | None = 0) -> Connection:
    """Open one connection to a Service port the way a Pod in the cluster would.

    `rng` seeds kube-proxy's random choice (a Random, or an int seed) so results are reproducible.
    """
    rng = rng if isinstance(rng, random.Random) else random.Random(rng)
    answer = resolve(cluster, service, namespace)
    svc_name, ns = _split_name(service, namespace)
    if answer.rcode != "NOERROR":
        return Connection(svc_name, answer.fqdn, "no such host")
    svc = _service(cluster, svc_name, ns)
    assert svc is not None
    svc_ports = svc.get("spec", {}).get("ports") or []
    number = next((p["port"] for p in svc_ports if port in (None, p.get("port"), p.get("name"))), port)
    candidates = backends(cluster, svc_name, port, ns)
    if answer.service_type == "headless":
        # no ClusterIP, no kube-proxy rule, no port translation: the client dials the Pod at the
        # endpoint's port (the one the SRV record `_<port>._tcp.<service>` announces)
        ip = answer.records[0]
        chosen = next((b for b in candidates if b.ip == ip), Backend(ip, number, None, True, True, False))
        port_number = chosen.port if chosen.port is not None else number
        return Connection(svc_name, _join_host_port(ip, port_number if isinstance(port_number, int) else None),
                          "connected", chosen, tuple(candidates))
    dialed = _join_host_port(answer.records[0], number if isinstance(number, int) else None)
    usable = usable_backends(candidates)
    if not usable:
        return Connection(svc_name, dialed, "rejected: no endpoints", None, tuple(candidates))
    return Connection(svc_name, dialed, "connected", rng.choice(usable), tuple(candidates))


def describe(outcome: Any) -> str:
    """One line for a DnsAnswer or a Connection (or "" for None)."""
    return "" if outcome is None else outcome.text()
