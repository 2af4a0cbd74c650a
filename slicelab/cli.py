"""The `slicelab` command (also `python -m slicelab`).

    slicelab reconcile -f service.yaml -f pods.yaml [-o yaml|json|table] [--max-endpoints-per-slice N]
    kubectl get svc,pods,nodes -o yaml | slicelab reconcile -f - -o table

`reconcile` loads manifests (files or `-` for stdin; multi-document YAML; `List` objects such as
`kubectl get ... -o yaml` prints them, including fields slicelab ignores), applies them to a fresh
Cluster in one transaction, and prints the Endpoints and EndpointSlices the controllers wrote.
Objects of kinds slicelab does not model (Deployment, ReplicaSet, ...) are skipped with a note.
Include the Nodes: like the real EndpointSlice controller, slicelab skips Pods whose Node it does
not know (a note on stderr says which). The simulated clock starts at the newest
creationTimestamp of the input.

Exit codes: 0 success, 2 bad input (one line on stderr naming file, object and field).
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
from datetime import datetime
from typing import Any, Iterable, Sequence, TextIO

from slicelab.errors import ManifestError

__all__ = ["main", "build_parser", "reconcile_command", "load_sources"]

PROG = "slicelab"


class UsageError(Exception):
    """Bad input for the CLI; the message is the one line printed after `slicelab: `."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit 2) instead of usage + message."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{PROG}: {message} (see `{self.prog} --help`)\n")


