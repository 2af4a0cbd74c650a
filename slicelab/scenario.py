"""Scenarios as data, replayed on a slicelab Cluster into a Timeline of frames.

A scenario (`slicelab/scenarios/NAME.yaml`) lists steps: what happens (`do`: apply manifests, delete
objects, resume a paused controller, a client's DNS lookup or connection) and what the lesson says about
it (the process table's action, resource, details, result). Words may name facts of the replay in
braces — `{endpoints}`, `{candidates}` … — so a variation tells its own numbers. A variation names a
`base` scenario and replaces the fields of the steps it changes.

`Scenario.replay()` runs the steps on a fresh Cluster and returns a Timeline: frame 0 is the start, frame
N the state after step N — the cluster's objects, the controller writes of the step and the client's
outcome. Frames are plain data computed once; every view of the course draws from them. A frame also
answers `get(...)` like a cluster (one selection rule, `reading.select`), so kubectl output and client
checks are computed for any step when asked, never stored.
"""
from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field, replace
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, Mapping

import yaml

from slicelab import network
from slicelab.cluster import Cluster
from slicelab.objects import canonical_kind
from slicelab.reading import select
from slicelab.tracker import (Tracker, compute_tracker, endpoints_ips, join_ips, pod_ips, slice_ips,  # noqa: F401
                              sort_ips)

__all__ = ["Scenario", "Step", "Timeline", "Frame", "Tracker", "ScenarioError", "load_scenario",
           "scenario_from_yaml", "list_scenarios"]

KINDS = ("Service", "Pod", "Node", "Endpoints", "EndpointSlice")
OPERATIONS = ("apply", "delete", "resume", "lookup", "connect")
WORD_FIELDS = ("action", "resource", "details", "result")
STEP_SECONDS = 5  # simulated time between steps, so AGE columns move


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file and the field."""


# ----------------------------------------------------------------------------------------------- data
@dataclass(frozen=True)
class Step:
    number: int
    action: str
    resource: str
    details: str
    result: str
    stages: tuple[str, ...]
    ops: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class Frame:
    """The cluster after one step (step 0 = Start), with what the step did and what the lesson says.

    A frame holds state only; views render it on demand (`run_kubectl`, `kubectl`)."""

    step: int
    words: Mapping[str, str]                    # action/resource/details/result, facts filled in
    stages: tuple[str, ...]
    state: Mapping[str, tuple[dict, ...]]       # kind -> manifests, as Cluster.get returns them
    writes: tuple[dict, ...]                    # controller writes of this step, in order
    client: Any                                 # network.DnsAnswer | network.Connection | None
    commands: tuple[str, ...] = ()              # the scenario's kubectl commands
    now: datetime | None = None
    ops: tuple[Mapping[str, Any], ...] = ()

    def get(self, kind: str, namespace: str | None = "default", name: str | None = None,
            label_selector: str | None = None) -> list[dict]:
        """Read this frame like a cluster (`Cluster.get`'s signature and rule); returns copies."""
        stored = self.state.get(canonical_kind(kind), ())
        return select(((_key(obj), obj) for obj in stored), kind, namespace, name, label_selector)

    def run_kubectl(self, command: str) -> str:
        """kubectl's output for this frame (slicelab's kubectl renderer reading the frame)."""
        from slicelab.views.kubectl import run_kubectl
        return run_kubectl(self, command.removeprefix("kubectl ").strip())

    @property
    def kubectl(self) -> Mapping[str, str]:
        """The scenario's kubectl commands -> their output for this frame, rendered now."""
        return {command: self.run_kubectl(command) for command in self.commands}


def _key(manifest: Mapping[str, Any]) -> tuple[str, str]:
    meta = manifest.get("metadata") or {}
    return meta.get("namespace") or "", meta.get("name") or ""


@dataclass
class Timeline:
    """One frame per step of a replayed scenario; frame 0 is the start."""

    scenario: "Scenario"
    frames: tuple[Frame, ...]
    concurrent: bool = False
    _tracker: Tracker | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, step: int) -> Frame:
        return self.frames[step]

    def __iter__(self) -> Iterator[Frame]:
        return iter(self.frames)

    @property
    def steps(self) -> int:
        """Number of steps (frames minus the start)."""
        return len(self.frames) - 1

    @property
    def tracker(self) -> Tracker:
        if self._tracker is None:
            self._tracker = compute_tracker(self)
        return self._tracker

    def process_table(self) -> list[dict]:
        """Rows of the process table: step, action, resource, details, result."""
        return [{"step": f.step, **{k: f.words[k] for k in WORD_FIELDS}} for f in self.frames[1:]]


