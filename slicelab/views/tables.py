"""The columns `kubectl get` prints for each kind, and the tabwriter that aligns them.

kubectl aligns its output with Go's `text/tabwriter`: `get` uses min width 6, padding 3; `describe`
uses min width 0, padding 2. Column widths are computed per *column block* (consecutive lines that
have a cell in that column), and the last cell of a line is never padded. `tabwrite` follows those
rules so that slicelab's text lines up character for character with a real cluster's.

The row functions read manifests (dicts shaped like `kubectl get -o json` items) and follow the
server-side printers of kube-apiserver (`pkg/printers/internalversion/printers.go`).
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping, Sequence

from slicelab.views.durations import age

__all__ = [
    "tabwrite", "render_table", "preformatted_html", "TablePrinter", "PRINTERS", "join_host_port", "format_labels",
    "format_endpoints", "format_slice_ports", "format_slice_endpoints", "format_service_ports",
]

Manifest = Mapping[str, Any]


def tabwrite(text: str, minwidth: int = 6, padding: int = 3, padchar: str = " ") -> str:
    """Align tab-separated cells like Go's text/tabwriter (no flags, padding with `padchar`)."""
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = []

    def write_lines(widths: list[int], line0: int, line1: int) -> None:
        for i in range(line0, line1):
            for j, cell in enumerate(lines[i]):
                out.append(cell)
                if j < len(widths):
                    out.append(padchar * (widths[j] - len(cell)))
            if i + 1 < len(lines):
                out.append("\n")

    def format_block(widths: list[int], line0: int, line1: int) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            write_lines(widths, line0, this)
            line0 = this
            width = minwidth
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            format_block(widths + [width], line0, this)
            line0 = this
        write_lines(widths, line0, line1)

    format_block([], 0, len(lines))
    return "".join(out)


def render_table(header: Sequence[str] | None, rows: Sequence[Sequence[str]]) -> str:
    """A `kubectl get` table: upper-case header (unless None), then one line per row."""
    lines = ([list(header)] if header is not None else []) + [list(r) for r in rows]
    return tabwrite("".join("\t".join(cells) + "\n" for cells in lines))


# A wide table scrolls sideways instead of wrapping: JupyterLab's output CSS (`white-space: pre-wrap;
# word-break: break-all`) would otherwise cut "Final" into "F" / "inal".
_PRE_STYLE = ("white-space:pre;overflow-x:auto;word-break:normal;overflow-wrap:normal;margin:0.2em 0;"
              "font-family:var(--jp-code-font-family, monospace);font-size:0.85em;line-height:1.3")
_WIDE = 80  # characters: wider text may need scrolling, so its block takes keyboard focus


def preformatted_html(text: str) -> str:
    """Text (a kubectl table, a transcript) as a <pre> that scrolls sideways; "" for no text.

    A block that may scroll is focusable (tabindex=0), so it can be scrolled with the keyboard too.
    """
    if not text:
        return ""
    focus = " tabindex='0'" if max(map(len, text.splitlines() or [""])) > _WIDE else ""
    return f"<pre class='slicelab-text' style='{_PRE_STYLE}'{focus}>{html.escape(text)}</pre>"


def join_host_port(host: str, port: int | str) -> str:
    """Go's net.JoinHostPort: IPv6 hosts go in brackets (`[2001:db8::1]:80`)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def format_labels(labels: Mapping[str, str] | None) -> str:
    """`k=v,k2=v2` sorted by key, `<none>` when empty (apimachinery labels.FormatLabels)."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def _with_more(items: list[str], more: bool, count: int, limit: int, empty: str) -> str:
    text = ",".join(items)
    if more:
        return f"{text} + {count - limit} more..."
    return text or empty


def format_endpoints(endpoints: Manifest) -> str:
    """The ENDPOINTS cell of `kubectl get endpoints`: ready `ip:port` pairs, port-major, first 3.

    notReadyAddresses are never shown; no subsets at all prints `<none>`; subsets whose addresses
    are all not ready print an empty cell (what kubectl's formatter returns).
    """
    subsets = endpoints.get("subsets") or []
    if not subsets:
        return "<none>"
    shown: list[str] = []
    limit, more, count = 3, False, 0
    for subset in subsets:
        addresses = subset.get("addresses") or []
        ports = subset.get("ports") or []
        if not ports:  # headless Services may have no ports: bare IPs
            count += len(addresses)
            for address in addresses:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(address.get("ip", ""))
            continue
        for port in ports:
            count += len(addresses)
            for address in addresses:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(join_host_port(address.get("ip", ""), port.get("port", 0)))
    text = ",".join(shown)
    return f"{text} + {count - limit} more..." if more else text


