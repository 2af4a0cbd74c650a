"""Manifests in: loading, validation with one-line errors naming the field, defaulting, facts."""
from __future__ import annotations

import pytest

import slicelab
from slicelab.builders import endpoints, node, pod, service
from slicelab.objects import canonical_ip, canonical_kind, load_manifests, parse_cpu, pod_facts

WEB = {"app": "web"}


def error_of(manifest) -> str:
    c = slicelab.Cluster()
    with pytest.raises(slicelab.ManifestError) as info:
        c.apply(manifest)
    message = str(info.value)
    assert "\n" not in message
    assert c.get("Pod") == [] and c.get("Service") == [] and c.writes == []
    return message


def with_(manifest: dict, path: str, value) -> dict:
    node_ = manifest
    parts = path.split(".")
    for part in parts[:-1]:
        node_ = node_[int(part)] if part.isdigit() else node_[part]
    last = parts[-1]
    if last.isdigit():
        node_[int(last)] = value
    else:
        node_[last] = value
    return manifest


@pytest.mark.parametrize("manifest,expected", [
    (with_(service("web", selector=WEB), "metadata.name", "1web"),
     'Service "default/1web": metadata.name: a DNS-1035 label must consist of lower case alphanumeric'),
    (with_(service("web", selector=WEB), "spec.ports", [{"port": 0}]),
     'Service "default/web": spec.ports[0].port: must be between 1 and 65535, got 0'),
    (with_(service("web", selector=WEB), "spec.ports", [{"port": 80, "targetPort": "http_port"}]),
     'Service "default/web": spec.ports[0].targetPort: must contain only alpha-numeric'),
    (with_(service("web", selector=WEB), "spec.ports", [{"port": 80, "targetPort": "8080"}]),
     'Service "default/web": spec.ports[0].targetPort: must contain at least one letter'),
    (with_(service("web", selector=WEB), "spec.ports", [{"port": 80, "targetPort": 70000}]),
     'Service "default/web": spec.ports[0].targetPort: must be between 1 and 65535, got 70000'),
    (with_(service("web", selector=WEB), "spec.ports", [{"port": 80, "protocol": "HTTP"}]),
     'Service "default/web": spec.ports[0].protocol: Unsupported value: \'HTTP\''),
    (with_(service("web", selector=WEB), "spec.ports", [{"port": 80}, {"port": 81}]),
     'Service "default/web": spec.ports[0].name: Required value'),
    (with_(service("web", selector=WEB), "spec.selector", {"app": "web!"}),
     "Service \"default/web\": spec.selector['app']: label value 'web!' must consist of"),
    (with_(service("web", selector=WEB), "spec.clusterIP", "10.96.0.300"),
     "Service \"default/web\": spec.clusterIP: must be a valid IP address, got '10.96.0.300'"),
    (with_(service("web", selector=WEB), "spec.selecter", {"app": "web"}),
     'Service "default/web": spec.selecter: unknown field'),
    (with_(service("web", selector=WEB), "spec.ports", []),
     'Service "default/web": spec.ports: Required value'),
    (pod("web-1", "10.0.0.1", ports=[70000]),
     'Pod "default/web-1": spec.containers[0].ports[0].containerPort: must be between 1 and 65535, got 70000'),
    (pod("Web_1", "10.0.0.1"), 'Pod "default/Web_1": metadata.name: a lowercase RFC 1123 subdomain'),
    (pod("web-1", "10.0.0.999"), "Pod \"default/web-1\": status.podIP: must be a valid IP address, got '10.0.0.999'"),
    (pod("web-1", "10.0.0.1", labels={"-bad": "x"}), "Pod \"default/web-1\": metadata.labels['-bad']: label key"),
    (pod("web-1", "10.0.0.1", phase="Exploded"), 'Pod "default/web-1": status.phase: Unsupported value'),
    (with_(pod("web-1", "10.0.0.1"), "spec.containers", []), 'Pod "default/web-1": spec.containers: Required value'),
    (with_(pod("web-1", "10.0.0.1"), "spec.containers.0.ports", [{"containerPort": "80"}]),
     'Pod "default/web-1": spec.containers[0].ports[0].containerPort: must be integer'),
    (with_(endpoints("ext", ["127.0.0.1"]), "metadata.namespace", "default"),
     'Endpoints "default/ext": subsets[0].addresses[0].ip: may not be in the loopback range'),
    (endpoints("ext", ["169.254.1.1"]), 'Endpoints "default/ext": subsets[0].addresses[0].ip: may not be in the link-local'),
    ({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "s"},
      "addressType": "IPv4", "endpoints": [{"addresses": ["fd00::1"]}]},
     "EndpointSlice \"default/s\": endpoints[0].addresses[0]: must be an IPv4 address, got 'fd00::1'"),
    ({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "s"},
      "addressType": "IP", "endpoints": []}, 'EndpointSlice "default/s": addressType: Unsupported value'),
    ({"apiVersion": "v1", "kind": "Deployment", "metadata": {"name": "d"}}, 'Deployment "default/d": kind: unsupported'),
    ({"apiVersion": "apps/v1", "kind": "Pod", "metadata": {"name": "d"}}, "Pod \"default/d\": apiVersion: must be 'v1'"),
    ({"apiVersion": "v1", "kind": "Pod"}, 'Pod "default/<unnamed>": metadata: Required value'),
    (with_(node("n1"), "status", {"allocatable": {"cpu": "lots"}}), 'Node "n1": status.allocatable.cpu: must be a CPU'),
])
def test_invalid_manifests_name_object_and_field(manifest, expected):
    assert error_of(manifest).startswith(expected)


