"""Fuzzing apply: a mutated manifest is either accepted or rejected with ManifestError — never another
exception, and a rejected call stores nothing; and whatever was accepted, kubectl can print."""
from __future__ import annotations

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import slicelab
from slicelab.builders import endpoints, node, pod, service
from slicelab.views.kubectl import ENDPOINTS_DEPRECATION_WARNING

WEB = {"app": "web"}
SEEDS = [
    pod("web-1", "10.0.0.1", labels=WEB, ports=[{"name": "http", "containerPort": 8080}], node="n1",
        ipv6="fd00::1", sidecar_ports=[9000]),
    service("web", selector=WEB, ports=[{"name": "http", "port": 80, "targetPort": "http"},
                                        {"name": "udp", "port": 53, "protocol": "UDP"}],
            ip_family_policy="PreferDualStack", traffic_distribution="PreferClose"),
    service("ext", selector=None, ports=[443], annotations={"service.kubernetes.io/topology-mode": "Auto"}),
    node("n1", zone="zone-a", cpu=4),
    endpoints("ext", ["192.0.2.1"], not_ready=["192.0.2.2"], ports=[443]),
    {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
     "metadata": {"name": "manual", "labels": {"kubernetes.io/service-name": "ext"}},
     "addressType": "IPv4", "ports": [{"name": "https", "port": 443, "protocol": "TCP"}],
     "endpoints": [{"addresses": ["192.0.2.9"], "conditions": {"ready": True}, "zone": "zone-a",
                    "hints": {"forZones": [{"name": "zone-a"}]}}]},
    {"apiVersion": "v1", "kind": "Service",
     "metadata": {"name": "lb", "namespace": "other", "creationTimestamp": "2025-12-31T23:00:00+01:00",
                  "labels": {"tier": "edge"}, "annotations": {"note": "x" * 150 + "\nsecond line"}},
     "spec": {"type": "LoadBalancer", "selector": WEB, "externalTrafficPolicy": "Local",
              "ports": [{"name": "h2", "port": 443, "targetPort": 8443, "appProtocol": "kubernetes.io/h2c",
                         "nodePort": 30443}]},
     "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.7", "ipMode": "VIP"}]}}},
]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**40, max_value=2**40), st.floats(allow_nan=True),
    st.text(max_size=12), st.sampled_from(["", "None", "TCP", "tcp", "IPv6", "::", "0.0.0.0", "127.0.0.1",
                                           "fe80::1", "999.1.1.1", "a" * 70, "-x-", "Always", "True", "http",
                                           "2026-13-01T00:00:00Z", "10.96.0.10", "fd00:10:96::1",
                                           "20260101T000000Z", "2026-01-01 00:00:00Z"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                      max_leaves=6)


def paths(node_, prefix=()):
    yield prefix
    if isinstance(node_, dict):
        for k, v in node_.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(node_, list):
        for i, v in enumerate(node_):
            yield from paths(v, prefix + (i,))


def mutate(manifest, path, action, value):
    import copy
    m = copy.deepcopy(manifest)
    if not path:
        return value if action == "replace" else m
    parent = m
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == "replace":
        parent[last] = value
    elif action == "delete":
        del parent[last]
    elif action == "add" and isinstance(parent[last], dict):
        parent[last]["fuzz"] = value
    elif action == "add" and isinstance(parent[last], list):
        parent[last].append(value)
    return m


@st.composite
def mutated(draw):
    manifests = [m for m in SEEDS]
    out = []
    for _ in range(draw(st.integers(1, 3))):
        base = draw(st.sampled_from(manifests))
        all_paths = list(paths(base))
        path = draw(st.sampled_from(all_paths))
        out.append(mutate(base, path, draw(st.sampled_from(["replace", "delete", "add"])), draw(values)))
    return out


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.booleans())
def test_mutated_manifests_succeed_or_raise_manifest_error(manifests, as_list):
    c = slicelab.Cluster()
    c.apply([service("web", selector=WEB), pod("web-0", "10.0.0.5", labels=WEB)])
    before = {kind: c.get(kind, namespace=None) for kind in ("Service", "Pod", "Node", "Endpoints", "EndpointSlice")}
    try:
        if as_list:
            c.apply(manifests)
        else:
            for m in manifests:
                c.apply(m)
    except slicelab.ManifestError as exc:
        assert "\n" not in str(exc)
        if as_list:  # one transaction: nothing of it is stored
            assert {kind: c.get(kind, namespace=None) for kind in before} == before
    else:
        for kind in before:
            for item in c.get(kind, namespace=None):
                assert item["metadata"]["resourceVersion"]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.text(max_size=200))
def test_random_yaml_text(text):
    c = slicelab.Cluster()
    try:
        c.apply(text)
    except slicelab.ManifestError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(["apiVersion: v1", "kind: Pod", "kind: Service", "metadata:", "  name: x",
                                 "  name: 1", "spec:", "  ports:", "  - port: 80", "  - port: x", "  selector:",
                                 "    app: web", "---", "status:", "  podIP: 10.0.0.1", "  phase: Running",
                                 "  containers: []", "  clusterIP: None", "items: []", "kind: List"]),
                max_size=14))
def test_random_yaml_documents(lines):
    c = slicelab.Cluster()
    try:
        c.apply("\n".join(lines))
    except slicelab.ManifestError as exc:
        assert "\n" not in str(exc)


KINDS = {"Service": "svc", "Pod": "pods", "Node": "nodes", "Endpoints": "ep", "EndpointSlice": "endpointslices"}
COMMANDS = ["get svc,pods,nodes,ep,endpointslices -A -o wide --show-labels", "get endpointslices -A -o name",
            "describe svc -A", "describe ep -A", "describe endpointslices -A", "get svc,ep -n other"]


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
@example([dict(SEEDS[1], metadata=dict(SEEDS[1]["metadata"], creationTimestamp="20260101T000000Z"))])
@example([dict(SEEDS[-1], metadata=dict(SEEDS[-1]["metadata"], creationTimestamp="2026-01-01 00:00:00Z"))])
def test_kubectl_prints_whatever_the_cluster_stored(manifests):
    """Vary the stored objects, not only the commands: every admitted object prints, and -o yaml gives
    back exactly what the cluster stores."""
    c = slicelab.Cluster()
    for manifest in SEEDS + manifests:
        try:
            c.apply(manifest)
        except slicelab.ManifestError:
            pass
    for command in COMMANDS:
        text = c.kubectl(command)
        assert isinstance(text, str) and not text.startswith("error:"), (command, text)
    for kind, resource in KINDS.items():
        text = c.kubectl(f"get {resource} -A -o yaml").removeprefix(ENDPOINTS_DEPRECATION_WARNING + "\n")
        assert yaml.safe_load(text)["items"] == c.get(kind, namespace=None), kind