# ------------------------------------------------------------------------------------------ scenario
@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    summary: str
    steps: tuple[Step, ...]
    stages: tuple[str, ...]
    service: str
    namespace: str = "default"
    cluster: Mapping[str, Any] = field(default_factory=dict)
    paused: tuple[str, ...] = ()
    client_seed: int = 0
    tracker: Mapping[str, Any] = field(default_factory=dict)
    kubectl: tuple[str, ...] = ()
    key_moments: tuple[Mapping[str, Any], ...] = ()
    quiz: tuple[Mapping[str, Any], ...] = ()
    snapshot: tuple[str, ...] = ()
    stop_note: str = ""
    base: str | None = None

    def replay(self, concurrent: bool = False) -> Timeline:
        """Run the steps on a fresh Cluster; `concurrent=True` runs every controller from the start,
        as a real cluster does, instead of keeping the scenario's `paused` controllers for later steps."""
        try:
            cluster = Cluster(**dict(self.cluster))
        except (TypeError, ValueError) as exc:
            raise ScenarioError(f"scenario {self.name!r}: cluster: {exc}") from None
        if not concurrent:
            for name in self.paused:
                cluster.pause_controller(name)
        rng = random.Random(self.client_seed)
        frames = [self._frame(cluster, 0, None, (), None, {})]
        for step in self.steps:
            cluster.tick(STEP_SECONDS)
            writes: list[dict] = []
            client = None
            facts: dict[str, list[str]] = {"applied": [], "deleted": [], "terminating": []}
            for j, op in enumerate(step.ops):
                verb, arg = next(iter(op.items()))
                try:
                    client = self._run(cluster, verb, arg, concurrent, rng, writes, facts) or client
                except ScenarioError:
                    raise
                except ValueError as exc:  # a ManifestError, an unknown controller or Service port...
                    raise ScenarioError(f"scenario {self.name!r}: steps[{step.number}].do[{j}].{verb}: "
                                        f"{exc}") from None
            frames.append(self._frame(cluster, step.number, step, tuple(writes), client, facts))
        return Timeline(self, tuple(frames), concurrent)

    def _run(self, cluster, verb: str, arg: Any, concurrent: bool, rng: random.Random, writes: list,
             facts: dict) -> Any:
        """Run one operation, adding its writes and facts; returns a lookup's or connection's outcome."""
        if verb == "apply":
            writes += cluster.apply(copy.deepcopy(arg)) or []
            pods = [o for o in arg if o.get("kind") == "Pod" and o.get("status", {}).get("podIP")]
            facts["applied"] += [o["status"]["podIP"] for o in pods]
            facts["terminating"] += [o["status"]["podIP"] for o in pods
                                     if o.get("metadata", {}).get("deletionTimestamp")]
        elif verb == "delete":
            writes += self._delete(cluster, arg, facts)
        elif verb == "resume":
            if not concurrent:
                writes += cluster.resume_controller(arg) or []
        elif verb == "lookup":
            return network.resolve(cluster, arg, self.namespace)
        else:
            return network.connect(cluster, arg["service"], arg.get("port"), arg.get("namespace", self.namespace),
                                   rng=rng)
        return None

    def _delete(self, cluster, arg: Mapping[str, Any], facts: dict) -> list[dict]:
        ns = arg.get("namespace", self.namespace)
        if "name" in arg:
            targets = cluster.get(arg["kind"], namespace=ns, name=arg["name"])
        else:
            targets = cluster.get(arg["kind"], namespace=ns, label_selector=arg["selector"])
        if not targets and "name" in arg:  # like kubectl: NotFound by name, nothing to do by selector
            raise ValueError(f"no {arg['kind']} named {arg['name']!r} in namespace {ns}")
        writes: list[dict] = []
        for obj in targets:
            if obj.get("kind", arg["kind"]) == "Pod" and obj.get("status", {}).get("podIP"):
                facts["deleted"].append(obj["status"]["podIP"])
            writes += cluster.delete(arg["kind"], obj["metadata"]["name"], ns) or []
        return writes

    def _frame(self, cluster, number: int, step: Step | None, writes: tuple, client, facts: dict) -> Frame:
        state = {kind: tuple(cluster.get(kind, namespace=None)) for kind in KINDS}
        frame = Frame(number, {k: "" for k in WORD_FIELDS}, step.stages if step else (), state, writes, client,
                      self.kubectl, cluster.now, step.ops if step else ())
        return replace(frame, words=self._words(frame, step, client, facts)) if step else frame

    def _words(self, frame: Frame, step: Step, client, facts: dict) -> dict[str, str]:
        svc = frame.get("Service", self.namespace, self.service)
        selector = ",".join(f"{k}={v}" for k, v in (svc[0].get("spec", {}).get("selector") or {}).items()) \
            if svc else "none"
        if isinstance(client, network.Connection):
            candidates = network.usable_backends(list(client.candidates))
        else:
            candidates = network.usable_backends(network.backends(frame, self.service, None, self.namespace)) \
                if svc else []
        values = {
            "selector": selector,
            "applied": join_ips(sort_ips(facts.get("applied", []))),
            "deleted": join_ips(sort_ips(facts.get("deleted", []))),
            "terminating": join_ips(sort_ips(facts.get("terminating", []))),
            "pods": join_ips(pod_ips(frame, selector, self.namespace)) if svc and selector != "none" else "none",
            "endpoints": join_ips(endpoints_ips(frame, self.service, self.namespace)),
            "slices": join_ips(slice_ips(frame, self.service, self.namespace)),
            "candidates": join_ips(sort_ips(b.ip for b in candidates), " or "),
            "connected": client.backend.ip if isinstance(client, network.Connection) and client.backend else "none",
            "answer": (join_ips(client.records) if client.records else client.rcode)
            if isinstance(client, network.DnsAnswer) else "",
            "outcome": client.outcome if isinstance(client, network.Connection) else "",
            "max_per_slice": str(self.cluster.get("max_endpoints_per_slice", 100)),
        }
        out = {}
        for key in WORD_FIELDS:
            template = getattr(step, key)
            try:
                out[key] = template.format_map(values)
            except (KeyError, ValueError, IndexError) as exc:
                raise ScenarioError(f"scenario {self.name!r}: steps[{step.number}].{key}: cannot fill "
                                    f"{template!r} ({exc}); known facts: {', '.join(values)}") from None
        return out


