"""The `slicelab` command: reconcile manifests from files or stdin; one-line errors with exit code 2."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap

import pytest
import yaml

from slicelab.cli import build_parser, main
from slicelab.views.kubectl import ENDPOINTS_DEPRECATION_WARNING

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: my-service
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 9376
"""


def pod_yaml(name: str, ip: str, ready: bool = True, labels: str = "app: web") -> str:
    return textwrap.dedent(f"""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
          labels:
            {labels}
        spec:
          containers:
          - name: web
            image: nginx
        status:
          phase: Running
          podIP: {ip}
          conditions:
          - type: Ready
            status: "{'True' if ready else 'False'}"
        """)


PODS = "---\n".join(pod_yaml(f"web-{i}", f"10.0.0.{i}") for i in (1, 2))

# What `kubectl get svc,pods -o yaml` prints on a real cluster: a List, server-set fields slicelab
# ignores (managedFields, uid, resourceVersion, status.hostIP, ...), and the selector-less
# `kubernetes` Service.
KUBECTL_DUMP = """\
apiVersion: v1
items:
- apiVersion: v1
  kind: Service
  metadata:
    creationTimestamp: "2026-02-01T10:00:00Z"
    labels:
      component: apiserver
      provider: kubernetes
    name: kubernetes
    namespace: default
    resourceVersion: "205"
    uid: 5a1c6e62-0b0c-4c1f-9d1c-1a2b3c4d5e6f
  spec:
    clusterIP: 10.96.0.1
    clusterIPs:
    - 10.96.0.1
    internalTrafficPolicy: Cluster
    ipFamilies:
    - IPv4
    ipFamilyPolicy: SingleStack
    ports:
    - name: https
      port: 443
      protocol: TCP
      targetPort: 6443
    sessionAffinity: None
    type: ClusterIP
  status:
    loadBalancer: {}
- apiVersion: v1
  kind: Service
  metadata:
    annotations:
      kubectl.kubernetes.io/last-applied-configuration: |
        {"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"name":"web","namespace":"default"}}
    creationTimestamp: "2026-02-01T10:05:00Z"
    managedFields:
    - apiVersion: v1
      fieldsType: FieldsV1
      fieldsV1:
        f:spec:
          f:ports: {}
      manager: kubectl-client-side-apply
      operation: Update
      time: "2026-02-01T10:05:00Z"
    name: web
    namespace: default
    resourceVersion: "1234"
    uid: 0f0e0d0c-0b0a-4909-8807-060504030201
  spec:
    clusterIP: 10.96.12.34
    clusterIPs:
    - 10.96.12.34
    ipFamilies:
    - IPv4
    ipFamilyPolicy: SingleStack
    ports:
    - name: http
      port: 80
      protocol: TCP
      targetPort: 8080
    selector:
      app: web
    sessionAffinity: None
    type: ClusterIP
  status:
    loadBalancer: {}
- apiVersion: v1
  kind: Pod
  metadata:
    creationTimestamp: "2026-02-01T10:06:00Z"
    generateName: web-7d4b9c8f5-
    labels:
      app: web
      pod-template-hash: 7d4b9c8f5
    name: web-7d4b9c8f5-abcde
    namespace: default
    ownerReferences:
    - apiVersion: apps/v1
      blockOwnerDeletion: true
      controller: true
      kind: ReplicaSet
      name: web-7d4b9c8f5
      uid: 11111111-2222-3333-4444-555555555555
    resourceVersion: "1300"
    uid: aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
  spec:
    containers:
    - image: nginx:1.27
      imagePullPolicy: IfNotPresent
      name: web
      ports:
      - containerPort: 8080
        protocol: TCP
      resources: {}
    dnsPolicy: ClusterFirst
    nodeName: kind-worker
    restartPolicy: Always
    schedulerName: default-scheduler
    terminationGracePeriodSeconds: 30
  status:
    conditions:
    - lastProbeTime: null
      lastTransitionTime: "2026-02-01T10:06:05Z"
      status: "True"
      type: Ready
    containerStatuses:
    - containerID: containerd://abc
      image: docker.io/library/nginx:1.27
      imageID: docker.io/library/nginx@sha256:0123
      lastState: {}
      name: web
      ready: true
      restartCount: 0
      started: true
      state:
        running:
          startedAt: "2026-02-01T10:06:04Z"
    hostIP: 172.18.0.3
    hostIPs:
    - ip: 172.18.0.3
    phase: Running
    podIP: 10.244.1.7
    podIPs:
    - ip: 10.244.1.7
    qosClass: BestEffort
    startTime: "2026-02-01T10:06:00Z"
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    namespace: default
  spec:
    replicas: 1
kind: List
metadata:
  resourceVersion: ""
"""


