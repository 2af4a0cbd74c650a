# Two commands set everything up on a fresh machine:
#   make lab    opens the course in JupyterLab (LAB_ARGS="--no-browser --port 8888" for headless)
#   make test   installs what the tests need and runs the whole suite
# A third builds the course as a static site that runs in any browser (no install for learners):
#   make site   builds build/site/ (mk/site.mk, site/build.py) and says how to serve it
# Instructors: make instructor opens the repository with nbgrader's Formgrader and Create Assignment.
# A virtual environment is created in .venv unless one is already active.

SHELL := /bin/bash
VENV ?= $(if $(VIRTUAL_ENV),$(VIRTUAL_ENV),$(CURDIR)/.venv)
PY := $(VENV)/bin/python
# nbgrader shells out to alembic, jupyter to its own commands: the venv's bin comes first for everything.
export PATH := $(VENV)/bin:$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
LAB_ARGS ?=
PYTEST_ARGS ?=
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
NEED := scripts/need-system-package.sh

.PHONY: lab instructor learner-copies test setup test-setup system-lab system-test system-site site clean help demo-hub
.DEFAULT_GOAL := help

help:
	@echo "make lab    - set up and open the course in JupyterLab (LAB_ARGS=... passes options)"
	@echo "make instructor - JupyterLab on the whole repository with nbgrader's authoring tools"
	@echo "make test   - set up and run every test (unit, property, notebooks, browser, grading)"
	@echo "make demo-hub - (root) a JupyterHub classroom on 127.0.0.1:8000: instructor + two learners; Ctrl-C stops it"
	@echo "make site   - build the course as a static site that runs in the browser (build/site/)"

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamps make a second run skip what is done; they are invalidated when pyproject.toml changes.
$(VENV)/.stamp-install: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.stamp-test: pyproject.toml $(VENV)/.stamp-install
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.stamp-extensions: $(VENV)/.stamp-install
	for ext in formgrader assignment_list course_list validate_assignment; do \
	  jupyter server extension enable --sys-prefix nbgrader.server_extensions.$$ext >/dev/null 2>&1 \
	    || { echo "error: could not enable nbgrader's $$ext server extension" >&2; exit 1; }; done
	jupyter labextension enable --level=sys_prefix @jupyter/nbgrader >/dev/null
	jupyter labextension enable --level=sys_prefix @jupyter-widgets/jupyterlab-manager >/dev/null
	jupyter labextension list 2>&1 | grep -q '@jupyter/nbgrader.*enabled' \
	  || { echo "error: the nbgrader JupyterLab extension is not enabled" >&2; exit 1; }
	jupyter labextension list 2>&1 | grep -q '@jupyter-widgets/jupyterlab-manager.*enabled' \
	  || { echo "error: the ipywidgets JupyterLab extension is not enabled" >&2; exit 1; }
	touch $@

$(VENV)/.stamp-site: pyproject.toml $(VENV)/.stamp-install
	$(PY) -m pip install --quiet -e '.[site]'
	touch $@

system-lab:
	@$(NEED) dot graphviz

system-site:
	@$(NEED) npm npm

system-test: system-lab
	@$(NEED) chromium chromium
	@$(NEED) bwrap bubblewrap
	@$(NEED) npm npm

setup: system-lab $(VENV)/.stamp-install $(VENV)/.stamp-extensions

test-setup: setup system-test $(VENV)/.stamp-test $(VENV)/.stamp-site
	@$(MAKE) --no-print-directory -f mk/assets.mk PY=$(PY)
	@$(MAKE) --no-print-directory -f mk/hub.mk PY=$(PY)
	@$(MAKE) --no-print-directory -f mk/site.mk PY=$(PY) build/site/index.html

site: setup system-site $(VENV)/.stamp-site
	@$(MAKE) --no-print-directory -f mk/site.mk PY=$(PY) site

# The learner works in copies of the lessons (git-ignored), made on first run and for lessons added
# later, never overwritten: the tracked notebooks stay clean and `git pull` never conflicts.
LEARNER_DIR ?= my-notebooks
LEARNER_ROOT = $(abspath $(LEARNER_DIR))

learner-copies:
	@mkdir -p "$(LEARNER_ROOT)"
	@for nb in notebooks/*.ipynb; do \
	  [ -e "$(LEARNER_ROOT)/$${nb##*/}" ] || cp "$$nb" "$(LEARNER_ROOT)/"; done
	@echo "Your copies of the lessons: $(LEARNER_DIR)/ (the originals stay in notebooks/; delete a copy to start it afresh)"

# etc/learner: no nbgrader authoring tools, no news pop-up, wide text tables scroll.
lab: setup learner-copies
	JUPYTER_CONFIG_PATH="$(CURDIR)/etc/learner$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	  jupyter lab $(ROOT_FLAG) --ServerApp.root_dir="$(LEARNER_ROOT)" \
	  --LabApp.default_url=/lab/tree/00-start-here.ipynb $(LAB_ARGS)

instructor: setup
	jupyter lab $(ROOT_FLAG) --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/course $(LAB_ARGS)

test: test-setup
	$(PY) -m pytest tests notebooks --nbval-lax $(PYTEST_ARGS)

# The classroom of docs/classroom.md on this machine, the same hub tests/test_hub_classroom.py drives.
demo-hub: test-setup
	$(PY) scripts/classroom_hub.py demo $(if $(HUB_PORT),--port $(HUB_PORT),)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
