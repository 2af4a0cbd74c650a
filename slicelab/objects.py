"""Kubernetes objects as slicelab stores them: manifests in, defaulted manifests out, plus small facts.

Input is a manifest dict, a list of them, a `{"kind": "List", "items": [...]}` dict, or YAML text with
one or more documents (`load_manifests`). After validation (slicelab.validation) the Cluster applies
the API server's defaulting (`default_pod` here, the other kinds in slicelab.defaulting) and stores the
manifest in the shape `kubectl get -o json` shows. Controllers do not dig through manifests on every sync: each stored Pod,
Service and Node also has a frozen *facts* value (`PodFacts`, `ServiceFacts`, `NodeFacts`) holding only
what the controllers read, computed once when the object is stored.
"""
from __future__ import annotations

import functools
import ipaddress
import marshal
import pickle
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, NamedTuple

import yaml

from slicelab.clock import parse_time  # noqa: F401 - the one timestamp parser, re-exported
from slicelab.errors import ManifestError

API_VERSIONS = {
    "Service": "v1",
    "Pod": "v1",
    "Node": "v1",
    "Endpoints": "v1",
    "EndpointSlice": "discovery.k8s.io/v1",
}
NAMESPACED = {"Service": True, "Pod": True, "Node": False, "Endpoints": True, "EndpointSlice": True}

# The names kubectl accepts for each kind, matched without regard to case: the resource (plural) first,
# then the singular and short names, then the resource qualified by its group (and version). kubectl's
# error messages and `-o name` print the first and the qualified ones (slicelab.views.kubectl).
KIND_NAMES = {
    "Endpoints": ("endpoints", "ep", "endpoints.v1"),
    "EndpointSlice": ("endpointslices", "endpointslice", "endpointslices.discovery.k8s.io",
                      "endpointslice.discovery.k8s.io", "endpointslices.v1.discovery.k8s.io"),
    "Pod": ("pods", "pod", "po"),
    "Service": ("services", "service", "svc"),
    "Node": ("nodes", "node", "no"),
}
KIND_ALIASES = {name: kind for kind, names in KIND_NAMES.items() for name in names}

# Well-known labels and annotations (kubernetes-semantics.md, "Well-known names").
LABEL_SERVICE_NAME = "kubernetes.io/service-name"
LABEL_MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
LABEL_HEADLESS = "service.kubernetes.io/headless"
LABEL_SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror"
LABEL_ZONE = "topology.kubernetes.io/zone"
LABEL_CONTROL_PLANE = "node-role.kubernetes.io/control-plane"
MANAGER_ENDPOINTSLICE = "endpointslice-controller.k8s.io"
MANAGER_MIRRORING = "endpointslicemirroring-controller.k8s.io"
ANNOTATION_TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
ANNOTATION_OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity"
ANNOTATION_LEADER = "control-plane.alpha.kubernetes.io/leader"
ANNOTATION_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
ANNOTATION_TOPOLOGY_MODE = "service.kubernetes.io/topology-mode"
ANNOTATION_TOPOLOGY_HINTS = "service.kubernetes.io/topology-aware-hints"


def canonical_kind(kind: str) -> str:
    """`svc`, `services`, `Service` -> `Service`; raise ValueError for kinds slicelab does not model."""
    if kind in API_VERSIONS:
        return kind
    found = KIND_ALIASES.get(str(kind).lower())
    if found is None:
        raise ValueError(f"unknown kind {kind!r}: slicelab models {', '.join(API_VERSIONS)}")
    return found


def load_manifests(source: Any) -> list[dict]:
    """Turn what `Cluster.apply` accepts into a flat list of manifest dicts (not yet validated)."""
    if isinstance(source, (bytes, bytearray)):
        source = source.decode("utf-8")
    if isinstance(source, str):
        try:
            docs = [d for d in yaml.load_all(source, Loader=_ManifestLoader) if d is not None]
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise ManifestError("YAML", "input", "", f"cannot parse YAML{where}: {problem}") from None
        return _flatten(docs)
    if isinstance(source, dict):
        return _flatten([source])
    if isinstance(source, (list, tuple)):
        return _flatten(list(source))
    raise ManifestError("input", type(source).__name__, "",
                        "expected a manifest dict, a list of manifests, or YAML text")


