"""Semantic validation of manifests by Kubernetes' own rules (kubernetes-semantics.md §6).

`validate_manifest` checks one manifest and raises a ManifestError naming the object and the field
path (`spec.ports[0].targetPort`) on the first problem, the way the API server rejects a request.
Structural checks (unknown fields, wrong types) come from the official OpenAPI-derived JSON schemas
(slicelab.schema); this module adds the rules a schema cannot express: name formats, label syntax, IP
families and forbidden ranges, port ranges, protocols, named ports.
"""
from __future__ import annotations

import ipaddress
import marshal
from typing import Any, Mapping

from slicelab import names
from slicelab.checker import Checker
from slicelab.clock import parse_time
from slicelab.errors import ManifestError
from slicelab.objects import API_VERSIONS, NAMESPACED

PROTOCOLS = ("TCP", "UDP", "SCTP")
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
IP_FAMILY_POLICIES = ("SingleStack", "PreferDualStack", "RequireDualStack")
POD_PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
CONDITION_STATUSES = ("True", "False", "Unknown")
ADDRESS_TYPES = ("IPv4", "IPv6", "FQDN")
MAX_SLICE_ENDPOINTS = 1000
MAX_SLICE_PORTS = 20000
MAX_ZONE_HINTS = 8




def identify(manifest: Mapping[str, Any]) -> tuple[str, str, str | None]:
    """(kind, name, namespace) for error messages, tolerant of broken manifests."""
    kind = manifest.get("kind") if isinstance(manifest.get("kind"), str) else "object"
    meta = manifest.get("metadata") if isinstance(manifest.get("metadata"), dict) else {}
    name = meta.get("name") or meta.get("generateName") or "<unnamed>"
    ns = meta.get("namespace") or "default"
    if not isinstance(name, str):
        name = repr(name)
    if not isinstance(ns, str):
        ns = repr(ns)
    return kind, name, (ns if NAMESPACED.get(kind, True) else None)


def check_kind(manifest: Mapping[str, Any]) -> tuple[str, str, str | None]:
    """Reject kinds slicelab does not model and apiVersions that do not match the kind.

    Returns (kind, name, namespace) for later error messages."""
    if not isinstance(manifest, dict):
        raise ManifestError("object", "<unnamed>", "", f"expected a mapping, got {type(manifest).__name__}")
    kind, name, namespace = identify(manifest)
    c = Checker(kind, name, namespace)
    if kind not in API_VERSIONS:
        c.fail("kind", f"unsupported kind {manifest.get('kind')!r}: slicelab models "
                       + ", ".join(API_VERSIONS))
    api = manifest.get("apiVersion")
    if api != API_VERSIONS[kind]:
        c.fail("apiVersion", f"must be {API_VERSIONS[kind]!r} for {kind}, got {api!r}")
    return kind, name, namespace


def validate_manifest(manifest: Mapping[str, Any], ident: tuple[str, str, str | None] | None = None) -> None:
    """Raise ManifestError for the first semantic problem in one manifest; None when it is valid.

    `ident` is what `check_kind` returned, when the caller already ran it."""
    kind, name, namespace = ident or check_kind(manifest)
    c = Checker(kind, name, namespace)
    _validate_metadata(c, manifest, kind)
    VALIDATORS[kind](c, manifest)


def _validate_metadata(c: Checker, m: Mapping[str, Any], kind: str) -> None:
    meta = c.mapping(m.get("metadata"), "metadata")
    if not meta:
        c.fail("metadata", "Required value")
    name = c.string(meta.get("name"), "metadata.name")
    generate = c.string(meta.get("generateName"), "metadata.generateName")
    if not name and not generate:
        c.fail("metadata.name", "name or generateName is required")
    if name:
        check = names.check_dns1035_label if kind == "Service" else names.check_dns1123_subdomain
        c.check(check(name), "metadata.name")
    ns = c.string(meta.get("namespace"), "metadata.namespace")
    if ns:
        c.check(names.check_dns1123_label(ns), "metadata.namespace")
    for field in ("labels", "annotations"):
        values = c.mapping(meta.get(field), f"metadata.{field}")
        for key, value in values.items():
            path = f"metadata.{field}[{key!r}]" if isinstance(key, str) else f"metadata.{field}"
            if field == "labels":
                c.check(names.check_label_key(key), path)
                c.check(names.check_label_value(value), path)
            else:
                c.check(names.check_label_key(key), path)
                if not isinstance(value, str):
                    c.fail(path, f"annotation value must be a string, got {type(value).__name__} {value!r}")
    for field in ("creationTimestamp", "deletionTimestamp"):
        value = meta.get(field)
        if value is not None:
            text = c.string(value, f"metadata.{field}")
            try:
                parse_time(text)
            except ValueError:
                c.fail(f"metadata.{field}", f"must be an RFC 3339 timestamp like 2026-01-01T00:00:00Z, "
                                            f"got {text!r}")
    c.string(meta.get("uid"), "metadata.uid")
    refs = c.listing(meta.get("ownerReferences"), "metadata.ownerReferences")
    for i, ref in enumerate(refs):
        path = f"metadata.ownerReferences[{i}]"
        ref = c.mapping(ref, path)
        for key in ("apiVersion", "kind", "name", "uid"):
            c.string(ref.get(key), f"{path}.{key}", required=True)


