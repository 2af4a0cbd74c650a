"""The learner's JupyterLab (`make lab` puts this folder on JUPYTER_CONFIG_PATH).

A learner reads lessons: no nbgrader authoring tools (Create Assignment, Formgrader, course and
assignment lists; `make instructor` has them), no news pop-up, no update check, and a stylesheet so
wide text tables scroll sideways. labconfig/page_config.json turns off nbgrader's JupyterLab extension.
"""
from pathlib import Path

HERE = Path(__file__).resolve().parent

c = get_config()  # noqa: F821 (traitlets provides it)
c.ServerApp.jpserver_extensions = {f"nbgrader.server_extensions.{name}": False for name in
                                   ("formgrader", "assignment_list", "course_list", "validate_assignment")}
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
c.LabApp.app_settings_dir = str(HERE / "lab-settings")  # overrides.json: no "Would you like news?" toast
c.LabApp.custom_css = True
c.ServerApp.tornado_settings = {"static_custom_path": [str(HERE / "custom")]}
