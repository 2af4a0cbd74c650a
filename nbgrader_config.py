"""Points nbgrader (and JupyterLab's Formgrader started by `make lab` here) at the course root in course/."""
from pathlib import Path

c = get_config()  # noqa: F821 (provided by nbgrader/Jupyter when they load this file)
c.CourseDirectory.root = str(Path(__file__).resolve().parent / "course")
