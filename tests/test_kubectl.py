"""kubectl output: tables, AGE, describe layouts, flags and errors, against kubectl's own formats.

Most tests print hand-built manifests from a small in-memory store (`Store`), so the printers are
checked independently of the controllers; the last group runs on a real slicelab.Cluster.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from slicelab.selectors import matches
from slicelab.views.durations import human_duration, parse_timestamp
from slicelab.views.kubectl import (ENDPOINTS_DEPRECATION_WARNING, KubectlError, parse_command,
                                    run_kubectl)
from slicelab.views.tables import format_endpoints, tabwrite

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


def ago(seconds: float) -> str:
    return (NOW - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """An object store with the one read method the printers use (a stand-in for Cluster.get)."""

    def __init__(self, *objects: dict, now: datetime = NOW):
        self.objects = list(objects)
        self.now = now

    def get(self, kind, namespace="default", name=None, label_selector=None):
        found = []
        for obj in self.objects:
            meta = obj["metadata"]
            if obj["kind"] != kind or (name is not None and meta["name"] != name):
                continue
            if namespace is not None and kind != "Node" and meta.get("namespace", "default") != namespace:
                continue
            if label_selector and not matches(label_selector, meta.get("labels")):
                continue
            found.append(obj)
        return found


def endpoints(name, subsets, namespace="default", age=300, labels=None):
    return {"apiVersion": "v1", "kind": "Endpoints", "subsets": subsets,
            "metadata": {"name": name, "namespace": namespace, "creationTimestamp": ago(age),
                         "labels": labels or {}}}


def eslice(name, address_type="IPv4", ports=(), eps=(), namespace="default", age=300, service="web"):
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": address_type,
            "ports": list(ports), "endpoints": list(eps),
            "metadata": {"name": name, "namespace": namespace, "creationTimestamp": ago(age),
                         "labels": {"kubernetes.io/service-name": service,
                                    "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}}}


def endpoint(ip, ready=True, serving=None, terminating=False, **extra):
    serving = ready if serving is None else serving
    return {"addresses": [ip], "conditions": {"ready": ready, "serving": serving, "terminating": terminating},
            **extra}


def addr(ip):
    return {"ip": ip}


def kubectl(store, command):
    return run_kubectl(store, command)


# ------------------------------------------------------------------------------------- tabwriter

def test_tabwrite_pads_every_column_but_the_last_to_min_width_6_and_padding_3():
    text = tabwrite("NAME\tAGE\nab\t5m\nlonger-name\t10d\n")
    assert text == "NAME          AGE\nab            5m\nlonger-name   10d\n"


def test_tabwrite_column_blocks_end_at_a_line_without_that_column():
    # Lines 1-2 form one block for column 0, the untabbed line breaks it, line 4 is aligned alone.
    text = tabwrite("a:\tx\nlonger:\ty\nbreak\nb:\tz\n", minwidth=0, padding=2)
    assert text == "a:       x\nlonger:  y\nbreak\nb:  z\n"


cells = st.text(alphabet=st.characters(blacklist_characters="\t\n\r\x0b\x0c", blacklist_categories=("Cs",)),
                max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=2, max_value=5).flatmap(
    lambda n: st.lists(st.lists(cells, min_size=n, max_size=n), min_size=1, max_size=6)))
def test_tabwrite_matches_a_direct_layout_for_rectangular_tables(rows):
    widths = [max(6, max(len(r[j]) for r in rows) + 3) for j in range(len(rows[0]) - 1)]
    expected = "".join("".join(c.ljust(w) for c, w in zip(r, widths)) + r[-1] + "\n" for r in rows)
    assert tabwrite("".join("\t".join(r) + "\n" for r in rows)) == expected


# ------------------------------------------------------------------------------------- AGE

@pytest.mark.parametrize("seconds, text", [
    (-2, "<invalid>"), (-1.5, "0s"), (0, "0s"), (59, "59s"), (119, "119s"), (120, "2m"), (150, "2m30s"),
    (599, "9m59s"), (600, "10m"), (3 * 3600 - 1, "179m"), (3 * 3600, "3h"), (3 * 3600 + 1800, "3h30m"),
    (8 * 3600 - 60, "7h59m"), (8 * 3600, "8h"), (47 * 3600, "47h"), (48 * 3600, "2d"),
    (3 * 86400 + 4 * 3600, "3d4h"), (8 * 86400, "8d"), (729 * 86400, "729d"), (730 * 86400, "2y"),
    (760 * 86400, "2y30d"), (8 * 365 * 86400, "8y"), (10 * 365 * 86400, "10y"),
])
def test_age_follows_humanduration_buckets(seconds, text):
    assert human_duration(timedelta(seconds=seconds)) == text


def test_timestamps_with_nanoseconds_and_offsets_parse():
    assert parse_timestamp("2026-03-01T12:00:00.123456789Z") == NOW + timedelta(microseconds=123456)
    assert parse_timestamp("2026-03-01T13:00:00+01:00") == NOW
    with pytest.raises(ValueError, match="RFC 3339"):
        parse_timestamp("yesterday")


def test_age_column_counts_from_creation_timestamp():
    store = Store(endpoints("a", [], age=90), endpoints("b", [], age=4 * 86400 + 7200))
    lines = kubectl(store, "get ep").splitlines()
    assert lines[2].split()[-1] == "90s" and lines[3].split()[-1] == "4d2h"


# ------------------------------------------------------------------------------------- get endpointslices

def test_endpointslice_rows_match_kubectl_printer_test_lines():
    # The two rows kubectl's own printer tests expect (PRINT, printers_test.go), printed without headers.
    single = eslice("abcslice.123", "IP", [{"port": 80, "protocol": "TCP"}],
                    [{"addresses": ["10.1.2.3", "2001:db8::1234:5678"]}], age=0)
    multi = eslice("multiportslice.123", "IP",
                   [{"port": p, "protocol": "TCP"} for p in (80, 443, 3000, 3001)],
                   [{"addresses": ["10.1.2.3", "2001:db8::1234:5678"]},
                    {"addresses": ["10.2.3.4"]}, {"addresses": ["2001:db8::2:3:4"]}], age=300)
    assert kubectl(Store(single), "get endpointslices --no-headers") == \
        "abcslice.123   IP    80    10.1.2.3,2001:db8::1234:5678   0s"
    assert kubectl(Store(multi), "get endpointslices --no-headers") == \
        "multiportslice.123   IP    80,443,3000 + 1 more...   10.1.2.3,2001:db8::1234:5678,10.2.3.4 + 1 more...   5m"


def test_endpointslice_table_shows_every_address_whatever_its_conditions():
    s = eslice("web-x7k2p", ports=[{"name": "", "port": 8080, "protocol": "TCP"}],
               eps=[endpoint("10.0.0.1"), endpoint("10.0.0.2", ready=False),
                    endpoint("10.0.0.3", ready=False, serving=True, terminating=True)])
    assert kubectl(Store(s), "get endpointslices") == (
        "NAME        ADDRESSTYPE   PORTS   ENDPOINTS                    AGE\n"
        "web-x7k2p   IPv4          8080    10.0.0.1,10.0.0.2,10.0.0.3   5m")


def test_placeholder_slice_prints_unset_twice_and_port_without_number_prints_name_or_star():
    placeholder = eslice("web-abcde")
    named = eslice("web-fghij", ports=[{"name": "http", "protocol": "TCP"}, {"protocol": "TCP"}],
                   eps=[endpoint("10.0.0.1")])
    assert kubectl(Store(placeholder, named), "get endpointslice.discovery.k8s.io") == (
        "NAME        ADDRESSTYPE   PORTS     ENDPOINTS   AGE\n"
        "web-abcde   IPv4          <unset>   <unset>     5m\n"
        "web-fghij   IPv4          http,*    10.0.0.1    5m")


# ------------------------------------------------------------------------------------- get endpoints

def test_endpoints_column_is_port_major_and_counts_every_pair():
    ep = endpoints("web", [{"addresses": [addr("10.0.0.1"), addr("10.0.0.2")],
                            "ports": [{"port": 80, "protocol": "TCP"}, {"port": 443, "protocol": "TCP"}]}])
    assert format_endpoints(ep) == "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more..."


def test_endpoints_column_none_empty_ipv6_and_headless_forms():
    assert format_endpoints(endpoints("a", [])) == "<none>"
    only_not_ready = endpoints("b", [{"notReadyAddresses": [addr("10.0.0.9")], "ports": [{"port": 80}]}])
    assert format_endpoints(only_not_ready) == ""
    v6 = endpoints("c", [{"addresses": [addr("2001:db8::1")], "ports": [{"port": 80}]}])
    assert format_endpoints(v6) == "[2001:db8::1]:80"
    headless = endpoints("d", [{"addresses": [addr(f"10.0.0.{i}") for i in range(1, 6)]}])
    assert format_endpoints(headless) == "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more..."


ips = st.sampled_from(["10.0.0.1", "10.0.0.2", "10.0.0.10", "fd00::1", "2001:db8::7"])
subsets = st.lists(st.fixed_dictionaries({
    "addresses": st.lists(ips.map(addr), max_size=4),
    "notReadyAddresses": st.lists(ips.map(addr), max_size=2),
    "ports": st.lists(st.integers(1, 65535).map(lambda p: {"port": p, "protocol": "TCP"}), max_size=3),
}), max_size=3)


@settings(max_examples=80, deadline=None)
@given(subsets)
def test_endpoints_column_lists_ready_pairs_port_major_then_counts_the_rest(subsets):
    pairs = []
    for subset in subsets:
        ready = [a["ip"] for a in subset["addresses"]]
        if not subset["ports"]:
            pairs += ready
        for port in subset["ports"]:
            pairs += [f"[{ip}]:{port['port']}" if ":" in ip else f"{ip}:{port['port']}" for ip in ready]
    expected = ",".join(pairs[:3]) + (f" + {len(pairs) - 3} more..." if len(pairs) > 3 else "")
    assert format_endpoints(endpoints("web", subsets)) == (expected if subsets else "<none>")


def test_get_endpoints_prints_the_deprecation_warning_first():
    ep = endpoints("my-service", [{"addresses": [addr("10.0.0.1"), addr("10.0.0.2")],
                                   "notReadyAddresses": [addr("10.0.0.3")], "ports": [{"port": 9376}]}])
    assert kubectl(Store(ep), "kubectl get endpoints my-service") == (
        f"{ENDPOINTS_DEPRECATION_WARNING}\n"
        "NAME         ENDPOINTS                     AGE\n"
        "my-service   10.0.0.1:9376,10.0.0.2:9376   5m")
    assert ENDPOINTS_DEPRECATION_WARNING == \
        "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"


def test_missing_object_and_empty_namespace_messages():
    store = Store(endpoints("web", []))
    assert kubectl(store, "get ep x").splitlines()[1:] == ['Error from server (NotFound): endpoints "x" not found']
    assert kubectl(store, "get endpointslices nope") == \
        'Error from server (NotFound): endpointslices.discovery.k8s.io "nope" not found'
    assert kubectl(store, "get pods") == "No resources found in default namespace."
    assert kubectl(store, "get pods -n prod") == "No resources found in prod namespace."
    assert kubectl(store, "get pods -A") == "No resources found"
    assert kubectl(store, "get ep x --ignore-not-found").splitlines()[1:] == []
    assert kubectl(store, "get ep web x").splitlines()[1:] == [
        "NAME   ENDPOINTS   AGE", "web    <none>      5m", 'Error from server (NotFound): endpoints "x" not found']


# ------------------------------------------------------------------------------------- pods, services, nodes

def pod(name, ip="10.0.0.1", ready=True, phase="Running", deleting=False, namespace="default", labels=None):
    meta = {"name": name, "namespace": namespace, "creationTimestamp": ago(600), "labels": labels or {"app": "web"}}
    if deleting:
        meta["deletionTimestamp"] = ago(1)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"containers": [{"name": "web"}], "nodeName": "node-a"},
            "status": {"phase": phase, "podIP": ip, "podIPs": [{"ip": ip}],
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


def service(name="my-service", namespace="default", **spec):
    spec = {"type": "ClusterIP", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
            "selector": {"app": "web"}, "ports": [{"port": 80, "protocol": "TCP", "targetPort": 9376}], **spec}
    return {"apiVersion": "v1", "kind": "Service", "spec": spec,
            "metadata": {"name": name, "namespace": namespace, "creationTimestamp": ago(3600)}}


def test_pods_table_and_wide_columns_and_terminating_status():
    store = Store(pod("web-1"), pod("web-2", "10.0.0.2", ready=False), pod("web-3", "10.0.0.3", deleting=True))
    assert kubectl(store, "get po") == (
        "NAME    READY   STATUS        RESTARTS   AGE\n"
        "web-1   1/1     Running       0          10m\n"
        "web-2   0/1     Running       0          10m\n"
        "web-3   1/1     Terminating   0          10m")
    assert kubectl(store, "get pods web-1 -o wide") == (
        "NAME    READY   STATUS    RESTARTS   AGE   IP         NODE     NOMINATED NODE   READINESS GATES\n"
        "web-1   1/1     Running   0          10m   10.0.0.1   node-a   <none>           <none>")


def test_pods_with_container_statuses_use_them():
    p = pod("crash")
    p["status"]["containerStatuses"] = [{"name": "web", "ready": False, "restartCount": 4,
                                         "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]
    assert kubectl(Store(p), "get pods --no-headers") == "crash   0/1   CrashLoopBackOff   4     10m"


def test_services_table_wide_and_types():
    store = Store(service(), service("db", clusterIP="None", clusterIPs=["None"], ports=[]),
                  service("lb", type="LoadBalancer", ports=[{"port": 443, "nodePort": 30443, "protocol": "TCP"}]))
    assert kubectl(store, "get svc -o wide") == (
        "NAME         TYPE           CLUSTER-IP   EXTERNAL-IP   PORT(S)         AGE   SELECTOR\n"
        "db           ClusterIP      None         <none>        <none>          60m   app=web\n"
        "lb           LoadBalancer   10.96.0.10   <pending>     443:30443/TCP   60m   app=web\n"
        "my-service   ClusterIP      10.96.0.10   <none>        80/TCP          60m   app=web")


def test_nodes_table():
    node = {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": "node-a", "creationTimestamp": ago(86400 * 3),
                         "labels": {"node-role.kubernetes.io/control-plane": "",
                                    "topology.kubernetes.io/zone": "zone-a"}},
            "spec": {"unschedulable": True},
            "status": {"conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.34.1"}}}
    assert kubectl(Store(node), "get nodes -A") == (
        "NAME     STATUS                     ROLES           AGE   VERSION\n"
        "node-a   Ready,SchedulingDisabled   control-plane   3d    v1.34.1")


def test_several_types_print_one_table_each_with_kind_prefixed_names():
    store = Store(service(), pod("web-1"), endpoints("my-service", []))
    assert kubectl(store, "get svc,pods") == (
        "NAME                 TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\n"
        "service/my-service   ClusterIP   10.96.0.10   <none>        80/TCP    60m\n"
        "\n"
        "NAME        READY   STATUS    RESTARTS   AGE\n"
        "pod/web-1   1/1     Running   0          10m")
    assert kubectl(store, "get svc/my-service").startswith("NAME         TYPE")
    assert kubectl(store, "get svc,nodes").startswith("NAME         TYPE")  # one kind found: plain names
    assert kubectl(store, "get svc/my-service pod/web-1 --no-headers").splitlines() == [
        "service/my-service   ClusterIP   10.96.0.10   <none>   80/TCP   60m",
        "pod/web-1   1/1   Running   0     10m"]
    assert kubectl(store, "get ep,svc -o name").splitlines()[1:] == ["endpoints/my-service", "service/my-service"]
    assert kubectl(store, "get svc -o yaml --show-labels") == \
        "error: --show-labels option cannot be used with yaml printer"


# ------------------------------------------------------------------------------------- namespaces, selectors, labels

def test_namespaces_all_namespaces_and_show_labels():
    store = Store(endpoints("web", [], namespace="prod", labels={"app": "web", "tier": "front"}),
                  endpoints("web", [], namespace="default"), endpoints("api", [], namespace="dev"))
    assert kubectl(store, "get ep -A").splitlines()[1:] == [
        "NAMESPACE   NAME   ENDPOINTS   AGE",
        "default     web    <none>      5m",
        "dev         api    <none>      5m",
        "prod        web    <none>      5m"]
    # -n selects a namespace but, like kubectl, adds no NAMESPACE column.
    assert kubectl(store, "get ep --namespace=prod --show-labels").splitlines()[1:] == [
        "NAME   ENDPOINTS   AGE   LABELS",
        "web    <none>      5m    app=web,tier=front"]


def test_label_selector_filters_and_is_validated():
    store = Store(eslice("web-aaaaa", service="web"), eslice("api-bbbbb", service="api"))
    out = kubectl(store, "get endpointslices -l kubernetes.io/service-name=web")
    assert "web-aaaaa" in out and "api-bbbbb" not in out
    out = kubectl(store, "get endpointslices --selector 'kubernetes.io/service-name in (api)'")
    assert "api-bbbbb" in out and "web-aaaaa" not in out
    assert kubectl(store, "get endpointslices -l kubernetes.io/service-name=nothing") == \
        "No resources found in default namespace."
    assert kubectl(store, "get endpointslices web-aaaaa -l a=b") == \
        "error: name cannot be provided when a selector is specified"
    assert kubectl(store, "get endpointslices -l 'a in b'").startswith("error: invalid label selector")


# ------------------------------------------------------------------------------------- yaml and json

def test_yaml_and_json_lists_round_trip_to_the_manifests():
    s1 = eslice("web-aaaaa", ports=[{"name": "", "port": 80, "protocol": "TCP"}], eps=[endpoint("10.0.0.1")])
    s2 = eslice("web-bbbbb")
    store = Store(s2, s1)
    doc = yaml.safe_load(kubectl(store, "get endpointslices -o yaml"))
    assert doc == {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [s1, s2]}
    assert json.loads(kubectl(store, "get endpointslices -o json")) == doc


def test_yaml_of_one_named_object_is_the_object_with_kubectl_quoting():
    ep = endpoints("web", [], labels={"headless": ""})
    text = kubectl(Store(ep), "get ep web -o yaml").split("\n", 1)[1]
    assert yaml.safe_load(text) == ep
    assert text.startswith("apiVersion: v1\nkind: Endpoints\nmetadata:\n")
    assert '    headless: ""\n' in text and f'creationTimestamp: "{ago(300)}"' in text
    assert kubectl(Store(ep), "get ep web -o json").split("\n", 1)[1].startswith('{\n    "apiVersion": "v1",')


def test_json_escapes_html_characters_like_go():
    ep = endpoints("web", [], labels={"note": "a<b>&c"})
    assert '"note": "a\\u003cb\\u003e\\u0026c"' in kubectl(Store(ep), "get ep web -o json")


# ------------------------------------------------------------------------------------- describe

def test_describe_endpoints_layout():
    ep = endpoints("my-service", [{"addresses": [addr("10.0.0.1"), addr("10.0.0.2")],
                                   "notReadyAddresses": [addr("10.0.0.3")],
                                   "ports": [{"name": "http", "port": 8080, "protocol": "TCP"},
                                             {"name": "metrics", "port": 9090, "protocol": "TCP"}]}],
                   labels={"app": "web"})
    assert kubectl(Store(ep), "describe endpoints my-service") == (
        f"{ENDPOINTS_DEPRECATION_WARNING}\n"
        "Name:         my-service\n"
        "Namespace:    default\n"
        "Labels:       app=web\n"
        "Annotations:  <none>\n"
        "Subsets:\n"
        "  Addresses:          10.0.0.1,10.0.0.2\n"
        "  NotReadyAddresses:  10.0.0.3\n"
        "  Ports:\n"
        "    Name     Port  Protocol\n"
        "    ----     ----  --------\n"
        "    http     8080  TCP\n"
        "    metrics  9090  TCP\n"
        "\n"
        "Events:  <none>")


def test_describe_placeholder_endpointslice_layout():
    assert kubectl(Store(eslice("web-abcde")), "describe endpointslice web-abcde") == (
        "Name:         web-abcde\n"
        "Namespace:    default\n"
        "Labels:       endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io\n"
        "              kubernetes.io/service-name=web\n"
        "Annotations:  <none>\n"
        "AddressType:  IPv4\n"
        "Ports: <unset>\n"
        "Endpoints: <none>\n"
        "Events:  <none>")


def test_describe_endpointslice_shows_ready_only_and_aligns_across_endpoints():
    s = eslice("web-x7k2p", ports=[{"name": "", "port": 8080, "protocol": "TCP"}],
               eps=[endpoint("10.0.0.1", nodeName="node-a", zone="zone-a",
                             targetRef={"kind": "Pod", "name": "web-1", "namespace": "default"}),
                    endpoint("10.0.0.2", ready=False, serving=True, terminating=True, hostname="web-2")])
    s["metadata"]["annotations"] = {"endpoints.kubernetes.io/last-change-trigger-time": "2026-03-01T11:55:00Z"}
    assert kubectl(Store(s), "describe endpointslices web-x7k2p") == (
        "Name:         web-x7k2p\n"
        "Namespace:    default\n"
        "Labels:       endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io\n"
        "              kubernetes.io/service-name=web\n"
        "Annotations:  endpoints.kubernetes.io/last-change-trigger-time: 2026-03-01T11:55:00Z\n"
        "AddressType:  IPv4\n"
        "Ports:\n"
        "  Name     Port  Protocol\n"
        "  ----     ----  --------\n"
        "  <unset>  8080  TCP\n"
        "Endpoints:\n"
        "  - Addresses:  10.0.0.1\n"
        "    Conditions:\n"
        "      Ready:    true\n"
        "    Hostname:   <unset>\n"
        "    TargetRef:  Pod/web-1\n"
        "    NodeName:   node-a\n"
        "    Zone:       zone-a\n"
        "  - Addresses:  10.0.0.2\n"
        "    Conditions:\n"
        "      Ready:   false\n"
        "    Hostname:  web-2\n"
        "    NodeName:  <unset>\n"
        "    Zone:      <unset>\n"
        "Events:        <none>")


def test_describe_service_reads_its_slices_ready_endpoints():
    ports = [{"name": "", "port": 9376, "protocol": "TCP"}]
    store = Store(service(), eslice("my-service-aaaaa", ports=ports, service="my-service",
                                    eps=[endpoint("10.0.0.1"), endpoint("10.0.0.2", ready=False)]))
    assert kubectl(store, "describe svc my-service") == (
        "Name:                     my-service\n"
        "Namespace:                default\n"
        "Labels:                   <none>\n"
        "Annotations:              <none>\n"
        "Selector:                 app=web\n"
        "Type:                     ClusterIP\n"
        "IP Families:              <none>\n"
        "IP:                       10.96.0.10\n"
        "IPs:                      10.96.0.10\n"
        "Port:                     <unset>  80/TCP\n"
        "TargetPort:               9376/TCP\n"
        "Endpoints:                10.0.0.1:9376\n"
        "Session Affinity:         None\n"
        "Internal Traffic Policy:  Cluster\n"
        "Events:                   <none>")


def test_describe_service_prints_app_protocol_after_target_port_when_set():
    """describe.go describeService: `AppProtocol:` follows `TargetPort:` (before `NodePort:`) only for a
    port that has one (issue 12, point 7)."""
    ports = [{"name": "h2", "port": 443, "protocol": "TCP", "targetPort": 8443, "appProtocol": "kubernetes.io/h2c",
              "nodePort": 30443},
             {"name": "metrics", "port": 9090, "protocol": "TCP", "targetPort": "metrics"}]
    text = kubectl(Store(service(type="NodePort", ports=ports)), "describe service my-service")
    assert (
        "Port:                     h2  443/TCP\n"
        "TargetPort:               8443/TCP\n"
        "AppProtocol:              kubernetes.io/h2c\n"
        "NodePort:                 h2  30443/TCP\n"
        "Endpoints:                <none>\n"
        "Port:                     metrics  9090/TCP\n"
        "TargetPort:               metrics/TCP\n"
        "Endpoints:                <none>\n") in text
    assert text.count("AppProtocol:") == 1


def test_describe_service_load_balancer_ingress_shows_ip_mode():
    svc = service(type="LoadBalancer")
    svc["status"] = {"loadBalancer": {"ingress": [{"ip": "203.0.113.7", "ipMode": "Proxy"},
                                                  {"hostname": "lb.example.com"}, {"ip": "203.0.113.8"}]}}
    lines = kubectl(Store(svc), "describe svc my-service").splitlines()
    assert "LoadBalancer Ingress:     203.0.113.7 (Proxy), lb.example.com, 203.0.113.8" in lines


def test_describe_service_prints_optional_fields_in_describe_gos_order():
    svc = service(type="LoadBalancer", externalIPs=["198.51.100.1", "198.51.100.2"], loadBalancerIP="203.0.113.9",
                  externalTrafficPolicy="Local", internalTrafficPolicy="Local", healthCheckNodePort=31000,
                  loadBalancerSourceRanges=["10.0.0.0/8", "192.168.0.0/16"], trafficDistribution="PreferClose",
                  sessionAffinity="ClientIP", ipFamilyPolicy="SingleStack", ipFamilies=["IPv4"])
    lines = [line.split(":")[0] for line in kubectl(Store(svc), "describe svc my-service").splitlines()]
    assert lines[6:] == ["IP Family Policy", "IP Families", "IP", "IPs", "External IPs", "Desired LoadBalancer IP",
                         "Port", "TargetPort", "Endpoints", "Session Affinity", "External Traffic Policy",
                         "Internal Traffic Policy", "HealthCheck NodePort", "LoadBalancer Source Ranges",
                         "Traffic Distribution", "Events"]
    values = dict(line.split(":", 1) for line in kubectl(Store(svc), "describe svc my-service").splitlines())
    assert {k: values[k].strip() for k in ("External IPs", "Desired LoadBalancer IP", "HealthCheck NodePort",
                                           "LoadBalancer Source Ranges", "Session Affinity")} == {
        "External IPs": "198.51.100.1,198.51.100.2", "Desired LoadBalancer IP": "203.0.113.9",
        "HealthCheck NodePort": "31000", "LoadBalancer Source Ranges": "10.0.0.0/8,192.168.0.0/16",
        "Session Affinity": "ClientIP"}
    external = kubectl(Store(service(type="ExternalName", externalName="db.example.com", clusterIP="",
                                     clusterIPs=[], ports=[])), "describe svc my-service").splitlines()
    values = dict(line.split(":", 1) for line in external)
    assert values["External Name"].strip() == "db.example.com" and "Internal Traffic Policy" not in values


def test_one_table_of_kind_names_for_the_store_and_kubectl():
    """objects.KIND_NAMES is the only list: every name there works in Cluster.get and in kubectl (any
    case), and a name kubectl refuses (`endpoint`) is refused by both."""
    import slicelab
    from slicelab.objects import KIND_NAMES
    from slicelab.views.kubectl.command import RESOURCES
    from slicelab.views.kubectl.describe import DESCRIBERS
    c = slicelab.Cluster()
    for kind, names in KIND_NAMES.items():
        for name in names + tuple(name.upper() for name in names):
            assert c.get(name) == c.get(kind)
            assert parse_command(f"get {name}").requests == [(RESOURCES[kind], None)]
    for wrong in ("endpoint", "svcs", "endpointslices.v1", "deployments"):
        with pytest.raises(ValueError):
            c.get(wrong)
        assert run_kubectl(c, f"get {wrong}") == f'error: the server doesn\'t have a resource type "{wrong}"'
    assert [(r.plural, r.singular) for r in RESOURCES.values()] == [
        ("endpoints", "endpoints"), ("endpointslices.discovery.k8s.io", "endpointslice.discovery.k8s.io"),
        ("pods", "pod"), ("services", "service"), ("nodes", "node")]
    assert set(DESCRIBERS) == {"Endpoints", "EndpointSlice", "Service"}
    assert run_kubectl(c, "describe pods") == ("error: slicelab's kubectl describes endpoints, endpointslices "
                                               "and services, not pods")


def test_describe_service_endpoints_line_none_empty_and_more_quirk():
    ports = [{"name": "", "port": 80, "protocol": "TCP"}]

    def endpoints_line(*slices):
        lines = kubectl(Store(service(), *slices), "describe service my-service").splitlines()
        return next(line for line in lines if line.startswith("Endpoints:")).split(None, 1)[1:]

    assert endpoints_line() == ["<none>"]
    assert endpoints_line(eslice("my-service-aaaaa", service="my-service")) == []
    four = [endpoint(f"10.0.0.{i}") for i in range(1, 5)]
    assert endpoints_line(eslice("my-service-aaaaa", ports=ports, eps=four, service="my-service")) == \
        ["10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more..."]
    # kubectl sets "more" before skipping a not-ready endpoint, so it prints "+ 0 more...".
    three_and_not_ready = four[:3] + [endpoint("10.0.0.4", ready=False)]
    assert endpoints_line(eslice("my-service-aaaaa", ports=ports, eps=three_and_not_ready,
                                 service="my-service")) == ["10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 0 more..."]


def test_describe_matches_name_prefixes_and_separates_objects():
    store = Store(eslice("web-aaaaa"), eslice("web-bbbbb"), eslice("api-ccccc", service="api"))
    out = kubectl(store, "describe endpointslice web")
    assert out.count("Name:         web-") == 2 and "api-ccccc" not in out
    assert "Events:  <none>\n\n\nName:         web-bbbbb" in out
    assert kubectl(store, "describe endpointslice nothing") == \
        'Error from server (NotFound): endpointslices.discovery.k8s.io "nothing" not found'
    assert kubectl(store, "describe endpointslice web-aaaaa --show-events=false").endswith("Endpoints: <none>")


# ------------------------------------------------------------------------------------- command errors

@pytest.mark.parametrize("command, message", [
    ("get foo", 'error: the server doesn\'t have a resource type "foo"'),
    ("get svc,foo", 'error: the server doesn\'t have a resource type "foo"'),
    ("get ep --frobnicate", "error: unknown flag: --frobnicate"),
    ("get ep --sort-by=.metadata.name", "error: --sort-by is not simulated here: lists are always sorted by "
                                        "namespace and name, as the API server returns them"),
    ("get ep -x", "error: unknown shorthand flag: 'x' in -x"),
    ("get ep -w", "error: -w is not simulated here: there is no live cluster to watch: change it "
                  "(cluster.apply, cluster.tick) and run get again"),
    ("get ep | grep web", "error: pipes and redirections are not simulated: run one kubectl command"),
    ("get ep -o table", 'error: unable to match a printer suitable for the output format "table", '
                        "allowed formats are: json,name,wide,yaml"),
    ("get ep -n", "error: flag needs an argument: --namespace"),
    ("frobnicate", 'error: unknown command "frobnicate" for "kubectl"'),
    ("get ep web -A", "error: a resource cannot be retrieved by name across all namespaces"),
    ("describe pods", "error: slicelab's kubectl describes endpoints, endpointslices and services, not pods"),
    ("describe ep -o yaml", "error: unknown shorthand flag: 'o' in -o"),
])
def test_bad_commands_give_one_line_errors(command, message):
    assert kubectl(Store(), command) == message
    with pytest.raises(KubectlError) as caught:
        parse_command(command)
    assert str(caught.value) == message


def test_commands_kubectl_has_but_slicelab_does_not_simulate_point_to_the_cluster_api():
    text = kubectl(Store(), "kubectl delete pod web-1")
    assert "\n" not in text and text.startswith('error: "kubectl delete" is not simulated here')


def test_flag_spellings_pflag_accepts():
    for command in ("get ep -nprod", "get ep -n=prod", "get ep --namespace prod", "get ep -oname -n prod"):
        cmd = parse_command(command)
        assert cmd.namespace == "prod", command
    assert parse_command("get ep -owide").output == "wide"
    assert parse_command("get ep --all-namespaces").all_namespaces
    combined = parse_command("get ep -Aowide")
    assert combined.all_namespaces and combined.output == "wide"
    assert parse_command("get ep -A=false").all_namespaces is False


# ------------------------------------------------------------------------------------- on a real Cluster

SEED_SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "my-service"},
                "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 9376}]}}


def seed_pod(name, ip):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx"}]},
            "status": {"phase": "Running", "podIP": ip, "conditions": [{"type": "Ready", "status": "True"}]}}


@pytest.fixture
def cluster():
    import slicelab
    return slicelab.Cluster()


def test_cluster_service_without_pods_has_a_placeholder_slice_and_empty_endpoints(cluster):
    cluster.apply(SEED_SERVICE)
    (placeholder,) = cluster.get("EndpointSlice")
    name = placeholder["metadata"]["name"]
    assert name.startswith("my-service-") and len(name) == 16
    assert cluster.kubectl("get endpointslices") == (
        "NAME               ADDRESSTYPE   PORTS     ENDPOINTS   AGE\n"
        f"{name}   IPv4          <unset>   <unset>     0s")
    assert cluster.kubectl("get ep my-service").splitlines()[1:] == [
        "NAME         ENDPOINTS   AGE", "my-service   <none>      0s"]


def test_cluster_seed_story_in_kubectl_output(cluster):
    cluster.apply([SEED_SERVICE, seed_pod("web-1", "10.0.0.1"), seed_pod("web-2", "10.0.0.2")])
    cluster.tick(90)
    assert cluster.kubectl("get endpoints my-service").splitlines()[2] == \
        "my-service   10.0.0.1:9376,10.0.0.2:9376   90s"
    assert cluster.kubectl("get endpointslices -l kubernetes.io/service-name=my-service --no-headers") \
        .split()[1:] == ["IPv4", "9376", "10.0.0.1,10.0.0.2", "90s"]
    cluster.delete("Pod", "web-2")
    assert cluster.kubectl("get endpoints my-service").splitlines()[2] == "my-service   10.0.0.1:9376   90s"
    # A terminating Pod leaves v1 Endpoints at once but stays in its EndpointSlice, not ready.
    cluster.delete("Pod", "web-1", graceful=True)
    assert cluster.kubectl("get endpoints my-service").splitlines()[2] == "my-service   <none>      90s"
    assert "10.0.0.1" in cluster.kubectl("get endpointslices")
    assert cluster.kubectl("get pods --no-headers").split()[2] == "Terminating"
    described = cluster.kubectl("describe endpointslice my-service")
    assert "  - Addresses:  10.0.0.1\n    Conditions:\n      Ready:    false\n" in described
    assert "Endpoints:                \n" in cluster.kubectl("describe service my-service")


def test_cluster_yaml_output_round_trips_to_its_objects(cluster):
    cluster.apply([SEED_SERVICE, seed_pod("web-1", "10.0.0.1")])
    for kind, resource in (("EndpointSlice", "endpointslices"), ("Endpoints", "endpoints"),
                           ("Service", "svc"), ("Pod", "pods")):
        listed = yaml.safe_load(cluster.kubectl(f"get {resource} -o yaml").removeprefix(
            ENDPOINTS_DEPRECATION_WARNING + "\n"))
        assert listed["items"] == cluster.get(kind), kind


words = st.sampled_from([
    "get", "describe", "kubectl", "ep", "endpoints", "endpointslices", "svc,pods", "po", "nodes", "foo",
    "svc/my-service", "pod/web-1", "my-service", "web", "-n", "prod", "-A", "-l", "app=web", "'a in'",
    "-o", "yaml", "json", "name", "wide", "-owide", "--show-labels", "--no-headers", "-x", "--", "=",
    "--namespace=", "-n=", "--selector", "--show-events=false", "--ignore-not-found", "|", "'", '"'])


@settings(max_examples=150, deadline=None)
@given(st.lists(words, max_size=7))
def test_any_command_line_gives_text_never_a_traceback(tokens):
    store = Store(service(), pod("web-1"), endpoints("my-service", []), eslice("my-service-abcde"))
    text = run_kubectl(store, " ".join(tokens))
    assert isinstance(text, str)
    if text.startswith("error:"):
        assert "\n" not in text
