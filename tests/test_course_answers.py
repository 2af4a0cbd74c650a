"""Every expected value in the assignments' test cells is recomputed here with slicelab.

Test cells hold literals (the grading kit never runs slicelab in a learner's kernel); this file is the
other half of that bargain: it recomputes each literal on the trusted side, through slicelab's public
interface (Cluster, builders, kubectl, network), so an answer key cannot drift from the library. A
multiple-choice answer is recomputed by finding the option whose text states the computed fact. The
few questions no simulation can answer (they are about design choices) are listed in CONCEPTUAL, and
a test makes sure nothing else escapes recomputation.
"""
from __future__ import annotations

import ast
import contextlib
import copy
import io
import re

import nbformat
import pytest

import slicelab
from slicelab import network
from slicelab.builders import pod, service
from slicelab.objects import pod_facts
from slicelab.selectors import matches_map
from test_course_structure import SOURCE, parse_test_cell

SLICE_LABELS = {"kubernetes.io/service-name": None, "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}
CONCEPTUAL = {
    "ps1-the-flow": {"q11"},            # which component programs Service routing: kube-proxy, not simulated
    "ps4-troubleshooting": {"D3"},      # which rollout setting to choose: a judgement about Deployments
}


# --- reading the notebooks --------------------------------------------------------------------------
def _notebook(assignment: str):
    return nbformat.read(SOURCE / assignment / f"{assignment}.ipynb", as_version=4)


def _checks(assignment: str) -> list[dict]:
    out = []
    for cell in _notebook(assignment).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            out += parse_test_cell(cell.source, meta["grade_id"])
    return out


def _answer_checks(assignment: str) -> dict[str, object]:
    """Hidden `expect(name, <answer variable or answer[key]>, literal)` checks: {source of actual: expected}."""
    return {ast.unparse(c["actual"]): c["expected"] for c in _checks(assignment)
            if c["kind"] == "expect" and not isinstance(c["actual"], ast.Call)}


def _call_checks(assignment: str) -> list[tuple[str, tuple, object]]:
    """`expect(name, fn(<literal args>), literal)` checks: (fn, args, expected)."""
    out = []
    for c in _checks(assignment):
        if c["kind"] == "expect" and isinstance(c["actual"], ast.Call):
            call = c["actual"]
            out.append((call.func.id, tuple(ast.literal_eval(a) for a in call.args), c["expected"]))
    return out


def _options(assignment: str, question: str) -> dict[str, str]:
    """The A-D options printed under `**Question <question>**`."""
    for cell in _notebook(assignment).cells:
        if cell.cell_type == "markdown" and cell.source.startswith(f"**Question {question}**"):
            return dict(re.findall(r"^- \*\*([A-D])\*\* (.+)$", cell.source, re.M))
    raise AssertionError(f"{assignment}: no question {question}")


def _letter(assignment: str, question: str, predicate) -> str:
    """The one option whose text satisfies the computed fact."""
    matching = [k for k, text in _options(assignment, question).items() if predicate(text)]
    assert len(matching) == 1, f"{assignment} {question}: options matching the computed fact: {matching}"
    return matching[0]


# --- reading a cluster --------------------------------------------------------------------------------
def _column(output: str, header: str) -> list[str]:
    """A column of a kubectl table, cut at the header's positions (cells may contain spaces)."""
    lines = [line for line in output.splitlines() if not line.startswith("Warning:")]
    head = lines[0]
    start = head.index(header)
    following = re.search(r"\S", head[start + len(header):])
    end = start + len(header) + following.start() if following else None
    return [line[start:end].strip() for line in lines[1:]]


def _slices(cluster, service_name: str, namespace: str = "default") -> list[dict]:
    return cluster.get("EndpointSlice", namespace, label_selector=f"kubernetes.io/service-name={service_name}")


def _endpoint(cluster, service_name: str, pod_name: str) -> dict:
    for s in _slices(cluster, service_name):
        for e in s.get("endpoints") or []:
            if e.get("targetRef", {}).get("name") == pod_name:
                return e
    raise AssertionError(f"no endpoint for {pod_name}")


def _slice_writes(writes: list[dict]) -> dict[str, int]:
    counts = {"create": 0, "update": 0, "delete": 0}
    for w in writes:
        if w["kind"] == "EndpointSlice" and w["controller"] == "endpointslice":
            counts[w["verb"]] += 1
    return counts


def _manifest(m: dict) -> dict:
    """An exercise's compact manifest, completed with what the API requires (apiVersion, image)."""
    m = copy.deepcopy(m)
    m.setdefault("apiVersion", "v1")
    m["metadata"].setdefault("namespace", "default")
    for c in m.get("spec", {}).get("containers", []):
        c.setdefault("image", "nginx:1.27")
    return m


def _cluster_with(svc: dict, pods: list[dict], **kw):
    cluster = slicelab.Cluster(seed=7, **kw)
    cluster.apply([_manifest(svc)] + [_manifest(p) for p in pods])
    return cluster


# --- ps2: the functions, recomputed through the controllers -----------------------------------------
def oracle_selects(selector, labels):
    return matches_map(selector, labels)


def oracle_select_pods(svc, pods):
    cluster = _cluster_with(svc, pods)
    ns = svc["metadata"].get("namespace", "default")
    listed = {e["targetRef"]["name"] for s in _slices(cluster, svc["metadata"]["name"], ns)
              for e in s.get("endpoints") or []}
    return [p["metadata"]["name"] for p in pods if p["metadata"]["name"] in listed
            and p["metadata"].get("namespace", "default") == ns]


def oracle_is_ready(p):
    return pod_facts(_manifest(p)).ready


def oracle_target_port(service_port, p):
    p = _manifest(p)
    labels = p["metadata"].setdefault("labels", {"probe": "target-port"})
    svc = {"kind": "Service", "metadata": {"name": "probe"}, "spec": {"selector": dict(labels), "ports": [service_port]}}
    (only,) = [s for s in _slices(_cluster_with(svc, [p]), "probe")]
    ports = only.get("ports") or []
    return ports[0]["port"] if ports else None


def oracle_endpoint_addresses(svc, pods):
    cluster = _cluster_with(svc, pods)
    (endpoints,) = cluster.get("Endpoints", name=svc["metadata"]["name"])
    subsets = endpoints.get("subsets") or []
    assert len(subsets) <= 1, "one port, one resolution: one subset"
    subset = subsets[0] if subsets else {}
    return {key: [a["ip"] for a in subset.get(key) or []] for key in ("addresses", "notReadyAddresses")}


def oracle_endpoints_column(svc, pods):
    cluster = _cluster_with(svc, pods)
    (cell,) = _column(cluster.kubectl(f"get endpoints {svc['metadata']['name']}"), "ENDPOINTS")
    return cell


# --- ps3: packing and the three-phase fill, recomputed through the EndpointSlice controller ---------
def _ip_pod(ip: str, ready: bool = True) -> dict:
    p = pod(f"pod-{ip.replace('.', '-')}", ip, labels={"app": "web"}, ports=[8080], ready=ready)
    p["metadata"]["uid"] = f"uid-{ip}"
    return p


def _owned_slice(name: str, ips: list[str]) -> dict:
    labels = {k: (v or "web") for k, v in SLICE_LABELS.items()}
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": name, "namespace": "default", "labels": labels, "ownerReferences": [
                {"apiVersion": "v1", "kind": "Service", "name": "web", "uid": "uid-web", "controller": True,
                 "blockOwnerDeletion": True}]},
            "addressType": "IPv4", "ports": [{"name": "", "port": 8080, "protocol": "TCP"}],
            "endpoints": [{"addresses": [ip], "conditions": {"ready": True, "serving": True, "terminating": False},
                           "targetRef": {"kind": "Pod", "namespace": "default", "name": f"pod-{ip.replace('.', '-')}",
                                         "uid": f"uid-{ip}"}} for ip in ips]}