def _max_per_slice(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number between 1 and 1000, got {text!r}") from None
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"must be between 1 and 1000 (the controller flag's range), got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = _Parser(prog=PROG, description="Compute Endpoints and EndpointSlices the way Kubernetes does.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    reconcile = subparsers.add_parser(
        "reconcile", help="print the Endpoints and EndpointSlices the controllers write for some manifests",
        description="Apply Services, Pods and Nodes to a fresh slicelab cluster and print the Endpoints and "
                    "EndpointSlices its controllers write.")
    reconcile.add_argument("-f", "--filename", dest="files", action="append", required=True, metavar="FILE",
                           help="manifest file (YAML or JSON, several documents or a List); - reads stdin")
    reconcile.add_argument("--max-endpoints-per-slice", type=_max_per_slice, default=100, metavar="N",
                           help="the controller's --max-endpoints-per-slice (1..1000, default 100)")
    reconcile.add_argument("-o", "--output", choices=("yaml", "json", "table"), default="yaml",
                           help="yaml or json: a List of the objects; table: kubectl get tables (default yaml)")
    reconcile.set_defaults(func=reconcile_command)

    # ---- `slicelab scenario ...` is defined by slicelab/scenario_cli.py (helper H3's module). ----
    # When that module exists, it registers its subparser here; without it the CLI works unchanged.
    if importlib.util.find_spec("slicelab.scenario_cli") is not None:
        from slicelab.scenario_cli import add_scenario_command
        add_scenario_command(subparsers)
    return parser


def _read(path: str, stdin: TextIO) -> str:
    if path == "-":
        return stdin.read()
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: cannot read the file: it is not UTF-8 text") from None


def load_sources(paths: Sequence[str], stdin: TextIO) -> list[tuple[str, dict]]:
    """(file label, manifest) for every object in the given files, Lists flattened, order kept."""
    from slicelab.objects import load_manifests

    loaded: list[tuple[str, dict]] = []
    for path in paths:
        label = "<stdin>" if path == "-" else path
        text = _read(path, stdin)
        try:
            manifests = load_manifests(text)
        except ManifestError as exc:
            problem = exc.problem if exc.kind == "YAML" else str(exc)
            raise UsageError(f"{label}: {problem}") from None
        loaded.extend((label, m) for m in manifests)
    return loaded


def _identity(manifest: dict) -> tuple[str, str]:
    meta = manifest.get("metadata") if isinstance(manifest.get("metadata"), dict) else {}
    return str(manifest.get("kind", "")), str(meta.get("name", "") or "<unnamed>")


def _source_of(exc: ManifestError, loaded: Sequence[tuple[str, dict]]) -> str | None:
    """The file that held the object a ManifestError names (None if it cannot be told)."""
    files = {label for label, _ in loaded}
    candidates = {label for label, m in loaded if _identity(m) == (exc.kind, exc.name)}
    if len(candidates) == 1:
        return candidates.pop()
    return files.pop() if len(files) == 1 else None


def reconcile_command(args: argparse.Namespace, stdin: TextIO | None = None, out: TextIO | None = None,
                      err: TextIO | None = None) -> int:
    """`slicelab reconcile`: load, apply in one transaction, print what the controllers wrote."""
    import slicelab
    from slicelab.objects import API_VERSIONS
    from slicelab.views.kubectl import to_json, to_yaml

    stdin, out, err = stdin or sys.stdin, out or sys.stdout, err or sys.stderr
    try:
        loaded = load_sources(args.files, stdin)
    except UsageError as exc:
        err.write(f"{PROG}: {exc}\n")
        return 2
    kept: list[tuple[str, dict]] = []
    skipped: dict[str, dict[str, int]] = {}
    for label, manifest in loaded:
        kind = manifest.get("kind")
        if isinstance(kind, str) and kind and kind not in API_VERSIONS:
            skipped.setdefault(label, {}).setdefault(kind, 0)
            skipped[label][kind] += 1
        else:
            kept.append((label, manifest))
    for label, kinds in skipped.items():
        listed = ", ".join(f"{n} {k}" for k, n in kinds.items())
        err.write(f"{PROG}: {label}: skipped objects of kinds slicelab does not model: {listed}\n")

    start = _latest_creation(m for _, m in kept)
    options = {"start": start} if start else {}
    cluster = slicelab.Cluster(max_endpoints_per_slice=args.max_endpoints_per_slice, **options)
    try:
        if kept:
            cluster.apply([m for _, m in kept])
    except ManifestError as exc:
        source = _source_of(exc, kept)
        err.write(f"{PROG}: {source + ': ' if source else ''}{exc}\n")
        return 2

    for problem in cluster.controller_errors():
        hint = " (add the Nodes too, e.g. from `kubectl get nodes -o yaml`)" if "Node" in problem else ""
        err.write(f"{PROG}: endpointslice controller: {problem}{hint}\n")

    if args.output == "table":
        out.write(_tables(cluster, err))
        return 0
    items = written_objects(cluster)
    doc = {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
    out.write(to_yaml(doc) if args.output == "yaml" else to_json(doc))
    return 0


def _tables(cluster: Any, err: TextIO) -> str:
    """`kubectl get endpoints` and `kubectl get endpointslices` (with `-A` if several namespaces);
    what kubectl prints on stderr (the deprecation warning, "No resources found") goes to `err`."""
    from slicelab.views.kubectl import ENDPOINTS_DEPRECATION_WARNING, run_kubectl

    namespaces = {(o.get("metadata") or {}).get("namespace")
                  for kind in ("Endpoints", "EndpointSlice") for o in cluster.get(kind, namespace=None)}
    scope = f"-n {namespaces.pop()}" if len(namespaces) == 1 else "-A"
    tables = []
    for resource in ("endpoints", "endpointslices"):
        lines = run_kubectl(cluster, f"get {resource} {scope}").split("\n")
        while lines and (lines[0] == ENDPOINTS_DEPRECATION_WARNING or lines[0].startswith("No resources found")):
            err.write(lines.pop(0) + "\n")
        if lines:
            tables.append("\n".join(lines))
    return "\n\n".join(tables) + "\n" if tables else ""


def _latest_creation(manifests: Iterable[dict]) -> datetime | None:
    """The newest creationTimestamp in the input: the simulated clock starts there, so objects taken
    from a real cluster do not look created in the future (AGE `<invalid>`)."""
    from slicelab.views.durations import parse_timestamp

    latest = None
    for manifest in manifests:
        meta = manifest.get("metadata")
        stamp = meta.get("creationTimestamp") if isinstance(meta, dict) else None
        try:
            moment = parse_timestamp(stamp) if stamp else None
        except ValueError:
            continue  # validation reports it, naming the object
        if moment and (latest is None or moment > latest):
            latest = moment
    return latest


def written_objects(cluster: Any) -> list[dict]:
    """Every Endpoints then every EndpointSlice in the cluster, ordered by namespace and name."""
    def key(obj: dict) -> tuple[str, str]:
        meta = obj.get("metadata") or {}
        return meta.get("namespace") or "", meta.get("name") or ""
    items = []
    for kind in ("Endpoints", "EndpointSlice"):
        items += sorted(cluster.get(kind, namespace=None), key=key)
    return items


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `slicelab` command; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (one line, see _Parser) and --help
        return exc.code if isinstance(exc.code, int) else 2
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    return int(args.func(args) or 0)