class _ManifestLoader(yaml.SafeLoader):
    """YAML as the API server reads it: timestamps stay strings (no datetime objects)."""


_ManifestLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _flatten(docs: Iterable[Any]) -> list[dict]:
    out: list[dict] = []
    for i, doc in enumerate(docs):
        if not isinstance(doc, dict):
            raise ManifestError("document", f"#{i + 1}", "", f"expected a mapping, got {type(doc).__name__}")
        kind = doc.get("kind")
        if isinstance(kind, str) and kind.endswith("List") and "items" in doc:
            items = doc.get("items") or []
            if not isinstance(items, list):
                raise ManifestError(kind, f"#{i + 1}", "items", "must be a list")
            out.extend(_flatten(items))
        else:
            out.append(doc)
    return out


@functools.lru_cache(maxsize=256)
def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with a `Z`, seconds precision (metadata timestamps)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_time_nano(moment: datetime) -> str:
    """RFC 3339 with nanoseconds trimmed like Go's RFC3339Nano (trigger-time annotations)."""
    moment = moment.astimezone(timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += ("." + f"{moment.microsecond:06d}").rstrip("0")
    return text + "Z"


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_PLAIN_IPV4 = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}")


def is_plain_ipv4(text: str) -> bool:
    """Fast path: four decimal octets without leading zeros (already canonical)."""
    return _PLAIN_IPV4.fullmatch(text) is not None


def canonical_ip(text: str) -> str:
    """`fd08::5678:0000:0000:9abc:def0` -> `fd08::5678:0:0:9abc:def0` (what the reconciler writes)."""
    if is_plain_ipv4(text):
        return text
    return str(ipaddress.ip_address(text))


def ip_family(text: str) -> str | None:
    """`IPv4`, `IPv6`, or None when the text is not an IP address."""
    if isinstance(text, str) and is_plain_ipv4(text):
        return "IPv4"
    try:
        return "IPv4" if ipaddress.ip_address(text).version == 4 else "IPv6"
    except ValueError:
        return None


def copy_manifest(manifest: Any) -> Any:
    """A deep copy of JSON-like data.

    marshal (plain dicts, lists, strings, numbers only) is the fastest copier in the standard library
    and re-uses interned strings such as the keys, so 100,000 stored Pods do not each hold their own
    "apiVersion"; pickle's C code takes anything else (subclasses), still faster than copy.deepcopy."""
    try:
        return marshal.loads(marshal.dumps(manifest))
    except (ValueError, TypeError, RecursionError):
        pass
    try:
        return pickle.loads(pickle.dumps(manifest, pickle.HIGHEST_PROTOCOL))
    except (pickle.PicklingError, TypeError, AttributeError):
        return _copy_tree(manifest)


_SHARED_POD_SPECS: dict[bytes, dict] = {}


def copy_pod(manifest: Mapping[str, Any]) -> dict:
    """`default_pod(copy_manifest(manifest))`, with the defaulted spec shared by every Pod copied with an
    identical spec (the exact value, types and key order included).

    Pods from one template differ only in metadata and status: sharing their spec saves copying and
    defaulting it again and most of its memory. The Cluster never changes a stored manifest in place
    (updates store a new one; `get` hands out deep copies), so the sharing is invisible."""
    spec = manifest.get("spec")
    key = None
    if type(spec) is dict:
        try:
            key = marshal.dumps(spec)
        except ValueError:  # not plain JSON-like data
            key = None
    if key is None:
        return default_pod(copy_manifest(manifest))
    shared = _SHARED_POD_SPECS.get(key)
    if shared is None:
        shared = default_pod_spec(copy_manifest(spec))
        if len(_SHARED_POD_SPECS) > 10_000:
            _SHARED_POD_SPECS.clear()
            _SHARED_SPEC_FACTS.clear()
        _SHARED_POD_SPECS[key] = shared
        _SHARED_SPEC_FACTS[id(shared)] = (shared, _spec_facts(shared))
    copied = copy_manifest({k: None if k == "spec" else v for k, v in manifest.items()})
    copied["spec"] = shared  # in the place the spec had
    return default_pod_status(copied)


