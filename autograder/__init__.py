"""autograder: the course's grading kit, a thin layer over nbgrader that never trusts a student's kernel.

Commands (``autograder`` or ``python -m autograder``; course root ``course/`` unless ``--course``)::

    autograder release ASSIGNMENT                  # nbgrader generate_assignment, after checking test cells
    autograder grade ASSIGNMENT SUBMISSIONS --out DIR [--jobs N] [--timeout S] [--unsafe]
                    [--student ID [--force]] [--shard I/N] [--emit-k8s-jobs DIR]
    autograder export ASSIGNMENT --to canvas|moodle|csv [--roster FILE]
    autograder feedback ASSIGNMENT [--pack canvas|moodle|folders] | report ASSIGNMENT | check NOTEBOOK
    autograder merge RESULTS... --out DIR [--expect-shards N]

The design: two sides, and only plain data crosses between them
----------------------------------------------------------------
*Trusted side* — the grader's process. It reads the test cells from the SOURCE notebooks
(``course/source``), never from a submission. Every test cell follows the answer protocol of
``autograder.answers``: only ``expect(check, ACTUAL, LITERAL, hint=...)``, ``expect_choice`` and
``expect_shape`` calls; ``autograder.probes`` parses them with ``ast`` into (check, actual-expression
source, expected literal), and ``release`` refuses, naming notebook and cell, a test cell that does
anything else.

*Untrusted side* — one sandbox per submitted notebook (``autograder.sandbox``). ``autograder.plan``
builds what it runs: the student's own code (solution cells by grade_id, cells they added, where they
added them), the source's locked cells, and at each test cell's place a *probe* per check, which
evaluates only the ACTUAL expression. The submission's test cells, outputs and metadata are ignored:
everything is re-executed, nothing is trusted. The program inside (``autograder.inside``) runs the
steps in an IPython shell and writes each probe's value, converted by ``to_plain``, as a JSON line on a
pipe. Expected values never enter the sandbox.

*Judging* happens back in the grader (``autograder.grading``): the pipe is read with a size cap, each
line parsed as JSON (no NaN, nothing but plain data), and ``answers.judge*`` compares it with the
expected literal. A test cell earns its points only if all its checks pass — nbgrader's semantics —
so honest submissions score exactly as under plain ``nbgrader autograde`` (benchmarks/grading.py
checks that on 40 submissions).

Why that holds against a student who controls their whole kernel: whatever the sandbox reports —
forged lines, monkeypatched ``to_plain`` or builtins, input transformers rewriting later cells,
always-equal objects (JSON cannot carry one) — is at most a value the student could have typed as
their answer, because the one thing that would let them do better, the expected value, is not in
their process and not on any path they can read. Residual, by design: the *inputs* of a hidden check
(the arguments in its actual expression) do run in the sandbox, and a student's answer to it is shown
in their own feedback (cut to 120 characters) — inputs, never expected values.

The sandbox (Linux, bubblewrap): its own user (uid 1000), PID, mount, network (none), IPC and UTS
namespaces; read-only /usr, the Python installation and venv, and ``autograder``/``slicelab`` bound at
/opt/kit — not the project folder, so no ``course/source``, no gradebook, no other student; the
student's own files read-only — the grader's private copy of them, taken by ``autograder.submissions``
(streaming, capped, no links followed) before anything reads them; a size-capped tmpfs /tmp; rlimits on address space (2 GiB default),
CPU, file size, open files; a pids cgroup for processes (the kernel does not enforce RLIMIT_NPROC
for a root grader — measured); a soft time limit per cell and a hard one per notebook that kills the
sandbox's process group, and its PID namespace takes every background process with it. Without
bubblewrap, ``grade`` refuses loudly unless ``--unsafe``.

Intake (``autograder.submissions``) reads Canvas and Moodle exports (zip or unzipped), nbgrader's
``submitted/`` and a folder per student; a student is the LMS's id or the folder's name, never merged
with another; what belongs to no student is listed, never dropped. What reaches the instructor (CSV,
terminal, feedback, the Formgrader) goes through ``autograder.inert``.

Scale and resilience: a unit of work is (spec + one student's files) -> one result record (JSON),
written atomically to ``DIR/results/<student>.json`` before the gradebook is updated; grades.csv,
feedback and the report are rebuilt from every record in ``DIR`` (``autograder.records``); SIGINT or
SIGTERM kills the running sandboxes, keeps what finished and exits 130; a record carries
a key (hash of tests, grader version and the student's files), so a re-run — after a crash or a kill
— grades only what is new or changed (``--student`` takes in one student, ``--force`` grades again).
``--jobs`` runs sandboxes in parallel threads (each sandbox is its own process); ``--emit-k8s-jobs``
writes one Kubernetes Indexed Job whose pods grade ``--shard JOB_COMPLETION_INDEX/N`` and a merge Job
(``autograder.k8s``); ``merge`` joins their records into one grades.csv and gradebook.
A grade is the records plus what decides it afterwards (``autograder.scores``): points entered by hand
in the Formgrader and the late policy (``autograder.late``, an nbgrader late-penalty plug-in).
``autograder.lms`` writes the files Canvas and Moodle import, and packs feedback as they take it.
Scores go into nbgrader's gradebook through ``nbgrader.api.Gradebook``; the student version is made
by nbgrader's own ``generate_assignment``.
"""
__version__ = "0.1.0"
