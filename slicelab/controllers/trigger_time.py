"""The `last-change-trigger-time` annotation, computed like Kubernetes' TriggerTimeTracker.

The first time a controller sees a Service, the trigger is the Service's creationTimestamp; afterwards
it is the earliest Ready-condition lastTransitionTime among the Pods whose one changed since the last
sync (and the Service's creationTimestamp if that changed, i.e. the Service was recreated). No trigger
→ the annotation is removed from what is written. Each controller keeps its own tracker.
"""
from __future__ import annotations

from typing import Iterable

from slicelab.objects import ANNOTATION_TRIGGER_TIME, PodFacts, ServiceFacts, format_time_nano, parse_time


def with_trigger_time(annotations: dict, trigger: str | None) -> dict:
    """Set (or, with no trigger, remove) the annotation in `annotations`; returns them."""
    if trigger:
        annotations[ANNOTATION_TRIGGER_TIME] = trigger
    else:
        annotations.pop(ANNOTATION_TRIGGER_TIME, None)
    return annotations


class TriggerTimeTracker:
    def __init__(self) -> None:
        self._service_created: dict[tuple[str, str], str] = {}
        self._pod_times: dict[tuple[str, str], dict[str, str | None]] = {}

    def compute(self, service: ServiceFacts, pods: Iterable[PodFacts], every_pod: bool = True) -> str | None:
        """Record the Pods' current trigger times and return the annotation value (or None).

        `every_pod`: `pods` are all the Service's Pods, so Pods not among them are forgotten (as the
        tracker rebuilds its state each sync); False: only changed Pods are given (incremental sync)."""
        key = (service.namespace, service.name)
        candidates: list[str] = []
        if self._service_created.get(key) != service.creation_timestamp and service.creation_timestamp:
            candidates.append(service.creation_timestamp)
        self._service_created[key] = service.creation_timestamp
        seen = self._pod_times.get(key, {})
        if every_pod:  # the same as the loop below, in one pass each
            pods = list(pods)
            candidates.extend({pod.ready_since for pod in pods
                               if pod.ready_since and seen.get(pod.name) != pod.ready_since})
            now: dict[str, str | None] = {pod.name: pod.ready_since for pod in pods}
        else:
            now = seen
            for pod in pods:
                if pod.ready_since and seen.get(pod.name) != pod.ready_since:
                    candidates.append(pod.ready_since)
                now[pod.name] = pod.ready_since
        self._pod_times[key] = now
        if not candidates:
            return None
        # Pods of one rollout share few distinct timestamps: parse each distinct one once.
        return format_time_nano(min(parse_time(t) for t in set(candidates)))

    def forget_pods(self, service: ServiceFacts, names: Iterable[str]) -> None:
        seen = self._pod_times.get((service.namespace, service.name), {})
        for name in names:
            seen.pop(name, None)

    def forget(self, key: tuple[str, str]) -> None:
        self._service_created.pop(key, None)
        self._pod_times.pop(key, None)
