"""Playground: poke a Service and its Pods and watch the EndpointSlices change, event by event.

Every event (add, remove or scale Pods, flip readiness, start or finish termination, change the selector
or targetPort, set maxEndpointsPerSlice, dual-stack on/off) is applied to a real slicelab Cluster through
`Cluster.apply` / `Cluster.delete`, so the controllers do the work; the playground only builds manifests
and asks views to draw the result: the packing diagram, the writes of the event and kubectl output.

The methods are the same whether a button calls them or a notebook cell does, so a lesson can step an
example in cells and a test can drive the buttons with `button.click()`.
"""
from __future__ import annotations

import copy
import html
from dataclasses import dataclass
from typing import Any, Mapping

import ipywidgets as widgets

from slicelab.views.packing import describe_packing, draw_packing, slice_sizes, write_fields

FAMILIES = ("IPv4", "IPv6")


@dataclass(frozen=True)
class Event:
    """One thing that happened in the playground and what the controllers wrote because of it."""

    title: str
    writes: tuple[dict, ...]
    slices: tuple[dict, ...]
    kubectl: str
    max_endpoints_per_slice: int
    service: str = ""
    note: str = ""

    @property
    def sizes(self) -> list[int]:
        """Endpoints per slice after the event, largest first."""
        return slice_sizes(self.slices)

    def diagram(self):
        return draw_packing(self.slices, self.max_endpoints_per_slice, self.writes, self.service)

    def writes_text(self) -> str:
        return render_writes(self.writes)

    def text(self) -> str:
        parts = [f"Event: {self.title}", self.writes_text(),
                 describe_packing(self.slices, self.max_endpoints_per_slice, self.writes, self.service)]
        if self.note:
            parts.insert(1, f"Note: {self.note}")
        if self.kubectl:
            parts.append(self.kubectl.rstrip())
        return "\n".join(parts)

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        note = f"<p><i>{html.escape(self.note)}</i></p>" if self.note else ""
        return (f"<div class='slicelab-event'><b>Event:</b> {html.escape(self.title)}{note}"
                f"{self.diagram()._repr_html_()}<pre>{html.escape(self.writes_text())}</pre>"
                f"<pre>{html.escape(self.kubectl)}</pre></div>")


def render_writes(writes) -> str:
    """The controller writes of one event, one per line, with a count first."""
    writes = list(writes)
    if not writes:
        return "Writes: none (nothing the controllers own had to change)"
    lines = [f"Writes: {len(writes)}"]
    for write in writes:
        verb, kind, name = write_fields(write)
        actor = write.get("controller") or write.get("actor") if isinstance(write, Mapping) else None
        lines.append(f"  {verb.upper():<7} {kind}/{name}" + (f"   (by {actor})" if actor else ""))
    return "\n".join(lines)


