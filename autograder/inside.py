"""The program that runs INSIDE a student's sandbox: the student's code, then the probes.

Everything here is at the student's mercy (their code runs in this very interpreter and may patch
anything), so nothing here judges: it only reports, as JSON lines on file descriptor 3, what the
student's expressions evaluate to. Whatever it reports, forged or not, is at most what the student
could have answered anyway, because the expected values are not in this process.

Usage (by autograder.sandbox): ``python -m autograder.inside PLAN.json CELL_TIMEOUT``.
"""
from __future__ import annotations

import json
import os
import signal
import sys

RESULTS_FD = 3
MAX_MESSAGE = 400


class CellTimeout(Exception):
    """Raised into a cell that ran longer than the time limit per cell."""


def _on_alarm(signum, frame):  # noqa: ARG001 - signal handler signature
    raise CellTimeout("the cell ran longer than the time limit per cell")


def _describe(err: BaseException) -> str:
    text = f"{type(err).__name__}: {err}"
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


class _Sink:
    """Where cell output goes: nowhere. Outputs are never graded, so they are not kept."""

    def write(self, text):
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False


def main(argv: list[str]) -> None:
    write, dumps = os.write, json.dumps
    plan = json.loads(open(argv[0], encoding="utf-8").read())
    cell_timeout = float(argv[1])

    def emit(record):
        write(RESULTS_FD, (dumps(record) + "\n").encode())

    from traitlets.config import Config
    from IPython.core.interactiveshell import InteractiveShell

    from autograder.answers import to_plain

    class GradingShell(InteractiveShell):
        """IPython without a kernel (no ZeroMQ, no kernel start-up): the notebook's code runs with the
        same magics, ``get_ipython()`` and transformers; GUI event loops are simply not there."""

        def enable_gui(self, gui=None):
            return None

    config = Config()
    config.HistoryManager.enabled = False
    shell = GradingShell.instance(config=config)
    sys.stdout = sys.stderr = _Sink()
    signal.signal(signal.SIGALRM, _on_alarm)
    emit({"started": True})
    for index, step in enumerate(plan["steps"]):
        signal.setitimer(signal.ITIMER_REAL, cell_timeout)
        try:
            if "code" in step:
                result = shell.run_cell(step["code"], store_history=False)
                error = result.error_in_exec or result.error_before_exec
                if error is not None:
                    emit({"step": index, "where": step["where"], "error": _describe(error)})
            else:
                try:
                    value = to_plain(eval(compile(step["expr"], "<check>", "eval"), shell.user_ns))
                    emit({"probe": step["probe"], "value": value})
                except BaseException as err:  # noqa: BLE001 - any failure of the student's code is a failed check
                    emit({"probe": step["probe"], "error": _describe(err)})
        except BaseException as err:  # noqa: BLE001 - a timeout between cells, a SystemExit, ...
            emit({"step": index, "where": step.get("where", "a check"), "error": _describe(err)})
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    emit({"done": True})


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    finally:
        os._exit(0)
