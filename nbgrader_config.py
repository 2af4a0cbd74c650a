"""Points nbgrader at the course in course/, for commands run here and for JupyterLab's Formgrader.

`make lab` starts JupyterLab in this folder; the Formgrader reads only this file, so it loads the
course's own configuration (course id, gradebook, feedback settings) and sets the course root.
"""
from pathlib import Path

COURSE = Path(__file__).resolve().parent / "course"

c = get_config()  # noqa: F821 (provided by nbgrader/Jupyter when they load this file)
load_subconfig("nbgrader_config.py", path=str(COURSE))  # noqa: F821 (provided likewise)
c.CourseDirectory.root = str(COURSE)

# A single-user lab keeps nbgrader's exchange (release/fetch/submit) beside the course, where it can write;
# a multi-user JupyterHub uses a shared exchange instead (docs/classroom.md).
c.Exchange.root = str(COURSE / "exchange")