def _web_service(target_port: int = 8080) -> dict:
    svc = service("web", selector={"app": "web"}, ports=[80], target_port=target_port)
    svc["metadata"]["uid"] = "uid-web"
    return svc


def oracle_pack(ips, max_per_slice):
    cluster = slicelab.Cluster(max_endpoints_per_slice=max_per_slice, seed=7)
    cluster.apply([_web_service()] + [_ip_pod(ip) for ip in ips])
    slices = [[e["addresses"][0] for e in s.get("endpoints") or []] for s in _slices(cluster, "web")]
    return sorted(sorted(s) for s in slices if s)  # the placeholder of an empty Service is no packing result


def oracle_fill(existing, desired, max_per_slice, changed=()):
    """The controller reconciles slices it owns (applied as they were) against Pods for `desired`."""
    cluster = slicelab.Cluster(max_endpoints_per_slice=max_per_slice, seed=7)
    names = [f"web-old{i}" for i in range(len(existing))]
    writes = cluster.apply([_web_service()] + [_owned_slice(n, ips) for n, ips in zip(names, existing)]
                           + [_ip_pod(ip, ready=ip not in changed) for ip in desired])
    counts = _slice_writes(writes)
    assert not (counts["create"] and counts["delete"]), "recycling would rename slices; keep fill cases without create+delete pairs"
    by_name = {s["metadata"]["name"]: [e["addresses"][0] for e in s.get("endpoints") or []] for s in _slices(cluster, "web")}
    kept = [by_name.pop(n, []) for n in names]
    return kept, sorted(sorted(s) for s in by_name.values())