def _validate_ports_of_container(c: Checker, container: Mapping, path: str, seen: set) -> None:
    for j, port in enumerate(c.listing(container.get("ports"), f"{path}.ports")):
        ppath = f"{path}.ports[{j}]"
        port = c.mapping(port, ppath)
        c.integer(port.get("containerPort"), f"{ppath}.containerPort", 1, 65535, required=True)
        c.integer(port.get("hostPort"), f"{ppath}.hostPort", 1, 65535)
        c.one_of(port.get("protocol"), PROTOCOLS, f"{ppath}.protocol")
        pname = c.string(port.get("name"), f"{ppath}.name")
        if pname:
            c.check(names.check_iana_service_name(pname), f"{ppath}.name")
            if pname in seen:
                c.fail(f"{ppath}.name", f"Duplicate value: {pname!r}")
            seen.add(pname)


_VALID_POD_SPECS: set[bytes] = set()


def _validate_pod(c: Checker, m: Mapping) -> None:
    spec = c.mapping(m.get("spec"), "spec")
    try:
        spec_key = marshal.dumps(spec)
    except ValueError:
        spec_key = None
    if spec_key is None or spec_key not in _VALID_POD_SPECS:
        _validate_pod_spec(c, spec)
        if spec_key is not None:
            if len(_VALID_POD_SPECS) > 50_000:
                _VALID_POD_SPECS.clear()
            _VALID_POD_SPECS.add(spec_key)
    _validate_pod_status(c, m)


def _validate_pod_spec(c: Checker, spec: Mapping) -> None:
    containers = c.listing(spec.get("containers"), "spec.containers")
    if not containers:
        c.fail("spec.containers", "Required value: a Pod needs at least one container")
    seen_names: set = set()
    for key in ("containers", "initContainers"):
        for i, container in enumerate(c.listing(spec.get(key), f"spec.{key}")):
            path = f"spec.{key}[{i}]"
            container = c.mapping(container, path)
            cname = c.string(container.get("name"), f"{path}.name", required=True)
            c.check(names.check_dns1123_label(cname), f"{path}.name")
            if cname in seen_names:
                c.fail(f"{path}.name", f"Duplicate value: {cname!r}")
            seen_names.add(cname)
            c.string(container.get("image"), f"{path}.image", required=True)
            policy = container.get("restartPolicy")
            if key == "containers" and policy is not None:
                c.fail(f"{path}.restartPolicy", "Forbidden: may not be set for non-init containers")
            c.one_of(policy, ("Always",), f"{path}.restartPolicy")
            _validate_ports_of_container(c, container, path, set())  # names unique per container
    for field in ("hostname", "subdomain"):
        value = c.string(spec.get(field), f"spec.{field}")
        if value:
            c.check(names.check_dns1123_label(value), f"spec.{field}")
    node = c.string(spec.get("nodeName"), "spec.nodeName")
    if node:
        c.check(names.check_dns1123_subdomain(node), "spec.nodeName")
    c.one_of(spec.get("restartPolicy"), ("Always", "OnFailure", "Never"), "spec.restartPolicy")
    c.boolean(spec.get("hostNetwork"), "spec.hostNetwork")


def _validate_pod_status(c: Checker, m: Mapping) -> None:
    status = c.mapping(m.get("status"), "status")
    c.one_of(status.get("phase"), POD_PHASES, "status.phase")
    validate_pod_ips(c, status)
    _validate_conditions(c, status)