# ------------------------------------------------------------------------------------------- loading
def _scenario_dir():
    return resources.files("slicelab") / "scenarios"


def list_scenarios() -> list[str]:
    """Names of the scenarios shipped with slicelab, the seed first."""
    names = sorted(p.name[:-5] for p in _scenario_dir().iterdir() if p.name.endswith(".yaml"))
    return sorted(names, key=lambda n: (n != "seed", n))


def _read(name: str | Path) -> tuple[str, dict]:
    path = Path(name) if str(name).endswith((".yaml", ".yml")) else None
    if path is not None:
        label, text = str(path), _read_text(path)
    else:
        if str(name) not in list_scenarios():
            raise ScenarioError(f"unknown scenario {str(name)!r}; known: {', '.join(list_scenarios())}")
        label = f"{name}.yaml"
        text = (_scenario_dir() / label).read_text(encoding="utf-8")
    return label, _parse(label, text)


def _parse(label: str, text: str) -> dict:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{label}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{label}: a scenario is a mapping with name, steps, ...")
    return data


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror}") from None


def _merge_variation(label: str, data: dict, seen: tuple[str, ...]) -> dict:
    base_name = data["base"]
    if base_name in seen:
        raise ScenarioError(f"{label}: base: {base_name!r} makes a cycle")
    try:
        _, base = _read(base_name)
    except ScenarioError as exc:
        raise ScenarioError(f"{label}: base: {exc}") from None
    if "base" in base:
        base = _merge_variation(f"{base_name}.yaml", base, seen + (base_name,))
    merged = {**base, **{k: v for k, v in data.items() if k != "steps"}}
    steps = [dict(s) for s in base.get("steps", [])]
    changes = data.get("steps") or {}
    if not isinstance(changes, dict):
        raise ScenarioError(f"{label}: steps: a variation maps step numbers to the fields it replaces")
    for number, change in changes.items():
        if isinstance(number, str) and number.isdigit():
            number = int(number)  # JSON keys, or quoted YAML keys
        if not isinstance(number, int) or not 1 <= number <= len(steps):
            raise ScenarioError(f"{label}: steps: {number!r} is not a step number of {base_name} "
                                f"(1..{len(steps)})")
        if not isinstance(change, dict):
            raise ScenarioError(f"{label}: steps.{number}: expected a mapping of fields to replace")
        steps[number - 1].update(change)
    merged["steps"] = steps
    return merged