def _same_fill(expected, recomputed) -> bool:
    kept, new = recomputed
    n = len(kept)
    return expected[:n] == kept and sorted(sorted(s) for s in expected[n:]) == new


WRITE_SCENARIOS = {
    # name: (pods before, event) with max 3; Pods are ready unless stated
    "w1": lambda c: c.apply(_web_service()),
    "w2": lambda c: c.apply(_ip_pod("10.0.0.1")),
    "w3": lambda c: c.apply(_ip_pod("10.0.0.8")),
    "w4": lambda c: c.apply(_ip_pod("10.0.0.7")),
    "w5": lambda c: c.apply(_ip_pod("10.0.0.4", ready=False)),
    "w6": lambda c: c.apply(_web_service(target_port=9090)),
    "w7": lambda c: c.delete("Pod", "pod-10-0-0-1"),
    "w8": lambda c: c.delete("Service", "web"),
}
WRITE_STARTS = {"w1": None, "w2": 0, "w3": 7, "w4": 6, "w5": 7, "w6": 7, "w7": 1, "w8": 7}


def oracle_writes(question: str) -> dict[str, int]:
    cluster = slicelab.Cluster(max_endpoints_per_slice=3, seed=7)
    pods = WRITE_STARTS[question]
    if pods is not None:
        cluster.apply(_web_service())
        if pods:
            cluster.apply([_ip_pod(f"10.0.0.{i}") for i in range(1, pods + 1)])
        sizes = sorted(len(s.get("endpoints") or []) for s in _slices(cluster, "web"))
        assert sum(sizes) == pods
    return _slice_writes(WRITE_SCENARIOS[question](cluster))


# --- ps1 and ps4: the clusters of the notebooks -------------------------------------------------------
def _setup_namespace(assignment: str) -> dict:
    """Run the notebook's own set-up cells (read-only, not answers, not tests) and return their variables."""
    ns: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in _notebook(assignment).cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("locked") and not meta.get("grade") and not meta.get("solution"):
                exec(compile(cell.source, meta["grade_id"], "exec"), ns)
    return ns


def _seed_cluster(extra_pods=(), max_per_slice=100, ready_2=True):
    c = slicelab.Cluster(max_endpoints_per_slice=max_per_slice, seed=1)
    c.apply(service("my-service", selector={"app": "web"}, ports=[80], target_port=8080))
    c.apply([pod("web-1", "10.0.0.1", labels={"app": "web"}, ports=[8080]),
             pod("web-2", "10.0.0.2", labels={"app": "web"}, ports=[8080], ready=ready_2)]
            + [pod(f"web-{ip}", ip, labels={"app": "web"}, ports=[8080]) for ip in extra_pods])
    return c


def _endpoints_ips(c, name="my-service") -> list[str]:
    (ep,) = c.get("Endpoints", name=name)
    return sorted(a["ip"] for s in ep.get("subsets") or [] for a in s.get("addresses") or [])


def _slice_ips(c, name="my-service") -> list[str]:
    return sorted(e["addresses"][0] for s in _slices(c, name) for e in s.get("endpoints") or [])


