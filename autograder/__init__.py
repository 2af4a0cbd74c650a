"""autograder: the course's grading kit, a thin layer over nbgrader.

See `autograder.answers` for how test cells state right answers.
"""
__version__ = "0.1.0"
