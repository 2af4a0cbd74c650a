"""Small builders of manifest dicts for lessons and exercises.

They only build plain manifests — what you would write in YAML — and never touch a Cluster:
`cluster.apply(pod("web-1", "10.0.0.1", labels={"app": "web"}))`. A Pod's status is part of what is
built (phase, podIP(s), Ready condition), because in slicelab nobody runs a kubelet.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from slicelab.objects import LABEL_ZONE

PortSpec = int | Mapping[str, Any]


def _container_ports(ports: Iterable[PortSpec] | None) -> list[dict]:
    out = []
    for p in ports or ():
        if isinstance(p, int):
            out.append({"containerPort": p, "protocol": "TCP"})
        else:
            entry = {"containerPort": p.get("containerPort", p.get("port"))}
            if p.get("name"):
                entry["name"] = p["name"]
            entry["protocol"] = p.get("protocol", "TCP")
            out.append(entry)
    return out


def pod(name: str, ip: str | None, labels: Mapping[str, str] | None = None, ready: bool = True,
        terminating: bool = False, node: str | None = None, ports: Iterable[PortSpec] | None = None,
        phase: str = "Running", ipv6: str | None = None, namespace: str = "default",
        hostname: str | None = None, subdomain: str | None = None,
        sidecar_ports: Iterable[PortSpec] | None = None, image: str = "nginx:1.27") -> dict:
    """A Pod manifest with its status. `ports`: ints or {"name", "containerPort", "protocol"} dicts;
    `ip`/`ipv6` fill status.podIPs (IPv4 first when both); `terminating` sets deletionTimestamp."""
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        metadata["labels"] = dict(labels)
    if terminating:
        metadata["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        metadata["deletionGracePeriodSeconds"] = 30
    container: dict[str, Any] = {"name": "app", "image": image}
    if ports:
        container["ports"] = _container_ports(ports)
    spec: dict[str, Any] = {"containers": [container]}
    if sidecar_ports:
        spec["initContainers"] = [{"name": "sidecar", "image": "envoyproxy/envoy:v1.31",
                                   "restartPolicy": "Always", "ports": _container_ports(sidecar_ports)}]
    if node:
        spec["nodeName"] = node
    if hostname:
        spec["hostname"] = hostname
    if subdomain:
        spec["subdomain"] = subdomain
    status: dict[str, Any] = {"phase": phase}
    ips = [a for a in (ip, ipv6) if a]
    if ips:
        status["podIP"] = ips[0]
        status["podIPs"] = [{"ip": a} for a in ips]
    status["conditions"] = [{"type": "Ready", "status": "True" if ready else "False"}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": status}


def service(name: str, selector: Mapping[str, str] | None = None, ports: Iterable[PortSpec] | None = (80,),
            target_port: int | str | None = None, cluster_ip: str | None = None,
            ip_families: Iterable[str] | None = None, publish_not_ready: bool = False,
            traffic_distribution: str | None = None, labels: Mapping[str, str] | None = None,
            namespace: str = "default", ip_family_policy: str | None = None,
            annotations: Mapping[str, str] | None = None) -> dict:
    """A Service manifest. `ports`: ints (port, targetPort=`target_port` or the port) or dicts with
    name/port/targetPort/protocol/appProtocol. `selector=None` builds a Service without a selector."""
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        metadata["labels"] = dict(labels)
    if annotations:
        metadata["annotations"] = dict(annotations)
    spec_ports = []
    port_list = list(ports or ())
    for p in port_list:
        if isinstance(p, int):
            entry: dict[str, Any] = {"port": p, "protocol": "TCP"}
            if target_port is not None:
                entry["targetPort"] = target_port
        else:
            entry = {k: v for k, v in p.items() if v is not None}
            if target_port is not None and "targetPort" not in entry:
                entry["targetPort"] = target_port
        if len(port_list) > 1 and "name" not in entry:
            entry["name"] = f"port-{entry['port']}"
        spec_ports.append(entry)
    spec: dict[str, Any] = {}
    if selector is not None:
        spec["selector"] = dict(selector)
    if spec_ports:
        spec["ports"] = spec_ports
    if cluster_ip is not None:
        spec["clusterIP"] = cluster_ip
    if ip_families:
        spec["ipFamilies"] = list(ip_families)
    if ip_family_policy:
        spec["ipFamilyPolicy"] = ip_family_policy
    if publish_not_ready:
        spec["publishNotReadyAddresses"] = True
    if traffic_distribution:
        spec["trafficDistribution"] = traffic_distribution
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec}


def node(name: str, zone: str | None = None, cpu: str | int | None = None, ready: bool = True,
         control_plane: bool = False) -> dict:
    """A Node manifest: zone label `topology.kubernetes.io/zone`, allocatable CPU, Ready condition."""
    labels = {"kubernetes.io/hostname": name}
    if zone:
        labels[LABEL_ZONE] = zone
    if control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
    status: dict[str, Any] = {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    if cpu is not None:
        status["allocatable"] = {"cpu": str(cpu)}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}, "status": status}


def endpoints(name: str, addresses: Iterable[str] = (), ports: Iterable[PortSpec] = (80,),
              not_ready: Iterable[str] = (), namespace: str = "default",
              labels: Mapping[str, str] | None = None) -> dict:
    """A hand-written Endpoints object (for a Service without a selector): one subset."""
    port_list = list(ports)
    subset_ports = []
    for p in port_list:
        entry = {"port": p, "protocol": "TCP"} if isinstance(p, int) else dict(p)
        if len(port_list) > 1 and "name" not in entry:
            entry["name"] = f"port-{entry['port']}"
        subset_ports.append(entry)
    subset: dict[str, Any] = {}
    if addresses:
        subset["addresses"] = [{"ip": a} for a in addresses]
    if not_ready:
        subset["notReadyAddresses"] = [{"ip": a} for a in not_ready]
    if subset_ports:
        subset["ports"] = subset_ports
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        metadata["labels"] = dict(labels)
    manifest: dict[str, Any] = {"apiVersion": "v1", "kind": "Endpoints", "metadata": metadata}
    if addresses or not_ready:
        manifest["subsets"] = [subset]
    return manifest
