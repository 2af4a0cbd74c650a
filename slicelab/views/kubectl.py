"""`kubectl get` and `kubectl describe`, printed from a slicelab cluster exactly as kubectl prints them.

    run_kubectl(cluster, "get endpointslices -l kubernetes.io/service-name=my-service")

Only `cluster.get(kind, namespace=..., name=..., label_selector=...)` and `cluster.now` are used, so
any object store with that interface can be printed.

Conventions (kubectl writes some lines to stderr; a notebook shows one text):
- run_kubectl never raises for a bad command: it returns kubectl's one-line error text
  (`error: the server doesn't have a resource type "foo"`). `parse_command` raises `KubectlError`
  with that same line, for programs that prefer an exception.
- Lines kubectl prints on stderr come in the order a terminal shows them: the API server's
  deprecation warning for v1 Endpoints first, then the output, then `Error from server (NotFound)`
  lines; `No resources found in default namespace.` replaces an empty table.
- The final newline kubectl prints is dropped, so `print(run_kubectl(...))` looks like a terminal.
- Lists are ordered by namespace then name, like the API server's storage order.
"""
from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Protocol, Sequence

import yaml

from slicelab.selectors import parse_selector
from slicelab.views.tables import (PRINTERS, format_labels, join_host_port, render_table, tabwrite)

__all__ = ["KubectlError", "Command", "parse_command", "run_kubectl", "to_yaml", "to_json",
           "describe", "ENDPOINTS_DEPRECATION_WARNING"]

ENDPOINTS_DEPRECATION_WARNING = (
    "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice")


class KubectlError(ValueError):
    """A command kubectl would reject; the message is kubectl's one-line error."""


class ClusterView(Protocol):
    """What the printers need from a cluster."""

    now: Any

    def get(self, kind: str, namespace: str | None = "default", name: str | None = None,
            label_selector: str | None = None) -> list[dict]: ...


@dataclass(frozen=True)
class Resource:
    """A resource type as kubectl names it."""

    kind: str
    plural: str      # in `Error from server (NotFound): <plural> "x" not found`
    singular: str    # in `-o name` and kind-prefixed table names: `<singular>/x`
    api_version: str
    namespaced: bool = True


RESOURCES = {
    "Endpoints": Resource("Endpoints", "endpoints", "endpoints", "v1"),
    "EndpointSlice": Resource("EndpointSlice", "endpointslices.discovery.k8s.io",
                              "endpointslice.discovery.k8s.io", "discovery.k8s.io/v1"),
    "Pod": Resource("Pod", "pods", "pod", "v1"),
    "Service": Resource("Service", "services", "service", "v1"),
    "Node": Resource("Node", "nodes", "node", "v1", namespaced=False),
}

_ALIASES = {
    "Endpoints": ["endpoints", "ep", "endpoints.v1"],
    "EndpointSlice": ["endpointslices", "endpointslice", "endpointslices.discovery.k8s.io",
                      "endpointslice.discovery.k8s.io", "endpointslices.v1.discovery.k8s.io"],
    "Pod": ["pods", "pod", "po"],
    "Service": ["services", "service", "svc"],
    "Node": ["nodes", "node", "no"],
}
_BY_ALIAS = {alias: RESOURCES[kind] for kind, aliases in _ALIASES.items() for alias in aliases}
_DESCRIBABLE = ("Endpoints", "EndpointSlice", "Service")
_OUTPUTS = ("json", "name", "wide", "yaml")
_NOT_SIMULATED = {"apply", "create", "delete", "edit", "patch", "replace", "scale", "label",
                  "annotate", "rollout", "expose", "run", "set", "drain", "cordon", "uncordon"}


@dataclass
class Command:
    """A parsed `kubectl get|describe` command line."""

    verb: str
    requests: list[tuple[Resource, str | None]] = field(default_factory=list)  # (type, name or None)
    namespace: str = "default"
    all_namespaces: bool = False
    selector: str | None = None
    output: str = ""
    show_labels: bool = False
    no_headers: bool = False
    show_events: bool = True
    ignore_not_found: bool = False
    single_item: bool = False      # exactly one named object: -o yaml/json print it bare

    @property
    def resources(self) -> list[Resource]:
        """The requested types, each once, in request order."""
        seen: list[Resource] = []
        for resource, _ in self.requests:
            if resource not in seen:
                seen.append(resource)
        return seen


