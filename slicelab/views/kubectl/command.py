"""The kubectl command line: which resource types and names it asks for, with which flags.

`parse_command("get endpointslices -l kubernetes.io/service-name=web -o wide")` gives a `Command`, or
raises `KubectlError` with the one line kubectl would print. `fetch` then finds what a command names in
any `reading.Reader` (a Cluster or a replayed Frame). Kind names come from `objects.KIND_NAMES`.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from slicelab.objects import API_VERSIONS, KIND_NAMES, NAMESPACED
from slicelab.reading import Reader
from slicelab.selectors import parse_selector

__all__ = ["KubectlError", "Resource", "RESOURCES", "Command", "parse_command", "fetch", "sort_key",
           "no_resources"]


class KubectlError(ValueError):
    """A command kubectl would reject; the message is kubectl's one-line error."""


@dataclass(frozen=True)
class Resource:
    """A resource type as kubectl names it."""

    kind: str
    plural: str      # in `Error from server (NotFound): <plural> "x" not found`
    singular: str    # in `-o name` and kind-prefixed table names: `<singular>/x`
    api_version: str
    namespaced: bool = True


def _resource_of(kind: str) -> Resource:
    """Core kinds print as their plain names, others qualified by their group
    (`endpointslices.discovery.k8s.io`)."""
    names = KIND_NAMES[kind]
    group = API_VERSIONS[kind].rpartition("/")[0]
    plural = f"{names[0]}.{group}" if group else names[0]
    singular = kind.lower() if kind.lower() in names else names[0]
    return Resource(kind, plural, f"{singular}.{group}" if group else singular, API_VERSIONS[kind],
                    NAMESPACED[kind])


RESOURCES = {kind: _resource_of(kind) for kind in ("Endpoints", "EndpointSlice", "Pod", "Service", "Node")}
_BY_ALIAS = {alias: RESOURCES[kind] for kind, aliases in KIND_NAMES.items() for alias in aliases}
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



# ---------------------------------------------------------------------------------------- fetching

def _namespace_arg(cmd: Command, resource: Resource) -> str | None:
    if not resource.namespaced or cmd.all_namespaces:
        return None
    return cmd.namespace


def sort_key(obj: Mapping[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return meta.get("namespace") or "", meta.get("name") or ""


def _not_found(resource: Resource, name: str) -> str:
    return f'Error from server (NotFound): {resource.plural} "{name}" not found'


def fetch(cluster: Reader, cmd: Command, prefix_match: bool = False
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
            found.extend((resource, obj) for obj in sorted(objs, key=sort_key))
            continue
        objs = cluster.get(resource.kind, namespace=ns, name=name)
        if not objs and prefix_match:
            objs = [obj for obj in sorted(cluster.get(resource.kind, namespace=ns), key=sort_key)
                    if (obj.get("metadata") or {}).get("name", "").startswith(name)]
        if objs:
            found.extend((resource, obj) for obj in (objs if prefix_match else objs[:1]))
        else:
            errors.append(_not_found(resource, name))
    return found, errors


def no_resources(cmd: Command) -> str:
    if cmd.all_namespaces:
        return "No resources found"
    return f"No resources found in {cmd.namespace} namespace."
