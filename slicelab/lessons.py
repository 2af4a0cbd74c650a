"""The self-check questions of lessons 02-09, kept out of the notebooks so a learner does not read the
answer in the cell that asks the question.

`self_check("05", 2)` builds the second self-check of lesson 05 as a SelfCheck widget. Each item has a
question, choices (or none for a short answer), the answer (a choice, or a list of accepted spellings),
a hint that points where to look without giving the answer, and an optional explanation shown once the
answer is right. tests/test_lessons.py checks every item; tests/test_lesson_facts.py recomputes the
answers that depend on the simulation.
"""
from __future__ import annotations

from slicelab.widgets.selfcheck import SelfCheck

__all__ = ["SELF_CHECKS", "self_check"]


def self_check(lesson: str, number: int) -> SelfCheck:
    """The `number`-th (from 1) self-check of `lesson` ("02" ... "09") as a widget."""
    items = SELF_CHECKS.get(lesson)
    if items is None:
        raise ValueError(f"lesson: no self-checks for lesson {lesson!r} (lessons: {', '.join(SELF_CHECKS)})")
    if not 1 <= number <= len(items):
        raise ValueError(f"number: lesson {lesson} has self-checks 1..{len(items)}, not {number}")
    return SelfCheck(**items[number - 1])


SELF_CHECKS: dict[str, list[dict]] = {'02': [{'question': 'The selector is `app=web`. Which Pods does it select?',
         'choices': ['only the three plain web Pods',
                     'the web Pods and the canary Pod',
                     'every Pod, db included'],
         'answer': 'the web Pods and the canary Pod',
         'hint': "Compare each Pod's labels in the `--show-labels` column with the selector's pairs.",
         'explanation': 'The canary Pod has app=web plus another label; extra labels never stop a match.'},
        {'question': 'With `app=web,tier=canary`, how many endpoints does the Service have now?',
         'answer': ['1', 'one'],
         'hint': 'Count the boxes in the packing diagram after the selector change, not before it.'},
        {'question': 'You set `selector: {}`. What does the cluster store as the Service\'s selector?',
         'choices': ['an empty selector that selects every Pod', 'no selector at all',
                     'nothing: the Service is rejected'],
         'answer': 'no selector at all',
         'hint': 'Read the `stored spec.selector` line above, then look for the db Pod in the slice.',
         'explanation': 'An empty map is omitted when stored, so the controllers leave the Service alone; '
                        'only a pure label test says `{}` matches every label set.'},
        {'question': 'The Service has `port: 80` and `targetPort: metrics`. Which port number do the slices '
                     'show?',
         'answer': '9090',
         'hint': 'Read the PORTS column of `kubectl get endpointslices` after the last event.',
         'explanation': "The Service's own port never appears in Endpoints or EndpointSlices."},
        {'question': 'Switching `targetPort` from `metrics` to `9090` caused how many EndpointSlice writes?',
         'answer': ['0', 'none', 'zero'],
         'hint': 'Look at the Writes line of the last event.',
         'explanation': 'The resolved port list is identical, so there is nothing to write.'},
        {'question': 'A Service selector can say `tier in (front, canary)`.',
         'choices': ['true', 'false'],
         'answer': 'false',
         'hint': "Look at how `set_selector` turned your text into the Service's `spec.selector`: a map of "
                 'pairs.',
         'explanation': 'Service selectors are equality-only maps; set-based selectors exist for Deployments '
                        'and other workloads.'}],
 '03': [{'question': 'Where is `web-2` listed now?',
         'choices': ['in `addresses`', 'in `notReadyAddresses`', 'nowhere'],
         'answer': 'in `notReadyAddresses`',
         'hint': "Find web-2's IP (from the first YAML) in the describe output: which line is it on?"},
        {'question': 'Does `kubectl get endpoints` show not-ready addresses?',
         'choices': ['yes', 'no'],
         'answer': 'no',
         'hint': "Run `print(lab.cluster.kubectl('get endpoints web'))` and compare it with the describe "
                 'output.'},
        {'question': 'While `web-3` terminates, where does the Endpoints object list it?',
         'choices': ['in `addresses`', 'in `notReadyAddresses`', 'nowhere'],
         'answer': 'nowhere',
         'hint': "Look for web-3's IP (from the first YAML) on the Addresses and NotReadyAddresses lines.",
         'explanation': 'Without publishNotReadyAddresses a terminating Pod leaves v1 Endpoints at once.'},
        {'question': 'With `publishNotReadyAddresses: true`, where is the not-ready `web-2` listed?',
         'choices': ['in `addresses`', 'in `notReadyAddresses`', 'nowhere'],
         'answer': 'in `addresses`',
         'hint': 'Read the two address lines of the describe output above.',
         'explanation': 'The terminating web-3 is back too: with this field, terminating Pods stay and count '
                        'as ready.'},
        {'question': 'How many subsets does the Endpoints object have now?',
         'answer': ['2', 'two'],
         'hint': 'Count the blocks under `Subsets:` — each has its own Addresses and Ports.'},
        {'question': 'Which annotation tells you an Endpoints object was truncated?',
         'answer': ['endpoints.kubernetes.io/over-capacity',
                    'endpoints.kubernetes.io/over-capacity: truncated'],
         'hint': 'Read the keys of the dictionary printed above.',
         'explanation': 'Its only value is `truncated`. Ready addresses are kept first.'}],
 '04': [{'question': 'A Service with a selector matches zero Pods. How many EndpointSlices does it have?',
         'answer': ['1', 'one'],
         'hint': 'Count the slices in the packing diagram above.'},
        {'question': 'Which label says which controller manages a slice?',
         'answer': 'endpointslice.kubernetes.io/managed-by',
         'hint': 'Look under `metadata.labels` in the YAML: one key names a controller as its value.'},
        {'question': "A Ready Pod starts terminating. What is its endpoint's `ready` condition?",
         'choices': ['true', 'false'],
         'answer': 'false',
         'hint': "Find web-3's row in the table above, READY column."},
        {'question': 'And its `serving` condition?',
         'choices': ['true', 'false'],
         'answer': 'true',
         'hint': 'Same row, SERVING column. What does serving follow?'},
        {'question': '12 endpoints, one port set, at most 5 per slice: how many slices?',
         'answer': ['3', 'three'],
         'hint': 'The limit is per slice; count the rows of the packing diagram.'},
        {'question': 'Slices `db-a` and `db-b` both list 10.0.0.7. How many endpoints does kube-proxy use '
                     'for `db`?',
         'answer': ['1', 'one'],
         'hint': 'Read the line under the kubectl table, not the table.',
         'explanation': 'A consumer builds one list of unique endpoints from all slices of a Service.'}],
 '05': [{'question': 'Slices hold 100, 100 and 50 endpoints. You add one Pod. Which slice is written?',
         'choices': ['a new slice', 'a slice of 100', 'the slice of 50'],
         'answer': 'the slice of 50',
         'hint': 'A full slice has no room. Would a new slice be better than one update?'},
        {'question': 'Slices of 74 and 74 exist; 152 new endpoints arrive (limit 100). How many slices are '
                     'created?',
         'answer': ['2', 'two'],
         'hint': 'Phase 3: 152 is more than a full slice. After filling one new slice, does the rest fit in '
                 'a 74?'},
        {'question': 'Same slices, same 15 new Pods, but both slices are being updated anyway. How many '
                     'slices are created?',
         'answer': ['0', 'none', 'zero'],
         'hint': 'Phase 2 runs before phase 3: read the Writes of the last event.',
         'explanation': 'Phase 2 fills the slices it writes anyway, fullest first — it may split new '
                        'endpoints across them.'},
        {'question': 'Four old slices, three new full slices: how many slices are deleted?',
         'answer': ['1', 'one'],
         'hint': 'Each create is paired with one delete and becomes an update. Count what is left over.'},
        {'question': 'During the rollout, do you see the controller merge two half-empty slices?',
         'choices': ['yes', 'no'],
         'answer': 'no',
         'hint': 'Read the slice sizes column: does any event shrink the number of slices without a Pod '
                 'going away?'},
        {'question': 'An old Pod *starts* terminating. How many EndpointSlice writes does that cause?',
         'answer': ['1', 'one'],
         'hint': "Find a 'starts terminating' row and read its create/update/delete column."}],
 '06': [{'question': 'How often did each Pod get picked out of 300 connections?',
         'choices': ['about a third each', 'all to the first Pod', 'in turn: exactly 100 each'],
         'answer': 'about a third each',
         'hint': "Read the counts above, then think about how kube-proxy's iptables `statistic` rules "
                 'choose.'},
        {'question': 'Which objects does kube-proxy read to pick a backend?',
         'choices': ['v1 Endpoints', 'EndpointSlices', 'the Pods'],
         'answer': 'EndpointSlices',
         'hint': 'Which object carries the `ready`, `serving` and `terminating` conditions kube-proxy '
                 'needs?'},
        {'question': 'A headless Service has 3 ready endpoints. How many addresses does DNS return?',
         'answer': ['3', 'three'],
         'hint': 'Count the records in the answer printed above.'},
        {'question': 'Every endpoint is terminating and still serving. What happens to new connections?',
         'choices': ['refused', 'sent to the serving, terminating endpoints', 'DNS fails'],
         'answer': 'sent to the serving, terminating endpoints',
         'hint': 'Read the connection printed above: which Pod answered?'},
        {'question': 'A ClusterIP Service has zero endpoints. What does a client see?',
         'choices': ['DNS fails with NXDOMAIN', 'the connection is refused at once', 'the connection hangs'],
         'answer': 'the connection is refused at once',
         'hint': 'The name still resolves (first line above). Read the second line.'},
        {'question': '`logs` has `internalTrafficPolicy: Local`. What does a client on node-c, which runs no '
                     '`logs` Pod, see?',
         'choices': ['it reaches a logs Pod on another node', 'the connection is refused at once',
                     'the connection waits and times out'],
         'answer': 'the connection waits and times out',
         'hint': "Read node-c's line above: which rule does its kube-proxy apply, REJECT or DROP?",
         'explanation': 'Endpoints exist elsewhere, so the packet is dropped, not rejected: no answer comes.'}],
 '07': [{'question': 'One Pod of that Service changes. How much data leaves the API server (give a size)?',
         'answer': ['4.5 GB', '4.5gb', '4.5 gigabytes'],
         'hint': 'Multiply the object size in the output above by the number of nodes.'},
        {'question': 'In which rows does adding Pods to the Service make one update more expensive?',
         'choices': ['v1 Endpoints', 'EndpointSlices', 'both'],
         'answer': 'v1 Endpoints',
         'hint': 'Go down one column (more Pods, same nodes) in the Endpoints rows, then in the Slices rows, '
                 'and compare the labels.'},
        {'question': 'With slices of 100, what does a single endpoint change send (20,000 endpoints, 5,000 '
                     'nodes)?',
         'answer': ['50 MB', '50mb'],
         'hint': 'Row `update`, middle column, last figure.'},
        {'question': 'Which kind of change costs about the same bytes with both APIs?',
         'choices': ['create', 'update', 'rolling-update'],
         'answer': 'create',
         'hint': 'Compare the byte figures across a row: in which row do all columns agree?',
         'explanation': 'Every endpoint has to be sent once either way; slices only help when a few change.'},
        {'question': 'A rolling update counted as slicelab counts it, slices of 100: how many API writes, '
                     'compared with Endpoints?',
         'choices': ['far fewer', 'about the same number', 'far more'],
         'answer': 'about the same number',
         'hint': 'Second table, row `rolling-update`: compare the first figure (writes) of the two columns.',
         'explanation': 'Each replaced Pod is written a few times with either API (one more time with slices: '
                        'a terminating endpoint stays listed until its Pod is gone); what shrinks is each write.'},
        {'question': '20 endpoints on 10 nodes, limit 100: do slices send less for one update than '
                     'Endpoints?',
         'choices': ['yes', 'no'],
         'answer': 'no',
         'hint': 'Set the sliders to 20 Pods and 10 nodes (click the number beside a slider to type it) '
                 'and read the `update` bars.',
         'explanation': 'Below maxEndpointsPerSlice both APIs write one object of the same size.'},
        {'question': 'In the rolling update of 30 Pods, about how many EndpointSlice writes did each replaced '
                     'Pod cost?',
         'answer': ['4', 'four', 'about 4'],
         'hint': 'Add the CHANGE of the two `changes` rows and divide by the 30 replaced Pods.',
         'explanation': 'New Pod added, new Pod ready, old Pod terminating, old Pod gone: one update each.'}],
 '08': [{'question': 'A dual-stack Service has 3 dual-stack Pods (limit 100). How many EndpointSlices?',
         'answer': ['2', 'two'],
         'hint': 'Read the ADDRESSTYPE column: one slice can hold only one type.'},
        {'question': 'Which addresses does the v1 Endpoints object of this dual-stack Service list?',
         'choices': ['IPv4 only', 'IPv6 only', 'both'],
         'answer': 'IPv4 only',
         'hint': 'Look at the ENDPOINTS column above; the primary family is the first entry of '
                 '`ipFamilies`.'},
        {'question': 'After turning dual-stack on, what does the IPv6 slice hold?',
         'choices': ["the two Pods' IPv6 addresses",
                     'nothing: it is a placeholder',
                     'there is no IPv6 slice'],
         'answer': 'nothing: it is a placeholder',
         'hint': 'Find the IPv6 row of the packing diagram.'},
        {'question': 'kube-proxy on a node in zone-a: which endpoints does it prefer?',
         'choices': ['web-1 and web-3', 'every ready endpoint', 'web-2 and web-4'],
         'answer': 'web-1 and web-3',
         'hint': 'Read the HINTS column: which rows name zone-a?'},
        {'question': 'Does the not-ready endpoint get a hint?',
         'choices': ['yes', 'no'],
         'answer': 'no',
         'hint': "Find web-2's row in the table."},
        {'question': 'With `PreferSameNode`, which endpoints does kube-proxy on `node-a3` (zone-a, no `api` Pod) '
                     'use?',
         'choices': ['none: it drops the traffic', 'api-1 and api-2', 'api-1, api-2 and api-3'],
         'answer': 'api-1 and api-2',
         'hint': 'No endpoint is hinted for node-a3. What does kube-proxy try next?',
         'explanation': 'No node hint names node-a3, so kube-proxy falls back to the zone hints.'}],
 '09': [{'question': 'How many EndpointSlices did the mirroring controller write for those two addresses?',
         'answer': ['1', 'one'],
         'hint': 'Count the rows of the kubectl output above.'},
        {'question': 'Which `managed-by` value do mirrored slices carry?',
         'answer': 'endpointslicemirroring-controller.k8s.io',
         'hint': 'Read the LABELS column of the output above.'},
        {'question': 'The Service got a selector. What happened to the mirrored slice?',
         'choices': ['it was kept', 'it was deleted', 'it became the placeholder'],
         'answer': 'it was deleted',
         'hint': 'Compare the managed-by values in the two outputs.'},
        {'question': 'Will the EndpointSlice controller ever change `cache-1`?',
         'choices': ['yes, it owns every slice of a Service', 'no, it only touches slices it manages'],
         'answer': 'no, it only touches slices it manages',
         'hint': 'Which two labels must a slice carry for the EndpointSlice controller to list it?'}]}
