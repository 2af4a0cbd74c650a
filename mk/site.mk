# The course as a static site that runs in the browser (JupyterLite + Pyodide), kept out of the main
# Makefile. `make site` always builds build/site/ from nothing; `make test-setup` asks for
# build/site/index.html, which is rebuilt only when something the site is made of changed.
SITE := build/site
SITE_INPUTS := pyproject.toml $(wildcard site/*.py site/*.json site/*.txt site/*.md notebooks/*.ipynb slicelab/*.py slicelab/*/*.py \
  slicelab/scenarios/*.yaml course/nbgrader_config.py course/source/*/*.ipynb autograder/answers.py)

.PHONY: site

site:
	$(PY) site/build.py --out $(SITE)

$(SITE)/index.html: $(SITE_INPUTS)
	$(PY) site/build.py --out $(SITE)