def event_table(events) -> str:
    """One line per event: what happened, the EndpointSlice writes it caused, the slice sizes after it."""
    rows = [("#", "event", "slice writes (create/update/delete)", "Endpoints writes", "slice sizes")]
    for number, event in enumerate(events, 1):
        c = count_writes(event.writes)
        e = sum(count_writes(event.writes, "Endpoints").values())
        rows.append((str(number), event.title, f"{c['create']}/{c['update']}/{c['delete']}", str(e),
                     "/".join(map(str, event.sizes)) or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows)


def count_writes(writes, kind: str = "EndpointSlice") -> dict[str, int]:
    """{'create': n, 'update': n, 'delete': n} for the writes of one kind."""
    counts = {"create": 0, "update": 0, "delete": 0}
    for write in writes:
        verb, k, _ = write_fields(write)
        if k == kind and verb in counts:
            counts[verb] += 1
    return counts


def parse_selector(text: str | None) -> dict[str, str] | None:
    """'app=web, tier=front' -> dict; '' -> {} (selects every Pod); None or 'none' -> no selector."""
    if text is None or text.strip().lower() in ("none", "null", "<none>"):
        return None
    selector: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or "!" in key:
            raise ValueError(f"selector: {part!r} is not key=value (a Service selector is equality-only)")
        selector[key.strip()] = value.strip()
    return selector


def parse_target_port(text: Any) -> int | str:
    """'8080' -> 8080, 'http' -> 'http' (a named port)."""
    value = str(text).strip()
    if not value:
        raise ValueError("targetPort: give a number (8080) or a container port name (http)")
    return int(value) if value.isdigit() else value


class Lab:
    """The playground's model: a Cluster, one Service, Pods made from a template, and the event log."""

    def __init__(self, cluster=None, service: str = "web", namespace: str = "default", replicas: int = 3,
                 max_endpoints_per_slice: int | None = None, target_port: int | str = "http",
                 dual_stack: bool = False, zones: tuple[str, ...] = (), kubectl: str = "get endpointslices",
                 labels: Mapping[str, str] | None = None, headless: bool = False):
        from slicelab.cluster import Cluster
        if cluster is None:
            cluster = Cluster(max_endpoints_per_slice=max_endpoints_per_slice or 100)
        elif max_endpoints_per_slice is not None:
            raise ValueError("max_endpoints_per_slice: set it on the Cluster you pass in, not on the Lab")
        self.cluster = cluster
        self.service = service
        self.namespace = namespace
        self.kubectl_command = kubectl
        self.labels = dict(labels or {"app": service})
        self.zones = tuple(zones)
        self.events: list[Event] = []
        self._next_ip = 1
        self._next_pod = 1
        self._dual_stack = dual_stack
        self._headless = headless
        if self.zones:
            self._apply([self._node(i, z) for i, z in enumerate(self.zones)])
        if not cluster.get("Service", namespace=namespace, name=service):
            self._record(f"create Service {service} (selector {_selector_text(self.labels)})",
                         self._apply([self._service_manifest(target_port)]))
        if replicas:
            self.add_pods(replicas)
        if not self.events:
            self._record(f"start from Service {service} as it is", [])

    # ------------------------------------------------------------------ state
    @property
    def max_endpoints_per_slice(self) -> int:
        return int(getattr(self.cluster, "max_endpoints_per_slice", 100))

    def service_manifest(self) -> dict:
        return self.cluster.get("Service", namespace=self.namespace, name=self.service)[0]

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

    @property
    def last(self) -> Event | None:
        return self.events[-1] if self.events else None

    # ------------------------------------------------------------------ events
    def add_pods(self, count: int = 1, ready: bool = True, labels: Mapping[str, str] | None = None,
                 ports: Mapping[str, int] | None = None, prefix: str | None = None) -> Event:
        """Start `count` new Pods (Running; Ready or not). `labels` replace the template's labels,
        `ports` override container port numbers by name (e.g. {"http": 8081}), `prefix` names them."""
        if count < 1:
            raise ValueError(f"count must be at least 1, not {count}")
        taken = self._taken()
        manifests = [self._pod_manifest(ready, labels, ports, prefix, taken) for _ in range(count)]
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
            self.events[-1] = _retitle(event, f"scale {len(current)} → {replicas}")
            return self.events[-1]
        writes: list[dict] = []
        for name in reversed(current[replicas:]):
            writes += self.cluster.delete("Pod", name, self.namespace) or []
        return self._record(f"scale {len(current)} → {replicas}", writes)

    def set_ready(self, name: str, ready: bool) -> Event:
        """Flip a Pod's Ready condition (what a readiness probe does)."""
        pod = self._require(name)
        pod["status"]["conditions"] = [c for c in pod["status"].get("conditions") or [] if c.get("type") != "Ready"]
        pod["status"]["conditions"].append({"type": "Ready", "status": "True" if ready else "False"})
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

    def set_selector(self, selector: str | Mapping[str, str] | None) -> Event:
        """Replace the Service's selector; '' selects every Pod, None removes the selector."""
        if isinstance(selector, str) or selector is None:
            selector = parse_selector(selector)
        svc = self.service_manifest()
        if selector is None:
            svc["spec"].pop("selector", None)
        else:
            svc["spec"]["selector"] = dict(selector)
        return self._record(f"Service selector → {_selector_text(selector)}", self._apply([svc]))

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
        self._dual_stack = bool(on)
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
        """Set `spec.trafficDistribution` (e.g. PreferClose) or remove it with None."""
        svc = self.service_manifest()
        if value:
            svc["spec"]["trafficDistribution"] = value
        else:
            svc["spec"].pop("trafficDistribution", None)
        return self._record(f"trafficDistribution → {value or 'unset'}", self._apply([svc]))

    def thin_slices(self, keep: int) -> Event:
        """Remove Pods (one delete each) until no slice holds more than `keep` endpoints."""
        writes: list[dict] = []
        for item in self.slices():
            members = [(e.get("targetRef") or {}).get("name") for e in item.get("endpoints") or []]
            for name in members[keep:]:
                writes += self.cluster.delete("Pod", name, self.namespace) or []
        return self._record(f"remove Pods until each slice holds at most {keep}", writes)

    def first_pods(self) -> list[str]:
        """One Pod from each slice (the first endpoint of each), e.g. to change every slice at once."""
        return [(s.get("endpoints") or [{}])[0].get("targetRef", {}).get("name")
                for s in self.slices() if s.get("endpoints")]

    def batch(self, add: int = 0, not_ready: list[str] | tuple[str, ...] = ()) -> Event:
        """One transaction with several changes, as one controller sync sees them: the Pods named in
        `not_ready` turn NotReady and `add` new Ready Pods start."""
        manifests = []
        for name in not_ready:
            pod = self._require(name)
            pod["status"]["conditions"] = [c for c in pod["status"].get("conditions") or []
                                           if c.get("type") != "Ready"] + [{"type": "Ready", "status": "False"}]
            manifests.append(pod)
        if add:
            taken = self._taken()
            manifests += [self._pod_manifest(True, taken=taken) for _ in range(add)]
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

    # ------------------------------------------------------------------ internals
    def _apply(self, manifests: list[dict]) -> list[dict]:
        return list(self.cluster.apply(manifests) or [])

    def _record(self, title: str, writes, note: str = "") -> Event:
        kubectl = self.cluster.kubectl(self.kubectl_command) if self.kubectl_command else ""
        event = Event(title, tuple(writes), tuple(self.slices()), kubectl, self.max_endpoints_per_slice,
                      self.service, note)
        self.events.append(event)
        return event

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

    def _newest(self) -> str:
        names = self.pod_names()
        if not names:
            raise ValueError("pod: there is no Pod to remove")
        return names[-1]

    def _service_manifest(self, target_port: int | str) -> dict:
        spec: dict[str, Any] = {"selector": dict(self.labels),
                                "ports": [{"name": "http", "port": 80, "targetPort": target_port,
                                           "protocol": "TCP"}]}
        if self._dual_stack:
            spec.update(ipFamilyPolicy="PreferDualStack", ipFamilies=list(FAMILIES))
        if self._headless:
            spec["clusterIP"] = "None"
        return {"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": self.service, "namespace": self.namespace}, "spec": spec}

    def _node(self, index: int, zone: str) -> dict:
        return {"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": f"node-{index + 1}", "labels": {"topology.kubernetes.io/zone": zone}},
                "status": {"allocatable": {"cpu": "4"}, "conditions": [{"type": "Ready", "status": "True"}]}}

    def _pod_manifest(self, ready: bool, labels: Mapping[str, str] | None = None,
                      ports: Mapping[str, int] | None = None, prefix: str | None = None,
                      taken: set | None = None) -> dict:
        taken = set() if taken is None else taken  # names and IPs in use; new ones are added to it
        while f"{prefix or self.service}-{self._next_pod}" in taken:
            self._next_pod += 1
        while _ipv4(self._next_ip) in taken:
            self._next_ip += 1
        number, ip = self._next_pod, self._next_ip
        self._next_pod += 1
        self._next_ip += 1
        ips = [_ipv4(ip)]
        if self._dual_stack:
            ips.append(f"fd00::{ip:x}")
        taken.update(ips + [f"{prefix or self.service}-{number}"])
        numbers = {"http": 8080, "metrics": 9090, **(ports or {})}
        spec: dict[str, Any] = {"containers": [{"name": "web", "image": "nginx", "ports": [
            {"name": name, "containerPort": port} for name, port in numbers.items()]}]}
        if self.zones:
            spec["nodeName"] = f"node-{(number - 1) % len(self.zones) + 1}"
        return {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": f"{prefix or self.service}-{number}", "namespace": self.namespace,
                             "labels": dict(self.labels if labels is None else labels)},
                "spec": spec,
                "status": {"phase": "Running", "podIP": ips[0], "podIPs": [{"ip": i} for i in ips],
                           "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _ipv4(n: int) -> str:
    """The n-th Pod IP (n >= 1): 10.0.0.1 … 10.0.0.250, 10.0.1.1, …"""
    return f"10.0.{(n - 1) // 250}.{(n - 1) % 250 + 1}"


def _retitle(event: Event, title: str) -> Event:
    return Event(title, event.writes, event.slices, event.kubectl, event.max_endpoints_per_slice,
                 event.service, event.note)


def _selector_text(selector: Mapping[str, str] | None) -> str:
    if selector is None:
        return "none (no selector)"
    return ",".join(f"{k}={v}" for k, v in selector.items()) or "{} (every Pod in the namespace)"


class Playground(widgets.VBox):
    """The widget: controls for every Lab event, then the packing diagram, the writes and kubectl output."""

    def __init__(self, cluster=None, service: str = "web", **options: Any) -> None:
        self.lab = Lab(cluster, service, **options)
        lab = self.lab
        self.pod = widgets.Dropdown(description="Pod", options=lab.namespace_pod_names(),
                                    layout={"width": "14em"})
        self.add_button = widgets.Button(description="Add Pod", icon="plus")
        self.new_labels = widgets.Text(value=_selector_text(lab.labels), description="labels",
                                       tooltip="labels of the next Pod, key=value,key=value",
                                       layout={"width": "16em"})
        self.remove_button = widgets.Button(description="Remove Pod", icon="minus")
        self.ready_button = widgets.Button(description="Flip readiness", icon="heartbeat")
        self.terminate_button = widgets.Button(description="Start termination", icon="power-off")
        self.finish_button = widgets.Button(description="Finish termination", icon="trash")
        self.replicas = widgets.BoundedIntText(value=len(lab.pod_names()), min=0, max=1000,
                                               description="Replicas", layout={"width": "11em"})
        self.scale_button = widgets.Button(description="Scale")
        self.selector = widgets.Text(value=_selector_text(lab.service_manifest()["spec"].get("selector")),
                                     description="Selector", layout={"width": "20em"})
        self.selector_button = widgets.Button(description="Set selector")
        first_port = lab.service_manifest()["spec"]["ports"][0]
        self.target_port = widgets.Text(value=str(first_port.get("targetPort", first_port["port"])),
                                        description="targetPort", layout={"width": "14em"})
        self.target_button = widgets.Button(description="Set targetPort")
        self.max_per_slice = widgets.BoundedIntText(value=lab.max_endpoints_per_slice, min=1, max=1000,
                                                    description="max/slice", layout={"width": "11em"})
        self.max_button = widgets.Button(description="Set max")
        self.dual_stack = widgets.Checkbox(value=lab._dual_stack, description="dual-stack (IPv4 + IPv6)")
        self.status = widgets.HTML()
        self.diagram = widgets.HTML()
        self.writes = widgets.HTML()
        self.kubectl = widgets.HTML()
        actions = {
            self.add_button: lambda: lab.add_pods(1, labels=self._new_pod_labels()),
            self.remove_button: lambda: lab.remove_pod(self.pod.value),
            self.ready_button: lambda: lab.flip_readiness(self.pod.value),
            self.terminate_button: lambda: lab.start_termination(self.pod.value),
            self.finish_button: lambda: lab.finish_termination(self.pod.value),
            self.scale_button: lambda: lab.scale(self.replicas.value),
            self.selector_button: lambda: lab.set_selector(self.selector.value),
            self.target_button: lambda: lab.set_target_port(self.target_port.value),
            self.max_button: lambda: lab.set_max_endpoints_per_slice(self.max_per_slice.value),
        }
        for button, action in actions.items():
            button.layout.width = "auto"  # labels are read, not clipped
            button.on_click(lambda _, act=action: self.run(act))
        self.dual_stack.observe(lambda change: self.run(lambda: lab.set_dual_stack(change["new"])), names="value")
        controls = widgets.VBox([
            widgets.HBox([self.add_button, self.new_labels, self.replicas, self.scale_button]),
            widgets.HBox([self.pod, self.ready_button, self.terminate_button, self.finish_button,
                          self.remove_button]),
            widgets.HBox([self.selector, self.selector_button, self.target_port, self.target_button]),
            widgets.HBox([self.max_per_slice, self.max_button, self.dual_stack]),
        ])
        super().__init__([controls, self.status, self.diagram, self.writes, self.kubectl])
        self.add_class("slicelab-playground")
        self.refresh()

    def _new_pod_labels(self) -> dict[str, str]:
        labels = parse_selector(self.new_labels.value)
        if not labels:
            raise ValueError("labels: give the new Pod at least one key=value label")
        return labels

    def run(self, action) -> Event | None:
        """Apply one event; a bad input shows one clear line instead of a traceback."""
        try:
            event = action()
        except ValueError as error:  # ManifestError is a ValueError too
            self.status.value = f"<b>Not applied:</b> {html.escape(str(error))}"
            return None
        self.refresh()
        return event

    def refresh(self) -> None:
        lab = self.lab
        names = lab.namespace_pod_names()
        current = self.pod.value
        self.pod.options = names
        self.pod.value = current if current in names else (names[0] if names else None)
        self.replicas.value = len(lab.pod_names())
        event = lab.last
        if event is None:
            return
        self.status.value = f"<b>Event:</b> {html.escape(event.title)}" + (
            f" — <i>{html.escape(event.note)}</i>" if event.note else "")
        self.diagram.value = event.diagram()._repr_html_()
        self.writes.value = f"<pre>{html.escape(event.writes_text())}</pre>"
        self.kubectl.value = (f"<pre>$ kubectl {html.escape(lab.kubectl_command)}\n"
                              f"{html.escape(event.kubectl)}</pre>")

    def __repr__(self) -> str:
        return f"Playground for Service {self.lab.service}\n" + (self.lab.last.text() if self.lab.last else "")


class EventStepper(widgets.VBox):
    """Step through recorded events (e.g. a rolling update) one at a time: Previous / Next, each event
    drawn as the playground draws it — packing diagram, writes, kubectl output."""

    def __init__(self, events: list[Event]) -> None:
        if not events:
            raise ValueError("events: nothing to step through (record some events first)")
        self.events = list(events)
        self.index = 0
        self.previous_button = widgets.Button(description="Previous", icon="arrow-left")
        self.next_button = widgets.Button(description="Next", icon="arrow-right")
        self.position = widgets.HTML()
        self.view = widgets.HTML()
        self.previous_button.on_click(lambda _: self.show(self.index - 1))
        self.next_button.on_click(lambda _: self.show(self.index + 1))
        super().__init__([widgets.HBox([self.previous_button, self.next_button, self.position]), self.view])
        self.add_class("slicelab-event-stepper")
        self.show(0)

    def show(self, index: int) -> Event:
        """Show event number `index` (clamped to the recorded range) and return it."""
        self.index = max(0, min(index, len(self.events) - 1))
        event = self.events[self.index]
        self.position.value = f"Event {self.index + 1} of {len(self.events)}: <b>{html.escape(event.title)}</b>"
        self.view.value = event._repr_html_()
        self.previous_button.disabled = self.index == 0
        self.next_button.disabled = self.index == len(self.events) - 1
        return event

    def __repr__(self) -> str:
        return f"Event {self.index + 1} of {len(self.events)}\n{self.events[self.index].text()}"
