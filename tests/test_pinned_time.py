"""One timestamp reader (issue 15): what the API server accepts as a metav1.Time (Go's time.RFC3339) is
what validation admits and what every printer can read, so nothing admitted can break `kubectl get`."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import slicelab
from slicelab.builders import service
from slicelab.clock import parse_time
from slicelab.errors import ManifestError
from slicelab.views import durations

UTC = timezone.utc
ACCEPTED = {
    "2026-01-01T00:00:00Z": datetime(2026, 1, 1, tzinfo=UTC),
    "2026-01-01T00:00:00.5Z": datetime(2026, 1, 1, 0, 0, 0, 500000, tzinfo=UTC),
    "2026-01-01T00:00:00.123456789Z": datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=UTC),
    "2026-01-01T01:30:00+01:30": datetime(2026, 1, 1, tzinfo=UTC),
    "2025-12-31T19:00:00-05:00": datetime(2026, 1, 1, tzinfo=UTC),
}
REFUSED = ["20260101T000000Z", "2026-01-01 00:00:00Z", "2026-01-01t00:00:00Z", "2026-01-01T00:00:00z",
           "2026-01-01T00:00Z", "2026-01-01", "2026-01-01T00:00:00", "2026-01-01T00:00:00+0100",
           " 2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z ", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
           "2026-01-01T24:00:00Z", "2026-01-01T00:00:60Z", "2026-01-01T00:00:00.Z", "２０２６-01-01T00:00:00Z", ""]


@pytest.mark.parametrize("text, moment", ACCEPTED.items())
def test_rfc3339_timestamps_are_read_as_utc(text, moment):
    assert parse_time(text) == moment and parse_time(text).tzinfo == UTC
    assert durations.parse_timestamp(text) == moment


@pytest.mark.parametrize("text", REFUSED)
def test_anything_else_is_refused_naming_the_text(text):
    with pytest.raises(ValueError, match="is not an RFC 3339 timestamp"):
        parse_time(text)
    with pytest.raises(ValueError):
        durations.parse_timestamp(text)


def with_created(stamp: str) -> dict:
    svc = service("web", selector={"app": "web"})
    svc["metadata"]["creationTimestamp"] = stamp
    return svc


@pytest.mark.parametrize("text", REFUSED[:8])
def test_validation_refuses_what_kubectl_could_not_print(text):
    c = slicelab.Cluster()
    with pytest.raises(ManifestError, match="metadata.creationTimestamp"):
        c.apply(with_created(text))
    assert c.get("Service") == []


@pytest.mark.parametrize("text, moment", ACCEPTED.items())
def test_whatever_validation_admits_kubectl_prints(text, moment):
    c = slicelab.Cluster(start=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=90))
    c.apply(with_created(text))
    (row,) = c.kubectl("get svc web").splitlines()[1:]
    age = (c.now - moment).total_seconds()
    assert row.split()[-1] == durations.human_duration(timedelta(seconds=age))
    assert row.split()[-1] in ("90s", "89s")


def test_a_ready_condition_time_is_read_by_the_same_rule():
    from slicelab.builders import pod
    p = pod("p", "10.0.0.1")
    p["status"]["conditions"][0]["lastTransitionTime"] = "20260101T000000Z"
    with pytest.raises(ManifestError, match="lastTransitionTime"):
        slicelab.Cluster().apply(p)
