"""The facts lessons 02-09 ask about, recomputed with slicelab: a self-check's answer must stay true.

Each test repeats a lesson's worked example with the same calls and asserts what its self-checks
expect, so a change in slicelab that makes a lesson's answer wrong fails here, not in a classroom.
"""
from slicelab import Cluster, network
from slicelab.lessons import SELF_CHECKS
from slicelab.widgets.playground import Lab, count_writes


def sizes(lab):
    return sorted((len(s.get("endpoints") or []) for s in lab.slices()), reverse=True)


def test_02_selectors_and_target_ports():
    lab = Lab(replicas=3, kubectl="")
    lab.add_pods(1, labels={"app": "web", "tier": "canary"}, prefix="canary")
    lab.add_pods(1, labels={"app": "db"}, prefix="db")
    assert sizes(lab) == [4]                      # the canary Pod matches app=web, the db Pod does not
    lab.set_selector("app=web,tier=canary")
    assert sizes(lab) == [1]
    mirrored = lab.set_selector("")               # {} is stored as no selector (self-check 02#3)
    assert lab.cluster.get("Service", name="web")[0]["spec"].get("selector") is None
    assert count_writes(mirrored.writes) == {"create": 1, "update": 0, "delete": 0}
    assert mirrored.writes[0]["controller"] == "endpointslice-mirroring"
    assert sizes(lab) == [1, 1]                   # the old slice untouched, its mirror; no db Pod
    assert "db-5" not in {e["targetRef"]["name"] for s in lab.slices() for e in s.get("endpoints") or []}
    assert lab.set_selector(None).writes == ()    # removing the field altogether changes nothing more
    assert SELF_CHECKS["02"][2]["answer"] == "no selector at all"
    lab.set_selector("app=web")
    assert [p["port"] for p in lab.set_target_port("metrics").slices[0]["ports"]] == [9090]
    assert count_writes(lab.set_target_port(9090).writes) == {"create": 0, "update": 0, "delete": 0}
    lab.set_target_port("grpc")
    assert "<none>" in lab.cluster.kubectl("get endpoints web")
    assert sizes(lab) == [4] and all(not s.get("ports") for s in lab.slices())


def test_03_endpoints_lists_and_truncation():
    lab = Lab(replicas=3, kubectl="")
    lab.set_ready("web-2", False)
    subset = lab.cluster.get("Endpoints", name="web")[0]["subsets"][0]
    assert [a["targetRef"]["name"] for a in subset["notReadyAddresses"]] == ["web-2"]
    assert "10.0.0.2" not in lab.cluster.kubectl("get endpoints web")
    lab.start_termination("web-3")
    names = [a["targetRef"]["name"] for s in lab.cluster.get("Endpoints", name="web")[0]["subsets"]
             for a in s.get("addresses", []) + s.get("notReadyAddresses", [])]
    assert "web-3" not in names
    lab.finish_termination("web-3")
    lab.add_pods(2, ports={"http": 8081}, prefix="web-v2")
    assert len(lab.cluster.get("Endpoints", name="web")[0]["subsets"]) == 2
    big = Lab(replicas=1001, kubectl="")
    endpoints = big.cluster.get("Endpoints", name="web")[0]
    assert endpoints["metadata"]["annotations"]["endpoints.kubernetes.io/over-capacity"] == "truncated"
    assert sum(len(s.get("addresses", [])) for s in endpoints["subsets"]) == 1000
    assert sum(sizes(big)) == 1001


