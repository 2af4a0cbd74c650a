"""The seed's scenario replayed on a slicelab Cluster: its tables, its kubectl output, its variations."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from argparse import Namespace
from io import StringIO

import pytest
from hypothesis import given, settings, strategies as st

from slicelab.scenario import (ScenarioError, endpoints_ips, list_scenarios, load_scenario, scenario_from_yaml,
                               slice_ips)
from slicelab.scenario_cli import run_scenario_command

# The seed's process table and status tracker, word for word (the spec this replay must reproduce).
SEED_PROCESS_TABLE = [
    (1, "Create Service", "Service 'my-service'", "Selector: app=web", "Service created with selector"),
    (2, "Pods labeled app=web start", "Pods", "Pod IPs: 10.0.0.1, 10.0.0.2", "Pods running and labeled"),
    (3, "Service controller finds matching pods", "Endpoints", "Endpoints list IPs: 10.0.0.1, 10.0.0.2",
     "Endpoints resource created"),
    (4, "Endpoint Slices created", "EndpointSlices", "Slices group IPs (max 100 per slice)",
     "EndpointSlices resource created"),
    (5, "Client queries Service", "DNS lookup", "Service IP resolved", "Client gets endpoint slices info"),
    (6, "Client connects to pod IPs", "Network connections", "Connects to 10.0.0.1 or 10.0.0.2",
     "Traffic routed to pods"),
    (7, "Pod 10.0.0.2 removed", "Endpoints updated", "Endpoints now only 10.0.0.1", "Endpoints and slices updated"),
    (8, "Client queries again", "DNS lookup", "Service IP resolved", "Client gets updated endpoint slices"),
    (9, "Client connects to remaining pod", "Network connections", "Connects to 10.0.0.1", "Traffic routed correctly"),
    (10, "No more matching pods", "Endpoints empty", "No IPs listed", "Service has no endpoints"),
    (11, "Client queries", "DNS lookup", "Service IP resolved", "Client gets empty endpoint slices"),
    (12, "Client connection fails", "Network connections", "No pods to connect", "Connection fails or retries"),
]
SEED_COLUMNS = ["Start", "After Step 2", "After Step 3", "After Step 4", "After Step 7", "After Step 10", "Final"]
BOTH = ["10.0.0.1", "10.0.0.2"]
ONE = ["10.0.0.1"]
SEED_TRACKER = {
    "Pods with label app=web": [[], BOTH, BOTH, BOTH, ONE, [], []],
    "Endpoints IPs": [[], [], BOTH, BOTH, ONE, [], []],
    "Endpoint Slices IPs": [[], [], [], BOTH, ONE, [], []],
}
SLICES_CMD = "get endpointslices -l kubernetes.io/service-name=my-service"


@pytest.fixture(scope="module")
def seed():
    return load_scenario("seed").replay()


def test_replay_gives_one_frame_per_step_plus_the_start(seed):
    assert seed.steps == 12 and len(seed) == 13
    assert [f.step for f in seed] == list(range(13))
    assert seed[0].get("Service") == [] and seed[0].get("Pod") == []


def test_process_table_equals_the_seeds(seed):
    rows = [(r["step"], r["action"], r["resource"], r["details"], r["result"]) for r in seed.process_table()]
    assert rows == SEED_PROCESS_TABLE


def test_status_tracker_equals_the_seeds(seed):
    tracker = seed.tracker.as_json()
    assert tracker["columns"] == SEED_COLUMNS
    assert tracker["rows"] == SEED_TRACKER


def test_endpoints_come_at_step_3_and_slices_at_step_4(seed):
    writes = {f.step: [(w["verb"], w["kind"], w["controller"]) for w in f.writes] for f in seed}
    assert writes[1] == writes[2] == []
    assert writes[3] == [("create", "Endpoints", "endpoints")]
    assert [(v, k) for v, k, _ in writes[4]] == [("create", "EndpointSlice")]
    assert all(c == "endpointslice" for _, _, c in writes[4])
    # a Pod going: each controller updates its object once; the last Pod going: the slice becomes the
    # placeholder by an update, never a delete
    assert sorted(writes[7]) == [("update", "EndpointSlice", "endpointslice"), ("update", "Endpoints", "endpoints")]
    assert sorted(writes[10]) == sorted(writes[7])
    assert all(writes[s] == [] for s in (5, 6, 8, 9, 11, 12))


def test_client_outcomes_follow_the_story(seed):
    assert seed[5].client.rcode == "NOERROR" and seed[5].client.service_type == "ClusterIP"
    assert seed[5].client.records == (seed[5].get("Service", name="my-service")[0]["spec"]["clusterIP"],)
    assert seed[6].client.ok and seed[6].client.backend.ip in BOTH and seed[6].client.backend.port == 8080
    assert seed[9].client.ok and seed[9].client.backend.ip == "10.0.0.1"
    assert not seed[12].client.ok and seed[12].client.outcome == "rejected: no endpoints"


def test_replay_is_reproducible(seed):
    again = load_scenario("seed").replay()
    assert [f.state for f in again] == [f.state for f in seed]
    assert [f.client for f in again] == [f.client for f in seed]


def test_kubectl_output_per_step(seed):
    for step in (0, 1, 2):
        assert seed[step].run_kubectl("get endpoints my-service").splitlines()[-1] == \
            'Error from server (NotFound): endpoints "my-service" not found'
    out = seed[3].run_kubectl("get endpoints my-service").splitlines()
    assert out[0].startswith("Warning: v1 Endpoints is deprecated")
    assert re.fullmatch(r"NAME\s+ENDPOINTS\s+AGE", out[1])
    assert re.fullmatch(r"my-service\s+10\.0\.0\.1:8080,10\.0\.0\.2:8080\s+0s", out[2])
    assert re.fullmatch(r"my-service\s+10\.0\.0\.1:8080\s+20s", seed[7].run_kubectl("get endpoints my-service")
                        .splitlines()[2])
    assert re.fullmatch(r"my-service\s+<none>\s+\d+s", seed[12].run_kubectl("get endpoints my-service")
                        .splitlines()[2])
    assert seed[3].run_kubectl(SLICES_CMD) == "No resources found in default namespace."
    lines = seed[4].run_kubectl(SLICES_CMD).splitlines()
    assert re.fullmatch(r"NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE", lines[0])
    assert re.fullmatch(r"my-service-[bcdfghjklmnpqrstvwxz2456789]{5}\s+IPv4\s+8080\s+10\.0\.0\.1,10\.0\.0\.2\s+0s",
                        lines[1])
    # the placeholder: same slice, no ports, no endpoints
    name = lines[1].split()[0]
    assert re.fullmatch(rf"{name}\s+IPv4\s+<unset>\s+<unset>\s+40s", seed[12].run_kubectl(SLICES_CMD).splitlines()[1])


def test_frames_render_the_scenarios_kubectl_output(seed):
    for frame in seed:
        assert set(frame.kubectl) == {"get endpoints my-service", SLICES_CMD}
        assert frame.kubectl[SLICES_CMD] == frame.run_kubectl("kubectl " + SLICES_CMD + " ")


def test_concurrent_replay_writes_both_objects_at_once():
    real = load_scenario("seed").replay(concurrent=True)
    step1 = sorted((w["verb"], w["kind"]) for w in real[1].writes)
    assert step1 == [("create", "EndpointSlice"), ("create", "Endpoints")]
    placeholder = real[1].get("EndpointSlice")[0]
    assert not placeholder.get("endpoints") and not placeholder.get("ports")
    assert real.tracker.rows["Endpoints IPs"][1] == tuple(BOTH)      # after step 2, not step 3
    assert real.tracker.rows["Endpoint Slices IPs"][1] == tuple(BOTH)
    assert real[3].writes == () and real[4].writes == ()


def test_quiz_answers_agree_with_the_replay(seed):
    q1, q2, q3 = load_scenario("seed").quiz
    assert q1["choices"][q1["answer"]] == " and ".join(endpoints_ips(seed[3], "my-service"))
    shrink = next(s for s in range(1, 13) if set(endpoints_ips(seed[s], "my-service")) <
                  set(endpoints_ips(seed[s - 1], "my-service")))
    assert q2["choices"][q2["answer"]] == f"Step {shrink}"
    third = load_scenario("seed-third-pod").replay()
    after_2 = third.tracker.rows["Pods with label app=web"][third.tracker.columns.index("After Step 2")]
    assert q3["choices"][q3["answer"]] == "Pods list includes " + ", ".join(after_2)


def test_variation_not_ready_keeps_the_pod_in_the_slice_only():
    t = load_scenario("seed-not-ready").replay()
    assert endpoints_ips(t[4], "my-service") == ["10.0.0.1"]
    assert slice_ips(t[4], "my-service") == BOTH
    eps = t[4].get("Endpoints", name="my-service")[0]
    assert [a["ip"] for s in eps["subsets"] for a in s.get("notReadyAddresses", [])] == ["10.0.0.2"]
    assert t[6].client.backend.ip == "10.0.0.1"
    assert t.process_table()[5]["details"] == "Connects to 10.0.0.1"


def test_variation_selector_typo_selects_nothing():
    t = load_scenario("seed-selector-typo").replay()
    assert t.process_table()[0]["details"] == "Selector: app=wbe"
    assert t.tracker.rows["Pods with label app=web"][1] == tuple(BOTH)
    assert all(cells == () for cells in t.tracker.rows["Endpoints IPs"])
    assert all(cells == () for cells in t.tracker.rows["Endpoint Slices IPs"])
    assert t[6].client.outcome == "rejected: no endpoints"
    assert t.process_table()[5]["result"] == "Connection fails: rejected: no endpoints"


def test_variation_small_slices_splits_three_endpoints():
    t = load_scenario("seed-small-slices").replay()
    sizes = sorted(len(s.get("endpoints") or []) for s in t[4].get("EndpointSlice"))
    assert sizes == [1, 2]
    assert t.process_table()[3]["details"] == "Slices group IPs (max 2 per slice)"


def test_variation_headless_answers_with_pod_ips():
    t = load_scenario("seed-headless").replay()
    assert t[5].client.service_type == "headless" and t[5].client.records == tuple(BOTH)
    assert t[11].client.rcode == "NXDOMAIN"
    assert t.process_table()[4]["details"] == "DNS answers 10.0.0.1, 10.0.0.2"


def test_list_scenarios_starts_with_the_seed():
    names = list_scenarios()
    assert names[0] == "seed"
    assert {"seed-third-pod", "seed-not-ready", "seed-selector-typo"} <= set(names)


@pytest.mark.parametrize("text, message", [
    ("name: x\nservice: s\ntracker: {columns: {}, rows: []}\nsteps: [{action: a, resource: r, details: d, "
     "result: r, do: [{explode: 1}]}]", r"steps\[1\]\.do\[0\]: an operation is one of apply"),
    ("name: x\nservice: s\ntracker: {columns: {}, rows: []}\nsteps: [{action: a, resource: r, details: d}]",
     r"steps\[1\]\.result: expected str"),
    ("name: x\nservice: s\nsteps: []", r"tracker: required"),
    ("name: [unclosed", r"not valid YAML"),
    ("name: x\nbase: seed\nsteps: {13: {details: d}}", r"steps: 13 is not a step number of seed \(1\.\.12\)"),
    ("name: x\nbase: seed\nsteps: [1, 2]", r"steps: a variation maps step numbers to the fields it replaces"),
    ("name: x\nbase: nope\nsteps: {}", r"unknown scenario 'nope'"),
    ("name: x\nservice: s\ntracker: {columns: {}, rows: []}\nsteps: [{action: a, resource: r, details: d, "
     "result: r, do: [{delete: {kind: Pod}}]}]", r"delete: give kind and exactly one of name, selector"),
])
def test_bad_scenario_files_name_the_field(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=message) as info:
        load_scenario(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_unknown_fact_in_words_is_one_clear_error(tmp_path):
    path = tmp_path / "words.yaml"
    path.write_text("name: w\nbase: seed\nsteps: {3: {details: 'Endpoints: {endpionts}'}}\n")
    with pytest.raises(ScenarioError, match=r"steps\[3\]\.details: cannot fill .*endpionts"):
        load_scenario(path).replay()


def test_unknown_scenario_name():
    with pytest.raises(ScenarioError, match="unknown scenario 'sed'; known: seed"):
        load_scenario("sed")


def test_cli_json_matches_the_replay(seed):
    out = StringIO()
    assert run_scenario_command(Namespace(list=False, name="seed", format="json", concurrent=False), out=out) == 0
    data = json.loads(out.getvalue())
    assert [tuple(s.values()) for s in data["steps"]] == SEED_PROCESS_TABLE
    assert list(data["steps"][0]) == ["step", "action", "resource", "details", "result"]
    assert data["tracker"] == {"columns": SEED_COLUMNS, "rows": SEED_TRACKER}


def test_cli_table_through_python_m_slicelab():
    table = subprocess.run([sys.executable, "-m", "slicelab", "scenario", "seed"], capture_output=True,
                           text=True, check=True).stdout
    for word in ["Process Table", "Status Tracker", "Resource Created/Updated", "Endpoint Slices IPs", *SEED_COLUMNS]:
        assert word in table
    row = next(line for line in table.splitlines() if line.strip().startswith("Endpoints IPs"))
    assert row.split() == ["Endpoints", "IPs", "None", "None", "10.0.0.1,", "10.0.0.2", "10.0.0.1,", "10.0.0.2",
                           "10.0.0.1", "None", "None"]


def test_cli_list_through_slicelab_main(capsys):
    from slicelab.cli import main
    assert main(["scenario", "--list"]) == 0
    listing = capsys.readouterr().out
    assert [line.split()[0] for line in listing.splitlines()] == list_scenarios()
    assert "seed-not-ready" in listing and "Try it: Pod 10.0.0.2 is not Ready" in listing


def test_cli_unknown_scenario_exits_2_with_one_line():
    err = StringIO()
    code = run_scenario_command(Namespace(list=False, name="nope", format="table", concurrent=False),
                                out=StringIO(), err=err)
    assert code == 2 and err.getvalue().count("\n") == 1 and "unknown scenario 'nope'" in err.getvalue()


def test_a_learners_inline_variation():
    mine = scenario_from_yaml("name: mine\nbase: seed\nsteps:\n  7:\n    do: [{delete: {kind: Pod, name: web-1}}]\n")
    t = mine.replay()
    assert t.process_table()[6]["action"] == "Pod 10.0.0.1 removed"
    assert t.tracker.rows["Endpoints IPs"][4] == ("10.0.0.2",)
    assert t[9].client.backend.ip == "10.0.0.2"
    with pytest.raises(ScenarioError, match=r"^<scenario>: steps\.7: expected a mapping"):
        scenario_from_yaml("name: bad\nbase: seed\nsteps: {7: oops}")


def test_variation_graceful_keeps_the_terminating_pod_in_the_slice():
    t = load_scenario("seed-graceful").replay()
    assert t.process_table()[6]["action"] == "Pod 10.0.0.2 starts terminating"
    assert endpoints_ips(t[7], "my-service") == ["10.0.0.1"]          # v1 drops it at once
    assert slice_ips(t[7], "my-service") == BOTH                        # the slice keeps it...
    ep = next(e for s in t[7].get("EndpointSlice") for e in s["endpoints"] if e["addresses"] == ["10.0.0.2"])
    assert ep["conditions"] == {"ready": False, "serving": True, "terminating": True}   # ...as terminating
    assert t[9].client.backend.ip == "10.0.0.1"                         # kube-proxy: ready ones only
    assert [b.ip for b in t[9].client.candidates] == BOTH and t[9].client.ok


@st.composite
def _variations(draw):
    """The seed with 2-5 Pods of random readiness at step 2 (step 7 deletes web-2) and a random slice size."""
    ready = draw(st.lists(st.booleans(), min_size=2, max_size=5))
    pods = [{"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": f"web-{i}", "namespace": "default", "labels": {"app": "web"}},
             "spec": {"containers": [{"name": "web", "image": "nginx"}]},
             "status": {"phase": "Running", "podIP": f"10.0.0.{i}", "podIPs": [{"ip": f"10.0.0.{i}"}],
                        "conditions": [{"type": "Ready", "status": "True" if r else "False"}]}}
            for i, r in enumerate(ready, start=1)]
    size = draw(st.integers(min_value=1, max_value=3))
    text = json.dumps({"name": "prop", "base": "seed", "cluster": {"max_endpoints_per_slice": size, "seed": 0},
                       "steps": {2: {"do": [{"apply": pods}]}}})
    return ready, size, scenario_from_yaml(text)


@settings(max_examples=25, deadline=None)
@given(_variations())
def test_any_variation_keeps_the_views_consistent(case):
    ready, size, scenario = case
    t = scenario.replay()
    everyone = [f"10.0.0.{i}" for i in range(1, len(ready) + 1)]
    ready_ips = [ip for ip, r in zip(everyone, ready) if r]
    rows = t.tracker.rows
    assert rows["Pods with label app=web"][1] == tuple(everyone)
    assert rows["Endpoints IPs"][2] == tuple(ready_ips)           # kubectl shows ready addresses only
    assert rows["Endpoint Slices IPs"][3] == tuple(everyone)      # slices list every endpoint
    assert len(t[4].get("EndpointSlice")) == -(-len(everyone) // size)
    assert t[6].client.ok == bool(ready_ips)
    if ready_ips:
        assert t[6].client.backend.ip in ready_ips
    assert t[12].client.outcome == "rejected: no endpoints"
    assert t.process_table()[5]["details"].startswith("Connects to ")


def test_cli_concurrent_flag_replays_the_real_way():
    out = StringIO()
    assert run_scenario_command(Namespace(list=False, name="seed", format="json", concurrent=True), out=out) == 0
    rows = json.loads(out.getvalue())["tracker"]["rows"]
    assert rows["Endpoints IPs"][1] == BOTH and rows["Endpoint Slices IPs"][1] == BOTH


@pytest.mark.parametrize("change, message", [
    ("7: {do: [{delete: {kind: Pod, name: web-9}}]}", r"steps\[7\]\.do\[0\]\.delete: no Pod named 'web-9'"),
    ("3: {do: [{resume: endpoint}]}", r"steps\[3\]\.do\[0\]\.resume: .*endpoint"),
    ("6: {do: [{connect: {service: my-service, port: 443}}]}", r"steps\[6\]\.do\[0\]\.connect: .*no port 443"),
    ("2: {do: [{apply: [{apiVersion: v1, kind: Pod, metadata: {name: Web_1}}]}]}",
     r"steps\[2\]\.do\[0\]\.apply: .*Web_1"),
])
def test_a_bad_operation_names_its_step(change, message):
    mine = scenario_from_yaml(f"name: mine\nbase: seed\nsteps:\n  {change}\n")
    with pytest.raises(ScenarioError, match=message) as info:
        mine.replay()
    assert str(info.value).startswith("scenario 'mine': ") and "\n" not in str(info.value)


def test_bad_cluster_options_are_one_clear_error():
    with pytest.raises(ScenarioError, match=r"scenario 'mine': cluster: .*"):
        scenario_from_yaml("name: mine\nbase: seed\ncluster: {max_endpoints_per_slice: 0}\n").replay()


def test_frames_hold_state_and_views_render_on_demand(seed):
    """The store knows no screen: a frame keeps objects, not text; kubectl renders when asked
    (test_pinned_structure checks that the store imports no view)."""
    import dataclasses
    from slicelab.scenario import Frame
    assert "kubectl" not in {f.name for f in dataclasses.fields(Frame)}
    assert seed[5].kubectl == {cmd: seed[5].run_kubectl(cmd) for cmd in seed.scenario.kubectl}


def test_frame_get_and_cluster_get_are_one_rule():
    """Frame.get and Cluster.get share `reading.select`: same kinds (aliases too), namespaces, names,
    selectors, order and cluster-scoped Nodes."""
    import slicelab
    from slicelab.builders import node, pod, service
    from slicelab.scenario import KINDS, Frame
    c = slicelab.Cluster(seed=3)
    c.apply([node("n1", zone="a"), service("web", selector={"app": "web"}),
             service("web", selector={"app": "web"}, namespace="other"),
             pod("b", "10.0.0.2", labels={"app": "web", "tier": "x"}, node="n1"),
             pod("a", "10.0.0.1", labels={"app": "web"}, node="n1"),
             pod("a", "10.0.0.3", labels={"app": "web"}, namespace="other", node="n1")])
    frame = Frame(1, {}, (), {k: tuple(c.get(k, namespace=None)) for k in KINDS}, (), None, (), c.now)
    for kind in (*KINDS, "svc", "po", "endpointslices", "ep", "no"):
        for ns in ("default", "other", None):
            for name in (None, "a", "web", "n1"):
                for sel in (None, "app=web", "tier", "!tier", "kubernetes.io/service-name=web"):
                    assert frame.get(kind, ns, name, sel) == c.get(kind, ns, name, sel), (kind, ns, name, sel)
    with pytest.raises(ValueError):
        frame.get("deployments")