def ps1_answers() -> dict:
    a = "ps1-the-flow"
    assert "my-service" in _setup_namespace(a)["cluster"].kubectl("get endpoints my-service")
    answers = {}
    step3 = _seed_cluster()
    answers["q1"] = _letter(a, "1", lambda t: t == " and ".join(_endpoints_ips(step3)))
    c = _seed_cluster()
    before = _endpoints_ips(c)
    c.delete("Pod", "web-2")  # step 7 of the story
    assert _endpoints_ips(c) != before
    answers["q2"] = _letter(a, "2", lambda t: t == "Step 7")
    three = _seed_cluster(extra_pods=["10.0.0.3"])
    labelled = sorted(p["status"]["podIP"] for p in three.get("Pod", label_selector="app=web"))
    answers["q3"] = _letter(a, "3", lambda t: t == "Pods list includes " + ", ".join(labelled))
    (column,) = _column(step3.kubectl("get endpoints my-service"), "ENDPOINTS")
    ports = {entry.rsplit(":", 1)[1] for entry in column.split(",")}
    (port,) = ports
    answers["q4"] = _letter(a, "4", lambda t: t.startswith(port + ","))
    answers["q5"] = len(_slices(step3, "my-service"))
    c = _seed_cluster()
    c.delete("Pod", "web-2")
    (column,) = _column(c.kubectl("get endpoints my-service"), "ENDPOINTS")
    answers["q6"] = column.split(",")
    c = _seed_cluster()
    (write,) = [w for w in c.delete("Pod", "web-2") if w["controller"] == "endpointslice"]
    verb = {"create": "creates", "update": "updates", "delete": "deletes"}[write["verb"]]
    answers["q7"] = _letter(a, "7", lambda t: t.startswith(f"It {verb}"))
    c.delete("Pod", "web-1")  # step 10: no matching Pod left
    out = c.kubectl("get endpointslices -l kubernetes.io/service-name=my-service")
    assert _column(out, "PORTS") == ["<unset>"] and _column(out, "ENDPOINTS") == ["<unset>"]
    answers["q8"] = _letter(a, "8", lambda t: "`<unset>`" in t and t.startswith("One slice"))
    c = _seed_cluster(ready_2=False)
    answers["q9['pods']"] = sorted(p["status"]["podIP"] for p in c.get("Pod", label_selector="app=web"))
    answers["q9['endpoints']"] = _column(c.kubectl("get endpoints my-service"), "ENDPOINTS")[0].replace(":8080", "").split(",")
    answers["q9['slices']"] = _column(c.kubectl("get endpointslices"), "ENDPOINTS")[0].split(",")
    answers["q10"] = len(_slices(_seed_cluster(extra_pods=["10.0.0.3"], max_per_slice=2), "my-service"))
    c.delete("Pod", "web-1")
    c.delete("Pod", "web-2")
    dns, conn = network.resolve(c, "my-service"), network.connect(c, "my-service")
    (svc,) = c.get("Service", name="my-service")
    assert dns.records == (svc["spec"]["clusterIP"],) and not conn.ok
    answers["q12"] = _letter(a, "12", lambda t: "ClusterIP" in t and "fails" in t)
    return answers


def _diagnose(cluster, name: str) -> str:
    """Which of ps4's four causes holds, from what slicelab stored (one and only one must hold)."""
    (svc,) = cluster.get("Service", name=name)
    pods = cluster.get("Pod")
    selected = [p for p in pods if matches_map(svc["spec"].get("selector", {}), p["metadata"].get("labels", {}))]
    facts = {
        "The Pods are not Ready": bool(selected) and not any(pod_facts(p).ready for p in selected),
        "The Service's selector matches no Pod's labels": not selected,
        "The Service's `targetPort` names a port no container declares": bool(selected) and all(
            not (s.get("ports") or []) for s in _slices(cluster, name)),
        "The EndpointSlice controller is not running": not _slices(cluster, name),
    }
    (cause,) = [text for text, holds in facts.items() if holds]
    return cause