def test_04_placeholder_conditions_and_slice_count():
    lab = Lab(Cluster(max_endpoints_per_slice=5), replicas=0, kubectl="")
    assert len(lab.slices()) == 1
    assert count_writes(lab.add_pods(1).writes) == {"create": 0, "update": 1, "delete": 0}
    labels = lab.slices()[0]["metadata"]["labels"]
    assert labels["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io"
    lab.add_pods(2)
    lab.set_ready("web-2", False)
    lab.start_termination("web-3")
    web3 = [e for e in lab.slices()[0]["endpoints"] if e["targetRef"]["name"] == "web-3"][0]
    assert web3["conditions"] == {"ready": False, "serving": True, "terminating": True}
    lab.finish_termination("web-3")
    lab.scale(12)
    assert len(lab.slices()) == 3
    lab.add_pods(2, ports={"http": 8081}, prefix="web-v2")
    assert len(lab.slices()) == 4


def test_05_one_pod_goes_to_the_slice_with_room():
    lab = Lab(replicas=0, kubectl="")
    first = lab.scale(250)
    assert first.sizes == [100, 100, 50]
    assert count_writes(first.writes) == {"create": 2, "update": 1, "delete": 0}
    assert lab.scale(251).sizes == [100, 100, 51]
    steps = Lab(Cluster(max_endpoints_per_slice=2), replicas=3, kubectl="").rolling_update()
    starts = [e for e in steps if e.title.endswith("starts terminating")]
    assert all(count_writes(e.writes) == {"create": 0, "update": 1, "delete": 0} for e in starts)
    assert all(len(e.sizes) == 2 for e in steps)  # never merged, never more


def test_06_clients():
    lab = Lab(replicas=3, kubectl="")
    assert network.resolve(lab.cluster, "web").service_type == "ClusterIP"
    db = Lab(lab.cluster, service="db", replicas=3, headless=True, kubectl="")
    assert len(network.resolve(db.cluster, "db").records) == 3
    lab.set_ready("web-2", False)
    lab.start_termination("web-3")
    assert {network.connect(lab.cluster, "web", rng=i).backend.pod for i in range(50)} == {"web-1"}
    lab.start_termination("web-1")
    connection = network.connect(lab.cluster, "web")
    assert connection.ok and connection.backend.terminating and connection.backend.serving
    lab.scale(0)
    assert network.resolve(lab.cluster, "web").records and not network.connect(lab.cluster, "web").ok
    db.scale(0)
    assert network.resolve(db.cluster, "db").rcode == "NXDOMAIN"


def test_08_dual_stack_and_hints():
    lab = Lab(replicas=3, dual_stack=True, kubectl="")
    assert sorted(s["addressType"] for s in lab.slices()) == ["IPv4", "IPv6"]
    assert "fd00" not in lab.cluster.kubectl("get endpoints web")
    later = Lab(replicas=2, kubectl="")
    v6 = [s for s in later.set_dual_stack(True).slices if s["addressType"] == "IPv6"][0]
    assert not v6.get("endpoints") and not v6.get("ports")
    zoned = Lab(replicas=4, zones=("zone-a", "zone-b"), kubectl="")
    zoned.set_traffic_distribution("PreferClose")
    zoned.set_ready("web-2", False)
    hints = {e["targetRef"]["name"]: [h["name"] for h in (e.get("hints") or {}).get("forZones", [])]
             for e in zoned.slices()[0]["endpoints"]}
    assert hints == {"web-1": ["zone-a"], "web-2": [], "web-3": ["zone-a"], "web-4": ["zone-b"]}


def test_09_mirroring():
    c = Cluster()
    c.apply([{"kind": "Service", "apiVersion": "v1", "metadata": {"name": "db"}, "spec": {"ports": [{"port": 5432}]}},
             {"kind": "Endpoints", "apiVersion": "v1", "metadata": {"name": "db"},
              "subsets": [{"addresses": [{"ip": "192.0.2.10"}, {"ip": "192.0.2.11"}], "ports": [{"port": 5432}]}]}])
    mirrored = c.get("EndpointSlice")
    assert len(mirrored) == 1
    assert mirrored[0]["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == \
        "endpointslicemirroring-controller.k8s.io"
    c.apply({"kind": "Service", "apiVersion": "v1", "metadata": {"name": "db"},
             "spec": {"selector": {"app": "db"}, "ports": [{"port": 5432}]}})
    managers = {s["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] for s in c.get("EndpointSlice")}
    assert managers == {"endpointslice-controller.k8s.io"}


def test_05_phase_two_fills_slices_updated_anyway():
    alone = Lab(replicas=200, kubectl="")
    alone.thin_slices(90)
    event = alone.scale(195)
    assert event.sizes == [90, 90, 15] and count_writes(event.writes)["create"] == 1
    together = Lab(replicas=200, kubectl="")
    together.thin_slices(90)
    event = together.batch(add=15, not_ready=together.first_pods())
    assert event.sizes == [100, 95]
    assert count_writes(event.writes) == {"create": 0, "update": 2, "delete": 0}


def test_03_publish_not_ready_addresses_lists_everyone_as_ready():
    lab = Lab(replicas=3, kubectl="")
    lab.set_ready("web-2", False)
    lab.start_termination("web-3")
    lab.set_publish_not_ready_addresses(True)
    subsets = lab.cluster.get("Endpoints", name="web")[0]["subsets"]
    assert [a["targetRef"]["name"] for a in subsets[0]["addresses"]] == ["web-1", "web-2", "web-3"]
    assert not subsets[0].get("notReadyAddresses")
    conditions = {e["targetRef"]["name"]: e["conditions"]["ready"] for e in lab.slices()[0]["endpoints"]}
    assert conditions == {"web-1": True, "web-2": True, "web-3": True}
