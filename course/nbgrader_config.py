"""nbgrader configuration of the course "Kubernetes Endpoints and EndpointSlices, step by step".

Run nbgrader (or `autograder`) from this folder, or from anywhere with `--CourseDirectory.root=<this folder>`.
Students and assignments are created in the gradebook on the fly (nbgrader's defaults
`Autograde.create_student` and `GenerateAssignment.create_assignment`), so no roster is needed to start.
"""
from pathlib import Path

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades, NbGraderPreprocessor

HERE = Path(__file__).resolve().parent

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.root = str(HERE)
c.CourseDirectory.course_id = "slicelab"
c.CourseDirectory.db_url = f"sqlite:///{HERE / 'gradebook.db'}"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"

# Every notebook of an assignment is graded; nothing else is copied with it.
c.CourseDirectory.notebook_id = "*"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

c.Autograde.create_student = True
c.GenerateAssignment.create_assignment = True

# Late work: one policy for `autograder` and for plain `nbgrader autograde` (an nbgrader late-penalty
# plug-in, autograder/late.py). Within 15 minutes of the due date is on time; then 10% of the score per
# day (a started day counts), at most half. Due dates: here, or in the Formgrader's "Manage Assignments"
# (a date here wins and is written to the gradebook). A date without a zone is UTC.
c.AssignLatePenalties.plugin_class = "autograder.late.LatePenalty"
c.LatePenalty.grace_minutes = 15
c.LatePenalty.per_day = 0.10
c.LatePenalty.max_penalty = 0.50
c.LatePenalty.due_dates = {}  # e.g. {"ps1-the-flow": "2026-10-05 23:59:00 Europe/Berlin"}
# The clock of the LMS's export zips (Canvas, Moodle), used where there is no nbgrader timestamp.txt.
c.LatePenalty.export_timezone = "UTC"

# A test cell may not run forever in a learner's kernel; the grading kit adds its own sandbox limits.
c.ExecutePreprocessor.timeout = 60

# What learners see where a reference solution was removed.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"


class ShortenTracebacks(NbGraderPreprocessor):
    """Feedback keeps a failed check's one-line message and drops the traceback.

    An IPython traceback quotes the lines around the failing call, which would show learners the
    hidden tests (and their expected values) in their feedback.
    """

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


# Feedback never shows hidden tests: their source is removed and tracebacks are cut to the message.
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, ShortenTracebacks, CSSHTMLHeaderPreprocessor]
