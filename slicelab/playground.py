"""A playground any front end can drive: one Service and its Pods on a real Cluster, changed event by event.

Every event (add, remove or scale Pods, flip readiness, start or finish termination, change the selector
or targetPort, set maxEndpointsPerSlice, dual-stack on/off, trafficDistribution) is applied through
`Cluster.apply` / `Cluster.delete`, so the controllers do the work; the Lab only builds manifests and
records an `Event`: what was done, what the controllers wrote, the Service's slices after it and,
when asked for, what a client sees (the DNS answer and one connection's outcome).

A notebook cell, a widget (slicelab.widgets.playground), a test or a terminal drive the same methods;
`str(event)` is the text view, `event._repr_html_()` the HTML one (slicelab.views.events draws both).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any, Mapping

from slicelab import network
from slicelab.podtemplate import PodTemplate
from slicelab.selectors import parse_selector

__all__ = ["Lab", "Event", "count_writes", "service_selector", "parse_target_port", "selector_text",
           "FAMILIES", "TRAFFIC_DISTRIBUTIONS"]

FAMILIES = ("IPv4", "IPv6")
# spec.trafficDistribution values (KEP-3015); PreferClose is the deprecated alias of PreferSameZone
TRAFFIC_DISTRIBUTIONS = ("PreferSameZone", "PreferSameNode", "PreferClose")
ZONE_LABEL = "topology.kubernetes.io/zone"


@dataclass(frozen=True)
class Event:
    """One thing that happened in the playground, what the controllers wrote because of it, and the
    state after it: the Service's slices, kubectl's output and (if the Lab watches a client) its view."""

    title: str
    writes: tuple[dict, ...]
    slices: tuple[dict, ...]
    kubectl: str
    max_endpoints_per_slice: int
    service: str = ""
    note: str = ""
    dns: network.DnsAnswer | None = None
    connection: network.Connection | None = None

    @property
    def sizes(self) -> list[int]:
        """Endpoints per slice after the event, largest first."""
        return sorted((len(s.get("endpoints") or []) for s in self.slices), reverse=True)

    def diagram(self):
        from slicelab.views.packing import draw_packing
        return draw_packing(self.slices, self.max_endpoints_per_slice, self.writes, self.service)

    def writes_text(self) -> str:
        from slicelab.views.events import render_writes
        return render_writes(self.writes)

    def text(self) -> str:
        from slicelab.views.events import render_event_text
        return render_event_text(self)

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        from slicelab.views.events import render_event_html
        return render_event_html(self)


def count_writes(writes, kind: str = "EndpointSlice") -> dict[str, int]:
    """{'create': n, 'update': n, 'delete': n} for the writes (Cluster write records) of one kind."""
    counts = {"create": 0, "update": 0, "delete": 0}
    for write in writes:
        verb = str(write.get("verb", "")).lower()
        if write.get("kind") == kind and verb in counts:
            counts[verb] += 1
    return counts


def service_selector(text: str | Mapping[str, str] | None) -> dict[str, str]:
    """A Service's `spec.selector` from 'app=web, tier=front' (parsed by slicelab.selectors).

    A Service selector is an equality-only map, so `!=`, `in`, `notin` and bare keys are refused. An
    empty text gives {} — which the API stores as *no* selector (the field is `omitempty`).
    """
    if isinstance(text, Mapping):
        return {str(k): str(v) for k, v in text.items()}
    selector: dict[str, str] = {}
    for requirement in parse_selector(text):
        clause = f"{requirement.key} {requirement.op} {','.join(requirement.values)}".strip()
        if requirement.op != "=":
            raise ValueError(f"selector: {clause!r} is not key=value (a Service selector is equality-only)")
        if requirement.key in selector:
            raise ValueError(f"selector: {requirement.key!r} is given twice (a selector is a map)")
        selector[requirement.key] = requirement.values[0]
    return selector


def selector_text(selector: Mapping[str, str] | None) -> str:
    """'app=web,tier=front', or what an absent selector means."""
    if not selector:
        return "none (no selector: no controller manages its endpoints)"
    return ",".join(f"{k}={v}" for k, v in selector.items())


def parse_target_port(text: Any) -> int | str:
    """'8080' -> 8080, 'http' -> 'http' (a named port)."""
    value = str(text).strip()
    if not value:
        raise ValueError("targetPort: give a number (8080) or a container port name (http)")
    return int(value) if value.isdigit() else value


class Lab:
    """The playground's model: a Cluster, one Service, Pods made from a template, and the event log.

    `zones` puts `nodes_per_zone` Nodes in each zone and spreads Pods over the Nodes; `client=True`
    records after every event what a client Pod sees: DNS and one connection (from `client_node`).
    """

    def __init__(self, cluster=None, service: str = "web", namespace: str = "default", replicas: int = 3,
                 max_endpoints_per_slice: int | None = None, target_port: int | str = "http",
                 dual_stack: bool = False, zones: tuple[str, ...] = (), kubectl: str = "get endpointslices",
                 labels: Mapping[str, str] | None = None, headless: bool = False, client: bool = False,
                 nodes_per_zone: int = 1, client_node: str | None = None):
        from slicelab.cluster import Cluster
        if cluster is None:
            cluster = Cluster(max_endpoints_per_slice=max_endpoints_per_slice or 100)
        elif max_endpoints_per_slice is not None:
            raise ValueError("max_endpoints_per_slice: set it on the Cluster you pass in, not on the Lab")
        if nodes_per_zone < 1:
            raise ValueError(f"nodes_per_zone must be at least 1, not {nodes_per_zone}")
        self.cluster = cluster
        self.service = service
        self.namespace = namespace
        self.kubectl_command = kubectl
        self.labels = service_selector(labels or {"app": service})
        self.zones = tuple(zones)
        self.watch_client = bool(client)
        self.events: list[Event] = []
        self._nodes = [(f"node-{i + 1}", self.zones[i % len(self.zones)])
                       for i in range(len(self.zones) * nodes_per_zone)] if self.zones else []
        self.template = PodTemplate(service, namespace, self.labels, bool(dual_stack), [n for n, _ in self._nodes])
        self.client_node = None
        if self._nodes:
            self._apply([self._node(name, zone) for name, zone in self._nodes])
        if client_node is not None:
            self.client_node = self._require_node(client_node)
        if not cluster.get("Service", namespace=namespace, name=service):
            self._record(f"create Service {service} (selector {selector_text(self.labels)})",
                         self._apply([self._service_manifest(target_port, headless)]))
        if replicas:
            self.add_pods(replicas)
        if not self.events:
            self._record(f"start from Service {service} as it is", [])

    # ------------------------------------------------------------------ state
    @property
    def max_endpoints_per_slice(self) -> int:
        return int(getattr(self.cluster, "max_endpoints_per_slice", 100))

    @property
    def dual_stack(self) -> bool:
        """Whether new Pods get an IPv6 address besides the IPv4 one (set_dual_stack changes it)."""
        return self.template.dual_stack

    @property
    def selector(self) -> dict[str, str] | None:
        """The Service's `spec.selector` now (None when it has none)."""
        return self.service_manifest()["spec"].get("selector") or None

    @property
    def target_port(self) -> int | str:
        """The targetPort of the Service's first port (its port number when unset)."""
        first = self.service_manifest()["spec"]["ports"][0]
        return first.get("targetPort", first["port"])

    @property
    def traffic_distribution(self) -> str | None:
        return self.service_manifest()["spec"].get("trafficDistribution")

    @property
    def last(self) -> Event | None:
        return self.events[-1] if self.events else None

    def service_manifest(self) -> dict:
        return self.cluster.get("Service", namespace=self.namespace, name=self.service)[0]

    def nodes(self) -> list[tuple[str, str]]:
        """(node name, zone) of the Lab's Nodes, in name order."""
        return list(self._nodes)

    def pods(self) -> list[dict]:
        """The playground's Pods (those carrying the template labels), oldest first."""
        pods = [p for p in self.cluster.get("Pod", namespace=self.namespace)
                if all((p["metadata"].get("labels") or {}).get(k) == v for k, v in self.labels.items())]
        return sorted(pods, key=lambda p: (len(p["metadata"]["name"]), p["metadata"]["name"]))

    def pod_names(self) -> list[str]:
        return [p["metadata"]["name"] for p in self.pods()]

    def namespace_pod_names(self) -> list[str]:
        """Every Pod of the namespace, whatever its labels (what a selector can choose from)."""
        names = [p["metadata"]["name"] for p in self.cluster.get("Pod", namespace=self.namespace)]
        return sorted(names, key=lambda n: (len(n), n))

    def slices(self) -> list[dict]:
        return self.cluster.get("EndpointSlice", namespace=self.namespace,
                                label_selector=f"kubernetes.io/service-name={self.service}")

    def first_pods(self) -> list[str]:
        """One Pod from each slice (the first endpoint of each), e.g. to change every slice at once."""
        return [(s.get("endpoints") or [{}])[0].get("targetRef", {}).get("name")
                for s in self.slices() if s.get("endpoints")]

    # ------------------------------------------------------------------ events: Pods
    def add_pods(self, count: int = 1, ready: bool = True, labels: Mapping[str, str] | None = None,
                 ports: Mapping[str, int] | None = None, prefix: str | None = None) -> Event:
        """Start `count` new Pods (Running; Ready or not). `labels` replace the template's labels,
        `ports` override container port numbers by name (e.g. {"http": 8081}), `prefix` names them."""
        if count < 1:
            raise ValueError(f"count must be at least 1, not {count}")
        taken = self._taken()
        manifests = [self.template.manifest(ready, labels, ports, prefix, taken) for _ in range(count)]
        names = [m["metadata"]["name"] for m in manifests]
        names = ", ".join(names) if len(names) <= 4 else f"{names[0]} … {names[-1]}"
        return self._record(f"add {count} Pod{'s' if count > 1 else ''} ({names})", self._apply(manifests))

    def remove_pod(self, name: str | None = None) -> Event:
        """Delete a Pod object outright (the newest when no name is given)."""
        name = name or self._newest()
        self._require(name)
        return self._record(f"remove Pod {name}", self.cluster.delete("Pod", name, self.namespace) or [])

    def scale(self, replicas: int) -> Event:
        """Add or remove Pods (newest first) in one transaction until there are `replicas`."""
        if replicas < 0:
            raise ValueError(f"replicas must not be negative, not {replicas}")
        current = self.pod_names()
        if replicas > len(current):
            event = self.add_pods(replicas - len(current))
            self.events[-1] = replace(event, title=f"scale {len(current)} → {replicas}")
            return self.events[-1]
        writes: list[dict] = []
        for name in reversed(current[replicas:]):
            writes += self.cluster.delete("Pod", name, self.namespace) or []
        return self._record(f"scale {len(current)} → {replicas}", writes)

    def set_ready(self, name: str, ready: bool) -> Event:
        """Flip a Pod's Ready condition (what a readiness probe does)."""
        pod = _with_ready(self._require(name), ready)
        return self._record(f"Pod {name} becomes {'Ready' if ready else 'NotReady'}", self._apply([pod]))

    def flip_readiness(self, name: str) -> Event:
        pod = self._require(name)
        ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                    for c in pod["status"].get("conditions") or [])
        return self.set_ready(name, not ready)

    def start_termination(self, name: str | None = None) -> Event:
        """Begin graceful deletion: the Pod gets a deletionTimestamp and keeps running for now."""
        if name is None:
            names = self.pod_names()
            name = names[0] if names else None
        self._require(name)
        writes = self.cluster.delete("Pod", name, self.namespace, graceful=True) or []
        return self._record(f"Pod {name} starts terminating", writes)

    def finish_termination(self, name: str) -> Event:
        """The kubelet confirms the Pod stopped: the Pod object is gone."""
        self._require(name)
        return self._record(f"Pod {name} finished terminating (object removed)",
                            self.cluster.delete("Pod", name, self.namespace) or [])

    def thin_slices(self, keep: int) -> Event:
        """Remove Pods (one delete each) until no slice holds more than `keep` endpoints."""
        writes: list[dict] = []
        for item in self.slices():
            members = [(e.get("targetRef") or {}).get("name") for e in item.get("endpoints") or []]
            for name in members[keep:]:
                writes += self.cluster.delete("Pod", name, self.namespace) or []
        return self._record(f"remove Pods until each slice holds at most {keep}", writes)

    def batch(self, add: int = 0, not_ready: list[str] | tuple[str, ...] = ()) -> Event:
        """One transaction with several changes, as one controller sync sees them: the Pods named in
        `not_ready` turn NotReady and `add` new Ready Pods start."""
        manifests = [_with_ready(self._require(name), False) for name in not_ready]
        if add:
            taken = self._taken()
            manifests += [self.template.manifest(True, taken=taken) for _ in range(add)]
        if not manifests:
            raise ValueError("batch: nothing to change (give add=N or not_ready=[...])")
        parts = ([_count(len(not_ready), "Pod becomes", "Pods become") + " NotReady"] if not_ready else []) \
            + ([_count(add, "Pod starts", "Pods start")] if add else [])
        return self._record(" and ".join(parts) + " (one sync)", self._apply(manifests))

    def rolling_update(self, surge: int = 1) -> list[Event]:
        """Replace every Pod the way a Deployment does (maxSurge=`surge`, maxUnavailable=0): for each old
        Pod, start a new one (not Ready yet), mark it Ready, terminate the old one, then remove it."""
        events: list[Event] = []
        for old in self.pod_names():
            events.append(self.add_pods(surge, ready=False))
            for new in self.pod_names()[-surge:]:
                events.append(self.set_ready(new, True))
            events.append(self.start_termination(old))
            events.append(self.finish_termination(old))
        return events

    # ------------------------------------------------------------------ events: the Service
    def set_selector(self, selector: str | Mapping[str, str] | None) -> Event:
        """Replace the Service's selector. Empty (or None) removes it: the API stores `selector: {}` as
        no selector, and then no controller manages the Service's endpoints."""
        selector = service_selector(selector)
        svc = self.service_manifest()
        if selector:
            svc["spec"]["selector"] = selector
        else:
            svc["spec"].pop("selector", None)
        return self._record(f"Service selector → {selector_text(selector)}", self._apply([svc]))

    def set_target_port(self, target_port: int | str) -> Event:
        """Point the Service's first port at another container port (number or name)."""
        target_port = parse_target_port(target_port)
        svc = self.service_manifest()
        svc["spec"]["ports"][0]["targetPort"] = target_port
        return self._record(f"targetPort → {target_port!r}", self._apply([svc]))

    def set_max_endpoints_per_slice(self, value: int) -> Event:
        """Restart the EndpointSlice controller with another --max-endpoints-per-slice (1..1000)."""
        if not 1 <= int(value) <= 1000:
            raise ValueError(f"maxEndpointsPerSlice must be 1..1000 (the controller flag's range), not {value}")
        self.cluster.max_endpoints_per_slice = int(value)  # the controller reads it on every sync
        return self._record(f"maxEndpointsPerSlice → {value}", [],
                            "Existing slices are kept as they are: the new limit applies to the next writes.")

    def set_dual_stack(self, on: bool) -> Event:
        """Ask for IPv4+IPv6 (PreferDualStack) or IPv4 only; new Pods get addresses of each family."""
        self.template.dual_stack = bool(on)
        svc = self.service_manifest()
        spec = svc["spec"]
        if on:
            spec["ipFamilyPolicy"] = "PreferDualStack"
            spec["ipFamilies"] = list(FAMILIES)
        else:
            spec["ipFamilyPolicy"] = "SingleStack"
            spec["ipFamilies"] = ["IPv4"]
            if spec.get("clusterIPs"):
                spec["clusterIPs"] = spec["clusterIPs"][:1]
        note = ("Pods keep the IPs they started with: only Pods started from now on have an IPv6 address."
                if on else "")
        return self._record(f"dual-stack {'on' if on else 'off'}", self._apply([svc]), note)

    def set_publish_not_ready_addresses(self, on: bool) -> Event:
        """Set `spec.publishNotReadyAddresses`: every eligible Pod counts as ready (StatefulSet peers)."""
        svc = self.service_manifest()
        svc["spec"]["publishNotReadyAddresses"] = bool(on)
        return self._record(f"publishNotReadyAddresses → {str(bool(on)).lower()}", self._apply([svc]))

    def set_traffic_distribution(self, value: str | None) -> Event:
        """Set `spec.trafficDistribution` (PreferSameZone, PreferSameNode, or the deprecated alias
        PreferClose) or remove it with None / ''."""
        svc = self.service_manifest()
        if value:
            svc["spec"]["trafficDistribution"] = value
        else:
            svc["spec"].pop("trafficDistribution", None)
        note = "PreferClose is the deprecated name of PreferSameZone." if value == "PreferClose" else ""
        return self._record(f"trafficDistribution → {value or 'unset'}", self._apply([svc]), note)

    def set_client_node(self, node: str | None) -> Event:
        """Move the client Pod to another Node (None: a client anywhere): what its kube-proxy uses."""
        self.client_node = self._require_node(node) if node else None
        return self._record(f"client on {self.client_node or 'any node'}", [])

    # ------------------------------------------------------------------ internals
    def _apply(self, manifests: list[dict]) -> list[dict]:
        return list(self.cluster.apply(manifests) or [])

    def _record(self, title: str, writes, note: str = "") -> Event:
        kubectl = self.cluster.kubectl(self.kubectl_command) if self.kubectl_command else ""
        dns = connection = None
        if self.watch_client:
            dns, connection = self._client_view()
        event = Event(title, tuple(writes), tuple(self.slices()), kubectl, self.max_endpoints_per_slice,
                      self.service, note, dns, connection)
        self.events.append(event)
        return event

    def _client_view(self) -> tuple[network.DnsAnswer, network.Connection]:
        """What a client Pod sees now: the DNS answer for the Service and one connection's outcome."""
        dns = network.resolve(self.cluster, self.service, self.namespace)
        options: dict[str, Any] = {"client_node": self.client_node} if self.client_node else {}
        connection = network.connect(self.cluster, self.service, namespace=self.namespace,
                                     rng=len(self.events), **options)
        return dns, connection

    def _taken(self) -> set[str]:
        """Pod names of this namespace and Pod IPs of the whole cluster: new Pods must avoid both."""
        pods = self.cluster.get("Pod", namespace=None)
        return ({p["metadata"]["name"] for p in pods if p["metadata"].get("namespace") == self.namespace}
                | {i.get("ip") for p in pods for i in (p.get("status") or {}).get("podIPs") or []})

    def _require(self, name: str | None) -> dict:
        found = self.cluster.get("Pod", namespace=self.namespace, name=name) if name else []
        if not found:
            raise ValueError(f"pod: no Pod named {name!r} in namespace {self.namespace!r} "
                             f"(Pods: {', '.join(self.pod_names()) or 'none'})")
        return copy.deepcopy(found[0])

    def _require_node(self, name: str) -> str:
        if name not in {n for n, _ in self._nodes}:
            known = ", ".join(n for n, _ in self._nodes) or "none (give the Lab zones)"
            raise ValueError(f"node: no Node named {name!r} (Nodes: {known})")
        return name

    def _newest(self) -> str:
        names = self.pod_names()
        if not names:
            raise ValueError("pod: there is no Pod to remove")
        return names[-1]

    def _service_manifest(self, target_port: int | str, headless: bool) -> dict:
        spec: dict[str, Any] = {"selector": dict(self.labels),
                                "ports": [{"name": "http", "port": 80, "targetPort": target_port,
                                           "protocol": "TCP"}]}
        if self.template.dual_stack:
            spec.update(ipFamilyPolicy="PreferDualStack", ipFamilies=list(FAMILIES))
        if headless:
            spec["clusterIP"] = "None"
        return {"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": self.service, "namespace": self.namespace}, "spec": spec}

    @staticmethod
    def _node(name: str, zone: str) -> dict:
        return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {ZONE_LABEL: zone}},
                "status": {"allocatable": {"cpu": "4"}, "conditions": [{"type": "Ready", "status": "True"}]}}


def _with_ready(pod: dict, ready: bool) -> dict:
    """The Pod (a copy the caller owns) with its Ready condition set."""
    pod["status"]["conditions"] = [c for c in pod["status"].get("conditions") or [] if c.get("type") != "Ready"]
    pod["status"]["conditions"].append({"type": "Ready", "status": "True" if ready else "False"})
    return pod


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