def run(argv, stdin: str = "", monkeypatch=None, capsys=None):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def files(tmp_path):
    (tmp_path / "service.yaml").write_text(SERVICE)
    (tmp_path / "pods.yaml").write_text(PODS)
    return tmp_path


def test_python_m_slicelab_prints_the_seed_story_tables(files):
    result = subprocess.run(
        [sys.executable, "-m", "slicelab", "reconcile", "-f", str(files / "service.yaml"),
         "-f", str(files / "pods.yaml"), "-o", "table"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ENDPOINTS_DEPRECATION_WARNING + "\n"
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "ENDPOINTS", "AGE"]
    assert lines[1].split() == ["my-service", "10.0.0.1:9376,10.0.0.2:9376", "0s"]
    assert lines[2] == ""
    assert lines[3].split() == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
    name, family, ports, addresses, age = lines[4].split()
    assert name.startswith("my-service-") and len(name) == len("my-service-") + 5
    assert (family, ports, addresses, age) == ("IPv4", "9376", "10.0.0.1,10.0.0.2", "0s")


def test_reconcile_yaml_output_is_a_list_of_what_the_controllers_wrote(files, monkeypatch, capsys):
    code, out, err = run(["reconcile", "-f", str(files / "service.yaml"), "-f", str(files / "pods.yaml")],
                         monkeypatch=monkeypatch, capsys=capsys)
    assert (code, err) == (0, "")
    doc = yaml.safe_load(out)
    assert doc["kind"] == "List" and doc["metadata"] == {"resourceVersion": ""}
    kinds = [item["kind"] for item in doc["items"]]
    assert kinds == ["Endpoints", "EndpointSlice"]
    ep, eps = doc["items"]
    assert [a["ip"] for a in ep["subsets"][0]["addresses"]] == ["10.0.0.1", "10.0.0.2"]
    assert ep["subsets"][0]["ports"] == [{"port": 9376, "protocol": "TCP"}] or \
        ep["subsets"][0]["ports"][0]["port"] == 9376
    assert sorted(e["addresses"][0] for e in eps["endpoints"]) == ["10.0.0.1", "10.0.0.2"]
    assert eps["metadata"]["labels"]["kubernetes.io/service-name"] == "my-service"


NODE = {"apiVersion": "v1", "kind": "Node",
        "metadata": {"name": "kind-worker", "labels": {"topology.kubernetes.io/zone": "zone-a"}},
        "status": {"conditions": [{"type": "Ready", "status": "True"}],
                   "allocatable": {"cpu": "4"}}}


def test_reconcile_reads_a_kubectl_list_from_stdin_and_skips_unmodelled_kinds(monkeypatch, capsys):
    dump = yaml.safe_load(KUBECTL_DUMP)
    dump["items"].append(NODE)
    code, out, err = run(["reconcile", "-f", "-", "-o", "json"], stdin=yaml.safe_dump(dump),
                         monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0
    assert err == "slicelab: <stdin>: skipped objects of kinds slicelab does not model: 1 Deployment\n"
    items = json.loads(out)["items"]
    names = {(i["kind"], i["metadata"]["name"].rsplit("-", 1)[0] if i["kind"] == "EndpointSlice"
              else i["metadata"]["name"]) for i in items}
    # The selector-less `kubernetes` Service gets nothing from the controllers; `web` gets both objects.
    assert names == {("Endpoints", "web"), ("EndpointSlice", "web")}
    ep = next(i for i in items if i["kind"] == "Endpoints")
    assert ep["subsets"][0]["addresses"][0]["ip"] == "10.244.1.7"
    assert ep["subsets"][0]["addresses"][0]["nodeName"] == "kind-worker"
    eps = next(i for i in items if i["kind"] == "EndpointSlice")
    assert eps["ports"][0]["port"] == 8080 and eps["endpoints"][0]["addresses"] == ["10.244.1.7"]
    assert eps["endpoints"][0]["zone"] == "zone-a"
    # The clock starts at the newest creationTimestamp of the input, so nothing looks created later.
    assert ep["metadata"]["creationTimestamp"] == "2026-02-01T10:06:00Z"


def test_reconcile_reports_pods_the_slice_controller_skips_for_an_unknown_node(monkeypatch, capsys):
    code, out, err = run(["reconcile", "-f", "-", "-o", "table"], stdin=KUBECTL_DUMP,
                         monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0
    notes = err.splitlines()
    assert any(n.startswith("slicelab: endpointslice controller: ") and "web-7d4b9c8f5-abcde" in n
               and "kubectl get nodes" in n for n in notes)
    # Like the real controller: the v1 Endpoints still lists the Pod, the EndpointSlice does not.
    assert "web    10.244.1.7:8080   0s" in out
    assert out.rstrip().endswith("IPv4          <unset>   <unset>     0s")


def test_max_endpoints_per_slice_splits_slices(tmp_path, monkeypatch, capsys):
    (tmp_path / "all.yaml").write_text(SERVICE + "---\n" + "---\n".join(
        pod_yaml(f"web-{i}", f"10.0.0.{i}") for i in range(1, 6)))
    code, out, err = run(["reconcile", "-f", str(tmp_path / "all.yaml"), "--max-endpoints-per-slice", "2"],
                         monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0, err
    slices = [i for i in yaml.safe_load(out)["items"] if i["kind"] == "EndpointSlice"]
    assert sorted(len(s["endpoints"]) for s in slices) == [1, 2, 2]


def test_table_output_adds_namespaces_when_there_are_several(tmp_path, monkeypatch, capsys):
    prod = SERVICE.replace("name: my-service", "name: my-service\n  namespace: prod")
    (tmp_path / "svc.yaml").write_text(SERVICE + "---\n" + prod)
    code, out, err = run(["reconcile", "-f", str(tmp_path / "svc.yaml"), "-o", "table"],
                         monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0 and err == ENDPOINTS_DEPRECATION_WARNING + "\n"
    lines = out.splitlines()
    assert lines[:3] == ["NAMESPACE   NAME         ENDPOINTS   AGE",
                         "default     my-service   <none>      0s",
                         "prod        my-service   <none>      0s"]
    assert [line.split()[0] for line in lines[4:]] == ["NAMESPACE", "default", "prod"]


def test_table_output_with_nothing_written_says_so_on_stderr(tmp_path, monkeypatch, capsys):
    (tmp_path / "pods.yaml").write_text(PODS)
    code, out, err = run(["reconcile", "-f", str(tmp_path / "pods.yaml"), "-o", "table"],
                         monkeypatch=monkeypatch, capsys=capsys)
    assert (code, out) == (0, "")
    assert err.splitlines() == [ENDPOINTS_DEPRECATION_WARNING, "No resources found",
                                "No resources found"]


@pytest.mark.parametrize("value", ["0", "1001", "ten"])
def test_max_endpoints_per_slice_out_of_range_is_one_line_exit_2(files, value, monkeypatch, capsys):
    code, out, err = run(["reconcile", "-f", str(files / "pods.yaml"), "--max-endpoints-per-slice", value],
                         monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "--max-endpoints-per-slice" in err and "1000" in err


def test_unreadable_file_is_one_line_naming_it(tmp_path, monkeypatch, capsys):
    missing = tmp_path / "nope.yaml"
    code, out, err = run(["reconcile", "-f", str(missing)], monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and out == ""
    assert err == f"slicelab: {missing}: cannot read the file: No such file or directory\n"


def test_bad_yaml_is_one_line_with_file_and_position(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Pod\nmetadata:\n  name: [unclosed\n")
    code, out, err = run(["reconcile", "-f", str(bad)], monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and out == ""
    assert err.startswith(f"slicelab: {bad}: cannot parse YAML at line ") and err.count("\n") == 1


def test_invalid_manifest_names_file_object_and_field(files, tmp_path, monkeypatch, capsys):
    broken = tmp_path / "broken-pods.yaml"
    broken.write_text(pod_yaml("web-1", "10.0.0.300"))
    code, out, err = run(["reconcile", "-f", str(files / "service.yaml"), "-f", str(broken)],
                         monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and out == ""
    assert err.startswith(f'slicelab: {broken}: Pod "default/web-1": status.podIP: ')
    assert "10.0.0.300" in err and err.count("\n") == 1


def test_no_subcommand_prints_help_and_exits_2(monkeypatch, capsys):
    code, out, err = run([], monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and "reconcile" in err


def test_unknown_option_is_one_line(files, monkeypatch, capsys):
    code, out, err = run(["reconcile", "-f", str(files / "pods.yaml"), "--frobnicate"],
                         monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "--frobnicate" in err


def test_scenario_subcommand_is_registered_when_its_module_exists():
    from slicelab import scenario_cli
    args = build_parser().parse_args(["scenario", "--list"])
    assert args.func is scenario_cli.run_scenario_command