def _copy_tree(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_copy_tree(v) for v in value]
    return value


# --------------------------------------------------------------------------------------------------
# Facts: what the controllers read, extracted once per stored object.

class ContainerPort(NamedTuple):
    name: str
    port: int
    protocol: str


class PodFacts(NamedTuple):
    """The endpoint-relevant state of a Pod (kubernetes-semantics.md §1.5, §2.1, §3.3).

    A NamedTuple rather than a dataclass: one is built per stored Pod, and tuples are cheapest."""

    namespace: str
    name: str
    uid: str
    labels: Mapping[str, str]
    ips: tuple[str, ...]            # canonical strings, status.podIPs order (podIP first)
    phase: str
    ready: bool                     # condition Ready == "True"
    ready_since: str | None         # lastTransitionTime of the Ready condition
    terminating: bool               # metadata.deletionTimestamp set
    node_name: str
    hostname: str
    subdomain: str
    ports: tuple[ContainerPort, ...]          # spec.containers[*].ports, in order
    sidecar_ports: tuple[ContainerPort, ...]  # initContainers with restartPolicy Always

    def ip_of(self, family: str) -> str | None:
        """The first pod IP of the family (IPv4/IPv6), or None."""
        for ip in self.ips:
            if (":" in ip) == (family == "IPv6"):
                return ip
        return None

    def eligible(self, include_terminating: bool) -> bool:
        """ShouldPodBeInEndpoints: not terminal, has an IP, not terminating unless included."""
        if self.phase in ("Failed", "Succeeded") or not self.ips:
            return False
        return include_terminating or not self.terminating


@dataclass(frozen=True, slots=True)
class ServicePort:
    name: str
    port: int
    target_port: int | str
    protocol: str
    app_protocol: str | None


@dataclass(frozen=True, slots=True)
class ServiceFacts:
    """What the controllers read from a Service."""

    namespace: str
    name: str
    uid: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    selector: Mapping[str, str] | None   # None: selector absent (controllers leave the Service alone)
    type: str
    cluster_ip: str
    ip_families: tuple[str, ...]
    ports: tuple[ServicePort, ...]
    publish_not_ready: bool
    traffic_distribution: str | None
    deleting: bool
    creation_timestamp: str

    @property
    def headless(self) -> bool:
        return self.cluster_ip in ("None", "")


@dataclass(frozen=True, slots=True)
class NodeFacts:
    name: str
    zone: str | None
    cpu_millis: int | None
    ready: bool
    control_plane: bool


def pod_facts(m: Mapping[str, Any], *, stored: bool = False) -> PodFacts:
    """The facts of a Pod manifest. `stored=True`: the manifest is one the Cluster stores, never changed
    in place, so the facts may use its labels mapping instead of a copy."""
    meta = m.get("metadata") or {}
    spec = m.get("spec") or {}
    status = m.get("status") or {}
    ips: list[str] = []
    for entry in status.get("podIPs") or []:
        ip = entry.get("ip") if isinstance(entry, dict) else None
        if ip:
            ip = canonical_ip(ip)
            if ip not in ips:
                ips.append(ip)
    pod_ip = status.get("podIP")
    if pod_ip and not ips:
        ips.append(canonical_ip(pod_ip))
    ready, since = False, None
    for cond in status.get("conditions") or []:
        if cond.get("type") == "Ready":
            ready = cond.get("status") == "True"
            since = cond.get("lastTransitionTime")
    node_name, hostname, subdomain, ports, sidecar_ports = _spec_facts(spec)
    return PodFacts(
        meta.get("namespace", "default"), meta["name"], meta.get("uid", ""),
        _stored_labels(meta) if stored else dict(meta.get("labels") or {}),
        tuple(ips), status.get("phase", "Pending"), ready, since, bool(meta.get("deletionTimestamp")),
        node_name, hostname, subdomain, ports, sidecar_ports)