# Flags: name -> (takes a value, applies to)
_LONG_FLAGS = {
    "namespace": True, "all-namespaces": False, "selector": True, "output": True,
    "show-labels": False, "no-headers": False, "show-events": False, "ignore-not-found": False,
}
_SHORT_FLAGS = {"n": "namespace", "A": "all-namespaces", "l": "selector", "o": "output"}
_VERB_FLAGS = {
    "get": {"namespace", "all-namespaces", "selector", "output", "show-labels", "no-headers",
            "ignore-not-found"},
    "describe": {"namespace", "all-namespaces", "selector", "show-events"},
}
# Flags real kubectl has that make no sense against a simulated, step-by-step cluster.
_NOT_SIMULATED_FLAGS = {
    "watch": "there is no live cluster to watch: change it (cluster.apply, cluster.tick) and run get again",
    "w": "there is no live cluster to watch: change it (cluster.apply, cluster.tick) and run get again",
    "watch-only": "there is no live cluster to watch: change it (cluster.apply, cluster.tick) and run get again",
    "sort-by": "lists are always sorted by namespace and name, as the API server returns them",
    "field-selector": "use a label selector (-l) instead",
    "kubeconfig": "slicelab's kubectl talks to the simulated cluster only",
    "context": "slicelab's kubectl talks to the simulated cluster only",
}


def _resource(token: str) -> Resource:
    resource = _BY_ALIAS.get(token.lower())
    if resource is None:
        raise KubectlError(f'error: the server doesn\'t have a resource type "{token}"')
    return resource