def test_yaml_errors_are_one_line():
    message = error_of("apiVersion: v1\nkind: Pod\nmetadata: {name: [\n")
    assert message.startswith('YAML "input": cannot parse YAML at line')


def test_yaml_timestamps_stay_strings():
    (m,) = load_manifests("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  creationTimestamp: 2026-01-01T00:00:00Z\n")
    assert m["metadata"]["creationTimestamp"] == "2026-01-01T00:00:00Z"


def test_non_mapping_documents_rejected():
    assert error_of("- 1\n- 2\n").startswith('document "#1": expected a mapping')
    with pytest.raises(slicelab.ManifestError):
        slicelab.Cluster().apply(42)


def test_duplicate_cluster_ip_is_rejected_and_nothing_stored():
    c = slicelab.Cluster()
    c.apply(service("a", selector=WEB, cluster_ip="10.96.0.20"))
    with pytest.raises(slicelab.ManifestError, match="already allocated"):
        c.apply([pod("p", "10.0.0.1"), service("b", selector=WEB, cluster_ip="10.96.0.20")])
    assert c.get("Pod") == []


def test_cluster_ip_is_immutable():
    c = slicelab.Cluster()
    c.apply(service("a", selector=WEB, cluster_ip="10.96.0.20"))
    with pytest.raises(slicelab.ManifestError, match="field is immutable"):
        c.apply(service("a", selector=WEB, cluster_ip="10.96.0.21"))


def test_deleting_a_service_frees_its_cluster_ip():
    c = slicelab.Cluster()
    c.apply(service("a", selector=WEB, cluster_ip="10.96.0.20"))
    c.delete("Service", "a")
    c.apply(service("b", selector=WEB, cluster_ip="10.96.0.20"))
    assert c.get("Service")[0]["spec"]["clusterIP"] == "10.96.0.20"


def test_cluster_ip_outside_range():
    with pytest.raises(slicelab.ManifestError, match="not in the valid range 10.96.0.0/12"):
        slicelab.Cluster().apply(service("a", selector=WEB, cluster_ip="192.168.0.1"))


def test_generate_name_for_user_objects():
    c = slicelab.Cluster(seed=5)
    m = pod("x", "10.0.0.1")
    del m["metadata"]["name"]
    m["metadata"]["generateName"] = "web-"
    c.apply(m)
    (stored,) = c.get("Pod")
    assert stored["metadata"]["name"].startswith("web-") and len(stored["metadata"]["name"]) == 9


def test_headless_service_defaults():
    c = slicelab.Cluster()
    c.apply([service("h", selector=WEB, cluster_ip="None"), service("x", selector=None, cluster_ip="None")])
    h, x = c.get("Service")
    assert h["spec"]["ipFamilies"] == ["IPv4"] and h["spec"]["ipFamilyPolicy"] == "SingleStack"
    assert x["spec"]["ipFamilies"] == ["IPv4", "IPv6"] and x["spec"]["ipFamilyPolicy"] == "RequireDualStack"
    assert h["spec"]["clusterIPs"] == ["None"]


def test_ready_condition_time_kept_while_status_unchanged():
    c = slicelab.Cluster()
    c.apply(pod("p", "10.0.0.1"))
    first = c.get("Pod")[0]["status"]["conditions"][0]["lastTransitionTime"]
    c.tick(60)
    c.apply(pod("p", "10.0.0.1"))
    assert c.get("Pod")[0]["status"]["conditions"][0]["lastTransitionTime"] == first
    c.apply(pod("p", "10.0.0.1", ready=False))
    assert c.get("Pod")[0]["status"]["conditions"][0]["lastTransitionTime"] == "2026-01-01T00:01:00Z"


def test_pod_facts():
    facts = pod_facts(pod("p", "10.0.0.1", ipv6="2001:db8:0:0::1", labels=WEB, node="n1", terminating=True,
                          ports=[{"name": "http", "containerPort": 8080}], sidecar_ports=[9000]))
    assert facts.ips == ("10.0.0.1", "2001:db8::1")
    assert facts.ip_of("IPv6") == "2001:db8::1" and facts.ip_of("IPv4") == "10.0.0.1"
    assert facts.terminating and facts.ready and facts.node_name == "n1"
    assert facts.eligible(True) and not facts.eligible(False)
    assert [(p.name, p.port) for p in facts.ports] == [("http", 8080)]
    assert [p.port for p in facts.sidecar_ports] == [9000]


def test_small_helpers():
    assert canonical_ip("fd08::5678:0000:0000:9abc:def0") == "fd08::5678:0:0:9abc:def0"
    assert canonical_kind("svc") == "Service" and canonical_kind("endpointslices.discovery.k8s.io") == "EndpointSlice"
    with pytest.raises(ValueError, match="unknown kind"):
        canonical_kind("deployments")
    assert parse_cpu("500m") == 500 and parse_cpu("2") == 2000 and parse_cpu(1.5) == 1500
