"""What both Service controllers compute from a Pod: target ports and the Pod → Service mapping.

Shared by the Endpoints and EndpointSlice controllers, as `FindPort` and `ShouldPodBeInEndpoints` are
shared in Kubernetes (kubernetes-semantics.md §1, §2.3).
"""
from __future__ import annotations

from slicelab.objects import PodFacts, ServiceFacts, ServicePort


def find_port(pod: PodFacts, port: ServicePort) -> int | None:
    """Resolve a Service port's targetPort for one Pod, or None when a named port is not found.

    An integer targetPort is used verbatim (no check against container ports). A name matches the
    first container port with that name *and* the Service port's protocol, regular containers first,
    then init containers with `restartPolicy: Always` (sidecars).
    """
    target = port.target_port
    if isinstance(target, int):
        return target
    for cport in pod.ports:
        if cport.name == target and cport.protocol == port.protocol:
            return cport.port
    for cport in pod.sidecar_ports:
        if cport.name == target and cport.protocol == port.protocol:
            return cport.port
    return None


def hostname_for(pod: PodFacts, service: ServiceFacts) -> str:
    """A Pod's hostname is published only when its subdomain names this Service (same namespace)."""
    if pod.hostname and pod.subdomain == service.name and pod.namespace == service.namespace:
        return pod.hostname
    return ""


def endpoint_relevant(old: PodFacts, new: PodFacts) -> bool:
    """Whether an update of a Pod can change any endpoint (§1.9); resourceVersion-only changes cannot."""
    return (old.ips != new.ips or old.ready != new.ready or old.terminating != new.terminating
            or old.phase != new.phase or old.node_name != new.node_name or old.hostname != new.hostname
            or old.subdomain != new.subdomain or old.labels != new.labels or old.ports != new.ports
            or old.sidecar_ports != new.sidecar_ports or old.uid != new.uid
            or old.ready_since != new.ready_since)