def format_slice_ports(ports: Sequence[Manifest] | None) -> str:
    """The PORTS cell of `kubectl get endpointslices`: number, else name, else `*`; `<unset>` if none."""
    shown: list[str] = []
    limit, more, count = 3, False, 0
    for port in ports or []:
        if len(shown) < limit:
            if port.get("port") is not None:
                shown.append(str(port["port"]))
            elif port.get("name") is not None:
                shown.append(str(port["name"]))
            else:
                shown.append("*")
        elif len(shown) == limit:
            more = True
        count += 1
    return _with_more(shown, more, count, limit, "<unset>")


def format_slice_endpoints(endpoints: Sequence[Manifest] | None) -> str:
    """The ENDPOINTS cell of `kubectl get endpointslices`: every address, whatever its conditions."""
    shown: list[str] = []
    limit, more, count = 3, False, 0
    for endpoint in endpoints or []:
        for address in endpoint.get("addresses") or []:
            if len(shown) < limit:
                shown.append(address)
            elif len(shown) == limit:
                more = True
            count += 1
    return _with_more(shown, more, count, limit, "<unset>")


def format_service_ports(ports: Sequence[Manifest] | None) -> str:
    """The PORT(S) cell of `kubectl get services`: `80/TCP`, `80:30080/TCP` with a nodePort."""
    pieces = []
    for port in ports or []:
        protocol = port.get("protocol") or "TCP"
        if port.get("nodePort"):
            pieces.append(f"{port.get('port')}:{port['nodePort']}/{protocol}")
        else:
            pieces.append(f"{port.get('port')}/{protocol}")
    return ",".join(pieces)


def _lb_ingress(service: Manifest, wide: bool) -> str:
    ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    found = [i.get("ip") or i.get("hostname") for i in ingress if i.get("ip") or i.get("hostname")]
    text = ",".join(found)
    if not wide and len(text) > 16:
        text = text[:13] + "..."
    return text


def service_external_ip(service: Manifest, wide: bool) -> str:
    """The EXTERNAL-IP cell: externalIPs, load-balancer ingress, `<pending>` or `<none>` by type."""
    spec = service.get("spec") or {}
    kind = spec.get("type") or "ClusterIP"
    external = list(spec.get("externalIPs") or [])
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if kind == "LoadBalancer":
        lb = _lb_ingress(service, wide)
        if external:
            return ",".join(([*lb.split(",")] if lb else []) + external)
        return lb or "<pending>"
    if kind == "ExternalName":
        return spec.get("externalName", "")
    return "<unknown>"


def _meta(obj: Manifest) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def _endpoints_row(obj: Manifest, now: datetime, wide: bool) -> list[str]:
    return [format_endpoints(obj), age(_meta(obj).get("creationTimestamp"), now)]


def _slice_row(obj: Manifest, now: datetime, wide: bool) -> list[str]:
    return [str(obj.get("addressType", "")), format_slice_ports(obj.get("ports")),
            format_slice_endpoints(obj.get("endpoints")), age(_meta(obj).get("creationTimestamp"), now)]


def _service_row(obj: Manifest, now: datetime, wide: bool) -> list[str]:
    spec = obj.get("spec") or {}
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    row = [spec.get("type") or "ClusterIP", cluster_ips[0] if cluster_ips else "<none>",
           service_external_ip(obj, wide), format_service_ports(spec.get("ports")) or "<none>",
           age(_meta(obj).get("creationTimestamp"), now)]
    if wide:
        row.append(format_labels(spec.get("selector")))
    return row


def _condition(obj: Manifest, kind: str) -> Mapping[str, Any] | None:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") == kind:
            return condition
    return None


def pod_ip(pod: Manifest) -> str:
    """The pod's primary IP: `status.podIPs[0].ip`, else `status.podIP`, else ``""``."""
    status = pod.get("status") or {}
    ips = status.get("podIPs") or []
    if ips and ips[0].get("ip"):
        return ips[0]["ip"]
    return status.get("podIP") or ""


