"""The API server's defaulting of Services, Endpoints and EndpointSlices, applied before they are stored.

(Pods are defaulted in slicelab.objects, where `copy_pod` shares one defaulted spec among many Pods.)
"""
from __future__ import annotations

from slicelab.objects import ip_family

__all__ = ["default_service", "default_endpointslice", "default_endpoints"]


def default_service(m: dict, allocate_ip) -> dict:
    """Apply the API server's Service defaulting in place and return the manifest.

    `allocate_ip(family, requested)` returns a ClusterIP of that family (the requested one when given).
    Headless Services with a selector get the cluster's primary family (IPv4, SingleStack); headless
    Services without a selector get RequireDualStack with both families, as on a dual-stack cluster.
    """
    spec = m.setdefault("spec", {})
    svc_type = spec.setdefault("type", "ClusterIP")
    if svc_type != "ExternalName":
        spec.setdefault("sessionAffinity", "None")
        spec.setdefault("internalTrafficPolicy", "Cluster")
    for p in spec.get("ports") or []:
        p.setdefault("protocol", "TCP")
        if svc_type != "ExternalName" and "targetPort" not in p:
            p["targetPort"] = p["port"]
    if svc_type == "ExternalName":
        return m
    cluster_ip = spec.get("clusterIP") or (spec.get("clusterIPs") or [None])[0]
    families = list(spec.get("ipFamilies") or [])
    policy = spec.get("ipFamilyPolicy")
    if cluster_ip == "None":
        if not families:
            if spec.get("selector") is None and policy is None:
                policy = "RequireDualStack"
            families = ["IPv4", "IPv6"] if policy in ("PreferDualStack", "RequireDualStack") else ["IPv4"]
        policy = policy or ("SingleStack" if len(families) == 1 else "RequireDualStack")
        if policy != "SingleStack" and len(families) == 1:
            families.append("IPv6" if families[0] == "IPv4" else "IPv4")
        spec["clusterIP"] = "None"
        spec["clusterIPs"] = ["None"]
    else:
        requested = list(spec.get("clusterIPs") or ([cluster_ip] if cluster_ip else []))
        if not families:
            families = [ip_family(ip) for ip in requested] or ["IPv4"]
        if policy is None:
            policy = "SingleStack" if len(families) == 1 else "RequireDualStack"
        if policy != "SingleStack" and len(families) == 1:
            families.append("IPv6" if families[0] == "IPv4" else "IPv4")
        ips = [allocate_ip(fam, requested[i] if i < len(requested) else None) for i, fam in enumerate(families)]
        spec["clusterIP"] = ips[0]
        spec["clusterIPs"] = ips
    spec["ipFamilies"] = families
    spec["ipFamilyPolicy"] = policy
    return m


def default_endpointslice(m: dict) -> dict:
    """Discovery defaulting: port protocol TCP, endpoint conditions left as given."""
    for p in m.get("ports") or []:
        p.setdefault("protocol", "TCP")
    m.setdefault("endpoints", None)
    return m


def default_endpoints(m: dict) -> dict:
    for subset in m.get("subsets") or []:
        for p in subset.get("ports") or []:
            p.setdefault("protocol", "TCP")
    return m