def _need(label: str, where: str, value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise ScenarioError(f"{label}: {where}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def _check_op(label: str, where: str, op: Any) -> Mapping[str, Any]:
    if not isinstance(op, dict) or len(op) != 1 or next(iter(op)) not in OPERATIONS:
        raise ScenarioError(f"{label}: {where}: an operation is one of {', '.join(OPERATIONS)} (got {op!r})")
    verb, arg = next(iter(op.items()))
    if verb == "apply":
        items = _need(label, f"{where}.apply", arg, list)
        for i, item in enumerate(items):
            _need(label, f"{where}.apply[{i}]", item, dict)
    elif verb == "delete":
        _need(label, f"{where}.delete", arg, dict)
        if "kind" not in arg or ("name" in arg) == ("selector" in arg):
            raise ScenarioError(f"{label}: {where}.delete: give kind and exactly one of name, selector")
    elif verb == "connect":
        _need(label, f"{where}.connect", arg, dict)
        if "service" not in arg:
            raise ScenarioError(f"{label}: {where}.connect.service: required")
    else:
        _need(label, f"{where}.{verb}", arg, str)
    return op


def load_scenario(name: str | Path) -> Scenario:
    """Load a shipped scenario by name (`seed`, see `list_scenarios()`) or a YAML file by path."""
    return _build(*_read(name))


def scenario_from_yaml(text: str, label: str = "<scenario>") -> Scenario:
    """A scenario written inline, e.g. a learner's variation: `name: mine`, `base: seed`, `steps: {7: ...}`."""
    return _build(label, _parse(label, text))


def _build(label: str, data: dict) -> Scenario:
    if "base" in data:
        data = _merge_variation(label, data, (str(data.get("name", label)),))
    for key in ("name", "steps", "service", "tracker"):
        if key not in data:
            raise ScenarioError(f"{label}: {key}: required")
    stages = tuple(data.get("stages") or ())
    steps = []
    for i, raw in enumerate(_need(label, "steps", data["steps"], list), start=1):
        where = f"steps[{i}]"
        _need(label, where, raw, dict)
        for key in WORD_FIELDS:
            _need(label, f"{where}.{key}", raw.get(key), str)
        step_stages = tuple(raw.get("stages") or ())
        unknown = [s for s in step_stages if s not in stages]
        if unknown:
            raise ScenarioError(f"{label}: {where}.stages: {unknown[0]!r} is not one of the scenario's stages")
        ops = tuple(_check_op(label, f"{where}.do[{j}]", op)
                    for j, op in enumerate(_need(label, f"{where}.do", raw.get("do"), list)))
        steps.append(Step(i, raw["action"], raw["resource"], raw["details"], raw["result"], step_stages, ops))
    tracker = _need(label, "tracker", data["tracker"], dict)
    _need(label, "tracker.columns", tracker.get("columns"), dict)
    for j, row in enumerate(_need(label, "tracker.rows", tracker.get("rows"), list)):
        if not isinstance(row, dict) or "label" not in row or \
                sum(k in row for k in ("pods", "endpoints", "endpointslices")) != 1:
            raise ScenarioError(f"{label}: tracker.rows[{j}]: needs label and one of pods, endpoints, "
                                f"endpointslices")
    return Scenario(
        name=str(data["name"]), title=str(data.get("title", data["name"])), summary=str(data.get("summary", "")),
        steps=tuple(steps), stages=stages, service=str(data["service"]),
        namespace=str(data.get("namespace", "default")), cluster=dict(data.get("cluster") or {}),
        paused=tuple(data.get("paused") or ()), client_seed=int(data.get("client_seed", 0)), tracker=tracker,
        kubectl=tuple(data.get("kubectl") or ()), key_moments=tuple(data.get("key_moments") or ()),
        quiz=tuple(data.get("quiz") or ()), snapshot=tuple(data.get("snapshot") or ()),
        stop_note=str(data.get("stop_note", "")), base=data.get("base"),
    )
