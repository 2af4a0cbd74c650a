"""How fast slicelab reconciles, and how cheap one Pod event is compared with a from-scratch sync.

Prints figures, never pass/fail. Run: `python benchmarks/reconcile.py` (or `--quick` for a smoke run).

1. From scratch: one Service selecting N Pods (10,000 and 100,000; --quick: 1,000 and 5,000).
   Store time (validation + defaulting) and controller time are measured separately: the two Service
   controllers are paused while the Pods are applied, then resumed one after the other.
2. Events inside the 10,000-Pod Service (--quick: 1,000): add a Pod, flip one to not-ready, delete one.
   Each event is one transaction; its time is compared with the from-scratch controller time measured
   above in the same run (goal: at least 20x cheaper), and its EndpointSlice writes are counted (real
   Kubernetes writes exactly one slice per such event). v1 Endpoints is truncated to 1000 addresses
   (kept in byte order of the IP), so an event outside the kept addresses writes nothing there.
3. Peak memory of the process (ru_maxrss).
The one-time compilation of the official JSON schemas is measured and reported on its own first.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import slicelab  # noqa: E402
from slicelab.builders import pod, service  # noqa: E402
from slicelab.schema import _part_validator, compiled_validator  # noqa: E402

WEB = {"app": "web"}


def pod_ip(i: int) -> str:
    return f"10.{i // 65536}.{(i // 256) % 256}.{i % 256}"


def make_pods(n: int, start: int = 0, **kw) -> list[dict]:
    return [pod(f"web-{i}", pod_ip(i), labels=WEB, ports=[8080], **kw) for i in range(start, start + n)]


def warm_schemas() -> float:
    begin = time.perf_counter()
    for kind, parts in (("Pod", ("apiVersion", "kind", "metadata", "spec", "status")),
                        ("Service", ("apiVersion", "kind", "metadata", "spec"))):
        compiled_validator(kind)
        for part in parts:
            _part_validator(kind, part)
    return time.perf_counter() - begin


def from_scratch(n: int, max_per_slice: int = 100) -> tuple[slicelab.Cluster, dict]:
    c = slicelab.Cluster(max_endpoints_per_slice=max_per_slice, seed=1)
    pods = make_pods(n)
    c.pause_controller("endpoints")
    c.pause_controller("endpointslice")
    cpu_begin = time.process_time()
    begin = time.perf_counter()
    c.apply([service("web", selector=WEB, ports=[{"port": 80, "targetPort": 8080}])] + pods)
    stored = time.perf_counter()
    cpu_stored = time.process_time()
    ep_writes = c.resume_controller("endpoints")
    ep_done = time.perf_counter()
    slice_writes = c.resume_controller("endpointslice")
    done = time.perf_counter()
    cpu_done = time.process_time()
    figures = {
        "store_cpu": cpu_stored - cpu_begin,
        "controllers_cpu": cpu_done - cpu_stored,
        "store": stored - begin,
        "endpoints_controller": ep_done - stored,
        "endpointslice_controller": done - ep_done,
        "total": done - begin,
        "slices": len([w for w in slice_writes if w["kind"] == "EndpointSlice"]),
        "endpoints_writes": len(ep_writes),
    }
    figures["controllers"] = figures["endpoints_controller"] + figures["endpointslice_controller"]
    return c, figures


def timed(action) -> tuple[float, list[dict]]:
    begin = time.perf_counter()
    writes = action()
    return time.perf_counter() - begin, writes


def events(c: slicelab.Cluster, n: int) -> list[tuple[str, float, int, int]]:
    rows = []
    seconds, writes = timed(lambda: c.apply(make_pods(1, start=n)))
    rows.append(("add a Pod", seconds, writes))
    flip = make_pods(1, start=n // 2, ready=False)
    seconds, writes = timed(lambda: c.apply(flip))
    rows.append(("readiness flip", seconds, writes))
    seconds, writes = timed(lambda: c.delete("Pod", f"web-{n // 3}"))
    rows.append(("delete a Pod", seconds, writes))
    return [(name, s, sum(w["kind"] == "EndpointSlice" for w in ws), sum(w["kind"] == "Endpoints" for w in ws))
            for name, s, ws in rows]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    args = parser.parse_args(argv)
    small, large = (1_000, 5_000) if args.quick else (10_000, 100_000)

    print(f"one-time schema compilation: {warm_schemas():.2f} s")
    print()
    print("wall-clock seconds (cpu seconds of this process in brackets: the machine may be shared)")
    print(f"{'pods':>8} {'store s':>14} {'endpoints s':>12} {'slices s':>9} {'controllers s':>15} {'total s':>8} "
          f"{'slices':>7}")
    results = {}
    for n in (small, large):
        c, f = from_scratch(n)
        results[n] = (c, f)
        print(f"{n:>8} {f['store']:>6.2f} ({f['store_cpu']:>5.2f}) {f['endpoints_controller']:>12.3f} "
              f"{f['endpointslice_controller']:>9.3f} {f['controllers']:>6.2f} ({f['controllers_cpu']:>5.2f}) "
              f"{f['total']:>8.2f} {f['slices']:>7}")
        if n == large:
            del c
            results[n] = (None, f)
    print()
    c, f = results[small]
    print(f"events in a {small}-Pod Service (from-scratch controller time {f['controllers'] * 1000:.1f} ms, "
          f"from-scratch total {f['total'] * 1000:.1f} ms):")
    print(f"{'event':<16} {'ms':>8} {'x cheaper (controllers)':>24} {'x cheaper (total)':>18} {'slice writes':>13} "
          f"{'v1 writes':>10}")
    for name, seconds, slice_writes, v1_writes in events(c, small):
        print(f"{name:<16} {seconds * 1000:>8.2f} {f['controllers'] / seconds:>24.1f} {f['total'] / seconds:>18.1f} "
              f"{slice_writes:>13} {v1_writes:>10}")
    print()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak memory (ru_maxrss): {peak / 1024:.0f} MiB")
    big = results[large][1]
    print(f"goal: {large} Pods reconciled from scratch < 2 s -> controllers {big['controllers']:.2f} s wall "
          f"({'met' if big['controllers'] < 2 else 'not met'}); with storing the {large} Pod manifests first "
          f"(strict schema + semantic validation, defaulting) {big['total']:.2f} s wall "
          f"({'met' if big['total'] < 2 else 'not met'}), "
          f"{(big['store_cpu'] + big['controllers_cpu']) / large * 1e6:.0f} us cpu per Pod")


if __name__ == "__main__":
    main()