def validate_pod_ips(c: Checker, status: Mapping) -> None:
    """status.podIP and status.podIPs: valid addresses, one per family, podIP first."""
    pod_ip = status.get("podIP")
    if pod_ip is not None and pod_ip != "":
        c.ip(pod_ip, "status.podIP")
    ips = c.listing(status.get("podIPs"), "status.podIPs")
    families = []
    for i, entry in enumerate(ips):
        entry = c.mapping(entry, f"status.podIPs[{i}]")
        text = c.ip(entry.get("ip"), f"status.podIPs[{i}].ip")
        version = 6 if ":" in text else 4
        if version in families:
            c.fail(f"status.podIPs[{i}].ip", "may hold at most one IP of each family")
        families.append(version)
    if pod_ip and ips and pod_ip != ips[0]["ip"] and \
            ipaddress.ip_address(pod_ip) != ipaddress.ip_address(ips[0]["ip"]):
        c.fail("status.podIP", f"must equal status.podIPs[0].ip ({ips[0]['ip']}), got {pod_ip!r}")


def _validate_conditions(c: Checker, status: Mapping) -> None:
    for i, cond in enumerate(c.listing(status.get("conditions"), "status.conditions")):
        cond = c.mapping(cond, f"status.conditions[{i}]")
        c.string(cond.get("type"), f"status.conditions[{i}].type", required=True)
        c.one_of(cond.get("status"), CONDITION_STATUSES, f"status.conditions[{i}].status")
        if cond.get("status") is None:
            c.fail(f"status.conditions[{i}].status", "Required value")
        ltt = cond.get("lastTransitionTime")
        if ltt is not None:
            try:
                parse_time(c.string(ltt, f"status.conditions[{i}].lastTransitionTime"))
            except ValueError:
                c.fail(f"status.conditions[{i}].lastTransitionTime", f"must be an RFC 3339 timestamp, "
                                                                      f"got {ltt!r}")


def _check_port(c: Checker, port: Mapping, path: str, count: int, seen_names: set, unnamed: str) -> int:
    """What every port list checks: the name (required among several, a DNS label, unique), the
    number and the protocol. Returns the number."""
    pname = c.string(port.get("name"), f"{path}.name")
    if count > 1 and not pname:
        c.fail(f"{path}.name", f"Required value: {unnamed}")
    if pname:
        c.check(names.check_dns1123_label(pname), f"{path}.name")
        if pname in seen_names:
            c.fail(f"{path}.name", f"Duplicate value: {pname!r}")
        seen_names.add(pname)
    number = c.integer(port.get("port"), f"{path}.port", 1, 65535, required=True)
    c.one_of(port.get("protocol"), PROTOCOLS, f"{path}.protocol")
    return number