def _pod_containers(pod: Manifest) -> tuple[int, int, int, str | None, bool]:
    """(ready, total, restarts, reason override, a container is running) from container statuses.

    Simulator rule: a slicelab Pod often has no `containerStatuses` (no kubelet runs it). Then each
    declared container (at least one) counts as running, and as ready iff the Pod's Ready condition
    is True — what a kubelet reports for a Pod whose containers share its readiness.
    """
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    containers = spec.get("containers") or []
    sidecars = [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    total = len(containers) + len(sidecars)
    statuses = status.get("containerStatuses")
    if statuses is None:
        total = max(total, 1)
        ready_condition = _condition(pod, "Ready")
        is_ready = ready_condition is not None and ready_condition.get("status") == "True"
        running = status.get("phase") == "Running"
        return (total if is_ready and running else 0), total, 0, None, running
    ready = restarts = 0
    reason = None
    for cs in reversed(statuses):
        restarts += int(cs.get("restartCount") or 0)
        state = cs.get("state") or {}
        waiting, terminated = state.get("waiting"), state.get("terminated")
        if waiting and waiting.get("reason"):
            reason = waiting["reason"]
        elif terminated is not None and terminated.get("reason"):
            reason = terminated["reason"]
        elif terminated is not None:
            reason = (f"Signal:{terminated['signal']}" if terminated.get("signal")
                      else f"ExitCode:{terminated.get('exitCode', 0)}")
        elif cs.get("ready") and state.get("running") is not None:
            ready += 1
    has_running = ready > 0
    for cs in (status.get("initContainerStatuses") or []):
        if any(s.get("name") == cs.get("name") for s in sidecars):
            restarts += int(cs.get("restartCount") or 0)
            if cs.get("ready"):
                ready += 1
    return ready, total, restarts, reason, has_running


def pod_status(pod: Manifest) -> str:
    """The STATUS cell: phase or reason, container reasons, `Terminating` while being deleted.

    Init-container progress (`Init:0/1`, `PodInitializing`) is not modelled: slicelab Pods have no
    init phase.
    """
    status = pod.get("status") or {}
    phase = status.get("phase") or "Pending"
    reason = status.get("reason") or phase
    _ready, _total, _restarts, container_reason, has_running = _pod_containers(pod)
    if container_reason:
        reason = container_reason
    if reason == "Completed" and has_running:
        ready_condition = _condition(pod, "Ready")
        reason = "Running" if ready_condition and ready_condition.get("status") == "True" else "NotReady"
    deleting = bool(_meta(pod).get("deletionTimestamp"))
    if deleting and status.get("reason") == "NodeLost":
        return "Unknown"
    if deleting and phase not in ("Succeeded", "Failed"):
        return "Terminating"
    return reason


def _pod_row(obj: Manifest, now: datetime, wide: bool) -> list[str]:
    ready, total, restarts, _reason, _running = _pod_containers(obj)
    row = [f"{ready}/{total}", pod_status(obj), str(restarts), age(_meta(obj).get("creationTimestamp"), now)]
    if wide:
        spec = obj.get("spec") or {}
        gates = spec.get("readinessGates") or []
        gates_text = "<none>"
        if gates:
            true = 0
            for gate in gates:
                condition = _condition(obj, gate.get("conditionType", ""))
                true += bool(condition and condition.get("status") == "True")
            gates_text = f"{true}/{len(gates)}"
        row += [pod_ip(obj) or "<none>", spec.get("nodeName") or "<none>",
                (obj.get("status") or {}).get("nominatedNodeName") or "<none>", gates_text]
    return row


def _node_row(obj: Manifest, now: datetime, wide: bool) -> list[str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ready = _condition(obj, "Ready")
    states = [] if ready is None else ["Ready" if ready.get("status") == "True" else "NotReady"]
    states = states or ["Unknown"]
    if spec.get("unschedulable"):
        states.append("SchedulingDisabled")
    roles = set()
    for key, value in (_meta(obj).get("labels") or {}).items():
        if key.startswith("node-role.kubernetes.io/") and key[len("node-role.kubernetes.io/"):]:
            roles.add(key[len("node-role.kubernetes.io/"):])
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    info = status.get("nodeInfo") or {}
    row = [",".join(states), ",".join(sorted(roles)) or "<none>",
           age(_meta(obj).get("creationTimestamp"), now), info.get("kubeletVersion", "")]
    if wide:
        def address(kind: str) -> str:
            found = [a.get("address", "") for a in status.get("addresses") or [] if a.get("type") == kind]
            return found[0] if found else "<none>"
        row += [address("InternalIP"), address("ExternalIP"), info.get("osImage") or "<unknown>",
                info.get("kernelVersion") or "<unknown>", info.get("containerRuntimeVersion") or "<unknown>"]
    return row


@dataclass(frozen=True)
class TablePrinter:
    """The columns of one kind (after NAME) and how to fill them from a manifest."""

    columns: tuple[str, ...]
    wide_columns: tuple[str, ...]
    row: Callable[[Manifest, datetime, bool], list[str]]


PRINTERS: dict[str, TablePrinter] = {
    "Endpoints": TablePrinter(("ENDPOINTS", "AGE"), (), _endpoints_row),
    "EndpointSlice": TablePrinter(("ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"), (), _slice_row),
    "Service": TablePrinter(("TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"), ("SELECTOR",),
                            _service_row),
    "Pod": TablePrinter(("READY", "STATUS", "RESTARTS", "AGE"),
                        ("IP", "NODE", "NOMINATED NODE", "READINESS GATES"), _pod_row),
    "Node": TablePrinter(("STATUS", "ROLES", "AGE", "VERSION"),
                         ("INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"),
                         _node_row),
}
