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
