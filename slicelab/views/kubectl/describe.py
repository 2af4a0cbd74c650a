"""`kubectl describe`: one describer per kind, as kubectl's describe.go keeps them apart from printers."""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from slicelab.reading import Reader
from slicelab.views.kubectl.command import Command, fetch, no_resources, sort_key
from slicelab.views.tables import format_labels, join_host_port, tabwrite

__all__ = ["describe", "run_describe", "describe_endpoints", "describe_endpointslice", "describe_service",
           "DESCRIBERS"]


class _PrefixWriter:
    """kubectl's describe writer: two spaces of indent per level, cells separated by tabs."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, level: int, text: str) -> None:
        self.parts.append("  " * level + text)

    def text(self) -> str:
        return tabwrite("".join(self.parts), minwidth=0, padding=2)


_SKIP_ANNOTATIONS = {"kubectl.kubernetes.io/last-applied-configuration"}
_MAX_ANNOTATION_LEN = 140


def _write_labels(w: _PrefixWriter, title: str, labels: Mapping[str, str] | None) -> None:
    w.write(0, f"{title}:\t")
    if not labels:
        w.write(0, "<none>\n")
        return
    for i, key in enumerate(sorted(labels)):
        w.write(0, ("\t" if i else "") + f"{key}={labels[key]}\n")


def _shorten(text: str, limit: int) -> str:
    raw = text.encode()
    return raw[:limit].decode(errors="ignore") + "..." if len(raw) > limit else text


def _write_annotations(w: _PrefixWriter, annotations: Mapping[str, str] | None) -> None:
    w.write(0, "Annotations:\t")
    keys = sorted(k for k in (annotations or {}) if k not in _SKIP_ANNOTATIONS)
    if not keys:
        w.write(0, "<none>\n")
        return
    for i, key in enumerate(keys):
        if i:
            w.write(0, "\t")
        value = str(annotations[key]).removesuffix("\n")  # type: ignore[index]
        if len(value.encode()) + len(key.encode()) + 2 > _MAX_ANNOTATION_LEN or "\n" in value:
            w.write(0, f"{key}:\n")
            for line in value.split("\n"):
                w.write(0, f"\t  {_shorten(line, _MAX_ANNOTATION_LEN - 2)}\n")
        else:
            w.write(0, f"{key}: {value}\n")


def _write_header(w: _PrefixWriter, obj: Mapping[str, Any]) -> None:
    meta = obj.get("metadata") or {}
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    _write_labels(w, "Labels", meta.get("labels"))
    _write_annotations(w, meta.get("annotations"))


def _write_events(w: _PrefixWriter, show_events: bool) -> None:
    # slicelab records no Events objects: kubectl shows that as `<none>`.
    if show_events:
        w.write(0, "Events:\t<none>\n")


def describe_endpoints(ep: Mapping[str, Any], show_events: bool = True) -> str:
    """`kubectl describe endpoints NAME` for one Endpoints manifest."""
    w = _PrefixWriter()
    _write_header(w, ep)
    w.write(0, "Subsets:\n")
    for subset in ep.get("subsets") or []:
        ready = ",".join(a.get("ip", "") for a in subset.get("addresses") or [])
        not_ready = ",".join(a.get("ip", "") for a in subset.get("notReadyAddresses") or [])
        w.write(1, f"Addresses:\t{ready or '<none>'}\n")
        w.write(1, f"NotReadyAddresses:\t{not_ready or '<none>'}\n")
        if subset.get("ports"):
            w.write(1, "Ports:\n")
            w.write(2, "Name\tPort\tProtocol\n")
            w.write(2, "----\t----\t--------\n")
            for port in subset["ports"]:
                w.write(2, f"{port.get('name') or '<unset>'}\t{port.get('port', 0)}\t{port.get('protocol', '')}\n")
        w.write(0, "\n")
    _write_events(w, show_events)
    return w.text()


def describe_endpointslice(eps: Mapping[str, Any], show_events: bool = True) -> str:
    """`kubectl describe endpointslice NAME` for one EndpointSlice manifest (ready is the only condition shown)."""
    w = _PrefixWriter()
    _write_header(w, eps)
    w.write(0, f"AddressType:\t{eps.get('addressType', '')}\n")
    ports = eps.get("ports") or []
    if not ports:
        w.write(0, "Ports: <unset>\n")
    else:
        w.write(0, "Ports:\n")
        w.write(1, "Name\tPort\tProtocol\n")
        w.write(1, "----\t----\t--------\n")
        for port in ports:
            number = port.get("port")
            w.write(1, f"{port.get('name') or '<unset>'}\t{'<unset>' if number is None else number}\t"
                       f"{port.get('protocol', '')}\n")
    endpoints = eps.get("endpoints") or []
    if not endpoints:
        w.write(0, "Endpoints: <none>\n")
    else:
        w.write(0, "Endpoints:\n")
        for endpoint in endpoints:
            w.write(1, f"- Addresses:\t{', '.join(endpoint.get('addresses') or []) or '<none>'}\n")
            w.write(2, "Conditions:\n")
            ready = (endpoint.get("conditions") or {}).get("ready")
            w.write(3, f"Ready:\t{'<unset>' if ready is None else str(bool(ready)).lower()}\n")
            hostname = endpoint.get("hostname")
            w.write(2, f"Hostname:\t{'<unset>' if hostname is None else hostname}\n")
            target = endpoint.get("targetRef")
            if target is not None:
                w.write(2, f"TargetRef:\t{target.get('kind', '')}/{target.get('name', '')}\n")
            node = endpoint.get("nodeName")
            w.write(2, f"NodeName:\t{'<unset>' if node is None else node}\n")
            zone = endpoint.get("zone")
            w.write(2, f"Zone:\t{'<unset>' if zone is None else zone}\n")
    _write_events(w, show_events)
    return w.text()


def format_slice_endpoints_for_port(slices: Sequence[Mapping[str, Any]], port_name: str) -> str:
    """The `Endpoints:` line of `kubectl describe service`: ready (or unset) endpoints of one port.

    Follows kubectl's formatter exactly, including its quirk of announcing `+ 0 more...` when a
    not-ready endpoint follows three shown ones.
    """
    if not slices:
        return "<none>"
    shown: list[str] = []
    limit, more, count = 3, False, 0
    for eps in slices:
        endpoints = eps.get("endpoints") or []
        ports = eps.get("ports") or []
        if not ports:
            pairs = [(endpoint, None) for endpoint in endpoints]
        else:
            pairs = [(endpoint, port) for port in ports if (port.get("name") or "") == port_name
                     for endpoint in endpoints]
        for endpoint, port in pairs:
            if len(shown) == limit:
                more = True
            ready = (endpoint.get("conditions") or {}).get("ready")
            if ready is not None and not ready:
                continue
            if not more:
                address = (endpoint.get("addresses") or [""])[0]
                shown.append(address if port is None else join_host_port(address, port.get("port")))
            count += 1
    text = ",".join(shown)
    return f"{text} + {count - limit} more..." if more else text


def describe_service(svc: Mapping[str, Any], slices: Sequence[Mapping[str, Any]], show_events: bool = True) -> str:
    """`kubectl describe service NAME`; `slices` are the EndpointSlices labelled with its name.

    Fields the API server defaults (type, sessionAffinity, port protocol, targetPort,
    internalTrafficPolicy) are shown with their defaults when a slicelab manifest leaves them out.
    """
    spec = svc.get("spec") or {}
    kind = spec.get("type") or "ClusterIP"
    w = _PrefixWriter()
    _write_header(w, svc)
    w.write(0, f"Selector:\t{format_labels(spec.get('selector'))}\n")
    w.write(0, f"Type:\t{kind}\n")
    _write_service_addresses(w, spec, (svc.get("status") or {}).get("loadBalancer") or {})
    for port in spec.get("ports") or []:
        _write_service_port(w, port, slices)
    _write_service_policies(w, spec, kind)
    _write_events(w, show_events)
    return w.text()


def _write_service_addresses(w: _PrefixWriter, spec: Mapping[str, Any], load_balancer: Mapping[str, Any]) -> None:
    if spec.get("ipFamilyPolicy"):
        w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    w.write(0, f"IP Families:\t{','.join(spec.get('ipFamilies') or []) or '<none>'}\n")
    cluster_ip = spec.get("clusterIP") or ""
    cluster_ips = spec.get("clusterIPs") or ([cluster_ip] if cluster_ip else [])
    w.write(0, f"IP:\t{cluster_ip}\n")
    w.write(0, f"IPs:\t{','.join(cluster_ips) or '<none>'}\n")
    _write_set_fields(w, spec, (("External IPs", "externalIPs"), ("Desired LoadBalancer IP", "loadBalancerIP"),
                                ("External Name", "externalName")))
    ingress = load_balancer.get("ingress") or []
    if ingress:
        w.write(0, f"LoadBalancer Ingress:\t{', '.join(_ingress_text(i) for i in ingress)}\n")


def _write_set_fields(w: _PrefixWriter, spec: Mapping[str, Any], rows: Sequence[tuple[str, str]]) -> None:
    """`Label:<tab>value` for each spec field that is set (lists joined by commas), in the order given."""
    for label, key in rows:
        value = spec.get(key)
        if value:
            w.write(0, f"{label}:\t{','.join(value) if isinstance(value, list) else value}\n")


def _ingress_text(ingress: Mapping[str, Any]) -> str:
    """buildIngressString: the IP, with its ipMode in parentheses when set, else the hostname."""
    if ingress.get("ip"):
        return f"{ingress['ip']} ({ingress['ipMode']})" if ingress.get("ipMode") else ingress["ip"]
    return ingress.get("hostname", "")


def _write_service_port(w: _PrefixWriter, port: Mapping[str, Any], slices: Sequence[Mapping[str, Any]]) -> None:
    name = port.get("name") or "<unset>"
    protocol = port.get("protocol") or "TCP"
    target = port.get("targetPort", port.get("port"))
    w.write(0, f"Port:\t{name}\t{port.get('port')}/{protocol}\n")
    w.write(0, f"TargetPort:\t{target}/{protocol}\n")
    if port.get("appProtocol") is not None:
        w.write(0, f"AppProtocol:\t{port['appProtocol']}\n")
    if port.get("nodePort"):
        w.write(0, f"NodePort:\t{name}\t{port['nodePort']}/{protocol}\n")
    w.write(0, f"Endpoints:\t{format_slice_endpoints_for_port(slices, port.get('name') or '')}\n")


def _write_service_policies(w: _PrefixWriter, spec: Mapping[str, Any], kind: str) -> None:
    w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity') or 'None'}\n")
    _write_set_fields(w, spec, (("External Traffic Policy", "externalTrafficPolicy"),))
    internal = spec.get("internalTrafficPolicy") or (None if kind == "ExternalName" else "Cluster")
    if internal:
        w.write(0, f"Internal Traffic Policy:\t{internal}\n")
    _write_set_fields(w, spec, (("HealthCheck NodePort", "healthCheckNodePort"),
                                ("LoadBalancer Source Ranges", "loadBalancerSourceRanges"),
                                ("Traffic Distribution", "trafficDistribution")))


def _service_with_slices(cluster: Reader, svc: Mapping[str, Any], show_events: bool) -> str:
    """The ServiceDescriber: the Service and the EndpointSlices labelled with its name."""
    meta = svc.get("metadata") or {}
    slices = cluster.get("EndpointSlice", namespace=meta.get("namespace") or "default",
                         label_selector=f"kubernetes.io/service-name={meta.get('name', '')}")
    return describe_service(svc, sorted(slices, key=sort_key), show_events)


def _endpoints(cluster: Reader, ep: Mapping[str, Any], show_events: bool) -> str:
    return describe_endpoints(ep, show_events)


def _endpointslice(cluster: Reader, eps: Mapping[str, Any], show_events: bool) -> str:
    return describe_endpointslice(eps, show_events)


# One describer per kind (kubectl's DescriberFor): kind -> describe(reader, object, show_events).
DESCRIBERS: dict[str, Callable[[Reader, Mapping[str, Any], bool], str]] = {
    "Endpoints": _endpoints, "EndpointSlice": _endpointslice, "Service": _service_with_slices}


def describe(cluster: Reader, resource_kind: str, obj: Mapping[str, Any], show_events: bool = True) -> str:
    """Describe one manifest of kind Endpoints, EndpointSlice or Service."""
    return DESCRIBERS[resource_kind](cluster, obj, show_events)


def run_describe(cluster: Reader, cmd: Command) -> str:
    """Exact name first; if missing, every object whose name starts with it (kubectl's prefix rule)."""
    found, errors = fetch(cluster, cmd, prefix_match=True)
    if not found and not errors:
        return no_resources(cmd)
    texts = [describe(cluster, resource.kind, obj, cmd.show_events) for resource, obj in found]
    return "\n".join(["\n\n".join(texts).rstrip("\n")] * bool(texts) + errors)