def ps4_answers() -> dict:
    a = "ps4-troubleshooting"
    ns = _setup_namespace(a)
    answers = {}
    for question, cluster, name in (("A1", "shop", "cart"), ("B1", "api", "api"), ("C1", "search", "search")):
        cause = _diagnose(ns[cluster], name)
        answers[question] = _letter(a, question, lambda t, cause=cause: t == cause)
    fixed = _setup_namespace(a)["shop"]
    labels = [p["metadata"]["labels"] for p in fixed.get("Pod")]
    common = dict(set.intersection(*(set(lab.items()) for lab in labels)))
    fixed.apply(service("cart", selector=common, ports=[80], target_port=8080))
    assert _endpoints_ips(fixed, "cart") == sorted(p["status"]["podIP"] for p in fixed.get("Pod"))
    answers["A2"] = common
    api = _setup_namespace(a)["api"]
    names = {port["name"] for p in api.get("Pod") for c in p["spec"]["containers"] for port in c.get("ports", [])}
    (name,) = names
    api.apply(service("api", selector={"app": "api"}, ports=[80], target_port=name))
    assert _column(api.kubectl("get endpoints api"), "ENDPOINTS") == ["10.1.2.1:8080,10.1.2.2:8080"]
    answers["B2"] = name
    broken = ns["api"]
    slice_ips = _slice_ips(broken, "api")
    assert slice_ips and all(not (s.get("ports") or []) for s in _slices(broken, "api")) and not _endpoints_ips(broken, "api")
    answers["B3"] = _letter(a, "B3", lambda t: t.startswith("The EndpointSlice keeps a Pod whose named port does not resolve"))
    (ep,) = ns["search"].get("Endpoints", name="search")
    answers["C2"] = sorted(x["ip"] for s in ep.get("subsets") or [] for x in s.get("notReadyAddresses") or [])
    answers["C3"] = _endpoint(ns["search"], "search", "search-1")["conditions"]
    answers["D1"] = _endpoint(ns["pay"], "pay", "pay-old-1")["conditions"]
    (cell,) = _column(ns["pay"].kubectl("get endpoints pay"), "ENDPOINTS")
    answers["D2"] = _letter(a, "D2", lambda t: t == ("Nothing: an empty cell" if cell == "" else f"`{cell}`"))
    return answers


# --- the tests ----------------------------------------------------------------------------------------
PS2_ORACLES = {"selects": oracle_selects, "select_pods": oracle_select_pods, "is_ready": oracle_is_ready,
               "target_port": oracle_target_port, "endpoint_addresses": oracle_endpoint_addresses,
               "endpoints_column": oracle_endpoints_column}


@pytest.mark.parametrize("fn,args,expected", _call_checks("ps2-selectors-and-endpoints"),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_ps2_expected_values_are_what_the_controllers_compute(fn, args, expected):
    assert fn in PS2_ORACLES, f"no slicelab recomputation for {fn}()"
    assert PS2_ORACLES[fn](*args) == expected


@pytest.mark.parametrize("fn,args,expected", _call_checks("ps3-slices"), ids=lambda v: v if isinstance(v, str) else "")
def test_ps3_packing_and_fill_are_what_the_controller_does(fn, args, expected):
    if fn == "pack":
        assert oracle_pack(*args) == sorted(sorted(s) for s in expected if s)
    else:
        assert fn == "fill", f"no slicelab recomputation for {fn}()"
        assert _same_fill(expected, oracle_fill(*args)), (expected, oracle_fill(*args))


def test_ps3_write_predictions_are_the_controllers_writes():
    answers = _answer_checks("ps3-slices")
    assert set(answers) == set(WRITE_SCENARIOS)
    for question, expected in answers.items():
        assert oracle_writes(question) == expected, question


@pytest.mark.parametrize("assignment,compute", [("ps1-the-flow", ps1_answers), ("ps4-troubleshooting", ps4_answers)])
def test_answer_keys_are_recomputed_with_slicelab(assignment, compute):
    keys = _answer_checks(assignment)
    computed = compute()
    uncovered = set(keys) - set(computed) - CONCEPTUAL.get(assignment, set())
    assert not uncovered, f"{assignment}: answers not recomputed: {sorted(uncovered)}"
    wrong = {q: (keys[q], computed[q]) for q in computed if keys.get(q) != computed[q]}
    assert not wrong, f"{assignment}: answer key (notebook, slicelab): {wrong}"
    assert set(computed) <= set(keys)