def _validate_service(c: Checker, m: Mapping) -> None:
    spec = c.mapping(m.get("spec"), "spec")
    svc_type = spec.get("type") or "ClusterIP"
    c.one_of(svc_type, SERVICE_TYPES, "spec.type")
    if svc_type == "ExternalName":
        ext = c.string(spec.get("externalName"), "spec.externalName", required=True)
        c.check(names.check_dns1123_subdomain(ext.rstrip(".")), "spec.externalName")
    selector = spec.get("selector")
    if selector is not None:
        selector = c.mapping(selector, "spec.selector")
        for key, value in selector.items():
            path = f"spec.selector[{key!r}]" if isinstance(key, str) else "spec.selector"
            c.check(names.check_label_key(key), path)
            c.check(names.check_label_value(value), path)
    ports = c.listing(spec.get("ports"), "spec.ports")
    cluster_ip = c.string(spec.get("clusterIP"), "spec.clusterIP")
    if not ports and svc_type != "ExternalName" and cluster_ip != "None":
        c.fail("spec.ports", "Required value: a Service needs at least one port unless it is headless "
                             "(clusterIP: None)")
    seen_names: set = set()
    seen_ports: set = set()
    for i, port in enumerate(ports):
        path = f"spec.ports[{i}]"
        port = c.mapping(port, path)
        number = _check_port(c, port, path, len(ports), seen_names,
                             "every port must be named when a Service has more than one")
        if (number, port.get("protocol") or "TCP") in seen_ports:
            c.fail(f"{path}", f"Duplicate value: port {number}/{port.get('protocol') or 'TCP'}")
        seen_ports.add((number, port.get("protocol") or "TCP"))
        target = port.get("targetPort")
        if isinstance(target, str):  # a string is a port *name*, even "8080" (IntOrString)
            c.check(names.check_iana_service_name(target), f"{path}.targetPort")
        elif target is not None:
            c.integer(target, f"{path}.targetPort", 1, 65535)
        app = c.string(port.get("appProtocol"), f"{path}.appProtocol")
        if app:
            c.check(names.check_label_key(app), f"{path}.appProtocol")
        c.integer(port.get("nodePort"), f"{path}.nodePort", 1, 65535)
    if cluster_ip and cluster_ip != "None":
        c.ip(cluster_ip, "spec.clusterIP")
    ips = c.listing(spec.get("clusterIPs"), "spec.clusterIPs")
    for i, ip in enumerate(ips):
        if ip != "None":
            c.ip(ip, f"spec.clusterIPs[{i}]")
    if cluster_ip and ips and ips[0] != cluster_ip:
        c.fail("spec.clusterIPs[0]", f"must match spec.clusterIP {cluster_ip!r}, got {ips[0]!r}")
    families = c.listing(spec.get("ipFamilies"), "spec.ipFamilies")
    for i, fam in enumerate(families):
        c.one_of(fam, ("IPv4", "IPv6"), f"spec.ipFamilies[{i}]")
    if len(families) > 2 or len(set(families)) != len(families):
        c.fail("spec.ipFamilies", f"may hold IPv4 and/or IPv6 once each, got {families}")
    for i, ip in enumerate(ips):
        if ip != "None" and i < len(families):
            c.ip(ip, f"spec.clusterIPs[{i}]", family=families[i])
    policy = spec.get("ipFamilyPolicy")
    c.one_of(policy, IP_FAMILY_POLICIES, "spec.ipFamilyPolicy")
    if policy == "SingleStack" and len(families) > 1:
        c.fail("spec.ipFamilies", "may hold one family when ipFamilyPolicy is SingleStack")
    c.boolean(spec.get("publishNotReadyAddresses"), "spec.publishNotReadyAddresses")
    c.one_of(spec.get("trafficDistribution"), ("PreferClose", "PreferSameZone", "PreferSameNode"),
             "spec.trafficDistribution")
    c.one_of(spec.get("sessionAffinity"), ("None", "ClientIP"), "spec.sessionAffinity")
    c.one_of(spec.get("internalTrafficPolicy"), ("Cluster", "Local"), "spec.internalTrafficPolicy")


def _validate_node(c: Checker, m: Mapping) -> None:
    c.mapping(m.get("spec"), "spec")
    status = c.mapping(m.get("status"), "status")
    _validate_conditions(c, status)
    alloc = c.mapping(status.get("allocatable"), "status.allocatable")
    cpu = alloc.get("cpu")
    if cpu is not None:
        text = str(cpu)
        try:
            float(text[:-1] if text.endswith("m") else text)
        except ValueError:
            c.fail("status.allocatable.cpu", f"must be a CPU quantity like 2 or 500m, got {cpu!r}")


def _validate_endpoint_refs(c: Checker, item: Mapping[str, Any], path: str) -> None:
    """hostname, nodeName and targetRef: the same rules for a v1 Endpoints address and a slice endpoint."""
    host = c.string(item.get("hostname"), f"{path}.hostname")
    if host:
        c.check(names.check_dns1123_label(host), f"{path}.hostname")
    node = c.string(item.get("nodeName"), f"{path}.nodeName")
    if node:
        c.check(names.check_dns1123_subdomain(node), f"{path}.nodeName")
    if item.get("targetRef") is not None:
        _validate_target_ref(c, item.get("targetRef"), f"{path}.targetRef")


def _validate_target_ref(c: Checker, ref: Any, path: str) -> None:
    ref = c.mapping(ref, path)
    for key in ("kind", "namespace", "name", "uid", "resourceVersion", "apiVersion", "fieldPath"):
        c.string(ref.get(key), f"{path}.{key}")