# id of a shared spec (copy_pod) -> (that spec, its facts). Only shared specs are remembered: they are
# never changed in place, while a caller's own manifest might be. The entry holds the spec, so the id
# cannot be reused by another object while the entry exists.
_SHARED_SPEC_FACTS: dict[int, tuple[Mapping, tuple]] = {}
_NO_LABELS: Mapping[str, str] = {}


def _stored_labels(meta: Mapping[str, Any]) -> Mapping[str, str]:
    labels = meta.get("labels")
    return labels if type(labels) is dict else dict(labels or _NO_LABELS)


def _spec_facts(spec: Mapping[str, Any]) -> tuple:
    """(nodeName, hostname, subdomain, ports, sidecar ports) of a Pod spec."""
    hit = _SHARED_SPEC_FACTS.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    return (spec.get("nodeName") or "", spec.get("hostname") or "", spec.get("subdomain") or "",
            _container_ports(spec.get("containers") or []),
            _container_ports(c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"))


def _container_ports(containers: Iterable[Mapping[str, Any]]) -> tuple[ContainerPort, ...]:
    return tuple(ContainerPort(p.get("name") or "", p.get("containerPort"), p.get("protocol") or "TCP")
                 for c in containers for p in c.get("ports") or [])


def service_facts(m: Mapping[str, Any]) -> ServiceFacts:
    meta = m.get("metadata") or {}
    spec = m.get("spec") or {}
    ports = tuple(
        ServicePort(p.get("name") or "", p.get("port"), p.get("targetPort", p.get("port")),
                    p.get("protocol") or "TCP", p.get("appProtocol"))
        for p in spec.get("ports") or [])
    selector = spec.get("selector")
    return ServiceFacts(
        namespace=meta.get("namespace", "default"), name=meta["name"], uid=meta.get("uid", ""),
        labels=dict(meta.get("labels") or {}), annotations=dict(meta.get("annotations") or {}),
        selector=None if selector is None else dict(selector), type=spec.get("type") or "ClusterIP",
        cluster_ip=spec.get("clusterIP") or "", ip_families=tuple(spec.get("ipFamilies") or ()),
        ports=ports, publish_not_ready=bool(spec.get("publishNotReadyAddresses")),
        traffic_distribution=spec.get("trafficDistribution"),
        deleting=bool(meta.get("deletionTimestamp")),
        creation_timestamp=meta.get("creationTimestamp", ""),
    )


def node_facts(m: Mapping[str, Any]) -> NodeFacts:
    meta = m.get("metadata") or {}
    labels = meta.get("labels") or {}
    status = m.get("status") or {}
    cpu = (status.get("allocatable") or {}).get("cpu")
    ready = True
    for cond in status.get("conditions") or []:
        if cond.get("type") == "Ready":
            ready = cond.get("status") == "True"
    return NodeFacts(name=meta["name"], zone=labels.get(LABEL_ZONE) or None,
                     cpu_millis=None if cpu is None else parse_cpu(cpu), ready=ready,
                     control_plane=LABEL_CONTROL_PLANE in labels)


def parse_cpu(value: Any) -> int:
    """Kubernetes CPU quantity (`2`, `500m`, `1.5`) -> millicores."""
    text = str(value).strip()
    if text.endswith("m"):
        return int(float(text[:-1]))
    return int(round(float(text) * 1000))


# --------------------------------------------------------------------------------------------------
# API-server defaulting.

def default_pod(m: dict) -> dict:
    """API-server defaulting of the fields the controllers read: container port protocols, phase."""
    default_pod_spec(m.setdefault("spec", {}))
    return default_pod_status(m)


def default_pod_spec(spec: dict) -> dict:
    for key in ("containers", "initContainers"):
        for c in spec.get(key) or []:
            for p in c.get("ports") or []:
                p.setdefault("protocol", "TCP")
    spec.setdefault("restartPolicy", "Always")
    return spec


def default_pod_status(m: dict) -> dict:
    status = m.setdefault("status", {})
    status.setdefault("phase", "Pending")
    pod_ip = status.get("podIP")
    if pod_ip and not status.get("podIPs"):
        status["podIPs"] = [{"ip": pod_ip}]
    elif status.get("podIPs") and not pod_ip:
        status["podIP"] = status["podIPs"][0]["ip"]
    return m