def _split_flags(verb: str, args: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """Separate positional arguments from flags, pflag-style (`-n ns`, `-nns`, `--namespace=ns`)."""
    positional: list[str] = []
    flags: dict[str, str] = {}
    allowed = _VERB_FLAGS[verb]
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            positional.extend(args[i:])
            break
        if arg in ("|", ">", ">>", "&&", ";") or arg.startswith("|"):
            raise KubectlError("error: pipes and redirections are not simulated: run one kubectl command")
        bare = arg.lstrip("-").partition("=")[0]
        if arg.startswith("-") and bare in _NOT_SIMULATED_FLAGS and (arg.startswith("--") or len(bare) == 1):
            raise KubectlError(f"error: {'--' if len(bare) > 1 else '-'}{bare} is not simulated here: "
                               f"{_NOT_SIMULATED_FLAGS[bare]}")
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            if name not in _LONG_FLAGS or name not in allowed:
                raise KubectlError(f"error: unknown flag: --{name}")
        elif arg.startswith("-") and len(arg) > 1:
            rest = arg[1:]
            while True:  # boolean shorthands combine (`-Aowide`); a value flag takes the rest
                short, rest = rest[0], rest[1:]
                if short not in _SHORT_FLAGS or _SHORT_FLAGS[short] not in allowed:
                    raise KubectlError(f"error: unknown shorthand flag: '{short}' in {arg}")
                name = _SHORT_FLAGS[short]
                if _LONG_FLAGS[name] or not rest or rest.startswith("="):
                    break
                flags[name] = "true"
            eq, value = ("=", rest[1:]) if rest.startswith("=") else (("=", rest) if rest else ("", ""))
        else:
            positional.append(arg)
            continue
        if _LONG_FLAGS[name]:
            if not eq:
                if i >= len(args):
                    raise KubectlError(f"error: flag needs an argument: --{name}")
                value = args[i]
                i += 1
            flags[name] = value
        else:
            if eq and value.lower() not in ("true", "false", "1", "0"):
                raise KubectlError(f'error: invalid argument "{value}" for "--{name}" flag')
            flags[name] = "false" if eq and value.lower() in ("false", "0") else "true"
    return positional, flags


def _requests(positional: Sequence[str]) -> tuple[list[tuple[Resource, str | None]], bool]:
    """`TYPE[,TYPE...] [NAME...]` or `TYPE/NAME...` -> (type, name) pairs, and whether one item is implied."""
    slashed = [p for p in positional if "/" in p]
    if slashed and len(slashed) != len(positional):
        raise KubectlError("error: there is no need to specify a resource type as a separate argument when "
                           "passing arguments in resource/name form")
    if slashed:
        requests: list[tuple[Resource, str | None]] = []
        for arg in positional:
            kind, _, name = arg.partition("/")
            if not name:
                raise KubectlError(f'error: arguments in resource/name form must have a single resource and '
                                   f'name: "{arg}"')
            requests.append((_resource(kind), name))
        return requests, len(positional) == 1
    kinds = [_resource(token) for token in positional[0].split(",") if token]
    if not kinds:
        raise KubectlError(f'error: the server doesn\'t have a resource type "{positional[0]}"')
    names = list(positional[1:])
    return [(kind, name) for kind in kinds for name in (names or [None])], len(kinds) == 1 and len(names) == 1


def parse_command(command: str) -> Command:
    """Parse `get ...` or `describe ...` (a leading `kubectl` is allowed); raise KubectlError if invalid."""
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise KubectlError(f"error: cannot parse the command line: {exc}") from None
    if words and words[0] == "kubectl":
        words = words[1:]
    if not words:
        raise KubectlError('error: no command given; try "get endpoints" or "describe service NAME"')
    verb, args = words[0], words[1:]
    if verb not in _VERB_FLAGS:
        if verb in _NOT_SIMULATED:
            raise KubectlError(f'error: "kubectl {verb}" is not simulated here: change the cluster with '
                               'cluster.apply(...) or cluster.delete(...), then look with get or describe')
        raise KubectlError(f'error: unknown command "{verb}" for "kubectl"')
    positional, flags = _split_flags(verb, args)
    cmd = Command(verb=verb)
    cmd.namespace = flags.get("namespace", "default") or "default"
    cmd.all_namespaces = flags.get("all-namespaces") == "true"
    cmd.show_labels = flags.get("show-labels") == "true"
    cmd.no_headers = flags.get("no-headers") == "true"
    cmd.show_events = flags.get("show-events", "true") == "true"
    cmd.ignore_not_found = flags.get("ignore-not-found") == "true"
    cmd.output = flags.get("output", "")
    if cmd.output and cmd.output not in _OUTPUTS:
        raise KubectlError(f'error: unable to match a printer suitable for the output format "{cmd.output}", '
                           f"allowed formats are: {','.join(_OUTPUTS)}")
    if cmd.show_labels and cmd.output not in ("", "wide"):
        raise KubectlError(f"error: --show-labels option cannot be used with {cmd.output} printer")
    if "selector" in flags:
        try:
            parse_selector(flags["selector"])
        except ValueError as exc:
            raise KubectlError(f"error: {exc}") from None
        cmd.selector = flags["selector"]
    if not positional:
        raise KubectlError(f"error: you must specify the type of resource to {verb}: "
                           "endpoints, endpointslices, pods, services or nodes")
    cmd.requests, cmd.single_item = _requests(positional)
    if cmd.selector is not None and any(name for _, name in cmd.requests):
        raise KubectlError("error: name cannot be provided when a selector is specified")
    if cmd.all_namespaces and any(name for _, name in cmd.requests):
        raise KubectlError("error: a resource cannot be retrieved by name across all namespaces")
    if verb == "describe":
        for resource in cmd.resources:
            if resource.kind not in _DESCRIBABLE:
                raise KubectlError(f"error: slicelab's kubectl describes endpoints, endpointslices and "
                                   f"services, not {resource.plural}")
    return cmd


def run_kubectl(cluster: ClusterView, command: str) -> str:
    """The text `kubectl <command>` prints against `cluster` (stderr lines included, see module doc)."""
    try:
        cmd = parse_command(command)
    except KubectlError as exc:
        return str(exc)
    warning = [ENDPOINTS_DEPRECATION_WARNING] if any(
        r.kind == "Endpoints" for r in cmd.resources) else []
    body = _describe(cluster, cmd) if cmd.verb == "describe" else _get(cluster, cmd)
    return "\n".join(warning + [body]).rstrip("\n")


# ---------------------------------------------------------------------------------------- fetching

def _namespace_arg(cmd: Command, resource: Resource) -> str | None:
    if not resource.namespaced or cmd.all_namespaces:
        return None
    return cmd.namespace


def _sort_key(obj: Mapping[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return meta.get("namespace") or "", meta.get("name") or ""


def _not_found(resource: Resource, name: str) -> str:
    return f'Error from server (NotFound): {resource.plural} "{name}" not found'


def _fetch(cluster: ClusterView, cmd: Command, prefix_match: bool = False
           ) -> tuple[list[tuple[Resource, dict]], list[str]]:
    """Objects in request order (each type's list sorted like the API server), and NotFound errors.

    With `prefix_match` (describe), a missing name falls back to every object whose name starts with it.
    """
    found: list[tuple[Resource, dict]] = []
    errors: list[str] = []
    for resource, name in cmd.requests:
        ns = _namespace_arg(cmd, resource)
        if name is None:
            objs = cluster.get(resource.kind, namespace=ns, label_selector=cmd.selector)
            found.extend((resource, obj) for obj in sorted(objs, key=_sort_key))
            continue
        objs = cluster.get(resource.kind, namespace=ns, name=name)
        if not objs and prefix_match:
            objs = [obj for obj in sorted(cluster.get(resource.kind, namespace=ns), key=_sort_key)
                    if (obj.get("metadata") or {}).get("name", "").startswith(name)]
        if objs:
            found.extend((resource, obj) for obj in (objs if prefix_match else objs[:1]))
        else:
            errors.append(_not_found(resource, name))
    return found, errors


def _no_resources(cmd: Command) -> str:
    if cmd.all_namespaces:
        return "No resources found"
    return f"No resources found in {cmd.namespace} namespace."


# ---------------------------------------------------------------------------------------- get

def _get(cluster: ClusterView, cmd: Command) -> str:
    found, errors = _fetch(cluster, cmd)
    if cmd.ignore_not_found:
        errors = []
        if not found and cmd.output not in ("yaml", "json"):
            return ""
    if cmd.output in ("yaml", "json"):
        items = [_with_type(resource, obj) for resource, obj in found]
        if cmd.single_item and len(items) == 1:
            doc: Any = items[0]
        elif cmd.single_item and not items:
            return "\n".join(errors)
        else:
            doc = {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
        text = to_yaml(doc) if cmd.output == "yaml" else to_json(doc)
        return "\n".join([text.rstrip("\n")] + errors)
    if cmd.output == "name":
        lines = [f"{resource.singular}/{(obj.get('metadata') or {}).get('name', '')}" for resource, obj in found]
        return "\n".join(lines + errors)
    if not found:
        return "\n".join(errors or [_no_resources(cmd)])
    # Names print as `kind/name` when the objects found are of several kinds; each kind gets its own
    # table, separated by a blank line unless headers are off.
    with_kind = len({resource.kind for resource, _ in found}) > 1
    blocks: list[str] = []
    for resource in cmd.resources:
        objs = [obj for r, obj in found if r is resource]
        if objs:
            blocks.append(_table(cluster, cmd, resource, objs, with_kind).rstrip("\n"))
    return "\n".join([("\n" if cmd.no_headers else "\n\n").join(blocks)] + errors)


def _table(cluster: ClusterView, cmd: Command, resource: Resource, objs: Iterable[Mapping[str, Any]],
           with_kind: bool) -> str:
    printer = PRINTERS[resource.kind]
    wide = cmd.output == "wide"
    with_namespace = cmd.all_namespaces and resource.namespaced
    header = (["NAMESPACE"] if with_namespace else []) + ["NAME", *printer.columns]
    if wide:
        header += printer.wide_columns
    if cmd.show_labels:
        header.append("LABELS")
    rows = []
    for obj in objs:
        meta = obj.get("metadata") or {}
        name = meta.get("name", "")
        if with_kind:
            name = f"{resource.singular}/{name}"
        row = ([meta.get("namespace", "")] if with_namespace else []) + [name]
        row += printer.row(obj, cluster.now, wide)
        if cmd.show_labels:
            row.append(format_labels(meta.get("labels")))
        rows.append(row)
    return render_table(None if cmd.no_headers else header, rows)


def _with_type(resource: Resource, obj: Mapping[str, Any]) -> dict:
    """The object with apiVersion and kind first filled in, as the API server returns it."""
    return {"apiVersion": resource.api_version, "kind": resource.kind, **obj}


class _KubectlDumper(yaml.SafeDumper):
    """Like kubectl's YAML (go-yaml): double quotes wherever a plain scalar would change meaning."""

    def choose_scalar_style(self):  # noqa: D401 - PyYAML hook
        style = super().choose_scalar_style()
        return '"' if style == "'" else style


def to_yaml(obj: Any) -> str:
    """YAML as `kubectl get -o yaml` prints it: keys sorted, block style, `""` for empty strings."""
    return yaml.dump(obj, Dumper=_KubectlDumper, sort_keys=True, default_flow_style=False,
                     allow_unicode=True, width=1 << 30)


def to_json(obj: Any) -> str:
    """JSON as `kubectl get -o json` prints it: 4-space indent, keys sorted, HTML characters escaped."""
    text = json.dumps(obj, indent=4, sort_keys=True, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


# ---------------------------------------------------------------------------------------- describe

class _PrefixWriter:
    """kubectl's describe writer: two spaces of indent per level, cells separated by tabs."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, level: int, text: str) -> None:
        self.parts.append("  " * level + text)

    def text(self) -> str:
        return tabwrite("".join(self.parts), minwidth=0, padding=2)


_SKIP_ANNOTATIONS = {"kubectl.kubernetes.io/last-applied-configuration"}
_MAX_ANNOTATION_LEN = 140


def _write_labels(w: _PrefixWriter, title: str, labels: Mapping[str, str] | None) -> None:
    w.write(0, f"{title}:\t")
    if not labels:
        w.write(0, "<none>\n")
        return
    for i, key in enumerate(sorted(labels)):
        w.write(0, ("\t" if i else "") + f"{key}={labels[key]}\n")


def _shorten(text: str, limit: int) -> str:
    raw = text.encode()
    return raw[:limit].decode(errors="ignore") + "..." if len(raw) > limit else text


def _write_annotations(w: _PrefixWriter, annotations: Mapping[str, str] | None) -> None:
    w.write(0, "Annotations:\t")
    keys = sorted(k for k in (annotations or {}) if k not in _SKIP_ANNOTATIONS)
    if not keys:
        w.write(0, "<none>\n")
        return
    for i, key in enumerate(keys):
        if i:
            w.write(0, "\t")
        value = str(annotations[key]).removesuffix("\n")  # type: ignore[index]
        if len(value.encode()) + len(key.encode()) + 2 > _MAX_ANNOTATION_LEN or "\n" in value:
            w.write(0, f"{key}:\n")
            for line in value.split("\n"):
                w.write(0, f"\t  {_shorten(line, _MAX_ANNOTATION_LEN - 2)}\n")
        else:
            w.write(0, f"{key}: {value}\n")


def _write_header(w: _PrefixWriter, obj: Mapping[str, Any]) -> None:
    meta = obj.get("metadata") or {}
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    _write_labels(w, "Labels", meta.get("labels"))
    _write_annotations(w, meta.get("annotations"))


def _write_events(w: _PrefixWriter, show_events: bool) -> None:
    # slicelab records no Events objects: kubectl shows that as `<none>`.
    if show_events:
        w.write(0, "Events:\t<none>\n")


def describe_endpoints(ep: Mapping[str, Any], show_events: bool = True) -> str:
    """`kubectl describe endpoints NAME` for one Endpoints manifest."""
    w = _PrefixWriter()
    _write_header(w, ep)
    w.write(0, "Subsets:\n")
    for subset in ep.get("subsets") or []:
        ready = ",".join(a.get("ip", "") for a in subset.get("addresses") or [])
        not_ready = ",".join(a.get("ip", "") for a in subset.get("notReadyAddresses") or [])
        w.write(1, f"Addresses:\t{ready or '<none>'}\n")
        w.write(1, f"NotReadyAddresses:\t{not_ready or '<none>'}\n")
        if subset.get("ports"):
            w.write(1, "Ports:\n")
            w.write(2, "Name\tPort\tProtocol\n")
            w.write(2, "----\t----\t--------\n")
            for port in subset["ports"]:
                w.write(2, f"{port.get('name') or '<unset>'}\t{port.get('port', 0)}\t{port.get('protocol', '')}\n")
        w.write(0, "\n")
    _write_events(w, show_events)
    return w.text()


def describe_endpointslice(eps: Mapping[str, Any], show_events: bool = True) -> str:
    """`kubectl describe endpointslice NAME` for one EndpointSlice manifest (ready is the only condition shown)."""
    w = _PrefixWriter()
    _write_header(w, eps)
    w.write(0, f"AddressType:\t{eps.get('addressType', '')}\n")
    ports = eps.get("ports") or []
    if not ports:
        w.write(0, "Ports: <unset>\n")
    else:
        w.write(0, "Ports:\n")
        w.write(1, "Name\tPort\tProtocol\n")
        w.write(1, "----\t----\t--------\n")
        for port in ports:
            number = port.get("port")
            w.write(1, f"{port.get('name') or '<unset>'}\t{'<unset>' if number is None else number}\t"
                       f"{port.get('protocol', '')}\n")
    endpoints = eps.get("endpoints") or []
    if not endpoints:
        w.write(0, "Endpoints: <none>\n")
    else:
        w.write(0, "Endpoints:\n")
        for endpoint in endpoints:
            w.write(1, f"- Addresses:\t{', '.join(endpoint.get('addresses') or []) or '<none>'}\n")
            w.write(2, "Conditions:\n")
            ready = (endpoint.get("conditions") or {}).get("ready")
            w.write(3, f"Ready:\t{'<unset>' if ready is None else str(bool(ready)).lower()}\n")
            hostname = endpoint.get("hostname")
            w.write(2, f"Hostname:\t{'<unset>' if hostname is None else hostname}\n")
            target = endpoint.get("targetRef")
            if target is not None:
                w.write(2, f"TargetRef:\t{target.get('kind', '')}/{target.get('name', '')}\n")
            node = endpoint.get("nodeName")
            w.write(2, f"NodeName:\t{'<unset>' if node is None else node}\n")
            zone = endpoint.get("zone")
            w.write(2, f"Zone:\t{'<unset>' if zone is None else zone}\n")
    _write_events(w, show_events)
    return w.text()


def format_slice_endpoints_for_port(slices: Sequence[Mapping[str, Any]], port_name: str) -> str:
    """The `Endpoints:` line of `kubectl describe service`: ready (or unset) endpoints of one port.

    Follows kubectl's formatter exactly, including its quirk of announcing `+ 0 more...` when a
    not-ready endpoint follows three shown ones.
    """
    if not slices:
        return "<none>"
    shown: list[str] = []
    limit, more, count = 3, False, 0
    for eps in slices:
        endpoints = eps.get("endpoints") or []
        ports = eps.get("ports") or []
        if not ports:
            pairs = [(endpoint, None) for endpoint in endpoints]
        else:
            pairs = [(endpoint, port) for port in ports if (port.get("name") or "") == port_name
                     for endpoint in endpoints]
        for endpoint, port in pairs:
            if len(shown) == limit:
                more = True
            ready = (endpoint.get("conditions") or {}).get("ready")
            if ready is not None and not ready:
                continue
            if not more:
                address = (endpoint.get("addresses") or [""])[0]
                shown.append(address if port is None else join_host_port(address, port.get("port")))
            count += 1
    text = ",".join(shown)
    return f"{text} + {count - limit} more..." if more else text


def describe_service(svc: Mapping[str, Any], slices: Sequence[Mapping[str, Any]], show_events: bool = True) -> str:
    """`kubectl describe service NAME`; `slices` are the EndpointSlices labelled with its name.

    Fields the API server defaults (type, sessionAffinity, port protocol, targetPort,
    internalTrafficPolicy) are shown with their defaults when a slicelab manifest leaves them out.
    """
    spec = svc.get("spec") or {}
    kind = spec.get("type") or "ClusterIP"
    w = _PrefixWriter()
    _write_header(w, svc)
    selector = spec.get("selector")
    w.write(0, f"Selector:\t{format_labels(selector)}\n")
    w.write(0, f"Type:\t{kind}\n")
    if spec.get("ipFamilyPolicy"):
        w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    w.write(0, f"IP Families:\t{','.join(spec.get('ipFamilies') or []) or '<none>'}\n")
    cluster_ip = spec.get("clusterIP") or ""
    cluster_ips = spec.get("clusterIPs") or ([cluster_ip] if cluster_ip else [])
    w.write(0, f"IP:\t{cluster_ip}\n")
    w.write(0, f"IPs:\t{','.join(cluster_ips) or '<none>'}\n")
    if spec.get("externalIPs"):
        w.write(0, f"External IPs:\t{','.join(spec['externalIPs'])}\n")
    if spec.get("loadBalancerIP"):
        w.write(0, f"Desired LoadBalancer IP:\t{spec['loadBalancerIP']}\n")
    if spec.get("externalName"):
        w.write(0, f"External Name:\t{spec['externalName']}\n")
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        w.write(0, f"LoadBalancer Ingress:\t{', '.join(i.get('ip') or i.get('hostname', '') for i in ingress)}\n")
    for port in spec.get("ports") or []:
        name = port.get("name") or "<unset>"
        protocol = port.get("protocol") or "TCP"
        target = port.get("targetPort", port.get("port"))
        w.write(0, f"Port:\t{name}\t{port.get('port')}/{protocol}\n")
        w.write(0, f"TargetPort:\t{target}/{protocol}\n")
        if port.get("nodePort"):
            w.write(0, f"NodePort:\t{name}\t{port['nodePort']}/{protocol}\n")
        w.write(0, f"Endpoints:\t{format_slice_endpoints_for_port(slices, port.get('name') or '')}\n")
    w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity') or 'None'}\n")
    if spec.get("externalTrafficPolicy"):
        w.write(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}\n")
    internal = spec.get("internalTrafficPolicy") or (None if kind == "ExternalName" else "Cluster")
    if internal:
        w.write(0, f"Internal Traffic Policy:\t{internal}\n")
    if spec.get("healthCheckNodePort"):
        w.write(0, f"HealthCheck NodePort:\t{spec['healthCheckNodePort']}\n")
    if spec.get("loadBalancerSourceRanges"):
        w.write(0, f"LoadBalancer Source Ranges:\t{','.join(spec['loadBalancerSourceRanges'])}\n")
    if spec.get("trafficDistribution"):
        w.write(0, f"Traffic Distribution:\t{spec['trafficDistribution']}\n")
    _write_events(w, show_events)
    return w.text()


def describe(cluster: ClusterView, resource_kind: str, obj: Mapping[str, Any], show_events: bool = True) -> str:
    """Describe one manifest of kind Endpoints, EndpointSlice or Service."""
    if resource_kind == "Endpoints":
        return describe_endpoints(obj, show_events)
    if resource_kind == "EndpointSlice":
        return describe_endpointslice(obj, show_events)
    meta = obj.get("metadata") or {}
    slices = cluster.get("EndpointSlice", namespace=meta.get("namespace") or "default",
                         label_selector=f"kubernetes.io/service-name={meta.get('name', '')}")
    return describe_service(obj, sorted(slices, key=_sort_key), show_events)


def _describe(cluster: ClusterView, cmd: Command) -> str:
    """Exact name first; if missing, every object whose name starts with it (kubectl's prefix rule)."""
    found, errors = _fetch(cluster, cmd, prefix_match=True)
    if not found and not errors:
        return _no_resources(cmd)
    texts = [describe(cluster, resource.kind, obj, cmd.show_events) for resource, obj in found]
    return "\n".join(["\n\n".join(texts).rstrip("\n")] * bool(texts) + errors)