def _validate_endpoints(c: Checker, m: Mapping) -> None:
    for i, subset in enumerate(c.listing(m.get("subsets"), "subsets")):
        path = f"subsets[{i}]"
        subset = c.mapping(subset, path)
        for field in ("addresses", "notReadyAddresses"):
            for j, addr in enumerate(c.listing(subset.get(field), f"{path}.{field}")):
                apath = f"{path}.{field}[{j}]"
                addr = c.mapping(addr, apath)
                c.ip(addr.get("ip"), f"{apath}.ip", endpoint=True)
                _validate_endpoint_refs(c, addr, apath)
        ports = c.listing(subset.get("ports"), f"{path}.ports")
        seen: set = set()
        for j, port in enumerate(ports):
            ppath = f"{path}.ports[{j}]"
            _check_port(c, c.mapping(port, ppath), ppath, len(ports), seen,
                        "ports must be named when a subset has more than one")


def _validate_endpointslice(c: Checker, m: Mapping) -> None:
    address_type = m.get("addressType")
    if address_type is None:
        c.fail("addressType", "Required value")
    c.one_of(address_type, ADDRESS_TYPES, "addressType")
    endpoints = c.listing(m.get("endpoints"), "endpoints")
    if len(endpoints) > MAX_SLICE_ENDPOINTS:
        c.fail("endpoints", f"Too many: {len(endpoints)}: must have at most {MAX_SLICE_ENDPOINTS} items")
    for i, ep in enumerate(endpoints):
        path = f"endpoints[{i}]"
        ep = c.mapping(ep, path)
        addrs = c.listing(ep.get("addresses"), f"{path}.addresses")
        if not 1 <= len(addrs) <= 100:
            c.fail(f"{path}.addresses", f"must hold 1 to 100 addresses, got {len(addrs)}")
        for j, addr in enumerate(addrs):
            if address_type == "FQDN":
                c.check(names.check_dns1123_subdomain(c.string(addr, f"{path}.addresses[{j}]", True)),
                        f"{path}.addresses[{j}]")
            else:
                c.ip(addr, f"{path}.addresses[{j}]", family=address_type, endpoint=True)
        cond = c.mapping(ep.get("conditions"), f"{path}.conditions")
        for key in ("ready", "serving", "terminating"):
            c.boolean(cond.get(key), f"{path}.conditions.{key}")
        _validate_endpoint_refs(c, ep, path)
        zone = c.string(ep.get("zone"), f"{path}.zone")
        if zone:
            c.check(names.check_label_value(zone), f"{path}.zone")
        hints = c.mapping(ep.get("hints"), f"{path}.hints")
        zones = c.listing(hints.get("forZones"), f"{path}.hints.forZones")
        if len(zones) > MAX_ZONE_HINTS:
            c.fail(f"{path}.hints.forZones", f"Too many: {len(zones)}: must have at most {MAX_ZONE_HINTS}")
        seen_zones: set = set()
        for k, z in enumerate(zones):
            z = c.mapping(z, f"{path}.hints.forZones[{k}]")
            zname = c.string(z.get("name"), f"{path}.hints.forZones[{k}].name", required=True)
            c.check(names.check_label_value(zname), f"{path}.hints.forZones[{k}].name")
            if zname in seen_zones:
                c.fail(f"{path}.hints.forZones[{k}].name", f"Duplicate value: {zname!r}")
            seen_zones.add(zname)
    ports = c.listing(m.get("ports"), "ports")
    if len(ports) > MAX_SLICE_PORTS:
        c.fail("ports", f"Too many: {len(ports)}: must have at most {MAX_SLICE_PORTS} items")
    seen: set = set()
    for i, port in enumerate(ports):
        path = f"ports[{i}]"
        port = c.mapping(port, path)
        pname = c.string(port.get("name"), f"{path}.name") or ""
        if pname:
            c.check(names.check_dns1123_label(pname), f"{path}.name")
        if pname in seen:
            c.fail(f"{path}.name", f"Duplicate value: {pname!r}")
        seen.add(pname)
        c.one_of(port.get("protocol"), PROTOCOLS, f"{path}.protocol")
        c.integer(port.get("port"), f"{path}.port", 0, 65535)
        app = c.string(port.get("appProtocol"), f"{path}.appProtocol")
        if app:
            c.check(names.check_label_key(app), f"{path}.appProtocol")


VALIDATORS = {
    "Pod": _validate_pod,
    "Service": _validate_service,
    "Node": _validate_node,
    "Endpoints": _validate_endpoints,
    "EndpointSlice": _validate_endpointslice,
}
